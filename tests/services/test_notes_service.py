"""Session notes through the services on a real vault: drafts, signing, charges, addenda, search."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta
from decimal import Decimal

import pytest

from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import Instrument, LedgerKind, NoteFormat, NoteStatus
from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.measures import MeasureResult
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import ledger, measures, notes
from therapist_desk.services.audit_log import list_events, verify_chain
from therapist_desk.services.common import ActionRefused
from therapist_desk.services.vault_access import Vault
from tests.services.conftest import NOW


def _complete_note(client_id: int, **overrides: object) -> SessionNote:
    fields: dict[str, object] = dict(
        client_id=client_id,
        session_date=date(2026, 11, 18),
        start_time=time(10, 0),
        stop_time=time(10, 50),
        lines=(ServiceLine("90834"),),
        diagnosis_codes=("F41.1",),
        note_format=NoteFormat.SOAP,
        sections=(("Subjective", "Reports fewer panic episodes."), ("Plan", "Continue weekly.")),
        interventions=("Cognitive restructuring",),
    )
    fields.update(overrides)
    return SessionNote(**fields)  # type: ignore[arg-type]


def test_draft_round_trips_every_field(vault: Vault, client_id: int) -> None:
    note = _complete_note(client_id, risk_assessment="Denies SI.", homework_given="Thought log",
                          participants="Client", telehealth_platform="")
    with vault.unit_of_work() as s:
        saved = notes.save_note(s, note, NOW)
    with vault.reader() as s:
        loaded = notes.get_note(s, saved.id)  # type: ignore[arg-type]
    assert loaded.minutes == 50
    assert loaded.sections == note.sections
    assert loaded.risk_assessment == "Denies SI."
    assert loaded.lines == (ServiceLine("90834"),)
    assert loaded.status is NoteStatus.DRAFT


def test_sign_refused_names_every_missing_field(vault: Vault, client_id: int) -> None:
    empty = SessionNote(client_id=client_id, session_date=date(2026, 11, 18))
    with vault.unit_of_work() as s:
        saved = notes.save_note(s, empty, NOW)
    with pytest.raises(ActionRefused) as refused, vault.unit_of_work() as s:
        notes.sign_note(s, saved.id, NOW)  # type: ignore[arg-type]
    reasons = " | ".join(refused.value.reasons)
    for needed in ("start time", "stop time", "CPT code", "diagnosis", "intervention", "note text"):
        assert needed in reasons
    with vault.reader() as s:
        assert notes.get_note(s, saved.id).status is NoteStatus.DRAFT  # type: ignore[arg-type]


def test_sign_locks_posts_charge_and_audits(vault: Vault, client_id: int) -> None:
    with vault.unit_of_work() as s:
        saved = notes.save_note(s, _complete_note(client_id), NOW)
    with vault.unit_of_work() as s:
        signed = notes.sign_note(s, saved.id, NOW)  # type: ignore[arg-type]
    assert signed.status is NoteStatus.SIGNED
    assert signed.signed_by == "Avery Testwood, LCSW"
    assert signed.fee == Decimal("140.00")
    with vault.reader() as s:
        entries = ledger.client_ledger(s, client_id)
        assert [(e.kind, e.amount, e.cpt) for e in entries] == [(LedgerKind.CHARGE, Decimal("140.00"), "90834")]
        assert ledger.client_balance(s, client_id) == Decimal("140.00")
        assert "note.sign" in [e.action for e in list_events(s, client_id=client_id)]
        assert verify_chain(s) == []
    with pytest.raises(notes.NoteLocked), vault.unit_of_work() as s:
        notes.save_note(s, replace(signed, plan_text="changed"), NOW)


def test_addendum_keeps_original_unchanged(vault: Vault, client_id: int) -> None:
    with vault.unit_of_work() as s:
        saved = notes.save_note(s, _complete_note(client_id), NOW)
        original = notes.sign_note(s, saved.id, NOW)  # type: ignore[arg-type]
    with vault.unit_of_work() as s:
        after = notes.add_addendum(s, original.id, "Client called to add context.", NOW + timedelta(days=1))  # type: ignore[arg-type]
    assert after.sections == original.sections
    assert after.signed_at == original.signed_at
    assert [a.text for a in after.addenda] == ["Client called to add context."]
    assert after.addenda[0].signed_by == "Avery Testwood, LCSW"


def test_item9_requires_risk_assessment(vault: Vault, client_id: int) -> None:
    with vault.unit_of_work() as s:
        saved = notes.save_note(s, _complete_note(client_id), NOW)
        measures.record_measure(s, MeasureResult(Instrument.PHQ9, date(2026, 11, 18),
                                                 (1, 1, 1, 1, 1, 1, 1, 1, 1), client_id=client_id,
                                                 session_id=saved.id), NOW)
    with pytest.raises(ActionRefused) as refused, vault.unit_of_work() as s:
        notes.sign_note(s, saved.id, NOW)  # type: ignore[arg-type]
    assert any("risk assessment" in r for r in refused.value.reasons)
    with vault.unit_of_work() as s:
        notes.save_note(s, replace(saved, risk_assessment="Passive SI, no plan; safety plan reviewed."), NOW)
        assert notes.sign_note(s, saved.id, NOW).is_signed  # type: ignore[arg-type]


def test_failed_save_leaves_nothing(vault: Vault, client_id: int) -> None:
    bad = _complete_note(client_id, session_date=NOW.date() + timedelta(days=3))
    with pytest.raises(ValidationError, match="Session date"), vault.unit_of_work() as s:
        notes.save_note(s, bad, NOW)
    with vault.reader() as s:
        assert notes.list_notes(s, client_id) == []


def test_search_finds_one_note_among_many(vault: Vault, client_id: int) -> None:
    with vault.unit_of_work() as s:
        for i in range(40):
            text = "zebrafinch metaphor came up" if i == 17 else f"ordinary session {i}"
            day = date(2026, 1, 1) + timedelta(days=i)
            notes.save_note(s, _complete_note(client_id, session_date=day,
                                              sections=(("Subjective", text),)), NOW)
    with vault.reader() as s:
        hits = notes.search_notes(s, "zebrafinch")
    assert len(hits) == 1
    assert hits[0][2] == date(2026, 1, 18)
    assert "[[zebrafinch]]" in hits[0][3]


def test_psychotherapy_note_is_kept_apart(vault: Vault, client_id: int) -> None:
    with vault.unit_of_work() as s:
        saved = notes.save_note(s, _complete_note(client_id), NOW)
        notes.save_psychotherapy_note(s, saved.id, "PRIVATE-PROCESS-MARKER", NOW)  # type: ignore[arg-type]
    with vault.reader() as s:
        note = notes.get_note(s, saved.id)  # type: ignore[arg-type]
        assert "PRIVATE-PROCESS-MARKER" not in repr(note)
        assert notes.search_notes(s, "PRIVATE-PROCESS-MARKER") == []
        assert notes.get_psychotherapy_note(s, saved.id) == "PRIVATE-PROCESS-MARKER"  # type: ignore[arg-type]
