"""The Clients table model: ClientSummary rows with display strings computed once per load, never in data()."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from therapist_desk.domain.enums import ClientStatus
from therapist_desk.domain.summaries import ClientSummary

COL_NAME = 0
COL_STATUS = 1
COL_LAST_SESSION = 2
COL_NEXT_REVIEW = 3
COL_UNSIGNED = 4
COL_BALANCE = 5
COL_PHQ9 = 6
COL_GAD7 = 7
COL_WHY = 8
COLUMN_COUNT = 9

# Header clicks map to the sort keys list_client_summaries understands; the others do not sort.
SORT_KEYS: dict[int, str] = {
    COL_NAME: "name",
    COL_STATUS: "status",
    COL_LAST_SESSION: "last_session",
    COL_NEXT_REVIEW: "next_review",
    COL_UNSIGNED: "unsigned",
    COL_BALANCE: "balance",
}

# The ClientSummary of a row; ClientIdRole gives just its id (what signals carry).
ClientRole = int(Qt.ItemDataRole.UserRole) + 1
ClientIdRole = int(Qt.ItemDataRole.UserRole) + 2
# The attention reasons of a row as a tuple of plain-word strings (empty when none).
ReasonsRole = int(Qt.ItemDataRole.UserRole) + 3

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_ANSWERED = frozenset((_DISPLAY, _ALIGN, _TOOLTIP, _DECORATION, ClientRole, ClientIdRole, ReasonsRole))
_ALIGNMENT = tuple(_RIGHT if col in (COL_UNSIGNED, COL_BALANCE) else _LEFT for col in range(COLUMN_COUNT))


def _tr(text: str) -> str:
    return QCoreApplication.translate("ClientTableModel", text)


def headers() -> tuple[str, ...]:
    return (
        _tr("Name"), _tr("Status"), _tr("Last session"), _tr("Plan review"),
        _tr("Unsigned"), _tr("Balance"), _tr("PHQ-9"), _tr("GAD-7"), _tr("Why it needs attention"),
    )


def status_text(status: ClientStatus) -> str:
    return {
        ClientStatus.ACTIVE: _tr("Active"),
        ClientStatus.INACTIVE: _tr("Inactive"),
        ClientStatus.DISCHARGED: _tr("Discharged"),
    }[status]


def money_text(amount: Decimal) -> str:
    """"$1,240.00" owed, "credit $20.00" when the client has paid ahead, "" when settled."""
    if amount == 0:
        return ""
    text = f"${abs(amount):,.2f}"
    return text if amount > 0 else _tr("credit %1").replace("%1", text)


def _band_text(band: str | None) -> str:
    return band.replace("_", " ").capitalize() if band else ""


def display_row(summary: ClientSummary, reasons: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Every column's display string for one client (computed once, never inside data())."""
    return (
        summary.display_name,
        status_text(summary.status),
        summary.last_session.isoformat() if summary.last_session else "",
        summary.next_review.isoformat() if summary.next_review else "",
        str(summary.unsigned_notes) if summary.unsigned_notes else "",
        money_text(summary.balance),
        _band_text(summary.phq9_band),
        _band_text(summary.gad7_band),
        "\n".join(reasons),
    )


# (summaries, reasons per row, display strings per row): what a reset needs, built off the GUI thread.
PreparedRows = tuple[list[ClientSummary], list[tuple[str, ...]], list[tuple[str, ...]]]


def prepare_rows(rows: Iterable[ClientSummary], reasons: Mapping[int, tuple[str, ...]] | None = None) -> PreparedRows:
    """Format every row once (safe on a worker thread: plain strings, no widgets)."""
    reasons = reasons or {}
    summaries = list(rows)
    why = [reasons.get(r.id, ()) for r in summaries]
    return summaries, why, [display_row(r, w) for r, w in zip(summaries, why)]


def with_reasons(full: PreparedRows, reasons: Mapping[int, tuple[str, ...]]) -> PreparedRows:
    """A prepared list (built without reasons) with ``reasons``: only their rows are touched."""
    summaries, _none, display = full
    why: list[tuple[str, ...]] = [()] * len(summaries)
    shown = list(display)
    if reasons:
        for n, summary in enumerate(summaries):
            found = reasons.get(summary.id)
            if found:
                why[n] = found
                shown[n] = _with_reasons(shown[n], found)
    return summaries, why, shown


def pick_rows(full: PreparedRows, positions: Iterable[int]) -> PreparedRows:
    """The rows at ``positions`` of a prepared list: no formatting at all, so a sort or a filter
    of 10,000 loaded rows costs a few milliseconds instead of formatting them again."""
    summaries, why, shown = full
    positions = positions if isinstance(positions, list) else list(positions)
    return (list(map(summaries.__getitem__, positions)), list(map(why.__getitem__, positions)),
            list(map(shown.__getitem__, positions)))


def _with_reasons(shown: tuple[str, ...], reasons: tuple[str, ...]) -> tuple[str, ...]:
    return (*shown[:COL_WHY], "\n".join(reasons), *shown[COL_WHY + 1:])


