"""Measure trends for the chart: scores over time per instrument, the baseline and change from it.

The episode starts at the client's intake date (as in services.attention): scores given before it
belong to an earlier episode and are counted, not plotted. The baseline is the first complete
score of the episode unless the clinician picks another (``baseline_id``; kept by the caller, not
stored). Every later complete score is compared with the baseline by domain.measures.assess_change.
Incomplete forms are never scored or plotted; they are counted so the chart can say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from therapist_desk.domain.enums import Instrument
from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.measures import (
    INSTRUMENTS,
    PCL5_DEFAULT_CUTOFF,
    ChangeAssessment,
    MeasureResult,
    ScoreBand,
    assess_change,
    choose_baseline,
    pcl5_bands,
)
from therapist_desk.store.repositories.clients import load_client
from therapist_desk.store.repositories.records import list_measures

PHQ9_DETERIORATION_POINTS = INSTRUMENTS[Instrument.PHQ9].reliable_change


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One complete, scored result on the chart.

    ``change`` compares it with the baseline; it is None for the baseline itself and for any
    score given before a baseline the clinician picked later in the episode.
    """

    measure_id: int
    administered_on: date
    total: int
    band: str
    session_id: int | None
    is_baseline: bool
    change: ChangeAssessment | None

    @property
    def response(self) -> bool:
        return bool(self.change and self.change.response)

    @property
    def remission(self) -> bool:
        return bool(self.change and self.change.remission)

    @property
    def reliable_deterioration(self) -> bool:
        return bool(self.change and self.change.reliable_deterioration)

    @property
    def reliable_improvement(self) -> bool:
        return bool(self.change and self.change.reliable_improvement)


@dataclass(frozen=True, slots=True)
class InstrumentTrend:
    """One instrument's scores in the current episode, the baseline and the latest change."""

    instrument: Instrument
    points: tuple[TrendPoint, ...]
    bands: tuple[ScoreBand, ...]
    max_total: int
    episode_start: date | None
    baseline_picked: bool
    # Forms in this episode with an item unanswered: kept, never scored, never plotted.
    incomplete_skipped: int
    # Results (complete or not) given before the episode started: not plotted.
    before_episode: int
    # Points of change that count as reliable for this instrument (PHQ-9: the practice setting).
    reliable_points: int

    @property
    def baseline(self) -> TrendPoint | None:
        return next((p for p in self.points if p.is_baseline), None)

    @property
    def latest(self) -> TrendPoint | None:
        return self.points[-1] if self.points else None

    @property
    def change(self) -> ChangeAssessment | None:
        """The latest score against the baseline; None until there is a later score."""
        latest = self.latest
        return latest.change if latest is not None else None

    @property
    def ever_deteriorated(self) -> bool:
        return any(p.reliable_deterioration for p in self.points)


def build_trend(
    instrument: Instrument,
    results: list[MeasureResult],
    *,
    episode_start: date | None = None,
    baseline_id: int | None = None,
    phq9_deterioration_points: int = PHQ9_DETERIORATION_POINTS,
    pcl5_cutoff: int = PCL5_DEFAULT_CUTOFF,
) -> InstrumentTrend:
    """The trend of one instrument from a client's results (any order, any instruments).

    Raises ValidationError when ``baseline_id`` is not a complete result of this episode.
    """
    mine = sorted(
        (r for r in results if r.instrument is instrument),
        key=lambda r: (r.administered_on, r.id if r.id is not None else 0),
    )
    in_episode = [r for r in mine if episode_start is None or r.administered_on >= episode_start]
    complete = [r for r in in_episode if r.complete]
    baseline = choose_baseline(complete, picked_id=baseline_id, instrument=instrument)
    spec = INSTRUMENTS[instrument]
    is_phq9 = instrument is Instrument.PHQ9
    points: list[TrendPoint] = []
    after_baseline = False
    for result in complete:
        total = result.total
        assert total is not None  # complete results always have a total
        is_baseline = baseline is not None and result is baseline
        change = None
        if after_baseline and baseline is not None:
            change = assess_change(baseline, result, phq9_deterioration_points=phq9_deterioration_points)
        after_baseline = after_baseline or is_baseline
        points.append(TrendPoint(
            measure_id=result.id if result.id is not None else 0,
            administered_on=result.administered_on,
            total=total,
            band=result.band_at(pcl5_cutoff) or "",
            session_id=result.session_id,
            is_baseline=is_baseline,
            change=change,
        ))
    return InstrumentTrend(
        instrument=instrument,
        points=tuple(points),
        bands=pcl5_bands(pcl5_cutoff) if instrument is Instrument.PCL5 else spec.bands,
        max_total=spec.max_total,
        episode_start=episode_start,
        baseline_picked=baseline_id is not None,
        incomplete_skipped=len(in_episode) - len(complete),
        before_episode=len(mine) - len(in_episode),
        reliable_points=phq9_deterioration_points if is_phq9 else spec.reliable_change,
    )


def client_trends(
    session: Session,
    client_id: int,
    *,
    baseline_ids: Mapping[Instrument, int] | None = None,
    phq9_deterioration_points: int = PHQ9_DETERIORATION_POINTS,
    pcl5_cutoff: int = PCL5_DEFAULT_CUTOFF,
) -> dict[Instrument, InstrumentTrend]:
    """Every instrument's trend for one client (one query for the measures).

    A picked baseline that is no longer a complete result of the episode (deleted, or the
    intake date moved) falls back to the first complete score rather than failing the chart.
    """
    episode_start = load_client(session, client_id).intake_date
    results = list_measures(session, client_id)
    picked = dict(baseline_ids or {})
    trends: dict[Instrument, InstrumentTrend] = {}
    for instrument in Instrument:
        def build(baseline_id: int | None, instrument: Instrument = instrument) -> InstrumentTrend:
            return build_trend(instrument, results, episode_start=episode_start, baseline_id=baseline_id,
                               phq9_deterioration_points=phq9_deterioration_points, pcl5_cutoff=pcl5_cutoff)

        try:
            trends[instrument] = build(picked.get(instrument))
        except ValidationError:
            trends[instrument] = build(None)
    return trends


def instrument_trend(
    session: Session,
    client_id: int,
    instrument: Instrument,
    *,
    baseline_id: int | None = None,
    phq9_deterioration_points: int = PHQ9_DETERIORATION_POINTS,
    pcl5_cutoff: int = PCL5_DEFAULT_CUTOFF,
) -> InstrumentTrend:
    """One instrument's trend; a ``baseline_id`` that is not a complete score of the episode raises."""
    return build_trend(
        instrument,
        list_measures(session, client_id, instrument),
        episode_start=load_client(session, client_id).intake_date,
        baseline_id=baseline_id,
        phq9_deterioration_points=phq9_deterioration_points,
        pcl5_cutoff=pcl5_cutoff,
    )
