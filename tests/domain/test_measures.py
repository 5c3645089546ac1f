"""Tests for PHQ-9, GAD-7 and PCL-5 wording, scoring, bands and change from baseline."""

from __future__ import annotations

from datetime import date

import pytest

from therapist_desk.domain.enums import Instrument
from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.measures import (
    INSTRUMENTS,
    PCL5_DEFAULT_CUTOFF,
    MeasureResult,
    assess_change,
    choose_baseline,
    pcl5_bands,
    score_band,
)

DAY = date(2026, 3, 2)


def answers_for(instrument: Instrument, total: int) -> tuple[int, ...]:
    """Spread ``total`` over the items, filling each item up to its maximum in turn."""
    spec = INSTRUMENTS[instrument]
    assert 0 <= total <= spec.max_total
    answers = []
    left = total
    for _ in range(spec.item_count):
        value = min(left, spec.max_per_item)
        answers.append(value)
        left -= value
    return tuple(answers)


def make_result(
    instrument: Instrument, total: int, on: date = DAY, **overrides: object
) -> MeasureResult:
    fields: dict[str, object] = {
        "instrument": instrument,
        "administered_on": on,
        "answers": answers_for(instrument, total),
    }
    fields.update(overrides)
    return MeasureResult(**fields)  # type: ignore[arg-type]


# --- wording ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument", "items", "labels"),
    [(Instrument.PHQ9, 9, 4), (Instrument.GAD7, 7, 4), (Instrument.PCL5, 20, 5)],
)
def test_item_and_answer_counts(instrument: Instrument, items: int, labels: int) -> None:
    spec = INSTRUMENTS[instrument]
    assert spec.item_count == items
    assert len(spec.answer_labels) == labels
    assert len(set(spec.items)) == items
    assert all(text.strip() == text and text for text in spec.items)


def test_wording_details() -> None:
    phq9 = INSTRUMENTS[Instrument.PHQ9]
    assert phq9.period == (
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    )
    assert phq9.answer_labels == (
        "Not at all",
        "Several days",
        "More than half the days",
        "Nearly every day",
    )
    assert (
        phq9.items[8]
        == "Thoughts that you would be better off dead or of hurting yourself in some way"
    )
    assert INSTRUMENTS[Instrument.GAD7].items[0] == "Feeling nervous, anxious, or on edge"
    pcl5 = INSTRUMENTS[Instrument.PCL5]
    assert pcl5.period == "In the past month, how much were you bothered by:"
    assert pcl5.answer_labels == (
        "Not at all",
        "A little bit",
        "Moderately",
        "Quite a bit",
        "Extremely",
    )
    assert pcl5.items[19] == "Trouble falling or staying asleep?"
    assert (phq9.max_total, INSTRUMENTS[Instrument.GAD7].max_total, pcl5.max_total) == (27, 21, 80)


def test_attributions() -> None:
    for instrument in (Instrument.PHQ9, Instrument.GAD7):
        text = INSTRUMENTS[instrument].attribution
        assert "Spitzer" in text and "Williams" in text and "Kroenke" in text and "Pfizer" in text
    assert "National Center for PTSD" in INSTRUMENTS[Instrument.PCL5].attribution


def test_bands_cover_every_total_once() -> None:
    for instrument, spec in INSTRUMENTS.items():
        covered = [total for band in spec.bands for total in range(band.low, band.high + 1)]
        assert covered == list(range(spec.max_total + 1)), instrument


# --- bands -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_band_edges(total: int, band: str) -> None:
    result = make_result(Instrument.PHQ9, total)
    assert result.total == total
    assert result.band == band


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_band_edges(total: int, band: str) -> None:
    assert make_result(Instrument.GAD7, total).band == band


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "below threshold"), (30, "below threshold"), (31, "probable PTSD"), (80, "probable PTSD")],
)
def test_pcl5_default_cutoff_31(total: int, band: str) -> None:
    assert PCL5_DEFAULT_CUTOFF == 31
    assert make_result(Instrument.PCL5, total).band == band


@pytest.mark.parametrize(
    ("total", "band"), [(31, "below threshold"), (32, "below threshold"), (33, "probable PTSD")]
)
def test_pcl5_cutoff_33_setting(total: int, band: str) -> None:
    assert make_result(Instrument.PCL5, total).band_at(pcl5_cutoff=33) == band
    assert score_band(Instrument.PCL5, total, pcl5_cutoff=33).label == band


