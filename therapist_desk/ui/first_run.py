"""First run: create the vault (passphrase twice, strength, the lost-passphrase warning), then the
practice profile; or open the demo vault to look around.

objectNames: firstRunWindow, firstRunPages, createPage, newPassphraseField, newPassphraseFieldError,
passphraseStrength, confirmPassphraseField, confirmPassphraseError, lostPassphraseWarning,
understandCheck, understandError, createProgress, createStatus, createButton, demoButton,
demoHint, profilePage, practiceForm (see practice_form.py), saveProfileButton, skipProfileButton.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from therapist_desk import APP_NAME
from therapist_desk.paths import VAULT_FILENAME, AppPaths
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.practice_form import PracticeForm
from therapist_desk.ui.widgets import (
    MIN_PASSPHRASE_LENGTH,
    ErrorLabel,
    PasswordField,
    StrengthMeter,
    add_form_row,
    busy_bar,
    heading_label,
    hint_label,
    log_unexpected,
)

log = logging.getLogger(__name__)

# The demo vault holds fictional data only, so its passphrase can be public (README, About).
DEMO_PASSPHRASE = "demo-passphrase"
DEMO_FOLDER = "demo"
_MIN_SCORE = 2  # "Fair" on the StrengthMeter scale


def demo_vault_path(paths: AppPaths) -> Path:
    """``<data_dir>/demo/vault.tdvault``: apart from the real vault; neither touches the other."""
    return paths.data_dir / DEMO_FOLDER / VAULT_FILENAME


def _create_vault(path: Path, passphrase: str) -> object:
    from therapist_desk.services.vault_access import create_and_open

    return create_and_open(path, passphrase)


def _open_demo(path: Path) -> object:
    """Open the demo vault, creating and filling it (seed 1) the first time."""
    from therapist_desk.services.vault_access import create_and_open, open_vault

    if path.exists():
        return open_vault(path, DEMO_PASSPHRASE)
    from therapist_desk.services import demo

    vault = create_and_open(path, DEMO_PASSPHRASE)
    try:
        demo.populate_demo(vault, seed=1)
    except BaseException:
        vault.close()
        demo.discard_vault(path)  # an empty demo would be opened as-is next time
        raise
    return vault


class FirstRunWindow(QWidget):
    """Shown when there is no vault yet. Sets ``ctx.vault`` and emits ``finished(is_demo)``."""

    finished = Signal(bool)
    first_painted = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._painted = False
        self._busy = False
        self.setObjectName("firstRunWindow")
        self.setWindowTitle(APP_NAME)
        self.setAccessibleName(self.tr("Set up Therapist Desk"))
        self.pages = QStackedWidget()
        self.pages.setObjectName("firstRunPages")
        self.pages.addWidget(self._build_create_page())
        self.pages.addWidget(self._build_profile_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        self.resize(640, 600)
        self.new_passphrase.setFocus()

    # --- page 1: the vault -----------------------------------------------------------------

    def _build_create_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("createPage")
        intro = hint_label(self.tr(
            "Therapist Desk keeps your records in one encrypted file on this computer, the "
            "vault. Nothing is sent over the internet. Choose a passphrase to lock it."))

        self.new_passphrase = PasswordField("newPassphraseField", self.tr("New passphrase"))
        self.strength = StrengthMeter("passphraseStrength")
        self.confirm = PasswordField("confirmPassphraseField", self.tr("Repeat the passphrase"))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.new_error = add_form_row(form, self.tr("&Passphrase:"), self.new_passphrase, self.tr(
            "At least {0} characters. A few unrelated words make a passphrase that is strong "
            "and easy to remember.").format(MIN_PASSPHRASE_LENGTH))
        form.addRow(self.tr("Strength:"), self.strength)
        form.addRow("", self.new_passphrase.caps_hint)
        self.confirm_error = add_form_row(form, self.tr("&Repeat it:"), self.confirm)
        self.confirm_error.setObjectName("confirmPassphraseError")

        warning = QFrame()
        warning.setObjectName("lostPassphraseWarning")
        warning.setFrameShape(QFrame.Shape.StyledPanel)
        # palette() keeps the panel right in light and dark themes.
        warning.setStyleSheet("#lostPassphraseWarning { background: palette(alternate-base); }")
        warning_title = QLabel(self.tr("A lost passphrase cannot be recovered."))
        bold = warning_title.font()
        bold.setBold(True)
        warning_title.setFont(bold)
        warning_text = QLabel(self.tr(
            "Nobody can open your records without it, not even the makers of Therapist Desk, and "
            "there is no reset. Write it down now and keep it somewhere safe, away from this "
            "computer and away from its backups."))
        warning_text.setWordWrap(True)
        self.understand = QCheckBox(self.tr(
            "I have &written my passphrase down and will keep it somewhere safe."))
        self.understand.setObjectName("understandCheck")
        self.understand_error = ErrorLabel()
        self.understand_error.setObjectName("understandError")
        self.understand_error.setAccessibleName(self.tr("Problem with the confirmation"))
        box = QVBoxLayout(warning)
        box.setContentsMargins(14, 12, 14, 12)
        box.addWidget(warning_title)
        box.addWidget(warning_text)
        box.addSpacing(4)
        box.addWidget(self.understand)
        box.addWidget(self.understand_error)
        warning.setAccessibleName(self.tr("A lost passphrase cannot be recovered"))

        self.create_progress = busy_bar("createProgress", self.tr("Creating the vault"))
        self.create_status = ErrorLabel()
        self.create_status.setObjectName("createStatus")
        self.create_status.setAccessibleName(self.tr("Problem creating the vault"))

        self.create_button = QPushButton(self.tr("&Create vault"))
        self.create_button.setObjectName("createButton")
        self.create_button.setDefault(True)
        self.create_button.setAccessibleName(self.tr("Create vault"))
        self.demo_button = QPushButton(self.tr("Open the &demo vault to look around"))
        self.demo_button.setObjectName("demoButton")
        self.demo_button.setAccessibleName(self.tr("Open the demo vault to look around"))
        demo_hint = hint_label(self.tr(
            "The demo vault holds fictional clients only and is kept apart from your own "
            "records.<br>Its passphrase is <b>{0}</b>").format(DEMO_PASSPHRASE))
        demo_hint.setTextFormat(Qt.TextFormat.RichText)
        demo_hint.setObjectName("demoHint")
        create_row = QHBoxLayout()
        create_row.addWidget(self.create_progress, 3)
        create_row.addStretch(1)
        create_row.addWidget(self.create_button)
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Sunken)
        demo_title = QLabel(self.tr("Just looking around first?"))
        demo_title.setFont(bold)
        demo_row = QHBoxLayout()
        demo_row.addWidget(self.demo_button)
        demo_row.addStretch(1)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(10)
        layout.addWidget(heading_label(self.tr("Welcome to Therapist Desk")))
        layout.addWidget(intro)
        layout.addSpacing(4)
        layout.addLayout(form)
        layout.addWidget(warning)
        layout.addWidget(self.create_status)
        layout.addLayout(create_row)
        layout.addStretch(1)
        layout.addSpacing(8)
        layout.addWidget(rule)
        layout.addWidget(demo_title)
        layout.addWidget(demo_hint)
        layout.addLayout(demo_row)

        self.new_passphrase.textChanged.connect(self.on_new_passphrase_textChanged)
        self.confirm.textEdited.connect(self.on_confirm_textEdited)
        self.confirm.returnPressed.connect(self.on_create_button_clicked)
        self.understand.toggled.connect(self.on_understand_toggled)
        self.create_button.clicked.connect(self.on_create_button_clicked)
        self.demo_button.clicked.connect(self.on_demo_button_clicked)
        for first, second in ((self.new_passphrase, self.confirm), (self.confirm, self.understand),
                              (self.understand, self.create_button),
                              (self.create_button, self.demo_button)):
            self.setTabOrder(first, second)
        return page

    @Slot(str)
    def on_new_passphrase_textChanged(self, text: str) -> None:
        self.strength.set_passphrase(text)
        self.new_error.clear_message()
        self.confirm_error.clear_message()

    @Slot(str)
    def on_confirm_textEdited(self, _text: str) -> None:
        self.confirm_error.clear_message()

    @Slot(bool)
    def on_understand_toggled(self, _checked: bool) -> None:
        self.understand_error.clear_message()

    def _passphrase_problems(self) -> bool:
        """Show what is wrong with the new passphrase; True when something is."""
        text = self.new_passphrase.text()
        problem = False
        if len(text) < MIN_PASSPHRASE_LENGTH:
            self.new_error.show_message(self.tr("Use at least {0} characters.").format(
                MIN_PASSPHRASE_LENGTH))
            problem = True
        elif self.strength.score < _MIN_SCORE:
            self.new_error.show_message(self.tr(
                "This passphrase is easy to guess. Add a few more unrelated words."))
            problem = True
        if not problem and self.confirm.text() != text:
            self.confirm_error.show_message(self.tr(
                "The two passphrases are not the same. Type it again."))
            problem = True
        if not self.understand.isChecked():
            self.understand_error.show_message(self.tr(
                "Tick this once the passphrase is written down."))
            problem = True
        return problem

    @Slot()
    def on_create_button_clicked(self) -> None:
        if self._busy or self._passphrase_problems():
            return
        path, passphrase = self._ctx.paths.vault, self.new_passphrase.text()
        self._set_busy(True)
        self._ctx.tasks.run(lambda: _create_vault(path, passphrase),
                            self._on_vault_created, self._on_open_failed)

    @Slot()
    def on_demo_button_clicked(self) -> None:
        if self._busy:
            return
        path = demo_vault_path(self._ctx.paths)
        self._set_busy(True)
        self._ctx.tasks.run(lambda: _open_demo(path), self._on_demo_opened, self._on_open_failed)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.create_progress.setVisible(busy)
        for widget in (self.new_passphrase, self.confirm, self.understand, self.create_button,
                       self.demo_button):
            widget.setEnabled(not busy)
        if busy:
            self.create_status.clear_message()

    def _on_vault_created(self, vault: object) -> None:
        self._set_busy(False)
        self.new_passphrase.clear()
        self.confirm.clear()
        self._ctx.vault = vault  # type: ignore[assignment]
        log.info("new vault created")
        self.pages.setCurrentIndex(1)
        self.resize(max(self.width(), 660), max(self.height(), 760))  # the profile form is long
        self.form.field("clinicianName").setFocus()

    def _on_demo_opened(self, vault: object) -> None:
        self._set_busy(False)
        self._ctx.vault = vault  # type: ignore[assignment]
        log.info("demo vault opened")
        self.finished.emit(True)

    def _on_open_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        try:
            from therapist_desk.services.vault_access import VaultError
        except Exception:  # noqa: BLE001 - a broken install: explain instead of crashing
            VaultError = ()  # type: ignore[assignment,misc]
        if VaultError and isinstance(error, VaultError):
            log.warning("vault not created/opened: %s", type(error).__name__)
            self.create_status.show_message(error.message)
        else:
            log_unexpected(log, "unexpected error creating or opening a vault", error)
            self.create_status.show_message(self.tr(
                "Something unexpected went wrong. The log file has the details."))

    # --- page 2: the practice profile -------------------------------------------------------

    def _build_profile_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("profilePage")
        self.form = PracticeForm()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.form)
        self.save_profile_button = QPushButton(self.tr("&Save and continue"))
        self.save_profile_button.setObjectName("saveProfileButton")
        self.save_profile_button.setDefault(True)
        self.save_profile_button.setAccessibleName(self.tr("Save and continue"))
        self.skip_profile_button = QPushButton(self.tr("S&kip for now"))
        self.skip_profile_button.setObjectName("skipProfileButton")
        self.skip_profile_button.setAccessibleName(self.tr("Skip for now"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.skip_profile_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_profile_button)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.addWidget(heading_label(self.tr("Your practice")))
        layout.addWidget(hint_label(self.tr(
            "These details go on superbills and letters. Each one is checked when you leave "
            "it. You can change them later in Settings.")))
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self.save_profile_button.clicked.connect(self.on_save_profile_button_clicked)
        self.skip_profile_button.clicked.connect(self.on_skip_profile_button_clicked)
        return page

    @Slot()
    def on_save_profile_button_clicked(self) -> None:
        from therapist_desk.domain.errors import ValidationErrors
        from therapist_desk.services.practice import save_profile
        from therapist_desk.services.vault_access import VaultError

        if not self.form.check_all():
            self._focus_first_error()
            return
        profile = self.form.build_profile(None)
        try:
            with self._ctx.unit_of_work() as session:
                save_profile(session, profile, self._ctx.now())
        except ValidationErrors as errors:
            unplaced = self.form.show_errors(errors)
            if unplaced:
                self.form.form_error.show_message("\n".join(str(e) for e in unplaced))
            self._focus_first_error()
            return
        except VaultError as error:
            self.form.form_error.show_message(error.message)
            return
        log.info("practice profile saved at first run")
        self.finished.emit(False)

    def _focus_first_error(self) -> None:
        field = self.form.first_error_field()
        if field is not None:
            field.setFocus()

    @Slot()
    def on_skip_profile_button_clicked(self) -> None:
        self.finished.emit(False)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit()
