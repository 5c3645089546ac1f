"""Forms beside the plan tree: one page per node kind, and the plan-level details.

objectNames: planNodeForm; nodeKindHeading, nodeDescription (problems and goals);
objectiveDescription, objectiveTargetDate, objectiveTargetDateError, objectiveStatus,
objectiveMeasureEnabled, objectiveMeasureInstrument, objectiveMeasureBelow;
interventionDescription, interventionApproach, interventionFrequency, interventionResponsible;
planDetailsForm, planDiagnoses, planStrengths, planBarriers, planDischargeCriteria,
planEffectiveDate, planReviewDate, planDatesError.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.enums import Approach, Instrument, ObjectiveStatus
from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.measures import INSTRUMENTS
from therapist_desk.domain.plan import Goal, MeasureTarget, Objective, PlanIntervention, Problem
from therapist_desk.ui.discharge_dialog import DateField, error_label, message_of
from therapist_desk.ui.widgets import add_form_row, heading_label, hint_label

APPROACH_LABELS: dict[Approach, str] = {
    Approach.CBT: "CBT", Approach.DBT: "DBT", Approach.ACT: "ACT", Approach.PSYCHODYNAMIC: "Psychodynamic",
    Approach.INTERPERSONAL: "Interpersonal", Approach.SUPPORTIVE: "Supportive",
    Approach.FAMILY_SYSTEMS: "Family systems", Approach.OTHER: "Other",
}
STATUS_LABELS: dict[ObjectiveStatus, str] = {
    ObjectiveStatus.NOT_STARTED: "Not started", ObjectiveStatus.IN_PROGRESS: "In progress",
    ObjectiveStatus.MET: "Met", ObjectiveStatus.REVISED: "Revised", ObjectiveStatus.DISCONTINUED: "Discontinued",
}
FREQUENCIES = ("weekly", "every two weeks", "monthly", "each session", "daily practice", "as needed")
RESPONSIBLE = ("Therapist", "Client", "Therapist and client", "Client, reviewed by therapist", "Partners")
PlanNode = Problem | Goal | Objective | PlanIntervention


def text_box(name: str, accessible: str, height: int = 72) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setObjectName(name)
    box.setAccessibleName(accessible)
    box.setTabChangesFocus(True)
    box.setFixedHeight(height)
    return box


class PlanNodeForm(QStackedWidget):
    """Edits the selected node; ``edited(value)`` carries the new domain value (children as before)."""

    edited = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("planNodeForm")
        self._value: PlanNode | None = None
        self._loading = False
        self.empty_page = hint_label(self.tr("Select an item in the plan to edit it, or add a problem to start."))
        self.empty_page.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.addWidget(self.empty_page)
        self.addWidget(self._text_page())
        self.addWidget(self._objective_page())
        self.addWidget(self._intervention_page())

    def _text_page(self) -> QWidget:
        page = QWidget()
        self.kind_heading = heading_label("", scale=1.15)
        self.kind_heading.setObjectName("nodeKindHeading")
        self.kind_hint = hint_label("")
        self.description = text_box("nodeDescription", self.tr("Description"), 110)
        self.description.textChanged.connect(self.on_description_text_changed)
        layout = QVBoxLayout(page)
        layout.addWidget(self.kind_heading)
        layout.addWidget(self.kind_hint)
        layout.addWidget(self.description)
        layout.addStretch(1)
        return page

    def _objective_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout()
        self.objective_description = text_box("objectiveDescription", self.tr("Objective"), 90)
        self.objective_description.setPlaceholderText(self.tr("What the client will do, how often, by when"))
        self.objective_description.textChanged.connect(self.on_objective_changed)
        add_form_row(form, self.tr("&Objective:"), self.objective_description)
        self.target_date = DateField()
        self.target_date.setObjectName("objectiveTargetDate")
        self.target_date.textChanged.connect(self.on_objective_changed)
        self.target_date_error = add_form_row(form, self.tr("&Target date:"), self.target_date)
        self.status = QComboBox()
        self.status.setObjectName("objectiveStatus")
        for status, label in STATUS_LABELS.items():
            self.status.addItem(self.tr(label), status.value)
        self.status.currentIndexChanged.connect(self.on_objective_changed)
        add_form_row(form, self.tr("&Status:"), self.status)
        self.measure_enabled = QCheckBox(self.tr("Measure target:"))
        self.measure_enabled.setObjectName("objectiveMeasureEnabled")
        self.measure_enabled.toggled.connect(self.on_objective_changed)
        self.instrument = QComboBox()
        self.instrument.setObjectName("objectiveMeasureInstrument")
        self.instrument.setAccessibleName(self.tr("Measure"))
        for instrument in Instrument:
            self.instrument.addItem(INSTRUMENTS[instrument].name, instrument.value)
        self.instrument.currentIndexChanged.connect(self.on_objective_changed)
        self.below = QSpinBox()
        self.below.setObjectName("objectiveMeasureBelow")
        self.below.setAccessibleName(self.tr("Target: below this score"))
        self.below.setRange(1, 80)
        self.below.setValue(10)
        self.below.valueChanged.connect(self.on_objective_changed)
        row = QHBoxLayout()
        row.addWidget(self.measure_enabled)
        row.addWidget(self.instrument)
        row.addWidget(QLabel(self.tr("below")))
        row.addWidget(self.below)
        row.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addWidget(heading_label(self.tr("Short-term objective"), scale=1.15))
        layout.addWidget(hint_label(self.tr("Measurable and time-bound. A measure target (for example "
                                            "PHQ-9 below 10) draws the target on the progress chart.")))
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addStretch(1)
        return page

    def _intervention_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout()
        self.intervention_description = text_box("interventionDescription", self.tr("What"), 72)
        self.intervention_description.textChanged.connect(self.on_intervention_changed)
        add_form_row(form, self.tr("&What:"), self.intervention_description)
        self.approach = QComboBox()
        self.approach.setObjectName("interventionApproach")
        for approach, label in APPROACH_LABELS.items():
            self.approach.addItem(self.tr(label), approach.value)
        self.approach.currentIndexChanged.connect(self.on_intervention_changed)
        add_form_row(form, self.tr("&Approach:"), self.approach)
        self.frequency = QLineEdit()
        self.frequency.setObjectName("interventionFrequency")
        self.frequency.setPlaceholderText(self.tr("for example weekly"))
        self.frequency.setCompleter(QCompleter(list(FREQUENCIES), self.frequency))
        self.frequency.textChanged.connect(self.on_intervention_changed)
        add_form_row(form, self.tr("How &often:"), self.frequency)
        self.responsible = QLineEdit()
        self.responsible.setObjectName("interventionResponsible")
        self.responsible.setPlaceholderText(self.tr("for example Therapist"))
        self.responsible.setCompleter(QCompleter(list(RESPONSIBLE), self.responsible))
        self.responsible.textChanged.connect(self.on_intervention_changed)
        add_form_row(form, self.tr("By &whom:"), self.responsible)
        layout = QVBoxLayout(page)
        layout.addWidget(heading_label(self.tr("Intervention"), scale=1.15))
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    # --- showing ------------------------------------------------------------------------------

    def show_node(self, value: PlanNode | None, read_only: bool) -> None:
        self._loading = True
        self._value = value
        try:
            if value is None:
                self.setCurrentIndex(0)
            elif isinstance(value, Problem | Goal):
                self._show_text(value)
            elif isinstance(value, Objective):
                self._show_objective(value)
            else:
                self._show_intervention(value)
            for box in (self.description, self.objective_description, self.intervention_description):
                box.setReadOnly(read_only)
            for field in (self.frequency, self.responsible, self.target_date):
                field.setReadOnly(read_only)
            for widget in (self.status, self.measure_enabled, self.approach):
                widget.setEnabled(not read_only)
            self._sync_measure(read_only)
        finally:
            self._loading = False

    def _show_text(self, value: Problem | Goal) -> None:
        is_problem = isinstance(value, Problem)
        self.kind_heading.setText(self.tr("Problem") if is_problem else self.tr("Long-term goal"))
        self.kind_hint.setText(self.tr("What brings the client in, in words the client would recognise.")
                               if is_problem else self.tr("The lasting change the client is working towards."))
        self.description.setAccessibleName(self.kind_heading.text())
        self.description.setPlainText(value.description)
        self.setCurrentIndex(1)

    def _show_objective(self, value: Objective) -> None:
        self.objective_description.setPlainText(value.description)
        self.target_date.set_date(value.target_date)
        self.target_date_error.clear_message()
        self.status.setCurrentIndex(self.status.findData(value.status.value))
        target = value.measure_target
        self.measure_enabled.setChecked(target is not None)
        if target is not None:
            self.instrument.setCurrentIndex(self.instrument.findData(target.instrument.value))
            self.below.setValue(target.below)
        self.setCurrentIndex(2)

    def _show_intervention(self, value: PlanIntervention) -> None:
        self.intervention_description.setPlainText(value.description)
        self.approach.setCurrentIndex(self.approach.findData(value.approach.value))
        self.frequency.setText(value.frequency)
        self.responsible.setText(value.responsible)
        self.setCurrentIndex(3)

    def _sync_measure(self, read_only: bool = False) -> None:
        on = self.measure_enabled.isChecked() and not read_only
        self.instrument.setEnabled(on)
        self.below.setEnabled(on)
        instrument = Instrument(self.instrument.currentData())
        self.below.setMaximum(INSTRUMENTS[instrument].max_total)

    # --- editing ------------------------------------------------------------------------------

    def _emit(self, value: PlanNode) -> None:
        self._value = value
        self.edited.emit(value)

    @Slot()
    def on_description_text_changed(self) -> None:
        if not self._loading and isinstance(self._value, Problem | Goal):
            self._emit(replace(self._value, description=self.description.toPlainText()))

    @Slot()
    def on_objective_changed(self) -> None:
        if self._loading or not isinstance(self._value, Objective):
            return
        self._sync_measure()
        target_date = self._value.target_date
        try:
            target_date = self.target_date.date_value(self.tr("Target date"))
            self.target_date_error.clear_message()
        except ValidationError as error:
            self.target_date_error.show_message(message_of(error))
        target = (MeasureTarget(Instrument(self.instrument.currentData()), self.below.value())
                  if self.measure_enabled.isChecked() else None)
        self._emit(replace(self._value, description=self.objective_description.toPlainText(),
                           target_date=target_date, status=ObjectiveStatus(self.status.currentData()),
                           measure_target=target))

    @Slot()
    def on_intervention_changed(self) -> None:
        if self._loading or not isinstance(self._value, PlanIntervention):
            return
        self._emit(replace(self._value, description=self.intervention_description.toPlainText(),
                           approach=Approach(self.approach.currentData()), frequency=self.frequency.text(),
                           responsible=self.responsible.text()))


class PlanDetailsForm(QScrollArea):
    """Plan-level fields: diagnoses addressed, strengths, barriers, discharge criteria, dates."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("planDetailsForm")
        self.setWidgetResizable(True)
        self._loading = False
        inner = QWidget()
        column = QVBoxLayout(inner)
        form = QFormLayout()
        column.addLayout(form)
        column.addStretch(1)  # extra height goes below the form, not between its rows
        self.diagnoses = QListWidget()
        self.diagnoses.setObjectName("planDiagnoses")
        self.diagnoses.setMaximumHeight(96)
        self.diagnoses.itemChanged.connect(self.on_diagnoses_item_changed)
        add_form_row(form, self.tr("Diagnoses &addressed:"), self.diagnoses,
                     self.tr("From the client's diagnoses (Clients tab)."))
        self.strengths = text_box("planStrengths", self.tr("Strengths"))
        self.barriers = text_box("planBarriers", self.tr("Barriers"))
        self.discharge_criteria = text_box("planDischargeCriteria", self.tr("Discharge criteria"))
        add_form_row(form, self.tr("S&trengths:"), self.strengths)
        add_form_row(form, self.tr("&Barriers:"), self.barriers)
        add_form_row(form, self.tr("Discharge &criteria:"), self.discharge_criteria,
                     self.tr("What will show that therapy can end; needed to sign the plan."))
        self.effective_on = DateField()
        self.effective_on.setObjectName("planEffectiveDate")
        self.review_due = DateField()
        self.review_due.setObjectName("planReviewDate")
        add_form_row(form, self.tr("&Effective date:"), self.effective_on, self.tr("Empty: the day it is saved."))
        self.review_hint = hint_label("")
        review_box = QWidget()
        review_column = QVBoxLayout(review_box)
        review_column.setContentsMargins(0, 0, 0, 0)
        review_column.setSpacing(2)
        review_column.addWidget(self.review_due)
        review_column.addWidget(self.review_hint)
        review_label = QLabel(self.tr("&Review date:"))
        review_label.setBuddy(self.review_due)
        self.review_due.setAccessibleName(self.tr("Review date"))
        form.addRow(review_label, review_box)
        self.dates_error = error_label("planDatesError")
        form.addRow("", self.dates_error)
        for box in (self.strengths, self.barriers, self.discharge_criteria):
            box.textChanged.connect(self.on_field_changed)
        for field in (self.effective_on, self.review_due):
            field.textChanged.connect(self.on_field_changed)
        self.setWidget(inner)

    def show_details(self, codes: tuple[str, ...], client_diagnoses: list[tuple[str, str]], strengths: str,
                     barriers: str, criteria: str, effective_on: date | None, review_due: date | None,
                     review_days: int, read_only: bool) -> None:
        self._loading = True
        try:
            self.diagnoses.clear()
            listed = [code for code, _ in client_diagnoses]
            rows = list(client_diagnoses) + [(c, self.tr("(no longer on the client's list)"))
                                             for c in codes if c not in listed]
            for code, title in rows:
                item = QListWidgetItem(f"{code}  {title}".strip())
                item.setData(Qt.ItemDataRole.UserRole, code)
                flags = Qt.ItemFlag.ItemIsEnabled | (Qt.ItemFlag.NoItemFlags if read_only else Qt.ItemFlag.ItemIsUserCheckable)
                item.setFlags(flags)
                item.setCheckState(Qt.CheckState.Checked if code in codes else Qt.CheckState.Unchecked)
                self.diagnoses.addItem(item)
            self.strengths.setPlainText(strengths)
            self.barriers.setPlainText(barriers)
            self.discharge_criteria.setPlainText(criteria)
            self.effective_on.set_date(effective_on)
            self.review_due.set_date(review_due)
            self.review_hint.setText(self.tr("Empty: {0} days after the effective date (Settings).").format(review_days))
            self.dates_error.clear_message()
            for box in (self.strengths, self.barriers, self.discharge_criteria):
                box.setReadOnly(read_only)
            for field in (self.effective_on, self.review_due):
                field.setReadOnly(read_only)
        finally:
            self._loading = False

    def codes(self) -> tuple[str, ...]:
        items = [self.diagnoses.item(i) for i in range(self.diagnoses.count())]
        return tuple(i.data(Qt.ItemDataRole.UserRole) for i in items if i.checkState() == Qt.CheckState.Checked)

    def dates(self) -> tuple[date | None, date | None]:
        """(effective, review); raises ValidationError for a date that does not parse."""
        return (self.effective_on.date_value(self.tr("Effective date")),
                self.review_due.date_value(self.tr("Review date")))

    @Slot(QListWidgetItem)
    def on_diagnoses_item_changed(self, item: QListWidgetItem) -> None:
        if not self._loading:
            self.edited.emit()

    @Slot()
    def on_field_changed(self) -> None:
        if self._loading:
            return
        try:
            self.dates()
            self.dates_error.clear_message()
        except ValidationError as error:
            self.dates_error.show_message(message_of(error))
        self.edited.emit()
