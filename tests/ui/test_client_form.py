"""The client form and its editors without a vault: every field round-trips, every domain error
lands under its own field, dates parse, medications, releases and diagnoses edit as they should."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLineEdit, QPushButton

from therapist_desk.domain.client import (
    Client,
    Contact,
    Diagnosis,
    Insurance,
    Medication,
    ReleaseOfInformation,
)
from therapist_desk.domain.enums import ClientStatus, NoteFormat, ReleaseKind
from therapist_desk.domain.errors import ValidationError, ValidationErrors
from therapist_desk.domain.practice import Address
from therapist_desk.ui.client_form import SECTIONS, ClientForm
from therapist_desk.ui.diagnosis_picker import DiagnosisPicker
from therapist_desk.ui.discharge_dialog import DateField, parse_date
from therapist_desk.ui.releases_editor import ReleaseDialog, ReleasesEditor

TODAY = date(2026, 11, 20)

FULL = Client(
    id=42, legal_first_name="Margarethe", legal_last_name="Ødegård", date_of_birth=date(2009, 2, 3),
    preferred_name="Greta", pronouns="she/her", email="greta@example.org", phone="(503) 555-0101",
    address=Address("12 Example Ave", "Apt 3", "Portland", "OR", "97201"),
    emergency_contact=Contact("Lars Ødegård", "Father", "(503) 555-0102", "lars@example.org"),
    guardian=Contact("Ingrid Ødegård", "Mother", "(503) 555-0103", "ingrid@example.org"),
    insurance=Insurance("Fictional Health", "FH123", "G9", 20, "AUTH-7", 12, date(2026, 9, 1), date(2026, 12, 31)),
    status=ClientStatus.INACTIVE, status_since=date(2026, 10, 1), referral_source="School counselor (fictional)",
    intake_date=date(2026, 8, 15), presenting_problem="Exam anxiety.", prior_treatment="None.",
    medical_conditions="Asthma.", medications=(Medication("Albuterol", "as needed", "Dr. Example", "503-555-0199"),),
    diagnoses=(Diagnosis("F41.1", "Generalized anxiety disorder", "ICD-10-CM April 2026 (CDC/NCHS)"),),
    releases=(ReleaseOfInformation("Example High School", ReleaseKind.SCHOOL, "Accommodations", "Attendance",
                                   date(2026, 9, 2), date(2027, 9, 1), None, "1 School Rd", "", id=5),),
    default_note_format=NoteFormat.DAP,
)


@pytest.fixture
def form(qtbot) -> ClientForm:  # type: ignore[no-untyped-def]
    widget = ClientForm(today=lambda: TODAY)
    qtbot.addWidget(widget)
    widget.resize(600, 900)
    widget.show()
    return widget


def test_every_field_round_trips(form: ClientForm) -> None:
    form.set_client(FULL, TODAY)
    assert form.client(TODAY) == FULL
    assert not form.is_dirty()
    assert form.title.text() == "Greta Ødegård"
    assert "Inactive since 2026-10-01" in form.subtitle.text() and "17 years" in form.subtitle.text()
    assert "legal name Margarethe Ødegård" in form.subtitle.text()


def test_every_client_attribute_has_a_widget(form: ClientForm) -> None:
    keys = {key.split(".")[0] for _, specs in SECTIONS for key, *_ in specs} | set(form.fields)
    handled_elsewhere = {"id", "status", "discharge_reason", "medications", "diagnoses", "releases",
                         "default_note_format"}
    assert set(Client.__dataclass_fields__) - handled_elsewhere <= {k.split(".")[0] for k in keys}
    for part, cls in (("address", Address), ("emergency_contact", Contact), ("guardian", Contact),
                      ("insurance", Insurance)):
        assert {f"{part}.{name}" for name in cls.__dataclass_fields__} <= set(form.fields), part


def test_edits_make_the_form_dirty_and_revert_undoes_them(qtbot, form: ClientForm) -> None:  # type: ignore[no-untyped-def]
    form.set_client(FULL, TODAY)
    qtbot.keyClicks(form.fields["pronouns"], "/they")
    assert form.is_dirty()
    form.revert()
    assert not form.is_dirty() and form.fields["pronouns"].text() == "she/her"  # type: ignore[attr-defined]
    form.fields["insurance.sessions_per_year"].setValue(0)  # type: ignore[attr-defined]
    assert form.is_dirty() and form.client(TODAY).insurance.sessions_per_year is None


def test_every_domain_error_lands_under_a_field(form: ClientForm) -> None:
    """Feed the form every message Client.validated() can produce for a bad client."""
    bad = Client(
        legal_first_name=" ", legal_last_name="", date_of_birth=date(2015, 1, 1), email="nope", phone="12",
        address=Address("", "", "", "XX", "9"), emergency_contact=Contact("", "", "1", "x@"),
        guardian=Contact("", "Aunt", "2", "y@"),
        insurance=Insurance(sessions_per_year=400, authorized_sessions=3, authorization_start=date(2026, 5, 1),
                            authorization_end=date(2026, 4, 1)),
        intake_date=date(2027, 1, 1), status=ClientStatus.DISCHARGED,
        medications=(Medication(" "),), diagnoses=(Diagnosis("F41.1"), Diagnosis("F41.1")),
        releases=(ReleaseOfInformation("", ReleaseKind.SCHOOL, signed_on=date(2026, 5, 1),
                                       expires_on=date(2026, 1, 1)),),
    )
    with pytest.raises(ValidationErrors) as raised:
        bad.validated(TODAY)
    errors = raised.value
    assert len(errors.errors) >= 18
    assert form.show_errors(errors) == ()  # nothing left over for the banner alone
    assert form.error_text("legal_first_name") == "Legal first name is required"
    assert form.error_text("address.state").startswith("Client state")
    assert form.error_text("emergency_contact.phone").startswith("Emergency contact phone")
    assert form.error_text("guardian.name").startswith("Guardian name")
    assert form.error_text("insurance.authorization_number").startswith("Authorization number")
    assert form.error_text("status_since") == "Discharge date is required to discharge a client"
    assert form.medications.error.message().startswith("Medication 1")
    assert "listed twice" in form.diagnoses.error.text()
    assert form.releases.error.message().startswith("Release 1")
    assert form.banner.text().startswith("Nothing was saved. Please check: Legal first name, Legal last name")
    form.clear_errors()
    assert not any(label.isVisible() for label in form.errors.values())  # type: ignore[attr-defined]


def test_form_level_errors_come_with_the_domain_ones(qtbot, form: ClientForm) -> None:  # type: ignore[no-untyped-def]
    form.set_client(None, TODAY)
    qtbot.keyClicks(form.fields["email"], "bad")
    with pytest.raises(ValidationErrors) as raised:
        form.client(TODAY)
    assert set(raised.value.fields) >= {"Date of birth", "Legal first name", "Legal last name", "Email"}
    qtbot.keyClicks(form.fields["date_of_birth"], "1990-02-30")
    with pytest.raises(ValidationErrors) as raised:
        form.client(TODAY)
    assert "Date of birth: is not a date; type it as YYYY-MM-DD or MM/DD/YYYY" in str(raised.value)


@pytest.mark.parametrize(("text", "expected"), [("2026-11-20", date(2026, 11, 20)), ("11/20/2026", date(2026, 11, 20)),
                                                ("1/2/2026", date(2026, 1, 2)), ("", None), ("  ", None)])
def test_dates_parse_iso_and_us(text: str, expected: date | None) -> None:
    assert parse_date(text, "Date") == expected


@pytest.mark.parametrize("text", ["2026-13-01", "20/11/2026", "yesterday", "2026-11"])
def test_bad_dates_are_refused_with_the_field_name(text: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_date(text, "Intake date")
    assert raised.value.field == "Intake date"


def test_date_field_shows_iso(qtbot) -> None:  # type: ignore[no-untyped-def]
    field = DateField()
    qtbot.addWidget(field)
    field.set_date(date(2026, 3, 4))
    assert field.text() == "2026-03-04" and field.date_value("D") == date(2026, 3, 4)
    field.set_date(None)
    assert field.text() == "" and field.placeholderText() == "YYYY-MM-DD"


def test_status_changes_between_active_and_inactive_only(qtbot, form: ClientForm) -> None:  # type: ignore[no-untyped-def]
    form.set_client(FULL, TODAY)
    combo = form.status
    discharged = combo.findData(ClientStatus.DISCHARGED)
    assert not combo.model().item(discharged).isEnabled()  # type: ignore[attr-defined]
    combo.setCurrentIndex(combo.findData(ClientStatus.ACTIVE))
    combo.activated.emit(combo.currentIndex())
    client = form.client(TODAY)
    assert client.status is ClientStatus.ACTIVE and client.status_since == TODAY
    from dataclasses import replace

    form.set_client(replace(FULL, status=ClientStatus.DISCHARGED, discharge_reason="Moved (fictional)"), TODAY)
    assert not combo.isEnabled() and form.discharge_reason.isVisible()
    assert form.discharge_reason.text() == "Moved (fictional)"


def test_medications_are_added_edited_and_removed(qtbot, form: ClientForm) -> None:  # type: ignore[no-untyped-def]
    form.set_client(None, TODAY)
    meds = form.medications
    form.activateWindow()
    qtbot.mouseClick(meds.add_button, Qt.MouseButton.LeftButton)

    def editor() -> QLineEdit:  # the cell editor the table opened has the focus
        focused = QApplication.focusWidget()
        assert isinstance(focused, QLineEdit) and focused.parent() is meds.table.viewport()
        return focused

    qtbot.keyClicks(editor(), "Sertraline")
    qtbot.keyClick(editor(), Qt.Key.Key_Tab)  # commits and opens the next cell's editor
    QApplication.processEvents()
    qtbot.keyClicks(editor(), "50 mg")
    qtbot.keyClick(editor(), Qt.Key.Key_Return)
    QApplication.processEvents()  # the delegate commits on Return through a queued call
    assert meds.medications() == (Medication("Sertraline", "50 mg"),)
    qtbot.mouseClick(meds.add_button, Qt.MouseButton.LeftButton)
    assert meds.medications() == (Medication("Sertraline", "50 mg"),)  # an empty row is not a medication
    meds.table.setCurrentCell(0, 0)
    qtbot.mouseClick(meds.remove_button, Qt.MouseButton.LeftButton)
    assert meds.medications() == ()


def _accepting(qtbot, **typed: str):  # type: ignore[no-untyped-def]
    def run(dialog: QDialog) -> int:
        for name, text in typed.items():
            widget = getattr(dialog, name)
            widget.selectAll()
            qtbot.keyClicks(widget, text)
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        return dialog.result()

    return run


def test_releases_are_added_edited_and_revoked_never_deleted(qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = ReleasesEditor(today=lambda: TODAY)
    qtbot.addWidget(editor)
    assert not [b for b in editor.findChildren(QPushButton) if "delete" in b.text().lower() or "remove" in b.text().lower()]
    editor.run_dialog = _accepting(qtbot, recipient="Example Law LLP", purpose="Court letter",
                                   signed="2026-11-01", expires="2027-11-01")
    with qtbot.waitSignal(editor.changed):
        qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    (added,) = editor.releases()
    assert (added.recipient_name, added.signed_on, added.expires_on) == ("Example Law LLP", date(2026, 11, 1), date(2027, 11, 1))
    assert editor.table.item(0, 4).text() == "Valid"
    editor.table.selectRow(0)
    editor.run_dialog = _accepting(qtbot, scope="Dates of attendance only")
    qtbot.mouseClick(editor.edit_button, Qt.MouseButton.LeftButton)
    assert editor.releases()[0].scope == "Dates of attendance only"
    editor.run_dialog = _accepting(qtbot, date_field="2026-11-10")
    qtbot.mouseClick(editor.revoke_button, Qt.MouseButton.LeftButton)
    assert editor.releases()[0].revoked_on == date(2026, 11, 10)
    assert editor.table.item(0, 4).text() == "Revoked 2026-11-10"
    assert not editor.revoke_button.isEnabled() and len(editor.releases()) == 1


def test_release_dialog_validates_inline(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = ReleaseDialog()
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.signed, "2026-11-01")
    qtbot.keyClicks(dialog.expires, "2026-10-01")
    dialog.on_buttons_accepted()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.errors["recipient"].message() == "Recipient is required"
    assert dialog.errors["expires"].message() == "Expires on is before the date it was signed"
    dialog.kind.setCurrentIndex(dialog.kind.findData(ReleaseKind.TREATING_PROVIDER))
    assert "need no authorization" in dialog.hint.text()


def test_revoking_before_the_signature_is_refused() -> None:
    editor = ReleasesEditor(today=lambda: TODAY)
    editor.set_releases((ReleaseOfInformation("School", ReleaseKind.SCHOOL, signed_on=date(2026, 11, 1)),))
    with pytest.raises(ValidationError):
        editor.revoke(0, date(2026, 10, 1))


def test_picker_searches_billable_codes_and_abbreviations(qtbot) -> None:  # type: ignore[no-untyped-def]
    picker = DiagnosisPicker()
    qtbot.addWidget(picker)
    ptsd = picker.search("ptsd")
    assert ptsd and all(e.code.startswith("F43.1") and e.billable for e in ptsd)
    assert all(e.billable for e in picker.search("F43.8"))
    assert [e.code for e in picker.search("F43.8")] == ["F43.81", "F43.89"]
    assert picker.search("") == []


def test_picker_keyboard_and_reordering(qtbot) -> None:  # type: ignore[no-untyped-def]
    picker = DiagnosisPicker()
    qtbot.addWidget(picker)
    picker.show()
    qtbot.keyClicks(picker.search_box, "generalized anxiety")
    qtbot.waitUntil(lambda: picker.results.count() > 0)
    qtbot.keyClick(picker.search_box, Qt.Key.Key_Down)
    assert picker.results.hasFocus() and picker.results.currentRow() == 0
    qtbot.keyClick(picker.results, Qt.Key.Key_Return)
    assert [d.code for d in picker.diagnoses()] == ["F41.1"]
    assert not picker.add_code("f411") and "already on the list" in picker.error.text()
    assert picker.add_code("Z63.0") and picker.add_code("F32.A")
    picker.list.setCurrentRow(0)
    qtbot.mouseClick(picker.down_button, Qt.MouseButton.LeftButton)
    assert [d.code for d in picker.diagnoses()] == ["Z63.0", "F41.1", "F32.A"]
    assert picker.z_warning.isVisible()
    qtbot.mouseClick(picker.remove_button, Qt.MouseButton.LeftButton)  # the moved row is current
    assert [d.code for d in picker.diagnoses()] == ["Z63.0", "F32.A"] and picker.z_warning.isVisible()
    picker.list.setCurrentRow(0)
    qtbot.mouseClick(picker.remove_button, Qt.MouseButton.LeftButton)
    assert [d.code for d in picker.diagnoses()] == ["F32.A"] and not picker.z_warning.isVisible()
