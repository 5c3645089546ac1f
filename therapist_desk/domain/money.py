"""Money as Decimal cents: parse what a clinician types and format it for screens and superbills."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from therapist_desk.domain.errors import ValidationError

CENTS = Decimal("0.01")
# Far above any fee; it keeps quantize() inside Decimal's default 28-digit precision.
MAX_AMOUNT = Decimal("999999999.99")

# "1234.5", "1,234.50", ".50", "$ 12" -- commas only as thousands separators.
_AMOUNT = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d*)?$")


def parse_money(text: str | Decimal | int, field: str, *, allow_negative: bool = False) -> Decimal:
    """Return the amount quantized to cents, or raise ValidationError saying what is wrong.

    Accepts "$1,234.50", "150", "-$12" (only with allow_negative), Decimal and int. Floats are
    refused: binary fractions are how cents go missing.
    """
    if isinstance(text, bool) or not isinstance(text, (str, Decimal, int)):
        raise TypeError("parse_money accepts str, Decimal or int")
    if isinstance(text, str):
        amount = _parse_text(text, field)
    else:
        amount = Decimal(text)
        if not amount.is_finite():
            raise ValidationError(field, "must be a number")
    return _checked(amount, field, allow_negative)


def _parse_text(text: str, field: str) -> Decimal:
    cleaned = text.strip()
    if not cleaned:
        raise ValidationError(field, "is required")
    negative = False
    if cleaned.startswith("-"):
        negative, cleaned = True, cleaned[1:].lstrip()
    if cleaned.startswith("$"):
        cleaned = cleaned[1:].lstrip()
    if not negative and cleaned.startswith("-"):  # "$-12.00"
        negative, cleaned = True, cleaned[1:].lstrip()
    if not cleaned or cleaned == "." or not cleaned.isascii() or not _AMOUNT.match(cleaned):
        raise ValidationError(field, "must be an amount such as 150 or $1,234.50")
    try:
        amount = Decimal(cleaned.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise ValidationError(field, "must be an amount such as 150 or $1,234.50") from None
    return -amount if negative else amount


def _checked(amount: Decimal, field: str, allow_negative: bool) -> Decimal:
    if amount < 0 and not allow_negative:
        raise ValidationError(field, "cannot be negative")
    if abs(amount) > MAX_AMOUNT:
        raise ValidationError(field, "is too large")
    quantized = amount.quantize(CENTS)
    if quantized != amount:
        raise ValidationError(field, "cannot have more than 2 decimal places")
    # -0.00 would print as "-$0.00"
    return quantized if quantized != 0 else CENTS * 0


def format_money(amount: Decimal) -> str:
    """Return "$1,234.50"; negatives as "-$12.00"; half-cents round away from zero."""
    quantized = amount.quantize(CENTS, rounding=ROUND_HALF_UP)
    sign = "-" if quantized < 0 else ""
    return f"{sign}${abs(quantized):,.2f}"
