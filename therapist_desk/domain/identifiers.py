"""Check and normalize superbill identifiers: NPI, EIN, SSN, phone, email, state and ZIP."""

from __future__ import annotations

import re

from therapist_desk.domain.errors import ValidationError

# Separators people type inside numbers; removed before the digits are checked.
_SEPARATORS = re.compile(r"[\s\-]")

# The NPI Luhn check treats the number as if prefixed with 80840 (the US health-industry
# card issuer prefix). Those five digits always contribute 24 to the Luhn sum.
_NPI_PREFIX_LUHN_SUM = 24

# IRS campus prefixes that have never been issued (python-stdnum's table agrees).
# fmt: off
INVALID_EIN_PREFIXES: frozenset[str] = frozenset({
    "00", "07", "08", "09", "17", "18", "19", "28", "29",
    "49", "69", "70", "78", "79", "89", "96", "97",
})
# fmt: on

# USPS two-letter codes: states, DC, territories, freely associated states and military mail.
US_STATE_NAMES: dict[str, str] = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "DC": "District of Columbia",
    "AS": "American Samoa",
    "GU": "Guam",
    "MP": "Northern Mariana Islands",
    "PR": "Puerto Rico",
    "VI": "U.S. Virgin Islands",
    "FM": "Federated States of Micronesia",
    "MH": "Marshall Islands",
    "PW": "Palau",
    "AA": "Armed Forces Americas",
    "AE": "Armed Forces Europe",
    "AP": "Armed Forces Pacific",
}


def _required(value: str, field: str) -> str:
    text = value.strip()
    if not text:
        raise ValidationError(field, "is required")
    return text


def _digits_only(value: str, field: str, what: str) -> str:
    """Drop spaces and hyphens; anything else that is not a digit is an error."""
    digits = _SEPARATORS.sub("", _required(value, field))
    if not digits.isascii() or not digits.isdigit():
        raise ValidationError(field, f"{what} may contain only digits, spaces and hyphens")
    return digits


# --- NPI -------------------------------------------------------------------------------------


