"""Tests for parsing and formatting money."""

from __future__ import annotations

from decimal import Decimal

import pytest

from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.money import CENTS, format_money, parse_money


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,234.50", "1234.50"),
        ("150", "150.00"),
        (" 150.5 ", "150.50"),
        ("$ 95", "95.00"),
        (".50", "0.50"),
        ("0", "0.00"),
        ("1,000,000", "1000000.00"),
        ("12.", "12.00"),
        ("1.500", "1.50"),  # trailing zeros are not sub-cent precision
        (Decimal(150), "150.00"),
        (Decimal("99.9"), "99.90"),
        (175, "175.00"),
    ],
)
def test_parse_accepts(text: str | Decimal | int, expected: str) -> None:
    amount = parse_money(text, "Fee")
    assert amount == Decimal(expected)
    assert amount.as_tuple().exponent == -2  # always quantized to cents
    assert str(amount) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "is required"),
        ("abc", "must be an amount"),
        ("12.345", "more than 2 decimal places"),
        ("1,23", "must be an amount"),
        ("12,34.00", "must be an amount"),
        ("1e3", "must be an amount"),
        ("NaN", "must be an amount"),
        ("Infinity", "must be an amount"),
        ("$", "must be an amount"),
        (".", "must be an amount"),
        ("-5", "cannot be negative"),
        ("-$12.00", "cannot be negative"),
        ("1 000", "must be an amount"),
        ("١٢", "must be an amount"),  # non-ASCII digits
        (Decimal("NaN"), "must be a number"),
        (Decimal("Infinity"), "must be a number"),
        (Decimal("1.005"), "more than 2 decimal places"),
        (-3, "cannot be negative"),
        ("1000000000", "too large"),
    ],
)
def test_parse_rejects(text: str | Decimal | int, fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_money(text, "Session fee")
    assert caught.value.field == "Session fee"
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"), [("-$12.00", "-12.00"), ("$-12", "-12.00"), ("-0", "0.00")]
)
def test_negatives_when_allowed(text: str, expected: str) -> None:
    assert parse_money(text, "Adjustment", allow_negative=True) == Decimal(expected)


def test_negative_zero_is_plain_zero() -> None:
    assert format_money(parse_money("-0", "Adjustment", allow_negative=True)) == "$0.00"


def test_float_and_bool_refused() -> None:
    with pytest.raises(TypeError):
        parse_money(1.5, "Fee")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse_money(True, "Fee")


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("1234.5"), "$1,234.50"),
        (Decimal(0), "$0.00"),
        (Decimal(-12), "-$12.00"),
        (Decimal(1000000), "$1,000,000.00"),
        (Decimal("0.005"), "$0.01"),
        (Decimal("-0.004"), "$0.00"),
    ],
)
def test_format(amount: Decimal, text: str) -> None:
    assert format_money(amount) == text


def test_round_trip() -> None:
    for text in ("$1,234.50", "$0.99", "-$12.00"):
        assert format_money(parse_money(text, "Amount", allow_negative=True)) == text


def test_cents() -> None:
    assert CENTS == Decimal("0.01")
