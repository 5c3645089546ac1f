"""The Progress Letter dialog: template, recipient from the client's releases, options, preview, save.

A recipient the release check refuses shows why and cannot go further. The diagnosis is left
out by default (minimum necessary) and cannot be switched on where the release does not cover
it. Saving goes through ``export_letter``, which checks the release again and records the
disclosure. Letters are built from structured data only: psychotherapy notes are never read.

objectNames: letterDialog, letterClientLabel, letterTemplate, letterTemplateHint,
letterRecipient, letterRefusal, letterNoRecipients, letterSince, letterUntil, letterSinceError,
letterUntilError, letterIncludeDiagnosis, letterIncludeMeasures, letterRecommendations,
letterPreview, letterBusy, letterError, letterClose (+ pdf_preview's names).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.enums import ReleaseKind
from therapist_desk.domain.errors import ValidationError
from therapist_desk.services import letters
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

RECIPIENT_KINDS: dict[ReleaseKind, str] = {
    ReleaseKind.TREATING_PROVIDER: "treating provider",
    ReleaseKind.INSURER: "health plan",
    ReleaseKind.SCHOOL: "school",
    ReleaseKind.EMPLOYER: "employer",
    ReleaseKind.ATTORNEY: "attorney",
    ReleaseKind.FAMILY: "family",
    ReleaseKind.OTHER: "other",
}


class LetterDialog(QDialog):
    """One client's progress letter to one of their release recipients."""

    def __init__(self, ctx: AppContext, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx, self.client_id = ctx, client_id
        self._seq = 0
        self._today = ctx.now().date()
        self.options: dict[int, letters.RecipientOption] = {}
        self._diagnosis_refusals: dict[int, tuple[str, ...]] = {}
        self.last_saved = ""
        self.setObjectName("letterDialog")
        self.setWindowTitle(self.tr("Progress Letter"))  # the client's name is shown inside only
        self.setAccessibleName(self.windowTitle())
        self._build()
        self._load()
        self._connect()
        self.on_recipient_current_index_changed(self.recipient.currentIndex())
        self.resize(1120, 800)

    def _build(self) -> None:
        tr = self.tr
        self.client_label = QLabel(self, objectName="letterClientLabel", wordWrap=True)
        self.client_label.setAccessibleName(tr("Client"))
        self.template = QComboBox(self, objectName="letterTemplate")
        self.template_hint = hint_label("", self)
        self.template_hint.setObjectName("letterTemplateHint")
        self.recipient = QComboBox(self, objectName="letterRecipient")
        self.recipient.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.recipient.setMinimumContentsLength(24)
        self.refusal = ErrorLabel(self)
        self.refusal.setObjectName("letterRefusal")
        self.refusal.setAccessibleName(tr("Why no letter can go to this recipient"))
        self.no_recipients = hint_label(tr("This client has no release of information on file. Add "
                                           "the recipient under Releases in the Clients tab."), self)
        self.no_recipients.setObjectName("letterNoRecipients")
        self.since_field, self.until_field = DateField(self), DateField(self)
        self.since_field.setObjectName("letterSince")
        self.until_field.setObjectName("letterUntil")
        self.until_field.set_date(self._today)
        self.include_diagnosis = QCheckBox(tr("Include the &diagnosis"), self, objectName="letterIncludeDiagnosis")
        self.include_measures = QCheckBox(tr("Include &measure scores and the chart"), self,
                                          objectName="letterIncludeMeasures", checked=True)
        self.include_diagnosis.setAccessibleName(tr("Include the diagnosis"))
        self.include_measures.setAccessibleName(tr("Include measure scores and the chart"))
        self.recommendations = QPlainTextEdit(self, objectName="letterRecommendations")
        self.recommendations.setTabChangesFocus(True)
        self.recommendations.setPlaceholderText(tr("Optional. Start lines with \"- \" for a list."))
        self.recommendations.setMaximumHeight(110)
        form = QFormLayout()
        add_form_row(form, tr("&Template:"), self.template)
        form.addRow("", self.template_hint)
        add_form_row(form, tr("&Recipient:"), self.recipient)
        form.addRow("", self.refusal)
        form.addRow("", self.no_recipients)
        self.errors = {
            "Since": add_form_row(form, tr("Sessions &from:"), self.since_field,
                                  tr("Empty: from the first session.")),
            "Until": add_form_row(form, tr("Sessions &until:"), self.until_field),
        }
        form.addRow("", self.include_diagnosis)
        form.addRow("", self.include_measures)
        add_form_row(form, tr("Recomm&endations:"), self.recommendations)
        self.preview_button = QPushButton(tr("&Preview"), self, objectName="letterPreview", default=True)
        self.preview_button.setAccessibleName(tr("Preview the letter"))
        self.busy = busy_bar("letterBusy", tr("Making the preview"))
        self.error = ErrorLabel(self)
        self.error.setObjectName("letterError")
        self.error.setAccessibleName(tr("Why the letter was not made"))
        self.preview = PdfPreviewPanel(self._ctx, self)
        self.preview.save_title = tr("Save the Letter")
        left = QWidget(self)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 8, 0)
        column.addWidget(self.client_label)
        column.addLayout(form)
        column.addWidget(self.preview_button)
        column.addWidget(self.busy)
        column.addWidget(self.error)
        column.addStretch(1)
        column.addWidget(hint_label(tr("Built from dates, the plan, ratings and scores only; "
                                       "psychotherapy notes and note text never appear. Saving "
                                       "records the disclosure."), self))
        lay_out_beside_preview(self, left, self.preview, "letter", (420, 700))

    def _load(self) -> None:
        with self._ctx.reader() as session:
            client = get_client(session, self.client_id)
            options = letters.letter_recipients(session, self.client_id, self._today)
            templates = letters.list_templates(session)
        self.client_label.setText(client_heading(client.legal_name, client.date_of_birth))
        for template in templates:
            self.template.addItem(template.title, template.slug)
            self.template.setItemData(self.template.count() - 1, template.description, Qt.ItemDataRole.ToolTipRole)
        default = self.template.findData(letters.DEFAULT_TEMPLATE)
        self.template.setCurrentIndex(max(default, 0))
        self.on_template_current_index_changed(self.template.currentIndex())
        releases = {r.id: r for r in client.releases}
        for option in options:
            self.options[option.release_id] = option
            kind = self.tr(RECIPIENT_KINDS[option.kind])
            text = f"{option.name} ({kind})"
            if not option.allowed:
                text += self.tr(" — not allowed")
            self.recipient.addItem(text, option.release_id)
            self.recipient.setItemData(self.recipient.count() - 1, text, Qt.ItemDataRole.ToolTipRole)
            base = set(option.reasons)
            with_dx = letters.release_refusals(releases[option.release_id], self._today, include_diagnosis=True)
            self._diagnosis_refusals[option.release_id] = tuple(r for r in with_dx if r not in base)
        self.no_recipients.setVisible(not options)
        self.recipient.setEnabled(bool(options))

    def _connect(self) -> None:
        self.template.currentIndexChanged.connect(self.on_template_current_index_changed)
        self.recipient.currentIndexChanged.connect(self.on_recipient_current_index_changed)
        for field in (self.since_field, self.until_field):
            field.textChanged.connect(self.on_options_changed)
        for box in (self.include_diagnosis, self.include_measures):
            box.toggled.connect(self.on_options_changed)
        self.recommendations.textChanged.connect(self.on_options_changed)
        self.preview_button.clicked.connect(self.on_preview_button_clicked)
        self.preview.saved.connect(self.on_preview_saved)
        self._ctx.signals.about_to_lock.connect(self.on_signals_about_to_lock)

    # --- choices ------------------------------------------------------------------------------

    def current_option(self) -> letters.RecipientOption | None:
        return self.options.get(self.recipient.currentData())

    def select_recipient(self, name: str) -> None:
        for release_id, option in self.options.items():
            if option.name == name:
                self.recipient.setCurrentIndex(self.recipient.findData(release_id))
                return
        raise LookupError("no such recipient")

    def request(self) -> letters.LetterRequest:
        """The choices as a LetterRequest; raises ValidationError naming the bad field."""
        option = self.current_option()
        if option is None:
            raise ValidationError("Recipient", "is required")
        since = self.since_field.date_value("Since")
        until = self.until_field.date_value("Until")
        if since is not None and until is not None and until < since:
            raise ValidationError("Until", "is before the first date")
        return letters.LetterRequest(
            client_id=self.client_id, release_id=option.release_id,
            template_slug=self.template.currentData() or letters.DEFAULT_TEMPLATE, since=since,
            until=until, include_diagnosis=self.include_diagnosis.isEnabled() and self.include_diagnosis.isChecked(),
            include_measures=self.include_measures.isChecked(),
            recommendations=self.recommendations.toPlainText())

    def _stale(self) -> None:
        self._seq += 1
        self.busy.hide()
        self.error.clear_message()
        option = self.current_option()
        self.preview_button.setEnabled(option is not None and option.allowed)
        if self.preview.has_pdf():
            self.preview.clear(self.tr("The choices changed: preview again."))

    # --- preview ------------------------------------------------------------------------------

    def preview_letter(self) -> bool:
        for label in self.errors.values():
            label.clear_message()
        try:
            request = self.request()
        except ValidationError as error:
            self.errors.get(error.field, self.error).show_message(f"{error.field} {error.message}")
            return False
        option = self.current_option()
        if option is None or not option.allowed:
            return False  # the refusal is on screen already
        self._stale()
        self.preview.clear(self.tr("Making the preview…"))
        ctx, seq, today = self._ctx, self._seq, self._today

        def job() -> bytes:
            with ctx.reader() as session:
                return letters.preview_letter(session, request, ctx.now())

        def saver(path: Path, password: str | None) -> object:
            with ctx.unit_of_work() as session:
                return letters.export_letter(session, request, path, ctx.now(), password=password)

        def done(pdf: bytes) -> None:
            if seq == self._seq:
                self._finish()
                name = f"letter_{today.isoformat()}_{request.template_slug}_c{self.client_id}.pdf"
                self.preview.set_pdf(pdf, name, saver)

        def failed(error: BaseException) -> None:
            if seq == self._seq:
                self._finish()
                self.preview.clear(self.tr("No letter was made."))
                self.error.show_message(failure_text(error, self))

        self.preview_button.setEnabled(False)
        self.busy.show()
        ctx.tasks.run(job, done, failed)
        return True

    def _finish(self) -> None:
        self.busy.hide()
        self.preview_button.setEnabled(True)

    # --- slots --------------------------------------------------------------------------------

    @Slot(int)
    def on_template_current_index_changed(self, index: int) -> None:
        self.template_hint.setText(self.template.itemData(index, Qt.ItemDataRole.ToolTipRole) or "")
        self.template_hint.setVisible(bool(self.template_hint.text()))
        self._stale()

    @Slot(int)
    def on_recipient_current_index_changed(self, _index: int) -> None:
        option = self.current_option()
        if option is not None and not option.allowed:
            self.refusal.show_message(self.tr("No letter can go to {0}: {1}.").format(
                option.name, "; ".join(option.reasons)))
        else:
            self.refusal.clear_message()
        dx_refusals = self._diagnosis_refusals.get(option.release_id, ()) if option else ()
        allowed = option is not None and option.allowed and not dx_refusals
        self.include_diagnosis.setChecked(False)  # minimum necessary: off again for each recipient
        self.include_diagnosis.setEnabled(allowed)
        self.include_diagnosis.setToolTip("; ".join(dx_refusals) if dx_refusals else self.tr(
            "Off by default: include it only when the recipient needs it."))
        for widget in (self.template, self.since_field, self.until_field, self.include_measures,
                       self.recommendations):
            widget.setEnabled(option is not None and option.allowed)
        self._stale()

    @Slot()
    def on_options_changed(self) -> None:
        self._stale()

    @Slot()
    def on_preview_button_clicked(self) -> None:
        self.preview_letter()

    @Slot(str)
    def on_preview_saved(self, path: str) -> None:
        self.last_saved = path
        self._ctx.signals.status_message.emit(self.tr("Letter saved; the disclosure was logged."))

    @Slot()
    def on_signals_about_to_lock(self) -> None:
        self._seq += 1
        self.preview.clear()
        self.reject()
