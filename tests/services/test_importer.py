"""CSV import on a real vault: every row checked, exact line numbers, all rows or none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time
from pathlib import Path

import pytest

from therapist_desk.domain.enums import ClientStatus, Modality, NoteFormat, NoteStatus
from therapist_desk.domain.errors import ValidationError
from therapist_desk.services import audit_log, clients, importer, notes
from therapist_desk.services.importer import ImportFailed, import_csv_file, import_csv_text
from therapist_desk.services.vault_access import Vault
from tests.factories import FIXED_NOW, new_vault

CLIENT_HEADER = ("legal_first_name,legal_last_name,preferred_name,date_of_birth,email,phone,"
                 "address_line1,city,state,postal_code,status,intake_date,payer,member_id,"
                 "group_id,diagnoses,presenting_problem")

GOOD_CLIENTS = (
    CLIENT_HEADER + "\r\n"
    'Zoë,Exampleton,,1985-04-12,zoe@EXAMPLE.com,555-555-0101,"12 Sample Street, Apt 3",Portland,or,'
    '97201,active,2026-01-05,Imaginary Health,ABC123,G1,F41.1; f321,"Worry at work,\nand poor sleep"\r\n'
    "\r\n"
    "José,Placeholder,Jo,07/30/1990,,,,,,,,,,,,F4323,\r\n"
)


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    with new_vault(tmp_path / "data") as opened:
        yield opened


def _client_count(vault: Vault) -> int:
    with vault.reader() as session:
        return len(clients.list_clients(session))


def _import(vault: Vault, text: str, kind: str | None = None) -> importer.ImportResult:
    with vault.unit_of_work() as session:
        return import_csv_text(session, text, FIXED_NOW, kind=kind)


def _failure(vault: Vault, text: str, kind: str | None = None) -> list[str]:
    with pytest.raises(ImportFailed) as caught:
        _import(vault, text, kind)
    return [str(e) for e in caught.value.errors]


def test_good_clients_file_with_bom_accents_and_quoted_cells(vault: Vault, tmp_path: Path) -> None:
    path = tmp_path / "clients.csv"
    path.write_bytes(GOOD_CLIENTS.encode("utf-8-sig"))
    with vault.unit_of_work() as session:
        result = import_csv_file(session, path, FIXED_NOW)
    assert (result.kind, result.count) == ("clients", 2)
    with vault.reader() as session:
        zoe, jose = (clients.get_client(session, cid) for cid in result.ids)
        events = audit_log.list_events(session, action="client.create")
    assert zoe.legal_first_name == "Zoë"
    assert zoe.address.line1 == "12 Sample Street, Apt 3"
    assert zoe.address.state == "OR"
    assert zoe.email == "zoe@example.com"
    assert zoe.phone == "(555) 555-0101"
    assert zoe.presenting_problem == "Worry at work,\nand poor sleep"
    assert zoe.intake_date == date(2026, 1, 5)
    assert (zoe.insurance.payer, zoe.insurance.member_id) == ("Imaginary Health", "ABC123")
    assert [d.code for d in zoe.diagnoses] == ["F41.1", "F32.1"]
    assert zoe.diagnoses[0].title and zoe.diagnoses[0].code_set_release
    assert jose.preferred_name == "Jo" and jose.date_of_birth == date(1990, 7, 30)
    assert [d.code for d in jose.diagnoses] == ["F43.23"]
    assert jose.status is ClientStatus.ACTIVE
    assert len(events) == 2


def test_bad_rows_are_all_reported_with_file_line_numbers_and_nothing_is_saved(vault: Vault) -> None:
    text = (
        CLIENT_HEADER + "\n"
        "Good,Person,,1980-01-01,,,,,,,,,,,,F41.1,\n"                       # line 2: fine
        'Multi,Line,,1980-01-01,,,,,,,,,,,,,"first\nsecond\nthird"\n'      # lines 3-5: fine
        "Future,Born,,2999-01-01,,,,,,,,,,,,,\n"                          # line 6
        "Bad,Date,,1980-13-45,,,,,,,,,,,,,\n"                             # line 7
        "Bad,Email,,1980-01-01,not-an-email,,,,,,,,,,,,\n"                # line 8
        "Code,Heading,,1980-01-01,,,,,,,,,,,,F43.8; X99.999,\n"           # line 9
        ",Nameless,,1980-01-01,,,,,,,,,,,,,\n"                            # line 10
        "Young,Minor,,2015-06-01,,,,,,,,,,,,,\n"                          # line 11
        "Too,Short,1980-01-01\n"                                          # line 12
        "Good,Person,,1980-01-01,,,,,,,,,,,,,\n"                          # line 13: duplicate of 2
        "Gone,Away,,1980-01-01,,,,,,,discharged,,,,,,\n"                  # line 14
        "Several,Problems,,04/31/1980,x@,(123) 555-0000,,,ZZ,1234,weird,,,,,F99.99,\n"  # line 15
    )
    errors = _failure(vault, text)
    assert "line 6: Date of birth: is in the future" in errors
    assert "line 7: Date of birth: is not a real calendar date" in errors
    assert any(e.startswith("line 8: Email:") for e in errors)
    assert any(e.startswith("line 9: Primary diagnosis: F43.8 is a category heading") for e in errors)
    assert any(e.startswith("line 9: Diagnosis 2:") for e in errors)
    assert "line 10: Legal first name: is required" in errors
    assert "line 11: Guardian name: is required for a client under 18" in errors
    assert "line 12: Row: has 3 cells; the header has 17" in errors
    assert "line 13: Client: same name and date of birth as line 2" in errors
    assert "line 14: Discharge date: is required to discharge a client" in errors
    line15 = {e.split(": ")[1] for e in errors if e.startswith("line 15:")}
    assert {"Date of birth", "Email", "Phone", "Client state", "Client ZIP code", "Status",
            "Primary diagnosis"} <= line15
    assert not any(e.startswith(("line 2:", "line 3:", "line 4:", "line 5:")) for e in errors)
    # Errors come in file order and name fields, never values.
    assert errors == sorted(errors, key=lambda e: int(e.split(":")[0].split()[1]))
    assert not any("not-an-email" in e or "Several" in e or "(123)" in e for e in errors)
    assert _client_count(vault) == 0
    with vault.reader() as session:
        assert audit_log.list_events(session, action="client.create") == []


def test_header_problems_are_reported_on_line_1(vault: Vault) -> None:
    errors = _failure(vault, "Legal First Name,legal_last_name,birthday,legal_last_name\nA,B,C,D\n")
    assert "line 1: Columns: legal_last_name appears twice" in errors
    assert any("unknown column 'birthday'" in e for e in errors)
    assert any("missing required column(s) for a clients file: date_of_birth" in e for e in errors)
    assert _failure(vault, "") == ["line 1: Columns: the file is empty; the first line must name the columns"]
    assert _failure(vault, CLIENT_HEADER + "\n") == ["line 1: File: has a header but no rows"]


def test_a_client_already_in_the_vault_is_refused(vault: Vault) -> None:
    _import(vault, CLIENT_HEADER + "\nAda,Sample,,1970-02-03,,,,,,,,,,,,,\n")
    errors = _failure(vault, CLIENT_HEADER + "\nADA,Sámple,,1970-02-03,,,,,,,,,,,,,\n")
    assert errors == ["line 2: Client: a client with this name and date of birth is already in the vault"]
    assert _client_count(vault) == 1


def test_not_utf8_and_broken_quotes(vault: Vault, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((CLIENT_HEADER + "\nZo\xeb,X,,1980-01-01,,,,,,,,,,,,,\n").encode("latin-1"))
    with pytest.raises(ImportFailed) as caught, vault.unit_of_work() as session:
        import_csv_file(session, path, FIXED_NOW)
    assert [str(e) for e in caught.value.errors] == [
        "line 2: File: is not UTF-8 text; save it as 'CSV UTF-8' and try again"]
    errors = _failure(vault, CLIENT_HEADER + '\n"A"B,C,,1980-01-01,,,,,,,,,,,,,\n')
    assert errors[0].startswith("line 2: File: is not valid CSV")


SESSION_HEADER = ("client_legal_first_name,client_legal_last_name,client_date_of_birth,session_date,"
                  "start_time,stop_time,service_type,modality,client_location,cpt,note")


def _with_clients(vault: Vault) -> None:
    _import(vault, CLIENT_HEADER + "\nZoë,Exampleton,,1985-04-12,,,,,,,,,,,,F41.1; F32.1,\n"
                                   "Sam,Other,,1990-01-01,,,,,,,,,,,,,\n")


def test_sessions_become_drafts_with_proposed_or_given_codes(vault: Vault) -> None:
    _with_clients(vault)
    text = (
        SESSION_HEADER + "\n"
        'zoe,EXAMPLETON,1985-04-12,2026-11-02,10:00,10:50,,,,,"Reviewed thought log, ""box"" breathing."\n'
        "Zoë,Exampleton,04/12/1985,2026-11-09,2:00 PM,2:45 PM,individual,Video,,90834; 96127x2,\n"
        "Zoë,Exampleton,1985-04-12,2026-11-16,09:00,09:45,individual,,,90837,\n"
    )
    result = _import(vault, text)
    assert (result.kind, result.count) == ("sessions", 3)
    assert result.warnings == ("line 4: 90837 needs 53 minutes or more; the session lasted 45",)
    with vault.reader() as session:
        first, second, third = (notes.get_note(session, sid) for sid in result.ids)
    assert first.status is NoteStatus.DRAFT and not first.is_signed
    assert first.cpt_summary == "90834" and first.place_of_service == "11"
    assert first.note_format is NoteFormat.FREE
    assert first.sections == (("Note", 'Reviewed thought log, "box" breathing.'),)
    assert first.diagnosis_codes == ("F41.1", "F32.1")
    assert second.start_time == time(14, 0) and second.minutes == 45
    assert second.modality is Modality.VIDEO and second.place_of_service == "10"
    assert second.cpt_summary == "90834-95, 96127x2"
    assert third.cpt_summary == "90837"


def test_bad_session_rows_are_reported_and_nothing_is_saved(vault: Vault) -> None:
    _with_clients(vault)
    text = (
        SESSION_HEADER + "\n"
        "Zoë,Exampleton,1985-04-12,2026-11-02,10:00,10:50,,,,,fine\n"          # line 2
        "Nobody,Known,1985-04-12,2026-11-02,10:00,10:50,,,,,\n"                # line 3
        "Zoë,Exampleton,1985-04-12,2026-11-03,11:00,10:00,,,,,\n"              # line 4
        "Zoë,Exampleton,1985-04-12,2099-01-01,10:00,10:50,,,,,\n"              # line 5
        "Zoë,Exampleton,1985-04-12,2026-11-04,10:00,10:50,therapy,tv,moon,,\n"  # line 6
        "Zoë,Exampleton,1985-04-12,2026-11-05,10:00,10:50,,,,99213,\n"         # line 7
        "Zoë,Exampleton,1985-04-12,2026-11-02,10:00,10:50,,,,,again\n"         # line 8
        "Zoë,Exampleton,1985-04-12,2026-11-06,25:00,,,,,,\n"                   # line 9
    )
    errors = _failure(vault, text)
    assert errors[0].startswith("line 3: Client: no client with this legal name")
    assert "line 4: Stop time: must be after the start time" in errors
    assert "line 5: Session date: is in the future" in errors
    assert any(e.startswith("line 6: Service type: must be one of") for e in errors)
    assert any(e.startswith("line 6: Modality: must be one of") for e in errors)
    assert any(e.startswith("line 6: Client location: must be one of") for e in errors)
    assert "line 7: CPT code: 99213 is not one of the codes Therapist Desk bills" in errors
    assert "line 8: Session: same client, date and start time as line 2" in errors
    assert any(e.startswith("line 9: Start time: must be a time") for e in errors)
    assert not any(e.startswith("line 2:") for e in errors)
    with vault.reader() as session:
        assert all(not notes.list_notes(session, s.id) for s in clients.list_clients(session))


def test_kind_can_be_forced(vault: Vault) -> None:
    errors = _failure(vault, CLIENT_HEADER + "\nA,B,,1980-01-01,,,,,,,,,,,,,\n", kind="sessions")
    assert errors[0].startswith("line 1: Columns: unknown column 'legal_first_name' for a sessions file")


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-02-28", date(2026, 2, 28)), ("2/3/2026", date(2026, 2, 3)), ("", None),
])
def test_parse_date(text: str, expected: date | None) -> None:
    assert importer.parse_date(text, "Date") == expected


@pytest.mark.parametrize("text", ["2026-02-30", "28.02.2026", "2/3/26", "yesterday"])
def test_parse_date_refuses(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        importer.parse_date(text, "Date")
    assert text not in str(caught.value)


@pytest.mark.parametrize(("text", "expected"), [
    ("9:05", time(9, 5)), ("14:30", time(14, 30)), ("12:00 AM", time(0, 0)),
    ("12:15 pm", time(12, 15)), ("2:30PM", time(14, 30)), ("", None),
])
def test_parse_time(text: str, expected: time | None) -> None:
    assert importer.parse_time(text, "Start time") == expected


@pytest.mark.parametrize("text", ["24:00", "13:00 PM", "9", "noon", "9:60"])
def test_parse_time_refuses(text: str) -> None:
    with pytest.raises(ValidationError):
        importer.parse_time(text, "Start time")
