"""Superbills for every client with signed sessions in a month, made off the GUI thread.

``services.superbill_batch.batch_superbills`` runs through ``ctx.tasks``; its progress callback
runs on the worker, so it only emits a signal (delivered queued to the GUI thread, where the bar
moves) and returns the Cancel flag. The summary names clients: it is shown, never logged.

objectNames: batchSuperbillsDialog, batchMonth, batchFolder, batchFolderError, batchChooseFolder,
batchStart, batchCancel, batchProgress, batchProgressLabel, batchSummary, batchOpenFolder,
batchClose (+ pdf_preview's pdfProtection fields).
"""

from __future__ import annotations

import logging
import threading
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.errors import ValidationError
from therapist_desk.services import superbill_batch
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.pdf_preview import (
    PasswordOption,
    export_folder,
    failure_text,
    remember_folder,
)
from therapist_desk.ui.widgets import add_form_row, hint_label

log = logging.getLogger(__name__)


class _ProgressRelay(QObject):
    """Lives on the GUI thread; the worker emits, the connected slot runs here (queued)."""

    progress = Signal(int, int)


class BatchSuperbillsDialog(QDialog):
    """Month, output folder, optional password; Start, Cancel, a progress bar and a summary."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._cancel = threading.Event()
        self.running = False
        self._close_when_done = False
        self.summary: superbill_batch.BatchSummary | None = None
        self.setObjectName("batchSuperbillsDialog")
        self.setWindowTitle(self.tr("Superbills for a Month"))
        self.setAccessibleName(self.windowTitle())
        self._relay = _ProgressRelay(self)
        self._relay.progress.connect(self.on_relay_progress, Qt.ConnectionType.QueuedConnection)
        self._build()
        ctx.signals.about_to_lock.connect(self.on_signals_about_to_lock)
        self.resize(640, 560)

    def _build(self) -> None:
        tr = self.tr
        today = self._ctx.now().date()
        last_month = today.replace(day=1) - timedelta(days=1)
        self.month = QDateEdit(self, objectName="batchMonth")
        self.month.setDisplayFormat("MMMM yyyy")
        self.month.setCalendarPopup(True)
        self.month.setMaximumWidth(220)
        self.month.setMaximumDate(QDate(today.year, today.month, today.day))
        self.month.setDate(QDate(last_month.year, last_month.month, 1))
        self.folder = QLineEdit(self, objectName="batchFolder")
        self.folder.setText(str(export_folder() / f"superbills-{last_month:%Y-%m}"))
        self.choose_button = QPushButton(tr("Choose…"), self, objectName="batchChooseFolder")
        self.choose_button.setAccessibleName(tr("Choose the output folder"))
        folder_row = QWidget(self)
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder, 1)
        row.addWidget(self.choose_button)
        self.folder.setAccessibleName(tr("Output folder"))
        form = QFormLayout()
        add_form_row(form, tr("&Month:"), self.month,
                     tr("One superbill per client with a signed session in this month."))
        self.folder_error = add_form_row(form, tr("Output &folder:"), folder_row)
        self.folder_error.setObjectName("batchFolderError")
        self.protection = PasswordOption(self)
        self.start_button = QPushButton(tr("&Make superbills"), self, objectName="batchStart", default=True)
        self.start_button.setAccessibleName(tr("Make the superbills"))
        self.cancel_button = QPushButton(tr("Cancel"), self, objectName="batchCancel", enabled=False)
        self.cancel_button.setAccessibleName(tr("Cancel making superbills"))
        self.bar = QProgressBar(self, objectName="batchProgress")
        self.bar.setAccessibleName(tr("Progress"))
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.progress_label = QLabel(self, objectName="batchProgressLabel")
        self.progress_label.setAccessibleName(tr("Progress"))
        self.summary_view = QPlainTextEdit(self, objectName="batchSummary", readOnly=True)
        self.summary_view.setAccessibleName(tr("Summary"))
        self.summary_view.setPlaceholderText(tr("The summary appears here: what was made, and for "
                                                "whom something is missing."))
        self.open_button = QPushButton(tr("Open folder"), self, objectName="batchOpenFolder", enabled=False)
        self.open_button.setAccessibleName(tr("Open the output folder"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setObjectName("batchClose")
        self.close_button.setAccessibleName(tr("Close"))
        buttons.rejected.connect(self.reject)
        actions = QHBoxLayout()
        actions.addWidget(self.start_button)
        actions.addWidget(self.cancel_button)
        actions.addStretch(1)
        actions.addWidget(self.open_button)
        progress = QHBoxLayout()
        progress.addWidget(self.bar, 1)
        progress.addWidget(self.progress_label)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.protection)
        column.addWidget(hint_label(tr("Each superbill is checked first; a client with something "
                                       "missing is listed below and the others still get theirs. "
                                       "Every superbill made is recorded in that client's "
                                       "disclosure log."), self))
        column.addLayout(actions)
        column.addLayout(progress)
        column.addWidget(self.summary_view, 1)
        column.addWidget(buttons)
        self.choose_button.clicked.connect(self.on_choose_button_clicked)
        self.start_button.clicked.connect(self.on_start_button_clicked)
        self.cancel_button.clicked.connect(self.on_cancel_button_clicked)
        self.open_button.clicked.connect(self.on_open_button_clicked)

    def month_text(self) -> str:
        chosen = self.month.date()
        return f"{chosen.year():04d}-{chosen.month():02d}"

    def set_month(self, first: date) -> None:
        self.month.setDate(QDate(first.year, first.month, 1))

    def start(self) -> bool:
        """Check the choices and start the batch on a worker; False when a choice is wrong."""
        self.folder_error.clear_message()
        text = self.folder.text().strip()
        if not text:
            self.folder_error.show_message(self.tr("Output folder is required."))
            return False
        out_dir = Path(text).expanduser()
        if out_dir.exists() and not out_dir.is_dir():
            self.folder_error.show_message(self.tr("Output folder is a file, not a folder."))
            return False
        try:
            password = self.protection.password()
        except ValidationError:
            return False
        ctx, month, now = self._ctx, self.month_text(), self._ctx.now()
        relay, cancel = self._relay, threading.Event()
        self._cancel = cancel

        def progress(done: int, total: int, _name: str) -> bool:  # on the worker thread
            relay.progress.emit(done, total)
            return not cancel.is_set()

        def job() -> superbill_batch.BatchSummary:
            return superbill_batch.batch_superbills(ctx.unit_of_work, month, out_dir, now=now,
                                                   progress=progress, password=password)

        self._set_running(True)
        self.summary = None
        self.summary_view.clear()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.progress_label.setText(self.tr("Starting…"))
        ctx.tasks.run(job, self._on_done, self._on_failed)
        return True

    def _set_running(self, running: bool) -> None:
        self.running = running
        if not running and self._close_when_done:
            self._close_when_done = False
            super().reject()
        for widget in (self.month, self.folder, self.choose_button, self.protection, self.start_button):
            widget.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.close_button.setEnabled(not running)

    def _on_done(self, summary: superbill_batch.BatchSummary) -> None:
        self._set_running(False)
        self.summary = summary
        total = max(summary.total, 1)
        self.bar.setRange(0, total)
        self.bar.setValue(total if not summary.cancelled else len(summary.made) + len(summary.skipped))
        lines = summary.describe()
        if summary.total == 0:
            lines.append(self.tr("No client has a signed session in that month."))
        self.summary_view.setPlainText("\n".join(lines))
        self.progress_label.setText(self.tr("{0} of {1} made").format(len(summary.made), summary.total))
        self.open_button.setEnabled(True)
        remember_folder(summary.out_dir.parent)
        log.info("superbill batch: %d made, %d skipped, cancelled=%s",
                 len(summary.made), len(summary.skipped), summary.cancelled)
        self._ctx.signals.status_message.emit(
            self.tr("Superbills made: {0} of {1}.").format(len(summary.made), summary.total))

    def _on_failed(self, error: BaseException) -> None:
        self._set_running(False)
        text = failure_text(error, self)
        self.progress_label.setText(self.tr("Stopped"))
        self.summary_view.setPlainText(self.tr("The batch stopped: {0}\nThe superbills made before "
                                               "it stopped are kept.").format(text))

    @Slot(int, int)
    def on_relay_progress(self, done: int, total: int) -> None:
        if not self.running:
            return  # a late event after the summary arrived
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done if total else 1)
        self.progress_label.setText(self.tr("{0} of {1}").format(done, total))

    @Slot()
    def on_choose_button_clicked(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Folder for the Superbills"),
                                                  str(export_folder()))
        if chosen:
            self.folder.setText(str(Path(chosen) / f"superbills-{self.month_text()}"))

    @Slot()
    def on_start_button_clicked(self) -> None:
        self.start()

    @Slot()
    def on_cancel_button_clicked(self) -> None:
        self._cancel.set()
        self.cancel_button.setEnabled(False)
        self.progress_label.setText(self.tr("Cancelling after the current client…"))

    @Slot()
    def on_open_button_clicked(self) -> None:
        if self.summary is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.summary.out_dir)))

    def reject(self) -> None:
        if self.running:  # the worker stops at the next client; the window closes when it has
            self._close_when_done = True
            self.on_cancel_button_clicked()
            return
        super().reject()

    @Slot()
    def on_signals_about_to_lock(self) -> None:
        self._cancel.set()
        self.summary_view.clear()
        self.summary = None
        self.running = False
        super().reject()
