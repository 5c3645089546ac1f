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

from therapist_desk.ui import widgets
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.unlock_window import UnlockWindow

REPO = Path(__file__).resolve().parents[2]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def no_os_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Linux has no cheap Caps Lock query; make every platform behave that way here."""
    monkeypatch.setattr(widgets, "platform_caps_lock", lambda: None)


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


_PROBE = r"""
import json, sys, time
started = time.perf_counter()
import therapist_desk.app as app
from PySide6.QtCore import QTimer
from therapist_desk.paths import resolve_paths
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.signals import AppSignals
from therapist_desk.ui.tasks import TaskRunner

HEAVY = ("sqlalchemy", "alembic", "reportlab", "sqlcipher3", "therapist_desk.store",
         "therapist_desk.services")
def heavy():
    found = [m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    parts = (m.split(".") for m in found)
    return sorted({".".join(p[:2]) if p[0] == "therapist_desk" else p[0] for p in parts})

result = {"at_import": heavy()}
qapp = app.create_application()
ctx = AppContext(resolve_paths(sys.argv[1]), AppSignals(qapp), TaskRunner(qapp))
controller = app.AppController(ctx)
window = controller.start()

def finish():
    result["after_preload"] = heavy()
    qapp.quit()

def painted():
    result["window"] = window.objectName()
    result["at_first_paint"] = heavy()
    result["first_paint_ms"] = round((time.perf_counter() - started) * 1000)
    QTimer.singleShot(0, finish)  # queued behind the controller's preload

window.first_painted.connect(painted)
QTimer.singleShot(20_000, qapp.quit)
qapp.exec()
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
    done = subprocess.run([sys.executable, "-c", _PROBE, str(data)], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["window"] == ("unlockWindow" if with_vault else "firstRunWindow")
    assert result["at_import"] == []
    assert result["at_first_paint"] == [], f"loaded before the first paint: {result}"
    assert "sqlalchemy" in result["after_preload"], "the heavy modules load after the paint"
