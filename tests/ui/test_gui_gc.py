"""Cycles holding Qt objects are collected on the GUI thread, never on a worker."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from therapist_desk.ui import gui_gc


class _Holder(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.me = self  # a reference cycle: only the cyclic collector frees it


def _churn() -> None:
    """Allocate like a busy worker: enough cycles to cross every generation's threshold."""
    junk = []
    for _ in range(50_000):
        a: list[object] = []
        a.append(a)
        junk.append(a)
        if len(junk) > 1_000:
            junk.clear()


def test_a_worker_allocating_never_collects_a_qt_cycle(qapp: QApplication) -> None:
    collector = gui_gc.install(qapp)
    assert not gc.isenabled()
    freed_on: list[int] = []
    holder = _Holder()
    weakref.finalize(holder, lambda: freed_on.append(threading.get_ident()))
    del holder

    worker = threading.Thread(target=_churn)
    worker.start()
    worker.join()
    assert freed_on == []  # with automatic collection on, the worker would have freed it

    gc.collect()  # what the collector's timer (and the fixture) do, on this thread
    assert freed_on == [threading.get_ident()]
    assert collector.collect_due() in (-1, 0, 1, 2)


def test_the_timer_collects_what_is_due(qapp: QApplication) -> None:
    collector = gui_gc.install(qapp)
    gc.collect()
    assert collector.collect_due() == -1  # nothing due right after a collection
    _churn()
    assert gc.get_count()[0] > collector.threshold[0] or gc.get_count()[1] > 0
    assert collector.collect_due() >= 0


def test_install_once_per_application(qapp: QApplication) -> None:
    assert gui_gc.install(qapp) is gui_gc.install(qapp)


def test_freezing_survivors_keeps_later_garbage_collectable(qapp: QApplication) -> None:
    gui_gc.install(qapp)
    gui_gc.freeze_survivors()
    try:
        assert gc.get_freeze_count() > 0
        freed: list[bool] = []
        holder = _Holder()
        weakref.finalize(holder, lambda: freed.append(True))
        del holder
        gc.collect()
        assert freed == [True]
    finally:
        gc.unfreeze()
