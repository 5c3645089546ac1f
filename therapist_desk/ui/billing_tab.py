"""The Billing tab: the selected client's ledger with a running balance, and the money documents.

Payments, adjustments and write-offs are entered in small dialogs (``payment_dialog``); the
superbill, statement and progress-letter dialogs, the monthly superbill batch and the letter
templates open from here (the lead binds menu actions to the ``open_*`` methods). Those dialogs
are imported on first use, so ReportLab and QtPdf load on the first export, not at startup.

objectNames: billingTab, billingClientLabel, billingClientBalance, billingPracticeBalance,
billingEmptyState, billingLedgerTable, billingRecordPayment, billingAdjustment, billingWriteOff,
billingSuperbill, billingStatement, billingLetter, billingBatchSuperbills, billingLetterTemplates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

import shiboken6
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.enums import LedgerKind
from therapist_desk.domain.money import format_money
from therapist_desk.services import ledger
from therapist_desk.services.clients import RecordNotFound, get_client
from therapist_desk.services.vault_access import VaultError
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.ledger_model import COL_AMOUNT, COL_BALANCE, COL_DETAIL, LedgerTableModel
from therapist_desk.ui.payment_dialog import LedgerEntryDialog
from therapist_desk.ui.widgets import hint_label, log_unexpected

log = logging.getLogger(__name__)
_ACCEPTED = QDialog.DialogCode.Accepted


def balance_words(amount: Decimal) -> str:
    """"$140.00 owed", "$20.00 credit", "$0.00": what a balance means, not just its sign."""
    if amount > 0:
        return f"{format_money(amount)} owed"
    if amount < 0:
        return f"{format_money(-amount)} credit"
    return format_money(amount)


def _button(name: str, text: str, accessible: str, parent: QWidget) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName(name)
    button.setAccessibleName(accessible)
    return button


class BillingTab(QWidget):
    """Follows ``signals.client_selected``; refreshes on ``client_changed``; clears on lock."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.client_id = -1
        self._balance_asked = 0  # practice-balance requests made; only the latest is shown
        self.setObjectName("billingTab")
        self.setAccessibleName(self.tr("Billing"))
        # Replaceable in tests: runs a dialog and returns its result.
        self.run_dialog: Callable[[QDialog], int] = lambda dialog: dialog.exec()
        self._build()
        ctx.signals.client_selected.connect(self.on_signals_client_selected)
        ctx.signals.client_changed.connect(self.on_signals_client_changed)
        ctx.signals.about_to_lock.connect(self.on_signals_about_to_lock)
        self.clear()
        if ctx.vault is not None:
            self._reload_practice_balance()
            self.reload()

    def _build(self) -> None:
        tr = self.tr
        self.client_label = QLabel(self, objectName="billingClientLabel")
        self.client_label.setTextFormat(Qt.TextFormat.PlainText)
        self.client_label.setStyleSheet("font-weight: bold; font-size: 13pt;")
        self.client_label.setAccessibleName(tr("Selected client"))
        self.client_balance = QLabel(self, objectName="billingClientBalance")
        self.client_balance.setStyleSheet("font-weight: bold;")
        self.client_balance.setAccessibleName(tr("Client balance"))
        self.practice_balance = QLabel(self, objectName="billingPracticeBalance")
        self.practice_balance.setAccessibleName(tr("Practice balance"))
        self.empty = hint_label(tr("Select a client in the Clients tab to see their ledger, record "
                                   "payments and make superbills, statements and letters."), self)
        self.empty.setObjectName("billingEmptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setAccessibleName(tr("No client selected"))
        self.model = LedgerTableModel(self)
        self.table = QTableView(self, objectName="billingLedgerTable")
        self.table.setAccessibleName(tr("Ledger"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().lineSpacing() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_DETAIL, QHeaderView.ResizeMode.Stretch)
        for col in (COL_AMOUNT, COL_BALANCE):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(col, 110)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.table)

        self.payment_button = _button("billingRecordPayment", tr("Record &payment…"), tr("Record payment"), self)
        self.adjustment_button = _button("billingAdjustment", tr("&Adjustment…"), tr("Record adjustment"), self)
        self.write_off_button = _button("billingWriteOff", tr("&Write-off…"), tr("Write off"), self)
        self.superbill_button = _button("billingSuperbill", tr("&Superbill…"), tr("Superbill"), self)
        self.statement_button = _button("billingStatement", tr("S&tatement…"), tr("Statement"), self)
        self.letter_button = _button("billingLetter", tr("Progress &letter…"), tr("Progress letter"), self)
        self.batch_button = _button("billingBatchSuperbills", tr("Superbills for a &month…"),
                                    tr("Superbills for a month"), self)
        self.templates_button = _button("billingLetterTemplates", tr("Letter t&emplates…"),
                                        tr("Letter templates"), self)
        self.client_buttons = (self.payment_button, self.adjustment_button, self.write_off_button,
                               self.superbill_button, self.statement_button, self.letter_button)
        side = QVBoxLayout()
        side.setSpacing(6)
        for title, buttons in ((tr("Ledger"), self.client_buttons[:3]),
                               (tr("Documents"), self.client_buttons[3:]),
                               (tr("Practice"), (self.batch_button, self.templates_button))):
            label = QLabel(title, self)
            label.setStyleSheet("font-weight: bold; margin-top: 8px;")
            side.addWidget(label)
            for button in buttons:
                side.addWidget(button)
        side.addStretch(1)

        top = QHBoxLayout()
        top.addWidget(self.client_label)
        top.addSpacing(16)
        top.addWidget(self.client_balance)
        top.addStretch(1)
        top.addWidget(self.practice_balance)
        body = QHBoxLayout()
        body.addWidget(self.stack, 1)
        body.addLayout(side)
        column = QVBoxLayout(self)
        column.addLayout(top)
        column.addLayout(body, 1)

        for button, slot in ((self.payment_button, self.record_payment),
                             (self.adjustment_button, self.record_adjustment),
                             (self.write_off_button, self.record_write_off),
                             (self.superbill_button, self.open_superbill),
                             (self.statement_button, self.open_statement),
                             (self.letter_button, self.open_letter),
                             (self.batch_button, self.open_batch_superbills),
                             (self.templates_button, self.open_letter_templates)):
            button.clicked.connect(slot)

    # --- showing ------------------------------------------------------------------------------

    def set_client(self, client_id: int) -> None:
        """Show ``client_id``'s ledger (-1: nobody)."""
        self.client_id = client_id
        self.reload()

    def reload(self) -> None:
        if self._ctx.vault is None:
            self.clear()
            return
        try:
            with self._ctx.reader() as session:
                if self.client_id < 0:
                    self._show_nobody()
                    return
                client = get_client(session, self.client_id)
                entries = ledger.client_ledger(session, self.client_id)
                owed = ledger.client_balance(session, self.client_id)
        except RecordNotFound:
            self.client_id = -1
            self._show_nobody()
            return
        except VaultError as error:
            log.warning("billing tab: ledger not loaded: %s", type(error).__name__)
            self._ctx.signals.status_message.emit(error.message)
            return
        self.client_label.setText(client.display_name)
        self.client_balance.setText(self.tr("Balance: {0}").format(balance_words(owed)))
        self.model.set_entries(entries)
        self.stack.setCurrentWidget(self.table)
        self.table.scrollToBottom()  # the latest entries and the current balance
        for button in self.client_buttons:
            button.setEnabled(True)

    def _reload_practice_balance(self) -> None:
        """The practice total reads every ledger entry (~60 ms at 230,000): on a worker. Only the
        answer to the latest request is shown, and none after a lock."""
        self._balance_asked += 1
        asked = self._balance_asked

        def total() -> Decimal:
            with self._ctx.reader() as session:
                return ledger.practice_balance(session)

        def show(amount: Decimal) -> None:
            if asked == self._balance_asked and shiboken6.isValid(self.practice_balance):
                self.practice_balance.setText(self.tr("Practice: {0}").format(balance_words(amount)))

        def failed(error: BaseException) -> None:
            log.warning("billing tab: practice balance not loaded: %s", type(error).__name__)

        self._ctx.tasks.run(total, show, failed)

    def _show_nobody(self) -> None:
        self.client_label.setText(self.tr("No client selected"))
        self.client_balance.clear()
        self.model.clear()
        self.stack.setCurrentWidget(self.empty)
        for button in self.client_buttons:
            button.setEnabled(False)

    def clear(self) -> None:
        """Forget the client and every figure on screen (the vault is locking or closed)."""
        self.client_id = -1
        self._balance_asked += 1  # an answer on its way is no longer wanted
        self._show_nobody()
        self.practice_balance.clear()

    def has_unsaved_changes(self) -> bool:
        """Every entry is saved by its dialog's OK: nothing here is ever half-typed."""
        return False

    # --- actions (menu actions bind to these) ---------------------------------------------------

    def _need_client(self) -> bool:
        """True when a client is shown; else say so (menu actions reach here with none)."""
        if self.client_id >= 0 and self._ctx.vault is not None:
            return True
        if self._ctx.vault is not None:
            self._ctx.signals.status_message.emit(self.tr("Select a client first (Clients tab)."))
        return False

    def _credit(self, kind: LedgerKind) -> bool:
        if not self._need_client():
            return False
        dialog = LedgerEntryDialog(self._ctx, self.client_id, kind, self)
        if self.run_dialog(dialog) != _ACCEPTED or dialog.entry is None:
            return False
        done = {LedgerKind.PAYMENT: self.tr("Payment recorded."), LedgerKind.ADJUSTMENT: self.tr(
            "Adjustment recorded."), LedgerKind.WRITE_OFF: self.tr("Write-off recorded.")}[kind]
        self._ctx.signals.client_changed.emit(self.client_id)  # reloads this tab and the client list
        self._ctx.signals.status_message.emit(done)
        return True

    @Slot()
    def record_payment(self) -> bool:
        return self._credit(LedgerKind.PAYMENT)

    @Slot()
    def record_adjustment(self) -> bool:
        return self._credit(LedgerKind.ADJUSTMENT)

    @Slot()
    def record_write_off(self) -> bool:
        return self._credit(LedgerKind.WRITE_OFF)

    def _open(self, make: Callable[[], QDialog]) -> QDialog | None:
        if self._ctx.vault is None:
            return None
        try:
            dialog = make()
        except (RecordNotFound, VaultError) as error:
            log.warning("billing dialog not opened: %s", type(error).__name__)
            self._ctx.signals.status_message.emit(self.tr("That could not be opened; see the log."))
            return None
        except Exception as error:  # noqa: BLE001 - a bug: logged scrubbed, the tab stays usable
            log_unexpected(log, "a billing dialog failed to open", error)
            self._ctx.signals.status_message.emit(self.tr("That could not be opened; see the log."))
            return None
        self.run_dialog(dialog)
        return dialog

    @Slot()
    def open_superbill(self) -> QDialog | None:
        if not self._need_client():
            return None
        from therapist_desk.ui.superbill_dialog import SuperbillDialog

        return self._open(lambda: SuperbillDialog(self._ctx, self.client_id, self))

    @Slot()
    def open_statement(self) -> QDialog | None:
        if not self._need_client():
            return None
        from therapist_desk.ui.statement_dialog import StatementDialog

        return self._open(lambda: StatementDialog(self._ctx, self.client_id, self))

    @Slot()
    def open_letter(self) -> QDialog | None:
        if not self._need_client():
            return None
        from therapist_desk.ui.letter_dialog import LetterDialog

        return self._open(lambda: LetterDialog(self._ctx, self.client_id, self))

    @Slot()
    def open_batch_superbills(self) -> QDialog | None:
        from therapist_desk.ui.batch_superbills_dialog import BatchSuperbillsDialog

        return self._open(lambda: BatchSuperbillsDialog(self._ctx, self))

    @Slot()
    def open_letter_templates(self) -> QDialog | None:
        from therapist_desk.ui.letter_templates_dialog import LetterTemplatesDialog

        return self._open(lambda: LetterTemplatesDialog(self._ctx, self))

    # --- app signals ----------------------------------------------------------------------------

    @Slot(int)
    def on_signals_client_selected(self, client_id: int) -> None:
        if client_id != self.client_id:
            self.set_client(client_id)

    @Slot(int)
    def on_signals_client_changed(self, _client_id: int) -> None:
        """Any client's change can move the practice total; the shown ledger reloads too."""
        if self._ctx.vault is not None:
            self._reload_practice_balance()
        self.reload()

    @Slot()
    def on_signals_about_to_lock(self) -> None:
        self.clear()
