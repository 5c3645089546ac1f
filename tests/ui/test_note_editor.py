"""The note editor's live code proposal, overrides and warnings, formats and times, through widgets.

Full band coverage lives in tests/domain/test_cpt.py; here the representative boundaries are
typed into the editor and read back from what it shows.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.ui import test_notes_tab as shared
from therapist_desk.domain.enums import ServiceType
from therapist_desk.services.note_drafts import DraftLine
from therapist_desk.ui.note_editor import NoteEditor
from therapist_desk.ui.notes_tab import NotesTab

notes_ctx, client_id, tab = shared.notes_ctx, shared.client_id, shared.tab  # the shared fixtures

pytestmark = pytest.mark.usefixtures("client_id")


def _open_new(qtbot, tab: NotesTab, service: ServiceType = ServiceType.INDIVIDUAL) -> NoteEditor:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    editor = tab.editor
    editor.service_combo.setCurrentIndex(editor.service_combo.findData(service.value))
    return editor


def _times(qtbot, editor: NoteEditor, start: str, stop: str) -> None:  # type: ignore[no-untyped-def]
    for edit, text in ((editor.start_edit, start), (editor.stop_edit, stop)):
        edit.selectAll()
        qtbot.keyClick(edit, Qt.Key.Key_Backspace)
        qtbot.keyClicks(edit, text)


def _codes(editor: NoteEditor) -> list[tuple[str, int]]:
    return [(line.cpt, line.units) for line in editor.codes.lines_editor.lines()]


@pytest.mark.parametrize(("service", "stop", "codes", "warning"), [
    (ServiceType.INDIVIDUAL, "10:15", [], "Under 16 minutes"),
    (ServiceType.INDIVIDUAL, "10:16", [("90832", 1)], ""),
    (ServiceType.INDIVIDUAL, "10:37", [("90832", 1)], ""),
    (ServiceType.INDIVIDUAL, "10:38", [("90834", 1)], ""),
    (ServiceType.INDIVIDUAL, "10:52", [("90834", 1)], ""),
    (ServiceType.INDIVIDUAL, "10:53", [("90837", 1)], ""),
    (ServiceType.FAMILY_WITH_CLIENT, "10:25", [], "under 26 minutes is not billable"),
    (ServiceType.FAMILY_WITH_CLIENT, "10:26", [("90847", 1)], ""),
    (ServiceType.FAMILY_WITHOUT_CLIENT, "10:26", [("90846", 1)], ""),
    (ServiceType.CRISIS, "10:29", [("90832", 1)], "billed as 90832"),
    (ServiceType.CRISIS, "11:14", [("90839", 1)], ""),
    (ServiceType.CRISIS, "11:15", [("90839", 1), ("90840", 1)], ""),
    (ServiceType.CRISIS, "11:45", [("90839", 1), ("90840", 2)], ""),
])
def test_proposal_at_the_band_boundaries(qtbot, tab: NotesTab, service: ServiceType, stop: str,  # type: ignore[no-untyped-def]
                                         codes: list[tuple[str, int]], warning: str) -> None:
    editor = _open_new(qtbot, tab, service)
    _times(qtbot, editor, "10:00", stop)
    assert _codes(editor) == codes
    shown = editor.codes.proposal_label.text()
    assert shown.startswith("Proposed: ")
    for code, _ in codes:
        assert code in shown
    if warning:
        assert warning in editor.codes.warnings_label.text() and editor.codes.warnings_label.isVisible()
    else:
        assert not editor.codes.warnings_label.isVisible()
    minutes = editor.minutes()
    assert editor.minutes_label.text() == f"= {minutes} minutes"


def test_untimed_services_and_missing_times(qtbot, tab: NotesTab) -> None:  # type: ignore[no-untyped-def]
    editor = _open_new(qtbot, tab)
    assert _codes(editor) == [] and "Enter the start and stop times" in editor.codes.proposal_label.text()
    editor.service_combo.setCurrentIndex(editor.service_combo.findData(ServiceType.INTAKE.value))
    assert _codes(editor) == [("90791", 1)]
    editor.service_combo.setCurrentIndex(editor.service_combo.findData(ServiceType.GROUP.value))
    assert _codes(editor) == [("90853", 1)]


@pytest.mark.parametrize(("modality", "location", "modifiers", "pos"), [
    ("in_person", "office", "", "11"), ("in_person", "school", "", "03"), ("video", "home", "95", "10"),
    ("video", "office", "95", "02"), ("audio_only", "home", "93", "10"),
])
def test_modality_and_location_give_modifiers_and_place_of_service(  # type: ignore[no-untyped-def]
        qtbot, tab: NotesTab, modality: str, location: str, modifiers: str, pos: str) -> None:
    editor = _open_new(qtbot, tab)
    _times(qtbot, editor, "10:00", "10:50")
    editor.modality_combo.setCurrentIndex(editor.modality_combo.findData(modality))
    editor.location_combo.setCurrentIndex(editor.location_combo.findData(location))
    assert editor.codes.lines_editor.lines() == (DraftLine("90834", 1, modifiers),)
    assert editor.codes.pos_combo.currentData() == pos
    assert editor.platform_edit.isEnabled() == (modality != "in_person")


def test_an_override_that_contradicts_the_minutes_keeps_its_warning(qtbot, tab: NotesTab) -> None:  # type: ignore[no-untyped-def]
    editor = _open_new(qtbot, tab)
    _times(qtbot, editor, "10:00", "10:50")
    code = editor.codes.lines_editor.findChild(type(editor.service_combo), "codeLine0Code")
    code.setFocus()
    code.setCurrentIndex(code.findData("90837"))  # what choosing from the list does
    assert "90837 needs 53 minutes or more; the session lasted 50" in editor.codes.warnings_label.text()
    assert editor.codes.codes_overridden and editor.codes.use_proposal.isEnabled()
    qtbot.keyClicks(editor.sections.edits["Subjective"], "More typing elsewhere.")
    _times(qtbot, editor, "10:00", "10:45")  # the times change; the chosen code stays, and so does the warning
    assert _codes(editor) == [("90837", 1)]
    assert "the session lasted 45" in editor.codes.warnings_label.text()
    assert editor.codes.warnings_label.isVisible()
    qtbot.mouseClick(editor.codes.use_proposal, Qt.MouseButton.LeftButton)
    assert _codes(editor) == [("90834", 1)] and not editor.codes.warnings_label.isVisible()
    assert tab.editor.state().codes_overridden is False


def test_bad_modifiers_and_added_lines_are_flagged(qtbot, tab: NotesTab) -> None:  # type: ignore[no-untyped-def]
    editor = _open_new(qtbot, tab)
    _times(qtbot, editor, "10:00", "10:50")
    qtbot.mouseClick(editor.codes.lines_editor.add_button, Qt.MouseButton.LeftButton)
    second = editor.codes.lines_editor.findChild(type(editor.service_combo), "codeLine1Code")
    second.setCurrentIndex(second.findData("90832"))
    assert "Only one of 90832, 90834 and 90837" in editor.codes.warnings_label.text()
    mods = editor.codes.lines_editor.findChild(type(editor.participants_edit), "codeLine0Modifiers")
    qtbot.keyClicks(mods, "9")
    assert "Line 1: Modifiers" in editor.codes.warnings_label.text()


def test_interactive_complexity_adds_90785_or_explains_why_not(qtbot, tab: NotesTab) -> None:  # type: ignore[no-untyped-def]
    editor = _open_new(qtbot, tab)
    _times(qtbot, editor, "10:00", "10:50")
    assert not editor.codes.factor_combo.isEnabled()
    qtbot.mouseClick(editor.codes.complexity_check, Qt.MouseButton.LeftButton)
    assert _codes(editor) == [("90834", 1), ("90785", 1)]
    assert editor.codes.factor_combo.isEnabled()
    assert "the note must say which factor applied" in editor.codes.warnings_label.text()
    editor.codes.factor_combo.setCurrentIndex(1)
    assert editor.state().interactive_complexity_factor == editor.codes.factor_combo.itemData(1)
    editor.service_combo.setCurrentIndex(editor.service_combo.findData(ServiceType.CRISIS.value))
    assert _codes(editor) == [("90839", 1)]
    assert "cannot be billed with 90839" in editor.codes.warnings_label.text()


def test_scored_instruments_add_96127_units(qtbot, tab: NotesTab) -> None:  # type: ignore[no-untyped-def]
    editor = _open_new(qtbot, tab)
    _times(qtbot, editor, "10:00", "10:50")
    editor.set_instruments_scored(2)
    assert _codes(editor) == [("90834", 1), ("96127", 2)]
    assert "96127 ×2" in editor.codes.proposal_label.text()


def test_switching_format_never_drops_text(qtbot, tab: NotesTab) -> None:  # type: ignore[no-untyped-def]
    editor = _open_new(qtbot, tab)
    qtbot.keyClicks(editor.sections.edits["Subjective"], "subjective words")
    qtbot.keyClicks(editor.sections.edits["Plan"], "plan words")
    editor.format_combo.setCurrentIndex(editor.format_combo.findData("dap"))
    assert set(editor.sections.edits) == {"Data", "Assessment", "Plan"}
    assert editor.sections.edits["Plan"].toPlainText() == "plan words"
    assert editor.sections.edits["Data"].toPlainText() == "Subjective:\nsubjective words"
    editor.format_combo.setCurrentIndex(editor.format_combo.findData("free"))
    assert "subjective words" in editor.sections.edits["Note"].toPlainText()
    assert "plan words" in editor.sections.edits["Note"].toPlainText()
    assert editor.sections.plan_edit.isVisible()


def test_times_are_checked_as_typed(qtbot, tab: NotesTab) -> None:  # type: ignore[no-untyped-def]
    editor = _open_new(qtbot, tab)
    _times(qtbot, editor, "10:00", "9:30")
    assert "stop time must be after the start time" in editor.time_error.message()
    _times(qtbot, editor, "10:00", "25:00")
    assert "Stop time" in editor.time_error.message() and editor.minutes() is None
    _times(qtbot, editor, "2:00 pm", "2:53 pm")
    assert editor.time_error.message() == "" and editor.minutes() == 53
    assert editor.state().start_text == "2:00 pm"  # kept exactly as typed
