"""The Session Notes tab through real widgets on a real vault: write, autosave, sign, addenda, item 9.

The fixtures here (notes_ctx, client_id, tab) are shared with the other tests/ui/test_note*.py files.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from tests.services.conftest import valid_client, valid_profile
from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import Instrument, NoteFormat, NoteStatus
from therapist_desk.domain.measures import MeasureResult
from therapist_desk.domain.session import SessionNote
from therapist_desk.paths import resolve_paths
from therapist_desk.services import clients, measures, notes
from therapist_desk.services.note_drafts import FoundDraft, note_drafts
from therapist_desk.services.practice import save_profile
from therapist_desk.services.vault_access import create_and_open
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.note_sections import CheckList
from therapist_desk.ui.notes_tab import AUTOSAVE_MS, NotesTab
from therapist_desk.ui.signals import AppSignals
from therapist_desk.ui.tasks import SyncTaskRunner

NOW = datetime(2026, 11, 20, 17, 31)
PASSWORD = "pw-for-tests"
TEXT = 'Client said "I can\'t sleep" \\ 3 nights; 50% better; plan: sleep diary.'
PRIVATE = "My reaction: zanzibarword, protective urge"


# --- shared fixtures and helpers ----------------------------------------------------------------


@pytest.fixture
def notes_ctx(tmp_path: Path) -> Iterator[AppContext]:
    vault = create_and_open(tmp_path / "v.tdvault", PASSWORD)
    with vault.unit_of_work() as s:
        save_profile(s, valid_profile(), NOW)
    context = AppContext(paths=resolve_paths(tmp_path / "data"), signals=AppSignals(),
                         tasks=SyncTaskRunner(), vault=vault, clock=lambda: NOW)
    yield context
    if context.vault is not None:
        context.vault.close()
        context.vault = None


def add_client(ctx: AppContext, **overrides: object) -> int:
    with ctx.unit_of_work() as s:
        cid = clients.create_client(s, valid_client(**overrides), NOW).id
    assert cid is not None
    return cid


@pytest.fixture
def client_id(notes_ctx: AppContext) -> int:
    return add_client(notes_ctx)


@pytest.fixture
def tab(qtbot, notes_ctx: AppContext, client_id: int) -> NotesTab:  # type: ignore[no-untyped-def]
    widget = NotesTab(notes_ctx)
    qtbot.addWidget(widget)
    widget.resize(1300, 900)
    widget.show()
    notes_ctx.signals.client_selected.emit(client_id)
    return widget


def tick(qtbot, checklist: CheckList, value: str) -> None:  # type: ignore[no-untyped-def]
    """Check an item the way a keyboard user does: make it current, press Space."""
    row = next(i for i in range(checklist.count()) if checklist.item(i).data(Qt.ItemDataRole.UserRole) == value)
    checklist.setCurrentRow(row)
    qtbot.keyClick(checklist, Qt.Key.Key_Space)


def write_note(qtbot, tab: NotesTab, *, start: str = "10:00", stop: str = "10:50",  # type: ignore[no-untyped-def]
               text: str = TEXT, intervention: bool = True) -> None:
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    editor = tab.editor
    qtbot.keyClicks(editor.start_edit, start)
    qtbot.keyClicks(editor.stop_edit, stop)
    qtbot.keyClicks(editor.sections.edits["Subjective"], text)
    if intervention:
        tick(qtbot, editor.interventions_list, "Cognitive restructuring")


def drafts(ctx: AppContext, client: int | None = None) -> list[FoundDraft]:
    with ctx.reader() as s:
        return note_drafts(s, client)


def saved_notes(ctx: AppContext, client: int) -> list[SessionNote]:
    with ctx.reader() as s:
        return [notes.get_note(s, summary.id) for summary in notes.list_notes(s, client)]


def click(qtbot, button: QWidget) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def sign(qtbot, tab: NotesTab) -> None:  # type: ignore[no-untyped-def]
    click(qtbot, tab.sign_button)
    assert tab.confirm_bar.isVisible() and "Avery Testwood, LCSW" in tab.confirm_text.text()
    click(qtbot, tab.confirm_button)


def save_note_directly(ctx: AppContext, client: int, **overrides: object) -> int:
    fields: dict[str, object] = {
        "client_id": client, "session_date": date(2026, 11, 13), "start_time": time(10, 0),
        "stop_time": time(10, 50), "lines": (ServiceLine("90834"),), "diagnosis_codes": ("F41.1",),
        "note_format": NoteFormat.DAP,
        "sections": (("Data", "Last week's data"), ("Assessment", "Improving"), ("Plan", "Weekly CBT")),
        "interventions": ("Exposure", "Mindfulness"), "risk_assessment": "Denies SI last week.",
        "homework_given": "Thought log every evening",
    }
    fields.update(overrides)
    with ctx.unit_of_work() as s:
        sid = notes.save_note(s, SessionNote(**fields), NOW).id  # type: ignore[arg-type]
    assert sid is not None
    return sid


# --- writing and autosave -----------------------------------------------------------------------


def test_typing_is_autosaved_once_typing_stops(qtbot, tab: NotesTab, notes_ctx: AppContext,  # type: ignore[no-untyped-def]
                                               client_id: int) -> None:
    write_note(qtbot, tab)
    qtbot.keyClicks(tab.editor.private_edit, PRIVATE)
    assert tab.autosave_timer.isActive() and AUTOSAVE_MS <= 3000
    assert drafts(notes_ctx) == []  # nothing written while the clinician is still typing
    assert tab.has_unsaved_changes()
    qtbot.waitUntil(lambda: bool(drafts(notes_ctx)), timeout=AUTOSAVE_MS + 3000)
    (found,) = drafts(notes_ctx, client_id)
    assert found.draft.key == f"note:{client_id}:new"
    assert dict(found.draft.sections)["Subjective"] == TEXT
    assert found.draft.psychotherapy_text == PRIVATE
    assert (found.draft.start_text, found.draft.stop_text) == ("10:00", "10:50")
    assert found.draft.interventions == ("Cognitive restructuring",)
    assert found.saved_at == NOW
    assert "Draft autosaved at 17:31" in tab.autosave_label.text()


def test_save_draft_writes_the_note_and_clears_the_autosave(qtbot, tab: NotesTab,  # type: ignore[no-untyped-def]
                                                            notes_ctx: AppContext, client_id: int) -> None:
    write_note(qtbot, tab)
    qtbot.keyClicks(tab.editor.private_edit, PRIVATE)
    tab.flush_drafts()
    assert drafts(notes_ctx)
    click(qtbot, tab.save_button)
    assert drafts(notes_ctx) == [] and not tab.has_unsaved_changes()
    (note,) = saved_notes(notes_ctx, client_id)
    assert note.section("Subjective") == TEXT and note.minutes == 50
    assert note.lines == (ServiceLine("90834"),) and note.status is NoteStatus.DRAFT
    assert tab.model.rowCount() == 1 and tab.model.summary(0).cpt_summary == "90834"
    qtbot.keyClicks(tab.editor.sections.edits["Objective"], "Calm affect.")  # edits go on under its id
    tab.flush_drafts()
    assert [f.draft.key for f in drafts(notes_ctx)] == [f"note:{client_id}:{note.id}"]


def test_switching_client_flushes_and_coming_back_offers_the_text(qtbot, tab: NotesTab,  # type: ignore[no-untyped-def]
                                                                  notes_ctx: AppContext, client_id: int) -> None:
    other = add_client(notes_ctx, legal_first_name="Sam")
    write_note(qtbot, tab)
    notes_ctx.signals.client_selected.emit(other)  # no waiting for the timer
    assert [dict(f.draft.sections)["Subjective"] for f in drafts(notes_ctx, client_id)] == [TEXT]
    assert tab.editor.sections.edits["Subjective"].toPlainText() == ""
    notes_ctx.signals.client_selected.emit(client_id)
    assert tab.banner.isVisible()
    assert "Unsaved text from 2026-11-20 17:31 was recovered" in tab.banner_text.text()
    click(qtbot, tab.restore_button)
    assert tab.editor.sections.edits["Subjective"].toPlainText() == TEXT
    assert tab.editor.start_edit.text() == "10:00" and not tab.banner.isVisible()


def test_discard_drops_the_recovered_text(qtbot, tab: NotesTab, notes_ctx: AppContext,  # type: ignore[no-untyped-def]
                                          client_id: int) -> None:
    write_note(qtbot, tab)
    notes_ctx.signals.client_selected.emit(-1)
    notes_ctx.signals.client_selected.emit(client_id)
    click(qtbot, tab.discard_button)
    assert drafts(notes_ctx) == [] and not tab.banner.isVisible()


def test_lock_flushes_the_draft_then_forgets_everything(qtbot, tab: NotesTab,  # type: ignore[no-untyped-def]
                                                        notes_ctx: AppContext, client_id: int) -> None:
    write_note(qtbot, tab)
    qtbot.keyClicks(tab.editor.private_edit, PRIVATE)
    notes_ctx.signals.about_to_lock.emit()
    (found,) = drafts(notes_ctx, client_id)
    assert dict(found.draft.sections)["Subjective"] == TEXT and found.draft.psychotherapy_text == PRIVATE
    assert tab.client_id == -1 and tab.model.rowCount() == 0 and not tab.has_unsaved_changes()
    assert tab.editor.sections.edits["Subjective"].toPlainText() == ""
    assert tab.editor.private_edit.toPlainText() == ""
    assert tab.client_label.text() == "No client selected."


# --- signing and addenda ------------------------------------------------------------------------


def test_signing_refused_names_and_outlines_every_missing_field(qtbot, tab: NotesTab,  # type: ignore[no-untyped-def]
                                                                notes_ctx: AppContext, client_id: int) -> None:
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(tab.editor.sections.edits["Subjective"], "Brief check-in.")
    sign(qtbot, tab)
    assert tab.refusal.isVisible()
    listed = tab.refusal_list.text()
    for needed in ("start time", "stop time", "CPT code", "at least one intervention"):
        assert needed in listed
    assert "diagnosis" not in listed  # every client diagnosis is ticked by default
    editor = tab.editor
    for field in (editor.start_edit, editor.stop_edit, editor.interventions_list):
        assert field.property("missing") is True
    (note,) = saved_notes(notes_ctx, client_id)
    assert note.status is NoteStatus.DRAFT  # saved, not signed
    qtbot.keyClicks(editor.start_edit, "9:00")
    qtbot.keyClicks(editor.stop_edit, "9:30")
    tab.flush_drafts()  # the list shrinks as the fields are filled
    assert tab.refusal_list.text() == "• at least one intervention"
    assert editor.start_edit.property("missing") is False
    tick(qtbot, editor.interventions_list, "Psychoeducation")
    sign(qtbot, tab)
    (note,) = saved_notes(notes_ctx, client_id)
    assert note.is_signed and note.lines == (ServiceLine("90832"),)


def test_sign_then_addendum_keeps_the_original(qtbot, tab: NotesTab, notes_ctx: AppContext,  # type: ignore[no-untyped-def]
                                               client_id: int) -> None:
    write_note(qtbot, tab)
    sign(qtbot, tab)
    editor = tab.editor
    assert editor.signature_label.text() == "Signed by Avery Testwood, LCSW on 2026-11-20 17:31"
    assert editor.sections.edits["Subjective"].isReadOnly() and not editor.service_combo.isEnabled()
    assert not tab.sign_button.isVisible() and tab.addendum_button.isVisible()
    (before,) = saved_notes(notes_ctx, client_id)
    click(qtbot, tab.addendum_button)
    dialog = tab.addendum_dialog
    assert dialog is not None and dialog.isVisible()
    click(qtbot, dialog.ok_button)  # empty text is refused in the dialog
    assert dialog.isVisible() and dialog.error.message()
    qtbot.keyClicks(dialog.text_edit, "Client called: slept 6 hours.")
    qtbot.keyClicks(dialog.reason_edit, "Late entry")
    click(qtbot, dialog.ok_button)
    (after,) = saved_notes(notes_ctx, client_id)
    assert replace(after, addenda=(), updated_at=None) == replace(before, addenda=(), updated_at=None)
    (addendum,) = after.addenda
    assert (addendum.text, addendum.reason, addendum.signed_by) == (
        "Client called: slept 6 hours.", "Late entry", "Avery Testwood, LCSW")
    label = tab.editor.addenda.findChild(QWidget, "addendum0Label")
    assert label is not None and "Late entry" in label.text() and "slept 6 hours" in label.text()
    assert tab.editor.sections.edits["Subjective"].toPlainText() == TEXT


def test_item9_alert_blocks_signing_until_a_risk_assessment(qtbot, tab: NotesTab,  # type: ignore[no-untyped-def]
                                                            notes_ctx: AppContext, client_id: int) -> None:
    write_note(qtbot, tab)
    click(qtbot, tab.save_button)
    sid = tab.editor.session_id()
    assert sid is not None and not tab.editor.item9_banner.isVisible()
    phq9 = MeasureResult(Instrument.PHQ9, date(2026, 11, 20), (1, 1, 1, 1, 1, 1, 1, 1, 1),
                         client_id=client_id, session_id=sid)
    with notes_ctx.unit_of_work() as s:
        measures.record_measure(s, phq9, NOW)
    notes_ctx.signals.client_changed.emit(client_id)  # what the measure form sends after saving
    banner = tab.editor.item9_banner
    assert banner.isVisible() and "item 9" in banner.text.text()
    assert not banner.dismiss_button.isEnabled()
    assert "96127" in tab.editor.codes.proposal_label.text()
    sign(qtbot, tab)
    assert "risk assessment (PHQ-9 item 9 was answered above 0)" in tab.refusal_list.text()
    assert tab.editor.risk_edit.property("missing") is True
    assert not saved_notes(notes_ctx, client_id)[0].is_signed
    click(qtbot, banner.risk_button)
    qtbot.keyClicks(tab.editor.risk_edit, "Passive SI, no plan or intent; safety plan reviewed.")
    assert banner.dismiss_button.isEnabled() and banner.isVisible()
    sign(qtbot, tab)
    (note,) = saved_notes(notes_ctx, client_id)
    assert note.is_signed and note.cpt_summary == "90834, 96127"
    click(qtbot, banner.dismiss_button)
    assert not banner.isVisible()


# --- private notes, last note, homework -----------------------------------------------------------


def test_psychotherapy_note_stays_out_of_the_record(qtbot, tab: NotesTab, notes_ctx: AppContext,  # type: ignore[no-untyped-def]
                                                    client_id: int, tmp_path: Path) -> None:
    write_note(qtbot, tab)
    qtbot.keyClicks(tab.editor.private_edit, PRIVATE)
    sign(qtbot, tab)
    (note,) = saved_notes(notes_ctx, client_id)
    with notes_ctx.reader() as s:
        assert notes.get_psychotherapy_note(s, note.id) == PRIVATE  # type: ignore[arg-type]
        assert notes.search_notes(s, "zanzibarword") == []
        assert notes.search_notes(s, "sleep diary")
    assert "zanzibarword" not in note.body_text()
    assert tab.editor.private_edit.toPlainText() == PRIVATE and not tab.editor.private_edit.isReadOnly()
    export_data = pytest.importorskip("therapist_desk.services.export_data")
    assert notes_ctx.vault is not None
    export_data.export_record(notes_ctx.vault, tmp_path / "export", NOW)
    for path in (tmp_path / "export").rglob("*"):
        assert not path.is_file() or b"zanzibarword" not in path.read_bytes(), path.name


def test_start_from_the_last_note_copies_the_body_not_the_session(qtbot, tab: NotesTab,  # type: ignore[no-untyped-def]
                                                                  notes_ctx: AppContext, client_id: int) -> None:
    last = save_note_directly(notes_ctx, client_id)
    with notes_ctx.unit_of_work() as s:
        notes.sign_note(s, last, NOW)
    notes_ctx.signals.client_changed.emit(client_id)
    click(qtbot, tab.new_button)
    editor = tab.editor
    assert editor.format_combo.currentData() == "soap"  # the practice default
    qtbot.keyClicks(editor.start_edit, "11:00")
    click(qtbot, editor.start_from_last)
    state = editor.state()
    assert state.note_format == "dap"
    assert dict(state.sections) == {"Data": "Last week's data", "Assessment": "Improving", "Plan": "Weekly CBT"}
    assert state.interventions == ("Exposure", "Mindfulness")
    assert state.start_text == "11:00" and state.stop_text == "" and state.risk_assessment == ""
    assert state.session_id is None and state.session_date == "2026-11-20"
    assert editor.signature_label.text() == ""
    assert tab.has_unsaved_changes()


def test_homework_of_the_last_note_is_reviewed_in_the_next(qtbot, tab: NotesTab,  # type: ignore[no-untyped-def]
                                                           notes_ctx: AppContext, client_id: int) -> None:
    save_note_directly(notes_ctx, client_id)
    notes_ctx.signals.client_changed.emit(client_id)
    write_note(qtbot, tab)
    label = tab.editor.previous_homework.text()
    assert "2026-11-13" in label and "Thought log every evening" in label
    qtbot.keyClicks(tab.editor.review_edit, "Did it 4 of 7 evenings.")
    qtbot.keyClicks(tab.editor.homework_edit, "Sleep diary")
    click(qtbot, tab.save_button)
    newest = saved_notes(notes_ctx, client_id)[0]
    assert (newest.homework_review, newest.homework_given) == ("Did it 4 of 7 evenings.", "Sleep diary")


def test_opening_a_session_from_the_list(qtbot, tab: NotesTab, notes_ctx: AppContext,  # type: ignore[no-untyped-def]
                                         client_id: int) -> None:
    sid = save_note_directly(notes_ctx, client_id)
    notes_ctx.signals.client_changed.emit(client_id)
    assert tab.model.rowCount() == 1
    rect = tab.table.visualRect(tab.model.index(0, 0))
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert tab.editor.session_id() == sid
    assert tab.editor.sections.edits["Data"].toPlainText() == "Last week's data"
    assert not tab.has_unsaved_changes() and tab.delete_button.isVisible()


def test_continuous_typing_still_autosaves(qtbot, tab: NotesTab, notes_ctx: AppContext,  # type: ignore[no-untyped-def]
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a pause the debounce never fires; the maximum wait writes the draft anyway."""
    monkeypatch.setattr("therapist_desk.ui.notes_tab.AUTOSAVE_MAX_WAIT_MS", 0)
    click(qtbot, tab.new_button)
    qtbot.keyClicks(tab.editor.sections.edits["Subjective"], "abc")
    (found,) = drafts(notes_ctx)
    assert dict(found.draft.sections)["Subjective"] == "abc"


