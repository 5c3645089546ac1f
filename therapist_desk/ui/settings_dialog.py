"""Settings: practice profile, fees, note and session defaults, idle lock, backups (in the vault),
and the folder of the automatic backups (this computer's QSettings: a path, never client data).

objectNames: settingsDialog, settingsTabs, practiceForm (practice_form.py), feeTable, feeError,
noteFormatCombo, sessionLengthSpin, planReviewSpin, idleLockSpin, backupsToKeepSpin,
backupFolderField, backupFolderChoose, backupFolderDefault, defaultsError, settingsError,
settingsButtons.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.cpt import CPT_LABELS, PRESCRIBER_ONLY
from therapist_desk.domain.enums import NoteFormat
from therapist_desk.domain.errors import ValidationError, ValidationErrors
from therapist_desk.domain.money import parse_money
from therapist_desk.domain.practice import DEFAULT_FEES, PracticeProfile
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.practice_form import PracticeForm, readable
from therapist_desk.ui.widgets import ErrorLabel, add_form_row, hint_label

log = logging.getLogger(__name__)

NOTE_FORMAT_LABELS = {
    NoteFormat.SOAP: "SOAP (Subjective, Objective, Assessment, Plan)",
    NoteFormat.DAP: "DAP (Data, Assessment, Plan)",
    NoteFormat.BIRP: "BIRP (Behavior, Intervention, Response, Plan)",
    NoteFormat.GIRP: "GIRP (Goal, Intervention, Response, Plan)",
    NoteFormat.FREE: "Free text",
}
COL_CODE, COL_SERVICE, COL_FEE = 0, 1, 2
# Domain field names of the Defaults page -> its spin boxes' attribute names.
_DEFAULT_FIELDS = {"Default session length": "session_length",
                   "Plan review interval": "plan_review", "Idle lock": "idle_lock",
                   "Backups to keep": "backups_to_keep"}


def _money_text(amount: Decimal) -> str:
    return f"{amount:.2f}"


class SettingsDialog(QDialog):
    """Loads the profile from the vault and saves it with ``services.practice.save_profile``."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Settings"))
        self.setAccessibleName(self.tr("Settings"))
        self._profile = self._load()

        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        self.form = PracticeForm()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.form)
        self.tabs.addTab(scroll, self.tr("&Practice"))
        self.tabs.addTab(self._build_fees(), self.tr("&Fees"))
        self.tabs.addTab(self._build_defaults(), self.tr("&Defaults"))

        self.error = ErrorLabel()
        self.error.setObjectName("settingsError")
        self.error.setAccessibleName(self.tr("Problems with the settings"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.setObjectName("settingsButtons")
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.form.set_profile(self._profile)
        self._show_defaults(self._profile)
        self.resize(680, 640)

    # --- pages ---------------------------------------------------------------------------

    def _build_fees(self) -> QWidget:
        page = QWidget()
        self.fee_table = QTableWidget(0, 3)
        self.fee_table.setObjectName("feeTable")
        self.fee_table.setAccessibleName(self.tr("Fee schedule"))
        self.fee_table.setHorizontalHeaderLabels([self.tr("CPT code"), self.tr("Service"),
                                                  self.tr("Full fee ($)")])
        self.fee_table.verticalHeader().hide()
        self.fee_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.fee_table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        header = self.fee_table.horizontalHeader()
        header.setSectionResizeMode(COL_CODE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_SERVICE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_FEE, QHeaderView.ResizeMode.ResizeToContents)
        self.fee_error = ErrorLabel()
        self.fee_error.setObjectName("feeError")
        self.fee_error.setAccessibleName(self.tr("Problems with the fees"))
        layout = QVBoxLayout(page)
        layout.addWidget(hint_label(self.tr(
            "Your full fee for each service, as printed on superbills (charge the full fee, not "
            "a discounted one). Leave a fee empty for a service you do not offer.")))
        layout.addWidget(self.fee_table, 1)
        layout.addWidget(self.fee_error)
        return page

    def _build_defaults(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.note_format = QComboBox()
        self.note_format.setObjectName("noteFormatCombo")
        for fmt, label in NOTE_FORMAT_LABELS.items():
            self.note_format.addItem(self.tr(label), fmt.value)
        self.note_format.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

        def spin(name: str, low: int, high: int, suffix: str) -> QSpinBox:
            box = QSpinBox()
            box.setObjectName(name)
            box.setRange(low, high)
            box.setSuffix(suffix)
            box.setMinimumWidth(box.fontMetrics().horizontalAdvance("0000 minutes") + 40)
            # Fixed: a number sits at its natural width while the hint under it wraps freely.
            box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            return box

        self.session_length = spin("sessionLengthSpin", 1, 600, self.tr(" minutes"))
        self.plan_review = spin("planReviewSpin", 7, 366, self.tr(" days"))
        self.idle_lock = spin("idleLockSpin", 1, 240, self.tr(" minutes"))
        self.backups_to_keep = spin("backupsToKeepSpin", 1, 365, "")
        rows = (
            (self.tr("Default &note format:"), self.note_format, ""),
            (self.tr("Default &session length:"), self.session_length,
             self.tr("Pre-fills new session notes. 53 minutes or more is billed as 90837; "
                     "38 to 52 minutes as 90834.")),
            (self.tr("Treatment plan &review every:"), self.plan_review,
             self.tr("90 days is common; some states ask for 6 months.")),
            (self.tr("&Lock after idle for:"), self.idle_lock,
             self.tr("The vault locks itself when Therapist Desk is not used for this long.")),
            (self.tr("&Backups to keep:"), self.backups_to_keep,
             self.tr("Older automatic backups are removed beyond this number.")),
        )
        for label, widget, hint in rows:
            add_form_row(form, label, widget, hint)
        self.backup_folder_error = add_form_row(
            form, self.tr("Backup &folder:"), self._build_backup_folder(),
            self.tr("Where the automatic backups go. A folder on another drive keeps copies off "
                    "this computer's disk; it must be connected when the day's backup is made."))
        self.defaults_error = ErrorLabel()
        self.defaults_error.setObjectName("defaultsError")
        self.defaults_error.setAccessibleName(self.tr("Problems with the defaults"))
        form.addRow(self.defaults_error)
        return page

    def _build_backup_folder(self) -> QWidget:
        from therapist_desk.services import backups

        stored = QSettings().value(backups.BACKUP_FOLDER_SETTING)
        self._default_backup_dir = self._ctx.paths.backup_dir
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.backup_folder = QLineEdit(objectName="backupFolderField", readOnly=True)
        self.backup_folder.setAccessibleName(self.tr("Backup folder"))
        self.backup_folder.setText(str(backups.resolve_backup_dir(stored, self._default_backup_dir)))
        choose = QPushButton(self.tr("Choose…"), objectName="backupFolderChoose")
        choose.setAccessibleName(self.tr("Choose the backup folder"))
        choose.clicked.connect(self.on_backup_folder_choose_clicked)
        default = QPushButton(self.tr("Use the default"), objectName="backupFolderDefault")
        default.setAccessibleName(self.tr("Use the default backup folder"))
        default.clicked.connect(self.on_backup_folder_default_clicked)
        row.addWidget(self.backup_folder, 1)
        row.addWidget(choose)
        row.addWidget(default)
        return box

    @Slot()
    def on_backup_folder_choose_clicked(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Choose the Backup Folder"),
                                                  self.backup_folder.text())
        if chosen:
            self.backup_folder.setText(str(Path(chosen)))

    @Slot()
    def on_backup_folder_default_clicked(self) -> None:
        self.backup_folder.setText(str(self._default_backup_dir))

    def _backup_folder_problem(self) -> str:
        """Why the chosen backup folder cannot take backups ("" when it can)."""
        folder = Path(self.backup_folder.text())
        if folder == self._default_backup_dir:
            return ""  # made when the first backup is written
        if not folder.is_dir():
            return self.tr("Backup folder: not found (is the drive connected?)")
        if not os.access(folder, os.W_OK | os.X_OK):
            return self.tr("Backup folder: this account cannot write there")
        return ""

    def _save_backup_folder(self) -> None:
        from therapist_desk.services import backups

        folder = Path(self.backup_folder.text())
        settings = QSettings()
        if folder == self._default_backup_dir:
            settings.remove(backups.BACKUP_FOLDER_SETTING)
        else:
            settings.setValue(backups.BACKUP_FOLDER_SETTING, str(folder))
        settings.sync()

    # --- loading and showing --------------------------------------------------------------

    def _load(self) -> PracticeProfile | None:
        from therapist_desk.services.practice import get_profile

        with self._ctx.reader() as session:
            return get_profile(session)

    def _show_defaults(self, profile: PracticeProfile | None) -> None:
        fees = dict(profile.fee_schedule) if profile else dict(DEFAULT_FEES)
        codes = sorted(set(fees) | set(DEFAULT_FEES) | {c for c in CPT_LABELS
                                                         if c not in PRESCRIBER_ONLY})
        codes = [c for c in codes if c not in PRESCRIBER_ONLY or c in fees]
        self.fee_table.setRowCount(len(codes))
        for row, code in enumerate(codes):
            for col, text, editable in ((COL_CODE, code, False),
                                        (COL_SERVICE, CPT_LABELS.get(code, ""), False),
                                        (COL_FEE, _money_text(fees[code]) if code in fees else "",
                                         True)):
                item = QTableWidgetItem(text)
                if not editable:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                else:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.fee_table.setItem(row, col, item)
        base = profile or PracticeProfile("", "", "", "", "", "")
        fmt_index = self.note_format.findData(base.default_note_format.value)
        self.note_format.setCurrentIndex(max(0, fmt_index))
        self.session_length.setValue(base.default_session_minutes)
        self.plan_review.setValue(base.plan_review_days)
        self.idle_lock.setValue(base.idle_lock_minutes)
        self.backups_to_keep.setValue(base.backups_to_keep)

    # --- saving --------------------------------------------------------------------------

    def _commit_fee_editor(self) -> None:
        """Commit and close a fee cell still being edited, through the view's own slots.

        A click on Save takes the focus, and the editor commits as it loses it; a press that
        leaves the focus where it is (a screen reader's press action, ``click()``) would save
        the old fee instead of the one on screen, the editor committing only as the dialog hides.
        The editor is reached as the cell's index widget and no wrapper of it is kept: the view
        hides it and Qt deletes it later.
        """
        table = self.fee_table
        if table.state() != QAbstractItemView.State.EditingState:
            return
        editor = table.indexWidget(table.currentIndex())
        if editor is None:
            return
        table.commitData(editor)
        table.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    def _fees(self) -> tuple[tuple[str, Decimal], ...] | None:
        """The fee table as (code, amount) pairs; shows the first bad cell and returns None."""
        fees = []
        problems = []
        for row in range(self.fee_table.rowCount()):
            code = self.fee_table.item(row, COL_CODE).text()
            text = self.fee_table.item(row, COL_FEE).text().strip()
            if not text:
                continue
            try:
                fees.append((code, parse_money(text, f"Fee for {code}")))
            except ValidationError as error:
                problems.append(readable(f"The fee for {code}", error.message))
        self.fee_error.show_message("\n".join(problems))
        return None if problems else tuple(fees)

    def profile(self) -> PracticeProfile | None:
        """The settings as entered, or None after showing why they cannot be saved."""
        self._commit_fee_editor()
        fields_ok = self.form.check_all()
        fees = self._fees()
        if not fields_ok:
            self.tabs.setCurrentIndex(0)
            return None
        if fees is None:
            self.tabs.setCurrentIndex(1)
            return None
        return replace(
            self.form.build_profile(self._profile), fee_schedule=fees,
            default_note_format=NoteFormat(self.note_format.currentData()),
            default_session_minutes=self.session_length.value(),
            plan_review_days=self.plan_review.value(),
            idle_lock_minutes=self.idle_lock.value(),
            backups_to_keep=self.backups_to_keep.value())

    @Slot()
    def on_buttons_accepted(self) -> None:
        from therapist_desk.services.practice import save_profile
        from therapist_desk.services.vault_access import VaultError

        self.error.clear_message()
        self.defaults_error.clear_message()
        self.backup_folder_error.clear_message()
        profile = self.profile()
        if profile is None:
            return
        problem = self._backup_folder_problem()
        if problem:
            self.backup_folder_error.show_message(problem)
            self.tabs.setCurrentIndex(2)
            return
        try:
            with self._ctx.unit_of_work() as session:
                self._profile = save_profile(session, profile, self._ctx.now())
        except ValidationErrors as errors:
            self._place_errors(errors)
            return
        except VaultError as error:
            self.error.show_message(error.message)
            return
        self._save_backup_folder()
        log.info("settings saved")
        self._ctx.signals.settings_changed.emit()
        self._ctx.signals.status_message.emit(self.tr("Settings saved."))
        self.accept()

    def _place_errors(self, errors: ValidationErrors) -> None:
        rest = self.form.show_errors(errors)
        defaults = [e for e in rest if e.field in _DEFAULT_FIELDS]
        fees = [e for e in rest if e.field.startswith("Fee for")]
        other = [e for e in rest if e not in defaults and e not in fees]
        self.defaults_error.show_message("\n".join(readable(e.field, e.message) for e in defaults))
        if fees:
            self.fee_error.show_message("\n".join(readable(e.field, e.message) for e in fees))
        self.error.show_message("\n".join(str(e) for e in other))
        page = 0 if len(rest) < len(errors.errors) else (1 if fees else 2 if defaults else 0)
        self.tabs.setCurrentIndex(page)
