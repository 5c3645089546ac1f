"""After signing and around it: the addendum dialog, the addenda shown under a note, the item-9 alert.

objectNames: addendumDialog, addendumTextEdit, addendumReasonEdit, addendumError, addendumOkButton,
addendumCancelButton; addendaBox, addendum<i>Label; item9Banner, item9BannerText, item9RiskButton,
item9DismissButton.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.session import Addendum
from therapist_desk.ui.note_sections import drop, line_edit, text_edit
from therapist_desk.ui.widgets import ErrorLabel, hint_label


class AddendumDialog(QDialog):
    """Later information for a signed note: text and reason. The caller saves it on ``accepted``."""

    def __init__(self, note_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addendumDialog")
        self.setWindowTitle(self.tr("Add an addendum"))
        self.setAccessibleName(self.tr("Add an addendum"))
        self.setMinimumWidth(480)
        self.text_edit = text_edit("addendumTextEdit", self.tr("Addendum text"),
                                   self.tr("What is added or corrected"), 120)
        self.reason_edit = line_edit("addendumReasonEdit", self.tr("Reason"),
                                     self.tr("e.g. late entry; correction of the session time"))
        self.error = ErrorLabel()
        self.error.setObjectName("addendumError")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Sign addendum"))
        self.ok_button.setObjectName("addendumOkButton")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setObjectName("addendumCancelButton")
        buttons.accepted.connect(self.on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("Text"), self.text_edit)
        form.addRow(self.tr("Reason"), self.reason_edit)
        column = QVBoxLayout(self)
        column.addWidget(hint_label(self.tr(
            "The signed note ({0}) stays exactly as it is. The addendum is dated and signed now "
            "and shown under it.").format(note_label)))
        column.addLayout(form)
        column.addWidget(self.error)
        column.addWidget(buttons)

    def text(self) -> str:
        return self.text_edit.toPlainText()

    def reason(self) -> str:
        return self.reason_edit.text()

    @Slot()
    def on_buttons_accepted(self) -> None:
        if not self.text().strip():
            self.error.show_message(self.tr("Write the addendum text first."))
            return
        self.accept()


class AddendaView(QGroupBox):
    """Addenda under the original note, oldest first, each with its date, signer and reason."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Addenda"), parent)
        self.setObjectName("addendaBox")
        QVBoxLayout(self)
        self.hide()

    def set_addenda(self, addenda: Sequence[Addendum]) -> None:
        layout = self.layout()
        while layout.count():
            item = layout.takeAt(0)
            if item.widget() is not None:
                drop(item.widget())
        for i, addendum in enumerate(addenda):
            head = self.tr("Addendum of {0}, signed by {1}").format(
                addendum.written_at.strftime("%Y-%m-%d %H:%M"), addendum.signed_by)
            reason = "\n" + self.tr("Reason: {0}").format(addendum.reason) if addendum.reason else ""
            label = QLabel(f"{head}{reason}\n\n{addendum.text}")
            label.setObjectName(f"addendum{i}Label")
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setFrameShape(QFrame.Shape.StyledPanel)
            label.setMargin(6)
            layout.addWidget(label)
        self.setVisible(bool(addenda))


class Item9Banner(QFrame):
    """The PHQ-9 item 9 alert: red, at the top, and only dismissable once a risk assessment exists."""

    go_to_risk = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("item9Banner")
        self.setAccessibleName(self.tr("Risk alert"))
        self.positive = False
        self._dismissed = False
        self._written = False
        self.text = QLabel()
        self.text.setObjectName("item9BannerText")
        self.text.setWordWrap(True)
        self.risk_button = QPushButton(self.tr("Go to risk assessment"))
        self.risk_button.setObjectName("item9RiskButton")
        self.dismiss_button = QPushButton(self.tr("Dismiss"))
        self.dismiss_button.setObjectName("item9DismissButton")
        self.dismiss_button.setToolTip(self.tr("Possible once a risk assessment is written"))
        row = QHBoxLayout(self)
        row.addWidget(self.text, 1)
        row.addWidget(self.risk_button)
        row.addWidget(self.dismiss_button)
        self.risk_button.clicked.connect(self.go_to_risk)
        self.dismiss_button.clicked.connect(self.on_dismiss_button_clicked)
        self.hide()

    def set_positive(self, positive: bool) -> None:
        self.positive = positive
        self._dismissed = False
        self._refresh()

    def set_risk_written(self, written: bool) -> None:
        self._written = written
        if not written:
            self._dismissed = False  # the assessment was emptied again: the alert comes back
        self._refresh()

    @Slot()
    def on_dismiss_button_clicked(self) -> None:
        if self._written:
            self._dismissed = True
            self._refresh()

    def _refresh(self) -> None:
        self.dismiss_button.setEnabled(self._written)
        self.setVisible(self.positive and not self._dismissed)
        self.text.setText(self.tr(
            "PHQ-9 item 9 was answered above 0 at this session: thoughts of being better off dead or "
            "of hurting oneself. {0}").format(
            self.tr("A risk assessment is written below.") if self._written else
            self.tr("Write a risk assessment; the note cannot be signed until one is written.")))