def test_a_search_hit_opens_its_note(qtbot, tab: NotesTab, notes_ctx: AppContext,  # type: ignore[no-untyped-def]
                                     client_id: int) -> None:
    other = add_client(notes_ctx, legal_first_name="Sam")
    sid = save_note_directly(notes_ctx, other)
    tab.search.open_note.emit(sid, other)  # what opening a hit in the search panel sends
    assert tab.client_id == other and tab.editor.session_id() == sid
    assert tab.editor.sections.edits["Data"].toPlainText() == "Last week's data"
    assert "Sam Fictionalson" in tab.client_label.text()


def test_recording_a_measure_saves_a_new_note_first(qtbot, tab: NotesTab,  # type: ignore[no-untyped-def]
                                                    notes_ctx: AppContext, client_id: int) -> None:
    write_note(qtbot, tab)
    click(qtbot, tab.measure_button)
    (note,) = saved_notes(notes_ctx, client_id)
    dialog = tab.measure_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.session_combo.currentData() == note.id
    dialog.reject()
    assert tab.measure_dialog is None


def test_a_new_note_cannot_overwrite_an_unrestored_draft(qtbot, tab: NotesTab,  # type: ignore[no-untyped-def]
                                                         notes_ctx: AppContext, client_id: int) -> None:
    write_note(qtbot, tab)
    notes_ctx.signals.client_selected.emit(-1)
    notes_ctx.signals.client_selected.emit(client_id)
    click(qtbot, tab.new_button)  # the same key ("new") as the draft on offer
    assert tab.banner.isVisible() and not tab.editor.isEnabled()
    click(qtbot, tab.restore_button)
    assert tab.editor.isEnabled()
    assert tab.editor.sections.edits["Subjective"].toPlainText() == TEXT


def test_locking_closes_an_open_addendum_dialog(qtbot, tab: NotesTab, notes_ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    write_note(qtbot, tab)
    sign(qtbot, tab)
    click(qtbot, tab.addendum_button)
    dialog = tab.addendum_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.text_edit, "half-typed")
    notes_ctx.signals.about_to_lock.emit()
    assert not dialog.isVisible() and tab.addendum_dialog is None
