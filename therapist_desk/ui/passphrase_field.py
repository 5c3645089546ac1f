"""The passphrase field with its Caps Lock hint (unlock and first-run windows).

Light like form_widgets.py: building it touches no member of the ``Qt`` namespace (``QtCore.Qt``
is looked up in the key handler, once the window is on screen).

objectNames: the caller names the field; its hint is ``<field objectName>CapsHint``.
"""

from __future__ import annotations

import sys

from PySide6 import QtCore
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from therapist_desk.ui.form_widgets import ErrorLabel, tr


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
    (a child of ``parent``) the caller places in its layout.

    Password echo mode makes Qt set the input-method hints itself (hidden text, sensitive data,
    no prediction, no auto-capitals), so no on-screen keyboard learns or suggests the passphrase.
    """

    def __init__(self, object_name: str, accessible_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName(accessible_name)
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self._typed_caps: bool | None = None
        # In the field's parent, where the caller lays it out (see form_widgets.py on reparenting).
        self.caps_hint = ErrorLabel(parent)
        self.caps_hint.setObjectName(object_name + "CapsHint")
        self.caps_hint.setAccessibleName(tr("Caps Lock warning"))

    def caps_lock_on(self) -> bool | None:
        """True/False when known, None when neither the OS nor the typing told us."""
        known = platform_caps_lock()
        return known if known is not None else self._typed_caps

    def refresh_caps_hint(self) -> None:
        """Show or hide the Caps Lock hint from what is known now."""
        on = self.caps_lock_on()
        self.caps_hint.show_message(tr("Caps Lock is on.") if on else "")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if len(text) == 1 and text.isalpha() and text.lower() != text.upper():
            shift = bool(event.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier)
            self._typed_caps = text.isupper() != shift
        elif event.key() == QtCore.Qt.Key.Key_CapsLock and self._typed_caps is not None:
            self._typed_caps = not self._typed_caps
        super().keyPressEvent(event)
        self.refresh_caps_hint()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.refresh_caps_hint()
