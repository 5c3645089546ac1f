"""Session notes: narrow metadata rows, the JSON body, service lines, addenda, FTS index."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import (
    ClientLocation,
    Modality,
    NoteFormat,
    NoteStatus,
    ProgressRating,
    ServiceType,
)
from therapist_desk.domain.session import Addendum, ObjectiveProgress, PsychotherapyNote, SessionNote
from therapist_desk.domain.summaries import SessionSummary
from therapist_desk.store.models import (
    AddendumRow,
    ClientRow,
    MeasureRow,
    NoteBodyRow,
    ObjectiveLinkRow,
    PsychotherapyNoteRow,
    SessionLineRow,
    SessionRow,
)
from therapist_desk.store.repositories._json import dumps, from_cents, loads, to_cents
from therapist_desk.store.repositories.clients import RecordNotFound

_BODY_FIELDS = (
    "telehealth_platform", "participants", "interactive_complexity_factor", "risk_assessment",
    "interventions_detail", "client_response", "homework_given", "homework_review", "plan_text",
)


def load_note(session: Session, session_id: int) -> SessionNote:
    # Plain Core rows, not ORM entities: one query for the session and its body, one per child
    # list (a superbill or letter loads dozens of notes; benchmarks/README.md).
    row = session.execute(
        select(*_NOTE_COLUMNS, NoteBodyRow.body_json)
        .outerjoin(NoteBodyRow, NoteBodyRow.session_id == SessionRow.id)
        .where(SessionRow.id == session_id)
    ).first()
    if row is None:
        raise RecordNotFound("session", session_id)
    body = loads(row.body_json)
    lines = session.execute(
        select(SessionLineRow.cpt, SessionLineRow.units, SessionLineRow.modifiers)
        .where(SessionLineRow.session_id == session_id).order_by(SessionLineRow.position)
    )
    links = session.execute(
        select(ObjectiveLinkRow.objective_key, ObjectiveLinkRow.rating, ObjectiveLinkRow.comment)
        .where(ObjectiveLinkRow.session_id == session_id).order_by(ObjectiveLinkRow.id)
    )
    addenda = session.execute(
        select(AddendumRow.text, AddendumRow.written_at, AddendumRow.signed_by, AddendumRow.reason,
               AddendumRow.id)
        .where(AddendumRow.session_id == session_id).order_by(AddendumRow.written_at)
    )
    return SessionNote(
        id=row.id,
        client_id=row.client_id,
        session_date=row.session_date,
        start_time=row.start_time,
        stop_time=row.stop_time,
        service_type=ServiceType(row.service_type),
        modality=Modality(row.modality),
        client_location=ClientLocation(row.client_location),
        place_of_service=row.place_of_service,
        lines=tuple(
            ServiceLine(ln.cpt, ln.units, tuple(m for m in ln.modifiers.split(",") if m)) for ln in lines
        ),
        diagnosis_codes=tuple(body.get("diagnosis_codes", ())),
        note_format=NoteFormat(body.get("note_format", NoteFormat.FREE.value)),
        sections=tuple((name, txt) for name, txt in body.get("sections", ())),
        interventions=tuple(body.get("interventions", ())),
        objective_progress=tuple(
            ObjectiveProgress(ln.objective_key, ProgressRating(ln.rating), ln.comment) for ln in links
        ),
        status=NoteStatus(row.status),
        signed_at=row.signed_at,
        signed_by=row.signed_by,
        fee=from_cents(row.fee_cents) if row.fee_cents is not None else None,
        addenda=tuple(Addendum(*a) for a in addenda),
        updated_at=row.updated_at,
        **{name: body.get(name, "") for name in _BODY_FIELDS},
    )


_NOTE_COLUMNS = (
    SessionRow.id, SessionRow.client_id, SessionRow.session_date, SessionRow.start_time,
    SessionRow.stop_time, SessionRow.service_type, SessionRow.modality, SessionRow.client_location,
    SessionRow.place_of_service, SessionRow.status, SessionRow.signed_at, SessionRow.signed_by,
    SessionRow.fee_cents, SessionRow.updated_at,
)


def save_note(session: Session, note: SessionNote, now: datetime) -> int:
    """Insert or update a note (metadata, body, lines, objective links) and its search entry.

    Core statements on the tables, not ORM entities: a new note is four INSERTs (session, body,
    lines, search entry) where the unit-of-work flush cost ~0.25 ms per statement (benchmarks/
    README.md "save one note"). Nothing here keeps ORM objects of these rows in the session.
    """
    values = {
        "client_id": note.client_id,
        "session_date": note.session_date,
        "start_time": note.start_time,
        "stop_time": note.stop_time,
        "minutes": note.minutes,
        "service_type": note.service_type.value,
        "modality": note.modality.value,
        "client_location": note.client_location.value,
        "place_of_service": note.place_of_service,
        "primary_cpt": note.primary_cpt,
        "cpt_summary": note.cpt_summary,
        "status": note.status.value,
        "signed_at": note.signed_at,
        "signed_by": note.signed_by,
        "fee_cents": to_cents(note.fee) if note.fee is not None else None,
        "updated_at": now,
    }
    body = {name: getattr(note, name) for name in _BODY_FIELDS}
    body.update(
        diagnosis_codes=list(note.diagnosis_codes),
        note_format=note.note_format.value,
        sections=[list(s) for s in note.sections],
        interventions=list(note.interventions),
    )
    # Straight on the transaction's connection: Session.execute adds ~50-100 us of ORM
    # bookkeeping per statement, which nothing here needs (pending objects flushed first).
    session.flush()
    conn = session.connection()
    if note.id is None:
        sid = conn.execute(_INSERT_SESSION, {**values, "created_at": now}).lastrowid
        conn.execute(_INSERT_BODY, {"session_id": sid, "body_json": dumps(body)})
    else:
        sid = note.id
        if conn.execute(_UPDATE_SESSION, {**values, "sid": sid}).rowcount == 0:
            raise RecordNotFound("session", sid)
        conn.execute(_UPSERT_BODY, {"session_id": sid, "body_json": dumps(body)})
        # A new session has no lines or links yet: the deletes are for an update only.
        conn.execute(_DELETE_LINES, {"sid": sid})
        conn.execute(_DELETE_LINKS, {"sid": sid})
    if note.lines:
        conn.execute(_INSERT_LINE, [
            {"session_id": sid, "position": i, "cpt": line.cpt, "units": line.units,
             "modifiers": ",".join(line.modifiers)}
            for i, line in enumerate(note.lines)
        ])
    if note.objective_progress:
        conn.execute(_INSERT_LINK, [
            {"session_id": sid, "objective_key": link.objective_key, "rating": link.rating.value,
             "comment": link.comment}
            for link in note.objective_progress
        ])
    conn.execute(_REINDEX, {"sid": sid, "body": note.body_text()})
    return sid


# Built once: executing a prepared Core statement skips most of SQLAlchemy's per-call work.
_SESSIONS = cast(Table, SessionRow.__table__)
_BODIES = cast(Table, NoteBodyRow.__table__)
_LINES = cast(Table, SessionLineRow.__table__)
_LINKS = cast(Table, ObjectiveLinkRow.__table__)
_INSERT_SESSION = insert(_SESSIONS)
_UPDATE_SESSION = (
    update(_SESSIONS)
    .where(_SESSIONS.c.id == bindparam("sid"))
    .values({name: bindparam(name) for name in (
        "client_id", "session_date", "start_time", "stop_time", "minutes", "service_type", "modality",
        "client_location", "place_of_service", "primary_cpt", "cpt_summary", "status", "signed_at",
        "signed_by", "fee_cents", "updated_at",
    )})
)
_INSERT_BODY = insert(_BODIES)
_BODY_INSERT = sqlite_insert(_BODIES)
_UPSERT_BODY = _BODY_INSERT.on_conflict_do_update(
    index_elements=["session_id"], set_={"body_json": _BODY_INSERT.excluded.body_json}
)
_INSERT_LINE = insert(_LINES)
_INSERT_LINK = insert(_LINKS)
_DELETE_LINES = delete(_LINES).where(_LINES.c.session_id == bindparam("sid"))
_DELETE_LINKS = delete(_LINKS).where(_LINKS.c.session_id == bindparam("sid"))
# FTS5 honours OR REPLACE on its rowid: one statement both indexes a new note and replaces the
# entry of an edited one (and never fails on a stale entry left under a reused session id).
_REINDEX = text("INSERT OR REPLACE INTO notes_fts(rowid, body) VALUES (:sid, :body)")


def reindex_note(session: Session, session_id: int, body_text: str) -> None:
    """Put the note's searchable text in the FTS5 index, replacing any entry it had."""
    session.execute(_REINDEX, {"sid": session_id, "body": body_text})


