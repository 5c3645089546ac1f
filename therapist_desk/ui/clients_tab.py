"""The Clients tab: a searchable, sortable client list beside the detail form; attention filter.

objectNames: clientsTab, clientsSplitter, clientSearch, clientStatusFilter, clientAttentionFilter,
clientNew, clientTable, clientCount, clientAttentionReasons, clientSave, clientRevert,
clientDischarge, clientReactivate (the form's own names are listed in client_form.py).
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QItemSelection, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.enums import ClientStatus
from therapist_desk.domain.errors import ValidationError, ValidationErrors
from therapist_desk.services import clients as client_service
from therapist_desk.services import drafts
from therapist_desk.services.attention import ITEM9_REASON, attention_items
from therapist_desk.ui import gui_gc
from therapist_desk.ui.client_form import ClientForm
from therapist_desk.ui.client_table_model import (
    COL_WHY,
    SORT_KEYS,
    ClientTableModel,
    PreparedRows,
    configure_view,
    pick_rows,
    prepare_rows,
    with_reasons,
)
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.diagnosis_picker import preload_catalog, warning_style
from therapist_desk.ui.discharge_dialog import DischargeDialog, ReactivateDialog, ask_unsaved
from therapist_desk.ui.widgets import log_unexpected

log = logging.getLogger(__name__)
FORM_DRAFT_KEY = "client-form"

SEARCH_DELAY_MS = 150
# Every query starts on a worker thread; one that took less than this runs inline from then on
# (10,000 clients: the complete list ~200 ms, attention ~400 ms; 50 clients: a few ms).
SLOW_SECONDS = 0.05
# Rows shown first when the tab opens (more than a tall screen holds); the rest follow at once.
FIRST_SCREEN_ROWS = 100
# The rest of the list is loaded once the first rows have painted, or after this at the latest
# (a worker running Python while the GUI thread paints slows every call into the model).
FIRST_PAINT_WAIT_MS = 250
RISK_STYLE = "color: white; background: #b3261e; padding: 4px; border-radius: 3px; font-weight: bold;"
_ACTIVE, _INACTIVE, _DISCHARGED = ClientStatus.ACTIVE, ClientStatus.INACTIVE, ClientStatus.DISCHARGED
Answer = QMessageBox.StandardButton
# What a new tab lists first (its widgets' defaults, as ClientsTab._query gives them): active and
# inactive clients by name, no search. The unlock loads these rows before the tab asks.
OPENING_QUERY: Mapping[str, Any] = dict(search="", statuses=(_ACTIVE, _INACTIVE), ids=None,
                                        sort="name", descending=False)


@dataclass(frozen=True)
class FirstRows:
    """The first FIRST_SCREEN_ROWS rows of a list, formatted, the number of clients it lists in
    all, and the question they answer (a ``ClientsTab._query`` dict)."""

    query: Mapping[str, Any]
    prepared: PreparedRows
    total: int


def load_first_rows(reader: Callable[[], AbstractContextManager[Any]],
                    query: Mapping[str, Any] = OPENING_QUERY) -> FirstRows:
    """The tab's first rows for ``query``: one small query that aggregates only them, and the
    count (safe on a worker thread). ``reader`` is ``AppContext.reader`` or ``Vault.reader``.

    The unlock runs it on its worker right after the vault opens (app.py), so the main window
    is shown with its rows; a tab asking another question loads its own.
    """
    with reader() as session:
        rows = client_service.list_clients(session, search=query["search"], statuses=query["statuses"],
                                           sort=query["sort"], descending=query["descending"],
                                           limit=FIRST_SCREEN_ROWS)
        total = (len(rows) if len(rows) < FIRST_SCREEN_ROWS else
                 client_service.count_listed(session, search=query["search"], statuses=query["statuses"]))
    return FirstRows(dict(query), prepare_rows(rows), total)


class ClientsTab(QWidget):
    """Selecting a row emits ``signals.client_selected(id)``; saving emits ``client_changed(id)``."""

    # The first screenful of the list has painted (the main window's chores wait for it).
    first_rows_painted = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clientsTab")
        self._ctx = ctx
        self._attention: dict[int, tuple[str, ...]] = {}
        self._sort = ("name", False)
        self._seq = {"first": 0, "list": 0, "full": 0, "attention": 0}
        # Until a query has shown it is fast, it runs on a worker: the window never waits for it.
        self._slow = dict.fromkeys(self._seq, True)
        # The complete list (every status) and its display strings, once loaded: searches,
        # filters and sorts are answered from it without a query until the data changes.
        self._full: client_service.ClientList | None = None
        self._full_rows: PreparedRows | None = None
        # _full_rows with the attention reasons of _attention, built off the GUI thread when it can
        # be; valid while both are the very objects in _shown_for.
        self._shown: PreparedRows | None = None
        self._shown_for: tuple[object, object] = (None, None)
        self._total: int | None = None  # the whole count while only the first rows are listed
        self._waiting_for_paint: Callable[[], None] | None = None
        self._take_ready: Callable[[], None] | None = None  # the first rows, if they are there
        self._selecting = False  # True while the code (not the user) moves the selection
        self._own_change = False  # True while this tab announces its own save
        # Replaceable in tests: ask() answers Save / Discard / Cancel; run_dialog() runs a dialog.
        self.ask: Callable[[], Answer] = lambda: ask_unsaved(self)
        self.run_dialog: Callable[[QDialog], int] = lambda dialog: dialog.exec()
        self._build()
        self._connect()
        self._open()

    def _build(self) -> None:
        tr = self.tr
        self.search_box = QLineEdit(self, objectName="clientSearch", clearButtonEnabled=True)
        self.search_box.setPlaceholderText(tr("Search clients by name"))
        self.status_filter = QComboBox(self, objectName="clientStatusFilter")
        for text, statuses in ((tr("Active and inactive"), (_ACTIVE, _INACTIVE)), (tr("Active"), (_ACTIVE,)),
                               (tr("Inactive"), (_INACTIVE,)), (tr("Discharged"), (_DISCHARGED,)),
                               (tr("All clients"), ())):
            self.status_filter.addItem(text, statuses)
        warning_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.attention_button = QPushButton(warning_icon, tr("Needs attention"), self,
                                            objectName="clientAttentionFilter", checkable=True)
        self.attention_button.setToolTip(tr("Show only the clients who need something from you, and why"))
        self.new_button = QPushButton(tr("New client"), self, objectName="clientNew")
        self.model = ClientTableModel(self)
        self.model.attention_icon = warning_icon
        self.table = QTableView(self, objectName="clientTable")
        configure_view(self.table, self.model)
        # Asked for now, while the window is built: PySide6 sets up ~30 lazily loaded types the
        # first time it works out which class the viewport is (~6 ms), and the first rows'
        # paint after the unlock would otherwise wait for that.
        self._viewport = self.table.viewport()
        self.count_label = QLabel(self, objectName="clientCount")
        self.reasons_label = QLabel(self, objectName="clientAttentionReasons", wordWrap=True)
        self.reasons_label.hide()
        self.form = ClientForm(self, today=lambda: self._ctx.now().date())
        self.save_button = QPushButton(tr("Save"), self, objectName="clientSave", default=True)
        self.revert_button = QPushButton(tr("Revert"), self, objectName="clientRevert")
        self.discharge_button = QPushButton(tr("Discharge…"), self, objectName="clientDischarge")
        self.reactivate_button = QPushButton(tr("Reactivate…"), self, objectName="clientReactivate")
        for widget, name in ((self.search_box, tr("Search clients by name")),
                             (self.status_filter, tr("Show clients with status")), (self.new_button, tr("New client")),
                             (self.attention_button, tr("Needs attention")), (self.table, tr("Clients")),
                             (self.reasons_label, tr("Why this client needs attention")),
                             (self.save_button, tr("Save client")), (self.revert_button, tr("Revert changes")),
                             (self.discharge_button, tr("Discharge client")),
                             (self.reactivate_button, tr("Reactivate client"))):
            widget.setAccessibleName(name)

        bar = QHBoxLayout()
        for widget, stretch in ((self.search_box, 1), (self.status_filter, 0), (self.attention_button, 0),
                                (self.new_button, 0)):
            bar.addWidget(widget, stretch)
        left = QWidget(self)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(bar)
        column.addWidget(self.table, 1)
        column.addWidget(self.count_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.revert_button)
        buttons.addStretch(1)
        buttons.addWidget(self.discharge_button)
        buttons.addWidget(self.reactivate_button)
        right = QWidget(self)
        column = QVBoxLayout(right)
        column.setContentsMargins(6, 0, 0, 0)
        column.addWidget(self.reasons_label)
        column.addWidget(self.form, 1)
        column.addLayout(buttons)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self, objectName="clientsSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([880, 520])  # the main window restores the user's own split
        QVBoxLayout(self).addWidget(self.splitter)
        chain = (self.search_box, self.status_filter, self.attention_button, self.new_button, self.table,
                 self.form, self.save_button, self.revert_button, self.discharge_button, self.reactivate_button)
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _connect(self) -> None:
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.on_search_timer_timeout)
        self._paint_timer = QTimer(self, singleShot=True)
        self._paint_timer.timeout.connect(self.on_paint_timer_timeout)
        self.search_box.textChanged.connect(self.on_search_box_text_changed)
        self.status_filter.currentIndexChanged.connect(self.on_status_filter_current_index_changed)
        self.attention_button.toggled.connect(self.on_attention_button_toggled)
        self.new_button.clicked.connect(self.on_new_button_clicked)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self.on_header_sort_indicator_changed)
        self.table.selectionModel().selectionChanged.connect(self.on_table_selection_changed)
        self.save_button.clicked.connect(self.on_save_button_clicked)
        self.revert_button.clicked.connect(self.on_revert_button_clicked)
        self.discharge_button.clicked.connect(self.on_discharge_button_clicked)
        self.reactivate_button.clicked.connect(self.on_reactivate_button_clicked)
        self.form.edited.connect(self.on_form_edited)
        self._ctx.signals.client_selected.connect(self.on_signals_client_selected)
        self._ctx.signals.client_changed.connect(self.on_signals_client_changed)
        self._ctx.signals.about_to_lock.connect(self.on_signals_about_to_lock)
        self._update_buttons()

    # --- queries: inline while fast, on a worker once slow; stale answers are dropped ----------

    def _run(self, kind: str, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        if self._ctx.vault is None:
            return
        self._seq[kind] += 1
        seq = self._seq[kind]

        def timed() -> tuple[Any, float]:
            started = time.perf_counter()
            return job(), time.perf_counter() - started

        def finished(out: tuple[Any, float]) -> None:
            self._slow[kind] = out[1] > SLOW_SECONDS
            if seq == self._seq[kind]:
                done(out[0])

        if self._slow[kind]:
            self._ctx.tasks.run(timed, finished, self._on_query_failed)
        else:
            finished(timed())

    def _on_query_failed(self, error: BaseException) -> None:
        log.error("a client list query failed", exc_info=error)
        self._ctx.signals.status_message.emit(self.tr("The client list could not be loaded."))

    def load(self, first: FirstRows | None = None) -> None:
        """Load the list now: for a tab built before the vault was open (see app.py). ``first``:
        rows already loaded (``load_first_rows``), used if they answer this tab's question."""
        self._open(first)

    def _open(self, first: FirstRows | None = None) -> None:
        """The tab's first rows: the first screenful (one small query), painted; then the complete
        list, which fills in below it without moving anything; then who needs attention."""
        def rest() -> None:
            self.first_rows_painted.emit()
            self._load_full(then=lambda: self._recompute_attention(then=self._release_memory))

        self._show_first_rows(then=lambda: self._after_first_paint(rest), loaded=first)

    def _release_memory(self) -> None:
        """The first complete list and attention read most of the vault: give back the page cache
        and the heap they left behind (~35 MiB at 10,000 clients), on a worker."""
        vault = self._ctx.vault
        if vault is None:
            return

        def release() -> None:
            vault.release_memory()
            gui_gc.give_back_freed_memory()

        # Nothing the clinician sees depends on it: a failure is only logged.
        self._ctx.tasks.run(release, lambda _none: None,
                            lambda error: log_unexpected(log, "giving memory back failed", error))

    def reload(self) -> None:
        """The data changed: load the complete list again, then recompute who needs attention.

        One after the other, not side by side: two Python workers would fight over the GIL and
        slow the GUI thread too. With the filter on, the new attention list comes first.
        """
        if self.attention_button.isChecked():
            self._recompute_attention(then=self._load_full)
        else:
            self._load_full(then=self._recompute_attention)

    def _query(self) -> dict[str, Any]:
        """What the widgets ask for, as list_clients / ClientList.select arguments."""
        sort, descending = self._sort
        if self.attention_button.isChecked():  # exactly the clients who need attention
            return dict(search=self.search_box.text(), statuses=(), ids=frozenset(self._attention),
                        sort=sort, descending=descending)
        return dict(search=self.search_box.text(), statuses=self.status_filter.currentData(), ids=None,
                    sort=sort, descending=descending)

    def _show_first_rows(self, then: Callable[[], None], loaded: FirstRows | None = None) -> None:
        """The first FIRST_SCREEN_ROWS rows by a query that aggregates only them, and the count.

        The answer is taken as soon as it exists: normally when the worker hands it back, but if
        it is already there when the tab is first shown (the main window is still being built
        when it comes), then, so that the window's very first paint has the rows. Rows ``loaded``
        before (by the unlock) for this very question are taken the same way, without a query:
        when the tab is shown, or on the next turn of the event loop if it is not.
        """
        ctx, query, listed = self._ctx, self._query(), self._seq["list"]
        ready: list[FirstRows] = []  # filled on the worker, read on the GUI thread

        def job() -> FirstRows:
            ready.append(load_first_rows(ctx.reader, query))
            return ready[-1]

        def done(out: FirstRows) -> None:
            if self._take_ready is None:
                return  # taken already, when the tab was shown
            self._take_ready = None
            if self._seq["list"] == listed:  # else the user has asked for other rows meanwhile
                self._total = out.total
                self._show_rows(out.prepared)
            then()

        self._take_ready = lambda: done(ready[0]) if ready else None
        if loaded is not None and loaded.query == query and self._ctx.vault is not None:
            ready.append(loaded)
            QTimer.singleShot(0, self, self._take_first_rows)
        else:
            self._run("first", job, done)

    def _take_first_rows(self) -> None:
        if self._take_ready is not None:
            self._take_ready()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        self._take_first_rows()
        super().showEvent(event)

    def _after_first_paint(self, step: Callable[[], None]) -> None:
        """Run ``step`` once the table has painted its rows: at once when the table is not on
        screen (nothing to wait for), else after its next paint, or FIRST_PAINT_WAIT_MS at most."""
        if not self.table.isVisible():
            step()
            return
        self._waiting_for_paint = step
        self._viewport.installEventFilter(self)
        self._paint_timer.start(FIRST_PAINT_WAIT_MS)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint and self._waiting_for_paint is not None:
            self._paint_timer.start(0)  # queued: runs after this paint has finished
        return super().eventFilter(watched, event)

    @Slot()
    def on_paint_timer_timeout(self) -> None:
        self._viewport.removeEventFilter(self)
        step, self._waiting_for_paint = self._waiting_for_paint, None
        if step is not None:
            step()

    def _load_full(self, then: Callable[[], None] | None = None) -> None:
        """Load every client (every status) with the keys the tab filters and sorts on."""
        ctx, (sort, descending), attention = self._ctx, self._sort, self._attention

        def job() -> tuple[client_service.ClientList, PreparedRows, PreparedRows]:
            with ctx.reader() as session:
                full = client_service.load_client_list(session)
            full.select(sort=sort, descending=descending)  # the current order, here, not on the GUI thread
            rows = prepare_rows(full.summaries)
            return full, rows, with_reasons(rows, attention)

        def done(out: tuple[client_service.ClientList, PreparedRows, PreparedRows]) -> None:
            self._full, self._full_rows, self._shown = out
            self._shown_for = (self._full_rows, attention)
            self._seq["list"] += 1  # a query still on its way is older than this list
            self._total = None
            prepared = self._pick()
            if self.model.extend_prepared(prepared):  # the rows shown are its first rows
                self._show_count()
                if self._selected_row() != self.model.row_of(self.form.client_id or -1):
                    self._select_row_of(self.form.client_id)  # e.g. a new client, listed now
            else:
                self._replace_rows(prepared)
            if then is not None:
                then()

        self._run("full", job, done)

    def _pick(self) -> PreparedRows:
        """The rows the widgets ask for, from the loaded list."""
        assert self._full is not None and self._full_rows is not None
        made_from, with_attention = self._shown_for
        if self._shown is None or made_from is not self._full_rows or with_attention is not self._attention:
            self._shown = with_reasons(self._full_rows, self._attention)
            self._shown_for = (self._full_rows, self._attention)
        return pick_rows(self._shown, self._full.select(**self._query()))

    def _recompute_attention(self, then: Callable[[], None] | None = None) -> None:
        ctx, today, now, full_rows = self._ctx, self._ctx.now().date(), self._ctx.now(), self._full_rows

        def job() -> tuple[dict[int, tuple[str, ...]], PreparedRows | None]:
            with ctx.reader() as session:
                found = attention_items(session, today, now=now)
            return found, (with_reasons(full_rows, found) if full_rows is not None else None)

        def done(out: tuple[dict[int, tuple[str, ...]], PreparedRows | None]) -> None:
            found, shown = out
            if shown is not None and full_rows is self._full_rows:
                self._shown, self._shown_for = shown, (full_rows, found)
            self._apply_attention(found)
            if then is not None:
                then()

        self._run("attention", job, done)

    def _apply_attention(self, found: dict[int, tuple[str, ...]]) -> None:
        self._attention = found
        self.attention_button.setText(self.tr("Needs attention (%1)").replace("%1", f"{len(found):,}"))
        self.attention_button.setAccessibleName(self.attention_button.text())
        self._show_reasons()
        if self.attention_button.isChecked():
            self.refresh()  # the list is exactly these clients
        else:
            self.model.set_reasons(found)

    def refresh(self) -> None:
        """Show the list for the current search, status filter and sort.

        From the loaded complete list when there is one (a sort or a filter of 10,000 clients in
        a few ms; the same rows and order as the query, see ClientList); by a query otherwise
        (only while the tab opens).
        """
        self._total = None
        if self._full is not None:
            self._seq["list"] += 1
            self._show_rows(self._pick())
            return
        ctx, query, attention = self._ctx, self._query(), dict(self._attention)
        only = query.pop("ids")

        def job() -> PreparedRows:
            with ctx.reader() as session:
                rows = client_service.list_clients(session, **query)
            return prepare_rows([r for r in rows if only is None or r.id in only], attention)

        self._run("list", job, self._show_rows)

    def _show_rows(self, prepared: PreparedRows) -> None:
        """New rows (a new search, filter or sort): a model reset, the selection kept if listed."""
        self.model.set_prepared(prepared)
        self._show_count()
        self._select_row_of(self.form.client_id)

    def _replace_rows(self, prepared: PreparedRows) -> None:
        """The same question with fresh data: the rows change in place, the scroll position stays."""
        bar = self.table.verticalScrollBar()
        top = bar.value()
        self.model.set_prepared(prepared)
        self._show_count()
        self.table.doItemsLayout()  # the new scroll range now, so the old position can be kept
        bar.setValue(top)
        self._select_row_of(self.form.client_id)

    def _show_count(self) -> None:
        count = f"{self.model.rowCount() if self._total is None else self._total:,}"
        self.count_label.setText((self.tr("%1 clients need attention") if self.attention_button.isChecked()
                                  else self.tr("%1 clients")).replace("%1", count))

    def _selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _select_row_of(self, client_id: int | None) -> None:
        """Move the table's selection to ``client_id`` without the prompts a user's click gets."""
        self._selecting = True
        try:
            row = self.model.row_of(client_id) if client_id is not None else None
            if row is None:
                self.table.clearSelection()
            else:
                self.table.selectRow(row)
                self.table.scrollTo(self.model.index(row, 0))
        finally:
            self._selecting = False

    # --- the form ---------------------------------------------------------------------------

    def select_client(self, client_id: int) -> bool:
        """Show a client (asking about unsaved edits first); False when cancelled or not found."""
        if client_id == self.form.client_id:
            return True
        if not self.discard_or_save():
            self._select_row_of(self.form.client_id)
            return False
        try:
            with self._ctx.unit_of_work() as session:  # viewing a record is audited
                client = client_service.view_client(session, client_id, self._ctx.now())
        except client_service.RecordNotFound:
            self._select_row_of(self.form.client_id)
            return False
        self.form.set_client(client, self._ctx.now().date())
        self._select_row_of(client_id)
        self._update_buttons()
        self._ctx.signals.client_selected.emit(client_id)
        return True

    def new_client(self) -> bool:
        """An empty form for a new client (after asking about unsaved edits)."""
        if not self.discard_or_save():
            return False
        self.form.set_client(None, self._ctx.now().date())
        self._select_row_of(None)
        self._update_buttons()
        self._ctx.signals.client_selected.emit(-1)
        self.form.fields["legal_first_name"].setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def save(self) -> bool:
        """Save the form in one transaction; errors go under their fields and nothing is saved."""
        if self._ctx.vault is None:
            return False
        if self.form.current is not None and not self.form.is_dirty():
            return True  # nothing changed: no empty update in the audit log
        now = self._ctx.now()
        try:
            client = self.form.client(now.date())
            with self._ctx.unit_of_work() as session:
                create = client.id is None
                saved = (client_service.create_client if create else client_service.update_client)(
                    session, client, now)
        except (ValidationErrors, ValidationError) as errors:
            self.form.show_errors(errors)
            self._update_buttons()
            self._ctx.signals.status_message.emit(self.tr("Not saved: some fields need attention."))
            return False
        assert saved.id is not None
        self.form.set_client(saved, now.date())
        self._after_change(saved.id)
        if create:
            self._ctx.signals.client_selected.emit(saved.id)
        self._ctx.signals.status_message.emit(self.tr("Client saved."))
        return True

    def _after_change(self, client_id: int) -> None:
        """Re-run the list (a new name or status can move or hide the row); tell the other tabs."""
        self._update_buttons()
        self.reload()
        self._own_change = True
        try:
            self._ctx.signals.client_changed.emit(client_id)
        finally:
            self._own_change = False

    def _show_reasons(self) -> None:
        why = self._attention.get(self.form.client_id or -1, ())
        self.reasons_label.setText(self.tr("Needs attention:") + "".join(f"\n•  {w}" for w in why))
        self.reasons_label.setVisible(bool(why))
        risk = any(w.startswith(ITEM9_REASON) for w in why)  # a safety alert must not look routine
        self.reasons_label.setStyleSheet(RISK_STYLE if risk else warning_style(self))

    def has_unsaved_changes(self) -> bool:
        return self.form.is_dirty()

    def flush_drafts(self) -> None:
        """Keep unsaved form edits in the vault (an automatic lock cannot ask anyone)."""
        if self._ctx.vault is None or not self.form.is_dirty():
            return
        payload = json.dumps(self.form.raw_state(), ensure_ascii=False)
        with self._ctx.unit_of_work() as session:
            drafts.keep_draft(session, FORM_DRAFT_KEY, payload, self._ctx.now())

    def restore_form_draft(self) -> bool:
        """Put back edits kept by :meth:`flush_drafts` (after an unlock or a crash); True if any."""
        with self._ctx.reader() as session:
            kept = drafts.find_draft(session, FORM_DRAFT_KEY)
        if kept is None:
            return False
        state = json.loads(kept.payload)
        client_id = state.get("client_id")
        shown = self.select_client(client_id) if client_id is not None else self.new_client()
        if not shown:
            return False  # the draft stays for the next try
        self.form.apply_raw_state(state)
        self._update_buttons()
        with self._ctx.unit_of_work() as session:  # the form holds the edits again (dirty)
            drafts.discard_draft(session, FORM_DRAFT_KEY)
        self._ctx.signals.status_message.emit(self.tr(
            "Unsaved client edits from before the lock are back in the form: review them and Save."))
        return True

    def discard_or_save(self) -> bool:
        """Ask about unsaved edits: True when saved or discarded, False when the user stays."""
        if not self.form.is_dirty():
            return True
        answer = self.ask()
        if answer == Answer.Save:
            return self.save()
        if answer == Answer.Discard:
            self.form.revert()
            self._update_buttons()
            return True
        return False

    def _update_buttons(self) -> None:
        status = self.form.current.status if self.form.current else None
        self.discharge_button.setEnabled(status is not None and status is not _DISCHARGED)
        self.reactivate_button.setEnabled(status is not None and status is not _ACTIVE)
        self.revert_button.setEnabled(self.form.is_dirty())
        self._show_reasons()

    # --- slots ------------------------------------------------------------------------------

    @Slot(str)
    def on_search_box_text_changed(self, _text: str) -> None:
        self._search_timer.start()

    @Slot()
    def on_search_timer_timeout(self) -> None:
        self.refresh()

    @Slot(int)
    def on_status_filter_current_index_changed(self, _index: int) -> None:
        self.refresh()

    @Slot(bool)
    def on_attention_button_toggled(self, checked: bool) -> None:
        self.table.setColumnHidden(COL_WHY, not checked)
        self.table.setWordWrap(checked)
        lines = 2 if checked else 1  # two lines of reasons per row; the tooltip has them all
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().lineSpacing() * lines + 10)
        self.status_filter.setEnabled(not checked)
        self.status_filter.setToolTip(self.tr("Every status is shown while Needs attention is on") if checked else "")
        if checked:
            self._recompute_attention()  # fresh reasons; the filtered list follows them
        else:
            self.refresh()

    @Slot(int, Qt.SortOrder)
    def on_header_sort_indicator_changed(self, column: int, order: Qt.SortOrder) -> None:
        header = self.table.horizontalHeader()
        if column not in SORT_KEYS:  # bands and reasons do not sort: put the indicator back
            key, descending = self._sort
            header.blockSignals(True)
            header.setSortIndicator(next(c for c, k in SORT_KEYS.items() if k == key),
                                    Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)
            header.blockSignals(False)
            return
        self._sort = (SORT_KEYS[column], order == Qt.SortOrder.DescendingOrder)
        self.refresh()

    @Slot(QItemSelection, QItemSelection)
    def on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows and not self._selecting:
            self.select_client(self.model.summary_at(rows[0].row()).id)

    @Slot()
    def on_new_button_clicked(self) -> None:
        self.new_client()

    @Slot()
    def on_save_button_clicked(self) -> None:
        self.save()

    @Slot()
    def on_revert_button_clicked(self) -> None:
        self.form.revert()
        self._update_buttons()

    @Slot()
    def on_form_edited(self) -> None:
        dirty = self.form.is_dirty()
        self.revert_button.setEnabled(dirty)
        if dirty:  # looked at again once the form is filled: only an edit is still dirty then
            QTimer.singleShot(0, self, self._preload_if_edited)

    def _preload_if_edited(self) -> None:
        if self.form.is_dirty():
            preload_catalog(self._ctx.tasks)  # the save will check the diagnoses

    @Slot()
    def on_discharge_button_clicked(self) -> None:
        self._change_status(DischargeDialog, lambda session, client_id, day, reason: client_service.discharge_client(
            session, client_id, day, reason, self._ctx.now()))

    @Slot()
    def on_reactivate_button_clicked(self) -> None:
        self._change_status(ReactivateDialog, lambda session, client_id, day: client_service.reactivate_client(
            session, client_id, day, self._ctx.now()))

    def _change_status(self, dialog_class: type[QDialog], call: Callable[..., object]) -> None:
        """Ask about unsaved edits, then run the dialog; its OK runs the service (one transaction)."""
        client_id = self.form.client_id
        if client_id is None or not self.discard_or_save():
            return

        def submit(*answers: object) -> None:
            with self._ctx.unit_of_work() as session:
                call(session, client_id, *answers)

        dialog = dialog_class(self._ctx.now().date(), submit, self)  # type: ignore[call-arg]
        if self.run_dialog(dialog) == QDialog.DialogCode.Accepted:
            with self._ctx.reader() as session:
                client = client_service.get_client(session, client_id)
            self.form.set_client(client, self._ctx.now().date())
            self._after_change(client_id)

    @Slot(int)
    def on_signals_client_selected(self, client_id: int) -> None:
        if client_id >= 0 and client_id != self.form.client_id:
            self.select_client(client_id)

    @Slot(int)
    def on_signals_client_changed(self, _client_id: int) -> None:
        """Another tab changed a client (a note signed, a payment): counts, balance, reasons."""
        if not self._own_change:
            self.reload()

    @Slot()
    def on_signals_about_to_lock(self) -> None:
        """The vault is closing: drop every name and field from the screen (edits were handled)."""
        for kind in self._seq:
            self._seq[kind] += 1  # answers still on their way are dropped
        self._waiting_for_paint = self._take_ready = None
        self._paint_timer.stop()
        self._viewport.removeEventFilter(self)
        self._attention = {}
        self._full = self._full_rows = self._shown = None
        self._shown_for = (None, None)
        self.model.clear()
        self.form.set_client(None)
