"""Ledger use cases: payments, adjustments, write-offs and balances (charges come from signing)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from therapist_desk.domain.enums import LedgerKind, PaymentMethod
from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.ledger import LedgerEntry
from therapist_desk.domain.money import parse_money
from therapist_desk.services.common import audit
from therapist_desk.store.repositories import records
from therapist_desk.store.repositories.clients import load_client


def _credit(
    session: Session, kind: LedgerKind, client_id: int, on: date, amount: Decimal | str, now: datetime,
    *, method: PaymentMethod | None = None, reference: str = "", memo: str = "",
) -> LedgerEntry:
    load_client(session, client_id)
    value = parse_money(amount, "Amount")
    if value <= 0:
        raise ValidationError("Amount", "must be more than $0.00")
    if on > now.date():
        raise ValidationError("Date", "is in the future")
    entry = LedgerEntry(client_id, kind, on, value, method, reference.strip(), memo.strip())
    entry_id = records.add_ledger_entry(session, entry, now)
    audit(session, now, f"ledger.{kind.value}", "ledger_entry", entry_id, client_id=client_id)
    return LedgerEntry(**{**{f: getattr(entry, f) for f in LedgerEntry.__dataclass_fields__}, "id": entry_id})


def record_payment(
    session: Session, client_id: int, on: date, amount: Decimal | str, method: PaymentMethod,
    now: datetime, *, reference: str = "", memo: str = "",
) -> LedgerEntry:
    return _credit(session, LedgerKind.PAYMENT, client_id, on, amount, now,
                   method=method, reference=reference, memo=memo)


def record_adjustment(
    session: Session, client_id: int, on: date, amount: Decimal | str, now: datetime, *, memo: str = ""
) -> LedgerEntry:
    return _credit(session, LedgerKind.ADJUSTMENT, client_id, on, amount, now, memo=memo)


def record_write_off(
    session: Session, client_id: int, on: date, amount: Decimal | str, now: datetime, *, memo: str = ""
) -> LedgerEntry:
    return _credit(session, LedgerKind.WRITE_OFF, client_id, on, amount, now, memo=memo)


def client_ledger(session: Session, client_id: int) -> list[LedgerEntry]:
    return records.list_ledger(session, client_id)


def client_balance(session: Session, client_id: int) -> Decimal:
    return records.ledger_balance(session, client_id)


def practice_balance(session: Session) -> Decimal:
    return records.ledger_balance(session)
