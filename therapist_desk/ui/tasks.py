"""Run slow work (key stretching, big queries, PDF batches) off the GUI thread, results back on it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as error:  # noqa: BLE001 - every failure goes back to the GUI thread
            self._relay.failed.emit(error)
        else:
            self._relay.done.emit(result)


class TaskRunner(QObject):
    """``run(fn, on_done, on_error)``: ``fn`` runs on a worker; callbacks run on the GUI thread.

    Each task must open its own database session (never share one across threads).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._relays: set[_Relay] = set()

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        relay = _Relay()  # lives on the GUI thread, so its signals are delivered there (queued)
        self._relays.add(relay)

        @Slot(object)
        def finished(result: Any) -> None:
            self._relays.discard(relay)
            on_done(result)

        @Slot(object)
        def errored(error: BaseException) -> None:
            self._relays.discard(relay)
            on_error(error)

        relay.done.connect(finished)
        relay.failed.connect(errored)
        self._pool.start(_Job(fn, relay))

    def wait(self, msecs: int = 30_000) -> bool:
        return self._pool.waitForDone(msecs)


class SyncTaskRunner(TaskRunner):
    """Runs tasks inline: for tests and for tiny jobs where a thread is not worth it."""

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        try:
            result = fn()
        except Exception as error:  # noqa: BLE001
            on_error(error)
        else:
            on_done(result)
