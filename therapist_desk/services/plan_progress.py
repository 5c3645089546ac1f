"""How a client is doing against the plan: ratings from linked notes, measure trends, a summary.

Notes link to objectives by the objective's stable key, which survives plan versions, so a
review never cuts an objective off from the sessions that worked on it. ``PlanSummary`` is the
frozen "at a glance" answer the Plans tab shows and the progress letters reuse.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from therapist_desk.domain.enums import (
    ClientParticipation,
    Instrument,
    NoteStatus,
    ObjectiveStatus,
    ProgressRating,
)
from therapist_desk.domain.measures import (
    INSTRUMENTS,
    MeasureResult,
    assess_change,
    choose_baseline,
)
from therapist_desk.domain.plan import MeasureTarget, TreatmentPlan
from therapist_desk.store.models import ObjectiveLinkRow, SessionRow
from therapist_desk.store.repositories import records
from therapist_desk.store.repositories.clients import load_client

RATING_WORDS: dict[ProgressRating, str] = {
    ProgressRating.WORSE: "worse",
    ProgressRating.NO_CHANGE: "no change",
    ProgressRating.SOME_PROGRESS: "some progress",
    ProgressRating.GOOD_PROGRESS: "good progress",
    ProgressRating.MET: "met",
}
RATING_SCALE: dict[ProgressRating, int] = {r: i for i, r in enumerate(RATING_WORDS)}  # worse=0 .. met=4
STATUS_WORDS: dict[ObjectiveStatus, str] = {
    ObjectiveStatus.NOT_STARTED: "not started",
    ObjectiveStatus.IN_PROGRESS: "in progress",
    ObjectiveStatus.MET: "met",
    ObjectiveStatus.REVISED: "revised",
    ObjectiveStatus.DISCONTINUED: "discontinued",
}


@dataclass(frozen=True, slots=True)
class RatingPoint:
    """One session note's rating of an objective; drafts count but are marked as drafts."""

    session_id: int
    session_date: date
    rating: ProgressRating
    comment: str
    signed: bool


@dataclass(frozen=True, slots=True)
class ScorePoint:
    administered_on: date
    total: int


@dataclass(frozen=True, slots=True)
class ScoreTrend:
    """First (baseline) and latest complete score of one instrument in the episode."""

    instrument: Instrument
    baseline_on: date
    baseline_total: int
    baseline_band: str
    latest_on: date
    latest_total: int
    latest_band: str
    count: int
    reliable_improvement: bool
    reliable_deterioration: bool

    @property
    def name(self) -> str:
        return INSTRUMENTS[self.instrument].name

    @property
    def change(self) -> int:
        return self.latest_total - self.baseline_total

    def text(self) -> str:
        """"PHQ-9: 18 (moderately severe) on 2026-06-01 to 8 (mild) on 2026-11-10, down 10 points"."""
        start = f"{self.name}: {self.baseline_total} ({self.baseline_band}) on {self.baseline_on.isoformat()}"
        if self.count < 2:
            return start + " (one score so far)"
        moved = ("no change" if self.change == 0 else
                 f"{'down' if self.change < 0 else 'up'} {abs(self.change)} point{'s' if abs(self.change) != 1 else ''}")
        flag = ("; reliable improvement" if self.reliable_improvement else
                "; reliable deterioration" if self.reliable_deterioration else "")
        return (f"{start} to {self.latest_total} ({self.latest_band}) on {self.latest_on.isoformat()}, "
                f"{moved}{flag}")


