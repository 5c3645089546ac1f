"""Python's cyclic garbage collector, run on the GUI thread only.

CPython runs the collector in whichever thread happens to allocate when a threshold is crossed.
A cycle that holds a Qt object (a widget and a lambda connected to it, a dialog and its
callbacks) collected on a worker thread deletes that object off the GUI thread, and Qt crashes
later, anywhere. So: automatic collection off, and a timer on the GUI thread collects the
generations whose thresholds were crossed (the same rule CPython uses), a few times a second.
Reference counting still frees everything that is not in a cycle immediately.
"""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QObject, QTimer, Slot

CHECK_MS = 500
_ATTRIBUTE = "_gui_thread_collector"


class GuiThreadCollector(QObject):
    """Installed once per QApplication (``install``); collects only when the loop is idle."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.on_timer_timeout)
        gc.disable()
        self._timer.start()

    @Slot()
    def on_timer_timeout(self) -> None:
        self.collect_due()

    def collect_due(self) -> int:
        """Collect the oldest generation whose count passed its threshold; returns it (or -1)."""
        return collect_due(self.threshold)


def collect_due(threshold: tuple[int, ...] | None = None) -> int:
    """What CPython's automatic collection would do now, on the calling thread: collect the
    oldest generation whose count passed its threshold; returns it (or -1 when none is due)."""
    limits = threshold or gc.get_threshold()
    counts = gc.get_count()
    for generation in (2, 1, 0):
        if counts[generation] > limits[generation]:
            gc.collect(generation)
            return generation
    return -1


def install(app: QObject) -> GuiThreadCollector:
    """Turn automatic collection off for the process and collect on ``app``'s thread instead.

    One collector per application, remembered here (``findChild`` would build the ``Qt``
    namespace's enums, ~16 ms, before the first paint).
    """
    existing = getattr(app, _ATTRIBUTE, None)
    if existing is None:
        existing = GuiThreadCollector(app)
        setattr(app, _ATTRIBUTE, existing)
    gc.disable()
    return existing


def freeze_survivors() -> None:
    """Collect once, then move everything alive (modules, classes, the main window) out of the
    collector's sight: later full collections only walk what was made after, so they stay short
    and never stall the GUI thread for long."""
    gc.collect()
    gc.freeze()


def give_back_freed_memory() -> None:
    """Ask the C allocator to hand freed heap back to the system (glibc's ``malloc_trim``).

    After a burst of big, short-lived allocations (the first complete client list) glibc keeps
    the freed pages; macOS and Windows return them by themselves, so elsewhere this does nothing.
    """
    if sys.platform.startswith("linux"):
        import ctypes  # here, not at start-up: nothing before the first paint needs it

        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl): nothing to ask
            pass
