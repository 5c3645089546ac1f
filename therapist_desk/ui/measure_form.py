"""The PHQ-9 / GAD-7 / PCL-5 form: exact wording, radio answers, live score, the item 9 alert.

``MeasureDialog(ctx, client_id, session_id=None, parent=None, *, instrument=PHQ9)``; after
``accept()``, ``result_measure()`` is the saved MeasureResult (with its id). Incomplete forms are
saved as incomplete and not scored. Saving is one ``record_measure`` call in one transaction;
then ``ctx.signals.client_changed`` fires so charts and the attention list refresh.

Keyboard: Tab moves between items (to the chosen answer), the number keys 0-3 (0-4 on the PCL-5)
answer the focused item and move on, Left/Right change the answer, Up/Down move between items,
Delete/Backspace clear an answer.

objectNames: measureDialog, measureInstrument, measureDate, measureSession, measurePeriod,
measureHeader, measureScroll, measureForm_<phq9|gad7|pcl5>, <instrument>Item<n> (the row),
<instrument>Item<n>Answer<v> (a radio), measureTotal, item9Alert, item9Status,
measureAttribution, measureError, measureSave, measureCancel.
"""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import QCoreApplication, QDate, QEvent, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFocusEvent, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QRadioButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.enums import Instrument, NoteStatus
from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.measures import (
    INSTRUMENTS,
    PHQ9_RISK_ITEM,
    InstrumentSpec,
    MeasureResult,
)
from therapist_desk.services.measures import record_measure
from therapist_desk.services.notes import list_notes
from therapist_desk.services.vault_access import RecordNotFound, VaultError
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.widgets import ErrorLabel, hint_label

log = logging.getLogger(__name__)

ANSWER_COLUMN_WIDTH = 104


def tr(text: str) -> str:
    return QCoreApplication.translate("MeasureDialog", text)


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def blend(under: QColor, over: QColor, amount: float) -> QColor:
    """``over`` laid on ``under`` at ``amount`` (0-1): a tint that follows the palette."""
    return QColor(
        round(under.red() + (over.red() - under.red()) * amount),
        round(under.green() + (over.green() - under.green()) * amount),
        round(under.blue() + (over.blue() - under.blue()) * amount),
    )


def item_list_text(numbers: tuple[int, ...]) -> str:
    """(1, 2, 3, 4, 7) -> "1–4, 7": runs of three or more collapse into a range."""
    parts: list[str] = []
    run: list[int] = []
    for number in (*numbers, None):
        if number is not None and run and number == run[-1] + 1:
            run.append(number)
            continue
        if run:
            parts.append(f"{run[0]}\u2013{run[-1]}" if len(run) >= 3 else ", ".join(map(str, run)))
        run = [number] if number is not None else []
    return ", ".join(parts)


def score_text(result: MeasureResult) -> str:
    """The live score line: "Total 14 of 27 — moderate" or why the form is not scored."""
    spec = result.spec
    if result.complete:
        band = result.band or ""
        return tr("Total {0} of {1} \u2014 {2}").format(result.total, spec.max_total, band)
    missing = result.missing_items
    if len(missing) == spec.item_count:
        return tr("No items answered yet \u2014 not scored.")
    if len(missing) == 1:
        return tr("Incomplete \u2014 not scored (item {0} unanswered)").format(missing[0])
    return tr("Incomplete \u2014 not scored (items {0} unanswered)").format(item_list_text(missing))


def item9_alert_text(answer_label: str) -> str:
    return tr(
        "Item 9 answered \u2018{0}\u2019: thoughts of being better off dead or of self-harm. "
        "Assess risk now and document it in the session note before signing."
    ).format(answer_label)


def item9_status_text(result: MeasureResult) -> str:
    """The quiet line under a PHQ-9 when item 9 is not positive; never says "no risk"."""
    if not result.item9_answered:
        return tr(
            "Item 9 (thoughts of being better off dead or of self-harm): not answered. "
            "Unanswered is not the same as safe \u2014 ask it, or assess risk directly."
        )
    return tr("Item 9 (thoughts of being better off dead or of self-harm) answered \u2018{0}\u2019.").format(
        result.spec.answer_labels[0]
    )


