"""The Session Notes tab: the client's sessions, the note editor, autosave and recovery, signing.

Never lose a word: every edit restarts a short timer; when typing stops, the editor's whole state
goes to the drafts table in its own short transaction (and at once on switching client or note,
locking and quitting: ``flush_drafts``). A draft found later is offered back exactly as typed.

objectNames: sessionNotesTab, notesClientLabel, draftRecoveryBanner, draftRecoveryText,
restoreDraftButton, discardDraftButton, notesSplitter, notesSideTabs, newNoteButton, sessionTable,
notesEmptyState, signRefusalPanel, signRefusalTitle, signRefusalList, saveError, signConfirmBar,
signConfirmText, confirmSignButton, cancelSignButton, saveDraftButton, signButton,
recordMeasureButton, addAddendumButton, deleteDraftButton, autosaveStatus (+ note_editor's).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date

from PySide6.QtCore import QElapsedTimer, QModelIndex, Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.errors import ValidationError, ValidationErrors
from therapist_desk.services import note_drafts as nd
from therapist_desk.services import notes, practice
from therapist_desk.services.common import ActionRefused
from therapist_desk.services.vault_access import RecordNotFound, VaultError
from therapist_desk.ui.addendum_dialog import AddendumDialog
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.measure_chart import MeasureChartWidget
from therapist_desk.ui.measure_form import MeasureDialog
from therapist_desk.ui.note_editor import NoteEditor
from therapist_desk.ui.note_search import NoteSearchPanel
from therapist_desk.ui.session_list_model import SessionIdRole, SessionListModel
from therapist_desk.ui.widgets import ErrorLabel, hint_label

log = logging.getLogger(__name__)
AUTOSAVE_MS = 2500  # typing has stopped for this long: write the draft
AUTOSAVE_MAX_WAIT_MS = 20_000  # someone typing without a pause still gets a draft this often
EXPECTED = (ValidationError, ValidationErrors, ActionRefused, VaultError, RecordNotFound)
STYLE = ("#draftRecoveryBanner { background: #fff4c2; border: 1px solid #d4a000; border-radius: 4px; }"
         "#signRefusalPanel { background: #fdecea; border: 2px solid #b3261e; border-radius: 4px; }"
         "#signRefusalTitle { font-weight: bold; color: #b3261e; }"
         "#signConfirmBar { background: #e8f0fe; border: 1px solid #4a6fa5; border-radius: 4px; }")


def _message(error: BaseException) -> str:
    if isinstance(error, ActionRefused):
        return error.summary + (": " + "; ".join(error.reasons) if error.reasons else ".")
    return str(error)


def _button(name: str, text: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(text.replace("&", "").rstrip("…"))
    return button


def _bar(name: str, label_name: str, *buttons: QPushButton) -> tuple[QFrame, QLabel]:
    """A hidden, word-wrapped message strip with its buttons on the right."""
    frame, label = QFrame(), QLabel()
    frame.setObjectName(name)
    label.setObjectName(label_name)
    label.setWordWrap(True)
    row = QHBoxLayout(frame)
    row.addWidget(label, 1)
    for button in buttons:
        row.addWidget(button)
    frame.hide()
    return frame, label


class NotesTab(QWidget):
    """One client's session notes. Follows ``ctx.signals.client_selected``."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("sessionNotesTab")
        self.setAccessibleName(self.tr("Session Notes"))
        self.setStyleSheet(STYLE)
        self.client_id = -1
        self.context: nd.ClientNotes | None = None
        self._note = None  # the saved SessionNote shown (None: a new note)
        self._dirty = self._pending = False  # edited since saved / since the last autosave
        self._offered: nd.FoundDraft | None = None
        self._refusal: tuple[str, ...] = ()
        self.addendum_dialog: AddendumDialog | None = None
        self.measure_dialog: MeasureDialog | None = None
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setSingleShot(True)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.on_autosave_timer_timeout)
        self._pending_since = QElapsedTimer()
        self._build()
        ctx.signals.client_selected.connect(self.on_signals_client_selected)
        ctx.signals.client_changed.connect(self.on_signals_client_changed)
        ctx.signals.about_to_lock.connect(self.on_signals_about_to_lock)
        if ctx.vault is not None:
            self._offer_drafts()  # after a crash: the tab on start offers what was being typed

    def _build(self) -> None:
        tr = self.tr
        self.client_label = QLabel()
        self.client_label.setObjectName("notesClientLabel")
        self.client_label.setStyleSheet("font-weight: bold; font-size: 13pt;")
        self.restore_button = _button("restoreDraftButton", tr("Restore"))
        self.discard_button = _button("discardDraftButton", tr("Discard"))
        self.banner, self.banner_text = _bar("draftRecoveryBanner", "draftRecoveryText",
                                             self.restore_button, self.discard_button)
        self.banner.setAccessibleName(tr("Recovered text"))
        self.new_button = _button("newNoteButton", tr("&New note"))
        self.table = QTableView()
        self.table.setObjectName("sessionTable")
        self.table.setAccessibleName(tr("Sessions"))
        self.model = SessionListModel(self.table)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        sessions = QWidget()
        column = QVBoxLayout(sessions)
        column.addWidget(self.new_button)
        column.addWidget(self.table, 1)
        self.side_tabs = QTabWidget()
        self.side_tabs.setObjectName("notesSideTabs")
        self.side_tabs.addTab(sessions, tr("Sessions"))
        self.chart = MeasureChartWidget(self.ctx)
        self.side_tabs.addTab(self.chart, tr("Scores"))
        self.search = NoteSearchPanel(self.ctx)
        self.side_tabs.addTab(self.search, tr("Search"))

        self.editor = NoteEditor()
        self.refusal = QFrame()
        self.refusal.setObjectName("signRefusalPanel")
        self.refusal_title, self.refusal_list = QLabel(), QLabel()
        self.refusal_title.setObjectName("signRefusalTitle")
        self.refusal_list.setObjectName("signRefusalList")
        self.refusal_list.setAccessibleName(tr("Missing before signing"))
        self.refusal_list.setTextFormat(Qt.TextFormat.PlainText)  # one short reason per line: no wrapping
        refusal = QVBoxLayout(self.refusal)
        refusal.addWidget(self.refusal_title)
        refusal.addWidget(self.refusal_list)
        self.refusal.hide()
        self.save_error = ErrorLabel()
        self.save_error.setObjectName("saveError")
        self.confirm_button = _button("confirmSignButton", tr("Sign now"))
        self.cancel_sign_button = _button("cancelSignButton", tr("Cancel"))
        self.confirm_bar, self.confirm_text = _bar("signConfirmBar", "signConfirmText",
                                                   self.confirm_button, self.cancel_sign_button)
        self.save_button = _button("saveDraftButton", tr("&Save draft"))
        self.sign_button = _button("signButton", tr("Si&gn…"))
        self.measure_button = _button("recordMeasureButton", tr("Record a &measure…"))
        self.addendum_button = _button("addAddendumButton", tr("Add an &addendum…"))
        self.delete_button = _button("deleteDraftButton", tr("Delete draft…"))
        self.autosave_label = QLabel()
        self.autosave_label.setObjectName("autosaveStatus")
        self.autosave_label.setAccessibleName(tr("Autosave status"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.autosave_label, 1)
        for b in (self.delete_button, self.measure_button, self.addendum_button, self.save_button, self.sign_button):
            buttons.addWidget(b)
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        for w, stretch in ((self.editor, 1), (self.refusal, 0), (self.save_error, 0), (self.confirm_bar, 0)):
            column.addWidget(w, stretch)
        column.addLayout(buttons)
        self.empty = hint_label(tr("Select a session on the left, or start a new note."))
        self.empty.setObjectName("notesEmptyState")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(page)
        self.splitter = QSplitter()
        self.splitter.setObjectName("notesSplitter")
        self.splitter.addWidget(self.side_tabs)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([340, 860])
        outer = QVBoxLayout(self)
        for w, stretch in ((self.client_label, 0), (self.banner, 0), (self.splitter, 1)):
            outer.addWidget(w, stretch)
        for signal, slot in (
            (self.restore_button.clicked, self.on_restore_button_clicked),
            (self.discard_button.clicked, self.on_discard_button_clicked),
            (self.new_button.clicked, self.on_new_button_clicked), (self.table.clicked, self.on_table_clicked),
            (self.table.activated, self.on_table_clicked), (self.editor.changed, self.on_editor_changed),
            (self.editor.start_from_last_requested, self.on_editor_start_from_last_requested),
            (self.save_button.clicked, self.on_save_button_clicked),
            (self.sign_button.clicked, self.on_sign_button_clicked),
            (self.confirm_button.clicked, self.on_confirm_button_clicked),
            (self.cancel_sign_button.clicked, self.confirm_bar.hide),
            (self.measure_button.clicked, self.on_measure_button_clicked),
            (self.addendum_button.clicked, self.on_addendum_button_clicked),
            (self.delete_button.clicked, self.on_delete_button_clicked),
        ):
            signal.connect(slot)
        self.search.open_note.connect(self.on_search_open_note)
        self.clear()

    # --- public API (main window, app) --------------------------------------------------------

    def has_unsaved_changes(self) -> bool:
        return self._dirty

    def discard_or_save(self) -> bool:
        """Asked before lock or quit: the edits go to the autosaved draft and are offered back."""
        self.flush_drafts()
        return True

    def save(self) -> None:
        if self.stack.currentIndex() == 1:
            self.save_note_now()

    @Slot()
    def flush_drafts(self) -> None:
        """Autosave now (timer, lock, quit, switching client or note): one short transaction."""
        self.autosave_timer.stop()
        if not self._pending or self.ctx.vault is None or self.stack.currentIndex() != 1:
            return
        state, now = self.editor.state(), self.ctx.now()
        if state.client_id != self.client_id or state.client_id < 0:
            return
        try:
            with self.ctx.unit_of_work() as session:
                nd.keep_note_draft(session, state, now)
        except (VaultError, RuntimeError) as error:
            log.error("autosave failed: %s", type(error).__name__)  # never the text
            self.autosave_label.setText(self.tr("Autosave failed: {0}. Keep this window open.").format(error))
            return
        self._pending = False
        self.autosave_label.setText(self.tr("Draft autosaved at {0}").format(now.strftime("%H:%M:%S")))
        if self._refusal:
            self._recheck_refusal(state)

    def clear(self) -> None:
        """Forget everything shown (the vault is locking)."""
        self.autosave_timer.stop()
        self.client_id, self.context, self._note, self._offered, self._refusal = -1, None, None, None, ()
        self._dirty = self._pending = False
        for dialog in (self.addendum_dialog, self.measure_dialog):
            if dialog is not None:
                dialog.done(0)  # not reject(): that may ask a question while the vault is locking
        self.addendum_dialog = self.measure_dialog = None
        self.editor.set_client_context((), (), self.ctx.now().date())
        self._show(nd.NoteView(nd.NoteDraft(client_id=-1), None, None, 0, False))
        self.model.clear()
        self.banner.hide()
        self.client_label.setText(self.tr("No client selected."))
        self.autosave_label.clear()
        self.new_button.setEnabled(False)
        self.stack.setCurrentIndex(0)
        self.chart.set_client(None)

    def show_client(self, client_id: int) -> None:
        self.flush_drafts()
        self.clear()
        if client_id < 0 or self.ctx.vault is None:
            return
        try:
            with self.ctx.reader() as session:
                context = nd.client_notes(session, client_id)
        except EXPECTED as error:
            log.warning("client not loaded for notes: %s", type(error).__name__)
            return
        self.client_id, self.context = client_id, context
        labels = [(d.code, f"{d.code} — {d.title}" if d.title else d.code) for d in context.diagnoses]
        if labels:
            labels[0] = (labels[0][0], labels[0][1] + self.tr(" (primary)"))
        self.editor.set_client_context(labels, context.objectives, self.ctx.now().date())
        self.client_label.setText(self.tr("Session notes: {0}").format(context.display_name))
        self.new_button.setEnabled(True)
        self.model.set_sessions(list(context.sessions), self.ctx.now())
        self.chart.set_client(client_id)
        self._offer_drafts()

    @Slot()
    def new_note(self) -> None:
        if self.context is None:
            return
        self.flush_drafts()
        with self.ctx.reader() as session:
            view = nd.note_view(session, self.client_id, self.context.new_note(self.ctx.now().date()))
        self._show(view)
        self._offer_drafts()

    def open_note(self, session_id: int) -> None:
        if self.stack.currentIndex() == 1 and self.editor.session_id() == session_id:
            return
        self.flush_drafts()
        try:
            with self.ctx.reader() as session:
                client_id = notes.get_note(session, session_id).client_id
            if client_id != self.client_id:
                self._select_client(client_id)
            with self.ctx.reader() as session:
                view = nd.note_view(session, client_id, session_id=session_id)
        except EXPECTED as error:
            self.ctx.signals.status_message.emit(self.tr("The note could not be opened: {0}").format(error))
            return
        self._show(view)
        self._offer_drafts()

    def refresh_measures(self) -> None:
        """Measures recorded for this session: 96127 units and the item 9 alert."""
        if self._note is None or self._note.id is None or self.ctx.vault is None:
            return
        with self.ctx.reader() as session:
            count = notes.instruments_scored_for_session(session, self._note.id)
            item9 = notes.item9_positive_for_session(session, self._note.id)
        if not self._note.is_signed:
            self.editor.set_instruments_scored(count)
        self.editor.set_item9(item9)
        if self._refusal:  # a positive item 9 adds the risk assessment to what is missing
            self._recheck_refusal(self.editor.state())

    # --- showing a note -------------------------------------------------------------------------

    def _show(self, view: nd.NoteView) -> None:
        note = self._note = view.note
        signed = note is not None and note.is_signed
        self.editor.set_previous(view.previous)
        self.editor.set_instruments_scored(view.instruments_scored)
        self.editor.set_locked(False)
        self.editor.load(view.draft)
        self.editor.set_item9(view.item9_positive)
        self.editor.set_locked(signed)
        self.editor.set_signature(self.tr("Signed by {0} on {1}").format(
            note.signed_by, note.signed_at.strftime("%Y-%m-%d %H:%M")) if signed and note.signed_at else "")
        self.editor.addenda.set_addenda(note.addenda if note else ())
        self.editor.setEnabled(True)
        self._dirty = self._pending = False
        self._refusal = ()
        self.refusal.hide()
        self.confirm_bar.hide()
        self.save_error.clear_message()
        self.autosave_label.setText(self.tr("Signed: the note is locked.") if signed else "")
        self.save_button.setText(self.tr("&Save private notes") if signed else self.tr("&Save draft"))
        self.sign_button.setVisible(not signed)
        self.addendum_button.setVisible(signed)
        self.measure_button.setVisible(not signed)
        self.delete_button.setVisible(note is not None and not signed)
        self.stack.setCurrentIndex(1)
        self._select_row()

    def _select_row(self) -> None:
        row = self.model.row_of(self._note.id) if self._note is not None and self._note.id is not None else -1
        if row >= 0:
            self.table.selectRow(row)
        else:
            self.table.clearSelection()

    def _reload_list(self) -> None:
        with self.ctx.reader() as session:
            self.model.set_sessions(notes.list_notes(session, self.client_id), self.ctx.now())
        self._select_row()

    def _select_client(self, client_id: int) -> None:
        """Move the whole window to ``client_id`` (the Clients tab follows the signal too)."""
        self.ctx.signals.client_selected.emit(client_id)
        if self.client_id != client_id:
            self.show_client(client_id)

    # --- drafts: autosave and recovery ----------------------------------------------------------

    @Slot()
    def on_editor_changed(self) -> None:
        if not self._pending:
            self._pending_since.start()
        self._dirty = self._pending = True
        if self._pending_since.elapsed() >= AUTOSAVE_MAX_WAIT_MS:
            self.flush_drafts()
            return
        self.autosave_timer.start()
        if not self.autosave_label.text().startswith(self.tr("Autosave failed")):
            self.autosave_label.setText(self.tr("Editing…"))

    def _offer_drafts(self) -> None:
        """Offer the newest draft the editor is not typing into right now (that one is its autosave)."""
        if self.ctx.vault is None:
            return
        busy = self.editor.key() if self.stack.currentIndex() == 1 and self._dirty else ""
        with self.ctx.reader() as session:
            offer = nd.draft_to_offer(session, self.client_id, busy)
        self._offered = offer[0] if offer else None
        self.banner.setVisible(offer is not None)
        self.editor.setEnabled(True)
        if offer is None:
            return
        found, name = offer
        which = (self.tr("a new note") if found.draft.session_id is None
                 else self.tr("the note of {0}").format(found.draft.session_date))
        whose = self.tr(", {0}").format(name) if found.draft.client_id != self.client_id and name else ""
        self.banner_text.setText(self.tr("Unsaved text from {0} was recovered ({1}{2}). Restore it, or "
                                         "discard it?").format(found.saved_at.strftime("%Y-%m-%d %H:%M"), which, whose))
        # Typing into the very note the draft belongs to would overwrite the draft: decide first.
        self.editor.setEnabled(not (self.stack.currentIndex() == 1 and found.draft.key == self.editor.key()))

    @Slot()
    def on_restore_button_clicked(self) -> None:
        found, self._offered = self._offered, None
        if found is None:
            return
        if found.draft.client_id != self.client_id:
            self._select_client(found.draft.client_id)
        with self.ctx.reader() as session:
            view = nd.note_view(session, self.client_id, found.draft)
        self._show(view)
        self.banner.hide()
        self._dirty = self._pending = True
        self.flush_drafts()  # the restored text now also lives under the key of what is shown
        if view.draft.key != found.draft.key:
            with self.ctx.unit_of_work() as session:
                nd.discard_note_draft(session, found.draft.client_id, found.draft.session_id)
        self._offer_drafts()

    @Slot()
    def on_discard_button_clicked(self) -> None:
        found, self._offered = self._offered, None
        if found is not None:
            with self.ctx.unit_of_work() as session:
                nd.discard_note_draft(session, found.draft.client_id, found.draft.session_id)
        self._offer_drafts()

    # --- saving, signing, addenda ----------------------------------------------------------------

    @Slot()
    def save_note_now(self) -> int | None:
        """Write the real note (and the private notes) and clear its drafts; the session id or None."""
        state, now = self.editor.state(), self.ctx.now()
        self.save_error.clear_message()
        try:
            with self.ctx.unit_of_work() as session:
                self._note = nd.save_from_draft(session, state, now)
        except EXPECTED as error:
            self.save_error.show_message(self.tr("Not saved: {0}").format(_message(error)))
            return None
        sid = self._note.id
        assert sid is not None
        self.autosave_timer.stop()
        self._dirty = self._pending = False
        if self.editor.session_id() is None:
            self.editor.set_session_id(sid)
        self.delete_button.setVisible(not self._note.is_signed)
        self.autosave_label.setText(self.tr("Saved at {0}").format(now.strftime("%H:%M:%S")))
        self._reload_list()
        return sid

    @Slot()
    def on_sign_button_clicked(self) -> None:
        with self.ctx.reader() as session:
            profile = practice.get_profile(session)
        who = profile.signature_line if profile else self.tr("(no practice profile yet)")
        self.confirm_text.setText(self.tr(
            "Sign this note as {0}? Signing locks it for good and posts the charge; later information "
            "goes into an addendum.").format(who))
        self.confirm_bar.show()
        self.confirm_button.setFocus()

    @Slot()
    def sign_now(self) -> bool:
        """Save, then sign; a refusal lists every missing field and outlines it in the editor."""
        self.confirm_bar.hide()
        unchanged = self._note is not None and not self._dirty  # nothing to save first
        sid = self._note.id if unchanged and self._note is not None else self.save_note_now()
        if sid is None:
            return False
        try:
            with self.ctx.unit_of_work() as session:
                notes.sign_note(session, sid, self.ctx.now())
        except ActionRefused as refused:
            self._refusal = refused.reasons
            self.refusal_title.setText(self.tr("The note cannot be signed yet. It is missing:"))
            self.refusal_list.setText("\n".join(f"• {r}" for r in refused.reasons))
            self.refusal.show()
            self.editor.highlight_missing(refused.reasons, scroll=True)
            return False
        except (VaultError, RecordNotFound) as error:
            self.save_error.show_message(self.tr("Not signed: {0}").format(error))
            return False
        self.editor.scroll.verticalScrollBar().setValue(0)
        self._reopen(sid)
        self.ctx.signals.status_message.emit(self.tr("Note signed; the charge is posted."))
        self.ctx.signals.client_changed.emit(self.client_id)
        return True

    def _reopen(self, session_id: int) -> None:
        self.stack.setCurrentIndex(0)  # open_note skips the note already shown
        self.open_note(session_id)
        self._reload_list()

    def _recheck_refusal(self, state: nd.NoteDraft) -> None:
        """After an autosave: what is still missing (the list shrinks as the fields are filled)."""
        try:
            with self.ctx.reader() as session:
                missing = notes.missing_for_signature(session, nd.to_session_note(state))
        except EXPECTED:
            return
        self._refusal = missing
        self.editor.highlight_missing(missing)
        self.refusal_list.setText("\n".join(f"• {r}" for r in missing))
        if not missing:
            self.refusal_title.setText(self.tr("Everything needed to sign is filled in."))

    @Slot()
    def on_addendum_button_clicked(self) -> None:
        if self._note is None or not self._note.is_signed:
            return
        self.addendum_dialog = AddendumDialog(self._note.session_date.isoformat(), self)
        self.addendum_dialog.accepted.connect(self.on_addendum_dialog_accepted)
        self.addendum_dialog.open()

    @Slot()
    def on_addendum_dialog_accepted(self) -> None:
        dialog, self.addendum_dialog = self.addendum_dialog, None
        if dialog is None or self._note is None or self._note.id is None:
            return
        try:
            with self.ctx.unit_of_work() as session:
                notes.add_addendum(session, self._note.id, dialog.text(), self.ctx.now(), reason=dialog.reason())
        except EXPECTED as error:
            self.save_error.show_message(self.tr("The addendum was not saved: {0}").format(_message(error)))
            return
        self.flush_drafts()
        self._reopen(self._note.id)

    @Slot()
    def on_delete_button_clicked(self) -> None:
        if self._note is None or self._note.id is None or self._note.is_signed:
            return
        answer = QMessageBox.question(self, self.tr("Delete draft"), self.tr(
            "Delete this unsigned draft note of {0}? Use this only for a session that did not take "
            "place.").format(self._note.session_date.isoformat()))
        if answer != QMessageBox.StandardButton.Yes:
            return
        with self.ctx.unit_of_work() as session:
            notes.delete_draft_note(session, self._note.id, self.ctx.now())
            nd.discard_note_draft(session, self.client_id, self._note.id)
        self._pending = False
        self.show_client(self.client_id)

    @Slot()
    def on_measure_button_clicked(self) -> None:
        """Measures belong to a session, so a new note is saved first."""
        sid = self._note.id if self._note is not None else self.save_note_now()
        if sid is None:
            return
        self.measure_dialog = MeasureDialog(self.ctx, self.client_id, sid, self)
        self.measure_dialog.finished.connect(self.on_measure_dialog_finished)
        self.measure_dialog.open()

    @Slot()
    def on_measure_dialog_finished(self) -> None:
        self.measure_dialog = None
        self.refresh_measures()

    # --- other sources --------------------------------------------------------------------------

    @Slot()
    def on_autosave_timer_timeout(self) -> None:
        self.flush_drafts()

    @Slot()
    def on_new_button_clicked(self) -> None:
        self.new_note()

    @Slot()
    def on_save_button_clicked(self) -> None:
        self.save_note_now()

    @Slot()
    def on_confirm_button_clicked(self) -> None:
        self.sign_now()

    @Slot(QModelIndex)
    def on_table_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_note(index.data(SessionIdRole))

    @Slot()
    def on_editor_start_from_last_requested(self) -> None:
        """Copy the last note's format, sections, interventions and plan into this empty new note."""
        state = self.editor.state()
        if any(text.strip() for _, text in state.sections) or state.plan_text.strip():
            self.save_error.show_message(self.tr("This note already has text; starting from the last "
                                                 "note would replace it."))
            return
        with self.ctx.reader() as session:
            last = notes.previous_note(session, self.client_id)
        if last is None:
            self.save_error.show_message(self.tr("There is no earlier note for this client."))
            return
        copied = nd.copy_for_new_note(last, self.client_id, date.fromisoformat(state.session_date))
        self.editor.load(replace(copied, start_text=state.start_text, stop_text=state.stop_text,
                                 risk_assessment=state.risk_assessment, homework_review=state.homework_review,
                                 homework_given=state.homework_given, psychotherapy_text=state.psychotherapy_text))
        self.save_error.clear_message()
        self.on_editor_changed()

    @Slot(int, int)
    def on_search_open_note(self, session_id: int, client_id: int) -> None:
        if client_id != self.client_id:
            self._select_client(client_id)
        self.side_tabs.setCurrentIndex(0)
        self.open_note(session_id)

    @Slot(int)
    def on_signals_client_selected(self, client_id: int) -> None:
        if client_id != self.client_id:
            self.show_client(client_id)

    @Slot(int)
    def on_signals_client_changed(self, client_id: int) -> None:
        if client_id == self.client_id and self.ctx.vault is not None:
            self._reload_list()
            self.refresh_measures()

    @Slot()
    def on_signals_about_to_lock(self) -> None:
        self.flush_drafts()
        self.clear()
