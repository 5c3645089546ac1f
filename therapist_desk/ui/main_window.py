"""The main window: composes the tabs, menus, shortcuts and status bar; holds no business logic.

Tabs may offer ``save()``, ``has_unsaved_changes()`` and ``discard_or_save()``; the window calls
them for Save, Lock, Restore and Quit.

Only the Clients tab is built with the window. Session Notes, Treatment Plans and Billing are
built the first time they are shown or used (``notes_tab`` and the others are properties that
build on access), each in a :class:`TabPage` that holds its place in the tab bar: building all
four cost ~600 ms of the unlock for tabs the user had not opened yet. A tab built later is given
the selected client and its saved splitter sizes, so it looks as if it had been there all along. Geometry, window state and every named QSplitter's state
go to QSettings (group "MainWindow"); nothing that names a client does.

objectNames: mainWindow, mainTabs, clientsTab (clients_tab.py), sessionNotesTab,
treatmentPlansTab, billingTab (inside the pages clientsPage, sessionNotesPage, treatmentPlansPage,
billingPage), demoBanner, statusBar, busyIndicator; actions actionNewClient, actionBackup,
actionRestore, actionExport, actionLock, actionQuit, actionUndo, actionRedo, actionCut, actionCopy,
actionPaste, actionFind, actionSave, actionSettings, actionShowClients, actionShowNotes,
actionShowPlans, actionAuditLog, actionAbout.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPaintEvent
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStatusBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from therapist_desk import APP_NAME
from therapist_desk.services import vault_access
from therapist_desk.services.common import ActionRefused
from therapist_desk.ui.about_dialog import AboutDialog
from therapist_desk.ui.clients_tab import ClientsTab, FirstRows
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.diagnosis_picker import preload_catalog
from therapist_desk.ui.settings_dialog import SettingsDialog
from therapist_desk.ui.widgets import (
    as_sentence,
    banner_label,
    busy_bar,
    log_unexpected,
    standard_keys,
)

if TYPE_CHECKING:
    from therapist_desk.ui.billing_tab import BillingTab
    from therapist_desk.ui.notes_tab import NotesTab
    from therapist_desk.ui.plans_tab import PlansTab

log = logging.getLogger(__name__)

SETTINGS_GROUP = "MainWindow"
BACKUP_SUFFIX = ".tdvault"
TAB_CLIENTS, TAB_NOTES, TAB_PLANS, TAB_BILLING = 0, 1, 2, 3
FIRST_ROWS_WAIT_MS = 2000


class TabPage(QWidget):
    """A tab's place in the tab bar; the tab itself is built by ``build`` on first use."""

    built = Signal(QWidget)

    def __init__(self, name: str, build: Callable[[], QWidget]) -> None:
        super().__init__()
        self.setObjectName(name)
        self._build = build
        self.tab: QWidget | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)

    def ensure(self) -> QWidget:
        """The tab, built now if it was not yet."""
        if self.tab is None:
            self.tab = self._build()
            self.layout().addWidget(self.tab)
            self.tab.show()  # now, not when the layout's queued show gets to it
            self.built.emit(self.tab)
        return self.tab


