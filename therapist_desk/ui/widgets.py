"""Small shared widgets and helpers, in one place for the tabs and dialogs to import from.

The pieces live in smaller modules so the first window loads only what it shows:
``form_widgets`` (error label, hint and heading labels, form rows, busy bar),
``passphrase_field`` (passphrase field with Caps Lock hint), ``passphrase_strength`` (strength
estimate and meter); logging helpers come from ``therapist_desk.logs``. The unlock window
imports those modules directly; everything else may import from here.

objectNames: the caller names the fields; ``add_form_row`` names each error label
``<field objectName>Error`` and ``PasswordField`` names its hint ``<field objectName>CapsHint``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel

from therapist_desk.domain.passphrase import MIN_PASSPHRASE_LENGTH
from therapist_desk.logs import log_unexpected, scrubbed_traceback
from therapist_desk.ui.form_widgets import (
    ErrorLabel,
    add_form_row,
    busy_bar,
    heading_label,
    hint_label,
    plain_label,
    tr,
)
from therapist_desk.ui.passphrase_field import PasswordField, platform_caps_lock
from therapist_desk.ui.passphrase_strength import (
    STRENGTH_WORDS,
    StrengthMeter,
    estimate_bits,
    estimate_strength,
)

__all__ = [
    "MIN_PASSPHRASE_LENGTH", "STRENGTH_WORDS", "ErrorLabel", "PasswordField", "StrengthMeter",
    "add_form_row", "as_sentence", "banner_label", "busy_bar", "estimate_bits",
    "estimate_strength", "heading_label", "hint_label", "log_unexpected", "plain_label",
    "platform_caps_lock", "scrubbed_traceback", "standard_keys", "tr",
]


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
