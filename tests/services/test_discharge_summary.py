"""Discharge summaries: facts generated from the record, edited text, signature, storage, audit."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from tests.services.test_plan_progress import INTAKE, add_note, add_phq9, at, make_plan
from therapist_desk.domain.enums import ClientStatus, Instrument, ObjectiveStatus, ProgressRating
from therapist_desk.domain.errors import ValidationErrors
from therapist_desk.domain.session import ObjectiveProgress
from therapist_desk.services import clients, plans
from therapist_desk.services.audit_log import verify_chain
from therapist_desk.services.common import ActionRefused
from therapist_desk.services.discharge import (
    DischargeSummaryLocked,
    discharge_summaries,
    facts_lines,
    generate_discharge_summary,
    latest_discharge_summary,
    refresh_facts,
    save_discharge_summary,
    sign_discharge_summary,
)
from therapist_desk.services.vault_access import Vault

DISCHARGE = date(2026, 11, 15)


def episode(vault: Vault) -> int:
    """Intake 2026-06-01; 3 signed sessions and 1 draft; PHQ-9 18 -> 7; one of 3 objectives met."""
    cid, plan = make_plan(vault)
    first = plan.objectives()[0]
    add_note(vault, cid, date(2026, 6, 8), (ObjectiveProgress(first.key, ProgressRating.SOME_PROGRESS),))
    add_note(vault, cid, date(2026, 8, 3), ())
    add_note(vault, cid, date(2026, 11, 2), (ObjectiveProgress(first.key, ProgressRating.MET),))
    add_note(vault, cid, date(2026, 11, 9), (), sign=False)
    add_note(vault, cid, date(2026, 11, 18), ())  # after the discharge date: not counted
    add_phq9(vault, cid, date(2026, 6, 2), 18)
    add_phq9(vault, cid, date(2026, 11, 2), 7)
    with vault.unit_of_work() as s:
        draft = plans.start_review(s, cid, at(date(2026, 11, 2)))
        met = replace(draft.objectives()[0], status=ObjectiveStatus.MET)
        goal = replace(draft.problems[0].goals[0], objectives=(met, *draft.objectives()[1:]))
        plans.save_plan(s, replace(draft, problems=(replace(draft.problems[0], goals=(goal,)),)), at(date(2026, 11, 2)))
    return cid


def test_facts_come_from_the_record(vault: Vault) -> None:
    cid = episode(vault)
    with vault.reader() as s:
        summary = generate_discharge_summary(s, cid, DISCHARGE)
    f = summary.facts
    assert (f.intake_date, f.first_session, f.last_session) == (INTAKE, date(2026, 6, 8), date(2026, 11, 2))
    assert (f.sessions_attended, f.unsigned_sessions) == (3, 1)
    assert f.diagnoses == ("F41.1 Generalized anxiety disorder",)
    assert f.plan_version == 2 and (f.objectives_met, f.objectives_not_met) == (1, 2)
    assert [o.number for o in f.objectives] == ["1.1.1", "1.1.2", "1.1.3"]
    assert f.objectives[1].target_reached is True
    (phq,) = f.scores
    assert (phq.instrument, phq.baseline_total, phq.latest_total) == (Instrument.PHQ9, 18, 7)
    lines = facts_lines(f, DISCHARGE)
    assert lines[0] == ("Intake: 2026-06-01. First session: 2026-06-08. Last session: 2026-11-02. "
                        "Discharge: 2026-11-15.")
    assert "Sessions attended (signed notes): 3." in lines
    assert "Unsigned notes in this period: 1 (sign them before discharge)." in lines
    assert "Treatment plan version 2: 1 of 3 objectives met." in lines
    assert lines[-1].startswith("Scores, first to final: PHQ-9: 18 (moderately severe) on 2026-06-02 to 7 (mild)")
    assert summary.course.startswith("The client attended 3 sessions from 2026-06-08 to 2026-11-02. "
                                     "1 of 3 treatment plan objectives were met. PHQ-9: 18")
    assert summary.recommendations.splitlines() == [
        "- Continue work on: PHQ-9 below 10", "- Continue work on: Regular wake time",
        "- Return to therapy or contact the practice if symptoms come back."]


def test_edit_save_sign_and_discharge_in_one_go(vault: Vault) -> None:
    cid = episode(vault)
    now = at(DISCHARGE)
    with vault.unit_of_work() as s:
        draft = save_discharge_summary(s, generate_discharge_summary(s, cid, DISCHARGE), now)
    assert draft.id is not None and not draft.is_signed
    edited = replace(draft, reason="Goals largely met", recommendations="Booster session in three months.")
    with vault.unit_of_work() as s:
        signed = sign_discharge_summary(s, edited, now + timedelta(minutes=5), discharge=True)
    assert signed.is_signed and signed.signed_by == "Avery Testwood, LCSW"
    assert signed.recommendations == "Booster session in three months." and signed.facts == draft.facts
    with vault.reader() as s:
        client = clients.get_client(s, cid)
        assert (client.status, client.status_since, client.discharge_reason) == (
            ClientStatus.DISCHARGED, DISCHARGE, "Goals largely met")
        assert [x.id for x in discharge_summaries(s, cid)] == [signed.id]
        assert latest_discharge_summary(s, cid) == signed
        actions = [a for (a,) in s.execute(text(
            "SELECT action FROM audit_events WHERE action LIKE 'discharge_summary%' OR action = 'client.discharge' ORDER BY id"))]
        assert actions == ["discharge_summary.save", "discharge_summary.save", "discharge_summary.sign",
                           "client.discharge"]
        assert verify_chain(s) == []
        stored = s.execute(text("SELECT document_json FROM discharge_summaries")).scalar_one()
        assert "Booster session" in stored


def test_signed_summary_is_locked_and_keeps_its_snapshot(vault: Vault) -> None:
    cid = episode(vault)
    with vault.unit_of_work() as s:
        summary = replace(generate_discharge_summary(s, cid, DISCHARGE), reason="Moved away")
        signed = sign_discharge_summary(s, summary, at(DISCHARGE))
    add_phq9(vault, cid, date(2026, 11, 10), 3)  # the record changes after signing
    with vault.unit_of_work() as s:
        with pytest.raises(DischargeSummaryLocked):
            save_discharge_summary(s, replace(signed, recommendations="changed"), at(DISCHARGE))
        with pytest.raises(DischargeSummaryLocked):
            refresh_facts(s, signed)
    with vault.reader() as s:
        assert latest_discharge_summary(s, cid) == signed
        assert signed.facts.scores[0].latest_total == 7
        assert clients.get_client(s, cid).status is ClientStatus.ACTIVE  # discharge was not asked for


def test_refresh_keeps_the_text_and_updates_the_facts(vault: Vault) -> None:
    cid = episode(vault)
    with vault.unit_of_work() as s:
        draft = save_discharge_summary(s, replace(generate_discharge_summary(s, cid, DISCHARGE),
                                                  course="My own words."), at(DISCHARGE))
    add_phq9(vault, cid, date(2026, 11, 10), 3)
    with vault.reader() as s:
        fresh = refresh_facts(s, draft)
    assert fresh.course == "My own words." and fresh.facts.scores[0].latest_total == 3


def test_signing_needs_reason_and_recommendations(vault: Vault) -> None:
    cid = episode(vault)
    with vault.unit_of_work() as s:
        summary = replace(generate_discharge_summary(s, cid, DISCHARGE), recommendations=" ")
        with pytest.raises(ActionRefused) as refused:
            sign_discharge_summary(s, summary, at(DISCHARGE))
    assert refused.value.reasons == ("the reason for discharge", "recommendations")


def test_dates_are_checked(vault: Vault) -> None:
    cid = episode(vault)
    with vault.unit_of_work() as s:
        with pytest.raises(ValidationErrors) as future:
            save_discharge_summary(s, generate_discharge_summary(s, cid, DISCHARGE + timedelta(days=30)), at(DISCHARGE))
        with pytest.raises(ValidationErrors) as early:
            save_discharge_summary(s, generate_discharge_summary(s, cid, INTAKE - timedelta(days=1)), at(DISCHARGE))
    assert str(future.value) == "Discharge date: is in the future"
    assert str(early.value) == "Discharge date: is before the intake date"


def test_no_plan_and_no_measures(vault: Vault) -> None:
    with vault.unit_of_work() as s:
        from tests.services.conftest import valid_client

        cid = clients.create_client(s, valid_client(intake_date=INTAKE), at(INTAKE)).id
        assert cid is not None
        summary = generate_discharge_summary(s, cid, DISCHARGE)
    assert summary.facts.plan_version is None and summary.facts.sessions_attended == 0
    lines = facts_lines(summary.facts, DISCHARGE)
    assert "No treatment plan on file." in lines and lines[-1] == "No measures on file."
    assert summary.course == "The client attended 0 sessions."
