"""The unlock window: the first thing painted; stretches the key on a worker and opens the vault.

It imports no SQLAlchemy, store or services module at import time: those load after the first
paint (see app.py), and the worker imports them lazily if that has not happened yet. Nor does it
touch the ``Qt`` namespace before that paint (its first use costs ~16 ms; see form_widgets.py).

objectNames: unlockWindow, passphraseField, passphraseFieldCapsHint, unlockError,
unlockCapsReminder, unlockProgress, unlockButton, quitButton, vaultLocation, demoNotice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6 import QtCore
from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QPaintEvent
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapist_desk import APP_NAME
from therapist_desk.logs import log_unexpected
from therapist_desk.ui import passphrase_field
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.form_widgets import (
    ErrorLabel,
    add_form_row,
    busy_bar,
    heading_label,
    hint_label,
)
from therapist_desk.ui.passphrase_field import PasswordField

log = logging.getLogger(__name__)

# After this many wrong tries, mention that a damaged file looks the same as a wrong passphrase.
_DAMAGE_HINT_AFTER = 3


def _open_vault(ctx: AppContext, path: Path, passphrase: str) -> object:
    """Runs on the worker: key stretching, the single-writer lock, any migration, and the audit
    entries for this unlock and the wrong passphrases before it."""
    from therapist_desk.services import security

    counter = security.FailedUnlockCounter(ctx.paths.data_dir / security.FAILED_UNLOCKS_FILENAME)
    return security.open_vault_recorded(path, passphrase, ctx.now(), counter)


def _run_after_open(after_open: Callable[[Any], Any] | None, vault: object) -> Any:
    """Runs on the worker once the vault is open: ``after_open(vault)``, whose answer is only a
    head start, so a failure is logged (its type and frames, no message) and gives None."""
    if after_open is None:
        return None
    try:
        return after_open(vault)
    except Exception as error:  # noqa: BLE001 - the unlock itself has succeeded
        log_unexpected(log, "loading after the unlock failed", error)
        return None


class UnlockWindow(QWidget):
    """Asks for ``vault_path``'s passphrase; on success sets ``ctx.vault``, emits ``unlocked``.

    ``after_open`` (optional) runs on the unlock's worker right after the vault has opened, with
    the vault; its answer is handed over by ``take_loaded`` (the app loads the Clients tab's
    first rows there: one hop fewer before the main window shows them).
    """

    unlocked = Signal()
    first_painted = Signal()
    # The key is being stretched on a worker (~0.3 s): the GUI thread is free meanwhile.
    unlock_started = Signal()

    def __init__(self, ctx: AppContext, vault_path: Path, *, demo_passphrase: str = "",
                 after_open: Callable[[Any], Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._vault_path = vault_path
        self._after_open = after_open
        self._loaded: Any = None  # after_open's answer, until taken
        self._painted = False
        self._busy = False
        self._failures = 0
        self.setObjectName("unlockWindow")
        self.setWindowTitle(APP_NAME)
        self.setAccessibleName(self.tr("Unlock Therapist Desk"))

        title = heading_label(APP_NAME)
        intro = hint_label(self.tr("Type your passphrase to open your records."))
        self.demo_notice = QLabel(self.tr(
            "This is the demo vault: every client in it is fictional.<br>"
            "Its passphrase is <b>{0}</b>").format(demo_passphrase))
        if demo_passphrase:  # shown for the demo vault only
            self.demo_notice.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.demo_notice.setWordWrap(True)
        self.demo_notice.setObjectName("demoNotice")
        self.demo_notice.setVisible(bool(demo_passphrase))

        # Error labels are made in this window, their final parent (see form_widgets.py).
        self.passphrase = PasswordField("passphraseField", self.tr("Passphrase"), self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.error = add_form_row(form, self.tr("&Passphrase:"), self.passphrase)
        self.error.setObjectName("unlockError")
        form.addRow("", self.passphrase.caps_hint)
        self.caps_reminder = ErrorLabel(self)
        self.caps_reminder.setObjectName("unlockCapsReminder")
        self.caps_reminder.setAccessibleName(self.tr("Caps Lock reminder"))
        form.addRow("", self.caps_reminder)

        self.progress = busy_bar("unlockProgress", self.tr("Unlocking"))
        self.location = hint_label(self.tr("Vault: {0}").format(vault_path))
        self.location.setObjectName("vaultLocation")

        buttons = QDialogButtonBox()
        self.unlock_button = QPushButton(self.tr("&Unlock"))
        self.unlock_button.setObjectName("unlockButton")
        self.unlock_button.setDefault(True)
        self.unlock_button.setAccessibleName(self.tr("Unlock"))
        self.quit_button = QPushButton(self.tr("&Quit"))
        self.quit_button.setObjectName("quitButton")
        self.quit_button.setAccessibleName(self.tr("Quit"))
        buttons.addButton(self.unlock_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.RejectRole)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.demo_notice)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addStretch(1)
        layout.addWidget(self.location)
        layout.addWidget(buttons)
        # Room for the error lines, so a wrong passphrase does not make the window jump.
        self.setMinimumSize(480, 280)

        self.unlock_button.clicked.connect(self.on_unlock_button_clicked)
        self.quit_button.clicked.connect(self.close)
        self.passphrase.returnPressed.connect(self.on_unlock_button_clicked)
        self.passphrase.textEdited.connect(self.on_passphrase_textEdited)
        self.setTabOrder(self.passphrase, self.unlock_button)
        self.setTabOrder(self.unlock_button, self.quit_button)
        self.passphrase.setFocus()

    # --- events ------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self, self._after_first_paint)  # after this paint is shown
            self.first_painted.emit()

    def _after_first_paint(self) -> None:
        """What needs the Qt namespace, kept out of the first paint (see the module docstring)."""
        self.location.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.passphrase.clear()
        super().closeEvent(event)

    # --- unlocking -----------------------------------------------------------------------

    def is_busy(self) -> bool:
        return self._busy

    @Slot(str)
    def on_passphrase_textEdited(self, _text: str) -> None:
        self.error.clear_message()
        self.caps_reminder.clear_message()

    @Slot()
    def on_unlock_button_clicked(self) -> None:
        if self._busy:
            return
        passphrase = self.passphrase.text()
        if not passphrase:
            self.error.show_message(self.tr("Type your passphrase first."))
            self.passphrase.setFocus()
            return
        self._set_busy(True)
        path, ctx, after_open = self._vault_path, self._ctx, self._after_open

        def job() -> tuple[object, Any]:
            vault = _open_vault(ctx, path, passphrase)
            return vault, _run_after_open(after_open, vault)

        self._ctx.tasks.run(job, self._on_opened, self._on_failed)
        self.unlock_started.emit()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        for widget in (self.passphrase, self.unlock_button):
            widget.setEnabled(not busy)
        if busy:
            self.error.clear_message()
            self.caps_reminder.clear_message()

    def take_loaded(self) -> Any:
        """What ``after_open`` loaded at the last unlock (None if nothing), handed over once."""
        loaded, self._loaded = self._loaded, None
        return loaded

    def _on_opened(self, opened: tuple[object, Any]) -> None:
        vault, self._loaded = opened
        self._set_busy(False)
        self.passphrase.clear()
        self._failures = 0
        self._ctx.vault = vault  # type: ignore[assignment]
        log.info("vault unlocked")
        self.unlocked.emit()

    def _on_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self.passphrase.clear()
        self.passphrase.setFocus()
        try:
            from therapist_desk.services.vault_access import VaultError, WrongPassphrase
        except Exception as broken:  # noqa: BLE001 - a broken install: say so, no crash
            log_unexpected(log, "the vault modules could not be loaded", broken)
            self.error.show_message(self.tr(
                "Therapist Desk could not load its vault modules. Reinstall it; the log file "
                "has the details."))
            return
        if isinstance(error, WrongPassphrase):
            self._failures += 1
            log.info("wrong passphrase (attempt %d)", self._failures)
            text = self.tr("That passphrase does not open this vault. Try again.")
            if self._failures >= _DAMAGE_HINT_AFTER:
                text += " " + self.tr(
                    "If you are sure it is right, the vault file may be damaged at its start: "
                    "restore it from a backup.")
            self.error.show_message(text)
            if passphrase_field.platform_caps_lock() is None:
                # The OS cannot tell us (Linux, or the query failed): remind, whatever was typed.
                self.caps_reminder.show_message(self.tr("Check that Caps Lock is off."))
            self.passphrase.refresh_caps_hint()
        elif isinstance(error, VaultError):
            log.warning("vault did not open: %s", type(error).__name__)
            self.error.show_message(error.message)
        else:
            log_unexpected(log, "unexpected error while unlocking", error)
            self.error.show_message(self.tr(
                "Something unexpected went wrong while opening the vault. Nothing was changed. "
                "The log file has the details."))