def add_addendum(session: Session, session_id: int, addendum: Addendum) -> int:
    row = AddendumRow(session_id=session_id, text=addendum.text, reason=addendum.reason,
                      written_at=addendum.written_at, signed_by=addendum.signed_by)
    session.add(row)
    session.flush()
    return row.id


def list_session_summaries(
    session: Session, client_id: int, *, since: date | None = None, until: date | None = None
) -> list[SessionSummary]:
    stmt = select(
        SessionRow.id, SessionRow.client_id, SessionRow.session_date, SessionRow.service_type,
        SessionRow.cpt_summary, SessionRow.minutes, SessionRow.status,
    ).where(SessionRow.client_id == client_id)
    if since is not None:
        stmt = stmt.where(SessionRow.session_date >= since)
    if until is not None:
        stmt = stmt.where(SessionRow.session_date <= until)
    stmt = stmt.order_by(SessionRow.session_date.desc(), SessionRow.start_time.desc(), SessionRow.id.desc())
    return [
        SessionSummary(r[0], r[1], r[2], ServiceType(r[3]), r[4], r[5], NoteStatus(r[6]))
        for r in session.execute(stmt)
    ]


def get_psychotherapy_note(session: Session, session_id: int) -> PsychotherapyNote | None:
    row = session.get(PsychotherapyNoteRow, session_id)
    return PsychotherapyNote(row.session_id, row.text, row.updated_at) if row else None


