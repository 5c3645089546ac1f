"""The Superbill dialog: a client's dates of service or chosen signed sessions -> checked preview -> save.

Nothing is made while anything required is missing: the dialog lists every missing item under
where to fix it. A preview records nothing; saving goes through ``export_superbill``, which
records the disclosure and the audit event in the same transaction as the file is written.

objectNames: superbillDialog, superbillClientLabel, superbillByRange, superbillPeriod,
superbillFrom, superbillTo, superbillFromError, superbillToError, superbillBySessions,
superbillSessions, superbillSessionsError, superbillRevealSsn, superbillPreview, superbillBusy,
superbillMissingPanel, superbillMissingTitle, superbillMissingList, superbillClose
(+ pdf_preview's names for the preview and Save).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.enums import NoteStatus, TaxIdKind
from therapist_desk.domain.errors import ValidationError
from therapist_desk.services import superbills
from therapist_desk.services.clients import get_client
from therapist_desk.services.notes import list_notes
from therapist_desk.services.practice import get_profile
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
SessionIdRole = int(Qt.ItemDataRole.UserRole) + 1
# The title is an ErrorLabel, whose red follows the light or dark palette.
MISSING_STYLE = ("#superbillMissingPanel { background: palette(base); border: 2px solid #b3261e;"
                 " border-radius: 4px; } #superbillMissingTitle { font-weight: bold; }")


def _month_start(day: date) -> date:
    return day.replace(day=1)


def period_presets(today: date) -> list[tuple[str, date, date]]:
    """(label, first day, last day) for the period picker; the last day is never after today."""
    last_month_end = _month_start(today) - timedelta(days=1)
    return [
        ("This month", _month_start(today), today),
        ("Last month", _month_start(last_month_end), last_month_end),
        ("This year so far", date(today.year, 1, 1), today),
        ("Last year", date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    ]


class SuperbillDialog(QDialog):
    """One client's superbill. ``missing`` holds the items of the last refusal (empty if none)."""

    def __init__(self, ctx: AppContext, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx, self.client_id = ctx, client_id
        self._seq = 0
        self._filename = "superbill.pdf"
        self.missing: tuple[superbills.MissingItem, ...] = ()
        self.last_saved: str = ""
        self.setObjectName("superbillDialog")
        self.setWindowTitle(self.tr("Superbill"))  # the client's name is shown inside, never here
        self.setAccessibleName(self.tr("Superbill"))
        self.setStyleSheet(MISSING_STYLE)
        self._build()
        self._load()
        self._connect()
        self.resize(1120, 780)

    def _build(self) -> None:
        tr = self.tr
        self.client_label = QLabel(self, objectName="superbillClientLabel", wordWrap=True)
        self.client_label.setAccessibleName(tr("Client"))
        self.by_range = QRadioButton(tr("&Dates of service in a period"), self, objectName="superbillByRange")
        self.by_range.setChecked(True)
        self.by_range.setAccessibleName(tr("Bill the dates of service in a period"))
        self.period = QComboBox(self, objectName="superbillPeriod")
        self.period.addItem(tr("Custom"), None)
        for label, first, last in period_presets(self._ctx.now().date()):
            self.period.addItem(tr(label), (first, last))
        self.from_field, self.to_field = DateField(self), DateField(self)
        self.from_field.setObjectName("superbillFrom")
        self.to_field.setObjectName("superbillTo")
        form = QFormLayout()
        form.setContentsMargins(20, 0, 0, 0)
        add_form_row(form, tr("&Period:"), self.period)
        self.errors = {"From": add_form_row(form, tr("&From:"), self.from_field),
                       "To": add_form_row(form, tr("&To:"), self.to_field)}
        self.by_sessions = QRadioButton(tr("&Chosen signed sessions"), self, objectName="superbillBySessions")
        self.by_sessions.setAccessibleName(tr("Bill chosen signed sessions"))
        self.sessions = QListWidget(self, objectName="superbillSessions")
        self.sessions.setAccessibleName(tr("Signed sessions to bill"))
        self.sessions.setMaximumHeight(150)
        self.sessions_error = ErrorLabel(self)
        self.sessions_error.setObjectName("superbillSessionsError")
        self.sessions_error.setAccessibleName(tr("Problem with the chosen sessions"))
        self.reveal_ssn = QCheckBox(tr("Print the full SSN (the plan insists)"), self,
                                    objectName="superbillRevealSsn")
        self.reveal_ssn.setAccessibleName(tr("Print the full Social Security number"))
        self.reveal_ssn.setToolTip(tr("Otherwise it is masked (***-**-6789): the client keeps this paper."))
        self.preview_button = QPushButton(tr("&Preview"), self, objectName="superbillPreview", default=True)
        self.preview_button.setAccessibleName(tr("Check and preview the superbill"))
        self.busy = busy_bar("superbillBusy", tr("Making the preview"))
        self.missing_panel = QFrame(self, objectName="superbillMissingPanel")
        self.missing_panel.setAccessibleName(tr("What the superbill is missing"))
        self.missing_title = ErrorLabel(self)
        self.missing_title.setObjectName("superbillMissingTitle")
        self.missing_title.setAccessibleName(tr("No superbill was made"))
        self.missing_list = QListWidget(self, objectName="superbillMissingList")
        self.missing_list.setAccessibleName(tr("Missing items and where to fix them"))
        self.missing_list.setWordWrap(True)
        self.missing_list.setFrameShape(QFrame.Shape.NoFrame)
        inner = QVBoxLayout(self.missing_panel)
        inner.addWidget(self.missing_title)
        inner.addWidget(self.missing_list, 1)
        self.missing_panel.hide()
        self.preview = PdfPreviewPanel(self._ctx, self)
        self.preview.save_title = tr("Save the Superbill")

        left = QWidget(self)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 8, 0)
        column.addWidget(self.client_label)
        column.addSpacing(6)
        column.addWidget(self.by_range)
        column.addLayout(form)
        column.addWidget(self.by_sessions)
        column.addWidget(self.sessions)
        column.addWidget(self.sessions_error)
        column.addWidget(self.reveal_ssn)
        column.addWidget(self.preview_button)
        column.addWidget(self.busy)
        column.addWidget(self.missing_panel, 1)
        column.addStretch(0)
        column.addWidget(hint_label(tr("A preview records nothing. Saving records the disclosure "
                                       "(what went to whom, when) in the client's log."), self))
        lay_out_beside_preview(self, left, self.preview, "superbill", (380, 740))

    def _load(self) -> None:
        with self._ctx.reader() as session:
            client = get_client(session, self.client_id)
            summaries = [s for s in list_notes(session, self.client_id) if s.status is NoteStatus.SIGNED]
            profile = get_profile(session)
        self._client = client
        self.client_label.setText(client_heading(client.legal_name, client.date_of_birth))
        for summary in sorted(summaries, key=lambda s: (s.session_date, s.id), reverse=True):
            item = QListWidgetItem(f"{summary.session_date.isoformat()}   {summary.cpt_summary or '—'}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setData(SessionIdRole, summary.id)
            item.setData(Qt.ItemDataRole.UserRole, summary.session_date)
            self.sessions.addItem(item)
        if not summaries:
            self.sessions.addItem(self.tr("No signed sessions yet."))
        self.reveal_ssn.setVisible(profile is not None and profile.tax_id_kind is TaxIdKind.SSN)
        self.period.setCurrentIndex(1)  # this month
        self.on_period_current_index_changed(1)
        self.on_by_range_toggled(True)

    def _connect(self) -> None:
        self.period.currentIndexChanged.connect(self.on_period_current_index_changed)
        self.from_field.textEdited.connect(self.on_dates_text_edited)
        self.to_field.textEdited.connect(self.on_dates_text_edited)
        self.by_range.toggled.connect(self.on_by_range_toggled)
        self.sessions.itemChanged.connect(self.on_sessions_item_changed)
        self.reveal_ssn.toggled.connect(self.on_options_changed)
        self.preview_button.clicked.connect(self.on_preview_button_clicked)
        self.preview.saved.connect(self.on_preview_saved)
        self._ctx.signals.about_to_lock.connect(self.on_signals_about_to_lock)

    # --- options ------------------------------------------------------------------------------

    def chosen_session_ids(self) -> list[int]:
        items = (self.sessions.item(i) for i in range(self.sessions.count()))
        return [item.data(SessionIdRole) for item in items
                if item.data(SessionIdRole) is not None and item.checkState() == Qt.CheckState.Checked]

    def set_period(self, first: date, last: date) -> None:
        self.by_range.setChecked(True)
        self.from_field.set_date(first)
        self.to_field.set_date(last)
        self.on_dates_text_edited("")

    def _options(self) -> dict[str, Any]:
        """The service's keyword arguments; raises ValidationError naming the bad field."""
        options: dict[str, Any] = {"reveal_ssn": self.reveal_ssn.isVisible() and self.reveal_ssn.isChecked()}
        if self.by_sessions.isChecked():
            chosen = self.chosen_session_ids()
            if not chosen:
                raise ValidationError("Sessions", "choose at least one signed session")
            return {**options, "session_ids": chosen}
        start = self.from_field.date_value("From")
        end = self.to_field.date_value("To")
        if start is None:
            raise ValidationError("From", "is required")
        if end is None:
            raise ValidationError("To", "is required")
        if end < start:
            raise ValidationError("To", "is before From")
        return {**options, "start": start, "end": end}

    def _period_of(self, options: dict[str, Any]) -> tuple[date, date]:
        if "start" in options:
            return options["start"], options["end"]
        items = (self.sessions.item(i) for i in range(self.sessions.count()))
        days = [item.data(Qt.ItemDataRole.UserRole) for item in items
                if item.data(SessionIdRole) in options["session_ids"]]
        return min(days), max(days)

    def _clear_messages(self) -> None:
        for label in (*self.errors.values(), self.sessions_error):
            label.clear_message()

    def _stale(self) -> None:
        """Options changed: an answer on its way or a preview shown no longer matches them."""
        self._seq += 1
        self.busy.hide()
        self.preview_button.setEnabled(True)
        self.missing_panel.hide()
        if self.preview.has_pdf():
            self.preview.clear(self.tr("The choices changed: preview again."))

    # --- preview and save -----------------------------------------------------------------------

    def preview_superbill(self) -> bool:
        """Check and render on a worker; False when the choices themselves are wrong."""
        self._clear_messages()
        try:
            options = self._options()
        except ValidationError as error:
            target = self.errors.get(error.field, self.sessions_error)
            target.show_message(f"{error.field} {error.message}")
            return False
        self._stale()
        self.preview.clear(self.tr("Checking and making the preview…"))
        ctx, client_id, today = self._ctx, self.client_id, self._ctx.now().date()
        seq = self._seq

        def job() -> bytes:
            with ctx.reader() as session:
                return superbills.preview_superbill(session, client_id, today, **options)

        def saver(path: Any, password: str | None) -> object:
            with ctx.unit_of_work() as session:
                return superbills.export_superbill(session, client_id, path, ctx.now(),
                                                   password=password, **options)

        def done(pdf: bytes) -> None:
            if seq == self._seq:
                self._finish()
                self.missing = ()
                first, last = self._period_of(options)
                self.preview.set_pdf(pdf, superbills.superbill_filename(self._client, first, last), saver)

        def failed(error: BaseException) -> None:
            if seq == self._seq:
                self._finish()
                self._show_failure(error)

        self.preview_button.setEnabled(False)
        self.busy.show()
        ctx.tasks.run(job, done, failed)
        return True

    def _finish(self) -> None:
        self.busy.hide()
        self.preview_button.setEnabled(True)

    def _show_failure(self, error: BaseException) -> None:
        if isinstance(error, superbills.SuperbillIncomplete):
            self.show_missing(error.items)
            self.preview.clear(self.tr("No superbill was made: see what is missing."))
        elif isinstance(error, ValidationError) and error.field in ("Date range", "Sessions"):
            self.errors["To"].show_message(f"{error.field} {error.message}")
            self.preview.clear()
        else:
            self.preview.clear(failure_text(error, self))

    def show_missing(self, items: tuple[superbills.MissingItem, ...]) -> None:
        """Every missing item, grouped under where it is fixed."""
        self.missing = tuple(items)
        self.missing_list.clear()
        groups: dict[str, list[str]] = {}
        for item in items:
            groups.setdefault(item.where, []).append(item.what)
        bold = QFont(self.missing_list.font())
        bold.setBold(True)
        for where, whats in groups.items():
            header = QListWidgetItem(self.tr("Fix in {0}:").format(where))
            header.setFont(bold)
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.missing_list.addItem(header)
            for what in whats:
                entry = QListWidgetItem(f"    •  {what}")
                entry.setToolTip(f"{what} — {where}")
                entry.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.missing_list.addItem(entry)
        count = len(items)
        self.missing_title.show_message(
            self.tr("No superbill was made. It needs this first:") if count == 1 else
            self.tr("No superbill was made. It needs these {0} things first:").format(count))
        self.missing_panel.show()

    def missing_texts(self) -> list[str]:
        return [self.missing_list.item(i).text() for i in range(self.missing_list.count())]

    # --- slots ---------------------------------------------------------------------------------

    @Slot(int)
    def on_period_current_index_changed(self, index: int) -> None:
        span = self.period.itemData(index)
        if span is not None:
            self.from_field.set_date(span[0])
            self.to_field.set_date(span[1])
            self.by_range.setChecked(True)
        self._stale()

    @Slot(str)
    def on_dates_text_edited(self, _text: str) -> None:
        self.period.blockSignals(True)
        self.period.setCurrentIndex(0)  # Custom
        self.period.blockSignals(False)
        self._stale()

    @Slot(bool)
    def on_by_range_toggled(self, by_range: bool) -> None:
        for widget in (self.period, self.from_field, self.to_field):
            widget.setEnabled(by_range)
        self.sessions.setEnabled(not by_range)
        self._clear_messages()
        self._stale()

    @Slot(QListWidgetItem)
    def on_sessions_item_changed(self, _item: QListWidgetItem) -> None:
        self._stale()

    @Slot(bool)
    def on_options_changed(self, _checked: bool) -> None:
        self._stale()

    @Slot()
    def on_preview_button_clicked(self) -> None:
        self.preview_superbill()

    @Slot(str)
    def on_preview_saved(self, path: str) -> None:
        self.last_saved = path
        self._ctx.signals.status_message.emit(self.tr("Superbill saved; the disclosure was logged."))

    @Slot()
    def on_signals_about_to_lock(self) -> None:
        self._seq += 1
        self.preview.clear()
        self.reject()
