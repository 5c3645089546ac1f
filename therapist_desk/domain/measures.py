"""PHQ-9, GAD-7 and PCL-5: wording, scoring, severity bands and change from baseline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from therapist_desk.domain.enums import Instrument
from therapist_desk.domain.errors import ValidationError


@dataclass(frozen=True, slots=True)
class ScoreBand:
    """A severity range of totals, both ends included."""

    low: int
    high: int
    label: str

    def __contains__(self, total: object) -> bool:
        return isinstance(total, int) and self.low <= total <= self.high


@dataclass(frozen=True, slots=True)
class InstrumentSpec:
    """Everything needed to show, score and cite one instrument."""

    instrument: Instrument
    name: str
    full_name: str
    period: str
    items: tuple[str, ...]
    answer_labels: tuple[str, ...]
    bands: tuple[ScoreBand, ...]
    attribution: str
    # Change in total points that counts as reliable / clinically meaningful (see assess_change).
    reliable_change: int
    meaningful_change: int

    @property
    def item_count(self) -> int:
        return len(self.items)

    @property
    def max_per_item(self) -> int:
        return len(self.answer_labels) - 1

    @property
    def max_total(self) -> int:
        return self.item_count * self.max_per_item


# PHQ-9 and GAD-7: "No permission required to reproduce, translate, display or distribute";
# the attribution line must stay with the wording.
PFIZER_ATTRIBUTION = (
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, "
    "with an educational grant from Pfizer Inc. No permission required to reproduce, "
    "translate, display or distribute."
)
PCL5_ATTRIBUTION = (
    "PTSD Checklist for DSM-5 (PCL-5): Weathers, Litz, Keane, Palmieri, Marx and Schnurr "
    "(2013), National Center for PTSD, U.S. Department of Veterans Affairs. Public domain."
)

TWO_WEEK_PERIOD = (
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
)
FREQUENCY_LABELS = ("Not at all", "Several days", "More than half the days", "Nearly every day")
PCL5_LABELS = ("Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely")

PHQ9_ITEMS = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    (
        "Feeling bad about yourself \u2014 or that you are a failure or have let yourself or your "
        "family down"
    ),
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    (
        "Moving or speaking so slowly that other people could have noticed? Or the opposite \u2014 "
        "being so fidgety or restless that you have been moving around a lot more than usual"
    ),
    "Thoughts that you would be better off dead or of hurting yourself in some way",
)
PHQ9_RISK_ITEM = 9  # 1-based; any answer above 0 needs a documented risk assessment

GAD7_ITEMS = (
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
)

PCL5_ITEMS = (
    "Repeated, disturbing, and unwanted memories of the stressful experience?",
    "Repeated, disturbing dreams of the stressful experience?",
    (
        "Suddenly feeling or acting as if the stressful experience were actually happening again "
        "(as if you were actually back there reliving it)?"
    ),
    "Feeling very upset when something reminded you of the stressful experience?",
    (
        "Having strong physical reactions when something reminded you of the stressful experience "
        "(for example, heart pounding, trouble breathing, sweating)?"
    ),
    "Avoiding memories, thoughts, or feelings related to the stressful experience?",
    (
        "Avoiding external reminders of the stressful experience (for example, people, places, "
        "conversations, activities, objects, or situations)?"
    ),
    "Trouble remembering important parts of the stressful experience?",
    (
        "Having strong negative beliefs about yourself, other people, or the world (for example, "
        "having thoughts such as: I am bad, there is something seriously wrong with me, no one can "
        "be trusted, the world is completely dangerous)?"
    ),
    "Blaming yourself or someone else for the stressful experience or what happened after it?",
    "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
    "Loss of interest in activities that you used to enjoy?",
    "Feeling distant or cut off from other people?",
    (
        "Trouble experiencing positive feelings (for example, being unable to feel happiness or "
        "have loving feelings for people close to you)?"
    ),
    "Irritable behavior, angry outbursts, or acting aggressively?",
    "Taking too many risks or doing things that could cause you harm?",
    'Being "superalert" or watchful or on guard?',
    "Feeling jumpy or easily startled?",
    "Having difficulty concentrating?",
    "Trouble falling or staying asleep?",
)
PCL5_PERIOD = "In the past month, how much were you bothered by:"

# The National Center for PTSD reports a cut-point of 31-33 for probable PTSD and advises the
# lower end when the aim is screening, i.e. not missing people who need a closer look. In a
# therapist's office the PCL-5 is a screen and a progress measure, never the diagnosis (the
# clinician's interview is), so the default is 31; a practice that prefers fewer false
# positives can pass 33.
PCL5_DEFAULT_CUTOFF = 31
PCL5_CUTOFF_RANGE = (31, 33)
PCL5_MAX_TOTAL = 80


def pcl5_bands(cutoff: int = PCL5_DEFAULT_CUTOFF) -> tuple[ScoreBand, ...]:
    """Return the two PCL-5 bands for a cut-point (the first total counted as probable PTSD)."""
    if not 1 <= cutoff <= PCL5_MAX_TOTAL:
        raise ValueError(f"PCL-5 cut-point must be 1 to {PCL5_MAX_TOTAL}")
    return (
        ScoreBand(0, cutoff - 1, "below threshold"),
        ScoreBand(cutoff, PCL5_MAX_TOTAL, "probable PTSD"),
    )


INSTRUMENTS: dict[Instrument, InstrumentSpec] = {
    Instrument.PHQ9: InstrumentSpec(
        instrument=Instrument.PHQ9,
        name="PHQ-9",
        full_name="Patient Health Questionnaire-9",
        period=TWO_WEEK_PERIOD,
        items=PHQ9_ITEMS,
        answer_labels=FREQUENCY_LABELS,
        bands=(
            ScoreBand(0, 4, "minimal"),
            ScoreBand(5, 9, "mild"),
            ScoreBand(10, 14, "moderate"),
            ScoreBand(15, 19, "moderately severe"),
            ScoreBand(20, 27, "severe"),
        ),
        attribution=PFIZER_ATTRIBUTION,
        reliable_change=5,  # the UK's NHS Talking Therapies uses 6: see assess_change()
        meaningful_change=5,
    ),
    Instrument.GAD7: InstrumentSpec(
        instrument=Instrument.GAD7,
        name="GAD-7",
        full_name="Generalized Anxiety Disorder-7",
        period=TWO_WEEK_PERIOD,
        items=GAD7_ITEMS,
        answer_labels=FREQUENCY_LABELS,
        bands=(
            ScoreBand(0, 4, "minimal"),
            ScoreBand(5, 9, "mild"),
            ScoreBand(10, 14, "moderate"),
            ScoreBand(15, 21, "severe"),
        ),
        attribution=PFIZER_ATTRIBUTION,
        reliable_change=4,
        meaningful_change=4,
    ),
    Instrument.PCL5: InstrumentSpec(
        instrument=Instrument.PCL5,
        name="PCL-5",
        full_name="PTSD Checklist for DSM-5",
        period=PCL5_PERIOD,
        items=PCL5_ITEMS,
        answer_labels=PCL5_LABELS,
        bands=pcl5_bands(PCL5_DEFAULT_CUTOFF),
        attribution=PCL5_ATTRIBUTION,
        reliable_change=10,
        meaningful_change=10,
    ),
}


def score_band(
    instrument: Instrument, total: int, *, pcl5_cutoff: int = PCL5_DEFAULT_CUTOFF
) -> ScoreBand:
    """Return the severity band of a total; raises ValueError for a total out of range."""
    spec = INSTRUMENTS[instrument]
    bands = pcl5_bands(pcl5_cutoff) if instrument is Instrument.PCL5 else spec.bands
    for band in bands:
        if total in band:
            return band
    raise ValueError(f"{spec.name} total must be 0 to {spec.max_total}")


@dataclass(frozen=True, slots=True)
class MeasureResult:
    """One administration of an instrument; an incomplete form is kept but never scored."""

    instrument: Instrument
    administered_on: date
    answers: tuple[int | None, ...]
    id: int | None = None
    client_id: int | None = None
    session_id: int | None = None

    def __post_init__(self) -> None:
        # A list would make the frozen object unhashable and mutable through the back door.
        if not isinstance(self.answers, tuple):
            object.__setattr__(self, "answers", tuple(self.answers))

    @property
    def spec(self) -> InstrumentSpec:
        return INSTRUMENTS[self.instrument]

    @property
    def missing_items(self) -> tuple[int, ...]:
        """1-based numbers of the items without an answer."""
        count = self.spec.item_count
        padded = list(self.answers[:count]) + [None] * (count - len(self.answers))
        return tuple(number for number, answer in enumerate(padded, 1) if answer is None)

    @property
    def complete(self) -> bool:
        return len(self.answers) == self.spec.item_count and None not in self.answers

    @property
    def total(self) -> int | None:
        if not self.complete:
            return None
        return sum(answer for answer in self.answers if answer is not None)

    @property
    def band(self) -> str | None:
        """The severity label with the default PCL-5 cut-point; None when incomplete."""
        return self.band_at()

    def band_at(self, pcl5_cutoff: int = PCL5_DEFAULT_CUTOFF) -> str | None:
        total = self.total
        if total is None:
            return None
        return score_band(self.instrument, total, pcl5_cutoff=pcl5_cutoff).label

    @property
    def item9_answered(self) -> bool:
        """True when this is a PHQ-9 whose item 9 has an answer (0 included)."""
        return (
            self.instrument is Instrument.PHQ9
            and len(self.answers) >= PHQ9_RISK_ITEM
            and self.answers[PHQ9_RISK_ITEM - 1] is not None
        )

    @property
    def item9_positive(self) -> bool:
        """True when PHQ-9 item 9 is above 0: an alert that needs a documented risk assessment.

        False does not mean "no risk": check item9_answered, and never show 0 as "no risk".
        """
        if not self.item9_answered:
            return False
        answer = self.answers[PHQ9_RISK_ITEM - 1]
        return answer is not None and answer > 0

    def validate(self) -> None:
        """Raise ValidationError for a wrong number of answers or an answer out of range."""
        spec = self.spec
        if len(self.answers) != spec.item_count:
            raise ValidationError(
                f"{spec.name} answers",
                f"must have {spec.item_count} answers, one per item; got {len(self.answers)}",
            )
        for number, answer in enumerate(self.answers, start=1):
            if answer is None:
                continue
            # bool is an int subclass; True as an answer is a bug upstream, not a 1.
            if isinstance(answer, bool) or not isinstance(answer, int):
                raise ValidationError(
                    f"{spec.name} item {number}",
                    f"must be a whole number from 0 to {spec.max_per_item}",
                )
            if not 0 <= answer <= spec.max_per_item:
                raise ValidationError(
                    f"{spec.name} item {number}",
                    f"must be 0 to {spec.max_per_item}; got {answer}",
                )


@dataclass(frozen=True, slots=True)
class ChangeAssessment:
    """How a current score compares with the baseline. Positive ``change`` = more symptoms.

    ``response`` and ``remission`` are defined for the PHQ-9 only and are None otherwise.
    """

    instrument: Instrument
    baseline_total: int
    current_total: int
    change: int
    reliable_change_points: int
    response: bool | None
    remission: bool | None
    reliable_improvement: bool
    reliable_deterioration: bool
    meaningful_change: bool


PHQ9_REMISSION_BELOW = 5


def assess_change(
    baseline: MeasureResult, current: MeasureResult, *, phq9_deterioration_points: int = 5
) -> ChangeAssessment:
    """Compare two complete results of one instrument.

    ``phq9_deterioration_points`` is the practice setting for PHQ-9 reliable change (5 by
    default; the NHS uses 6). It applies in both directions so that improvement and
    deterioration are judged by the same yardstick.
    """
    if baseline.instrument is not current.instrument:
        raise ValidationError(
            "Measure", "the baseline and current results are different instruments"
        )
    if phq9_deterioration_points < 1:
        raise ValueError("phq9_deterioration_points must be 1 or more")
    base_total, current_total = baseline.total, current.total
    if base_total is None:
        raise ValidationError("Baseline", "the form is incomplete, so it has no score")
    if current_total is None:
        raise ValidationError("Current result", "the form is incomplete, so it has no score")

    spec = baseline.spec
    change = current_total - base_total
    is_phq9 = baseline.instrument is Instrument.PHQ9
    reliable = phq9_deterioration_points if is_phq9 else spec.reliable_change
    response: bool | None = None
    remission: bool | None = None
    if is_phq9:
        # At least a 50% drop, in integers: current <= baseline / 2. A baseline of 0 cannot drop.
        response = base_total > 0 and 2 * current_total <= base_total
        remission = current_total < PHQ9_REMISSION_BELOW
    return ChangeAssessment(
        instrument=baseline.instrument,
        baseline_total=base_total,
        current_total=current_total,
        change=change,
        reliable_change_points=reliable,
        response=response,
        remission=remission,
        reliable_improvement=change <= -reliable,
        reliable_deterioration=change >= reliable,
        meaningful_change=abs(change) >= spec.meaningful_change,
    )


def choose_baseline(
    results: Iterable[MeasureResult],
    *,
    picked_id: int | None = None,
    instrument: Instrument | None = None,
) -> MeasureResult | None:
    """Return the clinician's picked baseline, else the earliest complete result (None if none).

    Pass one episode's results; ``instrument`` filters a mixed list. Same-day ties keep the
    given order.
    """
    candidates = [r for r in results if instrument is None or r.instrument is instrument]
    if picked_id is not None:
        picked = next((r for r in candidates if r.id == picked_id), None)
        if picked is None:
            raise ValidationError("Baseline", "the chosen baseline is not among these results")
        if not picked.complete:
            raise ValidationError("Baseline", "the chosen form is incomplete, so it has no score")
        return picked
    complete = [r for r in candidates if r.complete]
    if len({r.instrument for r in complete}) > 1:
        raise ValueError("choose_baseline needs results of one instrument; pass instrument=")
    complete.sort(key=lambda r: r.administered_on)  # stable: same-day ties keep input order
    return complete[0] if complete else None
