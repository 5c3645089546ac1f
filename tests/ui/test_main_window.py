"""The main window: tabs, menus, shortcuts, client signal, layout, lock, backup, restore."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox, QSplitter

from therapist_desk import APP_NAME
from therapist_desk.app import AppController
from therapist_desk.ui.about_dialog import AboutDialog
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.main_window import TAB_CLIENTS, TAB_BILLING, TAB_NOTES, TAB_PLANS, MainWindow
from therapist_desk.ui.unlock_window import UnlockWindow

# A made-up name that would stand out anywhere it leaked to.
MARKER_FIRST, MARKER_LAST = "Quillonette", "Zarvoskaya"


@pytest.fixture
def open_main(qtbot, ctx: AppContext, vault: object) -> Callable[[], MainWindow]:
    def make() -> MainWindow:
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window
    return make


@pytest.fixture
def main(open_main: Callable[[], MainWindow]) -> MainWindow:
    return open_main()


def _action(window: MainWindow, name: str) -> QAction:
    action = window.findChild(QAction, name)
    assert action is not None, name
    return action


def test_the_tabs_and_a_plain_title(main: MainWindow) -> None:
    assert main.windowTitle() == APP_NAME
    assert [main.tabs.tabText(i).replace("&&", "&") for i in range(main.tabs.count())] == [
        "Clients", "Session Notes", "Treatment Plans", "Billing & Letters"]
    assert [main.tabs.widget(i).objectName() for i in range(4)] == [
        "clientsPage", "sessionNotesPage", "treatmentPlansPage", "billingPage"]
    assert [main.pages[i].ensure().objectName() for i in range(4)] == [
        "clientsTab", "sessionNotesTab", "treatmentPlansTab", "billingTab"]
    assert not main.demo_banner.isVisibleTo(main)


def test_hidden_tabs_are_built_when_first_shown_and_catch_up(
        qtbot, open_main, ctx: AppContext, add_client) -> None:
    first = open_main()
    first.resize(first.minimumWidth(), 600)  # what the 800x600 offscreen screen gives back
    first.show_tab(TAB_NOTES).findChild(QSplitter, "notesSplitter").setSizes([150, 750])
    notes_left = first.notes_tab.splitter.sizes()[0]
    first.close()

    main = open_main()
    assert main.pages[TAB_CLIENTS].tab is main.clients_tab
    assert [page.tab for page in main.pages[1:]] == [None, None, None], "built on first use only"
    client_id = add_client(legal_first_name="Robin", legal_last_name="Fictionalson")
    main.clients_tab.reload()
    main.clients_tab.select_client(client_id)
    assert main.pages[TAB_NOTES].tab is None
    main.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main)
    qtbot.keyClick(main.tabs, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    notes = main.pages[TAB_NOTES].tab
    assert notes is not None and main.current_tab() is notes and notes.isVisible()
    assert notes.client_id == client_id and "Robin Fictionalson" in notes.client_label.text()
    assert abs(notes.splitter.sizes()[0] - notes_left) <= 12, "its saved splitter came back"
    assert main.pages[TAB_PLANS].tab is None and main.pages[TAB_BILLING].tab is None
    # A menu action that needs the Billing tab builds it and brings it to the front.
    _action(main, "actionShowBilling").trigger()
    assert main.billing_tab.client_id == client_id and main.current_tab() is main.billing_tab



def test_text_recovered_after_a_crash_is_offered_at_once(
        qtbot, controller: AppController, ctx: AppContext, typist, passphrase: str,
        make_client) -> None:
    """The Session Notes tab is built at start only when it has recovered text to offer."""
    from therapist_desk.services.clients import create_client
    from therapist_desk.services.note_drafts import NoteDraft, keep_note_draft
    from therapist_desk.services.vault_access import open_vault

    with open_vault(ctx.paths.vault, passphrase) as vault:
        with vault.unit_of_work() as session:
            client_id = create_client(session, make_client(legal_first_name="Robin"), ctx.now()).id
    controller.start()
    first = _unlock(qtbot, controller, typist, passphrase)
    assert first.pages[TAB_NOTES].tab is None  # nothing to recover: not built
    with ctx.unit_of_work() as session:
        keep_note_draft(session, NoteDraft(client_id, session_date="2026-11-20",
                                           plan_text="Typed before the crash"), ctx.now())
    first.lock_requested.emit()
    qtbot.waitUntil(lambda: isinstance(controller.window, UnlockWindow))
    messages: list[str] = []
    ctx.signals.status_message.connect(messages.append)
    main = _unlock(qtbot, controller, typist, passphrase)
    notes = main.pages[TAB_NOTES].tab
    assert notes is not None and notes.banner.isVisibleTo(notes)
    assert "was recovered" in notes.banner_text.text()
    assert "Unsaved note text was recovered: see Session Notes." in messages

def test_menus_hold_the_actions_with_standard_shortcuts(main: MainWindow) -> None:
    menus = {a.text().replace("&", ""): a.menu() for a in main.menuBar().actions()}
    assert list(menus) == ["File", "Edit", "View", "Tools", "Help"]
    file_items = [a.objectName() for a in menus["File"].actions() if not a.isSeparator()]
    assert file_items == ["actionNewClient", "actionBackup", "actionRestore", "actionExport",
                          "actionLock", "actionQuit"]
    edit_items = [a.objectName() for a in menus["Edit"].actions() if not a.isSeparator()]
    assert edit_items == ["actionUndo", "actionRedo", "actionCut", "actionCopy", "actionPaste",
                          "actionFind", "actionSave", "actionSettings"]
    expected = {
        "actionNewClient": QKeySequence.StandardKey.New,
        "actionQuit": QKeySequence.StandardKey.Quit,
        "actionFind": QKeySequence.StandardKey.Find, "actionSave": QKeySequence.StandardKey.Save,
        "actionUndo": QKeySequence.StandardKey.Undo, "actionPaste": QKeySequence.StandardKey.Paste,
    }
    for name, standard in expected.items():
        bindings = QKeySequence.keyBindings(standard)
        if bindings:
            assert _action(main, name).shortcuts()[0] == bindings[0], name
    # Ctrl is Cmd on macOS: Qt maps it, so these read Ctrl here.
    assert _action(main, "actionLock").shortcut() == QKeySequence("Ctrl+L")
    assert _action(main, "actionQuit").shortcut().toString() == "Ctrl+Q"
    assert [_action(main, n).shortcut().toString()
            for n in ("actionShowClients", "actionShowNotes", "actionShowPlans")] == [
        "Ctrl+1", "Ctrl+2", "Ctrl+3"]
    assert _action(main, "actionSettings").menuRole() == QAction.MenuRole.PreferencesRole
    assert _action(main, "actionAbout").menuRole() == QAction.MenuRole.AboutRole


def test_keyboard_shortcuts_switch_tabs_and_find(qtbot, main: MainWindow) -> None:
    main.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main)
    qtbot.keyClick(main.tabs, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert main.current_tab() is main.plans_tab
    qtbot.keyClick(main.tabs, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert main.current_tab() is main.notes_tab
    qtbot.keyClick(main.tabs, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert main.current_tab() is main.clients_tab
    assert QApplication.focusWidget() is main.clients_tab.search_box
    assert main.clients_tab.search_box.objectName() == "clientSearch"


def test_new_client_and_save_go_to_the_clients_tab(qtbot, main: MainWindow) -> None:
    main.tabs.setCurrentIndex(2)
    _action(main, "actionNewClient").trigger()
    assert main.current_tab() is main.clients_tab
    _action(main, "actionSave").trigger()  # an empty new client: the tab shows its own messages


def _accessible_name(widget) -> str:
    from PySide6.QtGui import QAccessible

    return QAccessible.queryAccessibleInterface(widget).text(QAccessible.Text.Name)


def test_every_control_has_an_accessible_name(main: MainWindow) -> None:
    """What a screen reader would announce, for the window's own controls and the other tabs.

    The Clients tab's insides are checked by that tab's own tests.
    """
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QAbstractSpinBox,
        QComboBox,
        QLineEdit,
        QTabWidget,
        QWidget,
    )

    kinds = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView, QTabWidget)
    controls = [w for w in main.findChildren(QWidget)
                if isinstance(w, kinds) and w.isVisibleTo(main)
                and not main.clients_tab.isAncestorOf(w)
                and not isinstance(w.parent(), (QAbstractSpinBox, QComboBox))]
    assert main.tabs in controls
    missing = [f"{type(w).__name__} {w.objectName()!r}"
               for w in controls if not _accessible_name(w)]
    assert missing == []
    for widget in (main.clients_tab.search_box, main.notes_tab, main.plans_tab, main.statusBar()):
        assert widget.accessibleName(), widget.objectName()


def test_client_selected_reaches_the_other_tabs(qtbot, main: MainWindow, ctx: AppContext,
                                                add_client) -> None:
    client_id = add_client(legal_first_name="Robin", preferred_name="Rob",
                           legal_last_name="Fictionalson")
    main.clients_tab.reload()
    # Through the Clients tab's own selection...
    with qtbot.waitSignal(ctx.signals.client_selected) as selected:
        main.clients_tab.select_client(client_id)
    assert selected.args == [client_id]
    for tab in (main.notes_tab, main.plans_tab):
        assert tab.client_id == client_id
        assert tab.client_label.text().endswith(": Rob Fictionalson")
    # ...and from anywhere else that emits it.
    ctx.signals.client_selected.emit(-1)
    assert main.notes_tab.client_label.text() == "No client selected."
    assert main.selected_client_id == -1


def test_about_shows_versions_and_attributions(qtbot, main: MainWindow) -> None:
    _action(main, "actionAbout").trigger()
    dialog = main.findChild(AboutDialog)
    assert dialog is not None and dialog.isVisible()
    versions = dialog.versions.text()
    for part in ("Therapist Desk", "Python", "Qt", "PySide6", "SQLCipher", "SQLAlchemy"):
        assert part in versions
    assert "4." in versions.split("SQLCipher")[1][:60], "the SQLCipher library version is shown"
    text = dialog.attributions.text()
    assert "Source: CDC/NCHS; no endorsement implied" in text
    assert "Spitzer" in text and "Kroenke" in text and "Pfizer" in text
    assert "No permission required to reproduce" in text
    assert "PCL-5" in text and "National Center for PTSD" in text and "Public domain" in text
    assert "registered trademark of the American Medical Association" in text
    dialog.close()


def test_geometry_and_splitters_persist_across_windows(qtbot, open_main,
                                                       qsettings_dir: Path) -> None:
    first = open_main()
    # The offscreen screen is 800x600 and the window needs ~810 px of width, so Qt fits the
    # restored width to the screen: compare the height, the top edge and the splitter.
    first.resize(first.minimumWidth(), 470)
    first.move(11, 23)
    splitter = first.findChild(QSplitter, "clientsSplitter")
    splitter.setSizes([300, 600])
    left = splitter.sizes()[0]
    first.close()
    assert any(qsettings_dir.rglob("*")), "QSettings were written under the test's folder"

    second = open_main()
    assert (second.height(), second.y()) == (470, 23)
    assert abs(second.findChild(QSplitter, "clientsSplitter").sizes()[0] - left) <= 12


def _files_under(*folders: Path) -> Iterator[Path]:
    for folder in folders:
        yield from (p for p in folder.rglob("*") if p.is_file())


def test_no_client_name_reaches_qsettings_title_or_files(
        qtbot, main: MainWindow, ctx: AppContext, add_client, qsettings_dir: Path) -> None:
    client_id = add_client(legal_first_name=MARKER_FIRST, legal_last_name=MARKER_LAST)
    main.clients_tab.reload()
    qtbot.keyClicks(main.clients_tab.search_box, MARKER_LAST[:5])
    main.clients_tab.select_client(client_id)
    for index in range(3):
        main.tabs.setCurrentIndex(index)
        assert main.windowTitle() == APP_NAME
    assert MARKER_LAST in main.notes_tab.client_label.text()  # it was on screen...
    main.close()
    ctx.vault.close()
    ctx.vault = None

    settings = QSettings()
    stored = " ".join(f"{k}={settings.value(k)!r}" for k in settings.allKeys())
    assert settings.allKeys(), "the window saved its layout"
    assert MARKER_FIRST not in stored and MARKER_LAST not in stored
    # ...but in no file outside the (encrypted) vault: settings, logs, backups, anything.
    for path in _files_under(qsettings_dir, ctx.paths.data_dir, ctx.paths.log_dir):
        data = path.read_bytes()
        for marker in (MARKER_FIRST, MARKER_LAST):
            assert marker.encode() not in data and marker.encode("utf-16-le") not in data, path


# --- the whole flow through AppController --------------------------------------------------


@pytest.fixture
def controller(qtbot, ctx: AppContext, closed_vault: Path) -> Iterator[AppController]:
    flow = AppController(ctx)
    yield flow
    for window in (flow.window, flow.main_window):
        if window is not None:
            getattr(window, "close_without_asking", window.close)()
    flow.shutdown()


def _unlock(qtbot, controller: AppController, typist, passphrase: str) -> MainWindow:
    window = controller.window
    assert isinstance(window, UnlockWindow)
    typist(window.passphrase, passphrase)
    qtbot.mouseClick(window.unlock_button, Qt.MouseButton.LeftButton)
    assert isinstance(controller.window, MainWindow)
    # The idle lock and the daily backup start once the window has painted.
    qtbot.waitUntil(lambda: controller._idle is not None and controller._idle.running)
    return controller.window



def test_unlock_without_a_practice_profile_says_where_to_add_it(
        qtbot, ctx: AppContext, typist, passphrase: str) -> None:
    """Said once the window has painted (with the idle lock and the backup), not before."""
    from therapist_desk.services.vault_access import create_and_open

    create_and_open(ctx.paths.vault, passphrase).close()  # a vault with no profile yet
    controller = AppController(ctx)
    controller.start()
    try:
        main = _unlock(qtbot, controller, typist, passphrase)
        assert main.statusBar().currentMessage() == (
            "The practice profile is not filled in yet: add it in Settings.")
    finally:
        controller.main_window.close_without_asking()  # type: ignore[union-attr]
        controller.shutdown()


def test_the_main_window_is_built_while_the_key_is_stretched(
        qtbot, threaded_ctx: AppContext, typist, passphrase: str, make_client) -> None:
    """The GUI thread is idle while the key stretches on a worker: the main window is built
    then, empty, and kept through a wrong passphrase; the unlock only loads and shows it."""
    from therapist_desk.services.clients import create_client
    from therapist_desk.services.vault_access import create_and_open

    with create_and_open(threaded_ctx.paths.vault, passphrase) as vault:
        with vault.unit_of_work() as session:
            create_client(session, make_client(legal_first_name="Robin"), threaded_ctx.now())
    controller = AppController(threaded_ctx)
    unlock = controller.start()
    try:
        assert isinstance(unlock, UnlockWindow)
        typist(unlock.passphrase, "not the passphrase")
        qtbot.mouseClick(unlock.unlock_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not unlock.is_busy(), timeout=15_000)
        prepared = controller._prepared
        assert isinstance(prepared, MainWindow) and not prepared.isVisible()
        assert prepared.clients_tab.model.rowCount() == 0, "built before the vault opened: empty"
        assert controller.main_window is None and threaded_ctx.vault is None

        typist(unlock.passphrase, passphrase)
        qtbot.mouseClick(unlock.unlock_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: controller.main_window is not None, timeout=15_000)
        assert controller.main_window is prepared and controller._prepared is None
        qtbot.waitUntil(lambda: prepared.clients_tab.model.rowCount() == 1, timeout=5_000)
        assert prepared.isVisible()
    finally:
        if controller.main_window is not None:
            controller.main_window.close_without_asking()  # type: ignore[attr-defined]
        controller.shutdown()

def test_lock_closes_the_vault_and_unlock_returns_to_the_same_place(
        qtbot, controller: AppController, ctx: AppContext, typist, passphrase: str,
        make_client) -> None:
    controller.start()
    main = _unlock(qtbot, controller, typist, passphrase)
    from therapist_desk.services.clients import create_client

    with ctx.unit_of_work() as session:
        client_id = create_client(session, make_client(preferred_name="Rob"), ctx.now()).id
    main.clients_tab.reload()
    main.clients_tab.select_client(client_id)
    main.tabs.setCurrentIndex(2)

    _action(main, "actionLock").trigger()
    assert isinstance(controller.window, UnlockWindow)
    assert ctx.vault is None and controller.main_window is None
    assert main.clients_tab.model.rowCount() == 0, "the tab dropped what it showed"
    assert "Fictionalson" not in main.notes_tab.client_label.text()
    assert "Fictionalson" not in main.plans_tab.client_label.text()

    again = _unlock(qtbot, controller, typist, passphrase)
    assert again is not main
    assert again.tabs.currentIndex() == 2
    assert again.selected_client_id == client_id
    assert again.plans_tab.client_label.text() == "Treatment plan: Rob Fictionalson"


def test_backup_then_restore_through_the_menus(
        qtbot, controller: AppController, ctx: AppContext, typist, passphrase: str,
        add_client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    controller.start()
    main = _unlock(qtbot, controller, typist, passphrase)
    kept = add_client(legal_last_name="Keptinbackup")
    backup = tmp_path / "backups" / "before"  # the window adds the .tdvault suffix
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(backup), ""))
    _action(main, "actionBackup").trigger()
    written = backup.with_suffix(".tdvault")
    assert written.is_file()
    assert "Backup saved" in main.statusBar().currentMessage()

    add_client(legal_last_name="Madeafterbackup")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(written), ""))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (passphrase, True))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    _action(main, "actionRestore").trigger()

    restored = controller.main_window
    assert isinstance(restored, MainWindow) and restored is not main
    assert ctx.vault is not None
    from therapist_desk.services.clients import list_clients

    with ctx.reader() as session:
        names = {c.display_name for c in list_clients(session, statuses=())}
    assert "Robin Keptinbackup" in names and "Robin Madeafterbackup" not in names
    assert restored.statusBar().currentMessage() == "The backup was restored."
    assert kept >= 1


def test_export_data_goes_to_an_empty_folder(qtbot, main: MainWindow, ctx: AppContext,
                                             add_client, monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    add_client()
    out = tmp_path / "export"
    out.mkdir()
    shown: list[str] = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *a: shown.append(text))
    _action(main, "actionExport").trigger()
    assert any(out.iterdir())
    assert shown and "NOT encrypted" in shown[0]

    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warned.append(text))
    _action(main, "actionExport").trigger()  # the same folder is not empty any more
    assert warned and "not empty" in warned[0]


# --- start-up pieces -------------------------------------------------------------------------


def test_unexpected_errors_are_logged_without_their_text_and_shown_plainly(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import sys
    import threading

    from therapist_desk.app import install_excepthook

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text, *a: shown.append(text))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    log_file = tmp_path / "therapist-desk.log"
    install_excepthook(log_file)
    try:
        try:
            raise KeyError(MARKER_LAST)
        except KeyError as inner:
            raise ValueError(f"note for {MARKER_FIRST}") from inner
    except ValueError:
        sys.excepthook(*sys.exc_info())
    assert "ValueError" in caplog.text and "KeyError" in caplog.text
    assert "test_main_window.py" in caplog.text, "the frames are kept"
    assert MARKER_FIRST not in caplog.text and MARKER_LAST not in caplog.text
    assert len(shown) == 1 and str(log_file) in shown[0]
    assert MARKER_FIRST not in shown[0] and MARKER_LAST not in shown[0]


def test_the_application_gets_the_names_qsettings_use(qapp) -> None:
    from therapist_desk import ORG_NAME
    from therapist_desk.app import create_application

    app = create_application()
    assert app is qapp
    assert (app.applicationName(), app.organizationName()) == (APP_NAME, ORG_NAME)


def test_idle_lock_keeps_unsaved_client_edits_and_is_audited(
        qtbot, controller: AppController, ctx: AppContext, typist, passphrase: str,
        make_client) -> None:
    """Nobody answers questions at an idle lock: edits become a draft and come back after unlock."""
    from therapist_desk.services.audit_log import list_events
    from therapist_desk.services.clients import create_client

    controller.start()
    main = _unlock(qtbot, controller, typist, passphrase)
    with ctx.unit_of_work() as session:
        client_id = create_client(session, make_client(preferred_name="Rob"), ctx.now()).id
    main.clients_tab.reload()
    main.clients_tab.select_client(client_id)
    field = main.clients_tab.form.fields["pronouns"]
    typist(field, "they/them")
    assert main.clients_tab.has_unsaved_changes()
    watcher = controller._idle
    assert watcher is not None and watcher.running

    watcher.lock_requested.emit()  # what the watcher does after the idle minutes
    qtbot.waitUntil(lambda: isinstance(controller.window, UnlockWindow))
    assert ctx.vault is None and not watcher.running

    again = _unlock(qtbot, controller, typist, passphrase)
    assert again.clients_tab.form.client_id == client_id
    assert again.clients_tab.form.fields["pronouns"].text() == "they/them"
    assert again.clients_tab.has_unsaved_changes(), "restored, not saved behind the clinician's back"
    with ctx.reader() as session:
        actions = [e.action for e in list_events(session)]
    assert "auth.lock" in actions and actions.count("auth.unlock") == 2
    assert watcher.running


def test_unlock_writes_a_daily_backup(qtbot, controller: AppController, ctx: AppContext, typist,
                                      passphrase: str) -> None:
    """A while after the unlock (so the first list does not wait for the disk), not at once."""
    controller.first_backup_delay_ms = 300
    controller.start()
    _unlock(qtbot, controller, typist, passphrase)
    ctx.tasks.wait()
    assert not any(ctx.paths.backup_dir.glob("vault-*.tdvault"))
    qtbot.waitUntil(lambda: any(ctx.paths.backup_dir.glob("vault-*.tdvault")))


def test_tools_menu_opens_billing_actions_on_the_billing_tab(qtbot, main: MainWindow) -> None:
    for name in ("actionRecordPayment", "actionSuperbill", "actionBatchSuperbills",
                 "actionStatement", "actionLetter", "actionLetterTemplates", "actionAuditLog"):
        assert _action(main, name).text()
    _action(main, "actionShowBilling").trigger()
    assert main.current_tab() is main.billing_tab
