"""The Settings dialog: fees, defaults and the profile are saved in the vault; bad input is not."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QDialogButtonBox,
    QLineEdit,
    QPushButton,
)

from therapist_desk.domain.enums import NoteFormat
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.settings_dialog import COL_CODE, COL_FEE, SettingsDialog


@pytest.fixture
def dialog(qtbot, ctx: AppContext, vault: object) -> SettingsDialog:
    shown = SettingsDialog(ctx)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def _profile(ctx: AppContext):
    from therapist_desk.services.practice import get_profile

    with ctx.reader() as session:
        return get_profile(session)


def _type_fee(qtbot, dialog: SettingsDialog, code: str, text: str) -> None:
    """Type ``text`` into the fee cell for ``code`` and press Return, as a user would.

    The cell editor is Qt's: Return only queues the view's commit-and-close (a call that carries
    the editor's raw pointer), and the view deletes the editor later still. So the editor is
    reached only while it is open, as the cell's index widget; no wrapper of it is kept past
    Return; the test waits until the view has committed *and* closed it, then has Qt delete it
    at once, so nothing that follows (another cell, another tab, Save, closing the dialog) ever
    meets a half-closed editor or a queued call about one.
    """
    dialog.tabs.setCurrentIndex(1)
    table = dialog.fee_table
    row = next(r for r in range(table.rowCount()) if table.item(r, COL_CODE).text() == code)
    index = table.model().index(row, COL_FEE)
    assert table.viewport().findChild(QLineEdit) is None, "no editor is left from before"
    table.setFocus()
    table.setCurrentCell(row, COL_FEE)  # AllEditTriggers: moving to the cell opens its editor
    qtbot.keyClick(table, Qt.Key.Key_F2)  # what a user would press to edit (it stays open)
    assert table.state() == QAbstractItemView.State.EditingState
    editor = table.indexWidget(index)  # the open cell editor, and the only one
    assert isinstance(editor, QLineEdit) and editor.isVisible(), editor
    assert len(table.viewport().findChildren(QLineEdit)) == 1
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the view commits and closes it on a queued call
    del editor  # Qt deletes the editor after the commit: hold no wrapper of it
    qtbot.waitUntil(lambda: table.state() != QAbstractItemView.State.EditingState)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # the closed editor
    assert table.viewport().findChild(QLineEdit) is None, "the closed editor is deleted"
    assert table.item(row, COL_FEE).text() == text


def _type_number(qtbot, spin: QAbstractSpinBox, value: int) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, str(value))


def _save(qtbot, dialog: SettingsDialog) -> None:
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)


def test_fee_schedule_and_defaults_are_saved_in_the_vault(qtbot, dialog: SettingsDialog,
                                                          ctx: AppContext) -> None:
    assert dialog.form.field("renderingNpi").text() == "1234567893"
    _type_fee(qtbot, dialog, "90834", "$155.50")
    _type_fee(qtbot, dialog, "90853", "")  # a service not offered
    dialog.tabs.setCurrentIndex(2)
    dialog.note_format.setFocus()
    while dialog.note_format.currentData() != NoteFormat.DAP.value:
        qtbot.keyClick(dialog.note_format, Qt.Key.Key_Down)
    _type_number(qtbot, dialog.session_length, 50)
    _type_number(qtbot, dialog.plan_review, 180)
    _type_number(qtbot, dialog.idle_lock, 15)
    _type_number(qtbot, dialog.backups_to_keep, 20)

    with qtbot.waitSignal(ctx.signals.settings_changed), qtbot.waitSignal(dialog.accepted):
        _save(qtbot, dialog)
    profile = _profile(ctx)
    fees = dict(profile.fee_schedule)
    assert fees["90834"] == Decimal("155.50")
    assert "90853" not in fees
    assert fees["90791"] == Decimal("200.00")
    assert (profile.default_note_format, profile.default_session_minutes, profile.plan_review_days,
            profile.idle_lock_minutes, profile.backups_to_keep) == (NoteFormat.DAP, 50, 180, 15, 20)
    assert profile.rendering_npi == "1234567893", "the profile tab kept what it had"


def test_a_bad_fee_is_named_and_nothing_is_saved(qtbot, dialog: SettingsDialog,
                                                 ctx: AppContext) -> None:
    before = _profile(ctx)
    _type_fee(qtbot, dialog, "90837", "about 180")
    dialog.tabs.setCurrentIndex(0)
    with qtbot.assertNotEmitted(ctx.signals.settings_changed):
        _save(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.tabs.currentIndex() == 1, "the page with the problem is shown"
    assert "The fee for 90837 must be an amount" in dialog.fee_error.message()
    assert _profile(ctx) == before


def test_a_fee_still_being_edited_is_saved_by_a_press_that_keeps_the_focus(
        qtbot, dialog: SettingsDialog, ctx: AppContext) -> None:
    dialog.tabs.setCurrentIndex(1)
    table = dialog.fee_table
    row = next(r for r in range(table.rowCount()) if table.item(r, COL_CODE).text() == "90837")
    table.setFocus()
    table.setCurrentCell(row, COL_FEE)  # the cell's editor opens
    editor = table.indexWidget(table.model().index(row, COL_FEE))
    assert isinstance(editor, QLineEdit) and editor.isVisible(), editor
    editor.selectAll()
    qtbot.keyClicks(editor, "222")
    del editor  # the dialog commits and closes it: hold no wrapper of it
    with qtbot.waitSignal(dialog.accepted):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()  # as a screen reader
    assert dict(_profile(ctx).fee_schedule)["90837"] == Decimal("222.00")


def test_a_bad_npi_in_settings_is_shown_beside_it(qtbot, dialog: SettingsDialog,
                                                  ctx: AppContext) -> None:
    before = _profile(ctx)
    field = dialog.form.field("renderingNpi")
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "1234567890")
    _save(qtbot, dialog)
    assert "check digit" in dialog.form.error_label("renderingNpi").message()
    assert dialog.tabs.currentIndex() == 0
    assert _profile(ctx) == before


def test_an_ssn_is_checked_as_an_ssn_and_hidden_while_not_edited(qtbot, dialog: SettingsDialog,
                                                                 ctx: AppContext) -> None:
    dialog.form.ssn_radio.click()
    tax = dialog.form.field("taxId")
    assert tax.echoMode() == QLineEdit.EchoMode.PasswordEchoOnEdit
    tax.setFocus()
    tax.selectAll()
    qtbot.keyClicks(tax, "666-12-3456")
    qtbot.keyClick(tax, Qt.Key.Key_Tab)
    assert "first three digits are never issued" in dialog.form.error_label("taxId").message()
    assert "666" not in dialog.form.error_label("taxId").message()


def test_settings_fill_a_profile_skipped_at_first_run(qtbot, ctx: AppContext, make_profile) -> None:
    from dataclasses import asdict

    from therapist_desk.services.vault_access import create_and_open

    ctx.vault = create_and_open(ctx.paths.vault, "another fine passphrase")
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.form.field("clinicianName").text() == ""
    dialog.form.set_profile(make_profile())  # what a user would type, field by field
    with qtbot.waitSignal(dialog.accepted):
        _save(qtbot, dialog)
    saved = _profile(ctx)
    assert saved is not None and asdict(saved)["rendering_npi"] == "1234567893"


def test_the_backup_folder_is_chosen_checked_and_kept_on_this_computer(
        qtbot, dialog: SettingsDialog, ctx: AppContext, tmp_path, monkeypatch) -> None:
    """Automatic backups can go to another drive; a folder that is not there is refused by name
    and nothing is saved; "Use the default" goes back to the data folder's backups."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QFileDialog

    from therapist_desk.services.backups import BACKUP_FOLDER_SETTING, resolve_backup_dir

    assert dialog.backup_folder.text() == str(ctx.paths.backup_dir)
    drive = tmp_path / "external drive"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(drive))
    dialog.tabs.setCurrentIndex(2)
    qtbot.mouseClick(dialog.findChild(QPushButton, "backupFolderChoose"), Qt.MouseButton.LeftButton)
    assert dialog.backup_folder.text() == str(drive)

    _save(qtbot, dialog)  # the drive is not connected yet
    assert dialog.isVisible() and dialog.tabs.currentIndex() == 2
    assert dialog.backup_folder_error.message() == "Backup folder: not found (is the drive connected?)"
    assert QSettings().value(BACKUP_FOLDER_SETTING) is None

    drive.mkdir()
    with qtbot.waitSignal(dialog.accepted):
        _save(qtbot, dialog)
    assert resolve_backup_dir(QSettings().value(BACKUP_FOLDER_SETTING), ctx.paths.backup_dir) == drive

    again = SettingsDialog(ctx)
    qtbot.addWidget(again)
    assert again.backup_folder.text() == str(drive)
    qtbot.mouseClick(again.findChild(QPushButton, "backupFolderDefault"), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(again.accepted):
        _save(qtbot, again)
    assert QSettings().value(BACKUP_FOLDER_SETTING) is None
