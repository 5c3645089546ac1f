"""Clients and what belongs to them: contacts, insurance, diagnoses, medications and releases."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date

from therapist_desk.domain.enums import ClientStatus, NoteFormat, ReleaseKind
from therapist_desk.domain.errors import ErrorCollector, ValidationError
from therapist_desk.domain.identifiers import validate_email, validate_phone
from therapist_desk.domain.practice import Address

MAX_DIAGNOSES = 12  # CMS-1500 box 21 holds A-L


# Letters that are not a base letter plus an accent, so NFKD leaves them alone.
_OWN_LETTERS = str.maketrans({"ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe",
                              "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d",
                              "þ": "th", "Þ": "th", "ı": "i"})


def fold_name(text: str) -> str:
    """Lower-case, accent-free form of a name for search ("Zoë" finds "zoe", "Ødegård" "odegard")."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_OWN_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@dataclass(frozen=True, slots=True)
class Contact:
    """An emergency contact or a guardian."""

    name: str = ""
    relationship: str = ""
    phone: str = ""
    email: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.relationship or self.phone or self.email)


@dataclass(frozen=True, slots=True)
class Insurance:
    payer: str = ""
    member_id: str = ""
    group_id: str = ""
    sessions_per_year: int | None = None
    authorization_number: str = ""
    authorized_sessions: int | None = None
    authorization_start: date | None = None
    authorization_end: date | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.payer or self.member_id or self.group_id)


@dataclass(frozen=True, slots=True)
class Medication:
    name: str
    dose: str = ""
    prescriber: str = ""
    prescriber_phone: str = ""


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """One ICD-10-CM code on the client's ordered list; position 0 is primary."""

    code: str
    title: str = ""
    code_set_release: str = ""


@dataclass(frozen=True, slots=True)
class ReleaseOfInformation:
    recipient_name: str
    kind: ReleaseKind
    purpose: str = ""
    scope: str = ""
    signed_on: date | None = None
    expires_on: date | None = None
    revoked_on: date | None = None
    recipient_address: str = ""
    notes: str = ""
    id: int | None = None

    def is_valid_on(self, day: date) -> bool:
        """A written, signed, unexpired and unrevoked authorization on ``day``."""
        if self.signed_on is None or self.signed_on > day:
            return False
        if self.revoked_on is not None and self.revoked_on <= day:
            return False
        return self.expires_on is None or day <= self.expires_on

    def refusal_reason(self, day: date) -> str | None:
        """Why this release does not authorize a disclosure on ``day`` (None when it does)."""
        if self.signed_on is None:
            return "the release has no signature date"
        if self.signed_on > day:
            return f"the release is signed {self.signed_on.isoformat()}, after today"
        if self.revoked_on is not None and self.revoked_on <= day:
            return f"the release was revoked on {self.revoked_on.isoformat()}"
        if self.expires_on is not None and day > self.expires_on:
            return f"the release expired on {self.expires_on.isoformat()}"
        return None