class MainWindow(QMainWindow):
    """Title is always just the app name: a client's name never reaches the title bar."""

    lock_requested = Signal()
    # Once, when the window and the first rows of the client list are on screen (or
    # FIRST_ROWS_WAIT_MS after the window's first paint if they do not come): chores wait for it.
    first_painted = Signal()
    # A verified backup file and its passphrase; the app tears the window down and restores it.
    restore_requested = Signal(str, str)

    def __init__(self, ctx: AppContext, *, demo: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.demo = demo
        self._close_without_asking = False
        self._detached = False
        self._painted = self._announced = False
        self.selected_client_id = -1
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_NAME)
        self.setAccessibleName(APP_NAME)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setAccessibleName(self.tr("Sections"))
        self.tabs.setDocumentMode(True)
        self.clients_tab = ClientsTab(ctx)
        if not self.clients_tab.objectName():
            self.clients_tab.setObjectName("clientsTab")
        self.clients_tab.first_rows_painted.connect(self.on_clients_tab_first_rows_painted)
        self.pages: list[TabPage] = []
        for name, text, build in (
                ("clientsPage", self.tr("Clients"), lambda: self.clients_tab),
                ("sessionNotesPage", self.tr("Session Notes"), self._build_notes_tab),
                ("treatmentPlansPage", self.tr("Treatment Plans"), self._build_plans_tab),
                ("billingPage", self.tr("Billing && Letters"), self._build_billing_tab)):
            page = TabPage(name, build)
            page.built.connect(self.on_page_built)
            self.pages.append(page)
            self.tabs.addTab(page, text)
        self.pages[TAB_CLIENTS].ensure()
        self.tabs.currentChanged.connect(self.on_tabs_current_changed)

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.demo_banner = banner_label("demoBanner", self.tr(
            "Demo vault: every client here is fictional. Nothing you do here touches your own "
            "records."), self.tr("Demo vault notice"))
        self.demo_banner.setVisible(demo)
        column.addWidget(self.demo_banner)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        status = QStatusBar()
        status.setObjectName("statusBar")
        status.setAccessibleName(self.tr("Status"))
        self.busy: QProgressBar = busy_bar("busyIndicator", self.tr("Working"))
        self.busy.setMaximumWidth(140)
        status.addPermanentWidget(self.busy)
        self.setStatusBar(status)

        self._build_menus()
        ctx.signals.status_message.connect(self.on_signals_status_message)
        ctx.signals.client_selected.connect(self.on_signals_client_selected)
        self.resize(1180, 760)
        self.restore_layout()

    def vault_opened(self, first_rows: FirstRows | None = None) -> None:
        """This window was built before the vault was open (while the key was being stretched):
        load what it shows now. ``first_rows``: the Clients tab's, if the unlock loaded them."""
        self.clients_tab.load(first_rows)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(FIRST_ROWS_WAIT_MS, self, self._announce_painted)

    @Slot()
    def on_clients_tab_first_rows_painted(self) -> None:
        QTimer.singleShot(0, self, self._announce_painted)  # after that paint is shown

    def _announce_painted(self) -> None:
        if not self._announced:
            self._announced = True
            self.first_painted.emit()

    # --- tabs, built on first use ----------------------------------------------------------------

    @property
    def notes_tab(self) -> NotesTab:
        """The Session Notes tab (built now if it was not yet)."""
        return self.pages[TAB_NOTES].ensure()  # type: ignore[return-value]

    @property
    def plans_tab(self) -> PlansTab:
        """The Treatment Plans tab (built now if it was not yet)."""
        return self.pages[TAB_PLANS].ensure()  # type: ignore[return-value]

    @property
    def billing_tab(self) -> BillingTab:
        """The Billing & Letters tab (built now if it was not yet)."""
        return self.pages[TAB_BILLING].ensure()  # type: ignore[return-value]

    def _build_notes_tab(self) -> QWidget:
        from therapist_desk.ui.notes_tab import NotesTab

        return NotesTab(self._ctx)

    def _build_plans_tab(self) -> QWidget:
        from therapist_desk.ui.plans_tab import PlansTab

        tab = PlansTab(self._ctx)
        if not tab.objectName():
            tab.setObjectName("treatmentPlansTab")
        return tab

    def _build_billing_tab(self) -> QWidget:
        from therapist_desk.ui.billing_tab import BillingTab

        return BillingTab(self._ctx)

    def current_tab(self) -> QWidget:
        """The tab on screen (built, since it is shown)."""
        return self.pages[max(self.tabs.currentIndex(), 0)].ensure()

    def show_tab(self, index: int) -> QWidget:
        """Bring tab ``index`` (TAB_CLIENTS...) to the front and return it."""
        self.tabs.setCurrentIndex(index)
        return self.pages[index].ensure()

    @Slot(int)
    def on_tabs_current_changed(self, index: int) -> None:
        if 0 <= index < len(self.pages):
            self.pages[index].ensure()

    @Slot(QWidget)
    def on_page_built(self, tab: QWidget) -> None:
        """A tab built late catches up: the selected client and its saved splitter sizes. Notes,
        plans and billing all check diagnosis codes: the ICD-10-CM table starts loading."""
        if tab is not self.clients_tab:
            preload_catalog(self._ctx.tasks)
            follow = getattr(tab, "on_signals_client_selected", None)
            if callable(follow) and self.selected_client_id >= 0:
                follow(self.selected_client_id)
        settings = QSettings()
        settings.beginGroup(SETTINGS_GROUP)
        self._restore_splitters(settings, tab)
        settings.endGroup()

    def _look_for_recovered_notes(self) -> None:
        """After a crash, unsaved note text waits in the drafts table: the Session Notes tab offers
        it back. Looked for on a worker; only when there is some is that tab built to show it."""

        def find() -> bool:
            from therapist_desk.services import note_drafts  # its import, too, off the GUI thread

            with self._ctx.reader() as session:
                return note_drafts.draft_to_offer(session, -1) is not None

        def found(recovered: bool) -> None:
            if recovered and self._ctx.vault is not None and not self._detached:
                self.notes_tab  # noqa: B018 - built, it shows the recovered text in its banner
                self._ctx.signals.status_message.emit(self.tr(
                    "Unsaved note text was recovered: see Session Notes."))

        self._ctx.tasks.run(find, found, lambda error: log_unexpected(
            log, "looking for recovered note drafts failed", error))

    # --- menus -------------------------------------------------------------------------------

    def _action(self, name: str, text: str, slot: Callable[[], Any],
                keys: list[QKeySequence] | None = None,
                role: QAction.MenuRole = QAction.MenuRole.NoRole) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if keys:
            action.setShortcuts(keys)
        action.setMenuRole(role)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even where the menu bar is hidden
        return action

    def _build_menus(self) -> None:
        std, keys = QKeySequence.StandardKey, standard_keys
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.action_new_client = self._action("actionNewClient", self.tr("&New Client"),
                                              self.on_action_new_client_triggered,
                                              keys(std.New, "Ctrl+N"))
        self.action_backup = self._action("actionBackup", self.tr("&Backup…"),
                                          self.on_action_backup_triggered)
        self.action_restore = self._action("actionRestore", self.tr("&Restore…"),
                                           self.on_action_restore_triggered)
        self.action_export = self._action("actionExport", self.tr("&Export Data…"),
                                          self.on_action_export_triggered)
        self.action_lock = self._action("actionLock", self.tr("&Lock"),
                                        self.on_action_lock_triggered, [QKeySequence("Ctrl+L")])
        self.action_quit = self._action("actionQuit", self.tr("&Quit"), self.close,
                                        keys(std.Quit, "Ctrl+Q"), QAction.MenuRole.QuitRole)
        for item in (self.action_new_client, None, self.action_backup, self.action_restore,
                     self.action_export, None, self.action_lock, None, self.action_quit):
            file_menu.addAction(item) if item else file_menu.addSeparator()

        edit_menu = self.menuBar().addMenu(self.tr("&Edit"))
        for name, text, method, key in (("actionUndo", self.tr("&Undo"), "undo", std.Undo),
                                        ("actionRedo", self.tr("&Redo"), "redo", std.Redo),
                                        ("actionCut", self.tr("Cu&t"), "cut", std.Cut),
                                        ("actionCopy", self.tr("&Copy"), "copy", std.Copy),
                                        ("actionPaste", self.tr("&Paste"), "paste", std.Paste)):
            # triggered(bool) would fill the first default argument: keep the bool apart.
            action = self._action(name, text, lambda _on=False, m=method: self._forward_to_focus(m),
                                  QKeySequence.keyBindings(key))
            edit_menu.addAction(action)
            if method == "redo":
                edit_menu.addSeparator()
        edit_menu.addSeparator()
        self.action_find = self._action("actionFind", self.tr("&Find Client"),
                                        self.on_action_find_triggered, keys(std.Find, "Ctrl+F"))
        self.action_save = self._action("actionSave", self.tr("&Save"),
                                        self.on_action_save_triggered, keys(std.Save, "Ctrl+S"))
        self.action_settings = self._action("actionSettings", self.tr("Se&ttings…"),
                                            self.on_action_settings_triggered,
                                            keys(std.Preferences, "Ctrl+,"),
                                            QAction.MenuRole.PreferencesRole)
        for item in (self.action_find, self.action_save, None, self.action_settings):
            edit_menu.addAction(item) if item else edit_menu.addSeparator()

        view_menu = self.menuBar().addMenu(self.tr("&View"))
        self.tab_actions = []
        for index, (name, text) in enumerate((("actionShowClients", self.tr("&Clients")),
                                              ("actionShowNotes", self.tr("Session &Notes")),
                                              ("actionShowPlans", self.tr("Treatment &Plans")),
                                              ("actionShowBilling", self.tr("&Billing && Letters")))):
            action = self._action(name, text,
                                  lambda _on=False, i=index: self.tabs.setCurrentIndex(i),
                                  [QKeySequence(f"Ctrl+{index + 1}")])
            view_menu.addAction(action)
            self.tab_actions.append(action)

        tools_menu = self.menuBar().addMenu(self.tr("&Tools"))
        for name, text, method in (
                ("actionRecordPayment", self.tr("Record &Payment…"), "record_payment"),
                ("actionSuperbill", self.tr("&Superbill…"), "open_superbill"),
                ("actionBatchSuperbills", self.tr("Superbills for a &Month…"),
                 "open_batch_superbills"),
                ("actionStatement", self.tr("Client S&tatement…"), "open_statement"),
                ("actionLetter", self.tr("Progress &Letter…"), "open_letter"),
                ("actionLetterTemplates", self.tr("Letter T&emplates…"), "open_letter_templates")):
            def show_billing_then(_on: bool = False, act: str = method) -> None:
                getattr(self.show_tab(TAB_BILLING), act)()
            tools_menu.addAction(self._action(name, text, show_billing_then))
        tools_menu.addSeparator()
        self.action_audit_log = self._action("actionAuditLog", self.tr("&Audit Log…"),
                                             self.on_action_audit_log_triggered)
        tools_menu.addAction(self.action_audit_log)

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        self.action_about = self._action("actionAbout", self.tr("&About Therapist Desk"),
                                         self.on_action_about_triggered,
                                         role=QAction.MenuRole.AboutRole)
        help_menu.addAction(self.action_about)

    def _forward_to_focus(self, method: str) -> None:
        """Edit menu clicks go to the focused text field (its own shortcuts already work)."""
        target = getattr(QApplication.focusWidget(), method, None)
        if callable(target):
            target()

    # --- tabs ----------------------------------------------------------------------------

    def _built_tabs(self) -> list[tuple[int, QWidget]]:
        """(index, tab) of the tabs built so far: one never built holds nothing unsaved."""
        return [(i, page.tab) for i, page in enumerate(self.pages) if page.tab is not None]

    def confirm_leave(self) -> bool:
        """Give every tab with unsaved edits the chance to save or discard; False = stay."""
        for index, tab in self._built_tabs():
            unsaved = getattr(tab, "has_unsaved_changes", None)
            if callable(unsaved) and unsaved() and not tab.discard_or_save():  # type: ignore
                self.tabs.setCurrentIndex(index)
                return False
        return True

    def place(self) -> tuple[int, int]:
        """(tab index, selected client id): kept in memory across a lock, never in QSettings."""
        return self.tabs.currentIndex(), self.selected_client_id

    def restore_place(self, tab_index: int, client_id: int) -> None:
        if client_id >= 0:
            self.clients_tab.select_client(client_id)  # it announces client_selected to the rest
        self.tabs.setCurrentIndex(tab_index)

    def restore_drafts(self) -> None:
        """Client edits kept at a lock come back into the form, shown, and note text recovered
        after a crash is offered (the app calls this on ``first_painted``: the first rows do not
        wait for the drafts table)."""
        if self.clients_tab.restore_form_draft():
            self.show_tab(TAB_CLIENTS)
        self._look_for_recovered_notes()

    @Slot(int)
    def on_signals_client_selected(self, client_id: int) -> None:
        self.selected_client_id = client_id

    @Slot(str)
    def on_signals_status_message(self, message: str) -> None:
        self.statusBar().showMessage(message, 6000)

    @Slot()
    def on_action_new_client_triggered(self) -> None:
        self.show_tab(TAB_CLIENTS)
        self.clients_tab.new_client()

    @Slot()
    def on_action_find_triggered(self) -> None:
        self.show_tab(TAB_CLIENTS)
        box: QLineEdit = self.clients_tab.search_box
        box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        box.selectAll()

    @Slot()
    def on_action_save_triggered(self) -> None:
        save = getattr(self.current_tab(), "save", None)
        if callable(save):
            save()

    @Slot()
    def on_action_lock_triggered(self) -> None:
        if self.confirm_leave():
            self.lock_requested.emit()

    @Slot()
    def on_action_audit_log_triggered(self) -> None:
        from therapist_desk.ui.audit_viewer import AuditViewerDialog

        self.audit_dialog = AuditViewerDialog(self._ctx, self)
        self.audit_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.audit_dialog.open()

    def keep_everything_for_lock(self) -> None:
        """An automatic lock cannot ask anyone: every tab keeps its typing as a draft instead."""
        for _index, tab in self._built_tabs():
            flush = getattr(tab, "flush_drafts", None)
            if callable(flush):
                flush()

    @Slot()
    def on_action_settings_triggered(self) -> None:
        self.settings_dialog = SettingsDialog(self._ctx, self)
        self.settings_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.settings_dialog.open()

    @Slot()
    def on_action_about_triggered(self) -> None:
        self.about_dialog = AboutDialog(self)
        self.about_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.about_dialog.open()

    # --- backup, export, restore ------------------------------------------------------------

    def set_busy(self, message: str) -> None:
        """Show the busy bar and ``message``; an empty message ends the busy state."""
        busy = bool(message)
        self.busy.setVisible(busy)
        for action in (self.action_backup, self.action_restore, self.action_export,
                       self.action_lock):
            action.setEnabled(not busy)
        if busy:
            self.statusBar().showMessage(message)
        else:
            self.statusBar().clearMessage()

    def _run(self, busy_text: str, job: Callable[[], Any], on_done: Callable[[Any], None],
             failure_text: str) -> None:
        self.set_busy(busy_text)

        def done(result: Any) -> None:
            self.set_busy("")
            on_done(result)

        def failed(error: BaseException) -> None:
            self.set_busy("")
            self.show_failure(failure_text, error)

        self._ctx.tasks.run(job, done, failed)

    def show_failure(self, failure_text: str, error: BaseException) -> None:
        """Known vault errors in plain words; anything else goes to the log, not the screen."""
        if isinstance(error, vault_access.VaultError):
            detail = error.message
        elif isinstance(error, ActionRefused):
            detail = as_sentence(str(error))
        else:
            log_unexpected(log, failure_text, error)
            detail = self.tr("Something unexpected went wrong; the log file has the details.")
        QMessageBox.warning(self, APP_NAME, f"{failure_text}\n\n{detail}")

    @Slot()
    def on_action_backup_triggered(self) -> None:
        vault = self._ctx.vault
        if vault is None:
            return
        stamp = f"{self._ctx.now():%Y-%m-%d-%H%M}"
        suggested = self._ctx.paths.backup_dir / f"therapist-desk-{stamp}{BACKUP_SUFFIX}"
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Back Up the Vault"), str(suggested),
                                              self.tr("Therapist Desk backups (*.tdvault)"))
        if not name:
            return
        dest = Path(name) if Path(name).suffix else Path(name + BACKUP_SUFFIX)
        self._run(self.tr("Backing up…"),
                  lambda: vault_access.backup_vault(vault.path, vault.key, dest),
                  lambda written: self._ctx.signals.status_message.emit(
                      self.tr("Backup saved: {0}").format(Path(written).name)),
                  self.tr("The backup was not made."))

    @Slot()
    def on_action_export_triggered(self) -> None:
        from therapist_desk.services import export_data

        vault = self._ctx.vault
        if vault is None:
            return
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Choose an Empty Folder for the Export"))
        if not folder:
            return
        out_dir = Path(folder)
        try:
            export_data.check_destination(out_dir)
        except ActionRefused as refusal:
            QMessageBox.warning(self, APP_NAME, as_sentence(str(refusal)))
            return
        now = self._ctx.now()
        self._run(self.tr("Exporting…"), lambda: export_data.export_record(vault, out_dir, now),
                  self._on_export_done, self.tr("The export was not finished."))

    def _on_export_done(self, summary: Any) -> None:
        self._ctx.signals.status_message.emit(self.tr("Export finished."))
        QMessageBox.information(self, APP_NAME, self.tr(
            "The record was exported to {0}.\n\nThese files are NOT encrypted. Keep them safe and "
            "delete them when you no longer need them. Psychotherapy notes were not included."
        ).format(getattr(summary, "folder", "")))

    @Slot()
    def on_action_restore_triggered(self) -> None:
        from therapist_desk.services import backups

        folder = backups.resolve_backup_dir(QSettings().value(backups.BACKUP_FOLDER_SETTING),
                                            self._ctx.paths.backup_dir)
        name, _ = QFileDialog.getOpenFileName(
            self, self.tr("Restore From a Backup"), str(folder),
            self.tr("Therapist Desk backups (*.tdvault);;All files (*)"))
        if not name:
            return
        passphrase, ok = QInputDialog.getText(
            self, self.tr("Restore From a Backup"),
            self.tr("Passphrase of this backup (the one the vault had when it was made):"),
            QLineEdit.EchoMode.Password)
        if not ok or not passphrase:
            return
        backup = Path(name)
        self._run(self.tr("Checking the backup…"),
                  lambda: vault_access.check_vault(backup, passphrase),
                  lambda problems: self._on_backup_checked(backup, passphrase, problems),
                  self.tr("This backup cannot be restored."))

    def _on_backup_checked(self, backup: Path, passphrase: str, problems: list[str]) -> None:
        if problems:
            QMessageBox.warning(self, APP_NAME, self.tr(
                "This backup is damaged and cannot be restored. Try an older backup."))
            return
        answer = QMessageBox.question(
            self, self.tr("Restore From a Backup"),
            self.tr("Replace everything in the vault with the backup {0}?\n\nChanges made since "
                    "that backup was taken will no longer be shown. The current vault is kept "
                    "beside it as a copy, so nothing is deleted. Afterwards the vault opens with "
                    "the backup's passphrase.").format(backup.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Yes and self.confirm_leave():
            self.restore_requested.emit(str(backup), passphrase)

    # --- layout persistence and closing --------------------------------------------------------

    def save_layout(self) -> None:
        settings = QSettings()
        settings.beginGroup(SETTINGS_GROUP)
        settings.setValue("geometry", self.saveGeometry())
        settings.setValue("state", self.saveState())
        for splitter in self.findChildren(QSplitter):
            if splitter.objectName():
                settings.setValue(f"splitters/{splitter.objectName()}", splitter.saveState())
        settings.endGroup()
        settings.sync()

    def restore_layout(self) -> None:
        settings = QSettings()
        settings.beginGroup(SETTINGS_GROUP)
        geometry = settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = settings.value("state")
        if state is not None:
            self.restoreState(state)
        self._restore_splitters(settings, self)
        settings.endGroup()

    @staticmethod
    def _restore_splitters(settings: QSettings, root: QWidget) -> None:
        for splitter in root.findChildren(QSplitter):
            name = splitter.objectName()
            saved = settings.value(f"splitters/{name}") if name else None
            if saved is not None:
                splitter.restoreState(saved)

    def close_without_asking(self) -> None:
        """Close after the caller has already run :meth:`confirm_leave` (lock, restore)."""
        self._close_without_asking = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._close_without_asking and not self.confirm_leave():
            event.ignore()
            return
        self.save_layout()
        self.detach()
        event.accept()

    def detach(self) -> None:
        """Stop this window and its tabs from following the app signals.

        A replaced window lives until Qt deletes it later; meanwhile it must not react (a
        client_selected meant for its successor would load and audit the client again).
        """
        self._detached = True
        for receiver in (self, *self.findChildren(QObject)):
            self._ctx.signals.disconnect(receiver)
