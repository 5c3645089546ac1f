"""The session note editor: session facts, live code proposal, note body, private notes, alerts.

It never touches the vault: the Notes tab gives it the client's context and reads its state (a
services.note_drafts.NoteDraft, exactly as typed) to autosave, save and sign.

objectNames: noteEditor, signatureLabel, sessionDateEdit, startTimeEdit, stopTimeEdit,
minutesLabel, timeError, serviceTypeCombo, modalityCombo, clientLocationCombo,
telehealthPlatformEdit, participantsEdit; codesPanel: proposalLabel, useProposalButton,
placeOfServiceCombo, interactiveComplexityCheck, complexityFactorCombo, codeWarnings; diagnosisList,
noteFormatCombo, startFromLastButton, riskAssessmentEdit, interventionsList,
interventionsDetailEdit, clientResponseEdit, previousHomeworkLabel, homeworkReviewEdit,
homeworkGivenEdit, psychotherapyGroup, psychotherapyNoteEdit; and those of note_sections and
addendum_dialog (item9Banner, addendaBox).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.cpt import (
    PLACE_OF_SERVICE_LABELS,
    ServiceLine,
    override_warnings,
    propose_codes,
)
from therapist_desk.domain.enums import (
    NOTE_SECTIONS,
    ClientLocation,
    Modality,
    NoteFormat,
    ServiceType,
)
from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.session import (
    INTERACTIVE_COMPLEXITY_FACTORS,
    INTERVENTION_CHOICES,
    SessionNote,
)
from therapist_desk.services.note_drafts import DraftLine, NoteDraft, parse_clock, parse_modifiers
from therapist_desk.ui.addendum_dialog import AddendaView, Item9Banner
from therapist_desk.ui.note_sections import (
    CheckList,
    CodeLinesEditor,
    ObjectivesEditor,
    SectionsEditor,
    combo_box,
    line_edit,
    mark_missing,
    text_edit,
)
from therapist_desk.ui.session_list_model import SERVICE_WORDS
from therapist_desk.ui.widgets import ErrorLabel, hint_label

MODALITY_WORDS = {Modality.IN_PERSON: "In person", Modality.VIDEO: "Video (live audio and video)",
                  Modality.AUDIO_ONLY: "Audio only"}
LOCATION_WORDS = {ClientLocation.OFFICE: "Office or clinic", ClientLocation.HOME: "Home",
                  ClientLocation.SCHOOL: "School", ClientLocation.OTHER: "Other"}
FORMAT_WORDS = {NoteFormat.SOAP: "SOAP", NoteFormat.DAP: "DAP", NoteFormat.BIRP: "BIRP",
                NoteFormat.GIRP: "GIRP", NoteFormat.FREE: "Free text"}
UNTIMED = (ServiceType.INTAKE, ServiceType.GROUP)
STYLE = """
*[missing="true"] { border: 2px solid #b3261e; border-radius: 3px; }
#item9Banner { background: #b3261e; border-radius: 4px; }
#item9Banner QLabel { color: white; font-weight: bold; }
#psychotherapyGroup { border: 2px dashed #6a4c93; border-radius: 6px; margin-top: 1.4em; padding-top: 4px; }
#psychotherapyGroup::title { subcontrol-origin: margin; left: 8px; color: #6a4c93; font-weight: bold; }
#codeWarnings { color: #8a4b00; background: #fff4e0; border: 1px solid #e0b060; border-radius: 3px; padding: 4px; }
#signatureLabel { font-weight: bold; color: #1b5e20; }
"""


def _group(column: QVBoxLayout, title: str, layout):  # type: ignore[no-untyped-def]
    box = QGroupBox(title)
    box.setLayout(layout)
    column.addWidget(box)
    return layout


class CodesPanel(QGroupBox):
    """CPT lines proposed live from minutes, service and setting; the clinician may override them."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Codes"))
        self.setObjectName("codesPanel")
        tr = self.tr
        self.codes_overridden = self.pos_overridden = self.locked = self._loading = False
        self.instruments = 0
        self._setting: tuple[ServiceType, Modality, ClientLocation, int | None] = (
            ServiceType.INDIVIDUAL, Modality.IN_PERSON, ClientLocation.OFFICE, None)
        self.proposal_label = QLabel()
        self.proposal_label.setObjectName("proposalLabel")
        self.proposal_label.setWordWrap(True)
        self.proposal_label.setAccessibleName(tr("Proposed codes"))
        self.lines_editor = CodeLinesEditor()
        self.use_proposal = QPushButton(tr("Use the proposed codes"))
        self.use_proposal.setObjectName("useProposalButton")
        self.pos_combo = combo_box("placeOfServiceCombo", tr("Place of service"),
                                   {k: f"{k} — {v}" for k, v in PLACE_OF_SERVICE_LABELS.items()})
        self.pos_combo.setMinimumContentsLength(32)
        self.complexity_check = QCheckBox(tr("Add interactive complexity (+90785)"))
        self.complexity_check.setObjectName("interactiveComplexityCheck")
        self.factor_combo = combo_box("complexityFactorCombo", tr("Interactive complexity factor"),
                                      {f: f for f in INTERACTIVE_COMPLEXITY_FACTORS})
        self.factor_combo.setPlaceholderText(tr("Which factor applied?"))
        self.warnings_label = QLabel()
        self.warnings_label.setObjectName("codeWarnings")
        self.warnings_label.setAccessibleName(tr("Code warnings"))
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setTextFormat(Qt.TextFormat.PlainText)
        column = QVBoxLayout(self)
        column.addWidget(self.proposal_label)
        column.addWidget(self.lines_editor)
        row = QHBoxLayout()
        for w in (QLabel(tr("Place of service")), self.pos_combo):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.use_proposal)
        column.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(self.complexity_check)
        row.addWidget(self.factor_combo, 1)
        column.addLayout(row)
        column.addWidget(self.warnings_label)
        self.lines_editor.changed.connect(self.on_lines_editor_changed)
        self.pos_combo.currentIndexChanged.connect(self.on_pos_combo_current_index_changed)
        self.use_proposal.clicked.connect(self.on_use_proposal_clicked)
        self.complexity_check.toggled.connect(self.on_complexity_check_toggled)
        self.factor_combo.currentIndexChanged.connect(self._edited)

    def load(self, draft: NoteDraft) -> None:
        self._loading = True
        self.lines_editor.set_lines(draft.lines)
        self.pos_combo.setCurrentIndex(max(self.pos_combo.findData(draft.place_of_service), 0))
        self.complexity_check.setChecked(draft.interactive_complexity)
        self.factor_combo.setCurrentIndex(self.factor_combo.findData(draft.interactive_complexity_factor))
        self.codes_overridden, self.pos_overridden = draft.codes_overridden, draft.pos_overridden
        self._loading = False

    def fill(self, draft: NoteDraft) -> NoteDraft:
        return replace(draft, codes_overridden=self.codes_overridden, lines=self.lines_editor.lines(),
                       pos_overridden=self.pos_overridden, place_of_service=self.pos_combo.currentData(),
                       interactive_complexity=self.complexity_check.isChecked(),
                       interactive_complexity_factor=self.factor_combo.currentData() or "")

    def set_setting(self, service: ServiceType, modality: Modality, location: ClientLocation,
                    minutes: int | None) -> None:
        self._setting = (service, modality, location, minutes)
        self.refresh()

    def set_read_only(self, locked: bool) -> None:
        self.locked = locked
        for w in (self.pos_combo, self.complexity_check):
            w.setEnabled(not locked)
        self.lines_editor.set_read_only(locked)
        self.use_proposal.setVisible(not locked)
        self.refresh()

    def _edited(self, *_args: object) -> None:
        if not self._loading:
            self.changed.emit()

    @Slot()
    def on_lines_editor_changed(self) -> None:
        self.codes_overridden = True
        self.refresh()
        self._edited()

    @Slot()
    def on_pos_combo_current_index_changed(self) -> None:
        if not self._loading:
            self.pos_overridden = True
            self.refresh()
            self._edited()

    @Slot()
    def on_use_proposal_clicked(self) -> None:
        self.codes_overridden = self.pos_overridden = False
        self.refresh()
        self._edited()

    @Slot(bool)
    def on_complexity_check_toggled(self, _on: bool) -> None:
        if not self._loading:
            self.refresh()
            self._edited()

    def refresh(self) -> None:
        """Propose, fill in what the clinician has not chosen, and list every warning."""
        tr = self.tr
        service, modality, location, minutes = self._setting
        self.factor_combo.setEnabled(self.complexity_check.isChecked() and not self.locked)
        proposal = propose_codes(service, minutes or 0, modality, location,
                                 interactive_complexity=self.complexity_check.isChecked(),
                                 instruments_scored=self.instruments)
        known = minutes is not None or service in UNTIMED
        lines = proposal.lines if known else tuple(ln for ln in proposal.lines if ln.cpt == "96127")
        self._loading, was_loading = True, self._loading
        if not self.locked and not self.codes_overridden:
            self.lines_editor.set_lines([DraftLine(ln.cpt, ln.units, ", ".join(ln.modifiers)) for ln in lines])
        if not self.locked and not self.pos_overridden:
            self.pos_combo.setCurrentIndex(max(self.pos_combo.findData(proposal.place_of_service), 0))
        self._loading = was_loading
        shown = ", ".join(ln.cpt + "".join(f"-{m}" for m in ln.modifiers) + (f" ×{ln.units}" if ln.units > 1 else "")
                          + f" ({ln.label})" for ln in lines) or tr("no billable code")
        text = (tr("Proposed: {0}; place of service {1}.").format(shown, proposal.place_of_service) if known
                else tr("Enter the start and stop times to get a code proposal."))
        if self.locked:
            billed = ", ".join(f"{ln.cpt}{'-' if ln.modifiers.strip() else ''}{ln.modifiers}"
                               + (f" ×{ln.units}" if ln.units > 1 else "") for ln in self.lines_editor.lines())
            text = tr("Billed: {0}; place of service {1}.").format(billed or tr("no code"),
                                                                  self.pos_combo.currentData())
        elif self.codes_overridden or self.pos_overridden:
            text += " " + tr("You changed the codes, so the proposal no longer fills them in.")
        self.proposal_label.setText(text)
        self.use_proposal.setEnabled(self.codes_overridden or self.pos_overridden)
        warnings = list(proposal.warnings) if known else []
        chosen: list[ServiceLine] = []
        for i, line in enumerate(self.lines_editor.lines(), 1):
            try:
                if line.cpt:
                    chosen.append(ServiceLine(line.cpt, line.units, parse_modifiers(line.modifiers)))
            except ValidationError as error:
                warnings.append(tr("Line {0}: {1}").format(i, str(error)))
        if known:
            warnings += [w for w in override_warnings(chosen, service, minutes or 0) if w not in warnings]
        self.warnings_label.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warnings_label.setVisible(bool(warnings))


