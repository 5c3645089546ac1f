"""Saving a note: what save_note returns is what the vault gives back, in one transaction."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import event, insert, select, text
from sqlalchemy import exc as sa_exc

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
from therapist_desk.store.errors import VaultError
from therapist_desk.store.models import AuditRow, ClientRow, NoteBodyRow, SessionRow
from therapist_desk.store.repositories import notes as notes_repo
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


def _stored(vault: Vault, table: str, row_id: int, skip: tuple[str, ...] = ("id",)) -> dict[str, str]:
    """Every column of one row as SQLite holds it (quote(): type and exact text)."""
    with vault.reader() as s:
        names = [r[1] for r in s.execute(text(f"PRAGMA table_info({table})")) if r[1] not in skip]
        row = s.execute(text(f"SELECT {', '.join(f'quote({n})' for n in names)} FROM {table}"
                             " WHERE id = :id"), {"id": row_id}).one()
    return dict(zip(names, row, strict=True))


def test_rows_written_on_the_driver_are_stored_exactly_as_core_writes_them(
    vault: Vault, client_id: int
) -> None:
    # save_note writes the session and audit rows straight on the driver; the same values put
    # through SQLAlchemy Core must be stored identically (date, time and datetime formats).
    with vault.unit_of_work() as s:
        saved = notes.save_note(s, _full_note(client_id), NOW)
    assert saved.id is not None
    sessions, audit_events = SessionRow.__table__, AuditRow.__table__
    with vault.unit_of_work() as s:
        conn = s.connection()
        session_row = conn.execute(select(sessions).where(sessions.c.id == saved.id)).one()._asdict()
        del session_row["id"]
        core_session = conn.execute(insert(sessions).values(session_row)).lastrowid
        audit_row = conn.execute(select(audit_events).order_by(audit_events.c.id.desc()).limit(1)).one()
        assert (audit_row.action, audit_row.record_id) == ("note.create", saved.id)
        core_audit = conn.execute(insert(audit_events).values(
            {k: v for k, v in audit_row._asdict().items() if k != "id"})).lastrowid
    assert _stored(vault, "sessions", saved.id) == _stored(vault, "sessions", core_session)
    assert _stored(vault, "sessions", saved.id)["start_time"] == "'09:05:30.000250'"
    assert _stored(vault, "audit_events", audit_row.id) == _stored(vault, "audit_events", core_audit)


def test_a_driver_statement_fails_as_a_core_statement_does(vault: Vault, client_id: int) -> None:
    # No session 424242: the foreign key refuses the body, with SQLAlchemy's own exception class
    # and no parameter values in the message, so unit_of_work translates it as before.
    bodies = NoteBodyRow.__table__
    with vault.unit_of_work() as s:
        with pytest.raises(sa_exc.IntegrityError) as core:
            with s.begin_nested():
                s.connection().execute(insert(bodies).values(session_id=424242, body_json="{}"))
        with pytest.raises(sa_exc.IntegrityError) as driver:
            with s.begin_nested():
                notes_repo._NEW_BODY.execute(s.connection(), (424242, "secret body"))
    assert type(driver.value) is type(core.value)
    assert type(driver.value.orig) is type(core.value.orig)
    assert "secret body" not in str(driver.value) and "parameters hidden" in str(driver.value)
    with pytest.raises(VaultError), vault.unit_of_work() as s:
        notes_repo._NEW_BODY.execute(s.connection(), (424242, "{}"))


def test_the_client_check_sees_a_client_pending_in_the_session(vault: Vault, client_id: int) -> None:
    # The client check runs on the driver: a client added in the same unit of work (pending in
    # the ORM session) must still count, as Session.execute's autoflush made it count before.
    clients = ClientRow.__table__
    with vault.unit_of_work() as s:
        values = s.connection().execute(select(clients).where(clients.c.id == client_id)).one()._asdict()
        s.add(ClientRow(**{**values, "id": client_id + 50}))
        assert notes_repo.client_on_file(s, client_id + 50)
        assert not notes_repo.client_on_file(s, client_id + 51)
        s.rollback()
