"""Kill the app mid-note: a child process types into a real Notes tab, waits for the autosave,
and is killed without warning; a fresh tab on the same vault offers the text back, exactly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.services.conftest import valid_client, valid_profile
from tests.ui.test_notes_tab import NOW, PASSWORD
from therapist_desk.paths import resolve_paths
from therapist_desk.services import clients
from therapist_desk.services.note_drafts import note_drafts
from therapist_desk.services.practice import save_profile
from therapist_desk.services.vault_access import create_and_open, open_vault
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.notes_tab import NotesTab
from therapist_desk.ui.signals import AppSignals
from therapist_desk.ui.tasks import SyncTaskRunner

REPO = Path(__file__).resolve().parents[2]
# What keyClicks can type (Latin-1): quotes, a backslash, punctuation, several lines of it.
TEXT = 'Client said "I can\'t sleep" \\ 3 nights; 50% better. Plan: sleep diary & walks.'
PRIVATE = "Private: zanzibarword - my own reaction"
READY = "DRAFT-COMMITTED"

CHILD = textwrap.dedent('''
    import sys, time
    from datetime import datetime
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    from PySide6.QtTest import QTest

    app = QApplication([])
    from therapist_desk.paths import resolve_paths
    from therapist_desk.services.note_drafts import find_note_draft
    from therapist_desk.services.vault_access import open_vault
    from therapist_desk.ui.context import AppContext
    from therapist_desk.ui.notes_tab import NotesTab
    from therapist_desk.ui.signals import AppSignals
    from therapist_desk.ui.tasks import SyncTaskRunner

    vault_path, password, client_id, text, private, now = sys.argv[1:7]
    client_id, now = int(client_id), datetime.fromisoformat(now)
    ctx = AppContext(paths=resolve_paths(Path(vault_path).parent / "data"), signals=AppSignals(),
                     tasks=SyncTaskRunner(), vault=open_vault(Path(vault_path), password),
                     clock=lambda: now)
    tab = NotesTab(ctx)
    tab.resize(1200, 900)
    tab.show()
    ctx.signals.client_selected.emit(client_id)
    tab.new_button.click()
    QTest.keyClicks(tab.editor.start_edit, "10:00")
    QTest.keyClicks(tab.editor.sections.edits["Subjective"], text)
    QTest.keyClicks(tab.editor.private_edit, private)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the autosave timer fires inside the event loop
        QTest.qWait(100)
        with ctx.reader() as session:
            found = find_note_draft(session, client_id, None)
        if found and found.draft.psychotherapy_text == private:
            print("@READY@", flush=True)
            break
    while True:  # mid-session: the clinician is still "working" when the process dies
        QTest.qWait(1000)
'''.replace("@READY@", READY))


def _prepare(tmp_path: Path) -> tuple[Path, int]:
    path = tmp_path / "v.tdvault"
    vault = create_and_open(path, PASSWORD)
    with vault.unit_of_work() as s:
        save_profile(s, valid_profile(), NOW)
        cid = clients.create_client(s, valid_client(), NOW).id
    vault.close()
    assert cid is not None
    return path, cid


def _run_child_until_autosaved(path: Path, cid: int) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    errors = path.with_name("child-stderr.txt")
    with errors.open("w", encoding="utf-8") as stderr, subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), PASSWORD, str(cid), TEXT, PRIVATE, NOW.isoformat()],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True) as child:
        watchdog = threading.Timer(120, child.kill)  # a hung child must not hang the suite
        watchdog.start()
        try:
            assert child.stdout is not None
            line = child.stdout.readline()  # blocks until the child reports the committed draft
        finally:
            watchdog.cancel()
            child.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no clean-up runs
            child.wait(timeout=30)
    assert line.strip() == READY, errors.read_text(encoding="utf-8")[-3000:]
    assert child.returncode != 0


@pytest.mark.slow
def test_killed_mid_note_the_text_is_offered_back_exactly(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, cid = _prepare(tmp_path)
    _run_child_until_autosaved(path, cid)

    vault = open_vault(path, PASSWORD)  # the lock died with the child
    ctx = AppContext(paths=resolve_paths(tmp_path / "data"), signals=AppSignals(),
                     tasks=SyncTaskRunner(), vault=vault, clock=lambda: NOW)
    try:
        with ctx.reader() as s:
            (found,) = note_drafts(s)
        assert dict(found.draft.sections)["Subjective"] == TEXT
        assert found.draft.psychotherapy_text == PRIVATE and found.draft.start_text == "10:00"

        tab = NotesTab(ctx)  # the tab on start offers the text, before any client is chosen
        qtbot.addWidget(tab)
        tab.show()
        assert tab.banner.isVisible()
        assert "Unsaved text from 2026-11-20 17:31 was recovered" in tab.banner_text.text()
        assert "Robin Fictionalson" in tab.banner_text.text()
        qtbot.mouseClick(tab.restore_button, Qt.MouseButton.LeftButton)
        assert tab.client_id == cid
        assert tab.editor.sections.edits["Subjective"].toPlainText() == TEXT
        assert tab.editor.private_edit.toPlainText() == PRIVATE
        assert tab.editor.start_edit.text() == "10:00"
        assert tab.has_unsaved_changes() and not tab.banner.isVisible()
    finally:
        ctx.vault = None
        vault.close()


@pytest.mark.slow
def test_after_a_kill_selecting_the_client_offers_the_text(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, cid = _prepare(tmp_path)
    _run_child_until_autosaved(path, cid)
    vault = open_vault(path, PASSWORD)
    ctx = AppContext(paths=resolve_paths(tmp_path / "data"), signals=AppSignals(),
                     tasks=SyncTaskRunner(), vault=vault, clock=lambda: NOW)
    try:
        tab = NotesTab(ctx)
        qtbot.addWidget(tab)
        tab.show()
        ctx.signals.client_selected.emit(cid)
        assert tab.banner.isVisible() and "a new note" in tab.banner_text.text()
        qtbot.mouseClick(tab.restore_button, Qt.MouseButton.LeftButton)
        assert tab.editor.sections.edits["Subjective"].toPlainText() == TEXT
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
        with ctx.reader() as s:
            assert note_drafts(s) == []
    finally:
        ctx.vault = None
        vault.close()
