"""Discharge and reactivation dialogs, the unsaved-changes question, and the shared date field.

objectNames: dischargeDialog (dischargeDate, dischargeReason), reactivateDialog (reactivateDate),
statusDateError, statusReasonError, unsavedChangesBox.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QCoreApplication, QDate, QPoint, Signal, Slot
from PySide6.QtWidgets import (
    QCalendarWidget,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QStyle,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from therapist_desk.domain.errors import ValidationError, ValidationErrors
from therapist_desk.ui.widgets import ErrorLabel

_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_date(text: str, field: str) -> date | None:
    """"2026-11-24" or "11/24/2026" -> a date; "" -> None; anything else raises ValidationError."""
    text = text.strip()
    if not text:
        return None
    try:
        us = _US_DATE.match(text)
        if us:
            return date(int(us.group(3)), int(us.group(1)), int(us.group(2)))
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, "is not a date; type it as YYYY-MM-DD or MM/DD/YYYY") from None


class DateField(QLineEdit):
    """A date typed as YYYY-MM-DD (MM/DD/YYYY accepted), may be empty, with a calendar button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(self.tr("YYYY-MM-DD"))
        self.setMaxLength(10)
        self.setMaximumWidth(150)
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogDetailedView)
        self._calendar_action = self.addAction(icon, QLineEdit.ActionPosition.TrailingPosition)
        self._calendar_action.setToolTip(self.tr("Pick from a calendar"))
        self._calendar_action.triggered.connect(self.on_calendar_triggered)

    def date_value(self, field: str) -> date | None:
        return parse_date(self.text(), field)

    def set_date(self, value: date | None) -> None:
        self.setText(value.isoformat() if value else "")

    @Slot()
    def on_calendar_triggered(self) -> None:
        menu = QMenu(self)
        calendar = QCalendarWidget(menu)
        try:
            current = parse_date(self.text(), "")
        except ValidationError:
            current = None
        if current:
            calendar.setSelectedDate(QDate(current.year, current.month, current.day))
        action = QWidgetAction(menu)
        action.setDefaultWidget(calendar)
        menu.addAction(action)

        def picked(day: QDate) -> None:
            self.set_date(date(day.year(), day.month(), day.day()))
            menu.close()

        calendar.clicked.connect(picked)
        calendar.activated.connect(picked)
        menu.popup(self.mapToGlobal(QPoint(0, self.height())))


def error_label(object_name: str) -> ErrorLabel:
    """A red, word-wrapped message that stays hidden until a field has something to say."""
    label = ErrorLabel()
    label.setObjectName(object_name)
    return label


def message_of(error: ValidationError) -> str:
    """"Date of birth is in the future": the field label and what is wrong, as one sentence."""
    return f"{error.field} {error.message}"


def show_error(label: ErrorLabel, message: str) -> None:
    label.show_message(message)


class StatusDateDialog(QDialog):
    """A date (default today) and maybe a reason; ``submit`` runs the service and may refuse."""

    submitted = Signal()

    def __init__(
        self, title: str, today: date, submit: Callable[..., object], *, with_reason: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._submit = submit
        self._with_reason = with_reason
        form = QFormLayout()
        self.date_field = DateField(self)
        self.date_field.set_date(today)
        self.date_error = error_label("statusDateError")
        self.date_field.setAccessibleName(self.tr("Date"))
        form.addRow(self.tr("Date"), self.date_field)
        form.addRow("", self.date_error)
        self.reason_field = QPlainTextEdit(self)
        self.reason_field.setTabChangesFocus(True)
        self.reason_field.setFixedHeight(80)
        self.reason_error = error_label("statusReasonError")
        if with_reason:
            form.addRow(self.tr("Reason"), self.reason_field)
            form.addRow("", self.reason_error)
        else:
            self.reason_field.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    @Slot()
    def on_buttons_accepted(self) -> None:
        show_error(self.date_error, "")
        show_error(self.reason_error, "")
        try:
            day = self.date_field.date_value("Date")
            if day is None:
                raise ValidationError("Date", "is required")
            if self._with_reason:
                reason = self.reason_field.toPlainText().strip()
                if not reason:
                    raise ValidationError("Reason", "is required")
                self._submit(day, reason)
            else:
                self._submit(day)
        except ValidationErrors as errors:
            self._show(errors.errors)
            return
        except ValidationError as error:
            self._show((error,))
            return
        self.submitted.emit()
        self.accept()

    def _show(self, errors: tuple[ValidationError, ...]) -> None:
        for error in errors:
            target = self.reason_error if error.field == "Reason" else self.date_error
            show_error(target, message_of(error))


class DischargeDialog(StatusDateDialog):
    """Discharge with a date and a reason; ``submit(day, reason)`` calls the service."""

    def __init__(self, today: date, submit: Callable[[date, str], object], parent: QWidget | None = None) -> None:
        super().__init__(QCoreApplication.translate("DischargeDialog", "Discharge client"), today, submit, with_reason=True, parent=parent)
        self.setObjectName("dischargeDialog")
        self.date_field.setObjectName("dischargeDate")
        self.date_field.setAccessibleName(self.tr("Discharge date"))
        self.reason_field.setObjectName("dischargeReason")
        self.reason_field.setAccessibleName(self.tr("Discharge reason"))
        self.reason_field.setPlaceholderText(self.tr("For example: goals met; moved away; referred on"))


class ReactivateDialog(StatusDateDialog):
    """Reactivate a discharged or inactive client from a date; ``submit(day)`` calls the service."""

    def __init__(self, today: date, submit: Callable[[date], object], parent: QWidget | None = None) -> None:
        super().__init__(QCoreApplication.translate("ReactivateDialog", "Reactivate client"), today, submit, with_reason=False, parent=parent)
        self.setObjectName("reactivateDialog")
        self.date_field.setObjectName("reactivateDate")
        self.date_field.setAccessibleName(self.tr("Reactivation date"))


def ask_unsaved(parent: QWidget) -> QMessageBox.StandardButton:
    """Save / Discard / Cancel for a client with unsaved edits (the name is not repeated here)."""
    buttons = QMessageBox.StandardButton
    box = QMessageBox(QMessageBox.Icon.Question, QCoreApplication.translate("ClientsTab", "Unsaved changes"),
                      QCoreApplication.translate("ClientsTab", "This client has changes that are not saved yet."),
                      buttons.Save | buttons.Discard | buttons.Cancel, parent)
    box.setObjectName("unsavedChangesBox")
    box.setInformativeText(QCoreApplication.translate("ClientsTab", "Save them before you go on?"))
    box.setDefaultButton(buttons.Save)
    return buttons(box.exec())
