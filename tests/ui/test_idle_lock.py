"""IdleLockWatcher: idle minutes, input resets, sleep gaps, suspended state, start/stop."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QMouseEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from therapist_desk.ui.idle_lock import DEFAULT_IDLE_MINUTES, IdleLockWatcher


class FakeClock:
    """Wall-clock seconds that only move when the test says so."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def run_for(watcher: IdleLockWatcher, clock: FakeClock, seconds: float, step: float = 30) -> bool:
    """Let ``seconds`` pass with a tick every ``step`` seconds; True if a tick asked for a lock."""
    asked = False
    while seconds > 0:
        moved = min(step, seconds)
        clock.advance(moved)
        seconds -= moved
        asked = watcher.check() or asked
    return asked


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def watcher(qapp: QApplication, clock: FakeClock) -> IdleLockWatcher:
    # A long tick: the test drives check() itself, the real timer never fires during a test.
    w = IdleLockWatcher(10, tick_ms=60_000, sleep_gap_seconds=60, clock=clock)
    yield w
    w.stop()
    w.deleteLater()


def _emitted(watcher: IdleLockWatcher) -> list[str]:
    seen: list[str] = []
    watcher.lock_requested.connect(lambda: seen.append(watcher.reason))
    return seen


def _typing_window(qtbot: object) -> QLineEdit:
    edit = QLineEdit()
    qtbot.addWidget(edit)  # type: ignore[attr-defined]
    edit.show()
    edit.activateWindow()
    edit.setFocus()
    return edit


def test_default_is_ten_minutes(qapp: QApplication) -> None:
    w = IdleLockWatcher()
    assert w.idle_minutes == DEFAULT_IDLE_MINUTES == 10
    assert not w.running
    w.deleteLater()


def test_locks_after_the_idle_minutes_and_only_once(watcher: IdleLockWatcher, clock: FakeClock) -> None:
    seen = _emitted(watcher)
    watcher.start()
    assert not run_for(watcher, clock, 9 * 60 + 50)
    assert run_for(watcher, clock, 15)
    assert seen == ["idle"]
    assert not watcher.running
    # Stopped after asking: nothing more until the next unlock starts it again.
    clock.advance(3600)
    assert not watcher.check()
    assert seen == ["idle"]


def test_keyboard_and_mouse_input_reset_the_idle_time(
    watcher: IdleLockWatcher, clock: FakeClock, qtbot: object,
) -> None:
    seen = _emitted(watcher)
    edit = _typing_window(qtbot)
    watcher._app_active = True  # offscreen has no window manager to activate the app
    watcher.start()
    for _ in range(5):
        assert not run_for(watcher, clock, 8 * 60)
        qtbot.keyClicks(edit, "a")  # type: ignore[attr-defined]
        assert not run_for(watcher, clock, 8 * 60)
        qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert watcher.idle_seconds() == 0
    assert seen == []
    assert run_for(watcher, clock, 10 * 60)
    assert seen == ["idle"]


