"""The passphrase strength estimate and its meter (first run, change of passphrase).

objectNames: the caller names the meter; its bar is ``<name>Bar`` and its word ``<name>Word``.
"""

from __future__ import annotations

import itertools
import math
import re

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from therapist_desk.domain.passphrase import MIN_PASSPHRASE_LENGTH
from therapist_desk.ui.form_widgets import tr

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