def session_label(day: date, service: str, cpt: str, status: NoteStatus) -> str:
    words = service.replace("_", " ").capitalize()
    state = tr("signed") if status is NoteStatus.SIGNED else tr("draft")
    return " \u00b7 ".join(part for part in (day.isoformat(), words, cpt, state) if part)


class AnswerButton(QRadioButton):
    """One answer of one item; keys the item's row understands are handled there first."""

    def __init__(self, row: ItemRow, value: int) -> None:
        super().__init__(str(value))
        self.row = row
        self.value = value

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if not self.row.handle_key(self, event):
            super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        super().focusInEvent(event)
        self.row.focused.emit(self.row.number)


class ItemRow(QFrame):
    """One numbered item: its wording and one radio button per answer, in fixed-width columns."""

    changed = Signal()
    focused = Signal(int)
    # (item number, +1 / -1): move focus to the next / previous item.
    move_requested = Signal(int, int)

    def __init__(self, spec: InstrumentSpec, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.number = number
        self.alert = False
        prefix = f"{spec.instrument.value}Item{number}"
        self.setObjectName(prefix)
        # Explicit: an unset background role is inherited from the (Base-filled) form.
        self.setBackgroundRole(QPalette.ColorRole.Window)
        self.setAutoFillBackground(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        wording = spec.items[number - 1]
        self.wording = QLabel(f"{number}. {wording}")
        self.wording.setWordWrap(True)
        self.wording.setTextFormat(Qt.TextFormat.PlainText)
        self.wording.setObjectName(prefix + "Wording")
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 6, 8, 6)
        row.addWidget(self.wording, 1)
        for value, label in enumerate(spec.answer_labels):
            button = AnswerButton(self, value)
            button.setObjectName(f"{prefix}Answer{value}")
            button.setAccessibleName(tr("Item {0}: {1}").format(number, label))
            button.setAccessibleDescription(wording)
            button.setToolTip(f"{label} ({value})")
            self.group.addButton(button, value)
            cell = QHBoxLayout()
            cell.setContentsMargins(0, 0, 0, 0)
            cell.addStretch(1)
            cell.addWidget(button)
            cell.addStretch(1)
            holder = QWidget()
            holder.setFixedWidth(ANSWER_COLUMN_WIDTH)
            holder.setLayout(cell)
            row.addWidget(holder)
        self.group.idToggled.connect(self.on_group_id_toggled)
        self._fix_tab_stops()

    def answer(self) -> int | None:
        checked = self.group.checkedId()
        return None if checked < 0 else checked

    def set_answer(self, value: int | None) -> None:
        if value is None:
            # An exclusive group cannot uncheck its last button; lift exclusivity for a moment.
            self.group.setExclusive(False)
            for button in self.group.buttons():
                button.setChecked(False)
            self.group.setExclusive(True)
            self._fix_tab_stops()
            self.changed.emit()
        else:
            self.button(value).setChecked(True)

    def button(self, value: int) -> QAbstractButton:
        found = self.group.button(value)
        if found is None:
            raise IndexError(f"no answer {value} for item {self.number}")
        return found

    def focus_target(self, value: int | None = None) -> QAbstractButton:
        """The button focus should land on: the chosen answer, else ``value``, else the first."""
        checked = self.group.checkedButton()
        if checked is not None:
            return checked
        return self.button(min(value or 0, self.spec.max_per_item))

    def handle_key(self, source: AnswerButton, event: QKeyEvent) -> bool:
        key = event.key()
        text = event.text()
        if text.isdigit() and len(text) == 1 and int(text) <= self.spec.max_per_item:
            self.button(int(text)).setChecked(True)
            self.move_requested.emit(self.number, 1)
            return True
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            step = -1 if key == Qt.Key.Key_Left else 1
            current = self.answer()
            value = source.value + step if current is None else current + step
            value = max(0, min(self.spec.max_per_item, value))
            target = self.button(value)
            target.setChecked(True)
            target.setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.move_requested.emit(self.number, -1 if key == Qt.Key.Key_Up else 1)
            return True
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.set_answer(None)
            return True
        return False

    def set_alert(self, alert: bool) -> None:
        self.alert = alert
        self._apply_colours()

    def set_stripe(self, striped: bool) -> None:
        self.setProperty("striped", striped)
        self._apply_colours()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.PaletteChange and not getattr(self, "_painting", False):
            self._apply_colours()
        super().changeEvent(event)

    def _apply_colours(self) -> None:
        parent = self.parentWidget()
        base = (parent.palette() if parent else self.palette())
        palette = QPalette(base)
        if self.alert:
            background = QColor("#5c1a1a") if is_dark(base) else QColor("#fde7e7")
        elif self.property("striped"):
            background = blend(base.color(QPalette.ColorRole.Base), base.color(QPalette.ColorRole.Text), 0.05)
        else:
            background = base.color(QPalette.ColorRole.Base)
        palette.setColor(QPalette.ColorRole.Window, background)
        if is_dark(base):
            # Fusion fills a radio with Base and outlines it darker than Window: on a dark row
            # the empty circles vanish. A lighter fill keeps every choice visible.
            palette.setColor(QPalette.ColorRole.Base,
                             blend(base.color(QPalette.ColorRole.Base), base.color(QPalette.ColorRole.Text), 0.22))
        self._painting = True
        try:
            self.setPalette(palette)
        finally:
            self._painting = False

    def _fix_tab_stops(self) -> None:
        """One Tab stop per item, on the chosen answer (else the first): Tab goes item to item."""
        target = self.focus_target()
        for button in self.group.buttons():
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus if button is target else Qt.FocusPolicy.ClickFocus)

    @Slot(int, bool)
    def on_group_id_toggled(self, _value: int, checked: bool) -> None:
        if checked:
            self._fix_tab_stops()
            self.changed.emit()