@dataclass(frozen=True, slots=True)
class Client:
    legal_first_name: str
    legal_last_name: str
    date_of_birth: date
    id: int | None = None
    preferred_name: str = ""
    pronouns: str = ""
    email: str = ""
    phone: str = ""
    address: Address = field(default_factory=Address)
    emergency_contact: Contact = field(default_factory=Contact)
    guardian: Contact = field(default_factory=Contact)
    insurance: Insurance = field(default_factory=Insurance)
    status: ClientStatus = ClientStatus.ACTIVE
    status_since: date | None = None
    discharge_reason: str = ""
    referral_source: str = ""
    intake_date: date | None = None
    presenting_problem: str = ""
    prior_treatment: str = ""
    medical_conditions: str = ""
    medications: tuple[Medication, ...] = ()
    diagnoses: tuple[Diagnosis, ...] = ()
    releases: tuple[ReleaseOfInformation, ...] = ()
    default_note_format: NoteFormat | None = None

    @property
    def display_name(self) -> str:
        """Preferred first name (if any) and legal last name: how the clinician addresses them."""
        first = self.preferred_name.strip() or self.legal_first_name
        return f"{first} {self.legal_last_name}".strip()

    @property
    def legal_name(self) -> str:
        return f"{self.legal_first_name} {self.legal_last_name}".strip()

    @property
    def sort_name(self) -> str:
        return fold_name(f"{self.legal_last_name} {self.preferred_name or self.legal_first_name}")

    @property
    def search_text(self) -> str:
        return fold_name(" ".join((self.legal_first_name, self.preferred_name, self.legal_last_name)))

    @property
    def primary_diagnosis(self) -> Diagnosis | None:
        return self.diagnoses[0] if self.diagnoses else None

    def is_minor(self, on: date) -> bool:
        return age_on(self.date_of_birth, on) < 18

    def validated(self, today: date) -> Client:
        """Return a normalized copy, or raise ValidationErrors naming every bad field.

        Diagnosis codes are checked against the ICD-10-CM table by the service that saves them.
        """
        with ErrorCollector() as c:
            if not self.legal_first_name.strip():
                c.add("Legal first name", "is required")
            if not self.legal_last_name.strip():
                c.add("Legal last name", "is required")
            if self.date_of_birth > today:
                c.add("Date of birth", "is in the future")
            elif self.date_of_birth.year < 1900:
                c.add("Date of birth", "is before 1900")
            elif self.is_minor(today) and not self.guardian.name.strip():
                c.add("Guardian name", "is required for a client under 18")
            email = str(c.run(validate_email, self.email, "Email") or "") if self.email.strip() else ""
            phone = str(c.run(validate_phone, self.phone, "Phone") or "") if self.phone.strip() else ""
            address = self.address.validated("Client", c, required=False)
            emergency = _validated_contact(self.emergency_contact, "Emergency contact", c)
            guardian = _validated_contact(self.guardian, "Guardian", c)
            _check_insurance(self.insurance, c)
            if self.intake_date is not None and self.intake_date > today:
                c.add("Intake date", "is in the future")
            if self.status is ClientStatus.DISCHARGED and self.status_since is None:
                c.add("Discharge date", "is required to discharge a client")
            if self.status_since is not None and self.status_since > today:
                c.add("Status date", "is in the future")
            if len(self.diagnoses) > MAX_DIAGNOSES:
                c.add("Diagnoses", f"at most {MAX_DIAGNOSES} fit on a superbill (A-L)")
            codes = [d.code for d in self.diagnoses]
            if len(set(codes)) != len(codes):
                c.add("Diagnoses", "the same code is listed twice")
            for i, med in enumerate(self.medications, 1):
                if not med.name.strip():
                    c.add(f"Medication {i}", "needs a name")
            for i, rel in enumerate(self.releases, 1):
                if not rel.recipient_name.strip():
                    c.add(f"Release {i} recipient", "is required")
                if rel.signed_on and rel.expires_on and rel.expires_on < rel.signed_on:
                    c.add(f"Release {i} expiry", "is before the date it was signed")
        return replace(
            self,
            legal_first_name=self.legal_first_name.strip(),
            legal_last_name=self.legal_last_name.strip(),
            preferred_name=self.preferred_name.strip(),
            pronouns=self.pronouns.strip(),
            email=email,
            phone=phone,
            address=address,
            emergency_contact=emergency,
            guardian=guardian,
        )


def _validated_contact(contact: Contact, label: str, c: ErrorCollector) -> Contact:
    if contact.is_empty:
        return Contact()
    if not contact.name.strip():
        c.add(f"{label} name", "is required when other contact details are given")
    phone = str(c.run(validate_phone, contact.phone, f"{label} phone") or "") if contact.phone.strip() else ""
    email = str(c.run(validate_email, contact.email, f"{label} email") or "") if contact.email.strip() else ""
    return Contact(contact.name.strip(), contact.relationship.strip(), phone, email)


def _check_insurance(ins: Insurance, c: ErrorCollector) -> None:
    for label, value in (
        ("Sessions covered per year", ins.sessions_per_year),
        ("Authorized sessions", ins.authorized_sessions),
    ):
        if value is not None and not 0 <= value <= 366:
            c.add(label, "must be between 0 and 366")
    start, end = ins.authorization_start, ins.authorization_end
    if start and end and end < start:
        c.add("Authorization end", "is before the authorization start")
    if ins.authorized_sessions and not ins.authorization_number.strip():
        c.add("Authorization number", "is required when authorized sessions are given")


def require(value: object, field_label: str) -> None:
    """Raise a ValidationError when a required value is missing."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(field_label, "is required")
