"""The unlock window: paints before the heavy imports, wrong then right passphrase, plain errors."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from therapist_desk.ui import passphrase_field
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.unlock_window import UnlockWindow

REPO = Path(__file__).resolve().parents[2]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def no_os_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Linux has no cheap Caps Lock query; make every platform behave that way here."""
    monkeypatch.setattr(passphrase_field, "platform_caps_lock", lambda: None)


def _window(qtbot, ctx: AppContext, path: Path) -> UnlockWindow:
    window = UnlockWindow(ctx, path)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _submit(qtbot, window: UnlockWindow, passphrase: str) -> None:
    # Latin-1 only here; the full passphrase (with non-Latin-1 text) goes through ``typist``.
    qtbot.keyClicks(window.passphrase, passphrase)
    qtbot.mouseClick(window.unlock_button, Qt.MouseButton.LeftButton)


def test_wrong_then_right_passphrase_on_the_worker_thread(
        qtbot, threaded_ctx: AppContext, closed_vault: Path, passphrase: str, typist,
        no_os_caps: None) -> None:
    before = _digest(closed_vault)
    window = _window(qtbot, threaded_ctx, closed_vault)

    _submit(qtbot, window, "not the passphrase")
    # Busy while the key is stretched: inputs disabled, indeterminate bar shown.
    assert window.is_busy()
    assert not window.passphrase.isEnabled() and not window.unlock_button.isEnabled()
    assert window.progress.isVisibleTo(window) and window.progress.maximum() == 0
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=15_000)

    assert "does not open this vault" in window.error.message()
    assert window.caps_reminder.message() == "Check that Caps Lock is off."
    assert window.passphrase.text() == ""
    assert window.passphrase.isEnabled()
    assert window.focusWidget() is window.passphrase
    assert threaded_ctx.vault is None
    assert _digest(closed_vault) == before, "a wrong passphrase must leave the vault untouched"

    with qtbot.waitSignal(window.unlocked, timeout=15_000):
        typist(window.passphrase, passphrase)
        qtbot.mouseClick(window.unlock_button, Qt.MouseButton.LeftButton)
    assert threaded_ctx.vault is not None
    assert window.error.message() == ""


def test_repeated_failures_mention_a_damaged_file(qtbot, ctx: AppContext,
                                                  closed_vault: Path) -> None:
    window = _window(qtbot, ctx, closed_vault)
    for _ in range(3):
        _submit(qtbot, window, "wrong")
    assert "damaged" in window.error.message()


def test_empty_passphrase_is_not_tried(qtbot, ctx: AppContext, closed_vault: Path) -> None:
    window = _window(qtbot, ctx, closed_vault)
    qtbot.mouseClick(window.unlock_button, Qt.MouseButton.LeftButton)
    assert window.error.message() == "Type your passphrase first."
    assert ctx.vault is None


def test_caps_lock_noticed_from_typing(qtbot, ctx: AppContext, closed_vault: Path,
                                       no_os_caps: None) -> None:
    window = _window(qtbot, ctx, closed_vault)
    qtbot.keyClicks(window.passphrase, "ABC")  # capitals without Shift: Caps Lock is on
    assert window.passphrase.caps_hint.message() == "Caps Lock is on."
    qtbot.keyClicks(window.passphrase, "d")
    assert window.passphrase.caps_hint.message() == ""


def test_vault_in_use_gets_its_plain_message(qtbot, ctx: AppContext, vault: object) -> None:
    from therapist_desk.services.vault_access import VaultInUse

    other = AppContext(paths=ctx.paths, signals=ctx.signals, tasks=ctx.tasks)
    window = _window(qtbot, other, ctx.paths.vault)  # ctx still holds the vault open
    _submit(qtbot, window, "any passphrase")
    assert window.error.message() == VaultInUse().message
    assert other.vault is None


def test_not_a_vault_gets_its_plain_message(qtbot, ctx: AppContext) -> None:
    from therapist_desk.services.vault_access import NotAVault

    junk = ctx.paths.vault
    junk.write_bytes(b"this is a shopping list, not a vault\n" * 3)
    window = _window(qtbot, ctx, junk)
    _submit(qtbot, window, "any passphrase")
    assert window.error.message() == NotAVault().message
    assert ctx.vault is None


