"""Search every note: a debounced search box, client and date filters, highlighted snippets.

Full text through ``services.notes.search_note_hits`` (FTS5 inside the encrypted vault, never
``LIKE`` over note bodies), newest first, at most ``RESULT_LIMIT`` shown. The query runs through
``ctx.tasks`` (off the GUI thread in the app: a one-letter prefix over 100,000 notes takes up to
~100 ms); answers to an older query are dropped. Activating a hit (Enter, double-click) emits
``open_note(session_id, client_id)``. What is typed is never logged.

objectNames: noteSearchPanel, noteSearchBox, noteSearchClient, noteSearchFrom, noteSearchTo,
noteSearchAnyDate, noteSearchStatus, noteSearchResults.
"""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QFont,
    QKeyEvent,
    QPainter,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.services.clients import get_client
from therapist_desk.services.notes import search_note_hits
from therapist_desk.services.vault_access import RecordNotFound, VaultError
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.search_results_model import (
    ClientIdRole,
    HeadingRole,
    SearchHit,
    SearchResultsModel,
    SessionIdRole,
    SnippetHtmlRole,
)

log = logging.getLogger(__name__)

DEBOUNCE_MS = 200
RESULT_LIMIT = 50
ANY_DATE = QDate(1900, 1, 1)


def tr(text: str) -> str:
    return QCoreApplication.translate("NoteSearchPanel", text)


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def highlight_css(palette: QPalette) -> str:
    if is_dark(palette):
        return "background-color:#6b5900; color:#ffffff; font-weight:700;"
    return "background-color:#ffe98a; color:#000000; font-weight:700;"


def has_words(text: str) -> bool:
    """True when the text holds something FTS5 can search for (a letter or a digit)."""
    return any(ch.isalnum() for ch in text)


