"""Sign a plan version: the client's participation (signed, agreed verbally, declined with a reason),
and the words that say where a version stands (signed, by whom, review due).

objectNames: planSignDialog, signParticipationSigned, signParticipationVerbal,
signParticipationDeclined, signDeclineReason, signClinicianLabel, signError, signButtons.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QCoreApplication, Qt, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.enums import ClientParticipation
from therapist_desk.domain.errors import ValidationError, ValidationErrors
from therapist_desk.domain.plan import TreatmentPlan
from therapist_desk.services.common import ActionRefused
from therapist_desk.services.plans import review_due_soon
from therapist_desk.ui.discharge_dialog import error_label
from therapist_desk.ui.widgets import heading_label, hint_label

PARTICIPATION_WORDS = {ClientParticipation.SIGNED: "client signed", ClientParticipation.VERBAL: "client agreed verbally",
                       ClientParticipation.DECLINED: "client declined to sign"}


def _tr(text: str) -> str:
    return QCoreApplication.translate("PlanSignDialog", text)


def status_text(plan: TreatmentPlan, is_current: bool, today: date) -> str:
    """"Version 2 · signed 2026-06-01 10:00 by ... · client signed · effective ... · review due ..."."""
    if plan.id is None:
        return _tr("No plan yet. Add a problem, or pick one from the library, then save.")
    parts = [_tr("Version {0}").format(plan.version)]
    if plan.signed_at:
        parts.append(_tr("signed {0} by {1}").format(f"{plan.signed_at:%Y-%m-%d %H:%M}", plan.signed_by))
        if plan.participation:
            note = f": {plan.participation_note}" if plan.participation_note else ""
            parts.append(_tr(PARTICIPATION_WORDS[plan.participation]) + note)
    else:
        parts.append(_tr("draft, not signed"))
    if plan.effective_on:
        parts.append(_tr("effective {0}").format(plan.effective_on.isoformat()))
    if plan.review_due and is_current:
        late = _tr(" (overdue)") if plan.review_due < today else (
            _tr(" (due soon)") if review_due_soon(plan, today) else "")
        parts.append(_tr("review due {0}{1}").format(plan.review_due.isoformat(), late))
    return " · ".join(parts)


def read_only_text(plan: TreatmentPlan, is_current: bool) -> str:
    """Why this version cannot be edited ("" when it can)."""
    if not is_current and plan.id is not None:
        return _tr("Version {0} is an earlier version, kept as it was. It is read-only.").format(plan.version)
    if plan.is_signed:
        return _tr("Version {0} is signed and read-only. Start a review to make a new version; "
                   "this one is kept.").format(plan.version)
    return ""


class PlanSignDialog(QDialog):
    """``submit(participation, reason)`` saves and signs; a refusal is listed and the dialog stays."""

    def __init__(self, version: int, signature_line: str, now: datetime,
                 submit: Callable[[ClientParticipation, str], object], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("planSignDialog")
        self.setWindowTitle(self.tr("Sign treatment plan"))
        self._submit = submit
        self.group = QButtonGroup(self)
        self.radios: dict[ClientParticipation, QRadioButton] = {}
        for participation, name, text in (
            (ClientParticipation.SIGNED, "signParticipationSigned", self.tr("The client &signed the plan")),
            (ClientParticipation.VERBAL, "signParticipationVerbal", self.tr("The client &agreed verbally")),
            (ClientParticipation.DECLINED, "signParticipationDeclined", self.tr("The client &declined to sign")),
        ):
            radio = QRadioButton(text, self)
            radio.setObjectName(name)
            radio.setAccessibleName(text.replace("&", ""))
            self.group.addButton(radio)
            self.radios[participation] = radio
        self.radios[ClientParticipation.SIGNED].setChecked(True)
        self.group.buttonToggled.connect(self.on_group_button_toggled)
        self.reason = QPlainTextEdit(self)
        self.reason.setObjectName("signDeclineReason")
        self.reason.setAccessibleName(self.tr("Reason the client declined"))
        self.reason.setPlaceholderText(self.tr("Why the client declined (required)"))
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(70)
        self.reason.setEnabled(False)
        self.clinician = QLabel(self.tr("Signed by {0} on {1}.").format(signature_line, now.strftime("%Y-%m-%d %H:%M")))
        self.clinician.setObjectName("signClinicianLabel")
        self.clinician.setTextFormat(Qt.TextFormat.PlainText)
        self.error = error_label("signError")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.setObjectName("signButtons")
        self.sign_button = self.buttons.addButton(self.tr("Sign plan"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_button.setObjectName("signPlanButton")
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading_label(self.tr("Sign version {0}").format(version), scale=1.2))
        layout.addWidget(hint_label(self.tr("A signed version is read-only. Changes later go into a review, "
                                            "which makes a new version and keeps this one.")))
        layout.addWidget(QLabel(self.tr("Client participation:")))
        for radio in self.radios.values():
            layout.addWidget(radio)
        layout.addWidget(self.reason)
        layout.addWidget(self.clinician)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(460, self.sizeHint().height())

    def participation(self) -> ClientParticipation:
        return next(p for p, radio in self.radios.items() if radio.isChecked())

    @Slot(object, bool)
    def on_group_button_toggled(self, button: object, checked: bool) -> None:
        declined = self.radios[ClientParticipation.DECLINED].isChecked()
        self.reason.setEnabled(declined)
        if declined:
            self.reason.setFocus()

    @Slot()
    def on_buttons_accepted(self) -> None:
        self.error.clear_message()
        participation = self.participation()
        reason = self.reason.toPlainText().strip() if participation is ClientParticipation.DECLINED else ""
        if participation is ClientParticipation.DECLINED and not reason:
            self.error.show_message(self.tr("Write the reason the client declined to sign."))
            self.reason.setFocus()
            return
        try:
            self._submit(participation, reason)
        except ActionRefused as refused:
            self.error.show_message(refused.summary + ":\n" + "\n".join(f"• {r}" for r in refused.reasons))
            return
        except ValidationErrors as errors:
            self.error.show_message("\n".join(str(e) for e in errors.errors))
            return
        except ValidationError as error:
            self.error.show_message(str(error))
            return
        self.accept()