class InstrumentForm(QWidget):
    """Every item of one instrument; ``answers()`` is the tuple a MeasureResult takes."""

    changed = Signal()

    def __init__(self, spec: InstrumentSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"measureForm_{spec.instrument.value}")
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.rows: list[ItemRow] = []
        for number in range(1, spec.item_count + 1):
            row = ItemRow(spec, number, self)
            row.set_stripe(number % 2 == 0)
            row.changed.connect(self.changed)
            row.move_requested.connect(self.on_row_move_requested)
            column.addWidget(row)
            self.rows.append(row)
        column.addStretch(1)

    def answers(self) -> tuple[int | None, ...]:
        return tuple(row.answer() for row in self.rows)

    def row(self, number: int) -> ItemRow:
        return self.rows[number - 1]

    def focus_first(self) -> None:
        self.rows[0].focus_target().setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(int, int)
    def on_row_move_requested(self, number: int, step: int) -> None:
        target = number + step
        if not 1 <= target <= len(self.rows):
            return
        source = self.row(number).answer()
        self.row(target).focus_target(source).setFocus(
            Qt.FocusReason.TabFocusReason if step > 0 else Qt.FocusReason.BacktabFocusReason
        )


class AnswerHeader(QWidget):
    """The answer words over the radio columns ("Not at all 0", "Several days 1" ...)."""

    def __init__(self, spec: InstrumentSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("measureHeader")
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(8, 0, 8, 4)
        self.row.addStretch(1)
        for value, label in enumerate(spec.answer_labels):
            cell = QLabel(f"{label}\n{value}")
            cell.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom)
            cell.setWordWrap(True)
            cell.setFixedWidth(ANSWER_COLUMN_WIDTH)
            font = cell.font()
            font.setBold(True)
            cell.setFont(font)
            self.row.addWidget(cell)

    def set_scrollbar_gap(self, width: int) -> None:
        self.row.setContentsMargins(8, 0, 8 + width, 4)


