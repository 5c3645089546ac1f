"""Audit log use cases: read with filters, verify the hash chain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from therapist_desk.domain.audit import AuditEvent
from therapist_desk.store.repositories import audit as repo


def list_events(
    session: Session, *, client_id: int | None = None, action: str | None = None,
    since: datetime | None = None, limit: int | None = None,
) -> list[AuditEvent]:
    return repo.list_events(session, client_id=client_id, action=action, since=since, limit=limit)


def verify_chain(session: Session) -> list[int]:
    """Ids of audit entries that were changed or removed after they were written (empty = intact)."""
    return repo.chain_breaks(session)