class NoteEditor(QWidget):
    """Shows one note as a NoteDraft; ``changed`` fires on every edit a person makes."""

    changed = Signal()
    start_from_last_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noteEditor")
        self.setStyleSheet(STYLE)
        self._loading = False
        self._draft = NoteDraft(client_id=-1)
        self._diagnoses: list[tuple[str, str]] = []
        self._objectives: list[tuple[str, str]] = []
        self.locked = False
        self._build()

    def _build(self) -> None:
        tr = self.tr
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.item9_banner = Item9Banner()
        outer.addWidget(self.item9_banner)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("noteEditorScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        column = QVBoxLayout(body)
        self.scroll.setWidget(body)
        outer.addWidget(self.scroll, 1)
        self.signature_label = QLabel()
        self.signature_label.setObjectName("signatureLabel")
        self.signature_label.setTextFormat(Qt.TextFormat.PlainText)
        self.signature_label.hide()
        column.addWidget(self.signature_label)

        form = _group(column, tr("Session"), QFormLayout())
        self.date_edit = QDateEdit()
        self.date_edit.setObjectName("sessionDateEdit")
        self.date_edit.setAccessibleName(tr("Session date"))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setMaximumWidth(150)
        self.start_edit = line_edit("startTimeEdit", tr("Start time"), tr("HH:MM"))
        self.stop_edit = line_edit("stopTimeEdit", tr("Stop time"), tr("HH:MM"))
        for edit in (self.start_edit, self.stop_edit):
            edit.setMaximumWidth(90)
        self.minutes_label = QLabel()
        self.minutes_label.setObjectName("minutesLabel")
        self.minutes_label.setAccessibleName(tr("Minutes"))
        self.time_error = ErrorLabel()
        self.time_error.setObjectName("timeError")
        times = QHBoxLayout()
        for w in (self.start_edit, QLabel(tr("to")), self.stop_edit, self.minutes_label):
            times.addWidget(w)
        times.addStretch(1)
        self.service_combo = combo_box("serviceTypeCombo", tr("Service"), SERVICE_WORDS)
        self.modality_combo = combo_box("modalityCombo", tr("Modality"), MODALITY_WORDS)
        self.location_combo = combo_box("clientLocationCombo", tr("Client location"), LOCATION_WORDS)
        self.platform_edit = line_edit("telehealthPlatformEdit", tr("Telehealth platform"),
                                       tr("The video or phone service used"))
        self.participants_edit = line_edit("participantsEdit", tr("Participants"),
                                           tr("e.g. client; client and mother"))
        for label, w in ((tr("Date"), self.date_edit), (tr("Time"), times), ("", self.time_error),
                         (tr("Service"), self.service_combo), (tr("Modality"), self.modality_combo),
                         (tr("Client was at"), self.location_combo),
                         (tr("Telehealth platform"), self.platform_edit),
                         (tr("Participants"), self.participants_edit)):
            form.addRow(label, w)

        self.codes = CodesPanel()
        column.addWidget(self.codes)
        self.diagnosis_list = CheckList("diagnosisList", tr("Diagnosis addressed"))
        _group(column, tr("Diagnosis addressed"), QVBoxLayout()).addWidget(self.diagnosis_list)

        note = _group(column, tr("Note"), QVBoxLayout())
        row = QHBoxLayout()
        self.format_combo = combo_box("noteFormatCombo", tr("Note format"), FORMAT_WORDS)
        self.start_from_last = QPushButton(tr("Start from the last note"))
        self.start_from_last.setObjectName("startFromLastButton")
        self.start_from_last.setToolTip(tr("Copy the format, sections, interventions and plan of the "
                                           "client's last note (never its times, risk or signature)"))
        for w in (QLabel(tr("Format")), self.format_combo):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.start_from_last)
        note.addLayout(row)
        self.sections = SectionsEditor()
        note.addWidget(self.sections)

        self.risk_edit = text_edit("riskAssessmentEdit", tr("Risk assessment"), tr(
            "Suicidal and homicidal ideation, plan, intent, means; protective factors; safety plan"))
        _group(column, tr("Risk assessment"), QVBoxLayout()).addWidget(self.risk_edit)
        iv = _group(column, tr("Interventions used"), QVBoxLayout())
        self.interventions_list = CheckList("interventionsList", tr("Interventions used"), columns=3)
        self.interventions_detail = text_edit("interventionsDetailEdit", tr("Other interventions and details"),
                                              tr("Other interventions, details"), 56)
        self.response_edit = text_edit("clientResponseEdit", tr("Client's response"),
                                       tr("How the client responded to the interventions"), 56)
        for w in (self.interventions_list, self.interventions_detail, self.response_edit):
            iv.addWidget(w)

        hw = _group(column, tr("Homework"), QFormLayout())
        self.previous_homework = QLabel()
        self.previous_homework.setObjectName("previousHomeworkLabel")
        self.previous_homework.setAccessibleName(tr("Homework given last time"))
        self.previous_homework.setWordWrap(True)
        self.previous_homework.setTextFormat(Qt.TextFormat.PlainText)
        self.previous_homework.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.review_edit = text_edit("homeworkReviewEdit", tr("Homework review"), tr("How the homework went"), 50)
        self.homework_edit = text_edit("homeworkGivenEdit", tr("Homework given"),
                                       tr("Homework agreed for the next session"), 50)
        for label, w in ((tr("Last time"), self.previous_homework), (tr("How it went"), self.review_edit),
                         (tr("Given today"), self.homework_edit)):
            hw.addRow(label, w)
        self.objectives = ObjectivesEditor()
        _group(column, tr("Progress on plan objectives"), QVBoxLayout()).addWidget(self.objectives)
        self.addenda = AddendaView()
        column.addWidget(self.addenda)

        self.private_group = QGroupBox(tr(
            "Psychotherapy notes — private, kept apart from the record, never printed or exported"))
        self.private_group.setObjectName("psychotherapyGroup")
        private = QVBoxLayout(self.private_group)
        private.addWidget(hint_label(tr(
            "Your process notes (45 CFR 164.501). Not part of the client's record: never in the note, "
            "search, letters, superbills, printouts or exports.")))
        self.private_edit = text_edit("psychotherapyNoteEdit", tr("Psychotherapy notes (private)"), "", 90)
        private.addWidget(self.private_edit)
        column.addWidget(self.private_group)
        column.addStretch(1)

        for edit in (self.start_edit, self.stop_edit):
            edit.textEdited.connect(self.on_setting_changed)
        for combo in (self.service_combo, self.modality_combo, self.location_combo):
            combo.currentIndexChanged.connect(self.on_setting_changed)
        self.date_edit.dateChanged.connect(self._edited)
        for edit in (self.platform_edit, self.participants_edit):
            edit.textEdited.connect(self._edited)
        for edit in (self.risk_edit, self.interventions_detail, self.response_edit, self.review_edit,
                     self.homework_edit, self.private_edit):
            edit.textChanged.connect(self._edited)
        for w in (self.sections, self.objectives, self.diagnosis_list, self.interventions_list, self.codes):
            w.changed.connect(self._edited)
        self.format_combo.currentIndexChanged.connect(self.on_format_combo_current_index_changed)
        self.start_from_last.clicked.connect(self.start_from_last_requested)
        self.risk_edit.textChanged.connect(self.on_risk_edit_text_changed)
        self.item9_banner.go_to_risk.connect(self.on_item9_banner_go_to_risk)

    # --- what the tab tells the editor ----------------------------------------------------------

    def set_client_context(self, diagnoses: Sequence[tuple[str, str]],
                           objectives: Sequence[tuple[str, str]], today: date) -> None:
        """The client's diagnoses and plan objectives as (value, label); today caps the date."""
        self._diagnoses, self._objectives = list(diagnoses), list(objectives)
        self._loading, was_loading = True, self._loading
        self.date_edit.setMaximumDate(QDate(today))
        self._loading = was_loading

    def set_previous(self, previous: SessionNote | None) -> None:
        """The client's note before this one: its homework is shown here to review."""
        if previous is None:
            text = self.tr("No earlier note: this is the client's first.")
        elif previous.homework_given.strip():
            text = self.tr("Given on {0}: {1}").format(previous.session_date.isoformat(),
                                                      previous.homework_given.strip())
        else:
            text = self.tr("No homework was given at the last session ({0}).").format(
                previous.session_date.isoformat())
        self.previous_homework.setText(text)

    def set_instruments_scored(self, count: int) -> None:
        self.codes.instruments = count
        self.codes.refresh()

    def set_item9(self, positive: bool) -> None:
        self.item9_banner.set_positive(positive)

    def set_signature(self, text: str) -> None:
        self.signature_label.setText(text)
        self.signature_label.setVisible(bool(text))

    # --- state ---------------------------------------------------------------------------------

    def load(self, draft: NoteDraft) -> None:
        """Show ``draft`` exactly as it was typed (nothing here emits ``changed``)."""
        self._loading = True
        self._draft = draft
        self.clear_missing()
        day = QDate.fromString(draft.session_date, Qt.DateFormat.ISODate)
        self.date_edit.setDate(day if day.isValid() else self.date_edit.maximumDate())
        self.start_edit.setText(draft.start_text)
        self.stop_edit.setText(draft.stop_text)
        for combo, value in ((self.service_combo, draft.service_type), (self.modality_combo, draft.modality),
                             (self.location_combo, draft.client_location), (self.format_combo, draft.note_format)):
            combo.setCurrentIndex(max(combo.findData(value), 0))
        self.platform_edit.setText(draft.telehealth_platform)
        self.participants_edit.setText(draft.participants)
        self.sections.set_sections(NoteFormat(draft.note_format), draft.sections)
        self.sections.plan_edit.setPlainText(draft.plan_text)
        self.diagnosis_list.set_choices(self._diagnoses, draft.diagnosis_codes)
        self.interventions_list.set_choices([(c, self.tr(c)) for c in INTERVENTION_CHOICES], draft.interventions)
        for edit, text in ((self.risk_edit, draft.risk_assessment), (self.interventions_detail, draft.interventions_detail),
                           (self.response_edit, draft.client_response), (self.review_edit, draft.homework_review),
                           (self.homework_edit, draft.homework_given), (self.private_edit, draft.psychotherapy_text)):
            edit.setPlainText(text)
        self.objectives.set_objectives(self._objectives, draft.objective_progress)
        self.codes.load(draft)
        self._refresh()
        self._loading = False

    def state(self) -> NoteDraft:
        """Everything shown, raw, as the autosave and the save read it."""
        return self.codes.fill(replace(
            self._draft,
            session_date=self.date_edit.date().toString(Qt.DateFormat.ISODate),
            start_text=self.start_edit.text(), stop_text=self.stop_edit.text(),
            service_type=self.service_combo.currentData(), modality=self.modality_combo.currentData(),
            client_location=self.location_combo.currentData(),
            telehealth_platform=self.platform_edit.text(), participants=self.participants_edit.text(),
            diagnosis_codes=self.diagnosis_list.checked(), note_format=self.format_combo.currentData(),
            sections=self.sections.sections(), risk_assessment=self.risk_edit.toPlainText(),
            interventions=self.interventions_list.checked(),
            interventions_detail=self.interventions_detail.toPlainText(),
            client_response=self.response_edit.toPlainText(), homework_given=self.homework_edit.toPlainText(),
            homework_review=self.review_edit.toPlainText(), objective_progress=self.objectives.progress(),
            plan_text=self.sections.plan_edit.toPlainText(), psychotherapy_text=self.private_edit.toPlainText(),
        ))

    def key(self) -> str:
        """The drafts-table key of the note shown ("note:<client>:<session or new>")."""
        return self._draft.key

    def session_id(self) -> int | None:
        return self._draft.session_id

    def set_session_id(self, session_id: int) -> None:
        """The note shown was just saved for the first time."""
        self._draft = replace(self._draft, session_id=session_id)
        self._refresh()

    def minutes(self) -> int | None:
        try:
            start, stop = parse_clock(self.start_edit.text()), parse_clock(self.stop_edit.text())
        except ValidationError:
            return None
        if start is None or stop is None or stop <= start:
            return None
        return (stop.hour * 60 + stop.minute) - (start.hour * 60 + start.minute)

    def set_locked(self, locked: bool) -> None:
        """A signed note: the record is read-only; the private psychotherapy notes stay editable."""
        self.locked = locked
        for w in (self.start_edit, self.stop_edit, self.platform_edit, self.participants_edit, self.date_edit,
                  self.risk_edit, self.interventions_detail, self.response_edit, self.review_edit,
                  self.homework_edit):
            w.setReadOnly(locked)
        for w in (self.service_combo, self.modality_combo, self.location_combo, self.format_combo):
            w.setEnabled(not locked)
        for w in (self.sections, self.diagnosis_list, self.interventions_list, self.objectives, self.codes):
            w.set_read_only(locked)
        body = self.scroll.widget()
        for w in [*body.findChildren(QLineEdit), *body.findChildren(QPlainTextEdit)]:  # no hints when locked
            if w is not self.private_edit:
                if w.property("hint") is None:
                    w.setProperty("hint", w.placeholderText())
                w.setPlaceholderText("" if locked else w.property("hint"))
        self._refresh()

    def highlight_missing(self, reasons: Sequence[str], *, scroll: bool = False) -> None:
        """Outline the field behind each reason the signing check gave (and scroll to the first)."""
        self.clear_missing()
        marked: list[QWidget] = []
        for reason in (r.lower() for r in reasons):
            if reason.startswith(("a stop time", "stop time")):
                marked.append(self.stop_edit)
            elif reason.startswith("start time"):
                marked.append(self.start_edit)
            elif "cpt" in reason:
                marked.append(self.codes.lines_editor.add_button)
            elif "diagnosis" in reason:
                marked.append(self.diagnosis_list)
            elif "complexity" in reason:
                marked.append(self.codes.factor_combo)
            elif "intervention" in reason:
                marked.append(self.interventions_list)
            elif "note text" in reason:
                marked += list(self.sections.edits.values())
            elif "risk assessment" in reason:
                marked.append(self.risk_edit)
        for widget in marked:
            mark_missing(widget, True)
        if scroll and marked:
            self.scroll.ensureWidgetVisible(marked[0], 50, 80)

    def clear_missing(self) -> None:
        for w in (self.start_edit, self.stop_edit, self.diagnosis_list, self.interventions_list,
                  self.codes.factor_combo, self.risk_edit):
            mark_missing(w, False)
        self.sections.mark_missing(False)
        self.codes.lines_editor.mark_missing(False)

    # --- live behaviour -------------------------------------------------------------------------

    def _edited(self, *_args: object) -> None:
        if not self._loading:
            self.changed.emit()

    @Slot()
    def on_setting_changed(self) -> None:
        if not self._loading:
            self._refresh()
            self._edited()

    @Slot()
    def on_format_combo_current_index_changed(self) -> None:
        if not self._loading:
            self.sections.change_format(NoteFormat(self.format_combo.currentData()))
            self._refresh()
            self._edited()

    @Slot()
    def on_risk_edit_text_changed(self) -> None:
        self.item9_banner.set_risk_written(bool(self.risk_edit.toPlainText().strip()))

    @Slot()
    def on_item9_banner_go_to_risk(self) -> None:
        self.scroll.ensureWidgetVisible(self.risk_edit)
        self.risk_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _refresh(self) -> None:
        """Minutes, time errors, the code proposal and which fields apply, from what is shown."""
        problems = []
        for label, edit in ((self.tr("Start time"), self.start_edit), (self.tr("Stop time"), self.stop_edit)):
            try:
                parse_clock(edit.text())
            except ValidationError as error:
                problems.append(f"{label}: {error.message}.")
        minutes = self.minutes()
        if not problems and minutes is None and self.start_edit.text().strip() and self.stop_edit.text().strip():
            problems.append(self.tr("The stop time must be after the start time."))
        self.time_error.show_message(" ".join(problems))
        self.minutes_label.setText(self.tr("= {0} minutes").format(minutes) if minutes is not None else "")
        modality = Modality(self.modality_combo.currentData())
        self.codes.set_setting(ServiceType(self.service_combo.currentData()), modality,
                               ClientLocation(self.location_combo.currentData()), minutes)
        self.platform_edit.setEnabled(modality is not Modality.IN_PERSON)
        fmt = NoteFormat(self.format_combo.currentData())
        self.response_edit.setVisible("Response" not in NOTE_SECTIONS[fmt] or bool(self.response_edit.toPlainText()))
        self.start_from_last.setVisible(not self.locked and self._draft.session_id is None)
        self.item9_banner.set_risk_written(bool(self.risk_edit.toPlainText().strip()))
