"""The Statement dialog: a client's statement of account for a period, previewed, then saved.

A statement goes to the client themself, so ``export_statement`` records only an
``export.statement`` audit event (no disclosure). Memos stay off the statement.

objectNames: statementDialog, statementClientLabel, statementFrom, statementTo,
statementFromError, statementToError, statementPreview, statementBusy, statementError,
statementClose (+ pdf_preview's names).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.errors import ValidationError
from therapist_desk.services import statements
from therapist_desk.services.clients import get_client
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.discharge_dialog import DateField
from therapist_desk.ui.pdf_preview import (
    PdfPreviewPanel,
    client_heading,
    failure_text,
    lay_out_beside_preview,
)
from therapist_desk.ui.widgets import ErrorLabel, add_form_row, busy_bar, hint_label

log = logging.getLogger(__name__)


class StatementDialog(QDialog):
    """Period (from: optional, to: today), Preview, then the preview panel's Save…."""

    def __init__(self, ctx: AppContext, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx, self.client_id = ctx, client_id
        self._seq = 0
        self.last_saved = ""
        self.setObjectName("statementDialog")
        self.setWindowTitle(self.tr("Statement"))  # the client's name is shown inside only
        self.setAccessibleName(self.windowTitle())
        tr = self.tr
        self.client_label = QLabel(self, objectName="statementClientLabel", wordWrap=True)
        self.client_label.setAccessibleName(tr("Client"))
        self.from_field, self.to_field = DateField(self), DateField(self)
        self.from_field.setObjectName("statementFrom")
        self.to_field.setObjectName("statementTo")
        self.to_field.set_date(ctx.now().date())
        form = QFormLayout()
        self.errors = {
            "From": add_form_row(form, tr("&From:"), self.from_field,
                                 tr("Empty: from the first entry. Earlier entries are brought forward.")),
            "To": add_form_row(form, tr("&To:"), self.to_field),
        }
        self.preview_button = QPushButton(tr("&Preview"), self, objectName="statementPreview", default=True)
        self.preview_button.setAccessibleName(tr("Preview the statement"))
        self.busy = busy_bar("statementBusy", tr("Making the preview"))
        self.error = ErrorLabel(self)
        self.error.setObjectName("statementError")
        self.error.setAccessibleName(tr("Why the statement was not made"))
        self.preview = PdfPreviewPanel(ctx, self)
        self.preview.save_title = tr("Save the Statement")
        left = QWidget(self)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 8, 0)
        column.addWidget(self.client_label)
        column.addLayout(form)
        column.addWidget(self.preview_button)
        column.addWidget(self.busy)
        column.addWidget(self.error)
        column.addStretch(1)
        column.addWidget(hint_label(tr("For the client: charges, payments with their references, "
                                       "and the amount due. Memos are left off."), self))
        lay_out_beside_preview(self, left, self.preview, "statement", (320, 680))
        with ctx.reader() as session:
            client = get_client(session, client_id)
        self.client_label.setText(client_heading(client.legal_name, client.date_of_birth))
        self.preview_button.clicked.connect(self.on_preview_button_clicked)
        self.preview.saved.connect(self.on_preview_saved)
        for field in (self.from_field, self.to_field):
            field.textChanged.connect(self.on_dates_text_changed)
        ctx.signals.about_to_lock.connect(self.on_signals_about_to_lock)
        self.resize(1000, 760)

    def preview_statement(self) -> bool:
        for label in (*self.errors.values(), self.error):
            label.clear_message()
        try:
            start = self.from_field.date_value("From")
            end = self.to_field.date_value("To")
            if start is not None and end is not None and end < start:
                raise ValidationError("To", "is before From")
        except ValidationError as error:
            self.errors.get(error.field, self.error).show_message(f"{error.field} {error.message}")
            return False
        self._seq += 1
        ctx, seq, client_id = self._ctx, self._seq, self.client_id
        today = ctx.now().date()

        def job() -> bytes:
            with ctx.reader() as session:
                return statements.preview_statement(session, client_id, today, start=start, end=end)

        def saver(path: Path, password: str | None) -> object:
            with ctx.unit_of_work() as session:
                return statements.export_statement(session, client_id, path, ctx.now(), start=start,
                                                   end=end, password=password)

        def done(pdf: bytes) -> None:
            if seq == self._seq:
                self._finish()
                self.preview.set_pdf(pdf, f"statement_{(end or today).isoformat()}_c{client_id}.pdf", saver)

        def failed(error: BaseException) -> None:
            if seq == self._seq:
                self._finish()
                self.preview.clear(self.tr("No statement was made."))
                self.error.show_message(failure_text(error, self))

        self.preview.clear(self.tr("Making the preview…"))
        self.preview_button.setEnabled(False)
        self.busy.show()
        ctx.tasks.run(job, done, failed)
        return True

    def _finish(self) -> None:
        self.busy.hide()
        self.preview_button.setEnabled(True)

    @Slot()
    def on_preview_button_clicked(self) -> None:
        self.preview_statement()

    @Slot(str)
    def on_dates_text_changed(self, _text: str) -> None:
        self._seq += 1
        self._finish()
        if self.preview.has_pdf():
            self.preview.clear(self.tr("The dates changed: preview again."))

    @Slot(str)
    def on_preview_saved(self, path: str) -> None:
        self.last_saved = path
        self._ctx.signals.status_message.emit(self.tr("Statement saved."))

    @Slot()
    def on_signals_about_to_lock(self) -> None:
        self._seq += 1
        self.preview.clear()
        self.reject()
