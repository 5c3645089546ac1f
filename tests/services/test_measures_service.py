"""Measures through the services on a real vault: saving, trends from baseline, 96127 units."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.services.conftest import NOW, valid_client
from therapist_desk.domain.enums import Instrument
from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.measures import INSTRUMENTS, MeasureResult
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import clients, measures, notes
from therapist_desk.services.measure_trends import client_trends, instrument_trend
from therapist_desk.services.notes import instruments_scored_for_session
from therapist_desk.services.vault_access import Vault

INTAKE = date(2026, 8, 1)


def answers_for(instrument: Instrument, total: int) -> tuple[int, ...]:
    """Answers that add up to ``total``, filling items from the first (item 9 stays low)."""
    spec = INSTRUMENTS[instrument]
    out = []
    for _ in range(spec.item_count):
        value = min(spec.max_per_item, total)
        out.append(value)
        total -= value
    assert total == 0, "total out of range"
    return tuple(out)


def make_client(vault: Vault, **overrides: object) -> int:
    overrides.setdefault("intake_date", INTAKE)
    with vault.unit_of_work() as s:
        created = clients.create_client(s, valid_client(**overrides), datetime(2026, 8, 1, 9))
    assert created.id is not None
    return created.id


def record(vault: Vault, cid: int, instrument: Instrument, day: date, answers: tuple[int | None, ...],
           session_id: int | None = None) -> MeasureResult:
    with vault.unit_of_work() as s:
        return measures.record_measure(
            s, MeasureResult(instrument, day, answers, client_id=cid, session_id=session_id), NOW)


def scored(vault: Vault, cid: int, instrument: Instrument, day: date, total: int,
           session_id: int | None = None) -> MeasureResult:
    return record(vault, cid, instrument, day, answers_for(instrument, total), session_id)


def add_session(vault: Vault, cid: int, day: date = date(2026, 11, 18)) -> int:
    with vault.unit_of_work() as s:
        saved = notes.save_note(s, SessionNote(client_id=cid, session_date=day,
                                               sections=(("Note", "Session."),)), NOW)
    assert saved.id is not None
    return saved.id


# --- recording ----------------------------------------------------------------------------------

def test_complete_form_is_saved_scored_and_listed(vault: Vault) -> None:
    cid = make_client(vault)
    saved = scored(vault, cid, Instrument.PHQ9, date(2026, 11, 1), 14)
    assert saved.id is not None
    with vault.reader() as s:
        (loaded,) = measures.list_measures(s, cid)
    assert loaded.id == saved.id
    assert (loaded.total, loaded.band, loaded.complete) == (14, "moderate", True)


def test_incomplete_form_is_kept_as_incomplete_and_not_scored(vault: Vault) -> None:
    cid = make_client(vault)
    record(vault, cid, Instrument.PHQ9, date(2026, 11, 1), (1, 1, 1, None, 1, 1, None, 1, 0))
    with vault.reader() as s:
        (loaded,) = measures.list_measures(s, cid)
    assert not loaded.complete
    assert loaded.total is None and loaded.band is None
    assert loaded.missing_items == (4, 7)


def test_future_date_and_foreign_session_are_refused(vault: Vault) -> None:
    cid = make_client(vault)
    other = make_client(vault, legal_first_name="Sam")
    foreign_session = add_session(vault, other)
    with pytest.raises(ValidationError, match="future"):
        scored(vault, cid, Instrument.GAD7, date(2026, 11, 21), 5)
    with pytest.raises(ValidationError, match="another client"):
        scored(vault, cid, Instrument.GAD7, date(2026, 11, 18), 5, session_id=foreign_session)
    with vault.reader() as s:
        assert measures.list_measures(s, cid) == []


# --- 96127 units ------------------------------------------------------------------------------

def test_units_are_distinct_instruments_scored_at_the_session(vault: Vault) -> None:
    cid = make_client(vault)
    sid = add_session(vault, cid)
    other_sid = add_session(vault, cid, date(2026, 11, 11))
    with vault.reader() as s:
        assert instruments_scored_for_session(s, sid) == 0
    scored(vault, cid, Instrument.PHQ9, date(2026, 11, 18), 12, sid)
    scored(vault, cid, Instrument.PHQ9, date(2026, 11, 18), 11, sid)  # given twice: still one instrument
    record(vault, cid, Instrument.GAD7, date(2026, 11, 18), (1, 1, None, 1, 1, 1, 1), sid)  # incomplete
    scored(vault, cid, Instrument.PCL5, date(2026, 11, 11), 40, other_sid)
    scored(vault, cid, Instrument.GAD7, date(2026, 11, 18), 9)  # not linked to any session
    with vault.reader() as s:
        assert instruments_scored_for_session(s, sid) == 1
    scored(vault, cid, Instrument.GAD7, date(2026, 11, 18), 8, sid)
    with vault.reader() as s:
        assert instruments_scored_for_session(s, sid) == 2  # PHQ-9 + GAD-7 = 2 units
        assert instruments_scored_for_session(s, other_sid) == 1


# --- trends ---------------------------------------------------------------------------------

def test_trend_has_the_episode_points_and_counts_what_it_leaves_out(vault: Vault) -> None:
    cid = make_client(vault)
    scored(vault, cid, Instrument.PHQ9, date(2026, 5, 1), 3)  # an earlier episode, before intake
    scored(vault, cid, Instrument.PHQ9, date(2026, 8, 4), 18)
    record(vault, cid, Instrument.PHQ9, date(2026, 8, 18), (1, None, 1, 1, 1, 1, 1, 1, 0))
    scored(vault, cid, Instrument.PHQ9, date(2026, 9, 1), 12)
    scored(vault, cid, Instrument.PHQ9, date(2026, 10, 1), 9)
    scored(vault, cid, Instrument.GAD7, date(2026, 8, 4), 10)
    with vault.reader() as s:
        trends = client_trends(s, cid)
    phq9 = trends[Instrument.PHQ9]
    assert [p.total for p in phq9.points] == [18, 12, 9]
    assert (phq9.incomplete_skipped, phq9.before_episode, phq9.episode_start) == (1, 1, INTAKE)
    assert phq9.baseline is not None and phq9.baseline.administered_on == date(2026, 8, 4)
    assert phq9.change is not None
    assert (phq9.change.response, phq9.change.remission) == (True, False)  # 9 <= 18 / 2
    assert len(trends[Instrument.GAD7].points) == 1 and trends[Instrument.GAD7].change is None
    assert trends[Instrument.PCL5].points == ()


@pytest.mark.parametrize(("latest", "worse"), [(12, False), (13, True)])
def test_phq9_reliable_deterioration_is_5_points_from_baseline(vault: Vault, latest: int, worse: bool) -> None:
    cid = make_client(vault)
    scored(vault, cid, Instrument.PHQ9, date(2026, 8, 4), 8)
    scored(vault, cid, Instrument.PHQ9, date(2026, 9, 4), latest)
    with vault.reader() as s:
        trend = instrument_trend(s, cid, Instrument.PHQ9)
        nhs = instrument_trend(s, cid, Instrument.PHQ9, phq9_deterioration_points=6)
    assert trend.points[-1].reliable_deterioration is worse
    assert trend.reliable_points == 5
    assert nhs.points[-1].reliable_deterioration is False  # the NHS's 6 points


@pytest.mark.parametrize(("latest", "worse"), [(9, False), (10, True)])
def test_gad7_reliable_deterioration_is_4_points(vault: Vault, latest: int, worse: bool) -> None:
    cid = make_client(vault)
    scored(vault, cid, Instrument.GAD7, date(2026, 8, 4), 6)
    scored(vault, cid, Instrument.GAD7, date(2026, 9, 4), latest)
    with vault.reader() as s:
        trend = instrument_trend(s, cid, Instrument.GAD7)
    assert trend.ever_deteriorated is worse
    assert trend.points[-1].change is not None and trend.points[-1].change.response is None


def test_pcl5_uses_10_points_and_the_cutoff(vault: Vault) -> None:
    cid = make_client(vault)
    scored(vault, cid, Instrument.PCL5, date(2026, 8, 4), 45)
    scored(vault, cid, Instrument.PCL5, date(2026, 9, 4), 36)
    scored(vault, cid, Instrument.PCL5, date(2026, 10, 4), 32)
    with vault.reader() as s:
        trend = instrument_trend(s, cid, Instrument.PCL5)
        strict = instrument_trend(s, cid, Instrument.PCL5, pcl5_cutoff=33)
    assert trend.reliable_points == 10
    assert [p.reliable_improvement for p in trend.points] == [False, False, True]
    assert trend.points[-1].band == "probable PTSD"
    assert strict.points[-1].band == "below threshold"


def test_picked_baseline_replaces_the_first_and_earlier_points_get_no_change(vault: Vault) -> None:
    cid = make_client(vault)
    scored(vault, cid, Instrument.PHQ9, date(2026, 8, 4), 10)
    picked = scored(vault, cid, Instrument.PHQ9, date(2026, 9, 1), 20)
    scored(vault, cid, Instrument.PHQ9, date(2026, 10, 1), 10)
    with vault.reader() as s:
        trend = instrument_trend(s, cid, Instrument.PHQ9, baseline_id=picked.id)
    assert trend.baseline_picked
    assert [p.is_baseline for p in trend.points] == [False, True, False]
    assert trend.points[0].change is None
    assert trend.change is not None and trend.change.response  # 10 is half of 20


def test_a_bad_picked_baseline_raises_here_and_falls_back_for_the_chart(vault: Vault) -> None:
    cid = make_client(vault)
    first = scored(vault, cid, Instrument.PHQ9, date(2026, 8, 4), 10)
    incomplete = record(vault, cid, Instrument.PHQ9, date(2026, 9, 1), (1,) * 8 + (None,))
    with vault.reader() as s:
        with pytest.raises(ValidationError):
            instrument_trend(s, cid, Instrument.PHQ9, baseline_id=incomplete.id)
        trends = client_trends(s, cid, baseline_ids={Instrument.PHQ9: 987654})
    baseline = trends[Instrument.PHQ9].baseline
    assert baseline is not None and baseline.measure_id == first.id
    assert not trends[Instrument.PHQ9].baseline_picked
