"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from therapist_desk.domain.audit import GENESIS_HASH, AuditEvent
from therapist_desk.store.models import AuditRow


def append_event(session: Session, event: AuditEvent) -> AuditEvent:
    """Chain ``event`` onto the last entry and insert it (in the caller's transaction)."""
    last = session.scalars(select(AuditRow.hash).order_by(AuditRow.id.desc()).limit(1)).first()
    chained = AuditEvent(
        at=event.at, action=event.action, record_type=event.record_type, record_id=event.record_id,
        client_id=event.client_id, detail=event.detail, prev_hash=last or GENESIS_HASH,
    )
    sealed = AuditEvent(**{**_fields(chained), "hash": chained.computed_hash()})
    row = AuditRow(**{k: v for k, v in _fields(sealed).items() if k != "id"})
    session.add(row)
    session.flush()
    return AuditEvent(**{**_fields(sealed), "id": row.id})


def _fields(event: AuditEvent) -> dict[str, object]:
    return {name: getattr(event, name) for name in AuditEvent.__dataclass_fields__}


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
