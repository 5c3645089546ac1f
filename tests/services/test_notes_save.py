"""Saving a note: what save_note returns is what the vault gives back, in one transaction."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import event, text

from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import (
    ClientLocation,
    Modality,
    NoteFormat,
    NoteStatus,
    ProgressRating,
    ServiceType,
)
from therapist_desk.domain.session import Addendum, ObjectiveProgress, SessionNote
from therapist_desk.services import notes
from therapist_desk.services.audit_log import list_events, verify_chain
from therapist_desk.services.vault_access import RecordNotFound, Vault
from tests.services.conftest import NOW


def _full_note(client_id: int, **overrides: object) -> SessionNote:
    """A note that uses every field a draft keeps, with values the vault must round-trip."""
    fields: dict[str, object] = dict(
        client_id=client_id,
        session_date=date(2026, 11, 18),
        start_time=time(9, 5, 30, 250),
        stop_time=time(10, 0),
        service_type=ServiceType.FAMILY_WITH_CLIENT,
        modality=Modality.VIDEO,
        client_location=ClientLocation.HOME,
        telehealth_platform="Example Video (fictional)",
        participants="Client and parent",
        lines=(ServiceLine("90847", 1, ("95",)), ServiceLine("96127", 2)),
        place_of_service="10",
        interactive_complexity_factor="",
        diagnosis_codes=("f411", "F43.81"),
        note_format=NoteFormat.DAP,
        sections=(("Data", "Reports fewer panic episodes; café visits again."), ("Plan", "")),
        risk_assessment="Denies SI/HI.",
        interventions=("Cognitive restructuring", "Family communication"),
        interventions_detail="Rehearsed a repair conversation.",
        client_response="Engaged.",
        homework_given="Thought record",
        homework_review="Completed two entries",
        objective_progress=(ObjectiveProgress("obj-a", ProgressRating.SOME_PROGRESS, "sleeps 6 h"),
                            ObjectiveProgress("obj-b", ProgressRating.NO_CHANGE)),
        plan_text="Continue weekly.",
        # What a draft must never carry into the vault: save_note clears or ignores these.
        status=NoteStatus.SIGNED,
        signed_at=NOW,
        signed_by="Someone",
        addenda=(Addendum("not saved here", NOW, "Someone"),),
        updated_at=datetime(2020, 1, 1),
    )
    fields.update(overrides)
    return SessionNote(**fields)  # type: ignore[arg-type]


def _reload(vault: Vault, session_id: int | None) -> SessionNote:
    assert session_id is not None
    with vault.reader() as s:
        return notes.get_note(s, session_id)


def test_new_note_returned_equals_the_reloaded_note(vault: Vault, client_id: int) -> None:
    with vault.unit_of_work() as s:
        saved = notes.save_note(s, _full_note(client_id), NOW)
    reloaded = _reload(vault, saved.id)
    assert saved == reloaded
    assert saved.diagnosis_codes == ("F41.1", "F43.81")
    assert saved.status is NoteStatus.DRAFT and saved.signed_at is None and saved.fee is None
    assert saved.addenda == () and saved.updated_at == NOW


def test_minimal_note_returned_equals_the_reloaded_note(vault: Vault, client_id: int) -> None:
    with vault.unit_of_work() as s:
        minimal = SessionNote(client_id=client_id, session_date=date(2026, 11, 2))
        saved = notes.save_note(s, minimal, NOW)
    assert saved == _reload(vault, saved.id)


def test_updated_note_returned_equals_the_reloaded_note(vault: Vault, client_id: int) -> None:
    with vault.unit_of_work() as s:
        first = notes.save_note(s, _full_note(client_id), NOW)
    later = datetime(2026, 11, 20, 18, 1, 2, 345678)
    edited = _full_note(client_id, id=first.id, lines=(ServiceLine("90834"),),
                        objective_progress=(),
                        sections=[["Data", "Edited text"]],  # lists, as a caller may build them
                        diagnosis_codes=("F43.81",))
    with vault.unit_of_work() as s:
        saved = notes.save_note(s, edited, later)
    reloaded = _reload(vault, first.id)
    assert saved == reloaded
    assert reloaded.lines == (ServiceLine("90834"),) and reloaded.objective_progress == ()
    assert reloaded.sections == (("Data", "Edited text"),) and reloaded.updated_at == later
    with vault.reader() as s:
        assert [h[0] for h in notes.search_notes(s, "edited")] == [first.id]
        assert notes.search_notes(s, "café") == []  # the old text left the index
        actions = [e.action for e in list_events(s, client_id=client_id)]
        assert actions.count("note.create") == 1 and actions.count("note.update") == 1
        assert verify_chain(s) == []


def test_unknown_client_is_refused_before_anything_is_written(vault: Vault) -> None:
    with pytest.raises(RecordNotFound) as raised, vault.unit_of_work() as s:
        notes.save_note(s, SessionNote(client_id=999, session_date=date(2026, 11, 2)), NOW)
    assert (raised.value.record_type, raised.value.record_id) == ("client", 999)
    with vault.reader() as s:
        assert s.execute(text("SELECT count(*) FROM sessions")).scalar_one() == 0


def test_unknown_session_id_is_refused(vault: Vault, client_id: int) -> None:
    with pytest.raises(RecordNotFound), vault.unit_of_work() as s:
        unknown = SessionNote(client_id=client_id, session_date=date(2026, 11, 2), id=4242)
        notes.save_note(s, unknown, NOW)


def test_new_note_is_few_statements_in_one_transaction(vault: Vault, client_id: int) -> None:
    with vault.unit_of_work() as s:
        notes.save_note(s, _full_note(client_id), NOW)  # the audit chain's last hash is now known
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement.split()[0].upper())

    event.listen(vault.engine, "before_cursor_execute", record)
    try:
        with vault.unit_of_work() as s:
            notes.save_note(s, _full_note(client_id), NOW)
    finally:
        event.remove(vault.engine, "before_cursor_execute", record)
    # BEGIN, the client check, then session, body, lines, objective links, search entry, audit.
    assert statements == ["BEGIN", "SELECT"] + ["INSERT"] * 6


def test_a_stale_search_entry_under_a_reused_id_is_replaced(vault: Vault, client_id: int) -> None:
    with vault.unit_of_work() as s:
        first = notes.save_note(s, _full_note(client_id), NOW)
    assert first.id is not None
    # An index entry left behind for the id the next session will get (SQLite reuses the
    # highest rowid): saving must replace it, not fail on it or keep its words.
    with vault.unit_of_work() as s:
        s.execute(text("INSERT INTO notes_fts(rowid, body) VALUES (:id, 'leftover words')"),
                  {"id": first.id + 1})
    with vault.unit_of_work() as s:
        second = notes.save_note(s, _full_note(client_id, sections=(("Data", "fresh text"),)), NOW)
    assert second.id == first.id + 1
    with vault.reader() as s:
        assert notes.search_notes(s, "leftover") == []
        assert [h[0] for h in notes.search_notes(s, "fresh")] == [second.id]
        s.execute(text("INSERT INTO notes_fts(notes_fts) VALUES ('integrity-check')"))