class AnyDateEdit(QDateEdit):
    """A date that may be "Any": the minimum date stands for no limit (shown as the word)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setMinimumDate(ANY_DATE)
        self.setSpecialValueText(tr("Any"))
        self.setDate(ANY_DATE)
        self.calendarWidget().installEventFilter(self)

    def value(self) -> date | None:
        chosen = self.date()
        if chosen == ANY_DATE:
            return None
        return date(chosen.year(), chosen.month(), chosen.day())

    def set_value(self, value: date | None) -> None:
        self.setDate(ANY_DATE if value is None else QDate(value.year, value.month, value.day))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        # Opened while "Any", the calendar would start in 1900: start at this month instead.
        if event.type() == QEvent.Type.Show and self.date() == ANY_DATE:
            today = QDate.currentDate()
            self.calendarWidget().setCurrentPage(today.year(), today.month())
        return super().eventFilter(watched, event)


class SearchBox(QLineEdit):
    """The search field; Down moves into the results, Enter searches at once."""

    down_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Down:
            self.down_pressed.emit()
            return
        super().keyPressEvent(event)


class HitDelegate(QStyledItemDelegate):
    """Two parts per hit: "date · client" in bold, then the snippet with the matches marked."""

    PADDING = 6

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        colour = opt.palette.color(role)
        rect = opt.rect.adjusted(self.PADDING, self.PADDING // 2, -self.PADDING, -self.PADDING // 2)

        painter.save()
        bold = QFont(opt.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(colour)
        heading_height = painter.fontMetrics().height()
        heading = painter.fontMetrics().elidedText(str(index.data(HeadingRole) or ""),
                                                   Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect.x(), rect.y(), rect.width(), heading_height,
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), heading)

        document = QTextDocument()
        document.setDefaultFont(opt.font)
        document.setDocumentMargin(0)
        document.setHtml(str(index.data(SnippetHtmlRole) or ""))
        document.setTextWidth(rect.width())
        painter.translate(rect.x(), rect.y() + heading_height + 2)
        clip = QRectF(0, 0, rect.width(), rect.height() - heading_height - 2)
        painter.setClipRect(clip)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(QPalette.ColorRole.Text, colour)
        context.clip = clip
        document.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        line = option.fontMetrics.height()
        # Heading plus two lines of snippet; longer snippets are clipped (the note has the rest).
        return QSize(320, line * 3 + self.PADDING + 4)


class NoteSearchPanel(QWidget):
    """Search all notes; ``open_note(session_id, client_id)`` when the clinician opens a hit."""

    open_note = Signal(int, int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._generation = 0
        self._selected_client: tuple[int, str] | None = None
        self.setObjectName("noteSearchPanel")

        self.search_box = SearchBox()
        self.search_box.setObjectName("noteSearchBox")
        self.search_box.setPlaceholderText(tr("Search all notes\u2026"))
        self.search_box.setAccessibleName(tr("Search all notes"))
        self.search_box.setClearButtonEnabled(True)

        self.client_filter = QComboBox()
        self.client_filter.setObjectName("noteSearchClient")
        self.client_filter.setAccessibleName(tr("Search which clients"))
        self.client_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.client_filter.addItem(tr("All clients"), None)

        self.from_date = AnyDateEdit()
        self.from_date.setObjectName("noteSearchFrom")
        self.from_date.setAccessibleName(tr("From date"))
        self.to_date = AnyDateEdit()
        self.to_date.setObjectName("noteSearchTo")
        self.to_date.setAccessibleName(tr("To date"))
        self.any_date = QToolButton()
        self.any_date.setObjectName("noteSearchAnyDate")
        self.any_date.setText(tr("Any date"))
        self.any_date.setToolTip(tr("Search notes of every date"))

        self.status = QLabel()
        self.status.setObjectName("noteSearchStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.status.setAccessibleName(tr("Search status"))

        self.model = SearchResultsModel(self)
        self.model.set_highlight_style(highlight_css(self.palette()))
        self.results = QListView()
        self.results.setObjectName("noteSearchResults")
        self.results.setAccessibleName(tr("Matching notes"))
        self.results.setModel(self.model)
        self.results.setItemDelegate(HitDelegate(self.results))
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setUniformItemSizes(True)
        self.results.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.results.setAlternatingRowColors(True)

        filters = QHBoxLayout()
        for text, field in ((tr("&Client:"), self.client_filter), (tr("&From:"), self.from_date),
                            (tr("&To:"), self.to_date)):
            label = QLabel(text)
            label.setBuddy(field)
            filters.addWidget(label)
            filters.addWidget(field)
            filters.addSpacing(6)
        filters.addWidget(self.any_date)
        filters.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search_box)
        layout.addLayout(filters)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.on_timer_timeout)

        self.search_box.textChanged.connect(self.on_search_box_text_changed)
        self.search_box.returnPressed.connect(self.on_search_box_return_pressed)
        self.search_box.down_pressed.connect(self.on_search_box_down_pressed)
        self.client_filter.currentIndexChanged.connect(self.on_filter_changed)
        self.from_date.dateChanged.connect(self.on_filter_changed)
        self.to_date.dateChanged.connect(self.on_filter_changed)
        self.any_date.clicked.connect(self.on_any_date_clicked)
        self.results.activated.connect(self.on_results_activated)
        ctx.signals.client_selected.connect(self.on_signals_client_selected)
        ctx.signals.about_to_lock.connect(self.on_signals_about_to_lock)
        self._show_idle()

    # --- public ----------------------------------------------------------------------------

    def set_query(self, text: str) -> None:
        """Put ``text`` in the box and search at once (no debounce)."""
        self.search_box.setText(text)
        self.search_now()

    def search_now(self) -> None:
        self._timer.stop()
        self._run()

    def set_selected_client(self, client_id: int | None) -> None:
        """The client the "only this client" filter offers (None or -1: no client selected)."""
        if client_id is None or client_id < 0:
            self._selected_client = None
        else:
            try:
                with self._ctx.reader() as session:
                    name = get_client(session, client_id).display_name
            except (RecordNotFound, VaultError, RuntimeError):
                name = ""
            self._selected_client = (client_id, name) if name else None
        only = self.client_filter.currentIndex() == 1
        self.client_filter.blockSignals(True)
        while self.client_filter.count() > 1:
            self.client_filter.removeItem(1)
        if self._selected_client is not None:
            cid, name = self._selected_client
            self.client_filter.addItem(tr("Only {0}").format(name), cid)
            self.client_filter.setCurrentIndex(1 if only else 0)
        else:
            self.client_filter.setCurrentIndex(0)
        self.client_filter.blockSignals(False)
        if only:
            self._schedule()

    def set_client_filter(self, only_selected: bool) -> None:
        self.client_filter.setCurrentIndex(1 if only_selected and self.client_filter.count() > 1 else 0)

    def set_date_range(self, since: date | None, until: date | None) -> None:
        self.from_date.set_value(since)
        self.to_date.set_value(until)

    def hits(self) -> tuple[SearchHit, ...]:
        return self.model.hits()

    # --- slots -----------------------------------------------------------------------------

    @Slot(str)
    def on_search_box_text_changed(self, _text: str) -> None:
        self._schedule()

    @Slot()
    def on_search_box_return_pressed(self) -> None:
        self.search_now()

    @Slot()
    def on_search_box_down_pressed(self) -> None:
        if self.model.rowCount() == 0:
            return
        self.results.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.results.currentIndex().isValid():
            self.results.setCurrentIndex(self.model.index(0, 0))

    @Slot()
    def on_filter_changed(self) -> None:
        self._schedule()

    @Slot()
    def on_any_date_clicked(self) -> None:
        self.set_date_range(None, None)

    @Slot()
    def on_timer_timeout(self) -> None:
        self._run()

    @Slot(QModelIndex)
    def on_results_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_note.emit(int(index.data(SessionIdRole)), int(index.data(ClientIdRole)))

    @Slot(int)
    def on_signals_client_selected(self, client_id: int) -> None:
        self.set_selected_client(client_id)

    @Slot()
    def on_signals_about_to_lock(self) -> None:
        self._generation += 1  # an answer still on its way is dropped
        self._timer.stop()
        self.search_box.blockSignals(True)
        self.search_box.clear()
        self.search_box.blockSignals(False)
        self.set_selected_client(None)
        self.model.set_hits(())
        self._show_idle()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "model"):
            self.model.set_highlight_style(highlight_css(self.palette()))
        super().changeEvent(event)

    # --- internals -------------------------------------------------------------------------

    def _schedule(self) -> None:
        self._timer.start()

    def _run(self) -> None:
        self._generation += 1
        generation = self._generation
        query = self.search_box.text().strip()
        if not has_words(query):
            self.model.set_hits(())
            self._show_idle()
            return
        since, until = self.from_date.value(), self.to_date.value()
        if since is not None and until is not None and since > until:
            self.model.set_hits(())
            self.status.setText(tr("The \u201cfrom\u201d date is after the \u201cto\u201d date."))
            return
        client_id = self.client_filter.currentData()
        ctx = self._ctx

        def work() -> list[tuple[int, int, date, str, str]]:
            with ctx.reader() as session:  # its own session: this may run on a worker thread
                return search_note_hits(session, query, client_id=client_id, since=since, until=until,
                                        limit=RESULT_LIMIT + 1)

        self.status.setText(tr("Searching\u2026"))
        ctx.tasks.run(work, lambda rows: self._on_done(generation, query, rows),
                      lambda error: self._on_failed(generation, error))

    def _on_done(self, generation: int, query: str, rows: list[tuple[int, int, date, str, str]]) -> None:
        if generation != self._generation:
            return  # the clinician typed on; a newer search is on its way
        hits = [SearchHit(*row) for row in rows[:RESULT_LIMIT]]
        self.model.set_hits(hits)
        if hits:
            self.results.setCurrentIndex(self.model.index(0, 0))
        self.status.setText(self._count_text(query, len(rows)))

    def _on_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        log.warning("note search failed: %s", type(error).__name__)  # never the query text
        self.model.set_hits(())
        if isinstance(error, VaultError):
            self.status.setText(error.message)
        else:
            self.status.setText(tr("The search could not run. Try other words."))

    def _count_text(self, query: str, found: int) -> str:
        filtered = self.client_filter.currentData() is not None or self.from_date.value() or self.to_date.value()
        if found == 0:
            if filtered:
                return tr("No notes match \u201c{0}\u201d with these filters.").format(query)
            return tr("No notes match \u201c{0}\u201d.").format(query)
        if found > RESULT_LIMIT:
            return tr("More than {0} notes match \u2014 showing the newest {0}. "
                      "Add a word or a filter to narrow it down.").format(RESULT_LIMIT)
        if found == 1:
            return tr("1 note matches.")
        return tr("{0} notes match, newest first.").format(found)

    def _show_idle(self) -> None:
        self.status.setText(tr("Type a word to search every note (matches words that start with it)."))
