"""ICD-10-CM diagnosis picker: search billable codes by number or words, keep them ordered.

objectNames: diagnosisPicker, diagnosisSearch, diagnosisAdd, diagnosisResults, diagnosisError,
diagnosisZWarning, diagnosisList, diagnosisUp, diagnosisDown, diagnosisRemove.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFont, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.client import MAX_DIAGNOSES, Diagnosis
from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.icd10 import Icd10Catalog, Icd10Code, z_code_primary_warning
from therapist_desk.ui.discharge_dialog import error_label, message_of, show_error
from therapist_desk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

SEARCH_DELAY_MS = 150
RESULT_LIMIT = 50
POINTER_LETTERS = "ABCDEFGHIJKL"  # CMS-1500 box 21
def warning_style(widget: QWidget) -> str:
    """An amber note that stays readable on the light or the dark system palette."""
    dark = widget.palette().color(QPalette.ColorRole.Window).lightness() < 128
    return (f"color: {'#ffd180' if dark else '#7a4100'}; background: rgba(255, 193, 7, {0.16 if dark else 0.22});"
            " padding: 4px; border-radius: 3px;")
_DIAGNOSIS_ROLE = int(Qt.ItemDataRole.UserRole)
# Abbreviations clinicians type that the CDC titles spell out.
SYNONYMS = {
    "ptsd": "post-traumatic stress", "gad": "generalized anxiety", "mdd": "major depressive",
    "ocd": "obsessive-compulsive", "adhd": "attention-deficit hyperactivity", "bpd": "borderline personality",
}


_catalog_asked = False


def preload_catalog(tasks: TaskRunner) -> None:
    """Load the ICD-10-CM table on a worker, once per run (~0.5 s and ~15 MiB; the picker and
    every save of a client, note or superbill need it). Asked for when a clinician starts work
    that will need it (editing a client, opening the notes, plans or billing), not at unlock: a
    session spent reading never pays for it. A caller that needs it before it is loaded waits
    for the same load (``Icd10Catalog.default`` holds a lock)."""
    global _catalog_asked
    if not _catalog_asked:
        _catalog_asked = True
        tasks.run(Icd10Catalog.default, lambda _catalog: None,
                  lambda error: log.error("the ICD-10-CM table did not load", exc_info=error))

def _ranked_for_therapists(found: list[Icd10Code], query: str) -> list[Icd10Code]:
    """Whole-word matches only when there are any ("panic" is not "tympanic"); then mental and
    behavioral (F) codes first, then Z codes; titles that start with the first word lead."""
    words = query.lower().split()
    first_word = words[0] if words else ""
    patterns = [re.compile(rf"\b{re.escape(word)}") for word in words]
    whole = [e for e in found if all(p.search(e.title.lower()) for p in patterns)]
    found = whole or found

    def key(entry: Icd10Code) -> tuple[int, int, int]:
        chapter = 0 if entry.code.startswith("F") else 1 if entry.code.startswith("Z") else 2
        return (chapter, 0 if entry.title.lower().startswith(first_word) else 1, len(entry.title))

    return sorted(found, key=key)


class DiagnosisPicker(QWidget):
    """The client's ordered diagnoses (primary first) with a search to add billable codes."""

    changed = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, catalog: Callable[[], Icd10Catalog] = Icd10Catalog.default
    ) -> None:
        super().__init__(parent)
        self.setObjectName("diagnosisPicker")
        self._catalog = catalog
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.on_timer_timeout)

        self.search_box = QLineEdit(self, objectName="diagnosisSearch", clearButtonEnabled=True)
        self.search_box.setPlaceholderText(self.tr("Search ICD-10-CM by code or words, e.g. F41.1 or panic"))
        self.search_box.setAccessibleName(self.tr("Search diagnosis codes"))
        self.search_box.textChanged.connect(self.on_search_box_text_changed)
        self.search_box.returnPressed.connect(self.on_search_box_return_pressed)
        self.search_box.installEventFilter(self)
        self.add_button = QPushButton(self.tr("Add"), self, objectName="diagnosisAdd")
        self.add_button.setAccessibleName(self.tr("Add diagnosis"))
        self.add_button.clicked.connect(self.on_add_button_clicked)
        self.results = QListWidget(self, objectName="diagnosisResults")
        self.results.setAccessibleName(self.tr("Matching billable codes"))
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.hide()
        self.results.itemActivated.connect(self.on_results_item_activated)
        self.error = error_label("diagnosisError")

        self.list = QListWidget(self, objectName="diagnosisList")
        self.list.setAccessibleName(self.tr("Diagnoses, primary first"))
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setMaximumHeight(130)
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.model().rowsMoved.connect(self.on_list_rows_moved)
        self.list.currentRowChanged.connect(self.on_list_current_row_changed)
        self.up_button = QPushButton(self.tr("Move up"), self, objectName="diagnosisUp")
        self.down_button = QPushButton(self.tr("Move down"), self, objectName="diagnosisDown")
        self.remove_button = QPushButton(self.tr("Remove"), self, objectName="diagnosisRemove")
        for button, name in ((self.up_button, self.tr("Move diagnosis up")),
                             (self.down_button, self.tr("Move diagnosis down")),
                             (self.remove_button, self.tr("Remove diagnosis"))):
            button.setAccessibleName(name)
        self.up_button.clicked.connect(self.on_up_button_clicked)
        self.down_button.clicked.connect(self.on_down_button_clicked)
        self.remove_button.clicked.connect(self.on_remove_button_clicked)
        self.z_warning = QLabel(self, objectName="diagnosisZWarning", wordWrap=True)
        self.z_warning.setStyleSheet(warning_style(self))
        self.z_warning.hide()

        search_row = QHBoxLayout()
        search_row.addWidget(self.search_box, 1)
        search_row.addWidget(self.add_button)
        buttons = QVBoxLayout()
        for button in (self.up_button, self.down_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        chosen = QHBoxLayout()
        chosen.addWidget(self.list, 1)
        chosen.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(search_row)
        layout.addWidget(self.results)
        layout.addWidget(self.error)
        layout.addWidget(self.z_warning)  # right above the list, next to the primary it is about
        layout.addLayout(chosen)
        self.setTabOrder(self.search_box, self.add_button)
        self.setTabOrder(self.add_button, self.results)
        self.setTabOrder(self.results, self.list)
        self.setTabOrder(self.list, self.up_button)
        self.setTabOrder(self.up_button, self.down_button)
        self.setTabOrder(self.down_button, self.remove_button)
        self._refresh()

    # --- the chosen list ----------------------------------------------------------------------

    def diagnoses(self) -> tuple[Diagnosis, ...]:
        return tuple(self.list.item(i).data(_DIAGNOSIS_ROLE) for i in range(self.list.count()))

    def set_diagnoses(self, diagnoses: tuple[Diagnosis, ...]) -> None:
        self.list.clear()
        for dx in diagnoses:
            item = QListWidgetItem()
            item.setData(_DIAGNOSIS_ROLE, dx)
            self.list.addItem(item)
        self.search_box.clear()
        self.set_error("")
        self._refresh()

    def add(self, dx: Diagnosis) -> bool:
        if any(d.code == dx.code for d in self.diagnoses()):
            self.set_error(self.tr("%1 is already on the list.").replace("%1", dx.code))
            return False
        if self.list.count() >= MAX_DIAGNOSES:
            self.set_error(self.tr("At most 12 diagnoses fit on a superbill (A-L)."))
            return False
        item = QListWidgetItem()
        item.setData(_DIAGNOSIS_ROLE, dx)
        self.list.addItem(item)
        self.list.setCurrentItem(item)
        self.set_error("")
        self._refresh()
        self.changed.emit()
        return True

    def add_code(self, text: str) -> bool:
        """Add a code typed in full; a heading (F43.8) or an unknown code shows why, adds nothing."""
        catalog = self._catalog()
        try:
            entry = catalog.validate_billable(text, "Diagnosis code")
        except ValidationError as error:
            self.set_error(message_of(error))
            return False
        return self.add(Diagnosis(entry.code, entry.title, catalog.release))

    def move(self, row: int, delta: int) -> None:
        target = row + delta
        if not (0 <= row < self.list.count() and 0 <= target < self.list.count()):
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)
        self._refresh()
        self.changed.emit()

    def set_error(self, message: str) -> None:
        show_error(self.error, message)

    def _refresh(self) -> None:
        """Letters A-L, "(primary)" on the first, the Z-code warning, button states."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            dx: Diagnosis = item.data(_DIAGNOSIS_ROLE)
            text = f"{POINTER_LETTERS[i] if i < len(POINTER_LETTERS) else '-'}.  {dx.code}  {dx.title}"
            item.setText(text + (self.tr("  (primary)") if i == 0 else ""))
            font = QFont(item.font())
            font.setBold(i == 0)
            item.setFont(font)
        warning = z_code_primary_warning([d.code for d in self.diagnoses()])
        self.z_warning.setText(warning or "")
        self.z_warning.setVisible(bool(warning))
        row = self.list.currentRow()
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < self.list.count() - 1)
        self.remove_button.setEnabled(row >= 0)

    # --- search -------------------------------------------------------------------------------

    def search(self, query: str) -> list[Icd10Code]:
        """Billable matches only; word searches put mental-health codes first."""
        text = query.strip()
        if not text:
            return []
        if not any(ch.isdigit() for ch in text):
            text = " ".join(SYNONYMS.get(word.lower(), word) for word in text.split())
        found = [entry for entry in self._catalog().search(text, RESULT_LIMIT * 8) if entry.billable]
        if not any(ch.isdigit() for ch in text):
            found = _ranked_for_therapists(found, text)
        return found[:RESULT_LIMIT]

    def _show_results(self) -> None:
        self.results.clear()
        for entry in self.search(self.search_box.text()):
            item = QListWidgetItem(f"{entry.code}  {entry.title}")
            item.setData(_DIAGNOSIS_ROLE, entry)
            item.setToolTip(entry.title)
            self.results.addItem(item)
        rows = min(self.results.count(), 7)
        self.results.setFixedHeight(rows * self.results.sizeHintForRow(0) + 2 * self.results.frameWidth() if rows else 0)
        self.results.setVisible(rows > 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        down = isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down
        if watched is self.search_box and down and self.results.count():
            self.results.setFocus()  # Down from the search box walks into the matches
            self.results.setCurrentRow(0)
            return True
        return super().eventFilter(watched, event)

    @Slot(str)
    def on_search_box_text_changed(self, _text: str) -> None:
        self.set_error("")
        self._timer.start()

    @Slot()
    def on_timer_timeout(self) -> None:
        self._show_results()

    @Slot()
    def on_search_box_return_pressed(self) -> None:
        """A full code is checked and added; words move the focus to the matches."""
        self._timer.stop()
        self._show_results()
        text = self.search_box.text().strip()
        exact = self._catalog().lookup(text)
        if (exact is not None or any(ch.isdigit() for ch in text) or not self.results.count()) and text:
            if self.add_code(text):
                self.search_box.clear()
        elif self.results.count():
            self.results.setFocus()
            self.results.setCurrentRow(0)

    @Slot()
    def on_add_button_clicked(self) -> None:
        item = self.results.currentItem() if self.results.isVisible() else None
        if item is not None:
            self.on_results_item_activated(item)
        elif self.search_box.text().strip():
            self.on_search_box_return_pressed()

    @Slot(QListWidgetItem)
    def on_results_item_activated(self, item: QListWidgetItem) -> None:
        entry: Icd10Code = item.data(_DIAGNOSIS_ROLE)
        if self.add(Diagnosis(entry.code, entry.title, self._catalog().release)):
            self.search_box.clear()
            self.results.clear()
            self.results.hide()
            self.search_box.setFocus()

    @Slot()
    def on_list_rows_moved(self) -> None:
        self._refresh()
        self.changed.emit()

    @Slot(int)
    def on_list_current_row_changed(self, _row: int) -> None:
        self._refresh()

    @Slot()
    def on_up_button_clicked(self) -> None:
        self.move(self.list.currentRow(), -1)

    @Slot()
    def on_down_button_clicked(self) -> None:
        self.move(self.list.currentRow(), +1)

    @Slot()
    def on_remove_button_clicked(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)
            self._refresh()
            self.changed.emit()
