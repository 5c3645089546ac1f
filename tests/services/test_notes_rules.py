"""Session note rules the Notes tab leans on: previous note, 96127 units, item 9, private notes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, time
from pathlib import Path

import pytest

from tests.services.conftest import NOW, valid_client
from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import Instrument, NoteFormat
from therapist_desk.domain.measures import MeasureResult
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import clients, measures, notes
from therapist_desk.services.common import ActionRefused
from therapist_desk.services.vault_access import Vault

PRIVATE = "Countertransference: zanzibarword"


def _client(vault: Vault) -> int:
    with vault.unit_of_work() as s:
        cid = clients.create_client(s, valid_client(), NOW).id
    assert cid is not None
    return cid


def _note(cid: int, day: int, start: int = 10, **overrides: object) -> SessionNote:
    fields: dict[str, object] = {
        "client_id": cid, "session_date": date(2026, 11, day), "start_time": time(start, 0),
        "stop_time": time(start, 50), "lines": (ServiceLine("90834"),),
        "diagnosis_codes": ("F41.1",), "note_format": NoteFormat.SOAP,
        "sections": (("Subjective", f"day {day}"),), "interventions": ("Exposure",),
        "homework_given": f"homework of day {day}",
    }
    fields.update(overrides)
    return SessionNote(**fields)  # type: ignore[arg-type]


def _save(vault: Vault, note: SessionNote) -> int:
    with vault.unit_of_work() as s:
        sid = notes.save_note(s, note, NOW).id
    assert sid is not None
    return sid


def _phq9(cid: int, sid: int | None, item9: int | None, complete: bool = True) -> MeasureResult:
    answers: list[int | None] = [1, 1, 1, 1, 1, 1, 1, 1, item9]
    if not complete:
        answers[0] = None
    return MeasureResult(Instrument.PHQ9, date(2026, 11, 18), tuple(answers), client_id=cid, session_id=sid)


def test_previous_note_walks_back_by_date_then_start_time(vault: Vault) -> None:
    cid = _client(vault)
    first = _save(vault, _note(cid, 4))
    third = _save(vault, _note(cid, 18, start=15))
    second = _save(vault, _note(cid, 18, start=9))
    with vault.reader() as s:
        latest = notes.previous_note(s, cid)
        before_third = notes.previous_note(s, cid, third)
        before_second = notes.previous_note(s, cid, second)
        assert notes.previous_note(s, cid, first) is None
        assert notes.previous_note(s, cid + 99) is None
    assert latest is not None and latest.id == third
    assert before_third is not None and before_third.id == second
    assert before_second is not None and before_second.homework_given == "homework of day 4"


def test_instruments_scored_counts_instruments_completed_at_this_session(vault: Vault) -> None:
    cid = _client(vault)
    sid, other = _save(vault, _note(cid, 18)), _save(vault, _note(cid, 11))
    gad7 = MeasureResult(Instrument.GAD7, date(2026, 11, 18), (1,) * 7, client_id=cid, session_id=sid)
    with vault.unit_of_work() as s:
        for result in (_phq9(cid, sid, 0), _phq9(cid, sid, 1), gad7, _phq9(cid, sid, 1, complete=False),
                       _phq9(cid, other, 0), _phq9(cid, None, 0)):
            measures.record_measure(s, result, NOW)
    with vault.reader() as s:
        assert notes.instruments_scored_for_session(s, sid) == 2
        assert notes.instruments_scored_for_session(s, other) == 1
        proposal = notes.proposal_for(notes.get_note(s, sid), instruments_scored=2)
    assert proposal.codes == ("90834", "96127") and proposal.lines[1].units == 2


def test_item9_blocks_signing_until_a_risk_assessment_is_written(vault: Vault) -> None:
    cid = _client(vault)
    sid = _save(vault, _note(cid, 18))
    with vault.unit_of_work() as s:
        measures.record_measure(s, _phq9(cid, sid, 2), NOW)
    with pytest.raises(ActionRefused) as refused, vault.unit_of_work() as s:
        notes.sign_note(s, sid, NOW)
    assert any("risk assessment" in r for r in refused.value.reasons)
    with vault.unit_of_work() as s:
        notes.save_note(s, replace(notes.get_note(s, sid), risk_assessment="Passive SI, no plan."), NOW)
    with vault.unit_of_work() as s:
        assert notes.sign_note(s, sid, NOW).is_signed


def test_item9_of_zero_does_not_block(vault: Vault) -> None:
    cid = _client(vault)
    sid = _save(vault, _note(cid, 18))
    with vault.unit_of_work() as s:
        measures.record_measure(s, _phq9(cid, sid, 0), NOW)
    with vault.reader() as s:
        assert not notes.item9_positive_for_session(s, sid)


def test_psychotherapy_note_is_kept_apart_from_body_search_and_export(vault: Vault, tmp_path: Path) -> None:
    cid = _client(vault)
    sid = _save(vault, _note(cid, 18))
    with vault.unit_of_work() as s:
        notes.save_psychotherapy_note(s, sid, PRIVATE, NOW)
    with vault.unit_of_work() as s:
        notes.sign_note(s, sid, NOW)
    with vault.reader() as s:
        assert notes.get_psychotherapy_note(s, sid) == PRIVATE
        assert "zanzibarword" not in notes.get_note(s, sid).body_text()
        assert notes.search_notes(s, "zanzibarword") == []
        assert notes.search_notes(s, "day 18")  # the index itself works
    export_data = pytest.importorskip("therapist_desk.services.export_data")
    out = tmp_path / "export"
    export_data.export_record(vault, out, NOW)
    for path in out.rglob("*"):
        if path.is_file():
            assert b"zanzibarword" not in path.read_bytes(), path.name
    assert json.loads((out / export_data.EXPORT_JSON).read_text(encoding="utf-8"))