def npi_check_digit(first_nine: str) -> int:
    """Return the NPI check digit for the first nine digits (Luhn with the 80840 prefix)."""
    if len(first_nine) != 9 or not first_nine.isascii() or not first_nine.isdigit():
        raise ValueError("npi_check_digit needs exactly nine digits")
    total = _NPI_PREFIX_LUHN_SUM
    # Doubling starts at the rightmost of the nine digits because the check digit follows it.
    for position, char in enumerate(reversed(first_nine)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9  # same as adding the two digits of 10..18
        total += digit
    return (10 - total % 10) % 10


def validate_npi(value: str, field: str = "NPI") -> str:
    """Return the 10 NPI digits; the check proves the form only, not that NPPES issued it."""
    digits = _digits_only(value, field, "an NPI")
    if len(digits) != 10:
        raise ValidationError(field, f"must be 10 digits; got {len(digits)}")
    if digits[0] not in "12":
        raise ValidationError(field, "must start with 1 or 2")
    if npi_check_digit(digits[:9]) != int(digits[9]):
        raise ValidationError(field, "the check digit does not match; look for a typo")
    return digits


# --- EIN -------------------------------------------------------------------------------------

_EIN_SHAPE = re.compile(r"^(\d{2})-?(\d{7})$")


def validate_ein(value: str, field: str = "EIN") -> str:
    """Return the nine EIN digits from "12-3456789" or "123456789"."""
    text = _required(value, field).replace(" ", "")
    match = _EIN_SHAPE.match(text) if text.isascii() else None
    if match is None:
        raise ValidationError(field, "must be 9 digits, written as XX-XXXXXXX or XXXXXXXXX")
    digits = match.group(1) + match.group(2)
    if digits[:2] in INVALID_EIN_PREFIXES:
        raise ValidationError(field, f"cannot start with {digits[:2]}; the IRS does not issue it")
    return digits


def format_ein(digits: str) -> str:
    """Return an EIN as "XX-XXXXXXX" (the CMS-1500 prints it without the hyphen)."""
    plain = digits.replace("-", "").strip()
    if len(plain) != 9 or not plain.isascii() or not plain.isdigit():
        raise ValidationError("EIN", "must be 9 digits")
    return f"{plain[:2]}-{plain[2:]}"


# --- SSN -------------------------------------------------------------------------------------
# Messages never contain the SSN or any part of it: they end up in dialogs and logs.


def validate_ssn(value: str, field: str = "SSN") -> str:
    """Return the nine SSN digits; rejects areas the SSA never issues."""
    digits = _digits_only(value, field, "an SSN")
    if len(digits) != 9:
        raise ValidationError(field, f"must be 9 digits; got {len(digits)}")
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area == "000" or area == "666" or area[0] == "9":
        raise ValidationError(field, "is not a valid SSN: the first three digits are never issued")
    if group == "00":
        raise ValidationError(
            field, "is not a valid SSN: the middle two digits cannot both be zero"
        )
    if serial == "0000":
        raise ValidationError(field, "is not a valid SSN: the last four digits cannot all be zero")
    return digits


def mask_ssn(digits: str) -> str:
    """Return "***-**-1234": only the last four digits ever leave the vault in the clear."""
    plain = _SEPARATORS.sub("", digits)
    if len(plain) != 9 or not plain.isascii() or not plain.isdigit():
        raise ValidationError("SSN", "must be 9 digits")
    return f"***-**-{plain[5:]}"


# --- Contact details -------------------------------------------------------------------------

_PHONE_PUNCTUATION = re.compile(r"[\s\-.()]")


def validate_phone(value: str, field: str) -> str:
    """Return a US number as "(555) 010-0123"; a leading +1 or 1 is accepted and dropped."""
    text = _PHONE_PUNCTUATION.sub("", _required(value, field))
    if text.startswith("+"):
        if not text.startswith("+1"):
            raise ValidationError(field, "must be a US number (+1)")
        text = text[1:]
    if not text.isascii() or not text.isdigit():
        raise ValidationError(field, "may contain only digits, spaces, ( ) - . and a leading +1")
    if len(text) == 11 and text[0] == "1":
        text = text[1:]
    if len(text) != 10:
        raise ValidationError(field, f"must be 10 digits (area code and number); got {len(text)}")
    # Area codes never start with 0 or 1. The exchange is not checked: sample and fictional
    # numbers (such as 555-010-0123) break that rule, and a superbill does not dial it.
    if text[0] in "01":
        raise ValidationError(field, "the area code cannot start with 0 or 1")
    return f"({text[:3]}) {text[3:6]}-{text[6:]}"


# Deliberately simple: the only real test of an email address is a message that arrives.
_EMAIL = re.compile(r"^[^@\s]+@([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")


def validate_email(value: str, field: str) -> str:
    """Return the address trimmed, with its domain lowercased."""
    text = _required(value, field)
    if len(text) > 254 or not _EMAIL.match(text):
        raise ValidationError(field, "must look like name@example.com")
    local, domain = text.rsplit("@", 1)
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise ValidationError(field, "must look like name@example.com")
    return f"{local}@{domain.lower()}"


def validate_us_state(value: str, field: str) -> str:
    """Return the two-letter USPS code in capitals (states, DC, territories, APO/FPO)."""
    code = _required(value, field).upper()
    if code not in US_STATE_NAMES:
        raise ValidationError(field, "must be a two-letter USPS code such as NY, DC or PR")
    return code


_ZIP = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")


def validate_zip(value: str, field: str) -> str:
    """Return "12345" or "12345-6789" from 5 or 9 digits (the hyphen before the +4 is optional)."""
    text = _required(value, field).replace(" ", "")
    match = _ZIP.match(text) if text.isascii() else None
    if match is None:
        raise ValidationError(field, "must be 5 digits or 9 digits (ZIP+4)")
    return match.group(1) if match.group(2) is None else f"{match.group(1)}-{match.group(2)}"
