"""The Qt half of ``--smoke-test``: the real main window, measure chart and PDF preview, offscreen.

Called by ``therapist_desk.smoke`` (which holds everything Qt-free). Proves that the Qt platform
plugin, the app icon, Qt Widgets, Qt Charts and Qt Pdf load and paint in this installation.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QMessageLogContext,
    QSettings,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from therapist_desk.paths import AppPaths
from therapist_desk.services.vault_access import Vault
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.signals import AppSignals
from therapist_desk.ui.tasks import TaskRunner

SETTLE_SECONDS = 0.3


class SmokeWindowFailure(RuntimeError):
    """The window or the chart did not come up as expected."""


def keep_settings_in(folder: Path) -> None:
    """Send every ``QSettings()`` to INI files under ``folder``: the smoke test must not write the
    user's real settings (the registry on Windows, a plist on macOS)."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope, sub in ((QSettings.Scope.UserScope, "user"), (QSettings.Scope.SystemScope, "system")):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder / sub))


def _qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    # The offscreen platform cannot pass size hints to a window manager it does not have, and
    # says so once per window; nothing is wrong. Everything else goes to stderr as usual.
    if "propagateSizeHints" in message:
        return
    if sys.stderr is not None:
        print(message, file=sys.stderr)


def quiet_offscreen_noise() -> None:
    qInstallMessageHandler(_qt_message)


def describe_qt(app: QCoreApplication) -> str:
    """"platform offscreen, Qt 6.11.3, icon 256 px"; fails when the app icon did not load."""
    from PySide6 import __version__ as pyside_version

    icon = app.windowIcon() if isinstance(app, QApplication) else None
    if icon is None or icon.isNull():
        raise SmokeWindowFailure("the app icon did not load")
    size = max((s.width() for s in icon.availableSizes()), default=0)
    return f"platform {QGuiApplication.platformName()}, PySide6 {pyside_version}, icon {size} px"


def settle(app: QCoreApplication, ctx: AppContext, seconds: float = SETTLE_SECONDS) -> None:
    """Let queued work (tab loads on the task runner) finish and its results arrive."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    ctx.tasks.wait()
    app.processEvents()


def show_main_window(
    app: QCoreApplication, paths: AppPaths, vault: Vault, client_id: int, pdf: bytes
) -> str:
    """Open the main window on ``vault``, select the client, draw its PHQ-9 chart, preview
    ``pdf`` (a superbill) and close them all.

    Returns a short description for the smoke line. The vault stays open (the caller locks it).
    """
    from therapist_desk.domain.enums import Instrument
    from therapist_desk.ui.main_window import MainWindow
    from therapist_desk.ui.measure_chart import MeasureChartWidget
    from therapist_desk.ui.pdf_preview import PdfPreviewPanel

    ctx = AppContext(paths=paths, signals=AppSignals(app), tasks=TaskRunner(app), vault=vault)
    window = MainWindow(ctx)
    chart = MeasureChartWidget(ctx)
    preview = PdfPreviewPanel(ctx)
    try:
        window.show()
        settle(app, ctx)
        ctx.signals.client_selected.emit(client_id)
        settle(app, ctx)
        tabs = window.tabs.count()
        if tabs < 1 or window.grab().isNull():
            raise SmokeWindowFailure("the main window has no tabs or does not paint")

        chart.resize(800, 500)
        chart.show()
        chart.set_client(client_id)
        settle(app, ctx)
        page = chart.page(Instrument.PHQ9)
        label = chart.tabs.tabText(chart.tabs.indexOf(page))
        if "(2)" not in label or chart.grab().isNull():
            raise SmokeWindowFailure(f"the PHQ-9 chart did not draw two scores (tab {label!r})")

        preview.resize(700, 800)
        preview.show()
        preview.set_pdf(pdf, "superbill.pdf")
        settle(app, ctx)
        pages = preview.page_count()
        if pages < 1 or preview.grab().isNull():
            raise SmokeWindowFailure("the PDF preview shows no pages")
    finally:
        preview.clear()
        for widget in (preview, chart):
            widget.close()
        window.close_without_asking()
        settle(app, ctx, 0.05)
        for widget in (preview, chart, window):
            widget.deleteLater()
        app.processEvents()
    return f"{tabs} tabs, PHQ-9 chart drawn, superbill previewed ({pages} page{'s' * (pages != 1)})"
