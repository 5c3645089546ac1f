"""The audit log viewer: entries in a table with filters, a hash-chain check and a CSV export.

objectNames: auditViewerDialog, auditTable, auditActionCombo, auditClientEdit, auditSinceCheck,
auditSinceDate, auditUntilCheck, auditUntilDate, auditCountLabel, auditVerifyButton,
auditVerifyLabel, auditExportButton, auditButtons.

Entries name records by type and id and hold no record content, so nothing here shows client
data beyond ids. Filtering happens in SQL (services.audit_export); the table shows at most
:data:`MAX_ROWS` entries, newest first. The dialog empties itself and closes when the app locks.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Slot,
)
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from therapist_desk import APP_NAME
from therapist_desk.domain.audit import AuditEvent
from therapist_desk.services import audit_export
from therapist_desk.services.audit_export import AuditFilter
from therapist_desk.services.audit_log import verify_chain
from therapist_desk.services.vault_access import VaultError
from therapist_desk.ui.context import AppContext

log = logging.getLogger(__name__)

MAX_ROWS = 5_000

COL_TIME = 0
COL_ACTION = 1
COL_RECORD = 2
COL_CLIENT = 3
COL_DETAIL = 4
COLUMN_COUNT = 5

# The AuditEvent of a row.
EventRole = int(Qt.ItemDataRole.UserRole) + 1
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)


def _tr(text: str) -> str:
    return QCoreApplication.translate("AuditTableModel", text)


def headers() -> tuple[str, ...]:
    return (_tr("Time"), _tr("Action"), _tr("Record"), _tr("Client id"), _tr("Detail"))


def display_row(event: AuditEvent) -> tuple[str, ...]:
    """The five cells of an entry, computed once per reload (data() stays a tuple lookup)."""
    if event.record_type and event.record_id is not None:
        record = f"{event.record_type} #{event.record_id}"
    else:
        record = event.record_type
    client = "" if event.client_id is None else str(event.client_id)
    return (event.at.strftime("%Y-%m-%d %H:%M:%S"), event.action, record, client, event.detail)


class AuditTableModel(QAbstractTableModel):
    """AuditEvent rows with their display strings precomputed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._events: list[AuditEvent] = []
        self._rows: list[tuple[str, ...]] = []
        self._headers = headers()

    def set_events(self, events: list[AuditEvent]) -> None:
        self.beginResetModel()
        self._events = list(events)
        self._rows = [display_row(event) for event in self._events]
        self.endResetModel()

    def clear(self) -> None:
        self.set_events([])

    def event_at(self, row: int) -> AuditEvent:
        return self._events[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else COLUMN_COUNT

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        if role == _DISPLAY or role == _TOOLTIP and index.column() == COL_DETAIL:
            return self._rows[index.row()][index.column()]
        if role == EventRole:
            return self._events[index.row()]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if role == _DISPLAY and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None


class AuditViewerDialog(QDialog):
    """The audit log: filter by action, client id and dates; verify the chain; export to CSV."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.setObjectName("auditViewerDialog")
        self.setWindowTitle(self.tr("Audit Log"))
        self.setAccessibleName(self.windowTitle())

        self.action_combo = QComboBox()
        self.action_combo.setObjectName("auditActionCombo")
        self.action_combo.setAccessibleName(self.tr("Action"))
        self.client_edit = QLineEdit()
        self.client_edit.setObjectName("auditClientEdit")
        self.client_edit.setAccessibleName(self.tr("Client id"))
        self.client_edit.setPlaceholderText(self.tr("any"))
        self.client_edit.setValidator(QIntValidator(1, 2_000_000_000, self.client_edit))
        self.client_edit.setMaximumWidth(110)
        today = QDate.currentDate()
        self.since_check, self.since_date = self._date_filter(
            "auditSince", self.tr("&From"), today.addDays(-30))
        self.until_check, self.until_date = self._date_filter("auditUntil", self.tr("&To"), today)

        filters = QHBoxLayout()
        action_label = QLabel(self.tr("&Action:"))
        action_label.setBuddy(self.action_combo)
        client_label = QLabel(self.tr("&Client id:"))
        client_label.setBuddy(self.client_edit)
        for widget in (action_label, self.action_combo, client_label, self.client_edit,
                       self.since_check, self.since_date, self.until_check, self.until_date):
            filters.addWidget(widget)
        filters.addStretch(1)

        self.model = AuditTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("auditTable")
        self.table.setAccessibleName(self.tr("Audit log entries"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(
            COL_DETAIL, QHeaderView.ResizeMode.Stretch)
        self.table.setAlternatingRowColors(True)

        self.count_label = QLabel()
        self.count_label.setObjectName("auditCountLabel")
        self.count_label.setAccessibleName(self.tr("Number of entries shown"))
        self.verify_button = QPushButton(self.tr("&Verify chain"))
        self.verify_button.setObjectName("auditVerifyButton")
        self.verify_button.setAccessibleName(self.tr("Verify the audit log's hash chain"))
        self.verify_button.clicked.connect(self.on_verify_button_clicked)
        self.verify_label = QLabel()
        self.verify_label.setObjectName("auditVerifyLabel")
        self.verify_label.setAccessibleName(self.tr("Result of the chain check"))
        self.verify_label.setWordWrap(True)
        self.export_button = QPushButton(self.tr("&Export…"))
        self.export_button.setObjectName("auditExportButton")
        self.export_button.setAccessibleName(self.tr("Export the shown entries to CSV"))
        self.export_button.clicked.connect(self.on_export_button_clicked)

        actions = QHBoxLayout()
        actions.addWidget(self.count_label, 1)
        actions.addWidget(self.verify_button)
        actions.addWidget(self.export_button)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.setObjectName("auditButtons")
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.verify_label)
        layout.addWidget(buttons)
        self.resize(900, 560)

        self._load_actions()
        self.action_combo.currentIndexChanged.connect(self.on_filter_changed)
        self.client_edit.textChanged.connect(self.on_filter_changed)
        for check, edit in ((self.since_check, self.since_date), (self.until_check, self.until_date)):
            check.toggled.connect(edit.setEnabled)
            check.toggled.connect(self.on_filter_changed)
            edit.dateChanged.connect(self.on_filter_changed)
        ctx.signals.about_to_lock.connect(self.on_about_to_lock)
        self.reload()

    def _date_filter(self, name: str, label: str, initial: QDate) -> tuple[QCheckBox, QDateEdit]:
        check = QCheckBox(label)
        check.setObjectName(f"{name}Check")
        check.setAccessibleName(check.text().replace("&", ""))
        edit = QDateEdit(initial)
        edit.setObjectName(f"{name}Date")
        edit.setAccessibleName(self.tr("{0} date").format(check.text().replace("&", "")))
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setEnabled(False)
        return check, edit

    # --- filters and loading --------------------------------------------------------------------

    def current_filter(self) -> AuditFilter:
        action = self.action_combo.currentData()
        client_text = self.client_edit.text().strip()
        return AuditFilter(
            action=action if isinstance(action, str) and action else None,
            client_id=int(client_text) if client_text.isdigit() else None,
            since=_to_date(self.since_date.date()) if self.since_check.isChecked() else None,
            until=_to_date(self.until_date.date()) if self.until_check.isChecked() else None,
        )

    def _load_actions(self) -> None:
        with self._ctx.reader() as session:
            names = audit_export.action_names(session)
        self.action_combo.blockSignals(True)
        self.action_combo.clear()
        self.action_combo.addItem(self.tr("All actions"), "")
        for name in names:
            self.action_combo.addItem(name, name)
        self.action_combo.blockSignals(False)

    def reload(self) -> None:
        """Query the entries for the current filters (SQL, newest first, at most MAX_ROWS)."""
        flt = self.current_filter()
        with self._ctx.reader() as session:
            events = audit_export.find_events(session, flt, limit=MAX_ROWS)
            total = audit_export.count_events(session, flt) if len(events) == MAX_ROWS else len(events)
        self.model.set_events(events)
        if total > len(events):
            text = self.tr("Showing the newest {0:,} of {1:,} entries.").format(len(events), total)
        elif total == 1:
            text = self.tr("1 entry.")
        else:
            text = self.tr("{0:,} entries.").format(total)
        self.count_label.setText(text)

    @Slot()
    def on_filter_changed(self) -> None:
        if self._ctx.vault is not None:
            self.reload()

    # --- verify and export ----------------------------------------------------------------------

    @Slot()
    def on_verify_button_clicked(self) -> None:
        ctx = self._ctx
        self.verify_button.setEnabled(False)
        self.verify_label.setText(self.tr("Checking the chain…"))

        def job() -> tuple[list[int], int]:
            with ctx.reader() as session:
                return verify_chain(session), audit_export.count_events(session)

        ctx.tasks.run(job, self._on_verified, self._on_task_failed)

    def _on_verified(self, result: tuple[list[int], int]) -> None:
        self.verify_button.setEnabled(True)
        broken, total = result
        if not broken:
            self.verify_label.setText(self.tr(
                "The audit log is intact: none of its {0:,} entries was changed or removed."
            ).format(total))
            return
        shown = ", ".join(str(entry_id) for entry_id in broken[:50])
        more = self.tr(" and {0} more").format(len(broken) - 50) if len(broken) > 50 else ""
        self.verify_label.setText(self.tr(
            "The audit log was tampered with: entries {0}{1} were changed, or an entry before "
            "them was removed, after they were written."
        ).format(shown, more))
        log.warning("audit chain check: %d break(s)", len(broken))

    @Slot()
    def on_export_button_clicked(self) -> None:
        suggested = Path.home() / f"audit-log-{self._ctx.now():%Y-%m-%d}.csv"
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Export the Audit Log"), str(suggested),
                                              self.tr("CSV files (*.csv)"))
        if not name:
            return
        dest = Path(name) if Path(name).suffix else Path(name + ".csv")
        flt = self.current_filter()
        ctx = self._ctx
        now = ctx.now()
        self.export_button.setEnabled(False)

        def job() -> int:
            with ctx.unit_of_work() as session:
                return audit_export.export_csv(session, dest, now, flt)

        def done(count: int) -> None:
            self.export_button.setEnabled(True)
            self.verify_label.setText(self.tr("Exported {0:,} entries to {1}.").format(count, dest.name))
            self._ctx.signals.status_message.emit(self.tr("Audit log exported."))
            self._load_actions()
            self.on_filter_changed()

        def failed(error: BaseException) -> None:
            self.export_button.setEnabled(True)
            self._on_task_failed(error)

        ctx.tasks.run(job, done, failed)

    def _on_task_failed(self, error: BaseException) -> None:
        self.verify_button.setEnabled(True)
        if isinstance(error, VaultError):
            detail = error.message
        else:
            log.error("audit viewer task failed", exc_info=error)
            detail = self.tr("Something unexpected went wrong; the log file has the details.")
        self.verify_label.setText("")
        QMessageBox.warning(self, APP_NAME, detail)

    # --- lock -----------------------------------------------------------------------------------

    @Slot()
    def on_about_to_lock(self) -> None:
        self.model.clear()
        self.reject()


def _to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())
