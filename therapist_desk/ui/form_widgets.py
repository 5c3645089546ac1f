"""Light form helpers for the first window: error label, hint and heading labels, rows, busy bar.

Two PySide6 costs are kept away from the unlock window's first paint (see app.py):

- the first touch of the ``Qt`` namespace builds its ~90 Python enums (~16 ms): building these
  widgets touches none of it, so ``QtCore.Qt`` is looked up where it is used (once the window
  has painted), never ``from PySide6.QtCore import Qt`` here;
- the first event of a generic type (``QEvent``) handed to a Python override makes PySide6 set
  up ~45 event classes to find its real type (~1% of the start): ``ErrorLabel.changeEvent`` gets
  one whenever the label is reparented, so error labels are created in their final parent
  (``add_form_row`` does; ``PasswordField`` creates its hint in the field's parent).

objectNames: the caller names the fields; ``add_form_row`` names each error label
``<field objectName>Error``.
"""

from __future__ import annotations

from PySide6 import QtCore
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QPalette, QShowEvent
from PySide6.QtWidgets import QFormLayout, QLabel, QProgressBar, QVBoxLayout, QWidget


def tr(text: str) -> str:
    """Translate ``text`` in the shared "widgets" context."""
    return QCoreApplication.translate("widgets", text)


def _is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


class ErrorLabel(QLabel):
    """A message shown right under a field; hidden while empty.

    Qt has no "error" palette role, so the red is picked to stay readable on the current light
    or dark palette (and re-picked when the system theme changes). Messages are plain text
    (never read as HTML) and selectable. Colour, format and selection are set when the label is
    first shown: most never are, and a window builds faster without them.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self._styled = False
        self.hide()

    def show_message(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.show_message("")

    def message(self) -> str:
        return "" if self.isHidden() else self.text()

    def showEvent(self, event: QShowEvent) -> None:
        if not self._styled:  # before the text is first painted, however it was set
            self._styled = True
            self.setTextFormat(QtCore.Qt.TextFormat.PlainText)
            self.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
            self._apply_colour()
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if self._styled and event.type() == QEvent.Type.PaletteChange:
            self._apply_colour()
        super().changeEvent(event)

    def _apply_colour(self) -> None:
        palette = self.palette()
        colour = "#ff8a80" if _is_dark(palette) else "#b3261e"
        palette.setColor(QPalette.ColorRole.WindowText, colour)
        # setPalette fires PaletteChange again: only set it when the colour really differs.
        if self.palette().color(QPalette.ColorRole.WindowText).name() != colour:
            self.setPalette(palette)


def hint_label(text: str, parent: QWidget | None = None) -> QLabel:
    """A secondary, word-wrapped explanation in the palette's placeholder colour."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    palette = label.palette()
    secondary = palette.color(QPalette.ColorRole.PlaceholderText)
    palette.setColor(QPalette.ColorRole.WindowText, secondary)
    label.setPalette(palette)
    return label


def heading_label(text: str, parent: QWidget | None = None, *, scale: float = 1.4) -> QLabel:
    """A bold title, ``scale`` times the normal font size."""
    label = QLabel(text, parent)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    return label


def plain_label(text: str) -> str:
    """"&License state:" -> "License state" (for accessible names)."""
    return text.replace("&&", "\x00").replace("&", "").replace("\x00", "&").rstrip(":").strip()


def add_form_row(form: QFormLayout, label_text: str, field: QWidget,
                 hint: str = "") -> ErrorLabel:
    """Add ``label: field`` to ``form`` with an error label (and optional hint) under the field.

    The label becomes the field's buddy (so its &-mnemonic focuses the field) and the field's
    accessible name. Returns the error label, named ``<field objectName>Error``.
    """
    label = QLabel(label_text)
    label.setBuddy(field)
    if not field.accessibleName():
        field.setAccessibleName(plain_label(label_text))
    box = QWidget()
    error = ErrorLabel(box)  # in its final parent: never reparented (see the module docstring)
    if field.objectName():
        error.setObjectName(field.objectName() + "Error")
    error.setAccessibleName(tr("Problem with {0}").format(plain_label(label_text)))
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(2)
    column.addWidget(field)
    if hint:
        column.addWidget(hint_label(hint))
    column.addWidget(error)
    form.addRow(label, box)
    return error


def busy_bar(object_name: str, accessible_name: str) -> QProgressBar:
    """An indeterminate progress bar, hidden until work starts."""
    bar = QProgressBar()
    bar.setObjectName(object_name)
    bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.setMaximumHeight(10)
    bar.setAccessibleName(accessible_name)
    bar.hide()
    return bar
