"""The client list as the Clients tab asks for it: search, status filter, sort keys, counts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal

import pytest

from tests.services.conftest import NOW, valid_client
from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import ClientParticipation, ClientStatus, Instrument, NoteFormat
from therapist_desk.domain.measures import MeasureResult
from therapist_desk.domain.plan import Goal, Objective, Problem, TreatmentPlan
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import clients, measures, notes, plans
from therapist_desk.services.vault_access import Vault


def _add(vault: Vault, first: str, last: str, **fields: object) -> int:
    with vault.unit_of_work() as s:
        saved = clients.create_client(s, valid_client(legal_first_name=first, legal_last_name=last, **fields), NOW)
    assert saved.id is not None
    return saved.id


def _signed_session(vault: Vault, client_id: int, day: date) -> None:
    note = SessionNote(client_id=client_id, session_date=day, start_time=time(9), stop_time=time(9, 50),
                       lines=(ServiceLine("90834"),), diagnosis_codes=("F41.1",), note_format=NoteFormat.SOAP,
                       sections=(("Subjective", "Fictional."),), interventions=("Psychoeducation",))
    with vault.unit_of_work() as s:
        saved = notes.save_note(s, note, NOW)
        notes.sign_note(s, saved.id, NOW)  # type: ignore[arg-type]


def _names(vault: Vault, **query: object) -> list[str]:
    with vault.reader() as s:
        return [row.display_name for row in clients.list_clients(s, **query)]  # type: ignore[arg-type]


def test_search_folds_accents_and_matches_every_word(vault: Vault) -> None:
    _add(vault, "Zoë", "Lindqvist")
    _add(vault, "Zoe", "Adams", preferred_name="Zed")
    _add(vault, "Chloé", "Ødegård")
    assert _names(vault, search="zoe") == ["Zed Adams", "Zoë Lindqvist"]
    assert _names(vault, search="ZOË lind") == ["Zoë Lindqvist"]
    assert _names(vault, search="chloe ødegard") == ["Chloé Ødegård"]  # Ø is a letter of its own, not O + a mark
    assert _names(vault, search="zed") == ["Zed Adams"]  # preferred names are searched too
    assert _names(vault, search="50%_") == []  # LIKE wildcards are plain characters


def test_status_filter_and_count(vault: Vault) -> None:
    active = _add(vault, "Ana", "Active")
    _add(vault, "Ina", "Inactive", status=ClientStatus.INACTIVE)
    gone = _add(vault, "Dee", "Discharged")
    with vault.unit_of_work() as s:
        clients.discharge_client(s, gone, NOW.date(), "Fictional", NOW)
    assert _names(vault, statuses=(ClientStatus.ACTIVE, ClientStatus.INACTIVE)) == ["Ana Active", "Ina Inactive"]
    assert _names(vault, statuses=(ClientStatus.DISCHARGED,)) == ["Dee Discharged"]
    assert len(_names(vault)) == 3
    with vault.reader() as s:
        assert clients.count_clients(s) == 3
        assert [r.id for r in clients.list_clients(s, ids=(active,))] == [active]


@pytest.mark.parametrize(("sort", "descending", "expected"), [
    ("name", False, ["Ann Able", "Bo Baker", "Cy Carter"]),
    ("name", True, ["Cy Carter", "Bo Baker", "Ann Able"]),
    ("last_session", False, ["Bo Baker", "Ann Able", "Cy Carter"]),  # never seen: last either way
    ("last_session", True, ["Ann Able", "Bo Baker", "Cy Carter"]),
    ("balance", True, ["Bo Baker", "Ann Able", "Cy Carter"]),
    ("unsigned", False, ["Ann Able", "Bo Baker", "Cy Carter"]),
    ("next_review", False, ["Cy Carter", "Ann Able", "Bo Baker"]),
    ("status", False, ["Ann Able", "Cy Carter", "Bo Baker"]),
])
def test_every_sort_key(vault: Vault, sort: str, descending: bool, expected: list[str]) -> None:
    ann = _add(vault, "Ann", "Able")
    bo = _add(vault, "Bo", "Baker", status=ClientStatus.INACTIVE)
    cy = _add(vault, "Cy", "Carter")
    _signed_session(vault, ann, date(2026, 11, 18))
    _signed_session(vault, bo, date(2026, 11, 1))
    _signed_session(vault, bo, date(2026, 11, 8))
    for client_id, due in ((ann, date(2027, 1, 1)), (cy, date(2026, 12, 1))):
        plan = TreatmentPlan(client_id=client_id, review_due=due,
                             problems=(Problem("Worry", (Goal("Less", (Objective("Fictional"),)),)),))
        with vault.unit_of_work() as s:
            plans.save_plan(s, plan, NOW)
    assert _names(vault, sort=sort, descending=descending) == expected


def test_one_row_per_client_with_the_current_plan_and_latest_bands(vault: Vault) -> None:
    cid = _add(vault, "Robin", "Reviewed")
    objective = Objective("Fictional", target_date=date(2027, 1, 1))
    plan = TreatmentPlan(client_id=cid, problems=(Problem("Worry", (Goal("Less", (objective,)),)),),
                         discharge_criteria="Fictional", review_due=date(2026, 12, 1))
    with vault.unit_of_work() as s:
        first = plans.save_plan(s, plan, NOW)
        plans.sign_plan(s, first.id, ClientParticipation.SIGNED, NOW)  # type: ignore[arg-type]
    later = datetime(2026, 11, 21, 9)
    with vault.unit_of_work() as s:
        review = plans.start_review(s, cid, later)
        plans.save_plan(s, replace(review, review_due=date(2027, 2, 19)), later)
    for day, answers in ((date(2026, 10, 1), (3, 3, 3, 3, 3, 3, 3, 3, 0)), (date(2026, 11, 1), (1, 1, 1, 1, 1, 0, 0, 0, 0))):
        with vault.unit_of_work() as s:
            measures.record_measure(s, MeasureResult(Instrument.PHQ9, day, answers, client_id=cid), NOW)
    _signed_session(vault, cid, date(2026, 11, 18))
    with vault.reader() as s:
        (row,) = clients.list_clients(s)
    assert row.next_review == date(2027, 2, 19)  # the current version's date, not the old one
    assert row.phq9_band == "mild" and row.gad7_band is None
    assert row.balance == Decimal("140.00") and row.last_session == date(2026, 11, 18) and row.unsigned_notes == 0


def test_fold_name_handles_letters_without_accents() -> None:
    from therapist_desk.domain.client import fold_name

    assert fold_name("Ødegård") == "odegard"
    assert fold_name("Zoë Łukasz Æsir Straße") == "zoe lukasz aesir strasse"