def test_input_while_the_app_is_inactive_does_not_count(
    watcher: IdleLockWatcher, clock: FakeClock, qtbot: object,
) -> None:
    seen = _emitted(watcher)
    edit = _typing_window(qtbot)
    watcher.start()
    watcher.on_application_state_changed(Qt.ApplicationState.ApplicationInactive)
    assert not run_for(watcher, clock, 6 * 60)
    # The pointer passing over our window while the clinician works in another app.
    move = QMouseEvent(QEvent.Type.MouseMove, QPointF(5, 5), QPointF(5, 5),
                       Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(edit, move)
    qtbot.keyClicks(edit, "a")  # type: ignore[attr-defined]
    assert watcher.idle_seconds() == 6 * 60
    assert run_for(watcher, clock, 4 * 60)
    assert seen == ["idle"]


def test_returning_to_the_app_after_the_limit_locks_at_once(
    watcher: IdleLockWatcher, clock: FakeClock,
) -> None:
    seen = _emitted(watcher)
    watcher.start()
    watcher.on_application_state_changed(Qt.ApplicationState.ApplicationInactive)
    clock.advance(11 * 60)  # timers may not have fired in the background
    watcher._last_tick = clock()  # ...but the process was running (no sleep gap)
    watcher.on_application_state_changed(Qt.ApplicationState.ApplicationActive)
    assert seen == ["idle"]


def test_a_wall_clock_gap_between_ticks_means_the_machine_slept(
    watcher: IdleLockWatcher, clock: FakeClock,
) -> None:
    seen = _emitted(watcher)
    watcher.start()
    clock.advance(30)
    assert not watcher.check()
    # Asleep for three minutes: shorter than the idle limit, still a lock.
    clock.advance(180 + 60)
    assert watcher.check()
    assert seen == ["sleep"]


def test_suspended_application_state_locks_at_once(watcher: IdleLockWatcher) -> None:
    seen = _emitted(watcher)
    watcher.start()
    watcher.on_application_state_changed(Qt.ApplicationState.ApplicationSuspended)
    assert seen == ["suspended"]


def test_platform_hook_for_a_locked_session(watcher: IdleLockWatcher) -> None:
    seen = _emitted(watcher)
    watcher.start()
    watcher.on_session_locked()
    assert seen == ["session_locked"]


def test_stopped_watcher_never_asks(watcher: IdleLockWatcher, clock: FakeClock) -> None:
    seen = _emitted(watcher)
    watcher.start()
    watcher.stop()
    clock.advance(24 * 3600)
    assert not watcher.check()
    watcher.on_application_state_changed(Qt.ApplicationState.ApplicationSuspended)
    watcher.on_session_locked()
    assert seen == []


def test_restart_after_unlock_counts_from_then(watcher: IdleLockWatcher, clock: FakeClock) -> None:
    seen = _emitted(watcher)
    watcher.start()
    assert run_for(watcher, clock, 11 * 60)
    clock.advance(5 * 60)  # locked for five minutes (no ticks while stopped), then unlocked
    watcher.start()
    assert watcher.reason == ""
    assert not run_for(watcher, clock, 9 * 60)
    assert seen == ["idle"]


def test_changing_the_minutes_applies_to_the_running_count(
    watcher: IdleLockWatcher, clock: FakeClock,
) -> None:
    seen = _emitted(watcher)
    watcher.start()
    assert not run_for(watcher, clock, 3 * 60)
    watcher.set_idle_minutes(2)
    assert watcher.check()
    assert seen == ["idle"]
    with pytest.raises(ValueError):
        watcher.set_idle_minutes(0)


def test_clock_set_back_does_not_lock(watcher: IdleLockWatcher, clock: FakeClock) -> None:
    seen = _emitted(watcher)
    watcher.start()
    clock.advance(-3600)
    assert not watcher.check()
    assert not run_for(watcher, clock, 9 * 60)
    assert seen == []


def test_the_real_timer_fires_on_its_own(qapp: QApplication, qtbot: object) -> None:
    """No fake clock: a 0.6 s limit and a 50 ms tick reach lock_requested by themselves."""
    w = IdleLockWatcher(0.01, tick_ms=50)
    try:
        w.start()
        started = time.time()
        with qtbot.waitSignal(w.lock_requested, timeout=5_000):  # type: ignore[attr-defined]
            pass
        assert w.reason == "idle"
        assert time.time() - started >= 0.5
    finally:
        w.stop()
        w.deleteLater()


def test_the_event_filter_is_removed_when_stopped(watcher: IdleLockWatcher, clock: FakeClock,
                                                  qtbot: object) -> None:
    edit = _typing_window(qtbot)
    watcher._app_active = True
    watcher.start()
    watcher.stop()
    before = watcher._last_input
    clock.advance(60)
    qtbot.keyClicks(edit, "a")  # type: ignore[attr-defined]
    assert watcher._last_input == before


def test_follows_the_application_state_signal(qapp: QApplication, clock: FakeClock) -> None:
    """Connected to QGuiApplication.applicationStateChanged at construction."""
    w = IdleLockWatcher(10, tick_ms=60_000, clock=clock)
    try:
        seen = _emitted(w)
        w.start()
        assert isinstance(qapp, QGuiApplication)
        qapp.applicationStateChanged.emit(Qt.ApplicationState.ApplicationSuspended)
        assert seen == ["suspended"]
    finally:
        w.stop()
        w.deleteLater()
