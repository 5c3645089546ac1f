"""What every use case shares: the clock, audit entries, and typed refusals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from therapist_desk.domain.audit import AuditEvent
from therapist_desk.store.repositories.audit import append_event

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Local wall-clock time without microseconds (what a clinician reads on a note)."""
    return datetime.now().replace(microsecond=0)


class ActionRefused(Exception):
    """A use case that cannot go ahead, with every reason listed (e.g. fields missing to sign)."""

    def __init__(self, summary: str, reasons: tuple[str, ...] = ()) -> None:
        self.summary = summary
        self.reasons = reasons
        text = summary + (": " + "; ".join(reasons) if reasons else "")
        super().__init__(text)


def audit(
    session: Session,
    now: datetime,
    action: str,
    record_type: str = "",
    record_id: int | None = None,
    *,
    client_id: int | None = None,
    detail: str = "",
) -> None:
    """Append an audit entry in the caller's transaction. ``detail`` never holds record content."""
    append_event(session, AuditEvent(at=now, action=action, record_type=record_type,
                                     record_id=record_id, client_id=client_id, detail=detail))
