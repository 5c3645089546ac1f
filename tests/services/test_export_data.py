"""The data export on a real vault: complete, owner-only, audited, psychotherapy notes kept apart."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from therapist_desk.domain.audit import Disclosure
from therapist_desk.domain.client import ReleaseOfInformation
from therapist_desk.domain.enums import (
    ClientParticipation,
    Instrument,
    PaymentMethod,
    ReleaseKind,
)
from therapist_desk.domain.measures import MeasureResult
from therapist_desk.domain.plan import Goal, Objective, Problem, TreatmentPlan
from therapist_desk.services import (
    audit_log,
    clients,
    drafts,
    export_data,
    ledger,
    measures,
    notes,
    plans,
)
from therapist_desk.services.export_data import ExportRefused, export_record
from therapist_desk.services.vault_access import Vault
from therapist_desk.store.repositories.records import add_disclosure
from tests.factories import FIXED_NOW, make_client, make_note, new_vault

PRIVATE = "PN-MARKER-5c1e-private-process"
DRAFT = "DRAFT-MARKER-autosave"
EXPECTED_FILES = {
    "therapist-desk-export.json", "README.txt", "practice.csv", "clients.csv", "diagnoses.csv",
    "medications.csv", "releases.csv", "sessions.csv", "service_lines.csv", "addenda.csv",
    "measures.csv", "treatment_plans.csv", "plan_objectives.csv", "ledger.csv",
    "disclosures.csv", "audit_log.csv",
}


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    """One client with a bit of everything, including a psychotherapy note and a draft."""
    now = FIXED_NOW
    with new_vault(tmp_path / "data") as opened:
        with opened.unit_of_work() as s:
            release = ReleaseOfInformation("Dr. Example (fictional)", ReleaseKind.TREATING_PROVIDER,
                                           signed_on=date(2026, 10, 1))
            client = clients.create_client(s, make_client(
                legal_first_name="Zoë", legal_last_name="Exämple", releases=(release,)), now)
            assert client.id is not None
            cid = client.id
            note = notes.save_note(s, make_note(
                cid, sections=(("Subjective", "=SUM(1,2) said, \"quoted\",\nnext line"),
                               ("Plan", "Continue.")),
                risk_assessment="Passive thoughts; no plan or intent; safety plan reviewed."), now)
            assert note.id is not None
            measures.record_measure(s, MeasureResult(Instrument.PHQ9, note.session_date,
                                                     (1, 1, 2, 1, 0, 1, 1, 0, 1),
                                                     client_id=cid, session_id=note.id), now)
            notes.sign_note(s, note.id, now)
            notes.add_addendum(s, note.id, "Called back next day.", now + timedelta(minutes=5))
            notes.save_psychotherapy_note(s, note.id, f"{PRIVATE} my own hunches", now)
            ledger.record_payment(s, cid, note.session_date, "100.5", PaymentMethod.CARD, now)
            plan = plans.save_plan(s, TreatmentPlan(cid, problems=(Problem("Worry", (Goal(
                "Less worry", (Objective("Use a skill daily", target_date=date(2027, 1, 1)),)),)),),
                discharge_criteria="Goals met"), now)
            assert plan.id is not None
            plans.sign_plan(s, plan.id, ClientParticipation.SIGNED, now)
            loaded = clients.get_client(s, cid)
            add_disclosure(s, Disclosure(cid, date(2026, 11, 1), "Dr. Example (fictional)",
                                         "Summary letter", release_id=loaded.releases[0].id))
            drafts.keep_draft(s, f"psychotherapy:{note.id}", f"{DRAFT} unsaved", now)
        yield opened


def _read(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_export_is_complete_private_and_audited(vault: Vault, tmp_path: Path) -> None:
    out = tmp_path / "export"
    summary = export_record(vault, out, FIXED_NOW)
    files = _read(out)
    assert set(files) == EXPECTED_FILES == set(summary.files)
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o700
        assert {stat.S_IMODE((out / name).stat().st_mode) for name in files} == {0o600}
    for name, content in files.items():
        assert PRIVATE.encode() not in content, name
        assert DRAFT.encode() not in content, name

    data: dict[str, Any] = json.loads(files["therapist-desk-export.json"])
    assert data["format"] == "therapist-desk-export" and data["format_version"] == 1
    assert data["psychotherapy_notes"].startswith("excluded")
    assert data["practice"]["fee_schedule"]["90834"] == "140.00"
    (client,) = data["clients"]
    assert client["legal_first_name"] == "Zoë"
    assert client["balance"] == "39.50"
    assert [e["amount"] for e in client["ledger"]] == ["140.00", "100.50"]
    assert [e["signed_amount"] for e in client["ledger"]] == ["140.00", "-100.50"]
    (session,) = client["sessions"]
    assert session["fee"] == "140.00" and session["status"] == "signed"
    assert session["session_date"] == "2026-11-18" and session["start_time"] == "10:00:00"
    assert session["sections"]["Subjective"].startswith("=SUM(1,2)")
    assert session["addenda"][0]["text"] == "Called back next day."
    assert client["measures"][0]["total"] == 8 and client["measures"][0]["item9_positive"] is True
    assert client["treatment_plans"][0]["problems"][0]["goals"][0]["objectives"][0]["target_date"] == "2027-01-01"
    assert client["disclosures"][0]["recipient"] == "Dr. Example (fictional)"
    assert client["releases"][0]["kind"] == "treating_provider"
    assert data["counts"] == summary.counts
    assert summary.counts["clients"] == 1 and summary.counts["sessions"] == 1
    assert len(data["audit_log"]) == summary.counts["audit_events"]

    sessions = _csv(files["sessions.csv"])
    assert len(sessions) == 1
    # Formula-looking text is defused for spreadsheets; the JSON keeps it exact.
    assert sessions[0]["note_text"].startswith("Subjective:\n=SUM(1,2) said")
    clients_csv = _csv(files["clients.csv"])
    assert clients_csv[0]["legal_last_name"] == "Exämple" and clients_csv[0]["balance"] == "39.50"
    ledger_csv = _csv(files["ledger.csv"])
    assert [row["amount"] for row in ledger_csv] == ["140.00", "100.50"]
    assert len(_csv(files["measures.csv"])) == 1
    assert len(_csv(files["audit_log.csv"])) == summary.counts["audit_events"]
    assert "NOT in this export" in files["README.txt"].decode()

    with vault.reader() as s:
        (event,) = audit_log.list_events(s, action="export.data")
        assert audit_log.verify_chain(s) == []
    assert "clients=1" in event.detail and "psychotherapy_notes=excluded" in event.detail
    assert "Zo" not in event.detail


def test_formula_cells_get_an_apostrophe(vault: Vault, tmp_path: Path) -> None:
    with vault.unit_of_work() as s:
        (summary,) = clients.list_clients(s)
        client = clients.get_client(s, summary.id)
        clients.update_client(s, replace(client, presenting_problem='=HYPERLINK("x")'), FIXED_NOW)
    export_record(vault, tmp_path / "out", FIXED_NOW)
    row = _csv((tmp_path / "out" / "clients.csv").read_bytes())[0]
    assert row["presenting_problem"] == "'=HYPERLINK(\"x\")"
    data = json.loads((tmp_path / "out" / "therapist-desk-export.json").read_text(encoding="utf-8"))
    assert data["clients"][0]["presenting_problem"] == "=HYPERLINK(\"x\")"


def test_psychotherapy_notes_only_in_their_own_file_when_asked(vault: Vault, tmp_path: Path) -> None:
    out = tmp_path / "with-notes"
    summary = export_record(vault, out, FIXED_NOW, include_psychotherapy_notes=True)
    files = _read(out)
    assert set(files) == EXPECTED_FILES | {"psychotherapy-notes.json"}
    assert summary.psychotherapy_notes_included and summary.counts["psychotherapy_notes"] == 1
    holders = {name for name, content in files.items() if PRIVATE.encode() in content}
    assert holders == {"psychotherapy-notes.json"}
    private = json.loads(files["psychotherapy-notes.json"])
    assert private["notes"][0]["text"].startswith(PRIVATE)
    assert "45 CFR 164.501" in private["warning"]
    assert DRAFT.encode() not in b"".join(files.values())
    with vault.reader() as s:
        (event,) = audit_log.list_events(s, action="export.data")
    assert "psychotherapy_notes=included" in event.detail


def test_refuses_a_non_empty_folder_or_a_file(vault: Vault, tmp_path: Path) -> None:
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ExportRefused):
        export_record(vault, full, FIXED_NOW)
    assert [p.name for p in full.iterdir()] == ["keep.txt"]
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(ExportRefused):
        export_data.check_destination(a_file)
    empty = tmp_path / "empty"
    empty.mkdir(mode=0o755)
    export_record(vault, empty, FIXED_NOW)
    if os.name == "posix":
        assert stat.S_IMODE(empty.stat().st_mode) == 0o700
    with vault.reader() as s:
        assert len(audit_log.list_events(s, action="export.data")) == 1


def test_empty_vault_exports_empty_tables(tmp_path: Path) -> None:
    with new_vault(tmp_path / "data", profile=False) as vault:
        summary = export_record(vault, tmp_path / "out", datetime(2026, 1, 1, 9, 0))
    data = json.loads((tmp_path / "out" / "therapist-desk-export.json").read_text(encoding="utf-8"))
    assert data["practice"] is None and data["clients"] == []
    assert summary.counts["clients"] == 0
    assert _csv((tmp_path / "out" / "clients.csv").read_bytes()) == []


@pytest.mark.parametrize(("amount", "text"), [
    (Decimal("140"), "140.00"), (Decimal("0.5"), "0.50"), (Decimal("-12.3"), "-12.30"), (None, None),
])
def test_money_has_two_decimals(amount: Decimal | None, text: str | None) -> None:
    assert export_data.money(amount) == text


def test_plain_values() -> None:
    assert export_data.plain(date(2026, 1, 2)) == "2026-01-02"
    assert export_data.plain(time(9, 5)) == "09:05:00"
    assert export_data.plain(ReleaseKind.SCHOOL) == "school"
    assert export_data.plain((Decimal("1"), b"\x00\x01")) == ["1.00", "AAE="]
