"""The practice profile: who renders the services, and the practice's billing defaults."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from therapist_desk.domain.enums import NoteFormat, TaxIdKind
from therapist_desk.domain.errors import ErrorCollector
from therapist_desk.domain.identifiers import (
    validate_ein,
    validate_email,
    validate_npi,
    validate_phone,
    validate_ssn,
    validate_us_state,
    validate_zip,
)
from therapist_desk.domain.money import parse_money


@dataclass(frozen=True, slots=True)
class Address:
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""

    @property
    def is_complete(self) -> bool:
        return bool(self.line1 and self.city and self.state and self.postal_code)

    def lines(self) -> tuple[str, ...]:
        """The address as printed lines, skipping empty parts."""
        city_line = " ".join(p for p in (f"{self.city}," if self.city else "", self.state, self.postal_code) if p)
        return tuple(line for line in (self.line1, self.line2, city_line.strip().rstrip(",")) if line)

    def validated(self, label: str, collector: ErrorCollector, *, required: bool) -> Address:
        state, postal = self.state.strip(), self.postal_code.strip()
        if required and not (self.line1.strip() and self.city.strip() and state and postal):
            collector.add(f"{label} address", "street, city, state and ZIP are all required")
        if state:
            state = str(collector.run(validate_us_state, state, f"{label} state") or state)
        if postal:
            postal = str(collector.run(validate_zip, postal, f"{label} ZIP code") or postal)
        return Address(self.line1.strip(), self.line2.strip(), self.city.strip(), state, postal)


DEFAULT_FEES: dict[str, Decimal] = {
    "90791": Decimal("200.00"),
    "90832": Decimal("100.00"),
    "90834": Decimal("140.00"),
    "90837": Decimal("180.00"),
    "90839": Decimal("200.00"),
    "90840": Decimal("90.00"),
    "90846": Decimal("140.00"),
    "90847": Decimal("150.00"),
    "90853": Decimal("60.00"),
    "90785": Decimal("25.00"),
    "96127": Decimal("10.00"),
}


@dataclass(frozen=True, slots=True)
class PracticeProfile:
    """One row per vault. Settings that travel with the record live here, not in QSettings."""

    clinician_name: str
    credentials: str
    license_number: str
    license_state: str
    rendering_npi: str
    tax_id: str
    tax_id_kind: TaxIdKind = TaxIdKind.EIN
    practice_name: str = ""
    practice_npi: str = ""
    address: Address = field(default_factory=Address)
    phone: str = ""
    email: str = ""
    fee_schedule: tuple[tuple[str, Decimal], ...] = tuple(sorted(DEFAULT_FEES.items()))
    signature_png: bytes | None = None
    default_note_format: NoteFormat = NoteFormat.SOAP
    default_session_minutes: int = 53
    plan_review_days: int = 90
    idle_lock_minutes: int = 10
    backups_to_keep: int = 10

    @property
    def signature_line(self) -> str:
        """"Jane Roe, LCSW": how the clinician signs notes, plans and superbills."""
        return f"{self.clinician_name}, {self.credentials}" if self.credentials else self.clinician_name

    @property
    def display_practice_name(self) -> str:
        return self.practice_name or self.signature_line

    def fee_for(self, cpt: str) -> Decimal | None:
        return dict(self.fee_schedule).get(cpt)

    def validated(self) -> PracticeProfile:
        """Return a normalized copy, or raise ValidationErrors naming every bad field."""
        with ErrorCollector() as c:
            if not self.clinician_name.strip():
                c.add("Clinician name", "is required")
            if not self.credentials.strip():
                c.add("Credentials", "are required (for example LCSW, LPC, PsyD)")
            if not self.license_number.strip():
                c.add("License number", "is required")
            state = str(c.run(validate_us_state, self.license_state, "License state") or "")
            npi = str(c.run(validate_npi, self.rendering_npi, "Rendering NPI") or "")
            practice_npi = ""
            if self.practice_npi.strip():
                practice_npi = str(c.run(validate_npi, self.practice_npi, "Practice NPI") or "")
            if self.tax_id_kind is TaxIdKind.EIN:
                tax_id = str(c.run(validate_ein, self.tax_id, "EIN") or "")
            else:
                tax_id = str(c.run(validate_ssn, self.tax_id, "SSN") or "")
            address = self.address.validated("Practice", c, required=True)
            phone = str(c.run(validate_phone, self.phone, "Practice phone") or "") if self.phone.strip() else ""
            email = str(c.run(validate_email, self.email, "Practice email") or "") if self.email.strip() else ""
            fees = []
            for cpt, fee in self.fee_schedule:
                value = c.run(parse_money, fee, f"Fee for {cpt}")
                if isinstance(value, Decimal):
                    fees.append((cpt, value))
            for label, value, low, high in (
                ("Default session length", self.default_session_minutes, 1, 600),
                ("Plan review interval", self.plan_review_days, 7, 366),
                ("Idle lock", self.idle_lock_minutes, 1, 240),
                ("Backups to keep", self.backups_to_keep, 1, 365),
            ):
                if not low <= value <= high:
                    c.add(label, f"must be between {low} and {high}")
        return replace(
            self,
            clinician_name=self.clinician_name.strip(),
            credentials=self.credentials.strip(),
            license_number=self.license_number.strip(),
            license_state=state,
            rendering_npi=npi,
            practice_npi=practice_npi,
            tax_id=tax_id,
            practice_name=self.practice_name.strip(),
            address=address,
            phone=phone,
            email=email,
            fee_schedule=tuple(sorted(fees)),
        )
