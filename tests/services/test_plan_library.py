"""The plan library: our starter items, search, the clinician's own items in the vault, migrations."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from tests.services.conftest import NOW, valid_client
from therapist_desk.domain.enums import Approach, Instrument, ObjectiveStatus
from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.plan import (
    Goal,
    MeasureTarget,
    Objective,
    PlanIntervention,
    Problem,
    TreatmentPlan,
)
from therapist_desk.resources import resource_path
from therapist_desk.services import clients, plans
from therapist_desk.services.audit_log import verify_chain
from therapist_desk.services.plan_library import (
    MY_LIBRARY,
    NodeKind,
    delete_from_library,
    load_library,
    save_to_library,
    search_library,
    starter_library,
    top_level_picks,
)
from therapist_desk.services.vault_access import RecordNotFound, Vault

PRESENTATIONS = {"Depression", "Anxiety", "Trauma", "Grief", "Couples conflict", "Adjustment"}


def test_starter_covers_the_six_presentations_with_complete_trees() -> None:
    library = starter_library()
    assert {c.name for c in library} == PRESENTATIONS
    for category in library:
        assert category.roots, category.name
        for root in category.roots:
            assert root.kind is NodeKind.PROBLEM
            problem = root.node
            assert isinstance(problem, Problem) and problem.goals
            for goal in problem.goals:
                assert goal.objectives, goal.description
                for objective in goal.objectives:
                    assert objective.interventions, objective.description
                    assert objective.key == "" and objective.target_date is None
                    assert objective.status is ObjectiveStatus.NOT_STARTED
                    assert all(i.frequency and i.responsible for i in objective.interventions)


def test_starter_has_measure_targets_for_the_instruments_we_score() -> None:
    targets = {o.node.measure_target.instrument for c in starter_library() for o in c.walk()
               if isinstance(o.node, Objective) and o.node.measure_target}
    assert targets == {Instrument.PHQ9, Instrument.GAD7, Instrument.PCL5}


def test_starter_file_says_it_is_our_own_writing() -> None:
    doc = json.loads(resource_path("plan_library", "starter.json").read_text(encoding="utf-8"))
    assert "Not taken from any published planner" in doc["about"]


def test_search_is_word_based_and_ignores_case_and_accents() -> None:
    library = starter_library()
    hits = search_library(library, "SLÉEP nightmare")
    assert hits and all("sleep" in h.search_text() and "nightmare" in h.search_text() for h in hits)
    assert {h.category for h in hits} == {"Trauma"}
    assert len(search_library(library, "")) == sum(len(c.walk()) for c in library)
    assert search_library(library, "zebra quokka") == []


def test_search_finds_interventions_by_approach_and_objectives_by_instrument() -> None:
    act = search_library(starter_library(), "act values")
    assert any(isinstance(h.node, PlanIntervention) and h.node.approach is Approach.ACT for h in act)
    phq = [h for h in search_library(starter_library(), "phq9") if h.kind is NodeKind.OBJECTIVE]
    assert phq and all(h.node.measure_target.instrument is Instrument.PHQ9 for h in phq)  # type: ignore[union-attr]


def test_a_pick_inside_another_pick_is_dropped() -> None:
    problem = starter_library()[0].roots[0]
    objective = problem.children[0].children[0]
    other = starter_library()[1].roots[0]
    assert top_level_picks([problem, objective, other]) == [problem, other]
    assert top_level_picks([objective]) == [objective]


def test_own_items_are_saved_blank_listed_and_deleted(vault: Vault) -> None:
    objective = Objective("Client walks the dog daily", target_date=date(2027, 1, 1), status=ObjectiveStatus.MET,
                          measure_target=MeasureTarget(Instrument.GAD7, 8),
                          interventions=(PlanIntervention("Walk plan", Approach.CBT, "daily", "Client", key="k1"),),
                          key="abc")
    with vault.unit_of_work() as s:
        saved = save_to_library(s, objective, NOW)
    assert saved.item_id is not None and saved.is_mine
    with vault.reader() as s:
        mine = load_library(s)[-1]
    assert mine.name == MY_LIBRARY
    (root,) = mine.roots
    node = root.node
    assert isinstance(node, Objective)
    assert (node.key, node.target_date, node.status) == ("", None, ObjectiveStatus.NOT_STARTED)
    assert node.measure_target == MeasureTarget(Instrument.GAD7, 8)
    assert node.interventions == (PlanIntervention("Walk plan", Approach.CBT, "daily", "Client"),)
    assert [h.ref for h in search_library((mine,), "dog")] == [root.ref]
    with vault.unit_of_work() as s:
        delete_from_library(s, saved.item_id, NOW)
    with vault.reader() as s:
        assert load_library(s)[-1].roots == ()
        actions = s.execute(text("SELECT action, detail FROM audit_events WHERE action LIKE 'plan_library%'")).all()
        assert actions == [("plan_library.add", "kind=objective"), ("plan_library.delete", "")]
        assert verify_chain(s) == []
    with vault.unit_of_work() as s, pytest.raises(RecordNotFound):
        delete_from_library(s, saved.item_id, NOW)


def test_a_whole_problem_saved_from_a_plan_round_trips(vault: Vault) -> None:
    with vault.unit_of_work() as s:
        cid = clients.create_client(s, valid_client(), NOW).id
        assert cid is not None
        plan = plans.save_plan(s, TreatmentPlan(cid, problems=(Problem("Worry", (Goal("Calmer", (
            Objective("Breathe daily", NOW.date() + timedelta(days=30)),)),)),)), NOW)
        saved = save_to_library(s, plan.problems[0], NOW, category="  ")
    assert saved.category == MY_LIBRARY and saved.kind is NodeKind.PROBLEM
    assert [c.kind for c in saved.walk()] == [NodeKind.PROBLEM, NodeKind.GOAL, NodeKind.OBJECTIVE]
    with vault.reader() as s:
        (root,) = load_library(s)[-1].roots
    assert root.node == Problem("Worry", (Goal("Calmer", (Objective("Breathe daily"),)),))


def test_an_empty_item_is_refused(vault: Vault) -> None:
    with vault.unit_of_work() as s, pytest.raises(ValidationError):
        save_to_library(s, Goal("   "), NOW)


def test_plan_drafts_round_trip_every_field(vault: Vault) -> None:
    plan = TreatmentPlan(7, version=3, effective_on=date(2026, 11, 1), review_due=date(2027, 1, 30), id=12,
                         problems=(Problem("P", (Goal("G", (Objective("O", date(2027, 1, 1), ObjectiveStatus.IN_PROGRESS,
                                                                      MeasureTarget(Instrument.PHQ9, 10),
                                                                      (PlanIntervention("I", Approach.DBT, "weekly", "T", "ik"),),
                                                                      "ok"),), "gk"),), "pk"),),
                         diagnosis_codes=("F41.1",), strengths="s", barriers="b", discharge_criteria="d")
    assert plans.plan_from_draft_payload(plans.plan_draft_payload(plan)) == plan


def test_migration_chain_is_linear_with_one_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", "therapist_desk.store:migrations")
    script = ScriptDirectory.from_config(cfg)
    assert len(script.get_heads()) == 1
    chain = [rev.revision for rev in script.walk_revisions()][::-1]
    assert chain[0] == "0001" and chain == sorted(chain)  # 0001, 0002, ... one after another
    for rev in script.walk_revisions():
        assert rev.down_revision is None or isinstance(rev.down_revision, str), "no merge points"
    assert chain == sorted(chain)
