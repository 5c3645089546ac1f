"""Sessions and their progress notes: codes, sections, risk, interventions, signing, addenda."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from therapist_desk.domain.cpt import ServiceLine, minutes_between
from therapist_desk.domain.enums import (
    NOTE_SECTIONS,
    ClientLocation,
    Modality,
    NoteFormat,
    NoteStatus,
    ProgressRating,
    ServiceType,
)

INTERVENTION_CHOICES: tuple[str, ...] = (
    "Cognitive restructuring",
    "Behavioral activation",
    "Exposure",
    "Mindfulness",
    "Relaxation / breathing training",
    "Psychoeducation",
    "Motivational interviewing",
    "Problem-solving",
    "Distress tolerance skills",
    "Emotion regulation skills",
    "Interpersonal effectiveness",
    "Values clarification",
    "Supportive counseling",
    "Safety planning",
    "Family communication",
    "Grief processing",
    "Trauma processing",
    "Homework review",
)

INTERACTIVE_COMPLEXITY_FACTORS: tuple[str, ...] = (
    "Maladaptive communication among participants complicates care",
    "Caregiver emotions or behavior interfere with implementing the plan",
    "Sentinel event disclosed and reported to a third party, with discussion",
    "Play equipment, devices or an interpreter needed to overcome communication barriers",
)


@dataclass(frozen=True, slots=True)
class ObjectiveProgress:
    """A note's link to a plan objective (by its stable key) with the progress seen."""

    objective_key: str
    rating: ProgressRating
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Addendum:
    """Later information added to a signed note; the original stays unchanged."""

    text: str
    written_at: datetime
    signed_by: str
    reason: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class SessionNote:
    """One session and its progress note. Psychotherapy notes are a separate object (never here)."""

    client_id: int
    session_date: date
    start_time: time | None = None
    stop_time: time | None = None
    service_type: ServiceType = ServiceType.INDIVIDUAL
    modality: Modality = Modality.IN_PERSON
    client_location: ClientLocation = ClientLocation.OFFICE
    telehealth_platform: str = ""
    participants: str = ""
    lines: tuple[ServiceLine, ...] = ()
    place_of_service: str = "11"
    interactive_complexity_factor: str = ""
    diagnosis_codes: tuple[str, ...] = ()
    note_format: NoteFormat = NoteFormat.SOAP
    sections: tuple[tuple[str, str], ...] = ()
    risk_assessment: str = ""
    interventions: tuple[str, ...] = ()
    interventions_detail: str = ""
    client_response: str = ""
    homework_given: str = ""
    homework_review: str = ""
    objective_progress: tuple[ObjectiveProgress, ...] = ()
    plan_text: str = ""
    status: NoteStatus = NoteStatus.DRAFT
    signed_at: datetime | None = None
    signed_by: str = ""
    fee: Decimal | None = None
    addenda: tuple[Addendum, ...] = ()
    id: int | None = None
    updated_at: datetime | None = None

    @property
    def minutes(self) -> int | None:
        if self.start_time is None or self.stop_time is None:
            return None
        try:
            return minutes_between(self.start_time, self.stop_time)
        except ValueError:
            return None

    @property
    def is_signed(self) -> bool:
        return self.status is NoteStatus.SIGNED

    @property
    def primary_cpt(self) -> str:
        return self.lines[0].cpt if self.lines else ""

    @property
    def cpt_summary(self) -> str:
        """"90834-95, 96127x2": the codes as a compact list."""
        parts = []
        for line in self.lines:
            text = line.cpt + "".join(f"-{m}" for m in line.modifiers)
            parts.append(text + (f"x{line.units}" if line.units > 1 else ""))
        return ", ".join(parts)

    def section(self, name: str) -> str:
        return dict(self.sections).get(name, "")

    def section_names(self) -> tuple[str, ...]:
        return NOTE_SECTIONS[self.note_format]

    def body_text(self) -> str:
        """Everything searchable in the note (not the psychotherapy note), for the FTS index."""
        parts = [text for _, text in self.sections]
        parts += [self.risk_assessment, self.interventions_detail, self.client_response]
        parts += [self.homework_given, self.homework_review, self.plan_text, " ".join(self.interventions)]
        parts += [a.text for a in self.addenda]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class PsychotherapyNote:
    """The clinician's private process notes (45 CFR 164.501): kept apart, never disclosed."""

    session_id: int
    text: str
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DraftText:
    """Unsaved typing kept by autosave so a crash loses nothing; keyed by what it belongs to."""

    key: str
    payload: str
    saved_at: datetime = field(default_factory=datetime.now)
