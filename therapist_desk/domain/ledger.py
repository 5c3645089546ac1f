"""The client ledger: charges, payments, adjustments and write-offs, all in Decimal dollars."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from therapist_desk.domain.enums import LedgerKind, PaymentMethod


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """``amount`` is always positive; ``kind`` says which way it moves the balance."""

    client_id: int
    kind: LedgerKind
    entry_date: date
    amount: Decimal
    method: PaymentMethod | None = None
    reference: str = ""
    memo: str = ""
    session_id: int | None = None
    cpt: str = ""
    id: int | None = None

    @property
    def signed_amount(self) -> Decimal:
        """Positive for what the client owes, negative for what reduces it."""
        return self.amount if self.kind is LedgerKind.CHARGE else -self.amount


def balance(entries: Iterable[LedgerEntry]) -> Decimal:
    return sum((e.signed_amount for e in entries), Decimal("0.00"))
