"""Treatment plans: problems, goals, measurable objectives, interventions, versions, signatures."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from therapist_desk.domain.enums import Approach, ClientParticipation, Instrument, ObjectiveStatus


def new_key() -> str:
    """A stable identifier that survives plan versions, so notes keep pointing at an objective."""
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class PlanIntervention:
    description: str
    approach: Approach = Approach.OTHER
    frequency: str = ""
    responsible: str = ""
    key: str = ""


@dataclass(frozen=True, slots=True)
class MeasureTarget:
    """"PHQ-9 below 10": the objective is met when the instrument's total is under ``below``."""

    instrument: Instrument
    below: int


@dataclass(frozen=True, slots=True)
class Objective:
    description: str
    target_date: date | None = None
    status: ObjectiveStatus = ObjectiveStatus.NOT_STARTED
    measure_target: MeasureTarget | None = None
    interventions: tuple[PlanIntervention, ...] = ()
    key: str = ""


@dataclass(frozen=True, slots=True)
class Goal:
    description: str
    objectives: tuple[Objective, ...] = ()
    key: str = ""


@dataclass(frozen=True, slots=True)
class Problem:
    description: str
    goals: tuple[Goal, ...] = ()
    key: str = ""


@dataclass(frozen=True, slots=True)
class TreatmentPlan:
    """One version of a client's plan. A review makes a new version; old ones stay read-only."""

    client_id: int
    version: int = 1
    effective_on: date | None = None
    review_due: date | None = None
    problems: tuple[Problem, ...] = ()
    diagnosis_codes: tuple[str, ...] = ()
    strengths: str = ""
    barriers: str = ""
    discharge_criteria: str = ""
    participation: ClientParticipation | None = None
    participation_note: str = ""
    signed_at: datetime | None = None
    signed_by: str = ""
    id: int | None = None

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def objectives(self) -> tuple[Objective, ...]:
        return tuple(o for p in self.problems for g in p.goals for o in g.objectives)
