"""Table model of one client's sessions: date, service, CPT, minutes, status (plain summaries)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from therapist_desk.domain.enums import NoteStatus, ServiceType
from therapist_desk.domain.summaries import SessionSummary

COL_DATE, COL_SERVICE, COL_CPT, COL_MINUTES, COL_STATUS = range(5)
SessionRole = Qt.ItemDataRole.UserRole + 1  # the SessionSummary of the row
SessionIdRole = Qt.ItemDataRole.UserRole + 2
OVERDUE_AFTER = timedelta(hours=48)  # DOMAIN.md: unsigned notes older than 48 hours are flagged
_OVERDUE_COLOUR = QColor("#b3261e")


def tr(text: str) -> str:
    return QCoreApplication.translate("SessionListModel", text)


SERVICE_WORDS: dict[ServiceType, str] = {
    ServiceType.INTAKE: "Intake",
    ServiceType.INDIVIDUAL: "Individual",
    ServiceType.FAMILY_WITHOUT_CLIENT: "Family, without client",
    ServiceType.FAMILY_WITH_CLIENT: "Family, with client",
    ServiceType.GROUP: "Group",
    ServiceType.CRISIS: "Crisis",
}


def service_text(service: ServiceType) -> str:
    return tr(SERVICE_WORDS[service])


class SessionListModel(QAbstractTableModel):
    """Rows are precomputed tuples so ``data()`` stays a lookup (a repaint calls it ~1,000 times)."""

    HEADERS = ("Date", "Service", "CPT", "Minutes", "Status")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[SessionSummary] = []
        self._texts: list[tuple[str, ...]] = []
        self._overdue: list[bool] = []

    def set_sessions(self, sessions: list[SessionSummary], now: datetime) -> None:
        self.beginResetModel()
        self._rows = list(sessions)
        self._overdue = [s.status is NoteStatus.DRAFT
                         and now - datetime.combine(s.session_date, datetime.min.time()) > OVERDUE_AFTER
                         for s in self._rows]
        self._texts = [self._texts_for(s, overdue) for s, overdue in zip(self._rows, self._overdue)]
        self.endResetModel()

    def clear(self) -> None:
        self.set_sessions([], datetime.now())

    @staticmethod
    def _texts_for(s: SessionSummary, overdue: bool) -> tuple[str, ...]:
        if s.status is NoteStatus.SIGNED:
            status = tr("Signed")
        else:
            status = tr("Draft — unsigned over 48 h") if overdue else tr("Draft")
        return (s.session_date.isoformat(), service_text(s.service_type), s.cpt_summary or "—",
                "" if s.minutes is None else str(s.minutes), status)

    def summary(self, row: int) -> SessionSummary:
        return self._rows[row]

    def row_of(self, session_id: int) -> int:
        for i, s in enumerate(self._rows):
            if s.id == session_id:
                return i
        return -1

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(self.HEADERS[section])
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.AccessibleTextRole:
            return self._texts[row][col]
        if role == SessionRole:
            return self._rows[row]
        if role == SessionIdRole:
            return self._rows[row].id
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_STATUS and self._overdue[row]:
            return QBrush(_OVERDUE_COLOUR)
        if role == Qt.ItemDataRole.TextAlignmentRole and col == COL_MINUTES:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
