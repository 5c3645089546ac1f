"""Small shared widgets: inline error label, form rows, passphrase field with Caps Lock hint.

objectNames: the caller names the fields; ``add_form_row`` names each error label
``<field objectName>Error`` and ``PasswordField`` names its hint ``<field objectName>CapsHint``.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import sys
import traceback

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.passphrase import MIN_PASSPHRASE_LENGTH


def scrubbed_traceback(error: BaseException) -> str:
    """Frames (file, line, function) and exception types of ``error`` and its causes.

    Messages are left out: an exception's text can quote what was being processed (a client's
    name, a note), and log files must never hold that.
    """
    lines: list[str] = []
    current: BaseException | None = error
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        lines += [f"  {f.filename}:{f.lineno} in {f.name}"
                  for f in traceback.extract_tb(current.__traceback__)]
        lines.append(type(current).__name__)
        current = current.__cause__ or current.__context__
    return "\n".join(lines)


def log_unexpected(logger: logging.Logger, what: str, error: BaseException) -> None:
    """Log a bug-like failure with its frames but without its message (see scrubbed_traceback)."""
    logger.error("%s: %s\n%s", what, type(error).__name__, scrubbed_traceback(error))


def tr(text: str) -> str:
    return QCoreApplication.translate("widgets", text)


def _is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


class ErrorLabel(QLabel):
    """A message shown right under a field; hidden while empty.

    Qt has no "error" palette role, so the red is picked to stay readable on the current light
    or dark palette (and re-picked when the system theme changes).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._apply_colour()
        self.hide()

    def show_message(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.show_message("")

    def message(self) -> str:
        return "" if self.isHidden() else self.text()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
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
    label = QLabel(text, parent)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    return label


def banner_label(object_name: str, text: str, accessible_name: str) -> QLabel:
    """A full-width notice strip in the palette's highlight colours (right in light and dark)."""
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setAccessibleName(accessible_name)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setStyleSheet(f"#{object_name} {{ background: palette(highlight);"
                        " color: palette(highlighted-text); padding: 6px; }")
    return label


def as_sentence(text: str) -> str:
    """"the folder is not empty" -> "The folder is not empty."."""
    text = text.strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")) if text else text


def standard_keys(standard: QKeySequence.StandardKey, fallback: str) -> list[QKeySequence]:
    """The platform's binding for ``standard``, or ``fallback`` where it has none (Quit on
    Windows); Qt shows Ctrl as Cmd on macOS."""
    return QKeySequence.keyBindings(standard) or [QKeySequence(fallback)]


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
    error = ErrorLabel()
    if field.objectName():
        error.setObjectName(field.objectName() + "Error")
    error.setAccessibleName(tr("Problem with {0}").format(plain_label(label_text)))
    box = QWidget()
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(2)
    column.addWidget(field)
    if hint:
        column.addWidget(hint_label(hint))
    column.addWidget(error)
    form.addRow(label, box)
    return error


# --- Caps Lock -------------------------------------------------------------------------------


def platform_caps_lock() -> bool | None:
    """Caps Lock state from the OS where a cheap query exists (Windows, macOS); else None."""
    try:
        if sys.platform == "win32":
            import ctypes

            return bool(ctypes.windll.user32.GetKeyState(0x14) & 1)  # VK_CAPITAL, toggled bit
        if sys.platform == "darwin":
            import ctypes

            services = ctypes.cdll.LoadLibrary(
                "/System/Library/Frameworks/ApplicationServices.framework/ApplicationServices")
            services.CGEventSourceFlagsState.restype = ctypes.c_uint64
            services.CGEventSourceFlagsState.argtypes = [ctypes.c_int32]
            # kCGEventSourceStateHIDSystemState = 1; kCGEventFlagMaskAlphaShift = 0x10000
            return bool(services.CGEventSourceFlagsState(1) & 0x10000)
    except (OSError, AttributeError):
        return None
    return None


class PasswordField(QLineEdit):
    """A passphrase line edit that notices Caps Lock and owns a hint label for it.

    The OS is asked where possible; otherwise the state is inferred from typed letters (a capital
    without Shift, or a small letter with Shift, means Caps Lock is on). ``caps_hint`` is a label
    the caller places in its layout.
    """

    def __init__(self, object_name: str, accessible_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName(accessible_name)
        self.setEchoMode(QLineEdit.EchoMode.Password)
        hints = Qt.InputMethodHint
        self.setInputMethodHints(hints.ImhHiddenText | hints.ImhSensitiveData
                                 | hints.ImhNoPredictiveText)
        self._typed_caps: bool | None = None
        self.caps_hint = ErrorLabel()
        self.caps_hint.setObjectName(object_name + "CapsHint")
        self.caps_hint.setAccessibleName(tr("Caps Lock warning"))

    def caps_lock_on(self) -> bool | None:
        """True/False when known, None when neither the OS nor the typing told us."""
        known = platform_caps_lock()
        return known if known is not None else self._typed_caps

    def refresh_caps_hint(self) -> None:
        on = self.caps_lock_on()
        self.caps_hint.show_message(tr("Caps Lock is on.") if on else "")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if len(text) == 1 and text.isalpha() and text.lower() != text.upper():
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self._typed_caps = text.isupper() != shift
        elif event.key() == Qt.Key.Key_CapsLock and self._typed_caps is not None:
            self._typed_caps = not self._typed_caps
        super().keyPressEvent(event)
        self.refresh_caps_hint()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.refresh_caps_hint()


# --- Passphrase strength ---------------------------------------------------------------------

_COMMON = frozenset({
    "password", "passphrase", "123456", "12345678", "123456789", "1234567890", "qwerty",
    "qwertyuiop", "letmein", "welcome", "iloveyou", "admin", "therapist", "therapy", "monkey",
    "dragon", "sunshine", "princess", "football", "baseball", "abc123", "trustno1", "changeme",
})
STRENGTH_WORDS = ("Very weak", "Weak", "Fair", "Strong", "Very strong")


_TOKENS = re.compile(r"[^\W\d_]+|\d+|.", re.DOTALL)
_WORD_BITS = 11.0  # a word a person picks is about one of ~2,000 likely ones, not random letters
_BITS_PER_LETTER = math.log2(26)
_BITS_PER_DIGIT = math.log2(10)
_BITS_PER_SYMBOL = 5.0
_BITS_PER_SPACE = 1.0  # spaces between words are expected, so they add little


def _effective_length(token: str) -> float:
    """Length with repeats ("aaaa") and runs ("abcd", "4321") counted as a quarter each."""
    length = 1.0
    for previous, current in itertools.pairwise(token):
        length += 0.25 if ord(current) - ord(previous) in (-1, 0, 1) else 1.0
    return length


def estimate_bits(text: str) -> float:
    """A rough, deliberately conservative guess at a passphrase's entropy in bits.

    Letters are counted per word (a word is worth ~11 bits however long, a little more when very
    long or oddly capitalized), digits and symbols per character; repeats and runs count less.
    """
    bits = 0.0
    for token in _TOKENS.findall(text):
        if token[0].isalpha():
            letters = _effective_length(token.lower()) * _BITS_PER_LETTER
            word = _WORD_BITS + 1.5 * max(0, len(token) - 6)
            capitals = sum(1 for c in token[1:] if c.isupper())
            bits += min(letters, word) + 2.0 * min(capitals, 2)
            bits += 1.0 if token[0].isupper() else 0.0
        elif token.isdigit():
            bits += _effective_length(token) * _BITS_PER_DIGIT
        elif token.isspace():
            bits += _BITS_PER_SPACE
        else:
            bits += _BITS_PER_SYMBOL
    return bits


def estimate_strength(text: str) -> int:
    """0-4 ("Very weak" to "Very strong") from :func:`estimate_bits`; common passwords score 0.

    Offline and simple: it guides, it does not certify.
    """
    if not text:
        return 0
    folded = text.lower().strip()
    if any(folded.startswith(word) and len(folded) - len(word) < 4 for word in _COMMON):
        return 0
    bits = estimate_bits(text)
    if len(text) < MIN_PASSPHRASE_LENGTH:
        bits = min(bits, 35.0)
    for limit, score in ((28, 0), (36, 1), (50, 2), (65, 3)):
        if bits < limit:
            return score
    return 4


class StrengthMeter(QWidget):
    """A five-step bar with a word ("Weak", "Strong"...); colours come from the palette."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.bar = QProgressBar()
        self.bar.setObjectName(object_name + "Bar")
        self.bar.setRange(0, 4)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(8)
        self.bar.setAccessibleName(tr("Passphrase strength"))
        self.word = QLabel()
        self.word.setObjectName(object_name + "Word")
        self.word.setMinimumWidth(self.word.fontMetrics().horizontalAdvance("Very strong") + 8)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar, 1)
        row.addWidget(self.word)
        self.score = 0
        self.set_passphrase("")

    def set_passphrase(self, text: str) -> None:
        self.score = estimate_strength(text)
        self.bar.setValue(self.score + 1 if text else 0)
        word = tr(STRENGTH_WORDS[self.score]) if text else ""
        self.word.setText(word)
        self.bar.setAccessibleDescription(word)


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