def test_the_passphrase_field_keeps_input_methods_away(qtbot, ctx: AppContext,
                                                       closed_vault: Path) -> None:
    """No on-screen keyboard may learn, predict or auto-capitalize the passphrase."""
    window = _window(qtbot, ctx, closed_vault)
    hints = window.passphrase.inputMethodHints()
    for hint in (Qt.InputMethodHint.ImhHiddenText, Qt.InputMethodHint.ImhSensitiveData,
                 Qt.InputMethodHint.ImhNoPredictiveText, Qt.InputMethodHint.ImhNoAutoUppercase):
        assert hints & hint, hint


def test_error_text_is_plain_and_selectable(qtbot, ctx: AppContext, closed_vault: Path) -> None:
    window = _window(qtbot, ctx, closed_vault)
    window.error.show_message("<b>not bold</b>")
    assert window.error.textFormat() == Qt.TextFormat.PlainText
    assert window.error.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert window.error.message() == "<b>not bold</b>"


# The real entry point, as the cold-start benchmark runs it; the controller's first-paint slot
# is wrapped to look at the process at that moment and once the start-up has finished.
_PROBE = r"""
import json, logging, sys, time
started = time.perf_counter()
import therapist_desk.app as app
from therapist_desk import cli

HEAVY = ("sqlalchemy", "alembic", "reportlab", "sqlcipher3", "therapist_desk.store",
         "therapist_desk.services")
def heavy():
    found = [m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    parts = (m.split(".") for m in found)
    return sorted({".".join(p[:2]) if p[0] == "therapist_desk" else p[0] for p in parts})

def light():
    # PySide6 creates its Python types on first use: "Qt" appears once the Qt namespace (~90
    # enums) was built, "QWheelEvent" once a generic QEvent reached a Python override (PySide6
    # then sets up ~45 event classes to find its type). Also the rotating log handler, the tasks.
    core = sys.modules["PySide6.QtCore"].__dict__
    gui = sys.modules["PySide6.QtGui"].__dict__
    return {"qt_namespace": "Qt" in core, "event_types": "QWheelEvent" in gui,
            "logging.handlers": "logging.handlers" in sys.modules,
            "tasks": "therapist_desk.ui.tasks" in sys.modules}

result = {"at_import": heavy()}
real_slot = app.AppController.on_window_first_painted

def painted(self):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    result["window"] = self.window.objectName()
    result["at_first_paint"] = heavy()
    result["light_at_first_paint"] = light()
    result["first_paint_ms"] = round((time.perf_counter() - started) * 1000)
    real_slot(self)  # queues the rest of the start-up

    def finish():
        result["after_preload"] = heavy()
        handler = next(h for h in logging.getLogger().handlers if getattr(h, "_therapist_desk", 0))
        result["log_rotating"] = handler.rotating
        result["icon"] = not QApplication.instance().windowIcon().isNull()
        QApplication.instance().quit()

    QTimer.singleShot(0, finish)  # queued behind the start-up's rest

app.AppController.on_window_first_painted = painted
result["code"] = cli.main(["--data-dir", sys.argv[1]])
print(json.dumps(result))
"""


@pytest.mark.slow
@pytest.mark.parametrize("with_vault", [True, False], ids=["unlock", "first-run"])
def test_first_window_paints_before_sqlalchemy_loads(tmp_path: Path, with_vault: bool) -> None:
    data = tmp_path / "data"
    data.mkdir()
    if with_vault:
        (data / "vault.tdvault").write_bytes(b"\0" * 4096)  # the unlock window only needs a file
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    env.pop("THERAPIST_DESK_DATA_DIR", None)
    done = subprocess.run([sys.executable, "-c", _PROBE, str(data)], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0
    assert result["window"] == ("unlockWindow" if with_vault else "firstRunWindow")
    assert result["at_import"] == []
    assert result["at_first_paint"] == [], f"loaded before the first paint: {result}"
    assert "sqlalchemy" in result["after_preload"], "the heavy modules load after the paint"
    assert result["log_rotating"] and result["icon"], "the start-up finishes after the paint"
    light = result["light_at_first_paint"]
    assert not light["logging.handlers"], "the rotating log handler waits for the paint"
    if with_vault:  # the first-run window is not timed: it may use the Qt namespace
        assert light == {"qt_namespace": False, "event_types": False, "logging.handlers": False,
                         "tasks": False}, (
            "the unlock window paints without the Qt namespace, PySide6's event-type set-up, "
            "the rotating log handler and the task runner (see form_widgets.py)")
    log_text = (data / "logs" / "therapist-desk.log").read_text(encoding="utf-8")
    assert "starting" in log_text and "heavy modules loaded" in log_text
