"""The discharge summary: facts from the record, the clinician's text, signature, optional discharge.

Opens the client's unsigned draft if there is one, else a new summary generated from the record
for today (or the client's discharge date). A signed summary opens read-only.

objectNames: dischargeSummaryDialog, dischargeSummaryDate, dischargeRefreshButton, dischargeFacts,
dischargeReasonText, dischargeCourseText, dischargeRecommendationsText, dischargeAlsoClient,
dischargeSummaryStatus, dischargeSummaryError, dischargeSaveButton, dischargeSignButton,
dischargeNewButton, dischargeCloseButton.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.enums import ClientStatus
from therapist_desk.domain.errors import ValidationError, ValidationErrors
from therapist_desk.services import clients
from therapist_desk.services.common import ActionRefused
from therapist_desk.services.discharge import (
    DischargeSummary,
    facts_lines,
    generate_discharge_summary,
    latest_discharge_summary,
    refresh_facts,
    save_discharge_summary,
    sign_discharge_summary,
)
from therapist_desk.services.vault_access import RecordNotFound, VaultError
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.discharge_dialog import DateField, error_label
from therapist_desk.ui.plan_node_form import text_box
from therapist_desk.ui.widgets import hint_label

log = logging.getLogger(__name__)
EXPECTED_ERRORS = (ValidationError, ValidationErrors, ActionRefused, VaultError, RecordNotFound)


def error_text(error: BaseException) -> str:
    if isinstance(error, ActionRefused):
        return error.summary + ":\n" + "\n".join(f"• {r}" for r in error.reasons)
    if isinstance(error, ValidationErrors):
        return "\n".join(f"{e.field} {e.message}" for e in error.errors)
    if isinstance(error, ValidationError):
        return f"{error.field} {error.message}"
    return str(error)


class DischargeSummaryDialog(QDialog):
    def __init__(self, ctx: AppContext, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.client_id = client_id
        self.discharged = False  # the client was discharged from here
        self.setObjectName("dischargeSummaryDialog")
        self.setWindowTitle(self.tr("Discharge summary"))
        self.summary: DischargeSummary | None = None
        form = QFormLayout()
        self.date = DateField()
        self.date.setObjectName("dischargeSummaryDate")
        self.refresh_button = self._button("dischargeRefreshButton", self.tr("&Refresh from record"),
                                           self.on_refresh_button_clicked)
        date_row = QWidget()
        row = QHBoxLayout(date_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.date)
        row.addWidget(self.refresh_button)
        row.addStretch(1)
        self.date.setAccessibleName(self.tr("Discharge date"))
        form.addRow(self.tr("Discharge da&te:"), date_row)
        self.facts = QPlainTextEdit()
        self.facts.setObjectName("dischargeFacts")
        self.facts.setAccessibleName(self.tr("Facts from the record"))
        self.facts.setReadOnly(True)
        self.facts.setMinimumHeight(150)
        form.addRow(self.tr("From the record:"), self.facts)
        self.reason = text_box("dischargeReasonText", self.tr("Reason for discharge"), 50)
        self.course = text_box("dischargeCourseText", self.tr("Course of treatment"), 90)
        self.recommendations = text_box("dischargeRecommendationsText", self.tr("Recommendations"), 90)
        self.reason.setPlaceholderText(self.tr("For example: goals met; moved away; referred on"))
        for box, text in ((self.reason, self.tr("Reason for dis&charge:")),
                          (self.course, self.tr("&Course of treatment:")),
                          (self.recommendations, self.tr("Recommen&dations:"))):
            if box is not self.reason:  # the long texts take the extra height
                box.setMinimumHeight(90)
                box.setMaximumHeight(16_777_215)
            label = QLabel(text)
            label.setBuddy(box)
            form.addRow(label, box)
        self.also_discharge = QCheckBox(self.tr("Also discharge the client on this date"))
        self.also_discharge.setObjectName("dischargeAlsoClient")
        self.status = hint_label("")
        self.status.setObjectName("dischargeSummaryStatus")
        self.error = error_label("dischargeSummaryError")
        self.new_button = self._button("dischargeNewButton", self.tr("&New summary"), self.on_new_button_clicked)
        self.save_button = self._button("dischargeSaveButton", self.tr("&Save draft"), self.on_save_button_clicked)
        self.sign_button = self._button("dischargeSignButton", self.tr("Si&gn"), self.on_sign_button_clicked)
        close = self._button("dischargeCloseButton", self.tr("Close"), self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        for button in (self.save_button, self.sign_button, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(self.tr("Generated from the record: edit the text, then sign. The facts are "
                                            "kept as they were when signed.")))
        layout.addLayout(form, 1)
        layout.addWidget(self.also_discharge)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.resize(760, 720)
        self.load()

    def _button(self, name: str, text: str, slot: object) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAccessibleName(text.replace("&", ""))
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def load(self, *, fresh: bool = False) -> None:
        """Show the latest draft or signed summary; a new generated one when ``fresh`` or none."""
        try:
            with self.ctx.reader() as session:
                client = clients.get_client(session, self.client_id)
                found = None if fresh else latest_discharge_summary(session, self.client_id)
                if found is None:
                    on = client.status_since if client.status is ClientStatus.DISCHARGED and client.status_since \
                        else self.ctx.now().date()
                    found = generate_discharge_summary(session, self.client_id, on)
        except EXPECTED_ERRORS as error:
            self.error.show_message(error_text(error))
            return
        self.also_discharge.setVisible(client.status is not ClientStatus.DISCHARGED)
        self.show_summary(found)

    def show_summary(self, summary: DischargeSummary) -> None:
        self.summary = summary
        self.date.set_date(summary.discharged_on)
        self.facts.setPlainText("\n".join(facts_lines(summary.facts, summary.discharged_on)))
        self.reason.setPlainText(summary.reason)
        self.course.setPlainText(summary.course)
        self.recommendations.setPlainText(summary.recommendations)
        signed = summary.is_signed
        for box in (self.reason, self.course, self.recommendations):
            box.setReadOnly(signed)
        self.date.setReadOnly(signed)
        for button in (self.refresh_button, self.save_button, self.sign_button):
            button.setEnabled(not signed)
        self.also_discharge.setEnabled(not signed)
        self.new_button.setVisible(signed)
        if signed:
            assert summary.signed_at is not None
            self.status.setText(self.tr("Signed by {0} on {1}. Read-only.").format(
                summary.signed_by, summary.signed_at.strftime("%Y-%m-%d %H:%M")))
        else:
            self.status.setText(self.tr("Draft, saved.") if summary.id is not None else self.tr("Not saved yet."))
        self.error.clear_message()

    def edited(self) -> DischargeSummary:
        """The summary with what is typed; raises ValidationError for a bad or missing date."""
        assert self.summary is not None
        on = self.date.date_value(self.tr("Discharge date"))
        if on is None:
            raise ValidationError(self.tr("Discharge date"), self.tr("is required"))
        return replace(self.summary, discharged_on=on, reason=self.reason.toPlainText().strip(),
                       course=self.course.toPlainText().strip(),
                       recommendations=self.recommendations.toPlainText().strip())

    def _with_facts_for_date(self, summary: DischargeSummary) -> DischargeSummary:
        """A changed discharge date changes the facts (sessions and scores up to that day)."""
        if self.summary is None or summary.discharged_on == self.summary.discharged_on:
            return summary
        with self.ctx.reader() as session:
            return refresh_facts(session, summary)

    @Slot()
    def on_refresh_button_clicked(self) -> None:
        try:
            summary = self.edited()
            with self.ctx.reader() as session:
                self.show_summary(refresh_facts(session, summary))
        except EXPECTED_ERRORS as error:
            self.error.show_message(error_text(error))
            return
        self.status.setText(self.tr("Facts refreshed from the record; your text is unchanged. Not saved yet."))

    @Slot()
    def on_save_button_clicked(self) -> None:
        try:
            summary = self._with_facts_for_date(self.edited())
            with self.ctx.unit_of_work() as session:
                saved = save_discharge_summary(session, summary, self.ctx.now())
        except EXPECTED_ERRORS as error:
            self.error.show_message(error_text(error))
            return
        self.show_summary(saved)

    @Slot()
    def on_sign_button_clicked(self) -> None:
        discharge = self.also_discharge.isVisible() and self.also_discharge.isChecked()
        try:
            summary = self._with_facts_for_date(self.edited())
            with self.ctx.unit_of_work() as session:
                signed = sign_discharge_summary(session, summary, self.ctx.now(), discharge=discharge)
        except EXPECTED_ERRORS as error:
            self.error.show_message(error_text(error))
            return
        self.show_summary(signed)
        if discharge:
            self.discharged = True
            self.also_discharge.hide()
            self.ctx.signals.client_changed.emit(self.client_id)
        self.ctx.signals.status_message.emit(self.tr("Discharge summary signed."))

    @Slot()
    def on_new_button_clicked(self) -> None:
        self.load(fresh=True)