@dataclass(frozen=True, slots=True)
class ObjectiveReport:
    key: str
    number: str  # "1.2.1": problem 1, goal 2, objective 1
    description: str
    problem: str
    goal: str
    status: ObjectiveStatus
    target_date: date | None
    measure_target: MeasureTarget | None
    ratings: tuple[RatingPoint, ...]
    scores: tuple[ScorePoint, ...]
    target_reached: bool | None  # latest score under the target; None without a target or a score
    overdue: bool

    @property
    def met(self) -> bool:
        return self.status is ObjectiveStatus.MET

    @property
    def latest_rating(self) -> RatingPoint | None:
        return self.ratings[-1] if self.ratings else None

    @property
    def verdict(self) -> str:
        """A few plain words: met, target reached, overdue, improving, no change, worse, no data yet."""
        if self.met:
            return "met"
        if self.status is ObjectiveStatus.DISCONTINUED:
            return "discontinued"
        if self.target_reached:
            return "target reached"
        if self.overdue:
            return "overdue"
        latest = self.latest_rating
        if latest is None:
            return "no data yet"
        if latest.rating in (ProgressRating.SOME_PROGRESS, ProgressRating.GOOD_PROGRESS, ProgressRating.MET):
            return "improving"
        return RATING_WORDS[latest.rating]

    def target_text(self) -> str:
        if self.measure_target is None:
            return ""
        name = INSTRUMENTS[self.measure_target.instrument].name
        text = f"{name} below {self.measure_target.below}"
        if self.scores:
            last = self.scores[-1]
            text += f" (latest {last.total} on {last.administered_on.isoformat()})"
        return text


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """How the client is doing against one plan version, at a glance."""

    client_id: int
    plan_id: int | None
    plan_version: int
    effective_on: date | None
    review_due: date | None
    signed_at_text: str  # "" while the version is a draft
    participation: ClientParticipation | None
    today: date
    objectives: tuple[ObjectiveReport, ...]
    scores: tuple[ScoreTrend, ...]
    linked_sessions: int

    @property
    def total(self) -> int:
        return len(self.objectives)

    def count(self, status: ObjectiveStatus) -> int:
        return sum(1 for o in self.objectives if o.status is status)

    @property
    def met_count(self) -> int:
        return self.count(ObjectiveStatus.MET)

    @property
    def overdue_count(self) -> int:
        return sum(1 for o in self.objectives if o.overdue)

    @property
    def review_overdue(self) -> bool:
        return self.review_due is not None and self.review_due < self.today

    @property
    def review_due_soon(self) -> bool:
        return self.review_due is not None and self.today <= self.review_due <= self.today + timedelta(days=14)

    @property
    def headline(self) -> str:
        """"2 of 5 objectives met, 1 overdue; PHQ-9 18 to 8; plan review due 2027-02-01"."""
        parts = [f"{self.met_count} of {self.total} objective{'s' if self.total != 1 else ''} met"]
        if self.overdue_count:
            parts[0] += f", {self.overdue_count} overdue"
        parts += [f"{s.name} {s.baseline_total} to {s.latest_total}" for s in self.scores if s.count > 1]
        if self.review_due is not None:
            word = "overdue since" if self.review_overdue else "due"
            parts.append(f"plan review {word} {self.review_due.isoformat()}")
        return "; ".join(parts)

    def lines(self) -> tuple[str, ...]:
        """Plain sentences for a letter or a printout (no client name: the caller adds it)."""
        signed = f", signed {self.signed_at_text}" if self.signed_at_text else " (draft, not signed)"
        effective = self.effective_on.isoformat() if self.effective_on else "not set"
        out = [f"Treatment plan version {self.plan_version}, effective {effective}{signed}."]
        if self.review_due is not None:
            out.append(f"Next review {'was due' if self.review_overdue else 'due'} {self.review_due.isoformat()}.")
        counts = ", ".join(f"{self.count(s)} {STATUS_WORDS[s]}" for s in ObjectiveStatus if self.count(s))
        out.append(f"Objectives: {self.met_count} of {self.total} met" + (f" ({counts})." if counts else "."))
        for o in self.objectives:
            latest = o.latest_rating
            rated = (f"; latest rating {RATING_WORDS[latest.rating]} on {latest.session_date.isoformat()}"
                     if latest else "")
            target = f"; target {o.target_text()}" if o.measure_target else ""
            out.append(f"Objective {o.number} ({STATUS_WORDS[o.status]}): {o.description}{target}{rated}.")
        out += [s.text() + "." for s in self.scores]
        return tuple(out)


# --- queries --------------------------------------------------------------------------------


