"""Progress against the plan: linked-note ratings over time, measure targets, the summary."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

from tests.services.conftest import valid_client
from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import (
    ClientParticipation,
    Instrument,
    NoteFormat,
    ObjectiveStatus,
    ProgressRating,
)
from therapist_desk.domain.measures import MeasureResult
from therapist_desk.domain.plan import Goal, MeasureTarget, Objective, Problem, TreatmentPlan
from therapist_desk.domain.session import ObjectiveProgress, SessionNote
from therapist_desk.services import clients, measures, notes, plans
from therapist_desk.services.plan_progress import objective_ratings, plan_summary, score_trends
from therapist_desk.services.vault_access import Vault

INTAKE = date(2026, 6, 1)
TODAY = date(2026, 11, 20)


def at(day: date) -> datetime:
    return datetime.combine(day, time(18, 0))


def phq9(total: int) -> tuple[int, ...]:
    return tuple(min(3, max(0, total - 3 * i)) for i in range(8)) + (0,)


def make_plan(vault: Vault) -> tuple[int, TreatmentPlan]:
    plan_tree = (Problem("Low mood", (Goal("Brighter days", (
        Objective("Three valued activities a week", INTAKE + timedelta(days=60)),
        Objective("PHQ-9 below 10", INTAKE + timedelta(days=120), measure_target=MeasureTarget(Instrument.PHQ9, 10)),
        Objective("Regular wake time", INTAKE + timedelta(days=200)),
    )),)),)
    with vault.unit_of_work() as s:
        cid = clients.create_client(s, valid_client(intake_date=INTAKE), at(INTAKE)).id
        assert cid is not None
        plan = plans.save_plan(s, TreatmentPlan(cid, problems=plan_tree, discharge_criteria="PHQ-9 under 10"), at(INTAKE))
        assert plan.id is not None
        plan = plans.sign_plan(s, plan.id, ClientParticipation.SIGNED, at(INTAKE))
    return cid, plan


def add_note(vault: Vault, cid: int, day: date, links: tuple[ObjectiveProgress, ...], *, sign: bool = True) -> int:
    note = SessionNote(client_id=cid, session_date=day, start_time=time(10), stop_time=time(10, 50),
                       lines=(ServiceLine("90834"),), diagnosis_codes=("F41.1",), note_format=NoteFormat.SOAP,
                       sections=(("Subjective", "Fictional."),), interventions=("Psychoeducation",),
                       objective_progress=links)
    with vault.unit_of_work() as s:
        saved = notes.save_note(s, note, at(day))
        assert saved.id is not None
        if sign:
            notes.sign_note(s, saved.id, at(day))
    return saved.id


def add_phq9(vault: Vault, cid: int, day: date, total: int) -> None:
    with vault.unit_of_work() as s:
        measures.record_measure(s, MeasureResult(Instrument.PHQ9, day, phq9(total), client_id=cid), at(day))


def test_ratings_come_from_linked_notes_in_date_order_with_drafts_marked(vault: Vault) -> None:
    cid, plan = make_plan(vault)
    first, second, _ = plan.objectives()
    s2 = add_note(vault, cid, date(2026, 7, 1), (ObjectiveProgress(first.key, ProgressRating.SOME_PROGRESS, "two walks"),
                                                 ObjectiveProgress(second.key, ProgressRating.NO_CHANGE)))
    s1 = add_note(vault, cid, date(2026, 6, 15), (ObjectiveProgress(first.key, ProgressRating.WORSE),))
    s3 = add_note(vault, cid, date(2026, 8, 1), (ObjectiveProgress(first.key, ProgressRating.GOOD_PROGRESS),), sign=False)
    with vault.reader() as s:
        found = objective_ratings(s, cid)
    assert [(p.session_id, p.rating, p.signed) for p in found[first.key]] == [
        (s1, ProgressRating.WORSE, True), (s2, ProgressRating.SOME_PROGRESS, True), (s3, ProgressRating.GOOD_PROGRESS, False)]
    assert found[first.key][1].comment == "two walks"
    assert [p.session_id for p in found[second.key]] == [s2]


def test_links_survive_a_review_into_a_new_version(vault: Vault) -> None:
    cid, plan = make_plan(vault)
    key = plan.objectives()[0].key
    add_note(vault, cid, date(2026, 7, 1), (ObjectiveProgress(key, ProgressRating.SOME_PROGRESS),))
    with vault.unit_of_work() as s:
        reviewed = plans.start_review(s, cid, at(date(2026, 9, 1)))
    assert reviewed.version == 2 and reviewed.objectives()[0].key == key
    with vault.reader() as s:
        summary = plan_summary(s, cid, TODAY)
    assert summary is not None and summary.plan_version == 2
    assert summary.objectives[0].ratings[0].rating is ProgressRating.SOME_PROGRESS


def test_measure_target_series_and_met_not_met(vault: Vault) -> None:
    cid, _ = make_plan(vault)
    add_phq9(vault, cid, date(2026, 5, 1), 24)  # before the intake: another episode, left out
    for day, total in ((date(2026, 6, 2), 18), (date(2026, 8, 1), 12), (date(2026, 10, 1), 8)):
        add_phq9(vault, cid, day, total)
    with vault.unit_of_work() as s:
        reviewed = plans.start_review(s, cid, at(date(2026, 10, 2)))
        done = replace(reviewed, problems=(replace(reviewed.problems[0], goals=(replace(
            reviewed.problems[0].goals[0], objectives=(
                replace(reviewed.objectives()[0], status=ObjectiveStatus.MET),
                *reviewed.objectives()[1:])),)),))
        plans.save_plan(s, done, at(date(2026, 10, 2)))
    with vault.reader() as s:
        summary = plan_summary(s, cid, TODAY)
    assert summary is not None
    activities, phq, wake = summary.objectives
    assert [(p.administered_on, p.total) for p in phq.scores] == [
        (date(2026, 6, 2), 18), (date(2026, 8, 1), 12), (date(2026, 10, 1), 8)]
    assert phq.target_reached is True and phq.verdict == "target reached" and not phq.met
    assert phq.target_text() == "PHQ-9 below 10 (latest 8 on 2026-10-01)"
    assert activities.met and activities.verdict == "met" and not activities.overdue
    assert wake.target_reached is None and wake.verdict == "no data yet"
    assert (summary.total, summary.met_count) == (3, 1)
    (trend,) = summary.scores
    assert (trend.baseline_total, trend.latest_total, trend.change) == (18, 8, -10)
    assert trend.reliable_improvement and trend.baseline_band == "moderately severe" and trend.latest_band == "mild"


def test_summary_at_a_glance(vault: Vault) -> None:
    cid, plan = make_plan(vault)
    first = plan.objectives()[0]
    add_note(vault, cid, date(2026, 7, 1), (ObjectiveProgress(first.key, ProgressRating.NO_CHANGE),))
    add_phq9(vault, cid, date(2026, 6, 2), 18)
    add_phq9(vault, cid, date(2026, 10, 1), 11)
    with vault.reader() as s:
        summary = plan_summary(s, cid, TODAY)
    assert summary is not None
    # Activities was due 2026-07-31 and the PHQ-9 objective 2026-09-29: both overdue on 11-20.
    assert summary.overdue_count == 2 and summary.objectives[0].verdict == "overdue"
    assert summary.review_overdue  # signed 2026-06-01 with a 90-day interval
    assert summary.linked_sessions == 1
    assert summary.headline == ("0 of 3 objectives met, 2 overdue; PHQ-9 18 to 11; "
                                "plan review overdue since 2026-08-30")
    lines = summary.lines()
    assert lines[0] == "Treatment plan version 1, effective 2026-06-01, signed 2026-06-01 by Avery Testwood, LCSW."
    assert "Objectives: 0 of 3 met (3 not started)." in lines
    assert any(line.startswith("Objective 1.1.1 (not started): Three valued activities a week; latest rating "
                               "no change on 2026-07-01") for line in lines)
    assert lines[-1] == ("PHQ-9: 18 (moderately severe) on 2026-06-02 to 11 (moderate) on 2026-10-01, "
                         "down 7 points; reliable improvement.")


def test_no_plan_no_summary_and_one_score_is_not_a_trend(vault: Vault) -> None:
    with vault.unit_of_work() as s:
        cid = clients.create_client(s, valid_client(intake_date=INTAKE), at(INTAKE)).id
        assert cid is not None
    add_phq9(vault, cid, date(2026, 7, 1), 9)
    with vault.reader() as s:
        assert plan_summary(s, cid, TODAY) is None
        (trend,) = score_trends(s, cid)
    assert trend.count == 1 and not trend.reliable_improvement
    assert trend.text() == "PHQ-9: 9 (mild) on 2026-07-01 (one score so far)"
