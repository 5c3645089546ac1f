"""Record a payment, an adjustment or a write-off for one client through ``services.ledger``.

objectNames: paymentDialog / adjustmentDialog / writeOffDialog; ledgerClientLabel, ledgerDate,
ledgerAmount, ledgerMethod, ledgerReference, ledgerMemo, ledgerDateError, ledgerAmountError,
ledgerMethodError, ledgerReferenceError, ledgerMemoError, ledgerFormError, ledgerOk, ledgerCancel.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.enums import LedgerKind, PaymentMethod
from therapist_desk.domain.errors import ErrorCollector, ValidationError, ValidationErrors
from therapist_desk.domain.ledger import LedgerEntry
from therapist_desk.domain.money import format_money, parse_money
from therapist_desk.services import ledger
from therapist_desk.services.clients import RecordNotFound, get_client
from therapist_desk.services.vault_access import VaultError
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.discharge_dialog import DateField, parse_date
from therapist_desk.ui.ledger_model import method_text
from therapist_desk.ui.widgets import ErrorLabel, add_form_row

log = logging.getLogger(__name__)

_NAMES = {LedgerKind.PAYMENT: "paymentDialog", LedgerKind.ADJUSTMENT: "adjustmentDialog",
          LedgerKind.WRITE_OFF: "writeOffDialog"}


class LedgerEntryDialog(QDialog):
    """One credit to a client's account. OK saves it in one transaction or shows why not.

    ``entry`` holds the saved LedgerEntry after the dialog was accepted.
    """

    def __init__(self, ctx: AppContext, client_id: int, kind: LedgerKind = LedgerKind.PAYMENT,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if kind is LedgerKind.CHARGE:
            raise ValueError("charges are posted by signing a note, not entered by hand")
        self._ctx, self.client_id, self.kind = ctx, client_id, kind
        self.entry: LedgerEntry | None = None
        tr = self.tr
        title = {LedgerKind.PAYMENT: tr("Record Payment"), LedgerKind.ADJUSTMENT: tr("Record Adjustment"),
                 LedgerKind.WRITE_OFF: tr("Write Off")}[kind]
        self.setObjectName(_NAMES[kind])
        self.setWindowTitle(title)  # never the client's name: it is shown inside
        self.setAccessibleName(title)
        self.client_label = QLabel(self, objectName="ledgerClientLabel", wordWrap=True)
        self.client_label.setAccessibleName(tr("Client and balance"))
        self.date_field = DateField(self)
        self.date_field.setObjectName("ledgerDate")
        self.date_field.set_date(ctx.now().date())
        self.amount_field = QLineEdit(self, objectName="ledgerAmount")
        self.amount_field.setPlaceholderText(tr("for example 140.00"))
        self.amount_field.setMaximumWidth(150)
        self.method_box = QComboBox(self, objectName="ledgerMethod")
        for method in PaymentMethod:
            self.method_box.addItem(method_text(method), method)
        self.reference_field = QLineEdit(self, objectName="ledgerReference")
        self.reference_field.setPlaceholderText(tr("Check number, card receipt, EOB or claim number"))
        self.reference_field.setMaxLength(80)
        self.memo_field = QLineEdit(self, objectName="ledgerMemo")
        self.memo_field.setMaxLength(200)
        self.memo_field.setPlaceholderText(tr("Why (for your records)") if kind is not LedgerKind.PAYMENT
                                           else tr("Optional"))
        form = QFormLayout()
        self.errors: dict[str, ErrorLabel] = {
            "Date": add_form_row(form, tr("&Date:"), self.date_field),
            "Amount": add_form_row(form, tr("&Amount:"), self.amount_field,
                                   tr("Dollars and cents; it lowers the balance.")),
        }
        if kind is LedgerKind.PAYMENT:
            self.errors["Method"] = add_form_row(form, tr("&Method:"), self.method_box)
            self.errors["Reference"] = add_form_row(form, tr("&Reference:"), self.reference_field)
        else:
            self.method_box.hide()
            self.reference_field.hide()
        self.errors["Memo"] = add_form_row(
            form, tr("M&emo:"), self.memo_field,
            tr("Memos stay in the ledger; statements leave them off."))
        self.form_error = ErrorLabel(self)
        self.form_error.setObjectName("ledgerFormError")
        self.form_error.setAccessibleName(tr("Problem recording this entry"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setObjectName("ledgerOk")
        ok.setText({LedgerKind.PAYMENT: tr("Record payment"), LedgerKind.ADJUSTMENT: tr("Record adjustment"),
                    LedgerKind.WRITE_OFF: tr("Write off")}[kind])
        ok.setAccessibleName(ok.text())
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("ledgerCancel")
        cancel.setAccessibleName(tr("Cancel"))
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(self.client_label)
        column.addLayout(form)
        column.addWidget(self.form_error)
        column.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self._show_client()
        ctx.signals.about_to_lock.connect(self.reject)
        self.amount_field.setFocus()

    def _show_client(self) -> None:
        try:
            with self._ctx.reader() as session:
                name = get_client(session, self.client_id).display_name
                owed = ledger.client_balance(session, self.client_id)
        except (RecordNotFound, VaultError) as error:
            log.warning("ledger dialog: client not loaded: %s", type(error).__name__)
            self.client_label.setText(self.tr("This client could not be loaded."))
            return
        self.client_label.setText(self.tr("<b>{0}</b> — balance {1}").format(
            html.escape(name), format_money(owed)))

    def method(self) -> PaymentMethod:
        return PaymentMethod(self.method_box.currentData())  # Qt hands a StrEnum back as str

    def _check(self) -> tuple[Any, Any]:
        """Check the date and the amount together, so both messages show at once."""
        with ErrorCollector() as collector:
            day = collector.run(parse_date, self.date_field.text(), "Date")
            if day is None and not self.date_field.text().strip():
                collector.add("Date", "is required")
            elif day is not None and day > self._ctx.now().date():
                collector.add("Date", "is in the future")
            amount = collector.run(parse_money, self.amount_field.text(), "Amount")
            if amount is not None and amount <= 0:
                collector.add("Amount", "must be more than $0.00")
        return day, amount

    def _show(self, errors: tuple[ValidationError, ...]) -> None:
        for error in errors:
            label = self.errors.get(error.field, self.form_error)
            label.show_message(f"{error.field} {error.message}")

    @Slot()
    def on_buttons_accepted(self) -> None:
        for label in (*self.errors.values(), self.form_error):
            label.clear_message()
        now = self._ctx.now()
        memo = self.memo_field.text()
        try:
            day, amount = self._check()
            with self._ctx.unit_of_work() as session:
                if self.kind is LedgerKind.PAYMENT:
                    self.entry = ledger.record_payment(
                        session, self.client_id, day, amount, self.method(), now,
                        reference=self.reference_field.text(), memo=memo)
                else:
                    record = (ledger.record_adjustment if self.kind is LedgerKind.ADJUSTMENT
                              else ledger.record_write_off)
                    self.entry = record(session, self.client_id, day, amount, now, memo=memo)
        except ValidationErrors as errors:
            self._show(errors.errors)
            return
        except ValidationError as error:
            self._show((error,))
            return
        except (RecordNotFound, VaultError) as error:
            log.warning("ledger entry not saved: %s", type(error).__name__)
            self.form_error.show_message(getattr(error, "message", "") or self.tr(
                "The entry could not be saved; nothing was recorded."))
            return
        self.accept()
