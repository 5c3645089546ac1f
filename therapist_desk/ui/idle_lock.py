"""Auto-lock: ask for a lock after N idle minutes, after the machine slept, or when the app is suspended.

:class:`IdleLockWatcher` is an application-wide event filter. Keyboard, mouse, wheel, touch,
tablet and input-method events mark the user as present while the app is active. A timer
ticks every few seconds and emits :attr:`IdleLockWatcher.lock_requested` once, when:

* ``idle`` - no input reached the app for the idle minutes (PracticeProfile.idle_lock_minutes,
  default 10). Time spent in other applications counts as idle: input there never reaches us,
  and while the app is not active our own hover/mouse-move events do not count either.
* ``sleep`` - the wall clock jumped far past the tick interval between two ticks: the machine
  slept or hibernated (the process does not run while suspended, so the next tick arrives late).
  Wall time is used on purpose: ``time.monotonic`` stops during suspend on Linux and macOS.
* ``suspended`` - Qt reports ``Qt.ApplicationSuspended``.
* ``session_locked`` - someone called :meth:`IdleLockWatcher.on_session_locked` (a hook for a
  platform integration; none is built in, see below).

What each platform tells Qt (Qt 6, no platform code here, so all of it is testable offscreen):

* Windows: locking the workstation (Win+L) deactivates the foreground window, so the app goes
  ``ApplicationInactive``; the idle timer then runs out. Sleep/hibernate is seen as a wall-clock
  gap on wake. (``WM_WTSSESSION_CHANGE`` would need ``WTSRegisterSessionNotification`` and a
  native event filter: not used.)
* macOS: screen lock and sleep make another process frontmost, so the app goes inactive; sleep
  is a gap on wake. (``com.apple.screenIsLocked`` needs PyObjC: not used.)
* Linux (X11/Wayland): screen lockers do not reliably change the Qt application state; sleep is
  a gap on wake. (The ``org.freedesktop.ScreenSaver.ActiveChanged`` D-Bus signal could call
  :meth:`on_session_locked`; not used.)
* iOS/Android only: ``ApplicationSuspended``.

The watcher only emits; the main window decides how to lock (save drafts, close connections,
clear widgets). After emitting it stops itself; :meth:`start` it again after the next unlock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication

log = logging.getLogger(__name__)

DEFAULT_IDLE_MINUTES = 10
DEFAULT_TICK_MS = 5_000
# A gap between ticks this much longer than the tick interval means the process was not running:
# the machine slept. Large enough that a busy moment on the GUI thread is not taken for sleep.
DEFAULT_SLEEP_GAP_SECONDS = 60.0

_INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride,
    QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseButtonDblClick, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd,
    QEvent.Type.TabletPress, QEvent.Type.TabletMove, QEvent.Type.TabletRelease,
    QEvent.Type.InputMethod,  # typing through an input method (CJK, dead keys)
})


class IdleLockWatcher(QObject):
    """Emits ``lock_requested`` once when the session should lock; ``reason`` says why.

    ``clock`` returns wall-clock seconds (``time.time``); tests pass a fake one and call
    :meth:`check` instead of waiting.
    """

    lock_requested = Signal()

    def __init__(
        self,
        idle_minutes: float = DEFAULT_IDLE_MINUTES,
        parent: QObject | None = None,
        *,
        tick_ms: int = DEFAULT_TICK_MS,
        sleep_gap_seconds: float = DEFAULT_SLEEP_GAP_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._idle_seconds = 0.0
        self.set_idle_minutes(idle_minutes)
        self._sleep_gap = float(sleep_gap_seconds)
        self._running = False
        self._app_active = True
        self.reason = ""
        self._last_input = clock()
        self._last_tick = self._last_input
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self.on_timer_timeout)
        self._filtered_app: QCoreApplication | None = None
        app = QCoreApplication.instance()
        if isinstance(app, QGuiApplication):
            self._app_active = app.applicationState() == Qt.ApplicationState.ApplicationActive
            app.applicationStateChanged.connect(self.on_application_state_changed)

    # --- control ---------------------------------------------------------------------------

    @property
    def idle_minutes(self) -> float:
        return self._idle_seconds / 60

    def set_idle_minutes(self, minutes: float) -> None:
        """Change the idle limit (Settings); counted from the last input, not from now."""
        if minutes <= 0:
            raise ValueError("the idle lock needs a positive number of minutes")
        self._idle_seconds = float(minutes) * 60

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        """Start watching (after an unlock): install the event filter and count from now."""
        app = QCoreApplication.instance()
        if app is not None and self._filtered_app is None:
            app.installEventFilter(self)
            self._filtered_app = app
        self.reason = ""
        self.mark_activity()
        self._last_tick = self._clock()
        self._running = True
        self._timer.start()

    def stop(self) -> None:
        """Stop watching (while locked): no timer, no event filter, nothing emitted."""
        self._running = False
        self._timer.stop()
        if self._filtered_app is not None:
            self._filtered_app.removeEventFilter(self)
            self._filtered_app = None

    def mark_activity(self) -> None:
        """Count the user as present now (input does this by itself)."""
        self._last_input = self._clock()

    def idle_seconds(self) -> float:
        return max(0.0, self._clock() - self._last_input)

    # --- detection -------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Called for every event in the app: a set lookup and a clock read, nothing else.
        if self._app_active and event.type() in _INPUT_EVENTS:
            self._last_input = self._clock()
        return False

    def check(self) -> bool:
        """Run one tick's checks now; True if ``lock_requested`` was emitted."""
        if not self._running:
            return False
        now = self._clock()
        gap = now - self._last_tick
        self._last_tick = now
        self._last_input = min(self._last_input, now)  # the clock was set back: start counting again
        if gap > self._timer.interval() / 1000 + self._sleep_gap:
            return self._request("sleep")
        if now - self._last_input >= self._idle_seconds:
            return self._request("idle")
        return False

    @Slot()
    def on_timer_timeout(self) -> None:
        self.check()

    @Slot(Qt.ApplicationState)
    def on_application_state_changed(self, state: Qt.ApplicationState) -> None:
        was_active = self._app_active
        self._app_active = state == Qt.ApplicationState.ApplicationActive
        if state == Qt.ApplicationState.ApplicationSuspended:
            self._request("suspended")
        elif self._app_active and not was_active:
            # Timers may be throttled while the app is in the background (macOS App Nap): check
            # at once, so a return after the limit locks before anything is read.
            self.check()

    @Slot()
    def on_session_locked(self) -> None:
        """For a platform hook that learns the screen was locked: lock now."""
        self._request("session_locked")

    def _request(self, reason: str) -> bool:
        if not self._running:
            return False
        self.stop()
        self.reason = reason
        log.info("auto-lock: %s", reason)
        self.lock_requested.emit()
        return True
