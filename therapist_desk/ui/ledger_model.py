"""The ledger table model: one client's LedgerEntry rows with a running balance, texts precomputed."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QPalette

from therapist_desk.domain.cpt import cpt_label
from therapist_desk.domain.enums import LedgerKind, PaymentMethod
from therapist_desk.domain.ledger import LedgerEntry
from therapist_desk.domain.money import format_money

COL_DATE, COL_KIND, COL_DETAIL, COL_REFERENCE, COL_AMOUNT, COL_BALANCE = range(6)
COLUMN_COUNT = 6
HEADERS = ("Date", "Kind", "CPT / method", "Reference", "Amount", "Balance")

EntryRole = int(Qt.ItemDataRole.UserRole) + 1  # the LedgerEntry of the row
BalanceRole = int(Qt.ItemDataRole.UserRole) + 2  # the running balance after the row (Decimal)

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_ALIGNMENT = tuple(_RIGHT if col in (COL_AMOUNT, COL_BALANCE) else _LEFT for col in range(COLUMN_COUNT))


def _tr(text: str) -> str:
    return QCoreApplication.translate("LedgerTableModel", text)


KIND_WORDS: dict[LedgerKind, str] = {
    LedgerKind.CHARGE: "Charge",
    LedgerKind.PAYMENT: "Payment",
    LedgerKind.ADJUSTMENT: "Adjustment",
    LedgerKind.WRITE_OFF: "Write-off",
}
METHOD_WORDS: dict[PaymentMethod, str] = {
    PaymentMethod.CASH: "Cash",
    PaymentMethod.CARD: "Card",
    PaymentMethod.CHECK: "Check",
    PaymentMethod.INSURANCE: "Insurance",
    PaymentMethod.OTHER: "Other",
}


def credit_brush() -> QBrush:
    """Green for credits, picked to stay readable on the current light or dark table base."""
    dark = QGuiApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128
    return QBrush(QColor("#7fd19b" if dark else "#1b6e3a"))


def kind_text(kind: LedgerKind) -> str:
    return _tr(KIND_WORDS[kind])


def method_text(method: PaymentMethod) -> str:
    return _tr(METHOD_WORDS[method])


def _detail(entry: LedgerEntry) -> str:
    if entry.kind is LedgerKind.CHARGE:
        return f"{entry.cpt} · {cpt_label(entry.cpt)}" if entry.cpt else ""
    if entry.kind is LedgerKind.PAYMENT and entry.method is not None:
        return method_text(entry.method)
    return ""


def row_texts(entry: LedgerEntry, running: Decimal) -> tuple[str, ...]:
    """The six cells of a row; credits show as negative amounts (they lower the balance)."""
    return (entry.entry_date.isoformat(), kind_text(entry.kind), _detail(entry), entry.reference,
            format_money(entry.signed_amount), format_money(running))


class LedgerTableModel(QAbstractTableModel):
    """Rows oldest first (the running balance reads top to bottom); ``data()`` is a lookup."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._entries: list[LedgerEntry] = []
        self._balances: list[Decimal] = []
        self._texts: list[tuple[str, ...]] = []
        self._tips: list[str] = []
        self._credit = credit_brush()

    def set_entries(self, entries: Iterable[LedgerEntry]) -> None:
        self.beginResetModel()
        self._credit = credit_brush()
        self._entries = sorted(entries, key=lambda e: (e.entry_date, e.id or 0))
        running = Decimal("0.00")
        self._balances, self._texts, self._tips = [], [], []
        for entry in self._entries:
            running += entry.signed_amount
            self._balances.append(running)
            self._texts.append(row_texts(entry, running))
            self._tips.append(entry.memo)
        self.endResetModel()

    def clear(self) -> None:
        self.set_entries(())

    def entry(self, row: int) -> LedgerEntry:
        return self._entries[row]

    def balance(self) -> Decimal:
        """The balance after the last row (what the client owes; negative is a credit)."""
        return self._balances[-1] if self._balances else Decimal("0.00")

    def text(self, row: int, column: int) -> str:
        return self._texts[row][column]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._entries)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else COLUMN_COUNT

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == _DISPLAY:
            return _tr(HEADERS[section])
        if role == _ALIGN:
            return _ALIGNMENT[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role == _DISPLAY or role == _ACCESSIBLE:
            return self._texts[row][col]
        if role == _ALIGN:
            return _ALIGNMENT[col]
        if role == _TOOLTIP:
            return self._tips[row] or None
        if role == _FOREGROUND and col == COL_AMOUNT and self._entries[row].kind is not LedgerKind.CHARGE:
            return self._credit
        if role == EntryRole:
            return self._entries[row]
        if role == BalanceRole:
            return self._balances[row]
        return None
