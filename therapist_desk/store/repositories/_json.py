"""JSON helpers for the few document columns (addresses, contacts, plan trees, note bodies)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any


def _default(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


def dumps(value: object) -> str:
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def loads(text: str | None) -> Any:
    return json.loads(text) if text else {}


def opt_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def to_cents(amount: Decimal) -> int:
    """Dollars to integer cents; amounts are already validated to two decimals."""
    return int((amount * 100).to_integral_exact())


def from_cents(cents: int) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)
