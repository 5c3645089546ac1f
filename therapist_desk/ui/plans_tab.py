"""The Treatment Plans tab: the selected client's plan versions, the tree editor, signing, reviews,
progress and the discharge summary.

Only the current, unsigned version is editable; signed and earlier versions are read-only. Every
edit restarts a short timer that keeps the whole plan in the drafts table ("plan:<client_id>");
the draft is restored (with a banner to discard it) when the client is opened again.

objectNames: treatmentPlansTab, planClientLabel, planVersionCombo, planStatusLabel,
planReadOnlyBanner, planDraftBanner, planDraftText, planDiscardDraftButton, planInnerTabs,
planSplitter, planLibraryButton, planSaveButton, planSignButton, planReviewButton,
planDischargeButton, planErrorLabel, planAutosaveLabel (+ plan_tree_editor, plan_node_form,
plan_progress_view).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.enums import ClientParticipation
from therapist_desk.domain.errors import ValidationError, ValidationErrors
from therapist_desk.domain.plan import TreatmentPlan
from therapist_desk.services import clients, plans, practice
from therapist_desk.services.common import ActionRefused
from therapist_desk.services.plan_library import PlanNode
from therapist_desk.services.plan_progress import objective_ratings, plan_summary
from therapist_desk.services.vault_access import RecordNotFound, VaultError
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.discharge_summary_dialog import DischargeSummaryDialog, error_text
from therapist_desk.ui.plan_library_dialog import (
    PlanLibraryDialog,
    open_library,
    save_node_to_library,
)
from therapist_desk.ui.plan_node_form import PlanDetailsForm, PlanNodeForm
from therapist_desk.ui.plan_progress_view import PlanProgressView
from therapist_desk.ui.plan_sign_dialog import PlanSignDialog, read_only_text, status_text
from therapist_desk.ui.plan_tree_editor import PlanTreeEditor
from therapist_desk.ui.widgets import ErrorLabel, heading_label, hint_label

log = logging.getLogger(__name__)
AUTOSAVE_MS = 2000
EXPECTED_ERRORS = (ValidationError, ValidationErrors, ActionRefused, VaultError, RecordNotFound)
BANNER_STYLE = ("#planDraftBanner { background: #fff4c2; border: 1px solid #d4a000; border-radius: 4px; }"
                "#planReadOnlyBanner { background: #e8f0fe; border: 1px solid #4a6fa5; border-radius: 4px;"
                " padding: 4px; }")


class PlansTab(QWidget):
    """One client's treatment plan. Follows ``ctx.signals.client_selected``."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("treatmentPlansTab")
        self.setAccessibleName(self.tr("Treatment Plans"))
        self.setStyleSheet(BANNER_STYLE)
        self.client_id = -1
        self.versions: list[TreatmentPlan] = []
        self.plan: TreatmentPlan | None = None  # the version shown (a fresh one while there is none)
        self.editable = False
        self._dirty = self._pending = False
        self._announcing = False
        self._diagnoses: list[tuple[str, str]] = []
        self._review_days = 90
        self.library_dialog: PlanLibraryDialog | None = None
        self.sign_dialog: PlanSignDialog | None = None
        self.discharge_dialog: DischargeSummaryDialog | None = None
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setSingleShot(True)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.on_autosave_timer_timeout)
        self._build()
        ctx.signals.client_selected.connect(self.on_signals_client_selected)
        ctx.signals.client_changed.connect(self.on_signals_client_changed)
        ctx.signals.settings_changed.connect(self.on_signals_settings_changed)
        ctx.signals.about_to_lock.connect(self.on_signals_about_to_lock)
        self.clear()

    def _button(self, name: str, text: str, slot: object) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        button.clicked.connect(slot)
        return button

    def _build(self) -> None:
        self.client_label = heading_label("", scale=1.2)
        self.client_label.setObjectName("planClientLabel")
        self.versions_combo = QComboBox(self)
        self.versions_combo.setObjectName("planVersionCombo")
        self.versions_combo.setAccessibleName(self.tr("Plan version"))
        self.versions_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.versions_combo.activated.connect(self.on_versions_combo_activated)
        self.status_label = QLabel()
        self.status_label.setObjectName("planStatusLabel")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.save_button = self._button("planSaveButton", self.tr("&Save plan"), self.on_save_button_clicked)
        self.sign_button = self._button("planSignButton", self.tr("Si&gn…"), self.on_sign_button_clicked)
        self.review_button = self._button("planReviewButton", self.tr("Start &review"), self.on_review_button_clicked)
        self.discharge_button = self._button("planDischargeButton", self.tr("&Discharge summary…"),
                                             self.on_discharge_button_clicked)
        self.review_button.setToolTip(self.tr("Make a new version from the signed plan; the signed one is kept."))
        top = QHBoxLayout()
        top.addWidget(self.client_label)
        top.addStretch(1)
        top.addWidget(QLabel(self.tr("Version:")))
        top.addWidget(self.versions_combo)
        actions = QHBoxLayout()
        actions.addWidget(self.status_label, 1)
        for button in (self.save_button, self.sign_button, self.review_button, self.discharge_button):
            actions.addWidget(button)
        self.read_only_banner = QLabel()
        self.read_only_banner.setObjectName("planReadOnlyBanner")
        self.read_only_banner.setWordWrap(True)
        self.draft_banner = QFrame()
        self.draft_banner.setObjectName("planDraftBanner")
        self.draft_text = QLabel()
        self.draft_text.setObjectName("planDraftText")
        self.draft_text.setWordWrap(True)
        discard = self._button("planDiscardDraftButton", self.tr("Discard these edits"), self.on_discard_draft_button_clicked)
        banner_row = QHBoxLayout(self.draft_banner)
        banner_row.addWidget(self.draft_text, 1)
        banner_row.addWidget(discard)
        self.editor = PlanTreeEditor(self)
        self.library_button = self._button("planLibraryButton", self.tr("From &library…"), self.on_library_button_clicked)
        self.editor.top.insertWidget(4, self.library_button)
        self.form = PlanNodeForm(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("planSplitter")
        self.splitter.addWidget(self.editor)
        self.splitter.addWidget(self.form)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.details = PlanDetailsForm(self)
        self.progress = PlanProgressView(self)
        self.inner_tabs = QTabWidget(self)
        self.inner_tabs.setObjectName("planInnerTabs")
        self.inner_tabs.addTab(self.splitter, self.tr("Problems, goals && objectives"))
        self.inner_tabs.addTab(self.details, self.tr("Plan details"))
        self.inner_tabs.addTab(self.progress, self.tr("Progress"))
        self.inner_tabs.currentChanged.connect(self.on_inner_tabs_current_changed)
        self.error = ErrorLabel()
        self.error.setObjectName("planErrorLabel")
        self.autosave_label = hint_label("")
        self.autosave_label.setObjectName("planAutosaveLabel")
        self.empty = hint_label(self.tr("Select a client on the Clients tab to see their treatment plan."))
        self.empty.setObjectName("planEmptyState")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(actions)
        layout.addWidget(self.read_only_banner)
        layout.addWidget(self.draft_banner)
        layout.addWidget(self.error)
        layout.addWidget(self.empty)
        layout.addWidget(self.inner_tabs, 1)
        layout.addWidget(self.autosave_label)
        self.editor.changed.connect(self.on_editor_changed)
        self.editor.current_node_changed.connect(self.on_editor_current_node_changed)
        self.editor.save_to_library_requested.connect(self.on_editor_save_to_library_requested)
        self.form.edited.connect(self.on_form_edited)
        self.details.edited.connect(self.on_details_edited)

    # --- public API (main window) -------------------------------------------------------------

    def has_unsaved_changes(self) -> bool:
        return self._dirty

    def discard_or_save(self) -> bool:
        """Asked before lock or quit: the edits go to the autosaved draft and come back next time."""
        self.flush_drafts()
        return True

    def save(self) -> None:
        if self.editable:
            self.save_now()

    def flush_drafts(self) -> None:
        """Keep the unsaved edits in the drafts table now (one short transaction)."""
        self.autosave_timer.stop()
        if not self._pending or self.ctx.vault is None or self.client_id < 0 or not self.editable:
            return
        try:
            plan = self.plan_from_widgets(strict=False)
            with self.ctx.unit_of_work() as session:
                plans.keep_plan_draft(session, plan, self.ctx.now())
        except (VaultError, RuntimeError) as error:
            log.error("plan autosave failed: %s", type(error).__name__)
            self.autosave_label.setText(self.tr("Autosave failed: {0}. Keep this window open.").format(error))
            return
        self._pending = False
        self.autosave_label.setText(self.tr("Unsaved edits kept as a draft at {0}").format(self.ctx.now().strftime("%H:%M:%S")))

    def clear(self) -> None:
        self.autosave_timer.stop()
        for dialog in (self.library_dialog, self.sign_dialog, self.discharge_dialog):
            if dialog is not None:
                dialog.reject()
        self.client_id, self.versions, self.plan, self.editable = -1, [], None, False
        self._dirty = self._pending = False
        self.client_label.setText(self.tr("Treatment plan"))
        self.versions_combo.clear()
        self.status_label.clear()
        self.editor.set_problems(())
        self.progress.clear()
        for widget in (self.read_only_banner, self.draft_banner, self.inner_tabs):
            widget.hide()
        self.empty.show()
        self.error.clear_message()
        self.autosave_label.clear()
        for button in (self.save_button, self.sign_button, self.review_button, self.discharge_button, self.versions_combo):
            button.setEnabled(False)

    def show_client(self, client_id: int, version_id: int | None = None) -> None:
        """Load the client's versions and show ``version_id`` (default: the current one)."""
        self.flush_drafts()
        tab = self.inner_tabs.currentIndex()
        self.clear()
        if client_id < 0 or self.ctx.vault is None:
            return
        try:
            with self.ctx.reader() as session:
                client = clients.get_client(session, client_id)
                self.versions = plans.plan_versions(session, client_id)
                draft = plans.find_plan_draft(session, client_id)
                profile = practice.get_profile(session)
                self.editor.linked_keys = set(objective_ratings(session, client_id))
        except EXPECTED_ERRORS as error:
            log.warning("plan not loaded: %s", type(error).__name__)
            self.error.show_message(error_text(error))
            return
        self.client_id = client_id
        self._review_days = profile.plan_review_days if profile else 90
        self._diagnoses = [(d.code, d.title) for d in client.diagnoses]
        self.client_label.setText(self.tr("Treatment plan: {0}").format(client.display_name))
        self.empty.hide()
        self.inner_tabs.show()
        self.inner_tabs.setCurrentIndex(tab)
        self.discharge_button.setEnabled(True)
        self.versions_combo.setEnabled(True)
        self._fill_versions()
        current = next((p for p in self.versions if p.id == version_id), None) if version_id else None
        self._show(current or self._current_or_new(), draft)

    def _current_or_new(self) -> TreatmentPlan:
        return self.versions[-1] if self.versions else TreatmentPlan(self.client_id)

    def _fill_versions(self) -> None:
        self.versions_combo.clear()
        for plan in reversed(self.versions):
            state = (self.tr("signed {0}").format(f"{plan.signed_at:%Y-%m-%d}") if plan.signed_at
                     else self.tr("draft"))
            current = self.tr(", current") if plan is self.versions[-1] else ""
            self.versions_combo.addItem(self.tr("Version {0} ({1}{2})").format(plan.version, state, current), plan.id)
        if not self.versions:
            self.versions_combo.addItem(self.tr("New plan (not saved yet)"), None)

    def _show(self, plan: TreatmentPlan, draft: tuple[TreatmentPlan, datetime] | None = None) -> None:
        self.plan = plan
        is_current = not self.versions or plan.id == self.versions[-1].id
        self.editable = is_current and not plan.is_signed
        self.versions_combo.setCurrentIndex(max(0, self.versions_combo.findData(plan.id)))
        shown, restored_at = plan, None
        if draft is not None and self.editable and draft[0].id == plan.id:
            shown, restored_at = replace(draft[0], version=plan.version), draft[1]
        self._fill_widgets(shown)
        self.draft_banner.setVisible(draft is not None and (restored_at is not None or is_current))
        if restored_at is not None:
            self.draft_text.setText(self.tr("Unsaved edits from {0} were restored. Save the plan to keep them.")
                                    .format(f"{restored_at:%Y-%m-%d %H:%M}"))
            self._dirty = True
        elif draft is not None:
            self.draft_text.setText(self.tr("Unsaved edits from {0} could not be applied: the plan has changed "
                                            "since (signed or saved elsewhere).").format(f"{draft[1]:%Y-%m-%d %H:%M}"))
        self._update_state()
        self.refresh_progress()

    def _fill_widgets(self, plan: TreatmentPlan) -> None:
        read_only = not self.editable
        self.editor.set_read_only(read_only)
        self.editor.set_problems(plan.problems)
        # A new plan addresses the client's diagnoses unless the clinician unticks some.
        codes = plan.diagnosis_codes if plan.id is not None or plan.problems else tuple(c for c, _ in self._diagnoses)
        self.details.show_details(codes, self._diagnoses, plan.strengths, plan.barriers,
                                  plan.discharge_criteria, plan.effective_on, plan.review_due, self._review_days,
                                  read_only)
        self._update_default_target()
        self._dirty = self._pending = False

    def _update_default_target(self) -> None:
        """New objectives are due at the plan's review date (typed, or the practice default)."""
        try:
            effective_on, review_due = self.details.dates()
        except ValidationError:
            return
        start = effective_on or self.ctx.now().date()
        self.editor.default_target_date = review_due or start + timedelta(days=self._review_days)

    def _update_state(self) -> None:
        plan = self.plan
        if plan is None:
            return
        current = self.versions[-1] if self.versions else None
        self.save_button.setEnabled(self.editable)
        self.sign_button.setEnabled(self.editable)
        self.library_button.setEnabled(self.editable)
        self.review_button.setEnabled(current is not None and current.is_signed)
        self.status_label.setText(status_text(plan, plan is current, self.ctx.now().date()))
        banner = read_only_text(plan, plan is current)
        self.read_only_banner.setText(banner)
        self.read_only_banner.setVisible(bool(banner))

    def plan_from_widgets(self, *, strict: bool = True) -> TreatmentPlan:
        """The plan as edited. ``strict``: a date that does not parse raises ValidationError;
        otherwise the last good dates are kept (autosave must never fail on half-typed dates)."""
        assert self.plan is not None
        try:
            effective_on, review_due = self.details.dates()
        except ValidationError:
            if strict:
                raise
            effective_on, review_due = self.plan.effective_on, self.plan.review_due
        return replace(self.plan, problems=self.editor.problems(), diagnosis_codes=self.details.codes(),
                       strengths=self.details.strengths.toPlainText(), barriers=self.details.barriers.toPlainText(),
                       discharge_criteria=self.details.discharge_criteria.toPlainText(),
                       effective_on=effective_on, review_due=review_due)

    # --- editing and autosave --------------------------------------------------------------------

    @Slot()
    def on_editor_changed(self) -> None:
        if not self.editable:
            return
        self._dirty = self._pending = True
        self.autosave_timer.start()
        self.autosave_label.setText(self.tr("Editing…"))

    @Slot()
    def on_details_edited(self) -> None:
        self._update_default_target()
        self.on_editor_changed()

    @Slot(object)
    def on_editor_current_node_changed(self, node: object) -> None:
        self.form.show_node(getattr(node, "value", None), not self.editable)

    @Slot(object)
    def on_form_edited(self, value: object) -> None:
        self.editor.update_current(value)  # type: ignore[arg-type]

    @Slot()
    def on_autosave_timer_timeout(self) -> None:
        self.flush_drafts()

    @Slot()
    def on_discard_draft_button_clicked(self) -> None:
        with self.ctx.unit_of_work() as session:
            plans.discard_plan_draft(session, self.client_id)
        self._dirty = self._pending = False
        self.show_client(self.client_id, self.plan.id if self.plan else None)

    # --- actions ------------------------------------------------------------------------------------

    @Slot()
    def on_save_button_clicked(self) -> None:
        self.save_now()

    def save_now(self) -> bool:
        self.error.clear_message()
        try:
            plan = self.plan_from_widgets()
            with self.ctx.unit_of_work() as session:
                saved = plans.save_plan(session, plan, self.ctx.now())
                plans.discard_plan_draft(session, self.client_id)
        except EXPECTED_ERRORS as error:
            self.error.show_message(error_text(error))
            return False
        self._after_write(saved, self.tr("Plan saved (version {0}).").format(saved.version))
        return True

    def _after_write(self, plan: TreatmentPlan, message: str) -> None:
        """Reload from the vault (new nodes now carry their stable keys) and keep the selection."""
        node = self.editor.current_node()
        path = []
        while node is not None and node.parent is not None:
            path.insert(0, node.row())
            node = node.parent
        self._dirty = self._pending = False
        self._announcing = True  # our own client_changed must not reload a second time
        try:
            self.ctx.signals.client_changed.emit(self.client_id)  # attention list, next review date
        finally:
            self._announcing = False
        self.show_client(self.client_id, plan.id)
        self.editor.select_path(path)
        self.autosave_label.clear()
        self.ctx.signals.status_message.emit(message)

    @Slot()
    def on_sign_button_clicked(self) -> None:
        try:
            with self.ctx.reader() as session:
                profile = practice.require_profile(session)
        except EXPECTED_ERRORS as error:
            self.error.show_message(error_text(error))
            return
        assert self.plan is not None
        self.sign_dialog = PlanSignDialog(self.plan.version, profile.signature_line, self.ctx.now(), self.sign_now, self)
        self.sign_dialog.open()

    def sign_now(self, participation: ClientParticipation, reason: str) -> TreatmentPlan:
        """Save what is on screen and sign it in one transaction (a refusal rolls both back)."""
        plan = self.plan_from_widgets()
        with self.ctx.unit_of_work() as session:
            saved = plans.save_plan(session, plan, self.ctx.now())
            assert saved.id is not None
            signed = plans.sign_plan(session, saved.id, participation, self.ctx.now(), note=reason)
            plans.discard_plan_draft(session, self.client_id)
        self._after_write(signed, self.tr("Plan version {0} signed.").format(signed.version))
        return signed

    @Slot()
    def on_review_button_clicked(self) -> None:
        self.error.clear_message()
        try:
            with self.ctx.unit_of_work() as session:
                draft = plans.start_review(session, self.client_id, self.ctx.now())
        except EXPECTED_ERRORS as error:
            self.error.show_message(error_text(error))
            return
        self._after_write(draft, self.tr("Review started: version {0} is a new draft; version {1} is kept.")
                          .format(draft.version, draft.version - 1))

    @Slot(int)
    def on_versions_combo_activated(self, index: int) -> None:
        plan_id = self.versions_combo.itemData(index)
        if self.plan is None or plan_id == self.plan.id:
            return
        self.flush_drafts()  # the edits wait in the drafts table and come back with the current version
        with self.ctx.reader() as session:
            draft = plans.find_plan_draft(session, self.client_id)
        self._show(next(p for p in self.versions if p.id == plan_id), draft)

    @Slot()
    def on_library_button_clicked(self) -> None:
        self.library_dialog = open_library(self.ctx, self.editor, self)

    @Slot(object)
    def on_editor_save_to_library_requested(self, node: PlanNode) -> None:
        try:
            self.editor.message.setText(save_node_to_library(self.ctx, node))
        except EXPECTED_ERRORS as error:
            self.error.show_message(error_text(error))

    @Slot()
    def on_discharge_button_clicked(self) -> None:
        self.discharge_dialog = DischargeSummaryDialog(self.ctx, self.client_id, self)
        self.discharge_dialog.open()

    # --- progress and app signals ---------------------------------------------------------------

    def refresh_progress(self) -> None:
        if self.plan is None or self.client_id < 0 or self.inner_tabs.currentWidget() is not self.progress:
            return
        plan = self.plan_from_widgets(strict=False) if self.editable else self.plan
        with self.ctx.reader() as session:
            self.progress.show_summary(plan_summary(session, self.client_id, self.ctx.now().date(), plan)
                                       if plan.id is not None or plan.problems else None)

    @Slot(int)
    def on_inner_tabs_current_changed(self, index: int) -> None:
        self.refresh_progress()

    @Slot(int)
    def on_signals_client_selected(self, client_id: int) -> None:
        if client_id != self.client_id:
            self.show_client(client_id)

    @Slot(int)
    def on_signals_client_changed(self, client_id: int) -> None:
        if client_id == self.client_id and not self._dirty and not self._announcing:
            self.show_client(client_id, self.plan.id if self.plan else None)

    @Slot()
    def on_signals_settings_changed(self) -> None:
        if self.client_id >= 0 and not self._dirty:
            self.show_client(self.client_id, self.plan.id if self.plan else None)

    @Slot()
    def on_signals_about_to_lock(self) -> None:
        self.flush_drafts()
        self.clear()
