"""Superbills and progress letters: one warm render beside an empty ReportLab page, and a batch
of superbills through the app's TaskRunner while a 10 ms timer measures how late the GUI is."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from typing import Any

from benchmarks.common import Context, Result, load_window, median, now, paired, timed, work_copy
from benchmarks.generate import PASSPHRASE

SUPERBILL_TARGET_MS = 10.0
LETTER_TARGET_MS = 25.0
BATCH_TARGET_MS = 1000.0
# "The GUI stays responsive": no event-loop stall longer than this while the batch runs.
STALL_LIMIT_MS = 50.0


def empty_page() -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _vault(ctx: Context, name: str) -> Any:
    from therapist_desk.services.vault_access import open_vault

    return open_vault(work_copy(ctx.builds["practice"].vault, ctx.scratch(name)), PASSPHRASE)


def _now(ctx: Context) -> datetime:
    return datetime.combine(date.fromisoformat(ctx.builds["practice"].manifest["params"]["today"]), time(18))


def superbill(ctx: Context) -> list[Result]:
    from therapist_desk.export.superbill import render_superbill
    from therapist_desk.services import superbills

    case = ctx.builds["practice"].manifest["superbill"]
    vault = _vault(ctx, "superbill")
    try:
        def assemble() -> Any:
            with vault.reader() as session:
                return superbills.assemble_superbill(
                    session, case["client_id"], _now(ctx).date(),
                    start=date.fromisoformat(case["start"]), end=date.fromisoformat(case["end"]))

        data = assemble()
        assert len(data.lines) == 10
        out = ctx.scratch("superbill-out")
        exports = iter(range(10**6))

        def export() -> None:
            with vault.unit_of_work() as session:
                superbills.export_superbill(
                    session, case["client_id"], out / f"s{next(exports)}.pdf", _now(ctx),
                    start=date.fromisoformat(case["start"]), end=date.fromisoformat(case["end"]))

        with load_window() as load:
            render, floor = paired(lambda: render_superbill(data), empty_page, ctx.runs * 2, warmup=5)
            assembled = [timed(assemble) for _ in range(ctx.runs)]
            exported = [timed(export) for _ in range(ctx.runs)]
        m, f = median(render), median(floor)
        loads = (load[0], load[1])
        return [
            Result("Superbill with 10 lines, warm (render)", m, f"<= {SUPERBILL_TARGET_MS:.0f} ms",
                   m <= SUPERBILL_TARGET_MS, "an empty ReportLab page", f, runs=len(render), load=loads,
                   note="export.superbill.render_superbill of the assembled data"),
            Result("  assemble its data from the vault", median(assembled), "-", None, runs=ctx.runs, load=loads),
            Result("  whole export: assemble, render, log, save the file", median(exported), "-", None,
                   runs=ctx.runs, load=loads, note="services.superbills.export_superbill, fsync included"),
        ]
    finally:
        vault.close()


def letter(ctx: Context) -> list[Result]:
    from therapist_desk.export.letter import render_letter
    from therapist_desk.services.letters import LetterRequest, prepare_letter

    case = ctx.builds["practice"].manifest["letter"]
    vault = _vault(ctx, "letter")
    request = LetterRequest(case["client_id"], case["release_id"])
    try:
        def prepare() -> Any:
            with vault.reader() as session:
                return prepare_letter(session, request, _now(ctx)).data

        data = prepare()
        assert any(type(b).__name__ == "LetterMeasures" for b in data.blocks), "the letter has no chart"
        with load_window() as load:
            render, floor = paired(lambda: render_letter(data), empty_page, ctx.runs * 2, warmup=5)
            prepared = [timed(prepare) for _ in range(ctx.runs)]
        m, f = median(render), median(floor)
        loads = (load[0], load[1])
        return [
            Result("Progress letter with a chart (render)", m, f"<= {LETTER_TARGET_MS:.0f} ms",
                   m <= LETTER_TARGET_MS, "an empty ReportLab page", f, runs=len(render), load=loads,
                   note="export.letter.render_letter of the default template with the measures chart"),
            Result("  prepare its data from the vault", median(prepared), "-", None, runs=ctx.runs, load=loads),
        ]
    finally:
        vault.close()


def _one_batch(app: Any, runner: Any, vault: Any, month: str, out: Any, when: datetime) -> tuple[float, int, list[float]]:
    """Run one batch on the TaskRunner while a 10 ms QTimer on the GUI thread measures how late
    it fires; progress reaches a QProgressBar through a queued signal, as in the batch dialog."""
    from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal
    from PySide6.QtWidgets import QProgressBar

    from therapist_desk.services import superbill_batch

    class Relay(QObject):
        progress = Signal(int, int)

    bar = QProgressBar()
    relay = Relay()
    def show_progress(done: int, total: int) -> None:
        bar.setMaximum(total)
        bar.setValue(done)

    relay.progress.connect(show_progress, Qt.ConnectionType.QueuedConnection)
    lateness: list[float] = []
    last = [now()]

    def tick() -> None:
        t = now()
        lateness.append((t - last[0]) * 1000 - 10)
        last[0] = t

    def progress(done: int, total: int, _name: str) -> bool:  # on the worker thread
        relay.progress.emit(done, total)
        return True

    state: dict[str, Any] = {}
    loop = QEventLoop()

    def finish(result: Any) -> None:
        state["end"], state["result"] = now(), result
        loop.quit()

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    last[0] = started = now()
    runner.run(lambda: superbill_batch.batch_superbills(vault.unit_of_work, month, out, now=when, progress=progress),
               finish, finish)
    loop.exec()  # the GUI thread idles in its event loop, as in the app
    timer.stop()
    if isinstance(state["result"], BaseException):
        raise state["result"]
    return (state["end"] - started) * 1000, len(state["result"].made), lateness


def batch(ctx: Context) -> list[Result]:
    from PySide6.QtWidgets import QApplication

    from therapist_desk.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication(["bench"])
    month = ctx.builds["practice"].manifest["batch_month"]
    vault = _vault(ctx, "batch")
    runner = TaskRunner()
    samples: list[tuple[float, int, list[float]]] = []
    try:
        with load_window() as load:
            for attempt in range(max(2, ctx.runs // 3) + 1):
                sample = _one_batch(app, runner, vault, month, ctx.scratch(f"batch-out-{attempt}"), _now(ctx))
                if attempt:  # the first batch warms ReportLab's imports and fonts
                    samples.append(sample)
    finally:
        runner.wait()
        vault.close()
    made = samples[0][1]
    elapsed = median([s[0] for s in samples])
    per_100 = elapsed * 100 / made
    stall = median([max(s[2], default=0.0) for s in samples])
    all_late = sorted(x for s in samples for x in s[2])
    p99 = all_late[int(len(all_late) * 0.99)] if all_late else 0.0
    loads = (load[0], load[1])
    return [
        Result(f"100 superbills in a batch ({made} made for {month}, scaled to 100)", per_100,
               f"<= {BATCH_TARGET_MS:.0f} ms", per_100 <= BATCH_TARGET_MS, runs=len(samples), load=loads,
               note=f"batch_superbills on a TaskRunner worker; {elapsed:.0f} ms for {made}"),
        Result("  GUI responsive during the batch: longest event-loop stall", stall,
               f"<= {STALL_LIMIT_MS:.0f} ms", stall <= STALL_LIMIT_MS, runs=len(samples), load=loads,
               note=f"10 ms QTimer lateness; 99th percentile {p99:.1f} ms"),
    ]
