"""GUI entry point: the start-up sequence in one function, and the unlock / lock / restore flow.

Importing this module loads Qt and the app's light helpers only. SQLAlchemy, the store and the
services load after the unlock (or first-run) window has painted: see ``AppController.start``.
So do the rotating log handler, the app icon and the task runner, and nothing on the way to that
paint touches the ``Qt`` namespace (its first use builds ~90 Python enums, ~16 ms): no
``from PySide6.QtCore import Qt`` here or in what the unlock window imports. Once PySide6 is
loaded it reads the source of every module an import statement names for the first time (its
``__feature__`` check), so the modules on that path import only what it needs.
"""

from __future__ import annotations

import argparse
import linecache
import logging
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QApplication, QWidget

from therapist_desk import APP_ID, APP_NAME, ORG_NAME, __version__, logs
from therapist_desk.logs import log_unexpected, scrubbed_traceback
from therapist_desk.paths import AppPaths, resolve_paths
from therapist_desk.ui import gui_gc
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.signals import AppSignals

if TYPE_CHECKING:  # the Clients tab is imported after the first paint, not at start-up
    from therapist_desk.ui.clients_tab import FirstRows

log = logging.getLogger(__name__)

# Loaded right after the first paint, while the user types the passphrase.
HEAVY_MODULES = (
    "therapist_desk.services.vault_access",
    "therapist_desk.services.practice",
    "therapist_desk.services.clients",
    "therapist_desk.ui.main_window",
)
ICON_PARTS = ("icons", "therapist-desk.png")


def run_gui(paths: AppPaths, args: argparse.Namespace | None = None) -> int:
    """Start the window. The whole start-up, in order (args and paths come from the caller):

    logging -> excepthook -> QApplication -> unlock (or first-run) window painted -> log
    rotation, app icon, heavy imports -> unlock on a worker -> main window.
    """
    paths.ensure()
    # A plain append to the log file until the first paint; rotation follows (finish_start_up).
    log_file = logs.setup_logging(paths.log_dir, rotate=False)
    logs.disable_core_dumps()  # the process holds decrypted records and the key
    install_excepthook(log_file)
    log.info("%s %s starting", APP_NAME, __version__)
    app = create_application(icon=False)
    ctx = AppContext(paths=paths, signals=AppSignals(app))  # its task runner: made on first use
    controller = AppController(ctx)
    controller.start()
    code = app.exec()
    controller.shutdown()
    log.info("%s stopped", APP_NAME)
    return code


def main(argv: list[str] | None = None) -> int:
    """``python -m therapist_desk.app [--data-dir DIR]``: the window without the command line."""
    parser = argparse.ArgumentParser(prog="therapist_desk.app")
    parser.add_argument("--data-dir", metavar="DIR")
    args, _qt_args = parser.parse_known_args(argv)
    return run_gui(resolve_paths(args.data_dir), args)


# --- start-up pieces ----------------------------------------------------------------------------


def create_application(*, icon: bool = True) -> QApplication:
    """The QApplication with names (QSettings uses them) and, unless ``icon`` is False (the
    start-up sets it after the first paint), the app icon.

    Qt 6 scales for high DPI without rounding the scale factor (``PassThrough``, its default,
    which QT_SCALE_FACTOR_ROUNDING_POLICY can change) and follows the system light/dark scheme
    by itself; no colours are hard-coded anywhere in the UI.
    """
    existing = QApplication.instance()
    app = QApplication(sys.argv[:1]) if existing is None else existing
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    gui_gc.install(app)  # cycles are collected on this thread only (see ui/gui_gc.py)
    if icon:
        set_app_icon(app)  # type: ignore[arg-type]
    return app  # type: ignore[return-value]


def set_app_icon(app: QApplication) -> None:
    """The app icon for every window (and the task bar)."""
    from PySide6.QtGui import QIcon

    from therapist_desk.resources import resource_path

    try:
        app.setWindowIcon(QIcon(str(resource_path(*ICON_PARTS))))
    except FileNotFoundError:
        log.info("no app icon bundled")


