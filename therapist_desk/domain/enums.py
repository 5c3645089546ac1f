"""Enumerations shared across the domain; values are stable strings stored in the vault."""

from __future__ import annotations

from enum import StrEnum


class ClientStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    DISCHARGED = "discharged"


class ServiceType(StrEnum):
    INTAKE = "intake"
    INDIVIDUAL = "individual"
    FAMILY_WITHOUT_CLIENT = "family_without_client"
    FAMILY_WITH_CLIENT = "family_with_client"
    GROUP = "group"
    CRISIS = "crisis"


class Modality(StrEnum):
    IN_PERSON = "in_person"
    VIDEO = "video"
    AUDIO_ONLY = "audio_only"


class ClientLocation(StrEnum):
    """Where the client was during the session (drives the place of service)."""

    OFFICE = "office"
    HOME = "home"
    SCHOOL = "school"
    OTHER = "other"


class NoteFormat(StrEnum):
    SOAP = "soap"
    DAP = "dap"
    BIRP = "birp"
    GIRP = "girp"
    FREE = "free"


NOTE_SECTIONS: dict[NoteFormat, tuple[str, ...]] = {
    NoteFormat.SOAP: ("Subjective", "Objective", "Assessment", "Plan"),
    NoteFormat.DAP: ("Data", "Assessment", "Plan"),
    NoteFormat.BIRP: ("Behavior", "Intervention", "Response", "Plan"),
    NoteFormat.GIRP: ("Goal", "Intervention", "Response", "Plan"),
    NoteFormat.FREE: ("Note",),
}


class NoteStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


class TaxIdKind(StrEnum):
    EIN = "ein"
    SSN = "ssn"


class ReleaseKind(StrEnum):
    """Who a release of information is for; decides whether an authorization is required."""

    TREATING_PROVIDER = "treating_provider"
    INSURER = "insurer"
    SCHOOL = "school"
    EMPLOYER = "employer"
    ATTORNEY = "attorney"
    FAMILY = "family"
    OTHER = "other"

    @property
    def needs_authorization(self) -> bool:
        return self not in (ReleaseKind.TREATING_PROVIDER, ReleaseKind.INSURER)


class Approach(StrEnum):
    CBT = "cbt"
    DBT = "dbt"
    ACT = "act"
    PSYCHODYNAMIC = "psychodynamic"
    INTERPERSONAL = "interpersonal"
    SUPPORTIVE = "supportive"
    FAMILY_SYSTEMS = "family_systems"
    OTHER = "other"


class ObjectiveStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    MET = "met"
    REVISED = "revised"
    DISCONTINUED = "discontinued"


class ClientParticipation(StrEnum):
    SIGNED = "signed"
    VERBAL = "verbal"
    DECLINED = "declined"


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    CHECK = "check"
    INSURANCE = "insurance"
    OTHER = "other"


class LedgerKind(StrEnum):
    CHARGE = "charge"
    PAYMENT = "payment"
    ADJUSTMENT = "adjustment"
    WRITE_OFF = "write_off"


class Instrument(StrEnum):
    PHQ9 = "phq9"
    GAD7 = "gad7"
    PCL5 = "pcl5"


class ProgressRating(StrEnum):
    """How a session moved a plan objective along."""

    WORSE = "worse"
    NO_CHANGE = "no_change"
    SOME_PROGRESS = "some_progress"
    GOOD_PROGRESS = "good_progress"
    MET = "met"
