"""The plan library dialog through its widgets: browse, search, pick into the plan, my own items."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.services.conftest import valid_client, valid_profile
from therapist_desk.domain.plan import Goal, Objective, PlanIntervention, Problem
from therapist_desk.paths import AppPaths
from therapist_desk.services import clients
from therapist_desk.services.plan_library import MY_LIBRARY, load_library
from therapist_desk.services.practice import save_profile
from therapist_desk.services.vault_access import create_and_open
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.plan_library_dialog import PlanLibraryDialog
from therapist_desk.ui.plans_tab import PlansTab
from therapist_desk.ui.signals import AppSignals
from therapist_desk.ui.tasks import SyncTaskRunner

pytestmark = pytest.mark.gui
NOW = datetime(2026, 6, 1, 10, 0)


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    vault = create_and_open(tmp_path / "v.tdvault", "pw-for-tests")
    with vault.unit_of_work() as s:
        save_profile(s, valid_profile(), NOW)
    yield AppContext(AppPaths(tmp_path, tmp_path, tmp_path), AppSignals(), SyncTaskRunner(), vault, clock=lambda: NOW)
    vault.close()


@pytest.fixture
def tab(qtbot: QtBot, ctx: AppContext) -> PlansTab:
    with ctx.unit_of_work() as s:
        cid = clients.create_client(s, valid_client(intake_date=date(2026, 6, 1)), NOW).id
    widget = PlansTab(ctx)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    assert cid is not None
    ctx.signals.client_selected.emit(cid)
    return widget


def open_library(qtbot: QtBot, tab: PlansTab) -> PlanLibraryDialog:
    qtbot.mouseClick(tab.library_button, Qt.MouseButton.LeftButton)
    assert tab.library_dialog is not None and tab.library_dialog.isVisible()
    return tab.library_dialog


def visible_refs(dialog: PlanLibraryDialog) -> list[str]:
    return [n.ref for i in dialog.items() if not i.isHidden() and (n := i.data(0, Qt.ItemDataRole.UserRole + 1))]


def select(dialog: PlanLibraryDialog, *refs: str) -> None:
    dialog.tree.clearSelection()
    for ref in refs:
        item = dialog.item_for(ref)
        assert item is not None
        item.setSelected(True)


def test_browse_shows_every_presentation_and_search_filters_in_context(qtbot: QtBot, tab: PlansTab) -> None:
    dialog = open_library(qtbot, tab)
    tops = [dialog.tree.topLevelItem(i).text(0) for i in range(dialog.tree.topLevelItemCount())]
    assert tops == ["Depression", "Anxiety", "Trauma", "Grief", "Couples conflict", "Adjustment", MY_LIBRARY]
    qtbot.keyClicks(dialog.search, "nightmare rescripting")
    refs = visible_refs(dialog)
    # the matching objective, its intervention, and the path above it; nothing else
    assert refs == ["starter/trauma/0", "starter/trauma/0/1", "starter/trauma/0/1/3", "starter/trauma/0/1/3/0"]
    assert dialog.tree.topLevelItem(0).isHidden() and not dialog.tree.topLevelItem(2).isHidden()
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, "zzz-nothing")
    assert visible_refs(dialog) == [] and dialog.message.text() == "No items match."


def test_picks_inside_a_picked_problem_are_not_added_twice(qtbot: QtBot, tab: PlansTab) -> None:
    dialog = open_library(qtbot, tab)
    select(dialog, "starter/adjustment/0", "starter/adjustment/0/0/1")
    assert [p.ref for p in dialog.picks()] == ["starter/adjustment/0"]
    assert "Problem:" in dialog.preview.toPlainText() and "Structured problem-solving" in dialog.preview.toPlainText()
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == "Added 1 item(s) to the plan."
    (problem,) = tab.editor.problems()
    assert len(problem.goals[0].objectives) == 5
    assert all(o.key == "" and o.target_date == date(2026, 8, 30) for o in problem.goals[0].objectives)


def test_single_items_need_a_place_in_the_plan(qtbot: QtBot, tab: PlansTab) -> None:
    dialog = open_library(qtbot, tab)
    select(dialog, "starter/depression/0/0/2")  # an objective, and the plan has no goal yet
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == "Select a goal in the plan first, then add again."
    assert tab.editor.model.rowCount() == 0
    select(dialog, "starter/couples/0")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    select(dialog, "starter/depression/0/0/2")  # the only goal-less choice now: the couple's goals
    index = tab.editor.model.index(0, 0, tab.editor.model.index(1, 0, tab.editor.model.index(0, 0)))
    QTest.mouseClick(tab.editor.tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     tab.editor.tree.visualRect(index).center())  # an objective of goal 1.2
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    goal = tab.editor.problems()[0].goals[1]
    assert goal.objectives[-1].description.startswith("Client names at least two recurring self-critical")
    assert tab.editor.current_node() is not None
    assert tab.editor.current_node().value.description == goal.objectives[-1].description  # type: ignore[union-attr]


def test_double_click_adds(qtbot: QtBot, tab: PlansTab) -> None:
    dialog = open_library(qtbot, tab)
    item = dialog.item_for("starter/grief/0")
    assert item is not None
    dialog.tree.scrollToItem(item)
    rect = dialog.tree.visualItemRect(item)
    # QTest's double click starts with the second press, so the first click comes first (as by hand).
    QTest.mouseClick(dialog.tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
    QTest.mouseDClick(dialog.tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
    assert tab.editor.problems()[0].description.startswith("Intense, lasting grief")


def test_save_to_my_library_then_reuse_and_delete(qtbot: QtBot, ctx: AppContext, tab: PlansTab) -> None:
    qtbot.mouseClick(tab.editor.buttons["planAddProblemButton"], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(tab.form.description, "Gambling urges")
    qtbot.mouseClick(tab.editor.buttons["planAddGoalButton"], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(tab.form.description, "Stays within a weekly budget")
    qtbot.mouseClick(tab.editor.buttons["planAddObjectiveButton"], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(tab.form.objective_description, "Blocks betting sites on all devices")
    qtbot.mouseClick(tab.editor.buttons["planAddInterventionButton"], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(tab.form.intervention_description, "Stimulus control plan")
    tab.editor.select_path([0])
    save = tab.findChild(QWidget, "planSaveToLibraryButton")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert tab.editor.message.text() == "Saved to your library: Gambling urges"
    with ctx.reader() as s:
        (mine,) = load_library(s)[-1].roots
    assert mine.node == Problem("Gambling urges", (Goal("Stays within a weekly budget", (
        Objective("Blocks betting sites on all devices", interventions=(PlanIntervention("Stimulus control plan"),)),)),))
    dialog = open_library(qtbot, tab)
    qtbot.keyClicks(dialog.search, "betting")
    assert visible_refs(dialog)[:3] == [mine.ref, f"{mine.ref}/0", f"{mine.ref}/0/0"]
    select(dialog, mine.ref)
    assert dialog.delete_button.isEnabled()
    select(dialog, f"{mine.ref}/0")
    assert not dialog.delete_button.isEnabled()  # only whole items of my own are deleted
    select(dialog, mine.ref)
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == "Deleted from your library."
    assert dialog.item_for(mine.ref) is None
    with ctx.reader() as s:
        assert load_library(s)[-1].roots == ()


def test_read_only_versions_cannot_take_library_items(qtbot: QtBot, ctx: AppContext, tab: PlansTab) -> None:
    dialog = open_library(qtbot, tab)
    select(dialog, "starter/anxiety/0")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    dialog.accept()
    tab.editor.set_read_only(True)
    assert tab.editor.insert_nodes([Problem("x")]) == (0, "This version is read-only.")
    assert QModelIndex().isValid() is False