def install_excepthook(log_file: Path) -> None:
    """Log unexpected errors (frames and type, not the message, which may hold client data) and
    tell the user in a dialog that shows no record content."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
            return
        error.__traceback__ = error.__traceback__ or tb
        log.critical("unexpected error %s\n%s", kind.__name__, scrubbed_traceback(error))
        show_crash_dialog(kind.__name__, log_file)

    def thread_hook(info: threading.ExceptHookArgs) -> None:
        if info.exc_value is not None:
            log.critical("unexpected error in a thread %s\n%s", info.exc_type.__name__,
                         scrubbed_traceback(info.exc_value))

    sys.excepthook = hook
    threading.excepthook = thread_hook


_crash_dialog_open = False


def show_crash_dialog(kind: str, log_file: Path) -> None:
    """Tell the user something unexpected happened and where the report went (no record content)."""
    global _crash_dialog_open
    if _crash_dialog_open or QApplication.instance() is None:
        return
    from PySide6.QtWidgets import QMessageBox

    _crash_dialog_open = True
    try:
        QMessageBox.critical(
            None, APP_NAME,
            QApplication.translate(
                "app", "Therapist Desk ran into a problem it did not expect ({0}).\n\n"
                "Everything saved before is safe in the vault. If the app behaves oddly, save "
                "your work and restart it.\n\nA technical report was written to:\n{1}"
            ).format(kind, log_file))
    finally:
        _crash_dialog_open = False


def finish_start_up() -> None:
    """What the first window did not need, once it has painted: log rotation, the app icon,
    then the heavy imports."""
    logs.enable_rotation()
    app = QApplication.instance()
    if isinstance(app, QApplication) and app.windowIcon().isNull():
        set_app_icon(app)
    preload_heavy_modules()


def preload_heavy_modules() -> None:
    """Import SQLAlchemy, the store and the main window now that the first window is on screen."""
    import importlib

    started = time.perf_counter()
    for name in HEAVY_MODULES:
        importlib.import_module(name)
    from therapist_desk.services.clients import warm_up

    warm_up()  # the unlock's first query, built once on an empty in-memory database
    # PySide6 reads the source of every newly imported module (its __feature__ check) through
    # linecache, which keeps it: ~20 MiB of source lines nothing needs again.
    linecache.clearcache()
    gui_gc.freeze_survivors()  # the imported modules never need scanning again
    log.info("heavy modules loaded in %.0f ms", (time.perf_counter() - started) * 1000)


def first_rows_after_unlock(vault: Any) -> FirstRows:
    """On the unlock's worker, right after the vault opens: the Clients tab's first rows, so the
    main window is shown with them (no second hop to a worker, no second paint)."""
    from therapist_desk.ui.clients_tab import load_first_rows

    return load_first_rows(vault.reader)


# --- the window flow --------------------------------------------------------------------------


class AppController(QObject):
    """Which window is shown: first run or unlock, then the main window; lock and restore.

    Remembers the tab and the selected client across a lock, in memory only.
    """

    first_backup_delay_ms = 30_000  # after an unlock, before the day's backup is looked at

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.window: QWidget | None = None
        self.main_window: QWidget | None = None
        self.demo = False
        self._place = (0, -1)
        self._preloaded = False
        self._prepared: Any = None  # a MainWindow built, empty, while the key was stretched
        self._idle: Any = None  # IdleLockWatcher, created with the first main window
        self._backup_timer = QTimer(self)
        self._backup_timer.setInterval(60 * 60 * 1000)  # the daily backup is checked hourly
        self._backup_timer.timeout.connect(self.on_backup_timer_timeout)

    def start(self) -> QWidget:
        """Show the first window; heavy imports follow its first paint."""
        if self.ctx.paths.vault.exists():
            window = self._show_unlock(self.ctx.paths.vault)
        else:
            from therapist_desk.ui.first_run import FirstRunWindow

            window = FirstRunWindow(self.ctx)
            window.finished.connect(self.on_first_run_finished)
            self._show(window)
        return window

    def _show(self, window: QWidget) -> None:
        """Show ``window``, then retire the previous one (in that order, so the app never has
        no window and quits)."""
        first_painted = getattr(window, "first_painted", None)
        if first_painted is not None:
            first_painted.connect(self.on_window_first_painted)
        old, self.window = self.window, window
        window.show()
        window.raise_()
        window.activateWindow()
        if old is not None and old is not window:
            closer = getattr(old, "close_without_asking", None)
            closer() if closer is not None else old.close()
            old.deleteLater()

    def _show_unlock(self, path: Path) -> QWidget:
        from therapist_desk.ui.unlock_window import UnlockWindow

        demo_passphrase = ""
        if self.demo:
            from therapist_desk.ui.first_run import DEMO_PASSPHRASE

            demo_passphrase = DEMO_PASSPHRASE
        window = UnlockWindow(self.ctx, path, demo_passphrase=demo_passphrase,
                              after_open=first_rows_after_unlock)
        window.unlocked.connect(self.on_unlock_window_unlocked)
        window.unlock_started.connect(self.on_unlock_window_unlock_started)
        self._show(window)
        return window

    @Slot()
    def on_window_first_painted(self) -> None:
        if not self._preloaded:
            self._preloaded = True
            # Queued, so the paint that triggered this reaches the screen first.
            QTimer.singleShot(0, finish_start_up)

    @Slot(bool)
    def on_first_run_finished(self, demo: bool) -> None:
        self.demo = demo
        self._show_main()

    @Slot()
    def on_unlock_window_unlocked(self) -> None:
        from therapist_desk.ui.unlock_window import UnlockWindow

        window = self.window  # the one that emitted: only an UnlockWindow is connected here
        self._show_main(first_rows=window.take_loaded() if isinstance(window, UnlockWindow) else None)

    @Slot()
    def on_unlock_window_unlock_started(self) -> None:
        """The key takes ~0.3 s to stretch on a worker and the GUI thread has nothing to do: build
        the main window meanwhile (empty: no vault yet), so the unlock only has to load and show
        it. Queued, so the busy indicator is drawn first. A wrong passphrase keeps it for the
        next try; it holds nothing."""
        QTimer.singleShot(0, self._prepare_main)

    def _prepare_main(self) -> None:
        if self._prepared is None and self.ctx.vault is None:
            self._prepared = self._new_main()

    def _new_main(self) -> Any:
        from therapist_desk.ui.main_window import MainWindow

        main = MainWindow(self.ctx, demo=self.demo)
        main.lock_requested.connect(self.on_main_window_lock_requested)
        main.restore_requested.connect(self.on_main_window_restore_requested)
        return main

    def _show_main(self, message: str = "", *, first_rows: FirstRows | None = None) -> None:
        """Show the main window (the one built while the key was stretched, if it fits) with
        the Clients tab's ``first_rows`` if the unlock loaded them."""
        main, self._prepared = self._prepared, None
        if main is not None and main.demo == self.demo:
            main.vault_opened(first_rows)
        else:
            if main is not None:
                main.deleteLater()
            main = self._new_main()
        self.main_window = main
        main.first_painted.connect(lambda: self._after_main_painted(main, hint=not message))
        self._show(main)
        main.restore_place(*self._place)
        self._place = (0, -1)
        if message:
            self.ctx.signals.status_message.emit(message)

    def _after_main_painted(self, main: QWidget, *, hint: bool) -> None:
        """What the main window and its first rows need not wait for (``first_painted``): client
        edits kept at a lock, recovered note text, the idle lock, the daily backup and, unless
        a message is already shown, the hint about a missing practice profile."""
        if main is not self.main_window or self.ctx.vault is None:
            return  # locked or replaced before it painted; the next window starts them
        main.restore_drafts()  # type: ignore[attr-defined]
        profile = self._profile()
        if hint and profile is None:
            self.ctx.signals.status_message.emit(self.tr(
                "The practice profile is not filled in yet: add it in Settings."))
        self._start_watching(profile)

    # --- idle lock and automatic backups ------------------------------------------------------

    def _profile(self) -> Any:
        from therapist_desk.services.practice import get_profile

        with self.ctx.reader() as session:
            return get_profile(session)

    def _start_watching(self, profile: Any) -> None:
        from therapist_desk.ui.idle_lock import DEFAULT_IDLE_MINUTES, IdleLockWatcher

        minutes = profile.idle_lock_minutes if profile is not None else DEFAULT_IDLE_MINUTES
        if self._idle is None:
            self._idle = IdleLockWatcher(minutes, self)
            self._idle.lock_requested.connect(self.on_idle_lock_requested)
            self.ctx.signals.settings_changed.connect(self.on_signals_settings_changed)
        else:
            self._idle.set_idle_minutes(minutes)
        self._idle.start()
        self._backup_timer.start()
        # The day's first backup reads and writes the whole vault (~20 s for 600 MB, the whole
        # disk): a while after the unlock, so the first list and the attention badge do not
        # queue behind it for the disk (they took 25 s instead of 3).
        QTimer.singleShot(self.first_backup_delay_ms, self, self.run_auto_backup)

    @Slot()
    def on_signals_settings_changed(self) -> None:
        profile = self._profile() if self.ctx.vault is not None else None
        if profile is not None and self._idle is not None:
            self._idle.set_idle_minutes(profile.idle_lock_minutes)

    def _backup_folder(self) -> Path:
        from PySide6.QtCore import QSettings

        from therapist_desk.services import backups

        return backups.resolve_backup_dir(QSettings().value(backups.BACKUP_FOLDER_SETTING),
                                          self.ctx.paths.backup_dir)

    @Slot()
    def on_backup_timer_timeout(self) -> None:
        self.run_auto_backup()

    def run_auto_backup(self, *, on_quit: bool = False) -> None:
        """The daily encrypted backup on a worker (on quit: now, on this thread, before closing)."""
        from therapist_desk.services import backups

        vault = self.ctx.vault
        if vault is None:
            return
        profile = self._profile()
        keep = profile.backups_to_keep if profile is not None else 10
        folder, now = self._backup_folder(), self.ctx.now()
        if on_quit:
            try:
                backups.run_auto_backup(vault, folder, now, keep, on_quit=True)
            except Exception as error:  # noqa: BLE001 - quitting must not fail over a backup
                log_unexpected(log, "the backup on quit failed", error)
            return
        self.ctx.tasks.run_background(lambda: backups.run_auto_backup(vault, folder, now, keep),
                           lambda _written: None, self._on_backup_failed)

    def _on_backup_failed(self, error: BaseException) -> None:
        log_unexpected(log, "the automatic backup failed", error)
        self.ctx.signals.status_message.emit(self.tr(
            "The automatic backup could not be written. Check the backup folder in Settings."))

    @Slot()
    def on_idle_lock_requested(self) -> None:
        """Nobody is there to answer questions: keep every edit as a draft, then lock."""
        main = self.main_window
        if main is None or self.ctx.vault is None:
            return
        modal = QApplication.activeModalWidget()
        while modal is not None and modal is not main:
            modal.close()  # a dialog's own loop must end before its parent window goes
            modal = QApplication.activeModalWidget()
        main.keep_everything_for_lock()  # type: ignore[attr-defined]
        reason = self._idle.reason if self._idle is not None and self._idle.reason else "idle"
        QTimer.singleShot(0, lambda: self._lock(reason))

    def _leave_main(self) -> None:
        """Remember the place, let tabs drop what they show and wait for running workers."""
        if self.main_window is not None:
            self._place = self.main_window.place()  # type: ignore[attr-defined]
        self.ctx.signals.about_to_lock.emit()
        self.ctx.tasks.wait()

    @Slot()
    def on_main_window_lock_requested(self) -> None:
        """The tabs have saved or discarded their edits already (MainWindow.confirm_leave)."""
        self._lock("manual")

    def _lock(self, reason: str) -> None:
        if self.main_window is None:
            return
        from therapist_desk.services import security

        if self._idle is not None:
            self._idle.stop()
        self._backup_timer.stop()
        path = self.ctx.vault.path if self.ctx.vault is not None else self.ctx.paths.vault
        if self.ctx.vault is not None:
            try:
                security.record_lock(self.ctx.vault, self.ctx.now(), reason)
            except Exception as error:  # noqa: BLE001 - a lock must happen even if the log fails
                log_unexpected(log, "the lock could not be written to the audit log", error)
        self._leave_main()
        self.main_window = None
        self._show_unlock(path)  # retires the main window, which saves its layout
        self.close_vault()
        log.info("vault locked")

    @Slot(str, str)
    def on_main_window_restore_requested(self, backup: str, passphrase: str) -> None:
        from therapist_desk.services import maintenance, vault_access

        main, vault = self.main_window, self.ctx.vault
        if main is None or vault is None:
            return
        main.set_busy(self.tr("Restoring the backup…"))  # type: ignore[attr-defined]
        main.setEnabled(False)
        self._leave_main()
        self.ctx.vault = None
        path, old_key = vault.path, vault.key

        now = self.ctx.now()

        def job() -> object:
            # maintenance.restore takes the vault's lock itself: close ours (engine and lock) first.
            vault.close()
            maintenance.restore(Path(backup), path, passphrase, now)
            return vault_access.open_vault(path, passphrase)

        def done(new_vault: object) -> None:
            log.info("vault restored from a backup")
            self.ctx.vault = new_vault  # type: ignore[assignment]
            self._show_main(self.tr("The backup was restored."))

        def failed(error: BaseException) -> None:
            try:
                self.ctx.vault = vault_access.open_with_key(path, old_key)
            except Exception as reopen_error:  # noqa: BLE001 - back to the unlock window
                log_unexpected(log, "vault not reopened after a failed restore", reopen_error)
                self.main_window = None
                self._show_unlock(path)
                return
            self._show_main(self.tr("The backup was not restored."))
            self.main_window.show_failure(  # type: ignore[union-attr]
                self.tr("The backup was not restored; your vault is as it was."), error)

        self.ctx.tasks.run(job, done, failed)

    def close_vault(self) -> None:
        vault, self.ctx.vault = self.ctx.vault, None
        if vault is not None:
            vault.close()

    def shutdown(self) -> None:
        """After the event loop: let workers finish, back up, then close the vault (and its lock)."""
        if self._idle is not None:
            self._idle.stop()
        self._backup_timer.stop()
        self.ctx.tasks.wait()
        self.run_auto_backup(on_quit=True)
        self.close_vault()


if __name__ == "__main__":
    raise SystemExit(main())