class FormPage(QWidget):
    """One instrument's answer header over its items in a scroll area."""

    def __init__(self, spec: InstrumentSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = AnswerHeader(spec)
        self.form = InstrumentForm(spec)
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("measureScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.StyledPanel)
        self.scroll_area.setWidget(self.form)
        self.scroll_area.verticalScrollBar().rangeChanged.connect(self.on_scrollbar_range_changed)
        for row in self.form.rows:
            row.focused.connect(self.on_row_focused)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.header)
        column.addWidget(self.scroll_area, 1)

    @Slot(int)
    def on_row_focused(self, number: int) -> None:
        self.scroll_area.ensureWidgetVisible(self.form.row(number), 0, 8)

    @Slot(int, int)
    def on_scrollbar_range_changed(self, _low: int, high: int) -> None:
        # Keep the answer words over their radio columns when a scroll bar takes room.
        bar = self.scroll_area.verticalScrollBar()
        self.header.set_scrollbar_gap(bar.sizeHint().width() if high > 0 else 0)


class Item9Alert(QFrame):
    """The red, bold banner for a positive PHQ-9 item 9. Hidden otherwise."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("item9Alert")
        self.setFrameShape(QFrame.Shape.Box)
        self.setAutoFillBackground(True)
        self.setAccessibleName(tr("Risk alert"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        self.icon = QLabel("\u26a0")
        icon_font = self.icon.font()
        icon_font.setPointSizeF(icon_font.pointSizeF() * 2.0)
        self.icon.setFont(icon_font)
        self.label = QLabel()
        self.label.setObjectName("item9AlertText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.label.setFont(font)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)
        self._apply_colours()
        self.hide()

    def text(self) -> str:
        return self.label.text()

    def set_text(self, text: str) -> None:
        self.label.setText(text)
        self.setAccessibleDescription(text)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.PaletteChange and not getattr(self, "_painting", False):
            self._apply_colours()
        super().changeEvent(event)

    def _apply_colours(self) -> None:
        # Strong red with white text reads the same on light and dark palettes.
        palette = QPalette(self.palette())
        palette.setColor(QPalette.ColorRole.Window, QColor("#b3261e"))
        palette.setColor(QPalette.ColorRole.WindowText, QColor("#ffffff"))
        palette.setColor(QPalette.ColorRole.Light, QColor("#7f1d1d"))
        palette.setColor(QPalette.ColorRole.Dark, QColor("#7f1d1d"))
        self._painting = True
        try:
            self.setPalette(palette)
        finally:
            self._painting = False


class MeasureDialog(QDialog):
    """Give one instrument to a client (optionally at a session) and save it."""

    def __init__(
        self,
        ctx: AppContext,
        client_id: int,
        session_id: int | None = None,
        parent: QWidget | None = None,
        *,
        instrument: Instrument = Instrument.PHQ9,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._client_id = client_id
        self._saved: MeasureResult | None = None
        self._discard_ok = False
        self.setObjectName("measureDialog")
        self.setWindowTitle(tr("Give a measure"))
        self.setSizeGripEnabled(True)

        self.instrument_combo = QComboBox()
        self.instrument_combo.setObjectName("measureInstrument")
        self.instrument_combo.setAccessibleName(tr("Instrument"))
        for spec in INSTRUMENTS.values():
            self.instrument_combo.addItem(f"{spec.name} \u2014 {spec.full_name}", spec.instrument.value)

        today = ctx.now().date()
        self.date_edit = QDateEdit()
        self.date_edit.setObjectName("measureDate")
        self.date_edit.setAccessibleName(tr("Date given"))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setMaximumDate(QDate(today.year, today.month, today.day))
        self.date_edit.setDate(QDate(today.year, today.month, today.day))

        self.session_combo = QComboBox()
        self.session_combo.setObjectName("measureSession")
        self.session_combo.setAccessibleName(tr("Linked session"))
        self._load_sessions(session_id)

        top = QHBoxLayout()
        for text, field in ((tr("&Instrument:"), self.instrument_combo), (tr("&Date given:"), self.date_edit),
                            (tr("&Session:"), self.session_combo)):
            label = QLabel(text)
            label.setBuddy(field)
            top.addWidget(label)
            top.addWidget(field)
            top.addSpacing(12)
        top.addStretch(1)

        self.period = QLabel()
        self.period.setObjectName("measurePeriod")
        self.period.setWordWrap(True)
        period_font = self.period.font()
        period_font.setBold(True)
        period_font.setPointSizeF(period_font.pointSizeF() * 1.1)
        self.period.setFont(period_font)

        # One page per instrument (answer header over its own scroll area), so that the short
        # PHQ-9 does not inherit the 20-item PCL-5's height.
        self.pages = QStackedWidget()
        self._forms: dict[Instrument, InstrumentForm] = {}
        self._pages: dict[Instrument, FormPage] = {}
        for spec in INSTRUMENTS.values():
            page = FormPage(spec)
            page.form.changed.connect(self.on_form_changed)
            self._forms[spec.instrument] = page.form
            self._pages[spec.instrument] = page
            self.pages.addWidget(page)

        self.total_label = QLabel()
        self.total_label.setObjectName("measureTotal")
        self.total_label.setAccessibleName(tr("Score"))
        total_font = self.total_label.font()
        total_font.setBold(True)
        total_font.setPointSizeF(total_font.pointSizeF() * 1.25)
        self.total_label.setFont(total_font)

        self.item9_alert = Item9Alert()
        self.item9_status = QLabel()
        self.item9_status.setObjectName("item9Status")
        self.item9_status.setWordWrap(True)
        self.item9_status.setTextFormat(Qt.TextFormat.PlainText)

        self.attribution = hint_label("")
        self.attribution.setObjectName("measureAttribution")
        attribution_font = self.attribution.font()
        attribution_font.setPointSizeF(attribution_font.pointSizeF() * 0.9)
        self.attribution.setFont(attribution_font)

        self.error = ErrorLabel()
        self.error.setObjectName("measureError")

        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(tr("Save"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("measureSave")
        self.save_button.setAutoDefault(False)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("measureCancel")
        cancel.setAutoDefault(False)
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addSpacing(6)
        layout.addWidget(self.period)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.total_label)
        layout.addWidget(self.item9_alert)
        layout.addWidget(self.item9_status)
        layout.addWidget(self.error)
        layout.addWidget(self.attribution)
        layout.addWidget(self.buttons)

        self.instrument_combo.currentIndexChanged.connect(self.on_instrument_combo_current_index_changed)
        self.set_instrument(instrument)
        self.resize(960, 760)

    # --- public ----------------------------------------------------------------------------

    def instrument(self) -> Instrument:
        return Instrument(self.instrument_combo.currentData())

    def set_instrument(self, instrument: Instrument) -> None:
        self.instrument_combo.setCurrentIndex(self.instrument_combo.findData(instrument.value))
        self._show_instrument()

    def form(self, instrument: Instrument | None = None) -> InstrumentForm:
        return self._forms[instrument or self.instrument()]

    def answer_button(self, item: int, value: int, instrument: Instrument | None = None) -> QAbstractButton:
        return self.form(instrument).row(item).button(value)

    def current_result(self) -> MeasureResult:
        """What the form holds now, as the MeasureResult that Save would record (no id yet)."""
        day = self.date_edit.date()
        return MeasureResult(
            instrument=self.instrument(),
            administered_on=date(day.year(), day.month(), day.day()),
            answers=self.form().answers(),
            client_id=self._client_id,
            session_id=self.session_combo.currentData(),
        )

    def result_measure(self) -> MeasureResult | None:
        """The saved MeasureResult (with its id) once the dialog was accepted; else None."""
        return self._saved

    # --- slots -----------------------------------------------------------------------------

    @Slot(int)
    def on_instrument_combo_current_index_changed(self, _index: int) -> None:
        self._show_instrument()

    @Slot()
    def on_form_changed(self) -> None:
        self.error.clear_message()
        self._update_score()

    @Slot()
    def on_buttons_accepted(self) -> None:
        self.error.clear_message()
        result = self.current_result()
        if len(result.missing_items) == result.spec.item_count:
            self.error.show_message(tr("Answer at least one item before saving."))
            return
        try:
            with self._ctx.unit_of_work() as session:
                saved = record_measure(session, result, self._ctx.now())
        except ValidationError as error:
            self.error.show_message(f"{error.field} {error.message}")
            return
        except RecordNotFound:
            self.error.show_message(tr("The client or session no longer exists."))
            return
        except VaultError as error:
            self.error.show_message(error.message)
            return
        self._saved = saved
        log.info("measure saved (id %s)", saved.id)
        self._ctx.signals.client_changed.emit(self._client_id)
        self._ctx.signals.status_message.emit(
            tr("{0} saved.").format(saved.spec.name) if saved.complete
            else tr("{0} saved as incomplete (not scored).").format(saved.spec.name)
        )
        self.accept()

    def discard(self) -> None:
        """Close without saving and without asking (the answers are dropped)."""
        self._discard_ok = True
        super().reject()

    def reject(self) -> None:
        if self._discard_ok:
            super().reject()
            return
        if self._saved is None and any(a is not None for a in self.form().answers()):
            choice = QMessageBox.question(
                self, tr("Discard answers?"),
                tr("The answers on this form have not been saved. Discard them?"),
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if choice != QMessageBox.StandardButton.Discard:
                return
        super().reject()

    # --- internals -------------------------------------------------------------------------

    def _load_sessions(self, session_id: int | None) -> None:
        self.session_combo.addItem(tr("Not linked to a session"), None)
        with self._ctx.reader() as session:
            summaries = list_notes(session, self._client_id)
        for summary in summaries:
            label = session_label(summary.session_date, summary.service_type.value,
                                  summary.cpt_summary, summary.status)
            self.session_combo.addItem(label, summary.id)
        if session_id is not None:
            index = self.session_combo.findData(session_id)
            if index < 0:
                raise ValueError(f"session {session_id} is not one of this client's sessions")
            self.session_combo.setCurrentIndex(index)
            # The measure was given at that session: default the date to the session's date.
            day = next(s.session_date for s in summaries if s.id == session_id)
            self.date_edit.setDate(QDate(day.year, day.month, day.day))

    def _show_instrument(self) -> None:
        instrument = self.instrument()
        spec = INSTRUMENTS[instrument]
        self.pages.setCurrentWidget(self._pages[instrument])
        self.period.setText(spec.period)
        self.attribution.setText(spec.attribution)
        self.save_button.setText(tr("Save {0}").format(spec.name))
        self.setWindowTitle(tr("{0} \u2014 {1}").format(spec.name, spec.full_name))
        self._update_score()

    def _update_score(self) -> None:
        result = self.current_result()
        self.total_label.setText(score_text(result))
        is_phq9 = result.instrument is Instrument.PHQ9
        positive = is_phq9 and result.item9_positive
        if positive:
            answer = result.answers[PHQ9_RISK_ITEM - 1]
            assert answer is not None
            self.item9_alert.set_text(item9_alert_text(result.spec.answer_labels[answer]))
        self.item9_alert.setVisible(positive)
        self.item9_status.setText(item9_status_text(result) if is_phq9 and not positive else "")
        self.item9_status.setVisible(is_phq9 and not positive)
        self._style_item9_status(unanswered=is_phq9 and not result.item9_answered)
        if is_phq9:
            self.form(Instrument.PHQ9).row(PHQ9_RISK_ITEM).set_alert(positive)

    def _style_item9_status(self, *, unanswered: bool) -> None:
        font = self.item9_status.font()
        font.setBold(unanswered)
        self.item9_status.setFont(font)
        palette = QPalette(self.palette())
        if unanswered:
            palette.setColor(QPalette.ColorRole.WindowText,
                             QColor("#ffb74d") if is_dark(palette) else QColor("#8a4b00"))
        self.item9_status.setPalette(palette)