def save_psychotherapy_note(session: Session, note: PsychotherapyNote, now: datetime) -> None:
    row = session.get(PsychotherapyNoteRow, note.session_id) or PsychotherapyNoteRow(session_id=note.session_id)
    row.text = note.text
    row.updated_at = now
    session.add(row)


def search_notes(
    session: Session,
    query: str,
    *,
    client_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 50,
) -> list[tuple[int, int, date, str]]:
    """FTS5 match, newest first: (session id, client id, date, snippet with [[ ]] around hits).

    A common word matches most of the notes, so the plain join-and-sort computed a snippet for
    every match and sorted them all (100,000 notes, "sleep": 68,000 matches, ~1.1 s). Instead:

    1. The ``_PROBE_FACTOR * limit`` most recently *entered* matches (FTS5 walks its rowids
       backwards and stops). Fewer than that means they are all the matches.
    2. Otherwise the ``limit``-th newest date among them, D, is a floor for the true answer
       (they are a subset of all matches), and so is R, the lowest session id dated D or later.
       Only matches with ``rowid >= R`` and ``date >= D`` are joined and sorted: exact, and a
       few hundred rows while ids roughly follow dates; never worse than the plain query.
    3. Snippets for the ``limit`` rows kept only (measured: ~1.1 s -> ~8 ms for "sleep").
    """
    fts_query = to_fts_query(query)
    if not fts_query or limit < 1:
        return []
    params: dict[str, object] = {"q": fts_query, "limit": limit, "probe": limit * _PROBE_FACTOR}
    filters = ""
    if client_id is not None:
        filters += " AND s.client_id = :cid"
        params["cid"] = client_id
    if since is not None:
        filters += " AND s.session_date >= :since"
        params["since"] = since.isoformat()
    if until is not None:
        filters += " AND s.session_date <= :until"
        params["until"] = until.isoformat()
    matches = ("FROM notes_fts JOIN sessions AS s ON s.id = notes_fts.rowid"
               " WHERE notes_fts MATCH :q" + filters)
    recent = session.execute(
        text(f"SELECT s.id, s.session_date {matches} ORDER BY notes_fts.rowid DESC LIMIT :probe"), params
    ).all()
    if not recent:
        return []
    bound = ""
    if len(recent) >= limit * _PROBE_FACTOR:
        params["floor_date"] = sorted(((r[1], r[0]) for r in recent), reverse=True)[limit - 1][0]
        # status IN (every status) lets SQLite answer from ix_sessions_status_date alone.
        params["statuses"] = [s.value for s in NoteStatus]
        first_id = session.execute(
            text("SELECT min(s.id) FROM sessions AS s WHERE s.status IN :statuses"
                 " AND s.session_date >= :floor_date" + filters).bindparams(
                bindparam("statuses", expanding=True)),
            params,
        ).scalar()
        params["first_id"] = first_id or 0
        bound = " AND notes_fts.rowid >= :first_id AND s.session_date >= :floor_date"
    top = (f"SELECT s.id, s.client_id, s.session_date {matches}{bound}"
           " ORDER BY s.session_date DESC, s.id DESC LIMIT :limit")
    sql = (
        "SELECT top.id, top.client_id, top.session_date, "
        "snippet(notes_fts, 0, '[[', ']]', ' … ', 12) "
        f"FROM ({top}) AS top JOIN notes_fts ON notes_fts.rowid = top.id "
        "WHERE notes_fts MATCH :q" + (" AND notes_fts.rowid >= :first_id" if bound else "")
        + " ORDER BY top.session_date DESC, top.id DESC"
    )
    return [
        (r[0], r[1], date.fromisoformat(r[2]) if isinstance(r[2], str) else r[2], r[3])
        for r in session.execute(text(sql), params)
    ]


