"""Building blocks of the note editor: format sections, check lists, plan objectives, code lines.

objectNames: section<Name>Edit (sectionSubjectiveEdit, sectionNoteEdit...), planTextEdit;
objective<i>Check / objective<i>Rating / objective<i>Comment; codeLine<i>Code / codeLine<i>Units /
codeLine<i>Modifiers / codeLine<i>Remove, addCodeLineButton. Each widget emits ``changed`` on
any edit a person makes (never when filled in by code).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QCoreApplication, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.cpt import cpt_label, selectable_codes
from therapist_desk.domain.enums import NOTE_SECTIONS, NoteFormat, ProgressRating
from therapist_desk.services.note_drafts import DraftLine
from therapist_desk.ui.widgets import hint_label


def tr(text: str) -> str:
    return QCoreApplication.translate("NoteSections", text)


RATING_WORDS: dict[ProgressRating, str] = {
    ProgressRating.WORSE: "Worse",
    ProgressRating.NO_CHANGE: "No change",
    ProgressRating.SOME_PROGRESS: "Some progress",
    ProgressRating.GOOD_PROGRESS: "Good progress",
    ProgressRating.MET: "Met",
}
FREE_PLAN = "Plan"  # the free-text format has no Plan section: its plan goes to plan_text


def mark_missing(widget: QWidget, missing: bool) -> None:
    """Outline a field the signing check found empty (the editor's style sheet draws it)."""
    if bool(widget.property("missing")) == missing:
        return
    widget.setProperty("missing", missing)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def drop(widget: QWidget) -> None:
    """Take a widget off screen (and out of findChild by name) now; delete it once its signals settle."""
    widget.hide()
    widget.setObjectName("")
    widget.deleteLater()


def text_edit(object_name: str, accessible_name: str, placeholder: str = "",
              height: int = 84) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setObjectName(object_name)
    edit.setAccessibleName(accessible_name)
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)
    edit.setMinimumHeight(height)
    edit.setSizeAdjustPolicy(QPlainTextEdit.SizeAdjustPolicy.AdjustToContents)
    return edit


