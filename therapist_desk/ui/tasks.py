"""Run slow work (key stretching, big queries, PDF batches) off the GUI thread, results back on it.

One relay object, made once on the GUI thread and never deleted while workers run, carries every
result back: ``finished(task_id, ok, payload)`` is emitted on the worker and delivered queued to a
bound slot of the runner. No per-task QObject is created or destroyed across threads, and no
plain function is the receiver of a cross-thread signal (both have crashed PySide6 6.8+).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThread, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Work = Callable[[], Any]
OnDone = Callable[[Any], None]
OnError = Callable[[BaseException], None]


class _Relay(QObject):
    finished = Signal(int, bool, object)  # task id, succeeded, result or exception


class _Job(QRunnable):
    def __init__(self, task_id: int, fn: Work, relay: _Relay) -> None:
        super().__init__()
        self._task_id = task_id
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        fn, self._fn = self._fn, None  # drop the closure here, on the worker, not at deletion
        try:
            result = fn()
        except BaseException as error:  # noqa: BLE001 - every failure goes back to the GUI thread
            self._relay.finished.emit(self._task_id, False, error)
        else:
            self._relay.finished.emit(self._task_id, True, result)


class TaskRunner(QObject):
    """``run(fn, on_done, on_error)``: ``fn`` runs on a worker; callbacks run on the GUI thread.

    Each task must open its own database session (never share one across threads).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        # Long background chores (the daily backup of the whole vault) get their own thread, so
        # they never hold up what the user is waiting for (the list, the attention badge).
        self._background = QThreadPool(self)
        self._background.setMaxThreadCount(1)
        self._background.setThreadPriority(QThread.Priority.LowPriority)
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[OnDone, OnError]] = {}
        self._relay = _Relay(self)
        self._relay.finished.connect(self.on_relay_finished, Qt.ConnectionType.QueuedConnection)

    def run(self, fn: Work, on_done: OnDone, on_error: OnError) -> None:
        self._start(self._pool, fn, on_done, on_error)

    def run_background(self, fn: Work, on_done: OnDone, on_error: OnError) -> None:
        """Like ``run``, on the low-priority chore thread (one chore at a time)."""
        self._start(self._background, fn, on_done, on_error)

    def _start(self, pool: QThreadPool, fn: Work, on_done: OnDone, on_error: OnError) -> None:
        task_id = next(self._ids)
        self._pending[task_id] = (on_done, on_error)
        pool.start(_Job(task_id, fn, self._relay))

    @Slot(int, bool, object)
    def on_relay_finished(self, task_id: int, ok: bool, payload: Any) -> None:
        callbacks = self._pending.pop(task_id, None)
        if callbacks is None:
            return
        on_done, on_error = callbacks
        if ok:
            on_done(payload)
        else:
            on_error(payload)

    def pending(self) -> int:
        """Tasks whose callbacks have not run yet."""
        return len(self._pending)

    def wait(self, msecs: int = 30_000) -> bool:
        """Wait for the running tasks and chores (each pool up to ``msecs``)."""
        return self._pool.waitForDone(msecs) & self._background.waitForDone(msecs)


class SyncTaskRunner(TaskRunner):
    """Runs tasks inline: for tests and for tiny jobs where a thread is not worth it."""

    def _start(self, pool: QThreadPool, fn: Work, on_done: OnDone, on_error: OnError) -> None:
        try:
            result = fn()
        except Exception as error:  # noqa: BLE001
            on_error(error)
        else:
            on_done(result)
