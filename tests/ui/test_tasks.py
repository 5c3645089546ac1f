"""The task runner: work on workers, every result back on the GUI thread to its own callbacks."""

from __future__ import annotations

import threading
import time

from pytestqt.qtbot import QtBot

from therapist_desk.ui.tasks import TaskRunner


def test_many_tasks_each_result_reaches_its_own_callback_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = TaskRunner()
    gui = threading.get_ident()
    results: dict[int, int] = {}
    errors: dict[int, str] = {}
    worker_threads: set[int] = set()

    def work(n: int) -> int:
        worker_threads.add(threading.get_ident())
        if n % 7 == 0:
            raise ValueError(f"task {n}")
        return n * n

    def done(n: int, value: int) -> None:
        assert threading.get_ident() == gui
        results[n] = value

    def failed(n: int, error: BaseException) -> None:
        assert threading.get_ident() == gui
        errors[n] = str(error)

    for n in range(1, 201):
        runner.run(lambda n=n: work(n), lambda v, n=n: done(n, v), lambda e, n=n: failed(n, e))
    qtbot.waitUntil(lambda: runner.pending() == 0, timeout=10_000)

    assert results == {n: n * n for n in range(1, 201) if n % 7}
    assert errors == {n: f"task {n}" for n in range(7, 201, 7)}
    assert gui not in worker_threads


def test_a_long_chore_does_not_hold_up_the_work_the_user_waits_for(qtbot: QtBot) -> None:
    runner = TaskRunner()
    release = threading.Event()
    order: list[str] = []
    runner.run_background(lambda: release.wait(10), lambda _r: order.append("chore"), print)
    runner.run(lambda: "list", order.append, print)
    runner.run(lambda: "badge", order.append, print)
    qtbot.waitUntil(lambda: len(order) == 2, timeout=5_000)
    assert sorted(order) == ["badge", "list"]  # both ran while the chore was still going
    release.set()
    assert runner.wait(5_000)
    qtbot.waitUntil(lambda: order[-1:] == ["chore"], timeout=5_000)


def test_wait_returns_once_running_work_is_done(qtbot: QtBot) -> None:
    runner = TaskRunner()
    finished = threading.Event()
    runner.run(lambda: (time.sleep(0.2), finished.set()), lambda _r: None, print)
    assert runner.wait(5_000)
    assert finished.is_set()
