"""The client detail form: every field of a client, with each validation message under its field.

objectNames: clientForm, clientFormTitle, clientFormSubtitle, clientFormErrors (the banner),
clientFormScroll; each field ``client_<key>`` with dots as underscores (client_date_of_birth,
client_address_state, client_insurance_sessions_per_year, client_status, client_status_since,
client_default_note_format...) and its message ``client_<key>Error``; medicationsTable,
medicationAdd, medicationRemove, medicationsError; the picker's and the releases editor's names
are listed in their modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields as fields_of
from dataclasses import replace
from datetime import date
from enum import Enum
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.client import (
    Client,
    Contact,
    Diagnosis,
    Insurance,
    Medication,
    ReleaseOfInformation,
    age_on,
)
from therapist_desk.domain.enums import ClientStatus, NoteFormat, ReleaseKind
from therapist_desk.domain.errors import ErrorCollector, ValidationError, ValidationErrors
from therapist_desk.domain.practice import Address
from therapist_desk.ui.client_table_model import status_text
from therapist_desk.ui.diagnosis_picker import DiagnosisPicker
from therapist_desk.ui.discharge_dialog import DateField, error_label, message_of, show_error
from therapist_desk.ui.releases_editor import ReleasesEditor
from therapist_desk.ui.widgets import add_form_row, heading_label, hint_label

TEXT, MULTI, DATE, COUNT = "text", "multi", "date", "count"
_NESTED = {"address": Address, "emergency_contact": Contact, "guardian": Contact, "insurance": Insurance}
_CONTACT = (("name", "Name"), ("relationship", "Relationship"), ("phone", "Phone"), ("email", "Email"))

# (group title, [(key, label, kind, the field name ValidationErrors use)]). A key is a Client
# attribute, or "part.attribute" for the address, contacts and insurance.
SECTIONS: tuple[tuple[str, tuple[tuple[str, str, str, str], ...]], ...] = (
    ("Identity", (
        ("legal_first_name", "Legal first name", TEXT, "Legal first name"),
        ("legal_last_name", "Legal last name", TEXT, "Legal last name"),
        ("preferred_name", "Preferred name", TEXT, "Preferred name"),
        ("pronouns", "Pronouns", TEXT, "Pronouns"),
        ("date_of_birth", "Date of birth", DATE, "Date of birth"),
    )),
    ("Contact", (
        ("email", "Email", TEXT, "Email"),
        ("phone", "Phone", TEXT, "Phone"),
        ("address.line1", "Street", TEXT, "Client address"),
        ("address.line2", "Street, line 2", TEXT, "Client address line 2"),
        ("address.city", "City", TEXT, "Client city"),
        ("address.state", "State", TEXT, "Client state"),
        ("address.postal_code", "ZIP code", TEXT, "Client ZIP code"),
    )),
    ("Emergency contact", tuple((f"emergency_contact.{k}", lbl, TEXT, f"Emergency contact {k}") for k, lbl in _CONTACT)),
    ("Guardian (required for clients under 18)",
     tuple((f"guardian.{k}", lbl, TEXT, f"Guardian {k}") for k, lbl in _CONTACT)),
    ("Insurance", (
        ("insurance.payer", "Payer", TEXT, "Payer"),
        ("insurance.member_id", "Member ID", TEXT, "Member ID"),
        ("insurance.group_id", "Group number", TEXT, "Group number"),
        ("insurance.sessions_per_year", "Sessions covered per year", COUNT, "Sessions covered per year"),
        ("insurance.authorization_number", "Authorization number", TEXT, "Authorization number"),
        ("insurance.authorized_sessions", "Authorized sessions", COUNT, "Authorized sessions"),
        ("insurance.authorization_start", "Authorization start", DATE, "Authorization start"),
        ("insurance.authorization_end", "Authorization end", DATE, "Authorization end"),
    )),
    ("Intake", (
        ("referral_source", "Referral source", TEXT, "Referral source"),
        ("intake_date", "Intake date", DATE, "Intake date"),
        ("presenting_problem", "Presenting problem", MULTI, "Presenting problem"),
        ("prior_treatment", "Prior treatment", MULTI, "Prior treatment"),
        ("medical_conditions", "Medical conditions", MULTI, "Medical conditions"),
    )),
)
# Field names the domain uses that belong to another widget than their own name suggests.
_ALIASES = {"discharge date": "status_since", "status date": "status_since"}
_PLACEHOLDER_BIRTH = date(1900, 1, 1)  # only to run the domain checks while the real one is missing


def object_name(key: str) -> str:
    return "client_" + key.replace(".", "_")


class MedicationsEditor(QWidget):
    """Current medications with the prescriber, edited in place (for coordinating care)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 4, self, objectName="medicationsTable")
        self.table.setAccessibleName(self.tr("Medications"))
        self.table.setHorizontalHeaderLabels([self.tr("Medication"), self.tr("Dose"), self.tr("Prescriber"),
                                              self.tr("Prescriber phone")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMaximumHeight(130)
        self.table.itemChanged.connect(self.on_table_item_changed)
        self.add_button = QPushButton(self.tr("Add medication"), self, objectName="medicationAdd")
        self.remove_button = QPushButton(self.tr("Remove"), self, objectName="medicationRemove")
        self.add_button.setAccessibleName(self.tr("Add medication"))
        self.remove_button.setAccessibleName(self.tr("Remove medication"))
        self.add_button.clicked.connect(self.on_add_button_clicked)
        self.remove_button.clicked.connect(self.on_remove_button_clicked)
        self.error = error_label("medicationsError")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.error)

    def medications(self) -> tuple[Medication, ...]:
        rows = []
        for row in range(self.table.rowCount()):
            cells = [(self.table.item(row, c).text() if self.table.item(row, c) else "").strip() for c in range(4)]
            if any(cells):
                rows.append(Medication(*cells))
        return tuple(rows)

    def set_medications(self, medications: tuple[Medication, ...]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(medications))
        for row, med in enumerate(medications):
            for col, text in enumerate((med.name, med.dose, med.prescriber, med.prescriber_phone)):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.blockSignals(False)
        show_error(self.error, "")

    @Slot()
    def on_add_button_clicked(self) -> None:
        row = self.table.rowCount()
        self.table.blockSignals(True)
        self.table.insertRow(row)
        for col in range(4):
            self.table.setItem(row, col, QTableWidgetItem(""))
        self.table.blockSignals(False)
        self.table.setCurrentCell(row, 0)
        self.table.editItem(self.table.item(row, 0))
        self.changed.emit()

    @Slot()
    def on_remove_button_clicked(self) -> None:
        if self.table.currentRow() >= 0:
            self.table.removeRow(self.table.currentRow())
            self.changed.emit()

    @Slot(QTableWidgetItem)
    def on_table_item_changed(self, _item: QTableWidgetItem) -> None:
        self.changed.emit()


class ClientForm(QWidget):
    """Shows one client (or a new one); ``client(today)`` reads it back or raises ValidationErrors."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None, *, today: Callable[[], date] = date.today) -> None:
        super().__init__(parent)
        self.setObjectName("clientForm")
        self.today = today
        self._client: Client | None = None
        self._clean: tuple[object, ...] = ()
        self.fields: dict[str, QWidget] = {}
        self.errors: dict[str, object] = {}
        self._error_for: dict[str, str] = dict(_ALIASES)

        self.title = heading_label(self.tr("New client"), self, scale=1.3)
        self.title.setObjectName("clientFormTitle")
        self.subtitle = hint_label("", self)
        self.subtitle.setObjectName("clientFormSubtitle")
        self.banner = error_label("clientFormErrors")
        body = QWidget()
        column = QVBoxLayout(body)
        for title, specs in SECTIONS:
            box, form = self._group(title)
            for key, label, kind, domain_name in specs:
                self.fields[key] = widget = self._make(kind, key)
                self.errors[key] = add_form_row(form, self.tr(label), widget)
                self._error_for[domain_name.lower()] = key
            column.addWidget(box)
            if title == "Identity":
                column.addWidget(self._status_group())
        self.medications = MedicationsEditor(self)
        self.diagnoses = DiagnosisPicker(self)
        self.releases = ReleasesEditor(self, today=today)
        for title, widget in ((self.tr("Current medications"), self.medications),
                              (self.tr("Diagnoses (ICD-10-CM, primary first)"), self.diagnoses),
                              (self.tr("Releases of information"), self.releases)):
            box = QGroupBox(title, body)
            QVBoxLayout(box).addWidget(widget)
            column.addWidget(box)
        column.addStretch(1)
        self._align_labels(body)
        scroll = QScrollArea(self, objectName="clientFormScroll", widgetResizable=True)
        scroll.setWidget(body)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll = scroll
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.banner)
        layout.addWidget(scroll, 1)
        for editor in (self.medications, self.diagnoses, self.releases):
            editor.changed.connect(self.edited)
        self.set_client(None)

    @staticmethod
    def _align_labels(body: QWidget) -> None:
        """One label width for every group, so the fields line up down the whole form."""
        labels = [form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget()
                  for form in body.findChildren(QFormLayout) for row in range(form.rowCount())
                  if form.itemAt(row, QFormLayout.ItemRole.LabelRole) is not None]
        width = max((label.sizeHint().width() for label in labels if label is not None), default=0)
        for label in labels:
            if label is not None:
                label.setMinimumWidth(width)

    def _group(self, title: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(self.tr(title))
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        return box, form

    def _make(self, kind: str, key: str) -> QWidget:
        widget: QWidget
        if kind == DATE:
            widget = DateField()
            widget.textEdited.connect(self.edited)
        elif kind == MULTI:
            widget = QPlainTextEdit(tabChangesFocus=True)
            widget.setFixedHeight(60)
            widget.textChanged.connect(self.edited)
        elif kind == COUNT:
            widget = QSpinBox(minimum=0, maximum=366, specialValueText=self.tr("Not set"))
            widget.setMaximumWidth(120)
            widget.valueChanged.connect(self.edited)
        else:
            widget = QLineEdit()
            widget.textEdited.connect(self.edited)
        widget.setObjectName(object_name(key))
        return widget

    def _status_group(self) -> QGroupBox:
        box, form = self._group("Status")
        self._status_form = form
        self.status = QComboBox(objectName="client_status")
        for status in ClientStatus:
            self.status.addItem(status_text(status), status)
        self.status.activated.connect(self.on_status_activated)
        self.errors["status"] = add_form_row(form, self.tr("Status"), self.status,
                                             hint=self.tr("Discharge and reactivation: the buttons below the form."))
        self.fields["status_since"] = self._make(DATE, "status_since")
        self.errors["status_since"] = add_form_row(form, self.tr("Status since"), self.fields["status_since"])
        self.discharge_reason = QLabel(objectName="client_discharge_reason", wordWrap=True)
        form.addRow(self.tr("Discharge reason"), self.discharge_reason)
        self.note_format = QComboBox(objectName="client_default_note_format")
        self.note_format.addItem(self.tr("Practice default"), None)
        for fmt in NoteFormat:
            self.note_format.addItem(fmt.value.upper() if fmt is not NoteFormat.FREE else self.tr("Free text"), fmt)
        self.note_format.activated.connect(self.edited)
        add_form_row(form, self.tr("Default note format"), self.note_format)
        return box

    # --- loading and reading back ----------------------------------------------------------

    @property
    def client_id(self) -> int | None:
        return self._client.id if self._client else None

    @property
    def current(self) -> Client | None:
        """The client as last loaded or saved (None for a new client)."""
        return self._client

    def revert(self) -> None:
        """Throw the unsaved edits away and show the client as last loaded."""
        self.set_client(self._client)

    def set_client(self, client: Client | None, today: date | None = None) -> None:
        """Show ``client`` (None: an empty form for a new client) and forget unsaved edits."""
        self._client = client
        blank = Client("", "", _PLACEHOLDER_BIRTH)
        shown = client or blank
        for key, widget in self.fields.items():
            value = _get(shown, key)
            if key == "date_of_birth" and client is None:
                value = None
            if isinstance(widget, DateField):
                widget.set_date(value)  # type: ignore[arg-type]
            elif isinstance(widget, QSpinBox):
                widget.setValue(value or 0)  # type: ignore[arg-type]
            elif isinstance(widget, QPlainTextEdit):
                widget.setPlainText(str(value or ""))
            else:
                widget.setText(str(value or ""))  # type: ignore[attr-defined]
        self.status.setCurrentIndex(self.status.findData(shown.status))
        self.status.setEnabled(shown.status is not ClientStatus.DISCHARGED)
        self.status.model().item(self.status.findData(ClientStatus.DISCHARGED)).setEnabled(False)  # type: ignore[attr-defined]
        self.discharge_reason.setText(shown.discharge_reason)
        self._status_form.setRowVisible(self.discharge_reason, shown.status is ClientStatus.DISCHARGED)
        self.note_format.setCurrentIndex(self.note_format.findData(shown.default_note_format))
        self.medications.set_medications(shown.medications)
        self.diagnoses.set_diagnoses(shown.diagnoses)
        self.releases.set_releases(shown.releases)
        self._update_header(today or self.today())
        self.clear_errors()
        self.scroll.verticalScrollBar().setValue(0)
        self._clean = self._snapshot()

    def _update_header(self, today: date) -> None:
        c = self._client
        if c is None:
            self.title.setText(self.tr("New client"))
            self.subtitle.setText(self.tr("Fill in at least the legal name and date of birth, then Save."))
            return
        self.title.setText(c.display_name)
        since = f" {self.tr('since')} {c.status_since.isoformat()}" if c.status_since else ""
        if c.status is ClientStatus.DISCHARGED:
            since = (f" {self.tr('on')} {c.status_since.isoformat()}" if c.status_since else "") + (
                f" ({c.discharge_reason})" if c.discharge_reason else "")
        parts = [status_text(c.status) + since, self.tr("%1 years").replace("%1", str(age_on(c.date_of_birth, today)))]
        if c.pronouns:
            parts.append(c.pronouns)
        if c.preferred_name and c.preferred_name != c.legal_first_name:
            parts.append(self.tr("legal name %1").replace("%1", c.legal_name))
        self.subtitle.setText("  ·  ".join(parts))

    def client(self, today: date) -> Client:
        """The client as entered; raises ValidationErrors for what the form or the domain refuses."""
        values: dict[str, object] = {}
        with ErrorCollector() as c:
            for key, widget in self.fields.items():
                label = next((lbl for _, specs in SECTIONS for k, lbl, _, _ in specs if k == key), "Status date")
                if isinstance(widget, DateField):
                    values[key] = c.run(widget.date_value, label)
                elif isinstance(widget, QSpinBox):
                    values[key] = widget.value() or None
                elif isinstance(widget, QPlainTextEdit):
                    values[key] = widget.toPlainText().strip()
                else:
                    values[key] = widget.text().strip()  # type: ignore[attr-defined]
            if values["date_of_birth"] is None and not c.errors:
                c.add("Date of birth", "is required")
            if c.errors:  # also run the domain checks, so every message shows in one go
                try:
                    self._build(values | {"date_of_birth": values["date_of_birth"] or _PLACEHOLDER_BIRTH}).validated(today)
                except ValidationErrors as more:
                    c.errors.extend(e for e in more.errors if e.field not in {x.field for x in c.errors})
        return self._build(values)

    def _build(self, values: dict[str, object]) -> Client:
        top = {k: v for k, v in values.items() if "." not in k}
        for part, cls in _NESTED.items():
            top[part] = cls(**{k.split(".", 1)[1]: v for k, v in values.items() if k.startswith(part + ".")})
        base = self._client or Client("", "", _PLACEHOLDER_BIRTH)
        fmt = self.note_format.currentData()  # Qt hands enum data back as plain str
        return replace(base, **top, status=ClientStatus(self.status.currentData()),
                       default_note_format=NoteFormat(fmt) if fmt else None,
                       medications=self.medications.medications(), diagnoses=self.diagnoses.diagnoses(),
                       releases=self.releases.releases())

    # --- dirty tracking and errors ---------------------------------------------------------

    def _snapshot(self) -> tuple[object, ...]:
        raw: list[object] = []
        for widget in self.fields.values():
            if isinstance(widget, QSpinBox):
                raw.append(widget.value())
            elif isinstance(widget, QPlainTextEdit):
                raw.append(widget.toPlainText())
            else:
                raw.append(widget.text())  # type: ignore[attr-defined]
        return (*raw, self.status.currentIndex(), self.note_format.currentIndex(), self.medications.medications(),
                self.diagnoses.diagnoses(), self.releases.releases())

    def is_dirty(self) -> bool:
        return self._snapshot() != self._clean

    # --- drafts across a lock ----------------------------------------------------------------

    def raw_state(self) -> dict[str, object]:
        """Everything typed, as JSON-ready values (kept in the vault's drafts table on a lock)."""
        fields: dict[str, object] = {}
        for key, widget in self.fields.items():
            if isinstance(widget, QSpinBox):
                fields[key] = widget.value()
            elif isinstance(widget, QPlainTextEdit):
                fields[key] = widget.toPlainText()
            else:
                fields[key] = widget.text()  # type: ignore[attr-defined]
        return {
            "client_id": self.client_id,
            "fields": fields,
            "status": self.status.currentIndex(),
            "note_format": self.note_format.currentIndex(),
            "medications": [vars_of(m) for m in self.medications.medications()],
            "diagnoses": [vars_of(d) for d in self.diagnoses.diagnoses()],
            "releases": [vars_of(r) for r in self.releases.releases()],
        }

    def apply_raw_state(self, state: dict[str, Any]) -> None:
        """Put typed-but-unsaved values back over the loaded client (the form stays dirty)."""
        for key, value in state.get("fields", {}).items():
            widget = self.fields.get(key)
            if isinstance(widget, QSpinBox):
                widget.setValue(int(value or 0))
            elif isinstance(widget, QPlainTextEdit):
                widget.setPlainText(str(value))
            elif widget is not None:
                widget.setText(str(value))  # type: ignore[attr-defined]
        self.status.setCurrentIndex(int(state.get("status", self.status.currentIndex())))
        self.note_format.setCurrentIndex(int(state.get("note_format", self.note_format.currentIndex())))
        self.medications.set_medications(tuple(Medication(**m) for m in state.get("medications", ())))
        self.diagnoses.set_diagnoses(tuple(Diagnosis(**d) for d in state.get("diagnoses", ())))
        self.releases.set_releases(tuple(release_from_vars(r) for r in state.get("releases", ())))
        self.edited.emit()


    def clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear_message()  # type: ignore[attr-defined]
        show_error(self.banner, "")
        self.medications.error.clear_message()
        self.diagnoses.set_error("")
        self.releases.set_error("")

    def show_errors(self, errors: ValidationErrors | ValidationError) -> tuple[str, ...]:
        """Put each message under its field; the banner lists them all and focus goes to the first.

        Returns the field names that had no field of their own (shown in the banner only).
        """
        self.clear_errors()
        items = errors.errors if isinstance(errors, ValidationErrors) else (errors,)
        first: QWidget | None = None
        unplaced: list[str] = []
        for error in items:
            name, text = error.field.lower(), message_of(error)
            key = self._error_for.get(name)
            if key is not None:
                self.errors[key].show_message(text)  # type: ignore[attr-defined]
                target: QWidget = self.fields[key]
            elif name.startswith("medication"):
                self.medications.error.show_message(text)
                target = self.medications
            elif "diagnos" in name:
                self.diagnoses.set_error(text)
                target = self.diagnoses.search_box
            elif name.startswith("release"):
                self.releases.set_error(text)
                target = self.releases
            else:
                target = self.banner
                unplaced.append(error.field)
            first = first or target
        fields = ", ".join(dict.fromkeys(e.field for e in items))
        details = "".join(f"\n{message_of(e)}" for e in items if e.field in unplaced)
        show_error(self.banner, self.tr("Nothing was saved. Please check: %1").replace("%1", fields) + details)
        if first is not None:
            self.scroll.ensureWidgetVisible(first)
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        return tuple(unplaced)

    def error_text(self, key: str) -> str:
        """The message shown under a field ("" when none): for tests and automation."""
        return self.errors[key].message()  # type: ignore[attr-defined]

    @Slot(int)
    def on_status_activated(self, _index: int) -> None:
        if self._client is not None and self.status.currentData() != self._client.status:
            self.fields["status_since"].set_date(self.today())  # type: ignore[attr-defined]
        self.edited.emit()


def _get(client: Client, key: str) -> object:
    obj: object = client
    for part in key.split("."):
        obj = getattr(obj, part)
    return obj


def vars_of(item: object) -> dict[str, object]:
    """A domain dataclass as JSON-ready values (dates as ISO text, enums as their values)."""
    out: dict[str, object] = {}
    for f in fields_of(item):  # type: ignore[arg-type]
        value = getattr(item, f.name)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, Enum):
            value = value.value
        out[f.name] = value
    return out


def release_from_vars(data: dict[str, Any]) -> ReleaseOfInformation:
    dates = {k: date.fromisoformat(v) if v else None
             for k, v in data.items() if k in ("signed_on", "expires_on", "revoked_on")}
    return ReleaseOfInformation(**{**data, **dates, "kind": ReleaseKind(data["kind"])})
