"""The append-only, hash-chained audit log."""

from __future__ import annotations

import weakref
from datetime import datetime

from sqlalchemy import Connection, bindparam, select, text
from sqlalchemy.orm import Session

from therapist_desk.domain.audit import GENESIS_HASH, AuditEvent
from therapist_desk.store.models import AuditRow


def append_event(session: Session, event: AuditEvent) -> AuditEvent:
    """Chain ``event`` onto the last entry and insert it (in the caller's transaction).

    One statement in the usual case: the hash of the last entry this engine wrote is kept, and
    the INSERT itself checks that it is still the last entry's hash (a guard inside the same
    statement, so inside the same transaction). Anything else having written since (another
    connection, a rolled-back transaction) makes the guard insert nothing; the last hash is then
    read in this transaction (a unit of work holds the write lock from BEGIN IMMEDIATE) and the
    entry chained onto it, behind the same guard. The chain never rests on a remembered value.
    """
    session.flush()  # as before: the caller's pending rows reach the database first
    conn = session.connection()
    pool = conn.engine.pool
    guess = _LAST_HASH.get(pool)
    row_id: int | None = None
    if guess is not None:
        sealed, row_id = _insert_after(conn, event, guess)
    if row_id is None:
        last = conn.execute(_LAST_HASH_SQL).scalar()
        sealed, row_id = _insert_after(conn, event, last or GENESIS_HASH)
        if row_id is None:
            # Only possible outside a write transaction, with a writer between the two statements.
            raise RuntimeError("the audit log changed while an entry was being added; try again")
    _LAST_HASH[pool] = sealed.hash
    return AuditEvent(sealed.at, sealed.action, sealed.record_type, sealed.record_id, sealed.client_id,
                      sealed.detail, sealed.prev_hash, sealed.hash, row_id)


def _insert_after(conn: Connection, event: AuditEvent, prev_hash: str) -> tuple[AuditEvent, int | None]:
    """Insert ``event`` chained onto ``prev_hash`` if that is the last entry's hash; its id or None."""
    chained = AuditEvent(event.at, event.action, event.record_type, event.record_id, event.client_id,
                         event.detail, prev_hash)
    sealed = AuditEvent(event.at, event.action, event.record_type, event.record_id, event.client_id,
                        event.detail, prev_hash, chained.computed_hash())
    result = conn.execute(_GUARDED_INSERT, {
        "at": sealed.at, "action": sealed.action, "record_type": sealed.record_type,
        "record_id": sealed.record_id, "client_id": sealed.client_id, "detail": sealed.detail,
        "prev_hash": sealed.prev_hash, "hash": sealed.hash, "genesis": GENESIS_HASH,
    })
    return sealed, (result.lastrowid if result.rowcount == 1 else None)


# The last hash this process saw written, per engine (its pool): a guess the INSERT checks.
_LAST_HASH: weakref.WeakKeyDictionary[object, str] = weakref.WeakKeyDictionary()
_LAST_HASH_SQL = text("SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1")
_GUARDED_INSERT = text(
    "INSERT INTO audit_events (at, action, record_type, record_id, client_id, detail, prev_hash, hash)"
    " SELECT :at, :action, :record_type, :record_id, :client_id, :detail, :prev_hash, :hash"
    " WHERE coalesce((SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1), :genesis) = :prev_hash"
).bindparams(bindparam("at", type_=AuditRow.__table__.c.at.type))


def list_events(
    session: Session,
    *,
    client_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[AuditEvent]:
    stmt = select(AuditRow)
    if client_id is not None:
        stmt = stmt.where(AuditRow.client_id == client_id)
    if action:
        stmt = stmt.where(AuditRow.action == action)
    if since is not None:
        stmt = stmt.where(AuditRow.at >= since)
    stmt = stmt.order_by(AuditRow.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        AuditEvent(r.at, r.action, r.record_type, r.record_id, r.client_id, r.detail, r.prev_hash, r.hash, r.id)
        for r in session.scalars(stmt)
    ]


def chain_breaks(session: Session) -> list[int]:
    """Ids of entries whose hash or link to the previous entry does not match: tampering."""
    broken: list[int] = []
    previous = GENESIS_HASH
    for event in list_events(session):
        if event.prev_hash != previous or event.computed_hash() != event.hash:
            assert event.id is not None
            broken.append(event.id)
        previous = event.hash
    return broken