# How many of the most recently entered matches search_notes looks at first, per hit wanted.
_PROBE_FACTOR = 4


def to_fts_query(user_text: str) -> str:
    """Turn what a person types into a safe FTS5 query: each word a quoted prefix term."""
    words = [w for w in user_text.replace('"', " ").split() if w]
    return " ".join(f'"{w}"*' for w in words)


def delete_note(session: Session, session_id: int) -> None:
    """Remove a draft note with its body, lines, links and search entry (callers check it is unsigned)."""
    session.execute(text("DELETE FROM notes_fts WHERE rowid = :sid"), {"sid": session_id})
    row = session.get(SessionRow, session_id)
    if row is not None:
        session.delete(row)


def client_display_names(session: Session, client_ids: Iterable[int]) -> dict[int, str]:
    """Display names ("Preferred-or-first Last") of a few clients, by id, as one narrow Core query.

    For labelling search hits; no ORM objects, no other columns.
    """
    ids = sorted(set(client_ids))
    if not ids:
        return {}
    first = func.coalesce(func.nullif(ClientRow.preferred_name, ""), ClientRow.legal_first_name)
    stmt = select(ClientRow.id, first, ClientRow.legal_last_name).where(ClientRow.id.in_(ids))
    return {r[0]: f"{r[1]} {r[2]}".strip() for r in session.execute(stmt)}


def scored_instruments_for_session(session: Session, session_id: int) -> list[str]:
    """The distinct instruments (stored values) with a complete, scored form linked to the session."""
    stmt = (
        select(MeasureRow.instrument)
        .where(MeasureRow.session_id == session_id, MeasureRow.complete.is_(True))
        .distinct()
        .order_by(MeasureRow.instrument)
    )
    return list(session.scalars(stmt))


def client_ids_with_signed_sessions(session: Session, since: date, until: date) -> list[int]:
    """Ids of the clients with a signed session dated ``since`` to ``until`` (both included).

    One query on ix_sessions_status_date, for the monthly superbill batch: asking each client
    in turn took 2,000 queries (~0.6 s) at 2,000 clients and starved the GUI thread of the GIL.
    """
    stmt = (
        select(SessionRow.client_id)
        .where(SessionRow.status == NoteStatus.SIGNED.value, SessionRow.session_date >= since,
               SessionRow.session_date <= until)
        .distinct()
        .order_by(SessionRow.client_id)
    )
    return list(session.scalars(stmt))


def session_keys(session: Session) -> list[tuple[int, date, time | None]]:
    """(client id, date, start time) of every session, for duplicate checks on import."""
    stmt = select(SessionRow.client_id, SessionRow.session_date, SessionRow.start_time)
    return [(r[0], r[1], r[2]) for r in session.execute(stmt)]
