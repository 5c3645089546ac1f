"""Unlock probe: the real unlock window on a big vault, offscreen, in a fresh process.

1. Start-up as run_gui does it (AppController.start), wait for the first paint and the heavy
   imports queued after it (the user is still typing), then settle.
2. Floor: one key stretch (derive_key) in this process.
3. Type the passphrase, click Unlock (t0), and stop the clock when the main window is shown and
   the Clients table, reset with the first list, has painted (t1).
4. Wait until the attention query and the work after it (the page cache and freed heap given
   back) are done, and read the memory.

Prints one JSON line. Usage: unlock.py DATA_DIR PASSPHRASE
"""

import json
import sys
import time

now = time.perf_counter


def main(data_dir: str, passphrase: str) -> None:
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from benchmarks.common import rss_mib
    from therapist_desk import logs
    from therapist_desk.app import AppController, create_application
    from therapist_desk.paths import resolve_paths
    from therapist_desk.ui.context import AppContext
    from therapist_desk.ui.signals import AppSignals
    from therapist_desk.ui.tasks import TaskRunner

    marks: dict[str, float] = {}
    rows: list[int] = []

    from therapist_desk.ui import clients_tab

    original_show_rows = clients_tab.ClientsTab._show_rows
    original_attention = clients_tab.ClientsTab._apply_attention

    def show_rows(self, prepared):  # type: ignore[no-untyped-def]
        original_show_rows(self, prepared)
        if "rows" not in marks:
            marks["rows"] = now()
            rows.append(self.model.rowCount())
            self.table.viewport().installEventFilter(painted)

    def apply_attention(self, found):  # type: ignore[no-untyped-def]
        original_attention(self, found)
        marks.setdefault("attention", now())

    clients_tab.ClientsTab._show_rows = show_rows  # type: ignore[method-assign]
    clients_tab.ClientsTab._apply_attention = apply_attention  # type: ignore[method-assign]

    class Painted(QObject):
        def eventFilter(self, watched, event):  # type: ignore[no-untyped-def]
            if event.type() == QEvent.Type.Paint and "painted" not in marks:
                # Stamped when the paint that started here has finished.
                QTimer.singleShot(0, lambda: marks.setdefault("painted", now()))
            return False

    painted = Painted()

    paths = resolve_paths(data_dir)
    paths.ensure()
    logs.setup_logging(paths.log_dir)
    app = create_application()
    ctx = AppContext(paths=paths, signals=AppSignals(app), tasks=TaskRunner(app))
    controller = AppController(ctx)
    window = controller.start()

    def spin(until, limit: float) -> bool:  # type: ignore[no-untyped-def]
        deadline = now() + limit
        while not until() and now() < deadline:
            app.processEvents()
            time.sleep(0.0005)
        return bool(until())

    # The heavy imports run right after the first paint, while the passphrase is typed.
    assert spin(lambda: "therapist_desk.ui.main_window" in sys.modules, 30), "no preload"
    spin(lambda: False, 0.5)

    from therapist_desk.store.vault import derive_key, read_salt

    salt = read_salt(paths.vault)
    kdf = []
    for _ in range(3):
        started = now()
        derive_key(passphrase, salt)
        kdf.append((now() - started) * 1000)

    window.passphrase.setText(passphrase)  # type: ignore[attr-defined]
    marks["click"] = now()
    window.unlock_button.click()  # type: ignore[attr-defined]
    assert spin(lambda: "painted" in marks and controller.main_window is not None
                and controller.main_window.isVisible(), 60), f"main window not ready: {marks}"
    ctx.tasks.wait()
    spin(lambda: "attention" in marks, 30)
    ctx.tasks.wait()
    spin(lambda: False, 0.5)
    rss, peak = rss_mib()
    out = {
        "kdf_ms": sorted(kdf)[1],
        "unlock_ms": (marks["painted"] - marks["click"]) * 1000,
        "rows_ms": (marks["rows"] - marks["click"]) * 1000,
        "attention_ms": (marks.get("attention", float("nan")) - marks["click"]) * 1000,
        "rows": rows[0] if rows else 0,
        "rss_mib": rss,
        "peak_mib": peak,
    }
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
    QApplication.instance()
    import os

    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
