"""The practice profile form (clinician, identifiers, address), checked field by field as you go.

Used by the first-run window and the Settings dialog. objectNames of the fields:
clinicianNameField, credentialsField, licenseNumberField, licenseStateField, renderingNpiField,
taxIdKindEin, taxIdKindSsn, taxIdField, practiceNameField, practiceNpiField, addressLine1Field,
addressLine2Field, cityField, stateField, zipField, phoneField, emailField; each field's error
label is the field's objectName with "Field" replaced by "Error" (e.g. renderingNpiError), and
formError holds messages that belong to no single field.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.enums import TaxIdKind
from therapist_desk.domain.errors import ValidationError, ValidationErrors
from therapist_desk.domain.identifiers import (
    format_ein,
    validate_ein,
    validate_email,
    validate_npi,
    validate_phone,
    validate_ssn,
    validate_us_state,
    validate_zip,
)
from therapist_desk.domain.practice import Address, PracticeProfile
from therapist_desk.ui.widgets import ErrorLabel, add_form_row, hint_label, plain_label

Check = Callable[[str, str], str]


def _required(value: str, field: str) -> str:
    if not value.strip():
        raise ValidationError(field, "is required")
    return value.strip()


def _optional(check: Check) -> Check:
    def run(value: str, field: str) -> str:
        return check(value, field) if value.strip() else ""
    return run


def _ein_shown(value: str, field: str) -> str:
    return format_ein(validate_ein(value, field))


def readable(label: str, message: str) -> str:
    """"must be 10 digits" + "NPI" -> "NPI must be 10 digits."; other messages get a capital."""
    first = message.split(" ", 1)[0]
    text = f"{label} {message}" if first in {"is", "are", "must", "cannot", "may"} else (
        message[:1].upper() + message[1:])
    return text if text.endswith(".") else text + "."


def _align_labels(forms: tuple[QFormLayout, ...]) -> None:
    """One label column width for all sections, so fields line up from group to group."""
    labels = [form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget()
              for form in forms for row in range(form.rowCount())
              if form.itemAt(row, QFormLayout.ItemRole.LabelRole) is not None]
    width = max(label.sizeHint().width() for label in labels if label is not None)
    for label in labels:
        if label is not None:
            label.setMinimumWidth(width)


# Domain field names (PracticeProfile.validated) -> the key of the widget that shows them.
_DOMAIN_FIELDS = {
    "Clinician name": "clinicianName", "Credentials": "credentials",
    "License number": "licenseNumber", "License state": "licenseState",
    "Rendering NPI": "renderingNpi", "Practice NPI": "practiceNpi", "EIN": "taxId",
    "SSN": "taxId", "Practice address": "addressLine1", "Practice state": "state",
    "Practice ZIP code": "zip", "Practice phone": "phone", "Practice email": "email",
}


class PracticeForm(QWidget):
    """Edits the identity part of a :class:`PracticeProfile`; the caller saves it.

    ``build_profile(base)`` merges the fields onto ``base`` (fees and defaults stay as they are);
    ``show_errors`` puts each domain error next to its field and returns those it could not place.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("practiceForm")
        self._fields: dict[str, QLineEdit] = {}
        self._errors: dict[str, ErrorLabel] = {}
        self._labels: dict[str, str] = {}
        self._checks: dict[str, Check] = {}

        clinician = self._group(self.tr("Clinician"))
        self._add(clinician, "clinicianName", self.tr("&Full name:"), _required,
                  placeholder=self.tr("as it appears on your license"))
        self._add(clinician, "credentials", self.tr("C&redentials:"), _required,
                  placeholder=self.tr("e.g. LCSW, LPC, PsyD"))
        self._add(clinician, "licenseNumber", self.tr("&License number:"), _required)
        self._add(clinician, "licenseState", self.tr("License s&tate:"), validate_us_state,
                  placeholder=self.tr("two letters, e.g. NY"), max_length=2)
        self._add(clinician, "renderingNpi", self.tr("Individual &NPI:"), validate_npi,
                  placeholder=self.tr("10 digits (Type 1)"),
                  hint=self.tr("Your own NPI; it goes in box 24J of every superbill."))

        tax = self._group(self.tr("Tax ID"))
        kind_row = QWidget()
        kind_layout = QHBoxLayout(kind_row)
        kind_layout.setContentsMargins(0, 0, 0, 0)
        self.ein_radio = QRadioButton(self.tr("&EIN (recommended)"))
        self.ein_radio.setObjectName("taxIdKindEin")
        self.ssn_radio = QRadioButton(self.tr("&SSN"))
        self.ssn_radio.setObjectName("taxIdKindSsn")
        self._kind_group = QButtonGroup(self)
        for radio in (self.ein_radio, self.ssn_radio):
            self._kind_group.addButton(radio)
            kind_layout.addWidget(radio)
        kind_layout.addStretch(1)
        self.ein_radio.setChecked(True)
        kind_row.setAccessibleName(self.tr("Kind of tax ID"))
        tax.addRow(self.tr("Kind:"), kind_row)
        tax.addRow("", hint_label(self.tr(
            "An EIN keeps your Social Security number off the superbills clients hand to insurers."
            " It is free from the IRS.")))
        self._add(tax, "taxId", self.tr("Ta&x ID:"), self._check_tax_id,
                  placeholder=self.tr("XX-XXXXXXX"))
        self.ein_radio.toggled.connect(self.on_ein_radio_toggled)

        practice = self._group(self.tr("Practice"))
        self._add(practice, "practiceName", self.tr("Practice na&me:"), _optional(_required),
                  placeholder=self.tr("optional; your name is used when empty"))
        self._add(practice, "practiceNpi", self.tr("&Group NPI:"), _optional(validate_npi),
                  placeholder=self.tr("optional; only for a group or corporation (Type 2)"))
        self._add(practice, "addressLine1", self.tr("Street &address:"), _required)
        self._add(practice, "addressLine2", self.tr("Address line &2:"), _optional(_required))
        self._add(practice, "city", self.tr("C&ity:"), _required)
        self._add(practice, "state", self.tr("Stat&e:"), validate_us_state,
                  placeholder=self.tr("two letters"), max_length=2)
        self._add(practice, "zip", self.tr("&ZIP code:"), validate_zip)
        self._add(practice, "phone", self.tr("&Phone:"), _optional(validate_phone))
        self._add(practice, "email", self.tr("E&mail:"), _optional(validate_email))

        self.form_error = ErrorLabel()
        self.form_error.setObjectName("formError")
        self.form_error.setAccessibleName(self.tr("Problems with the practice profile"))
        layout = QVBoxLayout(self)
        forms = (clinician, tax, practice)
        _align_labels(forms)
        for box in forms:
            layout.addWidget(box.parentWidget())
        layout.addWidget(self.form_error)
        layout.addStretch(1)

    # --- building ------------------------------------------------------------------------

    def _group(self, title: str) -> QFormLayout:
        box = QGroupBox(title, self)  # parented: Python must not collect it before layout
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        return form

    def _add(self, form: QFormLayout, key: str, label: str, check: Check, *,
             placeholder: str = "", hint: str = "", max_length: int = 0) -> None:
        field = QLineEdit()
        field.setObjectName(key + "Field")
        field.setPlaceholderText(placeholder)
        if max_length:
            field.setMaxLength(max_length)
        self._fields[key] = field
        self._labels[key] = plain_label(label)
        self._checks[key] = check
        self._errors[key] = add_form_row(form, label, field, hint)
        self._errors[key].setObjectName(key + "Error")
        field.textEdited.connect(lambda _text, k=key: self._on_field_edited(k))
        field.editingFinished.connect(lambda k=key: self._on_field_finished(k))

    def field(self, key: str) -> QLineEdit:
        return self._fields[key]

    def error_label(self, key: str) -> ErrorLabel:
        return self._errors[key]

    # --- field-by-field checks -------------------------------------------------------------

    def _on_field_edited(self, key: str) -> None:
        self._errors[key].clear_message()
        self.form_error.clear_message()
        self.edited.emit()

    def _on_field_finished(self, key: str) -> None:
        # Leaving an empty field says nothing yet: "is required" comes when the form is saved.
        if self._fields[key].text().strip():
            self.check_field(key)

    def check_field(self, key: str) -> bool:
        """Run the field's check, show its message (or clear it) and normalize what was typed."""
        field = self._fields[key]
        try:
            clean = self._checks[key](field.text(), self._labels[key])
        except ValidationError as error:
            # The tax ID's checks name what it is ("EIN", "SSN"), which reads better than "Tax ID".
            label = error.field if key == "taxId" else self._labels[key]
            self._errors[key].show_message(readable(label, error.message))
            return False
        self._errors[key].clear_message()
        if clean and clean != field.text():
            field.setText(clean)
        return True

    def check_all(self) -> bool:
        """Check every field, showing every message at once; True when all pass."""
        results = [self.check_field(key) for key in self._fields]
        return all(results)

    def _check_tax_id(self, value: str, field: str) -> str:
        if self.ein_radio.isChecked():
            return _ein_shown(value, self.tr("EIN"))
        return validate_ssn(value, self.tr("SSN"))

    @Slot(bool)
    def on_ein_radio_toggled(self, ein: bool) -> None:
        tax = self._fields["taxId"]
        tax.setPlaceholderText(self.tr("XX-XXXXXXX") if ein else self.tr("XXX-XX-XXXX"))
        # An SSN shows as dots except while it is being typed.
        tax.setEchoMode(QLineEdit.EchoMode.Normal if ein else QLineEdit.EchoMode.PasswordEchoOnEdit)
        self._errors["taxId"].clear_message()
        if tax.text().strip():
            self.check_field("taxId")

    # --- profile in and out ----------------------------------------------------------------

    def set_profile(self, profile: PracticeProfile | None) -> None:
        p = profile or PracticeProfile("", "", "", "", "", "")
        values = {
            "clinicianName": p.clinician_name, "credentials": p.credentials,
            "licenseNumber": p.license_number, "licenseState": p.license_state,
            "renderingNpi": p.rendering_npi, "taxId": "",
            "practiceName": p.practice_name, "practiceNpi": p.practice_npi,
            "addressLine1": p.address.line1, "addressLine2": p.address.line2,
            "city": p.address.city, "state": p.address.state, "zip": p.address.postal_code,
            "phone": p.phone, "email": p.email,
        }
        ssn = p.tax_id_kind is TaxIdKind.SSN
        self.ssn_radio.setChecked(ssn)
        self.ein_radio.setChecked(not ssn)
        values["taxId"] = p.tax_id
        if p.tax_id and not ssn:
            with suppress(ValidationError):  # shown as stored if it is somehow not nine digits
                values["taxId"] = format_ein(p.tax_id)
        for key, value in values.items():
            self._fields[key].setText(value)
        for label in (*self._errors.values(), self.form_error):
            label.clear_message()

    def build_profile(self, base: PracticeProfile | None) -> PracticeProfile:
        """The profile as typed, on top of ``base`` (unvalidated: the caller validates it)."""
        text = {key: field.text().strip() for key, field in self._fields.items()}
        fields = {
            "clinician_name": text["clinicianName"], "credentials": text["credentials"],
            "license_number": text["licenseNumber"], "license_state": text["licenseState"].upper(),
            "rendering_npi": text["renderingNpi"], "tax_id": text["taxId"],
            "tax_id_kind": TaxIdKind.EIN if self.ein_radio.isChecked() else TaxIdKind.SSN,
            "practice_name": text["practiceName"], "practice_npi": text["practiceNpi"],
            "address": Address(text["addressLine1"], text["addressLine2"], text["city"],
                               text["state"].upper(), text["zip"]),
            "phone": text["phone"], "email": text["email"],
        }
        if base is None:
            return PracticeProfile(**fields)  # type: ignore[arg-type]
        return replace(base, **fields)  # type: ignore[arg-type]

    def show_errors(self, errors: ValidationErrors) -> list[ValidationError]:
        """Show each error beside its field; return the ones that belong to no field here."""
        unplaced = []
        for error in errors.errors:
            key = _DOMAIN_FIELDS.get(error.field)
            if key is None:
                unplaced.append(error)
            elif self._errors[key].isHidden():
                self._errors[key].show_message(readable(self._labels[key], error.message))
        return unplaced

    def first_error_field(self) -> QLineEdit | None:
        for key, label in self._errors.items():
            if not label.isHidden():
                return self._fields[key]
        return None
