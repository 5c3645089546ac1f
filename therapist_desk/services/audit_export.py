"""Audit log queries with filters (action, client id, date range) and export to CSV.

Audit entries name records (type, id, client id) and carry field names or counts in ``detail``,
never record content, so the CSV holds no client data beyond ids. The export itself is audited
(``audit.export`` with the number of rows), like every other export.
"""

from __future__ import annotations

import csv
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Final, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from therapist_desk.domain.audit import AuditEvent
from therapist_desk.services.common import audit
from therapist_desk.store.errors import (
    VaultError,
    VaultNotFound,
    VaultReadOnly,
    translate_db_error,
)
from therapist_desk.store.models import AuditRow

__all__ = [
    "CSV_COLUMNS",
    "EXPORT_ACTION",
    "AuditFilter",
    "action_names",
    "count_events",
    "export_csv",
    "find_events",
    "write_csv",
]

EXPORT_ACTION: Final = "audit.export"
CSV_COLUMNS: Final = (
    "id", "time", "action", "record_type", "record_id", "client_id", "detail", "prev_hash", "hash",
)
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which entries to show or export; ``since``/``until`` are whole days, both included."""

    action: str | None = None
    client_id: int | None = None
    since: date | None = None
    until: date | None = None

    def describe(self) -> str:
        """The filter as ``key=value`` words for the export's own audit entry (no content)."""
        parts = []
        if self.action:
            parts.append(f"action={self.action}")
        if self.client_id is not None:
            parts.append(f"client_id={self.client_id}")
        if self.since is not None:
            parts.append(f"since={self.since.isoformat()}")
        if self.until is not None:
            parts.append(f"until={self.until.isoformat()}")
        return " ".join(parts)


_Stmt = TypeVar("_Stmt", bound="Select[Any]")


def _filtered(stmt: _Stmt, flt: AuditFilter) -> _Stmt:
    if flt.action:
        stmt = stmt.where(AuditRow.action == flt.action)
    if flt.client_id is not None:
        stmt = stmt.where(AuditRow.client_id == flt.client_id)
    if flt.since is not None:
        stmt = stmt.where(AuditRow.at >= datetime.combine(flt.since, time.min))
    if flt.until is not None:
        stmt = stmt.where(AuditRow.at < datetime.combine(flt.until + timedelta(days=1), time.min))
    return stmt


def find_events(
    session: Session, flt: AuditFilter = AuditFilter(), *, limit: int | None = None,
    newest_first: bool = True,
) -> list[AuditEvent]:
    """Entries matching ``flt``, filtered and ordered in SQL (newest first unless told)."""
    stmt = _filtered(select(AuditRow), flt)
    stmt = stmt.order_by(AuditRow.id.desc() if newest_first else AuditRow.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        AuditEvent(r.at, r.action, r.record_type, r.record_id, r.client_id, r.detail,
                   r.prev_hash, r.hash, r.id)
        for r in session.scalars(stmt)
    ]


def count_events(session: Session, flt: AuditFilter = AuditFilter()) -> int:
    stmt = _filtered(select(func.count(AuditRow.id)), flt)
    return int(session.scalar(stmt) or 0)


def action_names(session: Session) -> list[str]:
    """Every action that occurs in the log, sorted (for the viewer's filter)."""
    return sorted(session.scalars(select(AuditRow.action).distinct()))


def write_csv(events: list[AuditEvent], dest: Path) -> int:
    """Write ``events`` to ``dest`` as UTF-8 CSV (owner-only, replaced atomically); return the rows."""
    dest = dest.absolute()
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{dest.name}-", suffix=".partial", dir=dest.parent)
    except OSError as exc:
        failure = _file_error(exc)
        raise failure from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            for event in events:
                writer.writerow([_cell(value) for value in _row(event)])
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, dest)  # mkstemp created it 0600
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        failure = _file_error(exc)
        raise failure from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return len(events)


def export_csv(session: Session, dest: Path, now: datetime, flt: AuditFilter = AuditFilter()) -> int:
    """Export the entries matching ``flt`` (oldest first, so the chain reads in order) to ``dest``.

    Runs in the caller's unit of work: the ``audit.export`` entry is added after the file is
    written, and a failure to write the file leaves no entry. Returns the number of rows.
    """
    events = find_events(session, flt, newest_first=False)
    count = write_csv(events, dest)
    detail = f"rows={count}" + (f" {flt.describe()}" if flt.describe() else "")
    audit(session, now, EXPORT_ACTION, detail=detail)
    return count


def _file_error(exc: OSError) -> VaultError:
    """The export's own words for a folder problem (the store's would speak of the vault)."""
    failure = translate_db_error(exc)
    if isinstance(failure, VaultNotFound):
        return VaultNotFound("The folder chosen for the export does not exist.")
    if isinstance(failure, VaultReadOnly):
        return VaultReadOnly("The folder chosen for the export cannot be written to.")
    return failure


def _row(event: AuditEvent) -> tuple[object, ...]:
    return (event.id, event.at.isoformat(sep=" "), event.action, event.record_type,
            "" if event.record_id is None else event.record_id,
            "" if event.client_id is None else event.client_id,
            event.detail, event.prev_hash, event.hash)


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
