"""Fictional clients and treatment plans for the benchmark practice (domain objects, validated).

Names are invented (syllables plus a few accented first names so name folding is exercised),
phone numbers are 555 numbers, addresses and email use example.com and imaginary streets.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from benchmarks.corpus import SYMPTOMS
from therapist_desk.domain.client import (
    Client,
    Contact,
    Diagnosis,
    Insurance,
    Medication,
    ReleaseOfInformation,
)
from therapist_desk.domain.enums import (
    Approach,
    Instrument,
    NoteFormat,
    ObjectiveStatus,
    ReleaseKind,
)
from therapist_desk.domain.plan import (
    Goal,
    MeasureTarget,
    Objective,
    PlanIntervention,
    Problem,
    TreatmentPlan,
)
from therapist_desk.domain.practice import Address
from therapist_desk.services.demo import (
    DIAGNOSIS_POOL,
    FIRST_NAMES,
    PLAN_TEMPLATES,
    PRESENTING,
    _theme,
)

_MORE_FIRST = (
    "Avery", "Jordan", "Riley", "Casey", "Morgan", "Quinn", "Rowan", "Sasha", "Elliot", "Harper",
    "Noor", "Yusuf", "Aiko", "Luca", "Maren", "Teodor", "Ines", "Kofi", "Leilani", "Dmitri",
    "Anaïs", "Søren", "Małgorzata", "Nguyễn", "Þóra", "Chloé", "Émile", "Ayşe", "Jürgen", "Raúl",
)
_LAST_HEADS = ("Ash", "Birch", "Clay", "Dun", "Elm", "Fair", "Glen", "Hal", "Ivy", "Kings",
               "Lark", "Marsh", "North", "Oak", "Pine", "Quill", "Rush", "Stone", "Thorn", "Wex")
_LAST_TAILS = ("wood", "field", "brook", "ford", "more", "wick", "ton", "by", "ridge", "vale",
               "worth", "stead", "holm", "croft", "ley", "mere", "shaw", "dale", "gate", "well")
_STREETS = ("Imaginary Lane", "Example Avenue", "Placeholder Road", "Sample Street", "Fable Court",
            "Fiction Way", "Pretend Place", "Nowhere Boulevard")
_CITIES = (("Portland", "OR", "97201"), ("Salem", "OR", "97301"), ("Eugene", "OR", "97401"),
           ("Beaverton", "OR", "97005"), ("Bend", "OR", "97701"), ("Vancouver", "WA", "98660"))
_MEDS = (("Sertraline", "50 mg daily"), ("Escitalopram", "10 mg daily"), ("Bupropion", "150 mg XL"),
         ("Hydroxyzine", "25 mg as needed"), ("Trazodone", "50 mg at bedtime"))
_CODE_CACHE: dict[str, tuple[str, str, str]] = {}


def _last_name(rng: random.Random) -> str:
    name = rng.choice(_LAST_HEADS) + rng.choice(_LAST_TAILS)
    return name + "-" + rng.choice(_LAST_HEADS) + rng.choice(_LAST_TAILS) if rng.random() < 0.08 else name


def _diagnosis(code: str, catalog: Any) -> Diagnosis:
    if code not in _CODE_CACHE:
        found = catalog.validate_billable(code, "Diagnosis")
        _CODE_CACHE[code] = (found.code, found.title, catalog.release)
    return Diagnosis(*_CODE_CACHE[code])


def make_client(rng: random.Random, i: int, intake: date, today: date, catalog: Any) -> Client:
    """One adult (or, one in twenty, a minor with a guardian), validated as create_client would."""
    first = rng.choice(FIRST_NAMES + _MORE_FIRST)
    last = _last_name(rng)
    minor = rng.random() < 0.05
    years = rng.randint(8, 16) if minor else rng.randint(19, 75)
    birth = date(intake.year - years, rng.randint(1, 12), rng.randint(1, 28))
    codes = DIAGNOSIS_POOL[rng.randrange(len(DIAGNOSIS_POOL))]
    city, state, postal = rng.choice(_CITIES)
    releases: tuple[ReleaseOfInformation, ...] = ()
    if rng.random() < 0.15:
        signed = intake + timedelta(days=7)
        releases = (ReleaseOfInformation(
            recipient_name=f"Dr. {_last_name(rng)}, Example Family Medicine (fictional)",
            kind=ReleaseKind.TREATING_PROVIDER, purpose="Coordination of care",
            scope="Diagnosis, treatment summary and measure scores", signed_on=signed,
            expires_on=signed + timedelta(days=365 * 30),
            recipient_address="1 Sample Plaza\nPortland, OR 97201"),)
    insured = rng.random() < 0.6
    client = Client(
        legal_first_name=first,
        legal_last_name=last,
        preferred_name=rng.choice(("Jo", "Sam", "Max", "Lee")) if rng.random() < 0.08 else "",
        pronouns=rng.choice(("she/her", "he/him", "they/them", "")),
        date_of_birth=birth,
        email=f"client{i}@example.com",
        phone=f"(555) 555-{i % 10000:04d}",
        address=Address(f"{rng.randint(10, 9999)} {rng.choice(_STREETS)}", "", city, state, postal),
        emergency_contact=Contact(f"{rng.choice(FIRST_NAMES)} {last}", "Sibling", "(555) 555-0199"),
        guardian=Contact(f"{rng.choice(FIRST_NAMES)} {last}", "Parent", "(555) 555-0198",
                         "guardian@example.com") if minor else Contact(),
        insurance=Insurance("Imaginary Health Plan (fictional)", f"BEN{rng.randrange(10**8):08d}",
                            f"GRP{rng.randrange(10**4):04d}",
                            sessions_per_year=rng.choice((None, 30, 52))) if insured else Insurance(),
        referral_source=rng.choice(("Primary care", "Self", "Employee assistance", "Friend", "Website")),
        intake_date=intake,
        presenting_problem=rng.choice(PRESENTING[_theme(codes)]),
        prior_treatment=rng.choice(("", "Counseling in college", "Brief CBT five years ago")),
        medical_conditions=rng.choice(("", "", "Asthma", "Migraine", "Hypothyroidism")),
        medications=tuple(Medication(n, d, "Dr. Placeholder") for n, d in
                          rng.sample(_MEDS, rng.choice((0, 0, 1, 2)))),
        diagnoses=tuple(_diagnosis(code, catalog) for code in codes),
        releases=releases,
        default_note_format=(NoteFormat.SOAP, NoteFormat.DAP, NoteFormat.BIRP, NoteFormat.GIRP)[i % 4],
    )
    return client.validated(max(today, intake))


def make_plan(rng: random.Random, client: Client, day: date, objectives: int) -> TreatmentPlan:
    """A plan with one problem and goal and ``objectives`` measurable objectives, seeded keys."""

    def key() -> str:
        return f"{rng.getrandbits(128):032x}"

    codes = tuple(d.code for d in client.diagnoses)
    theme = _theme(codes)
    problem_text, goal_text, templates = PLAN_TEMPLATES[theme]
    target = MeasureTarget(Instrument.GAD7 if theme == 0 else Instrument.PHQ9, 10)
    items = []
    for k in range(objectives):
        if k < len(templates):
            text, intervention, approach = templates[k]
        else:
            symptom = SYMPTOMS[(k + theme) % len(SYMPTOMS)]
            text = f"Reduce {symptom} to no more than two days a week (objective {k + 1})"
            intervention, approach = "Skills practice and weekly review", Approach.CBT
        items.append(Objective(
            text, target_date=day + timedelta(days=90 + 30 * k), status=ObjectiveStatus.IN_PROGRESS,
            measure_target=target if k == 0 else None,
            interventions=(PlanIntervention(intervention, approach, "weekly", "Clinician", key()),),
            key=key()))
    return TreatmentPlan(
        client_id=client.id or 0,
        effective_on=day,
        diagnosis_codes=codes,
        problems=(Problem(problem_text, (Goal(goal_text, tuple(items), key()),), key()),),
        strengths="Motivated for change; supportive friends.",
        barriers="Irregular work schedule.",
        discharge_criteria="Objectives met and scores in the minimal range twice in a row.",
    )
