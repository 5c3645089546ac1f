"""First run through real widgets: create the vault, then the profile; bad input saves nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from therapist_desk.ui.context import AppContext
from therapist_desk.ui.first_run import DEMO_PASSPHRASE, FirstRunWindow, demo_vault_path

GOOD = {
    "clinicianName": "Avery Testwood", "credentials": "LCSW", "licenseNumber": "LCSW-000123",
    "licenseState": "or", "renderingNpi": "1234567893", "taxId": "12-3456789",
    "practiceName": "Testwood Counseling (fictional)", "addressLine1": "100 Example Way",
    "city": "Portland", "state": "OR", "zip": "97201", "phone": "503-555-0100",
    "email": "office@example.org",
}


@pytest.fixture
def window(qtbot, ctx: AppContext) -> FirstRunWindow:
    shown = FirstRunWindow(ctx)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def _click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _create_vault(qtbot, typist, window: FirstRunWindow, passphrase: str) -> None:
    typist(window.new_passphrase, passphrase)
    typist(window.confirm, passphrase)
    window.understand.setFocus()
    qtbot.keyClick(window.understand, Qt.Key.Key_Space)
    _click(qtbot, window.create_button)


def _fill(qtbot, window: FirstRunWindow, values: dict[str, str]) -> None:
    for key, text in values.items():
        field = window.form.field(key)
        field.setFocus()
        qtbot.keyClicks(field, text)
        qtbot.keyClick(field, Qt.Key.Key_Tab)  # leaving the field runs its check


def _saved_profile(ctx: AppContext):
    from therapist_desk.services.practice import get_profile

    with ctx.reader() as session:
        return get_profile(session)


def test_first_run_creates_the_vault_then_the_profile(qtbot, typist, window: FirstRunWindow,
                                                      ctx: AppContext, passphrase: str) -> None:
    assert not ctx.paths.vault.exists()
    _create_vault(qtbot, typist, window, passphrase)
    assert ctx.vault is not None and ctx.paths.vault.exists()
    assert window.pages.currentWidget().objectName() == "profilePage"

    _fill(qtbot, window, GOOD)
    with qtbot.waitSignal(window.finished) as finished:
        _click(qtbot, window.save_profile_button)
    assert finished.args == [False]
    profile = _saved_profile(ctx)
    assert profile is not None
    p = profile
    assert (p.clinician_name, p.rendering_npi, p.tax_id, p.license_state) == (
        "Avery Testwood", "1234567893", "123456789", "OR")
    assert profile.address.city == "Portland"

    # The passphrase typed in the window is the one that opens the file.
    from therapist_desk.services.vault_access import unlock

    ctx.vault.close()
    ctx.vault = None
    unlock(ctx.paths.vault, passphrase)


def test_passphrase_rules_are_shown_and_nothing_is_created(qtbot, window: FirstRunWindow,
                                                           ctx: AppContext) -> None:
    qtbot.keyClicks(window.new_passphrase, "short")
    _click(qtbot, window.create_button)
    assert "at least 10 characters" in window.new_error.message()
    assert "written down" in window.understand_error.message()

    window.new_passphrase.clear()
    qtbot.keyClicks(window.new_passphrase, "quiet lantern over the harbor")
    qtbot.keyClicks(window.confirm, "quiet lantern over the harbour")
    qtbot.keyClick(window.understand, Qt.Key.Key_Space)
    _click(qtbot, window.create_button)
    assert window.new_error.message() == ""
    assert "not the same" in window.confirm_error.message()
    assert window.strength.score >= 3

    window.new_passphrase.clear()
    window.confirm.clear()
    qtbot.keyClicks(window.new_passphrase, "password12")
    qtbot.keyClicks(window.confirm, "password12")
    _click(qtbot, window.create_button)
    assert "easy to guess" in window.new_error.message()
    assert not ctx.paths.vault.exists() and ctx.vault is None


def test_the_lost_passphrase_warning_is_plain(window: FirstRunWindow) -> None:
    from PySide6.QtWidgets import QLabel, QWidget

    warning = window.findChild(QWidget, "lostPassphraseWarning")
    text = " ".join(label.text() for label in warning.findChildren(QLabel))
    assert "cannot be recovered" in text
    assert "Write it down" in text and "somewhere safe" in text
    assert "away from this computer" in text and "backups" in text


@pytest.mark.parametrize(("key", "bad", "expected"), [
    ("renderingNpi", "1234567890", "check digit"),
    ("taxId", "07-1234567", "cannot start with 07"),
    ("licenseState", "ZZ", "two-letter USPS code"),
])
def test_a_bad_identifier_is_shown_beside_its_field_and_nothing_is_saved(
        qtbot, typist, window: FirstRunWindow, ctx: AppContext, passphrase: str,
        key: str, bad: str, expected: str) -> None:
    _create_vault(qtbot, typist, window, passphrase)
    _fill(qtbot, window, {**GOOD, key: bad})
    # Checked as soon as the field was left...
    assert expected in window.form.error_label(key).message()
    # ...and saving is refused with the message still beside the field.
    with qtbot.assertNotEmitted(window.finished):
        _click(qtbot, window.save_profile_button)
    assert expected in window.form.error_label(key).message()
    others = [k for k in GOOD if k != key and window.form.error_label(k).message()]
    assert others == []
    assert window.focusWidget() is window.form.field(key)
    assert _saved_profile(ctx) is None


def test_required_fields_are_named_on_save(qtbot, typist, window: FirstRunWindow,
                                           ctx: AppContext, passphrase: str) -> None:
    _create_vault(qtbot, typist, window, passphrase)
    _click(qtbot, window.save_profile_button)
    assert window.form.error_label("renderingNpi").message() == "Individual NPI is required."
    assert window.form.error_label("practiceNpi").message() == ""  # optional
    assert _saved_profile(ctx) is None


def test_skipping_the_profile_keeps_the_vault(qtbot, typist, window: FirstRunWindow,
                                              ctx: AppContext, passphrase: str) -> None:
    _create_vault(qtbot, typist, window, passphrase)
    with qtbot.waitSignal(window.finished):
        _click(qtbot, window.skip_profile_button)
    assert ctx.vault is not None and _saved_profile(ctx) is None


def test_demo_vault_opens_apart_from_the_real_one(qtbot, window: FirstRunWindow,
                                                  ctx: AppContext) -> None:
    from PySide6.QtWidgets import QLabel

    assert DEMO_PASSPHRASE in window.findChild(QLabel, "demoHint").text()
    with qtbot.waitSignal(window.finished, timeout=60_000) as finished:
        _click(qtbot, window.demo_button)
    assert finished.args == [True]
    assert ctx.vault is not None
    assert Path(ctx.vault.path) == demo_vault_path(ctx.paths)
    assert not ctx.paths.vault.exists(), "the demo must not create the real vault"
    from therapist_desk.services.clients import list_clients

    with ctx.reader() as session:
        assert list_clients(session), "the demo vault holds fictional clients"


def test_keyboard_order_follows_the_page(window: FirstRunWindow) -> None:
    order = [window.new_passphrase]
    while len(order) < 5:
        order.append(order[-1].nextInFocusChain())
        while not order[-1].focusPolicy() & Qt.FocusPolicy.TabFocus:
            order[-1] = order[-1].nextInFocusChain()
    assert order == [window.new_passphrase, window.confirm, window.understand,
                     window.create_button, window.demo_button]


@pytest.mark.parametrize(("passphrase", "lowest", "highest"), [
    ("", 0, 0),
    ("password12", 0, 0),  # a common password with a suffix
    ("aaaaaaaaaaaaaaaa", 0, 0),  # repeats count for little
    ("1234567890", 0, 0),  # so do runs
    ("quiet lantern over", 1, 2),  # three words
    ("quiet lantern over the harbor", 3, 4),  # five words
    ("x7Gq!mZ2#pL9wR", 3, 4),  # random characters
    ("Kaffee ☕ und Kuchen, bitte!", 3, 4),  # non-ASCII counts too
])
def test_the_strength_meter_is_conservative(passphrase: str, lowest: int, highest: int) -> None:
    from therapist_desk.ui.widgets import estimate_strength

    assert lowest <= estimate_strength(passphrase) <= highest