def objective_ratings(session: Session, client_id: int, keys: tuple[str, ...] | None = None
                      ) -> dict[str, tuple[RatingPoint, ...]]:
    """Objective key -> the notes linked to it, oldest first (one Core query)."""
    stmt = (
        select(ObjectiveLinkRow.objective_key, SessionRow.id, SessionRow.session_date,
               ObjectiveLinkRow.rating, ObjectiveLinkRow.comment, SessionRow.status)
        .join(SessionRow, SessionRow.id == ObjectiveLinkRow.session_id)
        .where(SessionRow.client_id == client_id)
        .order_by(SessionRow.session_date, SessionRow.id, ObjectiveLinkRow.id)
    )
    if keys is not None:
        stmt = stmt.where(ObjectiveLinkRow.objective_key.in_(keys))
    found: dict[str, list[RatingPoint]] = defaultdict(list)
    for key, sid, day, rating, comment, status in session.execute(stmt):
        found[key].append(RatingPoint(sid, day, ProgressRating(rating), comment, status == NoteStatus.SIGNED.value))
    return {k: tuple(v) for k, v in found.items()}


def _complete(results: list[MeasureResult], since: date | None, until: date | None) -> list[MeasureResult]:
    return [r for r in results if r.complete
            and (since is None or r.administered_on >= since) and (until is None or r.administered_on <= until)]


def score_trends(session: Session, client_id: int, *, since: date | None = None, until: date | None = None
                 ) -> tuple[ScoreTrend, ...]:
    """Baseline (first complete) and latest complete score per instrument within the dates."""
    trends = []
    for instrument in Instrument:
        results = _complete(records.list_measures(session, client_id, instrument), since, until)
        baseline = choose_baseline(results, instrument=instrument)
        if baseline is None:
            continue
        latest = results[-1]
        change = assess_change(baseline, latest)
        trends.append(ScoreTrend(
            instrument, baseline.administered_on, change.baseline_total, baseline.band or "",
            latest.administered_on, change.current_total, latest.band or "", len(results),
            change.reliable_improvement and len(results) > 1, change.reliable_deterioration and len(results) > 1,
        ))
    return tuple(trends)


def score_series(session: Session, client_id: int, instrument: Instrument, *, since: date | None = None
                 ) -> tuple[ScorePoint, ...]:
    results = _complete(records.list_measures(session, client_id, instrument), since, None)
    return tuple(ScorePoint(r.administered_on, r.total) for r in results if r.total is not None)


def plan_summary(session: Session, client_id: int, today: date, plan: TreatmentPlan | None = None
                 ) -> PlanSummary | None:
    """The summary of ``plan`` (default: the current version); None when the client has no plan."""
    plan = plan or records.current_plan(session, client_id)
    if plan is None:
        return None
    since = load_client(session, client_id).intake_date
    ratings = objective_ratings(session, client_id, tuple(o.key for o in plan.objectives() if o.key))
    series: dict[Instrument, tuple[ScorePoint, ...]] = {}
    reports = []
    for pi, problem in enumerate(plan.problems, 1):
        for gi, goal in enumerate(problem.goals, 1):
            for oi, obj in enumerate(goal.objectives, 1):
                scores: tuple[ScorePoint, ...] = ()
                reached = None
                if obj.measure_target is not None:
                    instrument = obj.measure_target.instrument
                    if instrument not in series:
                        series[instrument] = score_series(session, client_id, instrument, since=since)
                    scores = series[instrument]
                    reached = scores[-1].total < obj.measure_target.below if scores else None
                closed = obj.status in (ObjectiveStatus.MET, ObjectiveStatus.DISCONTINUED)
                reports.append(ObjectiveReport(
                    obj.key, f"{pi}.{gi}.{oi}", obj.description, problem.description, goal.description,
                    obj.status, obj.target_date, obj.measure_target, ratings.get(obj.key, ()), scores, reached,
                    overdue=bool(obj.target_date and obj.target_date < today and not closed),
                ))
    linked = {p.session_id for pts in ratings.values() for p in pts}
    return PlanSummary(
        client_id=client_id, plan_id=plan.id, plan_version=plan.version, effective_on=plan.effective_on,
        review_due=plan.review_due,
        signed_at_text=f"{plan.signed_at:%Y-%m-%d} by {plan.signed_by}" if plan.signed_at else "",
        participation=plan.participation, today=today, objectives=tuple(reports),
        scores=score_trends(session, client_id, since=since), linked_sessions=len(linked),
    )