def test_pcl5_bands_validate_cutoff() -> None:
    assert pcl5_bands(33)[1].low == 33
    with pytest.raises(ValueError):
        pcl5_bands(0)


def test_score_band_out_of_range() -> None:
    with pytest.raises(ValueError):
        score_band(Instrument.GAD7, 22)


# --- incomplete forms ------------------------------------------------------------------------


def test_incomplete_form_not_scored() -> None:
    answers: list[int | None] = list(answers_for(Instrument.PHQ9, 12))
    answers[3] = None
    result = MeasureResult(Instrument.PHQ9, DAY, tuple(answers))
    assert not result.complete
    assert result.total is None
    assert result.band is None
    assert result.missing_items == (4,)
    result.validate()  # incomplete is allowed to be stored


def test_short_answer_list_is_incomplete() -> None:
    result = MeasureResult(Instrument.GAD7, DAY, (1, 1, 1))
    assert not result.complete and result.total is None
    assert result.missing_items == (4, 5, 6, 7)


def test_list_answers_become_a_tuple() -> None:
    result = MeasureResult(Instrument.GAD7, DAY, [0, 1, 2, 3, 0, 1, 2])  # type: ignore[arg-type]
    assert result.answers == (0, 1, 2, 3, 0, 1, 2)
    assert hash(result)


# --- item 9 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("item9", "positive"), [(0, False), (1, True), (2, True), (3, True)])
def test_item9_positive(item9: int, positive: bool) -> None:
    result = MeasureResult(Instrument.PHQ9, DAY, (0,) * 8 + (item9,))
    assert result.item9_answered
    assert result.item9_positive is positive


def test_unanswered_item9_is_not_no_risk() -> None:
    result = MeasureResult(Instrument.PHQ9, DAY, (1,) * 8 + (None,))
    assert not result.item9_answered
    assert not result.item9_positive
    assert not result.complete


def test_item9_positive_even_if_other_items_missing() -> None:
    result = MeasureResult(Instrument.PHQ9, DAY, (None,) * 8 + (2,))
    assert result.item9_positive and not result.complete


def test_item9_only_for_phq9() -> None:
    result = MeasureResult(Instrument.GAD7, DAY, (3,) * 7)
    assert not result.item9_answered and not result.item9_positive


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument", "index", "value", "field"),
    [
        (Instrument.PHQ9, 2, 4, "PHQ-9 item 3"),
        (Instrument.PHQ9, 0, -1, "PHQ-9 item 1"),
        (Instrument.GAD7, 6, 4, "GAD-7 item 7"),
        (Instrument.PCL5, 19, 5, "PCL-5 item 20"),
    ],
)
def test_out_of_range_answer(instrument: Instrument, index: int, value: int, field: str) -> None:
    answers = list(answers_for(instrument, 0))
    answers[index] = value
    with pytest.raises(ValidationError) as caught:
        MeasureResult(instrument, DAY, tuple(answers)).validate()
    assert caught.value.field == field
    assert f"got {value}" in caught.value.message


def test_top_of_scale_is_valid() -> None:
    MeasureResult(Instrument.PCL5, DAY, (4,) * 20).validate()
    MeasureResult(Instrument.PHQ9, DAY, (3,) * 9).validate()


def test_wrong_answer_count() -> None:
    with pytest.raises(ValidationError) as caught:
        MeasureResult(Instrument.PHQ9, DAY, (0,) * 8).validate()
    assert caught.value.field == "PHQ-9 answers"
    assert "got 8" in caught.value.message


def test_bool_answer_rejected() -> None:
    with pytest.raises(ValidationError, match="whole number"):
        MeasureResult(Instrument.GAD7, DAY, (True,) + (0,) * 6).validate()


# --- change ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "current", "response"),
    [(20, 10, True), (20, 11, False), (15, 7, True), (15, 8, False), (0, 0, False)],
)
def test_phq9_response_at_exactly_half(baseline: int, current: int, response: bool) -> None:
    change = assess_change(
        make_result(Instrument.PHQ9, baseline), make_result(Instrument.PHQ9, current)
    )
    assert change.response is response


@pytest.mark.parametrize(("current", "remission"), [(4, True), (5, False)])
def test_phq9_remission(current: int, remission: bool) -> None:
    change = assess_change(make_result(Instrument.PHQ9, 18), make_result(Instrument.PHQ9, current))
    assert change.remission is remission


