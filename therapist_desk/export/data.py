"""Frozen inputs of the PDF renderers: every value precomputed (Decimal money, totals, labels).

Services fill these from the vault; renderers only lay them out. Nothing here holds a database
id or an ORM object, and nothing here is ever read back from a PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# --- shared ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Letterhead:
    """Who the document comes from, as printed at the top of letters and statements."""

    practice_name: str
    clinician_line: str  # "Avery Testwood, LCSW"
    license_line: str = ""  # "License LCSW-000123 (OR)"
    address_lines: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""


# --- superbill ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProviderBlock:
    """The rendering provider and the practice (CMS-1500 boxes 24J, 25, 31, 33)."""

    practice_name: str
    clinician_name: str
    credentials: str
    license_number: str
    license_state: str
    rendering_npi: str
    tax_id_kind: str  # "EIN" or "SSN"
    tax_id_display: str  # "12-3456789", or "***-**-6789" unless the full SSN was asked for
    practice_npi: str = ""
    address_lines: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""
    tax_id_note: str = ""  # e.g. why an SSN is masked

    @property
    def signature_line(self) -> str:
        return f"{self.clinician_name}, {self.credentials}" if self.credentials else self.clinician_name


@dataclass(frozen=True, slots=True)
class PatientBlock:
    """The client (boxes 1a, 2, 3, 5, 11). Insurance fields are optional on a superbill."""

    name: str
    date_of_birth: date
    address_lines: tuple[str, ...] = ()
    payer: str = ""
    member_id: str = ""
    group_number: str = ""


@dataclass(frozen=True, slots=True)
class DiagnosisEntry:
    """One ICD-10-CM code in box 21, lettered A-L."""

    letter: str
    code: str
    title: str


@dataclass(frozen=True, slots=True)
class ServiceLineEntry:
    """One service line (box 24): a single date, one CPT code, up to 4 modifiers and pointers.

    ``paid`` is None when no payment is tied to this service (shown blank): payments are
    recorded per client, and the total amount paid is in ``SuperbillData.amount_paid``.
    """

    service_date: date
    place_of_service: str
    cpt: str
    modifiers: tuple[str, ...]
    pointers: tuple[str, ...]
    units: int
    charge: Decimal
    paid: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SuperbillData:
    provider: ProviderBlock
    patient: PatientBlock
    diagnoses: tuple[DiagnosisEntry, ...]
    lines: tuple[ServiceLineEntry, ...]
    total_charge: Decimal
    amount_paid: Decimal
    balance: Decimal
    period_start: date
    period_end: date
    issued_on: date
    adjustments: Decimal = Decimal("0.00")  # adjustments and write-offs in the period
    code_labels: tuple[tuple[str, str], ...] = ()  # (CPT, our own short label), codes used only
    place_labels: tuple[tuple[str, str], ...] = ()  # (POS, meaning), places used only
    modifier_labels: tuple[tuple[str, str], ...] = ()  # (modifier, meaning), modifiers used only
    signature_png: bytes | None = None


# --- letters --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LetterHeading:
    text: str


@dataclass(frozen=True, slots=True)
class LetterParagraph:
    text: str


@dataclass(frozen=True, slots=True)
class LetterBullets:
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ObjectiveRow:
    """One plan objective: its status and the latest progress rating from a signed note."""

    objective: str
    status: str
    target_date: date | None = None
    latest_rating: str = ""
    rated_on: date | None = None


@dataclass(frozen=True, slots=True)
class LetterObjectives:
    rows: tuple[ObjectiveRow, ...]


@dataclass(frozen=True, slots=True)
class BandSpec:
    """A severity band, both ends included (PHQ-9 5-9 "mild")."""

    low: int
    high: int
    label: str


@dataclass(frozen=True, slots=True)
class MeasureSeries:
    """Complete scores of one instrument over time, with its scale and bands, for a chart."""

    name: str
    max_total: int
    bands: tuple[BandSpec, ...]
    points: tuple[tuple[date, int], ...]


@dataclass(frozen=True, slots=True)
class LetterMeasures:
    series: tuple[MeasureSeries, ...]


LetterBlock = LetterHeading | LetterParagraph | LetterBullets | LetterObjectives | LetterMeasures


@dataclass(frozen=True, slots=True)
class LetterData:
    letterhead: Letterhead
    letter_date: date
    recipient_name: str
    recipient_address_lines: tuple[str, ...]
    client_name: str
    client_date_of_birth: date
    blocks: tuple[LetterBlock, ...]
    signer_line: str
    signer_detail: str = ""  # "License LCSW-000123 (OR) · NPI 1234567893"
    signature_png: bytes | None = None
    confidentiality_notice: str = ""
    title: str = "Letter"


# --- statements -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementRow:
    """One ledger entry: a charge or a credit (payment, adjustment, write-off) and the balance."""

    entry_date: date
    description: str
    charge: Decimal | None
    credit: Decimal | None
    balance: Decimal


@dataclass(frozen=True, slots=True)
class StatementData:
    letterhead: Letterhead
    client_name: str
    client_address_lines: tuple[str, ...]
    statement_date: date
    period_start: date | None
    period_end: date
    opening_balance: Decimal
    rows: tuple[StatementRow, ...]
    total_charges: Decimal
    total_credits: Decimal
    closing_balance: Decimal
