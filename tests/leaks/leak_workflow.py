"""Child process for the leak-path test: drive the real app with a marker client and note.

Run by tests/leaks/test_leak_paths.py with HOME, XDG folders and TMPDIR pointed at a scratch
folder; it prints "done" when every step ran. Not collected by pytest (no test_ prefix).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtCore import QCoreApplication, QSettings, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QPlainTextEdit  # noqa: E402

from therapist_desk import logs  # noqa: E402
from therapist_desk.app import AppController, create_application, install_excepthook  # noqa: E402
from therapist_desk.paths import resolve_paths  # noqa: E402
from therapist_desk.ui.context import AppContext  # noqa: E402
from therapist_desk.ui.main_window import TAB_NOTES, TAB_PLANS  # noqa: E402
from therapist_desk.ui.signals import AppSignals  # noqa: E402
from therapist_desk.ui.tasks import TaskRunner  # noqa: E402

NAME_MARKER, NOTE_MARKER, PASSPHRASE = sys.argv[1], sys.argv[2], sys.argv[3]


def wait_until(condition, timeout_ms: int = 20_000) -> None:  # type: ignore[no-untyped-def]
    waited = 0
    while not condition():
        QApplication.processEvents()
        QTest.qWait(20)
        waited += 20
        if waited > timeout_ms:
            raise SystemExit("timed out")


def main() -> int:
    paths = resolve_paths(sys.argv[4])
    paths.ensure()
    log_file = logs.setup_logging(paths.log_dir)
    install_excepthook(log_file)
    app = create_application()
    ctx = AppContext(paths=paths, signals=AppSignals(), tasks=TaskRunner())

    # A vault with a profile, made the way the first-run window makes it.
    from tests.services.conftest import valid_profile
    from therapist_desk.services.practice import save_profile
    from therapist_desk.services.vault_access import create_and_open

    vault = create_and_open(paths.vault, PASSPHRASE)
    with vault.unit_of_work() as session:
        save_profile(session, valid_profile(), ctx.now())
    vault.close()

    controller = AppController(ctx)
    unlock = controller.start()
    QTest.keyClicks(unlock.passphrase, PASSPHRASE)
    QTest.mouseClick(unlock.unlock_button, Qt.MouseButton.LeftButton)
    wait_until(lambda: controller.main_window is not None)
    main_window = controller.main_window

    # Clients tab: a new client typed into the form and saved.
    clients = main_window.clients_tab
    clients.new_client()
    QTest.keyClicks(clients.form.fields["legal_first_name"], "Marker")
    QTest.keyClicks(clients.form.fields["legal_last_name"], NAME_MARKER)
    QTest.keyClicks(clients.form.fields["date_of_birth"], "1980-02-03")
    assert clients.save(), "client saved"
    wait_until(lambda: clients.form.client_id is not None)
    QTest.keyClicks(clients.search_box, NAME_MARKER[:6])
    QTest.qWait(400)

    # Session Notes tab: a new note typed, autosaved, saved as a draft, searched for.
    main_window.show_tab(TAB_NOTES)
    notes = main_window.notes_tab
    notes.new_note()
    section = next(w for w in notes.editor.findChildren(QPlainTextEdit)
                   if w.objectName().startswith("section"))
    QTest.keyClicks(section, f"Client said {NOTE_MARKER} today.")
    notes.flush_drafts()
    notes.save_note_now()
    from therapist_desk.services.notes import search_notes

    with ctx.reader() as session:  # the marker really is in the vault (so its absence means something)
        assert search_notes(session, NOTE_MARKER), "the note was saved"
    main_window.show_tab(TAB_PLANS)
    QTest.qWait(200)

    # An unexpected error whose message holds the marker must reach neither log nor dialog text.
    try:
        raise RuntimeError(f"boom {NOTE_MARKER} {NAME_MARKER}")
    except RuntimeError:
        from therapist_desk.ui.widgets import log_unexpected
        import logging

        log_unexpected(logging.getLogger("leak-test"), "a failure", sys.exc_info()[1])

    # Lock, unlock, quit (the quit backup runs), like a day's end.
    main_window.action_lock.trigger()
    wait_until(lambda: controller.main_window is None)
    unlock = controller.window
    QTest.keyClicks(unlock.passphrase, PASSPHRASE)
    QTest.mouseClick(unlock.unlock_button, Qt.MouseButton.LeftButton)
    wait_until(lambda: controller.main_window is not None)
    controller.main_window.close()
    QSettings().sync()
    controller.shutdown()
    QCoreApplication.processEvents()
    del app
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
