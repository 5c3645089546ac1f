"""Read models for lists: flat, precomputed rows a table can show without further work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from therapist_desk.domain.enums import ClientStatus, NoteStatus, ServiceType


@dataclass(frozen=True, slots=True)
class ClientSummary:
    id: int
    display_name: str
    status: ClientStatus
    date_of_birth: date
    last_session: date | None = None
    next_review: date | None = None
    unsigned_notes: int = 0
    balance: Decimal = Decimal("0.00")
    phq9_band: str | None = None
    gad7_band: str | None = None


@dataclass(frozen=True, slots=True)
class SessionSummary:
    id: int
    client_id: int
    session_date: date
    service_type: ServiceType
    cpt_summary: str
    minutes: int | None
    status: NoteStatus