class ClientTableModel(QAbstractTableModel):
    """Read-only rows of plain summaries and precomputed strings; the tab decides the rows (a
    query, or a sort or filter of its loaded list) and hands them over through set_prepared()."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._rows: list[ClientSummary] = []
        self._display: list[tuple[str, ...]] = []
        self._reasons: list[tuple[str, ...]] = []
        self._row_of_id: dict[int, int] | None = {}  # built on the first lookup after a change
        self._headers = headers()
        # Shown beside the name of a client who needs attention (set by the view's owner).
        self.attention_icon: object = None

    # --- loading ----------------------------------------------------------------------------

    def set_rows(
        self, rows: Iterable[ClientSummary], reasons: Mapping[int, tuple[str, ...]] | None = None
    ) -> None:
        """Replace every row (a model reset): the result of a new search, sort or filter."""
        self.set_prepared(prepare_rows(rows, reasons))

    def set_prepared(self, prepared: PreparedRows) -> None:
        """Replace every row with rows whose display strings a worker thread already built."""
        self.beginResetModel()
        self._rows, self._reasons, self._display = prepared
        self._row_of_id = None
        self.endResetModel()

    def set_reasons(self, reasons: Mapping[int, tuple[str, ...]]) -> None:
        """New attention reasons for the listed clients (the rows themselves stay)."""
        changed = False
        for row, summary in enumerate(self._rows):
            why = reasons.get(summary.id, ())
            if why != self._reasons[row]:
                self._reasons[row] = why
                self._display[row] = _with_reasons(self._display[row], why)
                changed = True
        if changed and self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, COLUMN_COUNT - 1))

    def extend_prepared(self, prepared: PreparedRows) -> bool:
        """Add the rows after the current ones when ``prepared`` starts with exactly the rows shown.

        The rest of a list whose first screenful is on screen arrives without a reset: the
        selection, the scroll position and the current row stay. False (nothing done) otherwise.
        """
        rows, reasons, display = prepared
        count = len(self._rows)
        if len(rows) < count or rows[:count] != self._rows or reasons[:count] != self._reasons:
            return False
        if len(rows) > count:
            self.beginInsertRows(QModelIndex(), count, len(rows) - 1)
            self._rows = list(rows)
            self._reasons = list(reasons)
            self._display = list(display)
            self._row_of_id = None
            self.endInsertRows()
        return True

    def update_row(self, summary: ClientSummary, reasons: tuple[str, ...] | None = None) -> bool:
        """Refresh one client in place (dataChanged); False when the client is not listed."""
        row = self.row_of(summary.id)
        if row is None:
            return False
        why = self._reasons[row] if reasons is None else reasons
        self._rows[row] = summary
        self._reasons[row] = why
        self._display[row] = display_row(summary, why)
        self.dataChanged.emit(self.index(row, 0), self.index(row, COLUMN_COUNT - 1))
        return True

    def clear(self) -> None:
        self.set_rows(())

    # --- lookups ----------------------------------------------------------------------------

    def row_of(self, client_id: int) -> int | None:
        if self._row_of_id is None:
            self._row_of_id = {r.id: i for i, r in enumerate(self._rows)}
        return self._row_of_id.get(client_id)

    def summary_at(self, row: int) -> ClientSummary:
        return self._rows[row]

    def client_ids(self) -> tuple[int, ...]:
        return tuple(r.id for r in self._rows)

    # --- Qt model interface -----------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else COLUMN_COUNT

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> object:
        # Called ~1,000 times per repaint (PITFALLS): lookups only, no formatting. The roles a
        # delegate asks for and we do not answer (font, colours, size...) leave at the first test.
        if role not in _ANSWERED:
            return None
        if role == _DISPLAY:
            return self._display[index.row()][index.column()]
        if role == _ALIGN:
            return _ALIGNMENT[index.column()]
        if role == _DECORATION:
            return self.attention_icon if index.column() == COL_NAME and self._reasons[index.row()] else None
        if role == _TOOLTIP:
            return self._display[index.row()][COL_WHY] or None
        if role == ClientRole:
            return self._rows[index.row()]
        if role == ClientIdRole:
            return self._rows[index.row()].id
        return self._reasons[index.row()]  # ReasonsRole

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        return _ROW_FLAGS if index.isValid() else _NO_FLAGS


# Column widths from sample text (whichever is wider: the sample or the header).
_WIDTH_SAMPLES = ("Eleanor Fairweather-Lind", "Discharged", "2026-11-22", "Plan review", "Unsigned",
                  "$1,240.00", "Moderately severe", "Moderate", "PHQ-9 reliably worse: up 5 since baseline (9 to 14)")


def configure_view(table: QTableView, model: ClientTableModel) -> None:
    """Rows select whole, headers sort (in SQL, by the owner), widths fit; reasons sit second."""
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().lineSpacing() + 10)
    header = table.horizontalHeader()
    header.setSectionsClickable(True)
    header.setSortIndicatorShown(True)
    header.setSortIndicator(COL_NAME, Qt.SortOrder.AscendingOrder)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    metrics = table.fontMetrics()
    for col, sample in enumerate(_WIDTH_SAMPLES):
        label = str(model.headerData(col, Qt.Orientation.Horizontal))
        header.resizeSection(col, max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(label)) + 28)
    header.moveSection(COL_WHY, COL_NAME + 1)  # shown only with the attention filter on
    table.setColumnHidden(COL_WHY, True)