@pytest.mark.parametrize(("rise", "deteriorated"), [(4, False), (5, True)])
def test_phq9_deterioration(rise: int, deteriorated: bool) -> None:
    change = assess_change(
        make_result(Instrument.PHQ9, 10), make_result(Instrument.PHQ9, 10 + rise)
    )
    assert change.change == rise
    assert change.reliable_deterioration is deteriorated
    assert not change.reliable_improvement


@pytest.mark.parametrize(("rise", "deteriorated"), [(5, False), (6, True)])
def test_phq9_nhs_setting(rise: int, deteriorated: bool) -> None:
    change = assess_change(
        make_result(Instrument.PHQ9, 10),
        make_result(Instrument.PHQ9, 10 + rise),
        phq9_deterioration_points=6,
    )
    assert change.reliable_deterioration is deteriorated
    assert change.reliable_change_points == 6


@pytest.mark.parametrize(("rise", "deteriorated"), [(3, False), (4, True)])
def test_gad7_deterioration(rise: int, deteriorated: bool) -> None:
    change = assess_change(make_result(Instrument.GAD7, 8), make_result(Instrument.GAD7, 8 + rise))
    assert change.reliable_deterioration is deteriorated
    assert change.meaningful_change is deteriorated
    assert change.response is None and change.remission is None


@pytest.mark.parametrize(("drop", "improved"), [(4, False), (5, True)])
def test_phq9_improvement(drop: int, improved: bool) -> None:
    change = assess_change(
        make_result(Instrument.PHQ9, 15), make_result(Instrument.PHQ9, 15 - drop)
    )
    assert change.reliable_improvement is improved
    assert change.meaningful_change is improved
    assert change.change == -drop


@pytest.mark.parametrize(("drop", "meaningful"), [(9, False), (10, True)])
def test_pcl5_meaningful_change(drop: int, meaningful: bool) -> None:
    change = assess_change(
        make_result(Instrument.PCL5, 50), make_result(Instrument.PCL5, 50 - drop)
    )
    assert change.meaningful_change is meaningful
    assert change.reliable_improvement is meaningful


def test_change_needs_complete_forms_of_one_instrument() -> None:
    incomplete = MeasureResult(Instrument.PHQ9, DAY, (1,) * 8 + (None,))
    with pytest.raises(ValidationError) as caught:
        assess_change(incomplete, make_result(Instrument.PHQ9, 5))
    assert caught.value.field == "Baseline"
    with pytest.raises(ValidationError):
        assess_change(make_result(Instrument.PHQ9, 5), incomplete)
    with pytest.raises(ValidationError):
        assess_change(make_result(Instrument.PHQ9, 5), make_result(Instrument.GAD7, 5))


# --- baseline --------------------------------------------------------------------------------


def test_baseline_is_first_complete_by_date() -> None:
    early_incomplete = MeasureResult(Instrument.PHQ9, date(2026, 1, 5), (1,) * 8 + (None,), id=1)
    first_complete = make_result(Instrument.PHQ9, 12, date(2026, 1, 12), id=2)
    later = make_result(Instrument.PHQ9, 8, date(2026, 2, 9), id=3)
    assert choose_baseline([later, early_incomplete, first_complete]) is first_complete


def test_picked_baseline_wins() -> None:
    first = make_result(Instrument.PHQ9, 12, date(2026, 1, 12), id=2)
    later = make_result(Instrument.PHQ9, 8, date(2026, 2, 9), id=3)
    assert choose_baseline([first, later], picked_id=3) is later
    with pytest.raises(ValidationError):
        choose_baseline([first, later], picked_id=99)


def test_picked_incomplete_baseline_refused() -> None:
    incomplete = MeasureResult(Instrument.PHQ9, DAY, (1,) * 8 + (None,), id=7)
    with pytest.raises(ValidationError, match="incomplete"):
        choose_baseline([incomplete], picked_id=7)


def test_no_baseline_without_complete_results() -> None:
    assert choose_baseline([]) is None
    assert choose_baseline([MeasureResult(Instrument.PHQ9, DAY, (None,) * 9)]) is None


def test_baseline_filtered_by_instrument() -> None:
    gad = make_result(Instrument.GAD7, 9, date(2026, 1, 1))
    phq = make_result(Instrument.PHQ9, 9, date(2026, 1, 2))
    assert choose_baseline([gad, phq], instrument=Instrument.PHQ9) is phq
    with pytest.raises(ValueError):
        choose_baseline([gad, phq])
