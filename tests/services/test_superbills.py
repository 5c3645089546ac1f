"""Superbills through the services on a real vault: fields, totals, refusals, logging, batch."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import event

from tests.export import pdf_pages, pdf_text
from tests.services.conftest import NOW, valid_client, valid_profile
from therapist_desk.domain.client import Diagnosis, Insurance
from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import (
    ClientLocation,
    Modality,
    NoteStatus,
    PaymentMethod,
    TaxIdKind,
)
from therapist_desk.domain.practice import Address
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import clients, ledger, notes, superbill_batch, superbills
from therapist_desk.services.audit_log import list_events
from therapist_desk.services.vault_access import Vault
from therapist_desk.store.repositories import notes as notes_repo
from therapist_desk.store.repositories.practice import save_practice
from therapist_desk.store.repositories.records import list_disclosures

PSYCHOTHERAPY_MARKER = "PSYNOTE-4e1d-heron-private"
NOTE_MARKER = "NOTETEXT-77b2-otter"
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def billable_client(**overrides: object) -> object:
    fields: dict[str, object] = dict(
        legal_first_name="Zoë", legal_last_name="Núñez-Løvik",
        address=Address("12 Example Street", "Apt 4", "Portland", "OR", "97202"),
        insurance=Insurance(payer="Example Health Plan", member_id="XQZ123456789", group_id="GRP-0042"),
        diagnoses=(Diagnosis("F41.1"), Diagnosis("F33.1"), Diagnosis("F43.10")),
    )
    fields.update(overrides)
    return valid_client(**fields)


def add_client(vault: Vault, **overrides: object) -> int:
    with vault.unit_of_work() as s:
        created = clients.create_client(s, billable_client(**overrides), NOW)  # type: ignore[arg-type]
    assert created.id is not None
    return created.id


def signed_session(vault: Vault, client_id: int, day: date, *, lines: tuple[ServiceLine, ...] = (ServiceLine("90834"),),
                   codes: tuple[str, ...] = ("F41.1",), **fields: object) -> int:
    values: dict[str, object] = dict(
        client_id=client_id, session_date=day, start_time=time(10), stop_time=time(10, 50), lines=lines,
        diagnosis_codes=codes, sections=(("Subjective", NOTE_MARKER),), interventions=("Cognitive restructuring",))
    values.update(fields)
    note = SessionNote(**values)  # type: ignore[arg-type]
    with vault.unit_of_work() as s:
        saved = notes.save_note(s, note, NOW)
        assert saved.id is not None
        notes.sign_note(s, saved.id, NOW)
        notes.save_psychotherapy_note(s, saved.id, PSYCHOTHERAPY_MARKER, NOW)
    return saved.id


def test_superbill_has_every_field_and_total(vault: Vault, tmp_path: Path) -> None:
    cid = add_client(vault)
    signed_session(vault, cid, date(2026, 11, 3), lines=(ServiceLine("90834"), ServiceLine("96127", 2)),
                   codes=("F33.1", "F41.1"))
    signed_session(vault, cid, date(2026, 11, 10), lines=(ServiceLine("90837", 1, ("95",)),),
                   modality=Modality.VIDEO, client_location=ClientLocation.HOME, place_of_service="10",
                   start_time=time(9), stop_time=time(10))
    signed_session(vault, cid, date(2026, 10, 27))  # outside the range
    with vault.unit_of_work() as s:
        ledger.record_payment(s, cid, date(2026, 11, 3), "140.00", PaymentMethod.CARD, NOW, reference="r1")
        ledger.record_payment(s, cid, date(2026, 10, 1), "999.00", PaymentMethod.CASH, NOW)  # outside
    target = tmp_path / "out" / "superbill.pdf"
    target.parent.mkdir()
    with vault.unit_of_work() as s:
        made = superbills.export_superbill(s, cid, target, NOW, start=NOVEMBER[0], end=NOVEMBER[1])
    data = made.data
    assert [d.code for d in data.diagnoses] == ["F41.1", "F33.1"]  # client order; F43.10 unused, not listed
    assert [(l.cpt, l.pointers, l.units, l.charge) for l in data.lines] == [
        ("90834", ("B", "A"), 1, Decimal("140.00")),
        ("96127", ("B", "A"), 2, Decimal("20.00")),
        ("90837", ("A",), 1, Decimal("180.00")),
    ]
    assert (data.total_charge, data.amount_paid, data.balance) == (Decimal("340.00"), Decimal("140.00"),
                                                                   Decimal("200.00"))
    text = pdf_text(target.read_bytes())
    for expected in (
        "Superbill / Statement for Insurance Reimbursement", "Testwood Counseling (fictional)",
        "Avery Testwood, LCSW", "LCSW-000123 (OR)", "1234567893", "Tax ID (EIN)", "12-3456789",
        "100 Example Way", "Portland, OR 97201", "(503) 555-0100",
        "Zoë Núñez-Løvik", "03/14/1988", "12 Example Street", "Portland, OR 97202", "Example Health Plan",
        "XQZ123456789", "GRP-0042", "F41.1", "Generalized anxiety disorder", "F33.1",
        "11/03/2026", "11/10/2026", "90834", "96127", "90837", "95", "B, A", "$140.00", "$20.00", "$180.00",
        "Total charges $340.00", "Amount paid $140.00", "Balance $200.00",
        "Psychotherapy, 45 min", "Brief scored assessment", "Telehealth, client at home",
        "Dates of service 11/01/2026 – 11/30/2026", "Page 1 of 1",
    ):
        assert expected in text, expected
    for absent in ("F43.10", "10/27/2026", "$999.00", PSYCHOTHERAPY_MARKER, NOTE_MARKER):
        assert absent not in text, absent
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with vault.reader() as s:
        (disclosure,) = list_disclosures(s, cid)
        (event_,) = list_events(s, action="export.superbill")
    assert disclosure.recipient == "Client (superbill for insurer)"
    assert disclosure.id == made.disclosure_id and "diagnoses F41.1, F33.1" in disclosure.what
    assert event_.client_id == cid and event_.record_id == disclosure.id
    assert "Zoë" not in event_.detail


def test_refusal_names_every_missing_item_and_writes_nothing(vault: Vault, tmp_path: Path) -> None:
    cid = add_client(vault, address=Address())
    with vault.unit_of_work() as s:
        bare = replace(valid_profile(), rendering_npi="", license_number="", tax_id="", phone="",
                       address=Address())
        save_practice(s, bare)  # the repository, not the service: it would refuse this profile
        # Two timed codes on one date, and a signed note with no diagnosis (written directly).
        for cpt in ("90834", "90837"):
            sid = notes_repo.save_note(s, SessionNote(
                client_id=cid, session_date=date(2026, 11, 3), lines=(ServiceLine(cpt),),
                diagnosis_codes=(), status=NoteStatus.SIGNED, signed_at=NOW, signed_by="x"), NOW)
        # A heading (not billable) and a malformed code that reached a signed note.
        notes_repo.save_note(s, SessionNote(
            client_id=cid, session_date=date(2026, 11, 10), lines=(ServiceLine("90834"),),
            diagnosis_codes=("F43.8", "NOPE"), status=NoteStatus.SIGNED, signed_at=NOW, signed_by="x"), NOW)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "superbill.pdf"
    with pytest.raises(superbills.SuperbillIncomplete) as refused, vault.unit_of_work() as s:
        superbills.export_superbill(s, cid, target, NOW, start=NOVEMBER[0], end=NOVEMBER[1])
    reasons = refused.value.reasons
    for expected in ("Rendering NPI — Settings > Practice profile",
                     "License number and state — Settings > Practice profile",
                     "EIN/SSN (tax ID) — Settings > Practice profile",
                     "Practice address (street, city, state, ZIP) — Settings > Practice profile",
                     "Practice phone — Settings > Practice profile",
                     "Client address (street, city, state, ZIP) — Clients tab",
                     "Diagnosis for 2026-11-03 — Session note",
                     "Charge for 90834 on 2026-11-03 — Ledger",
                     "Diagnosis F43.8 for 2026-11-10 is not a billable ICD-10-CM code — Session note",
                     "Diagnosis NOPE for 2026-11-10 is not a billable ICD-10-CM code — Session note"):
        assert expected in reasons, (expected, reasons)
    assert any("Only one of 90832/90834/90837 per date; 2026-11-03 has 90834, 90837" in r for r in reasons)
    assert not target.exists() and not list(out.iterdir())
    with vault.reader() as s:
        assert list_disclosures(s, cid) == []
        assert list_events(s, action="export.superbill") == []
    assert sid


def test_no_signed_session_in_the_range_is_refused(vault: Vault) -> None:
    cid = add_client(vault)
    with vault.unit_of_work() as s:
        notes.save_note(s, SessionNote(client_id=cid, session_date=date(2026, 11, 4)), NOW)  # a draft
    with pytest.raises(superbills.SuperbillIncomplete) as refused, vault.reader() as s:
        superbills.assemble_superbill(s, cid, NOW.date(), start=NOVEMBER[0], end=NOVEMBER[1])
    assert "At least one signed session in the range — Sessions tab" in refused.value.reasons


def test_chosen_sessions_and_a_draft_among_them(vault: Vault) -> None:
    cid = add_client(vault)
    first = signed_session(vault, cid, date(2026, 10, 6))
    second = signed_session(vault, cid, date(2026, 11, 17), codes=("F43.10", "F41.1"))
    with vault.unit_of_work() as s:
        draft = notes.save_note(s, SessionNote(client_id=cid, session_date=date(2026, 11, 18)), NOW).id
    with vault.reader() as s:
        data = superbills.assemble_superbill(s, cid, NOW.date(), session_ids=[second, first])
        with pytest.raises(superbills.SuperbillIncomplete) as refused:
            superbills.assemble_superbill(s, cid, NOW.date(), session_ids=[first, draft])  # type: ignore[list-item]
        with pytest.raises(superbills.SuperbillIncomplete) as only_draft:
            superbills.assemble_superbill(s, cid, NOW.date(), session_ids=[draft])  # type: ignore[list-item]
    assert "At least one signed session in the range — Sessions tab" in only_draft.value.reasons
    assert (data.period_start, data.period_end) == (date(2026, 10, 6), date(2026, 11, 17))
    assert [l.service_date for l in data.lines] == [date(2026, 10, 6), date(2026, 11, 17)]
    assert [d.code for d in data.diagnoses] == ["F41.1", "F43.10"]
    assert data.lines[1].pointers == ("B", "A")  # the note's order: its first code is primary
    assert any("2026-11-18" in r and "signed" in r for r in refused.value.reasons)


def test_ssn_is_masked_unless_asked_for(vault: Vault) -> None:
    cid = add_client(vault)
    signed_session(vault, cid, date(2026, 11, 5))
    with vault.unit_of_work() as s:
        save_practice(s, replace(valid_profile(), tax_id="123456789", tax_id_kind=TaxIdKind.SSN))
    with vault.reader() as s:
        masked = superbills.preview_superbill(s, cid, NOW.date(), start=NOVEMBER[0], end=NOVEMBER[1])
        full = superbills.preview_superbill(s, cid, NOW.date(), start=NOVEMBER[0], end=NOVEMBER[1],
                                            reveal_ssn=True)
    assert "***-**-6789" in pdf_text(masked) and "123-45-6789" not in pdf_text(masked)
    assert "123-45-6789" in pdf_text(full)
    with vault.reader() as s:
        assert list_events(s, action="export.superbill") == [], "a preview discloses nothing"


def test_forty_sessions_paginate(vault: Vault, tmp_path: Path) -> None:
    cid = add_client(vault)
    with vault.unit_of_work() as s:
        for i in range(40):
            saved = notes.save_note(s, SessionNote(
                client_id=cid, session_date=date(2026, 8, 1) + timedelta(days=2 * i), start_time=time(10),
                stop_time=time(10, 50), lines=(ServiceLine("90834"),), diagnosis_codes=("F41.1",),
                sections=(("Subjective", "x"),), interventions=("Mindfulness",)), NOW)
            notes.sign_note(s, saved.id, NOW)  # type: ignore[arg-type]
    with vault.unit_of_work() as s:
        made = superbills.export_superbill(s, cid, tmp_path / "s.pdf", NOW, start=date(2026, 8, 1),
                                           end=date(2026, 11, 20))
    pages = pdf_pages(made.path.read_bytes())
    assert len(pages) == 2
    assert "Page 1 of 2" in pages[0] and "Page 2 of 2" in pages[1]
    assert "Date of service" in pages[0] and "Date of service" in pages[1]
    assert made.data.total_charge == Decimal("5600.00")
    assert "Total charges $5,600.00" in pages[1]


def test_superbill_never_reads_psychotherapy_notes(vault: Vault, tmp_path: Path) -> None:
    cid = add_client(vault)
    signed_session(vault, cid, date(2026, 11, 5))
    statements: list[str] = []

    def spy(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(vault.engine, "before_cursor_execute", spy)
    try:
        with vault.unit_of_work() as s:
            made = superbills.export_superbill(s, cid, tmp_path / "s.pdf", NOW, start=NOVEMBER[0],
                                               end=NOVEMBER[1], password="a long password")
    finally:
        event.remove(vault.engine, "before_cursor_execute", spy)
    assert statements and not any("psychotherapy_notes" in st for st in statements)
    assert PSYCHOTHERAPY_MARKER not in pdf_text(made.path.read_bytes(), password="a long password")
    with vault.reader() as s:
        (event_,) = list_events(s, action="export.superbill")
    assert "encrypted=1" in event_.detail


def test_batch_makes_one_file_per_client_and_lists_the_incomplete(vault: Vault, tmp_path: Path) -> None:
    complete_a = add_client(vault, legal_first_name="Ada", legal_last_name="Alpha")
    complete_b = add_client(vault, legal_first_name="Bo", legal_last_name="Beta")
    no_address = add_client(vault, legal_first_name="Cy", legal_last_name="Gamma", address=Address())
    drafts_only = add_client(vault, legal_first_name="Di", legal_last_name="Delta")
    for cid in (complete_a, complete_b, no_address):
        signed_session(vault, cid, date(2026, 11, 12))
    signed_session(vault, complete_a, date(2026, 10, 12))
    with vault.unit_of_work() as s:
        notes.save_note(s, SessionNote(client_id=drafts_only, session_date=date(2026, 11, 2)), NOW)
    calls: list[tuple[int, int, str]] = []

    def progress(done: int, total: int, name: str) -> bool:
        calls.append((done, total, name))
        return True

    out = tmp_path / "superbills-2026-11"
    summary = superbill_batch.batch_superbills(vault.unit_of_work, "2026-11", out, now=NOW, progress=progress)
    assert [item.client_name for item in summary.made] == ["Ada Alpha", "Bo Beta"]
    assert [item.client_name for item in summary.skipped] == ["Cy Gamma"]
    assert [str(m) for m in summary.skipped[0].missing] == ["Client address (street, city, state, ZIP) — Clients tab"]
    assert not summary.ok and summary.total == 3
    assert calls == [(0, 3, "Ada Alpha"), (1, 3, "Bo Beta"), (2, 3, "Cy Gamma"), (3, 3, "")]
    files = sorted(p.name for p in out.iterdir())
    assert files == [f"superbill_2026-11_Alpha_Ada_c{complete_a}.pdf", f"superbill_2026-11_Beta_Bo_c{complete_b}.pdf"]
    alpha = pdf_text((out / files[0]).read_bytes())
    assert "11/12/2026" in alpha and "10/12/2026" not in alpha
    with vault.reader() as s:
        assert len(list_events(s, action="export.superbill")) == 2
        assert list_disclosures(s, no_address) == []
    lines = summary.describe()
    assert "Made 2 of 3 superbills" in lines[0]
    assert any("Cy Gamma" in line for line in lines)


def test_batch_can_be_cancelled_and_cli_batch_prints_a_summary(vault: Vault, tmp_path: Path) -> None:
    cid = add_client(vault)
    signed_session(vault, cid, date(2026, 11, 12))
    cancelled = superbill_batch.batch_superbills(vault.unit_of_work, "2026-11", tmp_path / "a", now=NOW,
                                                progress=lambda done, total, name: False)
    assert cancelled.cancelled and not cancelled.made and not list((tmp_path / "a").iterdir())
    printed: list[str] = []
    summary = superbill_batch.cli_batch(vault, "2026-11", tmp_path / "b", NOW, echo=printed.append)
    assert summary.ok and len(summary.made) == 1
    assert printed[0] == "[1/1] Zoë Núñez-Løvik"
    assert printed[-1].startswith("Made 1 of 1 superbills for 2026-11-01 to 2026-11-30")


@pytest.mark.parametrize("text", ["2026-13", "Nov 2026", "2026/11", ""])
def test_bad_month_is_a_validation_error(text: str) -> None:
    from therapist_desk.domain.errors import ValidationError

    with pytest.raises(ValidationError, match="Month"):
        superbills.parse_month(text)


def test_parse_month_handles_december() -> None:
    assert superbills.parse_month("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    assert superbills.parse_month("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
