"""Tests for NPI, EIN, SSN and contact-detail validation."""

from __future__ import annotations

import pytest

from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.identifiers import (
    INVALID_EIN_PREFIXES,
    format_ein,
    mask_ssn,
    npi_check_digit,
    validate_ein,
    validate_email,
    validate_npi,
    validate_phone,
    validate_ssn,
    validate_us_state,
    validate_zip,
)

VALID_NPI = "1234567893"  # CMS's worked example


# --- NPI -------------------------------------------------------------------------------------


def test_cms_worked_example_check_digit() -> None:
    assert npi_check_digit("123456789") == 3


def _plain_luhn_check(payload: str) -> int:
    """Plain Luhn over "80840" + nine digits: the NPPES definition, computed independently."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:
            digit = digit * 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10


@pytest.mark.parametrize(
    "first_nine",
    ["123456789", "100000000", "199999999", "298765432", "154321098", "200000000", "111111111"],
)
def test_check_digit_agrees_with_plain_luhn(first_nine: str) -> None:
    assert npi_check_digit(first_nine) == _plain_luhn_check("80840" + first_nine)


@pytest.mark.parametrize(
    ("npi", "expected"),
    [
        ("1234567893", "1234567893"),
        ("1245319599", "1245319599"),  # a commonly cited sample NPI
        (" 123-456-7893 ", "1234567893"),
        ("1234 5678 93", "1234567893"),
    ],
)
def test_valid_npis(npi: str, expected: str) -> None:
    assert validate_npi(npi) == expected


def test_computed_npis_validate() -> None:
    for first_nine in ("100000000", "298765432", "154321098", "211111111"):
        npi = first_nine + str(npi_check_digit(first_nine))
        assert validate_npi(npi) == npi


def test_wrong_check_digit_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_npi("1234567890", field="Rendering NPI")
    assert caught.value.field == "Rendering NPI"
    assert "check digit" in caught.value.message


def test_every_single_digit_mutation_is_rejected() -> None:
    for index in range(10):
        for replacement in "0123456789":
            if replacement == VALID_NPI[index]:
                continue
            mutated = VALID_NPI[:index] + replacement + VALID_NPI[index + 1 :]
            with pytest.raises(ValidationError):
                validate_npi(mutated)


@pytest.mark.parametrize(
    ("npi", "fragment"),
    [
        ("123456789", "must be 10 digits; got 9"),
        ("12345678930", "must be 10 digits; got 11"),
        ("", "is required"),
        ("12345A7893", "only digits"),
        ("3234567893", "must start with 1 or 2"),
    ],
)
def test_bad_npis(npi: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_npi(npi)
    assert caught.value.field == "NPI"
    assert fragment in caught.value.message


def test_npi_starting_with_3_rejected_even_with_right_luhn() -> None:
    npi = "323456789" + str(npi_check_digit("323456789"))
    with pytest.raises(ValidationError, match="start with 1 or 2"):
        validate_npi(npi)


def test_check_digit_needs_nine_digits() -> None:
    with pytest.raises(ValueError):
        npi_check_digit("12345678")


# --- EIN -------------------------------------------------------------------------------------


def test_ein_forms() -> None:
    assert validate_ein("12-3456789") == "123456789"
    assert validate_ein("123456789") == "123456789"
    assert validate_ein(" 12-3456789 ") == "123456789"
    assert format_ein("123456789") == "12-3456789"
    assert format_ein("12-3456789") == "12-3456789"


def test_invalid_prefix_table_is_domain_list() -> None:
    assert INVALID_EIN_PREFIXES == {
        "00",
        "07",
        "08",
        "09",
        "17",
        "18",
        "19",
        "28",
        "29",
        "49",
        "69",
        "70",
        "78",
        "79",
        "89",
        "96",
        "97",
    }


@pytest.mark.parametrize("prefix", sorted(INVALID_EIN_PREFIXES))
def test_each_invalid_prefix_rejected(prefix: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_ein(f"{prefix}-1234567", field="Tax ID")
    assert caught.value.field == "Tax ID"
    assert prefix in caught.value.message


@pytest.mark.parametrize(
    "prefix",
    [
        "01",
        "06",
        "10",
        "16",
        "20",
        "27",
        "30",
        "48",
        "50",
        "68",
        "71",
        "77",
        "80",
        "88",
        "90",
        "95",
        "98",
        "99",
    ],
)
def test_valid_neighbours_accepted(prefix: str) -> None:
    assert validate_ein(f"{prefix}-1234567") == f"{prefix}1234567"


@pytest.mark.parametrize(
    "ein", ["", "12-345678", "1234567890", "123-456789", "12-34567A9", "12--3456789"]
)
def test_bad_ein_shapes(ein: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_ein(ein)
    assert caught.value.field == "EIN"


def test_format_ein_rejects_wrong_length() -> None:
    with pytest.raises(ValidationError):
        format_ein("12345678")


# --- SSN -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ssn", "expected"),
    [
        ("123-45-6789", "123456789"),
        ("123456789", "123456789"),
        ("665-01-0001", "665010001"),
        ("899-99-9999", "899999999"),
    ],
)
def test_valid_ssns(ssn: str, expected: str) -> None:
    assert validate_ssn(ssn) == expected


@pytest.mark.parametrize(
    "ssn",
    [
        "000-12-3456",
        "666-12-3456",
        "900-12-3456",
        "999-12-3456",
        "123-00-4567",
        "123-45-0000",
        "12345678",
        "1234567890",
        "12345678X",
        "",
    ],
)
def test_invalid_ssns_never_echo_the_number(ssn: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_ssn(ssn, field="Tax ID (SSN)")
    assert caught.value.field == "Tax ID (SSN)"
    digits = ssn.replace("-", "")
    for part in (digits, digits[:3], digits[-4:]):
        if len(part) >= 3:
            assert part not in str(caught.value)


def test_mask_ssn() -> None:
    assert mask_ssn("123456789") == "***-**-6789"
    assert mask_ssn("123-45-6789") == "***-**-6789"
    with pytest.raises(ValidationError):
        mask_ssn("1234")


# --- Contact details -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "5550100123",
        "555-010-0123",
        "(555) 010-0123",
        "555.010.0123",
        "+1 555 010 0123",
        "1-555-010-0123",
        "+15550100123",
    ],
)
def test_phone_formats(phone: str) -> None:
    assert validate_phone(phone, "Practice phone") == "(555) 010-0123"


@pytest.mark.parametrize(
    "phone",
    [
        "",
        "555-0123",
        "+44 20 7946 0958",
        "055-010-0123",
        "155-010-0123",
        "555-010-012X",
        "25550100123",
    ],
)
def test_bad_phones(phone: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_phone(phone, "Practice phone")
    assert caught.value.field == "Practice phone"


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("jane@Example.ORG", "jane@example.org"),
        (" j.roe+intake@mail.example.com ", "j.roe+intake@mail.example.com"),
    ],
)
def test_valid_emails(email: str, expected: str) -> None:
    assert validate_email(email, "Email") == expected


@pytest.mark.parametrize(
    "email",
    [
        "",
        "jane",
        "jane@",
        "@example.com",
        "jane@example",
        "jane doe@example.com",
        "jane@@example.com",
        "jane@example.c",
        ".jane@example.com",
        "ja..ne@example.com",
        "jane@-example.com",
    ],
)
def test_bad_emails(email: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_email(email, "Email")
    assert caught.value.field == "Email"


@pytest.mark.parametrize("state", ["NY", "ny", " ca ", "DC", "PR", "GU", "VI", "AS", "MP", "AE"])
def test_valid_states(state: str) -> None:
    assert validate_us_state(state, "State") == state.strip().upper()


@pytest.mark.parametrize("state", ["", "XX", "New York", "N", "UK"])
def test_bad_states(state: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_us_state(state, "License state")
    assert caught.value.field == "License state"


@pytest.mark.parametrize(
    ("zip_code", "expected"),
    [
        ("12345", "12345"),
        ("12345-6789", "12345-6789"),
        ("123456789", "12345-6789"),
        (" 02134 ", "02134"),
    ],
)
def test_valid_zips(zip_code: str, expected: str) -> None:
    assert validate_zip(zip_code, "ZIP") == expected


@pytest.mark.parametrize("zip_code", ["", "1234", "123456", "12345-678", "ABCDE", "12345-67890"])
def test_bad_zips(zip_code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_zip(zip_code, "ZIP")
    assert caught.value.field == "ZIP"
