"""The Needs-attention rules on a real vault, each one at its boundary (48 h, 14 d, 30 d, 80%)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import event

from tests.services.conftest import NOW, valid_client
from therapist_desk.domain.client import Insurance
from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import (
    ClientStatus,
    Instrument,
    NoteFormat,
    PaymentMethod,
    ServiceType,
)
from therapist_desk.domain.measures import MeasureResult
from therapist_desk.domain.plan import Goal, Objective, Problem, TreatmentPlan
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import clients, ledger, measures, notes, plans
from therapist_desk.services.attention import attention_items
from therapist_desk.services.vault_access import Vault

DAY0 = date(2026, 9, 1)  # when the fictional episodes below start


def make_client(vault: Vault, *, at: datetime = datetime(2026, 9, 1, 9, 0), **overrides: object) -> int:
    overrides.setdefault("intake_date", at.date())
    with vault.unit_of_work() as s:
        created = clients.create_client(s, valid_client(**overrides), at)
    assert created.id is not None
    return created.id


def add_session(
    vault: Vault, client_id: int, day: date, *, sign: bool = False, intake: bool = False,
    written_at: datetime | None = None,
) -> int:
    """One session on ``day``; the note is written at ``written_at`` (default: that evening)."""
    at = written_at or datetime.combine(day, time(18, 0))
    note = SessionNote(
        client_id=client_id, session_date=day, start_time=time(10, 0), stop_time=time(10, 50),
        service_type=ServiceType.INTAKE if intake else ServiceType.INDIVIDUAL,
        lines=(ServiceLine("90791" if intake else "90834"),), diagnosis_codes=("F41.1",),
        note_format=NoteFormat.SOAP, sections=(("Subjective", "Fictional session."),),
        interventions=("Psychoeducation",),
    )
    with vault.unit_of_work() as s:
        saved = notes.save_note(s, note, at)
        assert saved.id is not None
        if sign:
            notes.sign_note(s, saved.id, at)
    return saved.id


def add_measure(vault: Vault, client_id: int, instrument: Instrument, day: date, answers: tuple[int | None, ...]) -> None:
    with vault.unit_of_work() as s:
        measures.record_measure(s, MeasureResult(instrument, day, answers, client_id=client_id),
                                datetime.combine(day, time(12)))


def phq9(total: int, item9: int = 0) -> tuple[int, ...]:
    """Nine answers adding up to ``total`` with item 9 as given."""
    rest = total - item9
    answers = [min(3, max(0, rest - 3 * i)) for i in range(8)]
    assert sum(answers) == rest
    return (*answers, item9)


def gad7(total: int) -> tuple[int, ...]:
    return tuple(min(3, max(0, total - 3 * i)) for i in range(7))


def reasons(vault: Vault, client_id: int, today: date, now: datetime | None = None) -> str:
    with vault.reader() as s:
        return " | ".join(attention_items(s, today, now=now).get(client_id, ()))


# --- unsigned notes: 48 hours -------------------------------------------------------------------

def test_unsigned_note_counts_from_creation_and_exactly_48_hours_is_not_older(vault: Vault) -> None:
    cid = make_client(vault)
    written = datetime(2026, 11, 18, 15, 0)
    add_session(vault, cid, written.date(), written_at=written)
    add_session(vault, cid, written.date(), written_at=written)
    at_48h = written + timedelta(hours=48)
    assert "unsigned" not in reasons(vault, cid, at_48h.date(), at_48h)
    just_after = at_48h + timedelta(seconds=1)
    assert "2 unsigned notes older than 48 hours" in reasons(vault, cid, just_after.date(), just_after)


def test_note_written_days_after_the_session_counts_from_the_end_of_that_day(vault: Vault) -> None:
    cid = make_client(vault)
    add_session(vault, cid, date(2026, 11, 10), written_at=datetime(2026, 11, 13, 9, 0))
    end_of_day_plus_48h = datetime(2026, 11, 13, 0, 0)  # 11-11 00:00 + 48 h: before it was even written
    assert "unsigned" not in reasons(vault, cid, date(2026, 11, 13), end_of_day_plus_48h)
    later = datetime(2026, 11, 13, 9, 30)
    assert "1 unsigned note older than 48 hours" in reasons(vault, cid, later.date(), later)


def test_signed_notes_are_not_unsigned(vault: Vault) -> None:
    cid = make_client(vault)
    add_session(vault, cid, date(2026, 11, 1), sign=True)
    assert "unsigned" not in reasons(vault, cid, date(2026, 11, 20), datetime(2026, 11, 20, 12))


# --- plan review: 14 days -----------------------------------------------------------------------

def _plan(vault: Vault, client_id: int, review_due: date) -> None:
    plan = TreatmentPlan(client_id=client_id, effective_on=date(2026, 9, 1), review_due=review_due,
                         problems=(Problem("Worry", (Goal("Worry less", (Objective("Fictional"),)),)),))
    with vault.unit_of_work() as s:
        plans.save_plan(s, plan, datetime(2026, 9, 1, 12))


@pytest.mark.parametrize(
    ("days_away", "expected"),
    [(15, None), (14, "plan review due 2026-12-04"), (0, "plan review due 2026-11-20"),
     (-1, "plan review overdue since 2026-11-19")],
)
def test_plan_review_window(vault: Vault, days_away: int, expected: str | None) -> None:
    today = date(2026, 11, 20)
    cid = make_client(vault)
    add_session(vault, cid, date(2026, 11, 19), sign=True)
    _plan(vault, cid, today + timedelta(days=days_away))
    found = reasons(vault, cid, today)
    if expected is None:
        assert "plan review" not in found
    else:
        assert expected in found


# --- no session in 30 days, early drop-out ------------------------------------------------------

@pytest.mark.parametrize(("gap", "flagged"), [(30, False), (31, True)])
def test_active_client_without_a_session_in_30_days(vault: Vault, gap: int, flagged: bool) -> None:
    cid = make_client(vault)
    add_session(vault, cid, DAY0, sign=True, intake=True)
    add_session(vault, cid, DAY0 + timedelta(days=7), sign=True)
    today = DAY0 + timedelta(days=7 + gap)
    found = reasons(vault, cid, today)
    assert ("no session in 31 days (last on 2026-09-08)" in found) is flagged
    assert "drop-out" not in found


def test_inactive_and_discharged_clients_are_not_flagged_for_gaps(vault: Vault) -> None:
    inactive = make_client(vault, status=ClientStatus.INACTIVE)
    add_session(vault, inactive, DAY0, sign=True)
    add_session(vault, inactive, DAY0 + timedelta(days=1), sign=True)
    assert "no session" not in reasons(vault, inactive, date(2026, 11, 20))


def test_active_client_never_seen_counts_from_intake(vault: Vault) -> None:
    cid = make_client(vault)
    assert "no session" not in reasons(vault, cid, DAY0 + timedelta(days=30))
    assert "no session yet since intake on 2026-09-01" in reasons(vault, cid, DAY0 + timedelta(days=31))


@pytest.mark.parametrize(("days_since", "flagged"), [(30, False), (31, True)])
def test_early_drop_out_after_an_intake(vault: Vault, days_since: int, flagged: bool) -> None:
    cid = make_client(vault)
    add_session(vault, cid, DAY0, sign=True, intake=True)
    found = reasons(vault, cid, DAY0 + timedelta(days=days_since))
    assert ("possible early drop-out: no session since the intake on 2026-09-01" in found) is flagged
    assert "no session in" not in found  # the drop-out reason says it more precisely


def test_first_session_is_the_anchor_without_a_90791_and_a_return_clears_it(vault: Vault) -> None:
    first_only = make_client(vault)
    add_session(vault, first_only, DAY0, sign=True)
    assert "drop-out" in reasons(vault, first_only, DAY0 + timedelta(days=31))
    returned = make_client(vault)
    add_session(vault, returned, DAY0, sign=True, intake=True)
    add_session(vault, returned, DAY0 + timedelta(days=45), sign=True)
    assert "drop-out" not in reasons(vault, returned, DAY0 + timedelta(days=50))
    second_soon = make_client(vault)
    add_session(vault, second_soon, DAY0, sign=True, intake=True)
    add_session(vault, second_soon, DAY0 + timedelta(days=30), sign=True)
    assert "drop-out" not in reasons(vault, second_soon, DAY0 + timedelta(days=59))


# --- insurance: 80% -----------------------------------------------------------------------------

@pytest.mark.parametrize(("signed", "flagged"), [(7, False), (8, True)])
def test_insurance_sessions_for_the_year(vault: Vault, signed: int, flagged: bool) -> None:
    cid = make_client(vault, insurance=Insurance(payer="Fictional Health", member_id="X1", sessions_per_year=10))
    add_session(vault, cid, date(2025, 12, 30), sign=True, written_at=datetime(2026, 9, 1, 8))  # last year
    for i in range(signed):
        add_session(vault, cid, DAY0 + timedelta(days=7 * i), sign=True)
    add_session(vault, cid, date(2026, 11, 19))  # a draft does not count
    found = reasons(vault, cid, date(2026, 11, 20))
    assert (f"insurance: {signed} of 10 sessions for 2026 used" in found) is flagged


@pytest.mark.parametrize(("inside", "flagged"), [(3, False), (4, True)])
def test_authorization_use(vault: Vault, inside: int, flagged: bool) -> None:
    ins = Insurance(payer="Fictional Health", member_id="X1", authorization_number="AUTH-1",
                    authorized_sessions=5, authorization_start=date(2026, 9, 10),
                    authorization_end=date(2026, 12, 31))
    cid = make_client(vault, insurance=ins)
    add_session(vault, cid, DAY0, sign=True, intake=True)  # before the authorization starts
    for i in range(inside):
        add_session(vault, cid, date(2026, 9, 10) + timedelta(days=7 * i), sign=True)
    found = reasons(vault, cid, date(2026, 11, 20))
    assert (f"authorization: {inside} of 5 sessions used, ends 2026-12-31" in found) is flagged


def test_an_ended_authorization_is_not_flagged(vault: Vault) -> None:
    ins = Insurance(payer="Fictional Health", member_id="X1", authorization_number="AUTH-1",
                    authorized_sessions=2, authorization_start=date(2026, 9, 1),
                    authorization_end=date(2026, 10, 31))
    cid = make_client(vault, insurance=ins)
    add_session(vault, cid, DAY0, sign=True)
    add_session(vault, cid, DAY0 + timedelta(days=7), sign=True)
    assert "authorization" in reasons(vault, cid, date(2026, 10, 31))
    assert "authorization" not in reasons(vault, cid, date(2026, 11, 1))


# --- measures: item 9 at the last PHQ-9, reliable deterioration --------------------------------

def test_item9_is_judged_at_the_last_phq9_only(vault: Vault) -> None:
    cid = make_client(vault)
    add_measure(vault, cid, Instrument.PHQ9, date(2026, 9, 1), phq9(12, item9=1))
    assert "item 9" in reasons(vault, cid, date(2026, 11, 20))
    add_measure(vault, cid, Instrument.PHQ9, date(2026, 10, 1), phq9(10, item9=0))
    assert "item 9" not in reasons(vault, cid, date(2026, 11, 20))
    add_measure(vault, cid, Instrument.PHQ9, date(2026, 11, 1), (*phq9(6)[:8], 2))
    assert ("PHQ-9 item 9 positive on 2026-11-01 (thoughts of death or self-harm)"
            in reasons(vault, cid, date(2026, 11, 20)))


def test_item9_on_an_incomplete_last_form_still_counts(vault: Vault) -> None:
    cid = make_client(vault)
    add_measure(vault, cid, Instrument.PHQ9, date(2026, 10, 1), (1, None, 1, 1, 1, 1, 1, 1, 1))
    assert "item 9" in reasons(vault, cid, date(2026, 11, 20))


@pytest.mark.parametrize(("latest", "flagged"), [(12, False), (13, True)])
def test_phq9_deterioration_is_5_points(vault: Vault, latest: int, flagged: bool) -> None:
    cid = make_client(vault)
    add_measure(vault, cid, Instrument.PHQ9, date(2026, 9, 1), phq9(8))
    add_measure(vault, cid, Instrument.PHQ9, date(2026, 10, 1), phq9(20))  # a middle score is not compared
    add_measure(vault, cid, Instrument.PHQ9, date(2026, 11, 1), phq9(latest))
    found = reasons(vault, cid, date(2026, 11, 20))
    assert (f"PHQ-9 reliably worse: up {latest - 8} since baseline (8 to {latest})" in found) is flagged


@pytest.mark.parametrize(("latest", "flagged"), [(9, False), (10, True)])
def test_gad7_deterioration_is_4_points(vault: Vault, latest: int, flagged: bool) -> None:
    cid = make_client(vault)
    add_measure(vault, cid, Instrument.GAD7, date(2026, 9, 1), gad7(6))
    add_measure(vault, cid, Instrument.GAD7, date(2026, 11, 1), gad7(latest))
    assert ("GAD-7 reliably worse" in reasons(vault, cid, date(2026, 11, 20))) is flagged


def test_baseline_is_the_first_complete_score_of_the_episode(vault: Vault) -> None:
    cid = make_client(vault, at=datetime(2026, 10, 1, 9))
    with vault.unit_of_work() as s:  # a score from an earlier episode, before this intake
        measures.record_measure(s, MeasureResult(Instrument.PHQ9, date(2026, 5, 1), phq9(2), client_id=cid),
                                datetime(2026, 10, 1, 10))
    add_measure(vault, cid, Instrument.PHQ9, date(2026, 10, 2), (1, None, 1, 1, 1, 1, 1, 1, 0))  # incomplete
    add_measure(vault, cid, Instrument.PHQ9, date(2026, 10, 3), phq9(9))
    add_measure(vault, cid, Instrument.PHQ9, date(2026, 11, 1), phq9(13))
    assert "reliably worse" not in reasons(vault, cid, date(2026, 11, 20))
    with vault.reader() as s:
        found = attention_items(s, date(2026, 11, 20), phq9_deterioration_points=4)
    assert "up 4 since baseline (9 to 13)" in " ".join(found[cid])


# --- money owed ---------------------------------------------------------------------------------

def test_money_owed_until_paid(vault: Vault) -> None:
    cid = make_client(vault)
    add_session(vault, cid, date(2026, 11, 18), sign=True)
    assert "owes $140.00" in reasons(vault, cid, date(2026, 11, 20))
    with vault.unit_of_work() as s:
        ledger.record_payment(s, cid, date(2026, 11, 19), "140", PaymentMethod.CARD, NOW)
    assert "owes" not in reasons(vault, cid, date(2026, 11, 20))


def test_discharged_clients_keep_only_the_record_keeping_reasons(vault: Vault) -> None:
    cid = make_client(vault)
    add_session(vault, cid, DAY0, intake=True)  # unsigned, and a drop-out
    add_session(vault, cid, DAY0 + timedelta(days=1), sign=True)  # a charge
    add_measure(vault, cid, Instrument.PHQ9, DAY0, phq9(10, item9=2))
    with vault.unit_of_work() as s:
        clients.discharge_client(s, cid, date(2026, 10, 1), "Moved away (fictional)", NOW)
    found = reasons(vault, cid, date(2026, 11, 20), NOW)
    assert "1 unsigned note older than 48 hours" in found
    assert "owes $140.00" in found
    assert "item 9" not in found and "drop-out" not in found


# --- shape: ordered reasons, a fixed number of queries ------------------------------------------

def test_reasons_come_safety_first_and_clients_without_reasons_are_absent(vault: Vault) -> None:
    calm = make_client(vault, at=datetime(2026, 11, 19, 9))
    add_session(vault, calm, date(2026, 11, 19), sign=True)
    with vault.unit_of_work() as s:
        ledger.record_payment(s, calm, date(2026, 11, 19), "140", PaymentMethod.CASH, NOW)
    busy = make_client(vault)
    add_session(vault, busy, date(2026, 9, 1), sign=True, intake=True)
    add_measure(vault, busy, Instrument.PHQ9, date(2026, 9, 1), phq9(9, item9=1))
    with vault.reader() as s:
        found = attention_items(s, date(2026, 11, 20), now=NOW)
    assert calm not in found
    assert found[busy][0].startswith("PHQ-9 item 9")
    assert found[busy][-1] == "owes $200.00"  # the 90791 intake fee


def test_query_count_does_not_grow_with_the_number_of_clients(vault: Vault) -> None:
    def statements() -> int:
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])
        event.listen(vault.engine, "before_cursor_execute", listener)
        try:
            with vault.reader() as s:
                attention_items(s, date(2026, 11, 20), now=NOW)
        finally:
            event.remove(vault.engine, "before_cursor_execute", listener)
        return len(seen)

    first = make_client(vault)
    add_session(vault, first, DAY0)
    one = statements()
    for _ in range(5):
        add_session(vault, make_client(vault), DAY0)
    assert statements() == one


def test_review_stays_due_until_the_review_is_signed(vault) -> None:  # type: ignore[no-untyped-def]
    """Starting a review makes a draft version with a later date; the old date still counts."""
    from datetime import date, datetime, timedelta

    from therapist_desk.domain.enums import ClientParticipation
    from therapist_desk.domain.plan import Goal, Objective, Problem, TreatmentPlan
    from therapist_desk.services import clients, plans
    from therapist_desk.services.attention import attention_items
    from tests.services.conftest import valid_client

    start = datetime(2026, 6, 1, 9, 0)
    problems = (Problem("Low mood", (Goal("Feel better", (
        Objective("PHQ-9 under 10", target_date=date(2026, 12, 1)),)),)),)
    with vault.unit_of_work() as s:
        cid = clients.create_client(s, valid_client(), start).id
        draft = plans.save_plan(s, TreatmentPlan(client_id=cid, problems=problems,
                                                 discharge_criteria="Goals met"), start)
        plans.sign_plan(s, draft.id, ClientParticipation.SIGNED, start)
    due = start.date() + timedelta(days=90)
    review_day = datetime.combine(due - timedelta(days=3), start.time())
    with vault.unit_of_work() as s:
        plans.start_review(s, cid, review_day)
    with vault.reader() as s:
        reasons = attention_items(s, review_day.date(), now=review_day).get(cid, ())
    assert any(f"plan review due {due.isoformat()}" in r for r in reasons), reasons
    with vault.unit_of_work() as s:
        current = plans.current_plan(s, cid)
        plans.sign_plan(s, current.id, ClientParticipation.VERBAL, review_day)
    with vault.reader() as s:
        reasons = attention_items(s, review_day.date(), now=review_day).get(cid, ())
    assert not any("plan review" in r for r in reasons), reasons
