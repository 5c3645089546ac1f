"""Releases of information: list, add, edit and revoke (a release is never deleted).

objectNames: releasesEditor, releasesTable, releaseAdd, releaseEdit, releaseRevoke, releasesError;
in the dialog: releaseDialog, releaseRecipient, releaseAddress, releaseKind, releasePurpose,
releaseScope, releaseSigned, releaseExpires, releaseNotes, releaseHint, releaseError_<field>;
revoking: revokeDialog, revokeDate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from PySide6.QtCore import QCoreApplication, Qt, Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.client import ReleaseOfInformation
from therapist_desk.domain.enums import ReleaseKind
from therapist_desk.domain.errors import ErrorCollector, ValidationError, ValidationErrors
from therapist_desk.ui.discharge_dialog import (
    DateField,
    StatusDateDialog,
    error_label,
    message_of,
    show_error,
)
from therapist_desk.ui.widgets import ErrorLabel

_ROLE = int(Qt.ItemDataRole.UserRole)


def kind_text(kind: ReleaseKind) -> str:
    tr = lambda s: QCoreApplication.translate("ReleasesEditor", s)
    return {
        ReleaseKind.TREATING_PROVIDER: tr("Treating provider"), ReleaseKind.INSURER: tr("Insurer"),
        ReleaseKind.SCHOOL: tr("School"), ReleaseKind.EMPLOYER: tr("Employer"),
        ReleaseKind.ATTORNEY: tr("Attorney"), ReleaseKind.FAMILY: tr("Family"), ReleaseKind.OTHER: tr("Other"),
    }[kind]


def release_state(rel: ReleaseOfInformation, today: date) -> str:
    """"Valid", "Revoked 2026-10-01", "No authorization needed"... in plain words."""
    if rel.revoked_on is not None and rel.revoked_on <= today:
        return QCoreApplication.translate("ReleasesEditor", "Revoked %1").replace("%1", rel.revoked_on.isoformat())
    if not rel.kind.needs_authorization and rel.signed_on is None:
        return QCoreApplication.translate("ReleasesEditor", "No authorization needed")
    reason = rel.refusal_reason(today)
    return QCoreApplication.translate("ReleasesEditor", "Valid") if reason is None else reason.capitalize()


class ReleaseDialog(QDialog):
    """Add or edit one release; the revoked date is set only through Revoke."""

    def __init__(self, release: ReleaseOfInformation | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("releaseDialog")
        self.setWindowTitle(self.tr("Release of information"))
        self._original = release
        self.recipient = QLineEdit(self, objectName="releaseRecipient")
        self.address = QPlainTextEdit(self, objectName="releaseAddress", tabChangesFocus=True)
        self.address.setFixedHeight(54)
        self.kind = QComboBox(self, objectName="releaseKind")
        for kind in ReleaseKind:
            self.kind.addItem(kind_text(kind), kind)
        self.purpose = QLineEdit(self, objectName="releasePurpose")
        self.scope = QLineEdit(self, objectName="releaseScope")
        self.scope.setPlaceholderText(self.tr("What may be shared, e.g. attendance and progress summary"))
        self.signed = DateField(self)
        self.signed.setObjectName("releaseSigned")
        self.expires = DateField(self)
        self.expires.setObjectName("releaseExpires")
        self.notes = QPlainTextEdit(self, objectName="releaseNotes", tabChangesFocus=True)
        self.notes.setFixedHeight(54)
        self.hint = QLabel(self, objectName="releaseHint", wordWrap=True)
        self.kind.currentIndexChanged.connect(self.on_kind_current_index_changed)
        self.errors: dict[str, ErrorLabel] = {}
        form = QFormLayout()
        for key, label, widget in (
            ("recipient", self.tr("Recipient"), self.recipient), ("address", self.tr("Recipient address"), self.address),
            ("kind", self.tr("Kind"), self.kind), ("purpose", self.tr("Purpose"), self.purpose),
            ("scope", self.tr("Scope"), self.scope), ("signed", self.tr("Signed on"), self.signed),
            ("expires", self.tr("Expires on"), self.expires), ("notes", self.tr("Notes"), self.notes),
        ):
            widget.setAccessibleName(label)
            self.errors[key] = error_label(f"releaseError_{key}")
            form.addRow(label, widget)
            form.addRow("", self.errors[key])
        form.addRow("", self.hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        if release is not None:
            self.recipient.setText(release.recipient_name)
            self.address.setPlainText(release.recipient_address)
            self.kind.setCurrentIndex(self.kind.findData(release.kind))
            self.purpose.setText(release.purpose)
            self.scope.setText(release.scope)
            self.signed.set_date(release.signed_on)
            self.expires.set_date(release.expires_on)
            self.notes.setPlainText(release.notes)
        self.on_kind_current_index_changed(self.kind.currentIndex())
        self.result_release: ReleaseOfInformation | None = None

    def release(self) -> ReleaseOfInformation:
        """The release as entered, or ValidationErrors naming each bad field."""
        with ErrorCollector() as c:
            if not self.recipient.text().strip():
                c.add("Recipient", "is required")
            signed = c.run(self.signed.date_value, "Signed on")
            expires = c.run(self.expires.date_value, "Expires on")
            if isinstance(signed, date) and isinstance(expires, date) and expires < signed:
                c.add("Expires on", "is before the date it was signed")
        base = self._original or ReleaseOfInformation("", ReleaseKind.OTHER)
        return replace(
            base, recipient_name=self.recipient.text().strip(), recipient_address=self.address.toPlainText().strip(),
            kind=ReleaseKind(self.kind.currentData()), purpose=self.purpose.text().strip(), scope=self.scope.text().strip(),
            signed_on=signed, expires_on=expires, notes=self.notes.toPlainText().strip(),  # type: ignore[arg-type]
        )

    @Slot(int)
    def on_kind_current_index_changed(self, _index: int) -> None:
        kind = ReleaseKind(self.kind.currentData())  # Qt hands enum data back as str
        self.hint.setText(
            self.tr("A written authorization signed by the client, with an expiry, is required for this recipient.")
            if kind.needs_authorization else
            self.tr("Treating providers and insurers need no authorization (send the minimum necessary).")
        )

    @Slot()
    def on_buttons_accepted(self) -> None:
        for label in self.errors.values():
            show_error(label, "")
        try:
            self.result_release = self.release()
        except ValidationErrors as errors:
            keys = {"Recipient": "recipient", "Signed on": "signed", "Expires on": "expires"}
            for error in errors.errors:
                show_error(self.errors[keys.get(error.field, "recipient")], message_of(error))
            return
        self.accept()


class ReleasesEditor(QWidget):
    """The client's releases in a table with Add / Edit / Revoke; changes are saved with the client."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, today: Callable[[], date] = date.today) -> None:
        super().__init__(parent)
        self.setObjectName("releasesEditor")
        self._today = today
        self._releases: list[ReleaseOfInformation] = []
        # Replaced in tests to fill the dialog and accept it without a modal loop.
        self.run_dialog: Callable[[QDialog], int] = lambda dialog: dialog.exec()
        self.table = QTableWidget(0, 5, self, objectName="releasesTable")
        self.table.setAccessibleName(self.tr("Releases of information"))
        self.table.setHorizontalHeaderLabels([
            self.tr("Recipient"), self.tr("Kind"), self.tr("Signed"), self.tr("Expires"), self.tr("Status"),
        ])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(130)
        self.table.itemSelectionChanged.connect(self.on_table_item_selection_changed)
        self.table.itemDoubleClicked.connect(self.on_edit_button_clicked)
        self.add_button = QPushButton(self.tr("Add release…"), self, objectName="releaseAdd")
        self.edit_button = QPushButton(self.tr("Edit…"), self, objectName="releaseEdit")
        self.revoke_button = QPushButton(self.tr("Revoke…"), self, objectName="releaseRevoke")
        for button, name in ((self.add_button, self.tr("Add release of information")),
                             (self.edit_button, self.tr("Edit release of information")),
                             (self.revoke_button, self.tr("Revoke release of information"))):
            button.setAccessibleName(name)
        self.add_button.clicked.connect(self.on_add_button_clicked)
        self.edit_button.clicked.connect(self.on_edit_button_clicked)
        self.revoke_button.clicked.connect(self.on_revoke_button_clicked)
        self.error = error_label("releasesError")
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.revoke_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        self._fill()

    def releases(self) -> tuple[ReleaseOfInformation, ...]:
        return tuple(self._releases)

    def set_releases(self, releases: tuple[ReleaseOfInformation, ...]) -> None:
        self._releases = list(releases)
        show_error(self.error, "")
        self._fill()

    def add_release(self, release: ReleaseOfInformation) -> None:
        self._releases.append(release)
        self._fill(select=len(self._releases) - 1)
        self.changed.emit()

    def replace_release(self, row: int, release: ReleaseOfInformation) -> None:
        self._releases[row] = release
        self._fill(select=row)
        self.changed.emit()

    def revoke(self, row: int, on: date) -> None:
        rel = self._releases[row]
        if rel.signed_on is not None and on < rel.signed_on:
            raise ValidationError("Revoked on", "is before the date the release was signed")
        self.replace_release(row, replace(rel, revoked_on=on))

    def set_error(self, message: str) -> None:
        show_error(self.error, message)

    def _fill(self, select: int | None = None) -> None:
        today = self._today()
        self.table.setRowCount(len(self._releases))
        for row, rel in enumerate(self._releases):
            cells = (rel.recipient_name, kind_text(rel.kind), rel.signed_on.isoformat() if rel.signed_on else "",
                     rel.expires_on.isoformat() if rel.expires_on else "", release_state(rel, today))
            tip = "\n".join(t for t in (rel.purpose, rel.scope) if t)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                if rel.revoked_on is not None:
                    item.setForeground(self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
                self.table.setItem(row, col, item)
        if select is not None:
            self.table.selectRow(select)
        self.on_table_item_selection_changed()

    def _current_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    @Slot()
    def on_table_item_selection_changed(self) -> None:
        row = self._current_row()
        self.edit_button.setEnabled(row >= 0)
        self.revoke_button.setEnabled(row >= 0 and self._releases[row].revoked_on is None)

    @Slot()
    def on_add_button_clicked(self) -> None:
        dialog = ReleaseDialog(None, self)
        if self.run_dialog(dialog) == QDialog.DialogCode.Accepted and dialog.result_release is not None:
            self.add_release(dialog.result_release)

    @Slot()
    def on_edit_button_clicked(self) -> None:
        row = self._current_row()
        if row < 0:
            return
        dialog = ReleaseDialog(self._releases[row], self)
        if self.run_dialog(dialog) == QDialog.DialogCode.Accepted and dialog.result_release is not None:
            self.replace_release(row, dialog.result_release)

    @Slot()
    def on_revoke_button_clicked(self) -> None:
        row = self._current_row()
        if row < 0:
            return
        dialog = StatusDateDialog(self.tr("Revoke release"), self._today(), lambda day: self.revoke(row, day),
                                  with_reason=False, parent=self)
        dialog.setObjectName("revokeDialog")
        dialog.date_field.setObjectName("revokeDate")
        dialog.date_field.setAccessibleName(self.tr("Date the release was revoked"))
        self.run_dialog(dialog)
