"""The Treatment Plans tab through its widgets over a real vault: build, edit, sign, review, progress,
drafts, the attention list and the discharge summary."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.services.conftest import valid_client, valid_profile
from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import (
    Approach,
    ClientParticipation,
    ClientStatus,
    Instrument,
    NoteFormat,
    ObjectiveStatus,
    ProgressRating,
)
from therapist_desk.domain.measures import MeasureResult
from therapist_desk.domain.plan import (
    Goal,
    MeasureTarget,
    Objective,
    PlanIntervention,
    Problem,
    TreatmentPlan,
)
from therapist_desk.domain.session import ObjectiveProgress, SessionNote
from therapist_desk.paths import AppPaths
from therapist_desk.services import clients, measures, notes, plans
from therapist_desk.services.attention import attention_items
from therapist_desk.services.discharge import discharge_summaries
from therapist_desk.services.practice import save_profile
from therapist_desk.services.vault_access import Vault, create_and_open
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.plans_tab import PlansTab
from therapist_desk.ui.signals import AppSignals
from therapist_desk.ui.tasks import SyncTaskRunner

pytestmark = pytest.mark.gui
INTAKE = date(2026, 6, 1)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 6, 1, 10, 0))


@pytest.fixture
def ctx(tmp_path: Path, clock: Clock) -> Iterator[AppContext]:
    vault = create_and_open(tmp_path / "v.tdvault", "pw-for-tests")
    with vault.unit_of_work() as s:
        save_profile(s, valid_profile(), clock())
    yield AppContext(AppPaths(tmp_path, tmp_path, tmp_path), AppSignals(), SyncTaskRunner(), vault, clock=clock)
    vault.close()


def add_client(ctx: AppContext, **overrides: object) -> int:
    overrides.setdefault("intake_date", INTAKE)
    with ctx.unit_of_work() as s:
        cid = clients.create_client(s, valid_client(**overrides), datetime(2026, 6, 1, 9)).id
    assert cid is not None
    return cid


@pytest.fixture
def tab(qtbot: QtBot, ctx: AppContext) -> PlansTab:
    widget = PlansTab(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 760)
    widget.show()
    return widget


def click(qtbot: QtBot, parent: QWidget, name: str) -> None:
    button = parent.findChild(QWidget, name)
    assert button is not None, name
    assert button.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def vault_of(ctx: AppContext) -> Vault:
    assert ctx.vault is not None
    return ctx.vault


def select_in_tree(tab: PlansTab, *rows: int) -> None:
    """Click the tree row at this path (problem, goal, objective, intervention)."""
    index = QModelIndex()
    for row in rows:
        index = tab.editor.model.index(row, 0, index)
    tab.editor.tree.scrollTo(index)
    QTest.mouseClick(tab.editor.tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     tab.editor.tree.visualRect(index).center())
    assert tab.editor.tree.currentIndex() == index


def type_into(qtbot: QtBot, tab: PlansTab, name: str, text: str) -> None:
    field = tab.findChild(QWidget, name)
    assert field is not None, name
    field.setFocus()
    qtbot.keyClicks(field, text)


# --- building by hand ---------------------------------------------------------------------------


def test_build_a_plan_by_hand_and_save_it(qtbot: QtBot, ctx: AppContext, tab: PlansTab) -> None:
    cid = add_client(ctx)
    ctx.signals.client_selected.emit(cid)
    assert tab.status_label.text().startswith("No plan yet")
    click(qtbot, tab, "planAddProblemButton")
    type_into(qtbot, tab, "nodeDescription", "Panic attacks at work")
    click(qtbot, tab, "planAddGoalButton")
    type_into(qtbot, tab, "nodeDescription", "Work without fear of panic")
    click(qtbot, tab, "planAddObjectiveButton")
    type_into(qtbot, tab, "objectiveDescription", "Rides the lift twice a week")
    date_field = tab.form.target_date
    date_field.clear()
    type_into(qtbot, tab, "objectiveTargetDate", "2026-08-15")
    tab.form.status.setCurrentIndex(tab.form.status.findData(ObjectiveStatus.IN_PROGRESS.value))
    qtbot.mouseClick(tab.form.measure_enabled, Qt.MouseButton.LeftButton,
                     pos=QPoint(8, tab.form.measure_enabled.height() // 2))
    tab.form.instrument.setCurrentIndex(tab.form.instrument.findData(Instrument.GAD7.value))
    tab.form.below.setValue(8)
    click(qtbot, tab, "planAddInterventionButton")
    type_into(qtbot, tab, "interventionDescription", "Graded exposure")
    tab.form.approach.setCurrentIndex(tab.form.approach.findData(Approach.CBT.value))
    type_into(qtbot, tab, "interventionFrequency", "weekly")
    type_into(qtbot, tab, "interventionResponsible", "Therapist")
    assert tab.has_unsaved_changes()
    tab.inner_tabs.setCurrentIndex(1)
    type_into(qtbot, tab, "planStrengths", "Motivated")
    type_into(qtbot, tab, "planDischargeCriteria", "No panic at work for a month")
    click(qtbot, tab, "planSaveButton")
    assert tab.error.message() == ""
    assert not tab.has_unsaved_changes()
    with vault_of(ctx).reader() as s:
        saved = plans.current_plan(s, cid)
    assert saved is not None and saved.version == 1 and not saved.is_signed
    (objective,) = saved.objectives()
    assert objective.key and objective.description == "Rides the lift twice a week"
    assert (objective.target_date, objective.status) == (date(2026, 8, 15), ObjectiveStatus.IN_PROGRESS)
    assert objective.measure_target == MeasureTarget(Instrument.GAD7, 8)
    assert objective.interventions[0] == PlanIntervention("Graded exposure", Approach.CBT, "weekly", "Therapist",
                                                          objective.interventions[0].key)
    assert saved.problems[0].description == "Panic attacks at work"
    assert saved.problems[0].goals[0].description == "Work without fear of panic"
    assert (saved.strengths, saved.discharge_criteria) == ("Motivated", "No panic at work for a month")
    assert saved.diagnosis_codes == ("F41.1",)  # the client's diagnoses are ticked for a new plan
    assert (saved.effective_on, saved.review_due) == (INTAKE, INTAKE + timedelta(days=90))
    assert tab.status_label.text() == "Version 1 · draft, not signed · effective 2026-06-01 · review due 2026-08-30"


def test_new_objectives_default_to_the_review_date_and_sign_needs_every_field(
        qtbot: QtBot, ctx: AppContext, tab: PlansTab) -> None:
    cid = add_client(ctx)
    ctx.signals.client_selected.emit(cid)
    click(qtbot, tab, "planAddProblemButton")
    type_into(qtbot, tab, "nodeDescription", "Low mood")
    click(qtbot, tab, "planAddGoalButton")
    type_into(qtbot, tab, "nodeDescription", "Brighter days")
    click(qtbot, tab, "planAddObjectiveButton")
    assert tab.form.target_date.text() == "2026-08-30"  # 90 days (practice default) after today
    type_into(qtbot, tab, "objectiveDescription", "Walks three times a week")
    click(qtbot, tab, "planSignButton")
    dialog = tab.sign_dialog
    assert dialog is not None and dialog.isVisible()
    click(qtbot, dialog, "signPlanButton")
    assert "discharge criteria" in dialog.error.message() and dialog.isVisible()
    with vault_of(ctx).reader() as s:
        assert plans.current_plan(s, cid) is None  # the refused signature rolled the save back too
    dialog.reject()


# --- the library, signing, review ----------------------------------------------------------------


def pick_from_library(qtbot: QtBot, tab: PlansTab, query: str, ref: str) -> str:
    click(qtbot, tab, "planLibraryButton")
    dialog = tab.library_dialog
    assert dialog is not None
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, query)
    item = dialog.item_for(ref)
    assert item is not None and not item.isHidden()
    dialog.tree.clearSelection()
    item.setSelected(True)
    click(qtbot, dialog, "planLibraryAddButton")
    message = dialog.message.text()
    dialog.accept()
    return message


def test_library_plan_edit_sign_review_keeps_the_old_version(qtbot: QtBot, ctx: AppContext, tab: PlansTab,
                                                            clock: Clock) -> None:
    cid = add_client(ctx)
    ctx.signals.client_selected.emit(cid)
    assert pick_from_library(qtbot, tab, "grief", "starter/grief/0") == "Added 1 item(s) to the plan."
    assert tab.editor.model.rowCount() == 1
    first_goal = tab.editor.problems()[0].goals[0]
    assert len(first_goal.objectives) == 4 and all(o.target_date == date(2026, 8, 30) for o in first_goal.objectives)
    # an intervention from another presentation, under the selected objective
    select_in_tree(tab, 0, 0, 1)
    message = pick_from_library(qtbot, tab, "values willingness", "starter/anxiety/1/0/3/0")
    assert message == "Added 1 item(s) to the plan."
    assert tab.editor.problems()[0].goals[0].objectives[1].interventions[-1].approach is Approach.ACT
    select_in_tree(tab, 0, 0, 0)
    tab.form.status.setCurrentIndex(tab.form.status.findData(ObjectiveStatus.IN_PROGRESS.value))
    tab.inner_tabs.setCurrentIndex(1)
    type_into(qtbot, tab, "planDischargeCriteria", "Back at work; grief no longer stops daily life")
    tab.inner_tabs.setCurrentIndex(0)
    click(qtbot, tab, "planSignButton")
    dialog = tab.sign_dialog
    assert dialog is not None
    radio = dialog.radios[ClientParticipation.DECLINED]
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))
    assert dialog.reason.isEnabled()
    click(qtbot, dialog, "signPlanButton")
    assert dialog.error.message() == "Write the reason the client declined to sign."
    qtbot.keyClicks(dialog.reason, "Prefers not to sign forms")
    click(qtbot, dialog, "signPlanButton")
    assert not dialog.isVisible()
    with vault_of(ctx).reader() as s:
        (v1,) = plans.plan_versions(s, cid)
    assert v1.is_signed and v1.participation is ClientParticipation.DECLINED
    assert v1.participation_note == "Prefers not to sign forms" and v1.signed_by == "Avery Testwood, LCSW"
    assert v1.objectives()[0].status is ObjectiveStatus.IN_PROGRESS
    # signed: read-only everywhere
    assert tab.read_only_banner.isVisible() and "signed and read-only" in tab.read_only_banner.text()
    for name in ("planAddProblemButton", "planRemoveButton", "planSaveButton", "planSignButton", "planLibraryButton"):
        assert not tab.findChild(QWidget, name).isEnabled(), name
    select_in_tree(tab, 0, 0, 0)
    assert tab.form.objective_description.isReadOnly() and not tab.form.status.isEnabled()
    assert "client declined to sign: Prefers not to sign forms" in tab.status_label.text()
    # review into version 2
    clock.now = datetime(2026, 8, 25, 9, 0)
    click(qtbot, tab, "planReviewButton")
    with vault_of(ctx).reader() as s:
        old, new = plans.plan_versions(s, cid)
    assert old == v1, "the signed version is untouched"
    assert (new.version, new.is_signed, new.effective_on) == (2, False, date(2026, 8, 25))
    assert [o.key for o in new.objectives()] == [o.key for o in v1.objectives()]
    assert tab.editable and tab.plan is not None and tab.plan.version == 2
    assert [tab.versions_combo.itemText(i) for i in range(tab.versions_combo.count())] == [
        "Version 2 (draft, current)", "Version 1 (signed 2026-06-01)"]
    # edit v2, then look back at v1: read-only and as it was
    select_in_tree(tab, 0, 0, 0)
    tab.form.status.setCurrentIndex(tab.form.status.findData(ObjectiveStatus.MET.value))
    click(qtbot, tab, "planSaveButton")
    tab.versions_combo.setCurrentIndex(1)
    tab.versions_combo.activated.emit(1)
    assert not tab.editable and "earlier version" in tab.read_only_banner.text()
    assert tab.editor.problems() == v1.problems
    with vault_of(ctx).reader() as s:
        assert plans.plan_versions(s, cid)[0] == v1
        assert plans.current_plan(s, cid).objectives()[0].status is ObjectiveStatus.MET  # type: ignore[union-attr]


def test_reorder_remove_and_linked_objectives_stay(qtbot: QtBot, ctx: AppContext, tab: PlansTab) -> None:
    cid = add_client(ctx)
    tree = (Problem("P", (Goal("G", (Objective("first", date(2026, 8, 1)), Objective("second", date(2026, 8, 1)),
                                     Objective("third", date(2026, 8, 1)))),)),)
    with vault_of(ctx).unit_of_work() as s:
        plan = plans.save_plan(s, TreatmentPlan(cid, problems=tree), datetime(2026, 6, 1, 10))
    add_note(ctx, cid, date(2026, 6, 1), (ObjectiveProgress(plan.objectives()[0].key, ProgressRating.NO_CHANGE),))
    ctx.signals.client_selected.emit(cid)
    select_in_tree(tab, 0, 0, 2)
    click(qtbot, tab, "planMoveUpButton")
    assert [o.description for o in tab.editor.problems()[0].goals[0].objectives] == ["first", "third", "second"]
    assert tab.editor.model.index(1, 0, tab.editor.model.index(0, 0, tab.editor.model.index(0, 0))).data() == \
        "Objective 1.1.2: third"
    click(qtbot, tab, "planMoveDownButton")
    click(qtbot, tab, "planRemoveButton")  # "third" (last) is not linked: removed
    assert [o.description for o in tab.editor.problems()[0].goals[0].objectives] == ["first", "second"]
    select_in_tree(tab, 0, 0, 0)
    click(qtbot, tab, "planRemoveButton")
    assert "Session notes are linked" in tab.editor.message.text()
    assert len(tab.editor.problems()[0].goals[0].objectives) == 2
    select_in_tree(tab, 0)
    click(qtbot, tab, "planRemoveButton")  # the problem holds the linked objective: refused too
    assert tab.editor.model.rowCount() == 1


# --- autosaved drafts ------------------------------------------------------------------------------


def test_unsaved_edits_are_kept_and_restored_across_a_client_switch(
        qtbot: QtBot, ctx: AppContext, tab: PlansTab) -> None:
    first, second = add_client(ctx), add_client(ctx, legal_first_name="Sam")
    ctx.signals.client_selected.emit(first)
    click(qtbot, tab, "planAddProblemButton")
    type_into(qtbot, tab, "nodeDescription", "Sleep problems")
    assert tab.has_unsaved_changes()
    ctx.signals.client_selected.emit(second)
    assert not tab.has_unsaved_changes() and tab.editor.model.rowCount() == 0
    with vault_of(ctx).reader() as s:
        kept = plans.find_plan_draft(s, first)
    assert kept is not None and kept[0].problems[0].description == "Sleep problems"
    ctx.signals.client_selected.emit(first)
    assert tab.draft_banner.isVisible() and "were restored" in tab.draft_text.text()
    assert tab.editor.problems()[0].description == "Sleep problems" and tab.has_unsaved_changes()
    click(qtbot, tab, "planDiscardDraftButton")
    assert tab.editor.model.rowCount() == 0 and not tab.draft_banner.isVisible()
    with vault_of(ctx).reader() as s:
        assert plans.find_plan_draft(s, first) is None


def test_autosave_timer_and_lock(qtbot: QtBot, ctx: AppContext, tab: PlansTab) -> None:
    cid = add_client(ctx)
    ctx.signals.client_selected.emit(cid)
    click(qtbot, tab, "planAddProblemButton")
    type_into(qtbot, tab, "nodeDescription", "Worry")
    qtbot.waitUntil(lambda: tab.autosave_label.text().startswith("Unsaved edits kept"), timeout=5000)
    click(qtbot, tab, "planAddGoalButton")
    ctx.signals.about_to_lock.emit()
    assert tab.client_id == -1 and not tab.inner_tabs.isVisible()
    with vault_of(ctx).reader() as s:
        kept = plans.find_plan_draft(s, cid)
    assert kept is not None and len(kept[0].problems[0].goals) == 1


# --- progress, attention, discharge ------------------------------------------------------------------


def add_note(ctx: AppContext, cid: int, day: date, links: tuple[ObjectiveProgress, ...], sign: bool = True) -> None:
    note = SessionNote(client_id=cid, session_date=day, start_time=time(10), stop_time=time(10, 50),
                       lines=(ServiceLine("90834"),), diagnosis_codes=("F41.1",), note_format=NoteFormat.SOAP,
                       sections=(("Subjective", "Fictional."),), interventions=("Psychoeducation",),
                       objective_progress=links)
    at = datetime.combine(day, time(18))
    with vault_of(ctx).unit_of_work() as s:
        saved = notes.save_note(s, note, at)
        if sign:
            assert saved.id is not None
            notes.sign_note(s, saved.id, at)


def add_phq9(ctx: AppContext, cid: int, day: date, total: int) -> None:
    answers = tuple(min(3, max(0, total - 3 * i)) for i in range(8)) + (0,)
    with vault_of(ctx).unit_of_work() as s:
        measures.record_measure(s, MeasureResult(Instrument.PHQ9, day, answers, client_id=cid),
                                datetime.combine(day, time(12)))


def signed_plan(ctx: AppContext, cid: int) -> TreatmentPlan:
    tree = (Problem("Low mood", (Goal("Brighter days", (
        Objective("Three valued activities a week", date(2026, 9, 1), ObjectiveStatus.MET),
        Objective("PHQ-9 below 10", date(2026, 10, 1), measure_target=MeasureTarget(Instrument.PHQ9, 10)),
    )),)),)
    with vault_of(ctx).unit_of_work() as s:
        plan = plans.save_plan(s, TreatmentPlan(cid, problems=tree, discharge_criteria="PHQ-9 < 10"),
                               datetime(2026, 6, 1, 10))
        assert plan.id is not None
        return plans.sign_plan(s, plan.id, ClientParticipation.VERBAL, datetime(2026, 6, 1, 10))


def test_progress_shows_linked_notes_and_the_target_line(qtbot: QtBot, ctx: AppContext, tab: PlansTab,
                                                          clock: Clock) -> None:
    cid = add_client(ctx)
    plan = signed_plan(ctx, cid)
    activities, phq = plan.objectives()
    for day, total, rating in ((date(2026, 6, 2), 18, ProgressRating.NO_CHANGE),
                               (date(2026, 7, 6), 13, ProgressRating.SOME_PROGRESS),
                               (date(2026, 8, 3), 8, ProgressRating.GOOD_PROGRESS)):
        add_note(ctx, cid, day, (ObjectiveProgress(phq.key, rating, f"PHQ-9 {total}"),
                                 ObjectiveProgress(activities.key, rating)), sign=day.month < 8)
        add_phq9(ctx, cid, day, total)
    clock.now = datetime(2026, 8, 20, 9, 0)
    ctx.signals.client_selected.emit(cid)
    tab.inner_tabs.setCurrentIndex(2)
    view = tab.progress
    assert view.headline.text() == "1 of 2 objectives met; PHQ-9 18 to 8; plan review due 2026-08-30"
    assert view.objectives_model.rowCount() == 2
    view.select_objective("1.1.2")
    assert view.notes_model.rowCount() == 3
    assert [view.notes_model.index(r, c).data() for r, c in ((0, 0), (0, 1), (0, 2), (2, 2))] == [
        "2026-08-03", "good progress", "draft", "signed"]
    assert view.objectives_model.index(1, 6).data() == "target reached"
    assert view.chart.target_series is not None and view.chart.score_series is not None
    assert [p.y() for p in view.chart.target_series.points()] == [10, 10]
    assert [p.y() for p in view.chart.score_series.points()] == [18, 13, 8]
    view.select_objective("1.1.1")
    assert view.chart.target_series is None and [p.y() for p in view.chart.score_series.points()] == [1, 2, 3]
    assert view.objective_title.text() == "Objective 1.1.1: Three valued activities a week"


def test_due_review_reaches_the_attention_list(ctx: AppContext, tab: PlansTab) -> None:
    cid = add_client(ctx)
    signed_plan(ctx, cid)
    with vault_of(ctx).reader() as s:
        soon = attention_items(s, date(2026, 8, 20)).get(cid, ())
        late = attention_items(s, date(2026, 9, 2)).get(cid, ())
    assert "plan review due 2026-08-30" in soon
    assert "plan review overdue since 2026-08-30" in late
    ctx.signals.client_selected.emit(cid)
    tab.ctx.clock = lambda: datetime(2026, 9, 2, 9)
    ctx.signals.client_changed.emit(cid)
    assert tab.status_label.text().endswith("review due 2026-08-30 (overdue)")


def test_discharge_summary_from_the_tab(qtbot: QtBot, ctx: AppContext, tab: PlansTab, clock: Clock) -> None:
    cid = add_client(ctx)
    plan = signed_plan(ctx, cid)
    add_note(ctx, cid, date(2026, 6, 2), (ObjectiveProgress(plan.objectives()[0].key, ProgressRating.MET),))
    add_note(ctx, cid, date(2026, 7, 6), ())
    add_phq9(ctx, cid, date(2026, 6, 2), 18)
    add_phq9(ctx, cid, date(2026, 7, 6), 6)
    clock.now = datetime(2026, 7, 10, 16, 0)
    ctx.signals.client_selected.emit(cid)
    changed: list[int] = []
    ctx.signals.client_changed.connect(changed.append)
    click(qtbot, tab, "planDischargeButton")
    dialog = tab.discharge_dialog
    assert dialog is not None and dialog.isVisible()
    facts = dialog.facts.toPlainText()
    assert "Intake: 2026-06-01. First session: 2026-06-02. Last session: 2026-07-06. Discharge: 2026-07-10." in facts
    assert "Sessions attended (signed notes): 2." in facts
    assert "Treatment plan version 1: 1 of 2 objectives met." in facts
    assert "PHQ-9: 18 (moderately severe) on 2026-06-02 to 6 (mild) on 2026-07-06, down 12 points" in facts
    assert dialog.recommendations.toPlainText().startswith("- Continue work on: PHQ-9 below 10")
    click(qtbot, dialog, "dischargeSignButton")
    assert "the reason for discharge" in dialog.error.message()
    qtbot.keyClicks(dialog.reason, "Goals met")
    dialog.recommendations.selectAll()
    qtbot.keyClicks(dialog.recommendations, "Booster session in three months.")
    qtbot.mouseClick(dialog.also_discharge, Qt.MouseButton.LeftButton, pos=QPoint(8, dialog.also_discharge.height() // 2))
    assert dialog.also_discharge.isChecked()
    click(qtbot, dialog, "dischargeSignButton")
    assert dialog.error.message() == ""
    assert dialog.reason.isReadOnly() and not dialog.sign_button.isEnabled()
    assert dialog.status.text() == "Signed by Avery Testwood, LCSW on 2026-07-10 16:00. Read-only."
    assert changed == [cid]
    with vault_of(ctx).reader() as s:
        (stored,) = discharge_summaries(s, cid)
        client = clients.get_client(s, cid)
    assert stored.is_signed and stored.recommendations == "Booster session in three months."
    assert (stored.facts.sessions_attended, stored.facts.objectives_met) == (2, 1)
    assert (client.status, client.status_since) == (ClientStatus.DISCHARGED, date(2026, 7, 10))