def line_edit(object_name: str, accessible_name: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(object_name)
    edit.setAccessibleName(accessible_name)
    edit.setPlaceholderText(placeholder)
    return edit


def combo_box(object_name: str, accessible_name: str, items: dict[str, str]) -> QComboBox:
    """A combo of (stored value -> shown words); the words are translated here."""
    combo = QComboBox()
    # Long choices (complexity factors) must not widen the whole editor.
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(12)
    combo.setObjectName(object_name)
    combo.setAccessibleName(accessible_name)
    for value, words in items.items():
        combo.addItem(tr(words), value)
    return combo


def merge_sections(old: Sequence[tuple[str, str]], fmt: NoteFormat) -> tuple[tuple[str, str], ...]:
    """Carry text into another format's sections; text of a section the format lacks goes, headed
    by its old name, to the end of the first new section. Not a word is dropped."""
    names = NOTE_SECTIONS[fmt]
    texts = {name: "" for name in names}
    orphans = []
    for name, text in old:
        if not text.strip():
            continue
        if name in texts:
            texts[name] = text
        else:
            orphans.append(f"{name}:\n{text}")
    if orphans:
        first = names[0]
        texts[first] = "\n\n".join(([texts[first]] if texts[first] else []) + orphans)
    return tuple((name, texts[name]) for name in names)


class SectionsEditor(QWidget):
    """One text box per section of the note's format (SOAP, DAP, BIRP, GIRP or free text)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fmt = NoteFormat.SOAP
        self.edits: dict[str, QPlainTextEdit] = {}
        self._form = QFormLayout(self)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.plan_edit = text_edit("planTextEdit", tr("Plan"), tr("Plan for the next session"))
        self.plan_edit.textChanged.connect(self.changed)
        self.set_sections(NoteFormat.SOAP, ())

    def set_sections(self, fmt: NoteFormat, sections: Sequence[tuple[str, str]]) -> None:
        self.fmt = fmt
        while self._form.rowCount():
            row = self._form.takeRow(0)
            for item in (row.labelItem, row.fieldItem):
                if item is not None and item.widget() is not None and item.widget() is not self.plan_edit:
                    drop(item.widget())
        self.edits = {}
        given = dict(sections)
        for name in NOTE_SECTIONS[fmt]:
            edit = text_edit(f"section{name}Edit", tr(name), height=110 if fmt is NoteFormat.FREE else 84)
            edit.setPlainText(given.get(name, ""))
            edit.textChanged.connect(self.changed)
            self.edits[name] = edit
            self._form.addRow(QLabel(tr(name)), edit)
        if fmt is NoteFormat.FREE:
            self._form.addRow(QLabel(tr(FREE_PLAN)), self.plan_edit)
        self.plan_edit.setVisible(fmt is NoteFormat.FREE)

    def change_format(self, fmt: NoteFormat) -> None:
        self.set_sections(fmt, merge_sections(self.sections(), fmt))

    def sections(self) -> tuple[tuple[str, str], ...]:
        return tuple((name, edit.toPlainText()) for name, edit in self.edits.items())

    def set_read_only(self, read_only: bool) -> None:
        for edit in [*self.edits.values(), self.plan_edit]:
            edit.setReadOnly(read_only)

    def mark_missing(self, missing: bool) -> None:
        for edit in self.edits.values():
            mark_missing(edit, missing)


class CheckList(QListWidget):
    """A list of checkable choices (interventions, diagnoses); ``checked()`` keeps list order."""

    changed = Signal()

    def __init__(self, object_name: str, accessible_name: str, parent: QWidget | None = None, *,
                 columns: int = 1) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName(accessible_name)
        self._loading = False
        self._columns = columns
        if columns > 1:  # a long pick list reads better in columns than in a scrolled strip
            self.setFlow(QListWidget.Flow.TopToBottom)
            self.setWrapping(True)
            self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.itemChanged.connect(self.on_self_item_changed)

    def set_choices(self, choices: Iterable[tuple[str, str]], checked: Iterable[str]) -> None:
        """``choices`` are (value, label); values in ``checked`` but not offered are appended."""
        self._loading = True
        self.clear()
        wanted = list(checked)
        offered = list(choices)
        values = {value for value, _ in offered}
        offered += [(value, value) for value in wanted if value not in values]
        for value, label in offered:
            item = QListWidgetItem(label, self)
            item.setData(Qt.ItemDataRole.UserRole, value)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if value in wanted else Qt.CheckState.Unchecked)
        self._loading = False
        rows = min(max(-(-self.count() // self._columns), 1), 8)
        self.setFixedHeight(rows * max(self.sizeHintForRow(0), 18) + 2 * self.frameWidth() + 4)

    def checked(self) -> tuple[str, ...]:
        return tuple(self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())
                     if self.item(i).checkState() == Qt.CheckState.Checked)

    def set_checked(self, value: str, on: bool) -> None:
        for i in range(self.count()):
            if self.item(i).data(Qt.ItemDataRole.UserRole) == value:
                self.item(i).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def set_read_only(self, read_only: bool) -> None:
        self._loading = True
        for i in range(self.count()):
            item = self.item(i)
            flags = item.flags()
            item.setFlags(flags & ~Qt.ItemFlag.ItemIsUserCheckable if read_only
                          else flags | Qt.ItemFlag.ItemIsUserCheckable)
        self._loading = False

    @Slot(QListWidgetItem)
    def on_self_item_changed(self, _item: QListWidgetItem) -> None:
        if not self._loading:
            self.changed.emit()


class ObjectivesEditor(QWidget):
    """The client's current plan objectives: addressed today? how much progress? a comment."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("objectivesEditor")
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setColumnStretch(0, 3)
        self._grid.setColumnStretch(2, 2)
        self.rows: list[tuple[str, QCheckBox, QComboBox, QLineEdit]] = []
        self.empty_hint = hint_label(tr("This client has no treatment plan objectives yet."))
        self.empty_hint.setObjectName("objectivesEmptyHint")

    def set_objectives(self, objectives: Sequence[tuple[str, str]],
                       progress: Sequence[tuple[str, str, str]]) -> None:
        """``objectives`` are (key, description); links to keys no longer in the plan are kept."""
        for _, check, combo, comment in self.rows:
            for w in (check, combo, comment):
                drop(w)
        self._grid.removeWidget(self.empty_hint)
        self.rows = []
        linked = {key: (rating, comment) for key, rating, comment in progress}
        shown = list(objectives) + [(key, tr("(objective from an earlier plan version)"))
                                    for key in linked if key not in dict(objectives)]
        for i, (key, description) in enumerate(shown):
            check = QCheckBox(description)
            check.setObjectName(f"objective{i}Check")
            check.setAccessibleName(tr("Addressed: {0}").format(description))
            combo = combo_box(f"objective{i}Rating", tr("Progress on: {0}").format(description),
                              {r.value: w for r, w in RATING_WORDS.items()})
            comment = line_edit(f"objective{i}Comment", tr("Comment on: {0}").format(description),
                                tr("Comment"))
            if key in linked:
                check.setChecked(True)
                combo.setCurrentIndex(max(combo.findData(linked[key][0]), 0))
                comment.setText(linked[key][1])
            else:
                combo.setCurrentIndex(combo.findData(ProgressRating.NO_CHANGE.value))
            check.toggled.connect(self.changed)
            combo.currentIndexChanged.connect(self.changed)
            comment.textEdited.connect(self.changed)
            self._grid.addWidget(check, i, 0)
            self._grid.addWidget(combo, i, 1)
            self._grid.addWidget(comment, i, 2)
            self.rows.append((key, check, combo, comment))
        self.empty_hint.setVisible(not shown)
        if not shown:
            self._grid.addWidget(self.empty_hint, 0, 0, 1, 3)

    def progress(self) -> tuple[tuple[str, str, str], ...]:
        return tuple((key, combo.currentData(), comment.text())
                     for key, check, combo, comment in self.rows if check.isChecked())

    def set_read_only(self, read_only: bool) -> None:
        for _, check, combo, comment in self.rows:
            check.setEnabled(not read_only)
            combo.setEnabled(not read_only)
            comment.setReadOnly(read_only)


class CodeLinesEditor(QWidget):
    """Editable code lines: code (from the selectable codes), units, modifiers, remove."""

    changed = Signal()  # a person edited a line (the editor then treats the codes as chosen)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("codeLinesEditor")
        self._rows: list[tuple[QComboBox, QSpinBox, QLineEdit, QToolButton]] = []
        self._loading = False
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._lines_box = QVBoxLayout()
        self._column.addLayout(self._lines_box)
        self.add_button = QPushButton(tr("Add a code"))
        self.add_button.setObjectName("addCodeLineButton")
        self.add_button.setAccessibleName(tr("Add a code line"))
        self.add_button.clicked.connect(self.on_add_button_clicked)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        self._column.addLayout(row)

    def set_lines(self, lines: Sequence[DraftLine]) -> None:
        self._loading = True
        for widgets in self._rows:
            for w in widgets:
                drop(w)
        while self._lines_box.count():
            item = self._lines_box.takeAt(0)
            if item.layout() is not None:
                item.layout().deleteLater()
        self._rows = []
        for line in lines:
            self._add_row(line)
        self._loading = False

    def lines(self) -> tuple[DraftLine, ...]:
        return tuple(DraftLine(str(code.currentData() or code.currentText()).strip(), units.value(),
                               mods.text()) for code, units, mods, _ in self._rows)

    def _add_row(self, line: DraftLine) -> None:
        i = len(self._rows)
        code = QComboBox()
        code.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        code.setMinimumContentsLength(20)
        code.setObjectName(f"codeLine{i}Code")
        code.setAccessibleName(tr("CPT code, line {0}").format(i + 1))
        for value in selectable_codes():
            code.addItem(f"{value} — {cpt_label(value)}", value)
        found = code.findData(line.cpt)
        if found < 0 and line.cpt:
            code.addItem(line.cpt, line.cpt)  # a code saved earlier that is no longer offered
            found = code.count() - 1
        code.setPlaceholderText(tr("Choose a code"))
        code.setCurrentIndex(found)
        units = QSpinBox()
        units.setObjectName(f"codeLine{i}Units")
        units.setAccessibleName(tr("Units, line {0}").format(i + 1))
        units.setRange(1, 20)
        units.setValue(line.units)
        units.setPrefix(tr("× "))
        units.setMinimumWidth(units.fontMetrics().horizontalAdvance("× 20") + 40)
        mods = line_edit(f"codeLine{i}Modifiers", tr("Modifiers, line {0}").format(i + 1),
                         tr("Modifiers, e.g. 95"))
        mods.setText(line.modifiers)
        mods.setMaximumWidth(130)
        remove = QToolButton()
        remove.setObjectName(f"codeLine{i}Remove")
        remove.setText("✕")
        remove.setToolTip(tr("Remove this code"))
        remove.setAccessibleName(tr("Remove code line {0}").format(i + 1))
        code.currentIndexChanged.connect(self._edited)
        units.valueChanged.connect(self._edited)
        mods.textEdited.connect(self._edited)
        remove.clicked.connect(lambda _=False, r=remove: self._remove(r))
        row = QHBoxLayout()
        row.addWidget(code, 1)
        row.addWidget(units)
        row.addWidget(mods)
        row.addWidget(remove)
        self._lines_box.addLayout(row)
        self._rows.append((code, units, mods, remove))

    def _remove(self, button: QToolButton) -> None:
        kept = [line for line, row in zip(self.lines(), self._rows) if row[3] is not button]
        self.set_lines(kept)
        self.changed.emit()

    def _edited(self, *_args: object) -> None:
        if not self._loading:
            self.changed.emit()

    @Slot()
    def on_add_button_clicked(self) -> None:
        self.set_lines([*self.lines(), DraftLine("")])
        self._rows[-1][0].setFocus()
        self.changed.emit()

    def set_read_only(self, read_only: bool) -> None:
        self.add_button.setVisible(not read_only)
        for code, units, mods, remove in self._rows:
            code.setEnabled(not read_only)
            units.setReadOnly(read_only)
            mods.setReadOnly(read_only)
            remove.setVisible(not read_only)

    def mark_missing(self, missing: bool) -> None:
        mark_missing(self.add_button, missing)
