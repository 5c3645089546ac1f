"""Discharge summaries: facts generated from the record, the clinician's edited text, signature.

The facts (dates, signed sessions, objectives met, first and final scores) are a snapshot taken
when the summary is generated or refreshed; once signed, the summary never changes even if the
record does. Stored as one JSON document per summary (table ``discharge_summaries``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from therapist_desk.domain.enums import ClientStatus, Instrument, NoteStatus, ObjectiveStatus
from therapist_desk.domain.errors import ErrorCollector
from therapist_desk.domain.measures import INSTRUMENTS
from therapist_desk.services.clients import discharge_client
from therapist_desk.services.common import ActionRefused, audit
from therapist_desk.services.plan_progress import (
    STATUS_WORDS,
    ScoreTrend,
    plan_summary,
    score_trends,
)
from therapist_desk.services.practice import require_profile
from therapist_desk.store.models import SessionRow
from therapist_desk.store.repositories import plan_library as repo
from therapist_desk.store.repositories._json import opt_date
from therapist_desk.store.repositories.clients import load_client


class DischargeSummaryLocked(ActionRefused):
    def __init__(self) -> None:
        super().__init__("This discharge summary is signed", ("it can no longer change",))


@dataclass(frozen=True, slots=True)
class ObjectiveOutcome:
    number: str
    description: str
    status: ObjectiveStatus
    target_reached: bool | None = None

    @property
    def met(self) -> bool:
        return self.status is ObjectiveStatus.MET


@dataclass(frozen=True, slots=True)
class DischargeFacts:
    intake_date: date | None
    first_session: date | None
    last_session: date | None
    sessions_attended: int  # signed notes between intake and discharge
    unsigned_sessions: int
    diagnoses: tuple[str, ...]
    plan_version: int | None
    objectives: tuple[ObjectiveOutcome, ...]
    scores: tuple[ScoreTrend, ...]

    @property
    def objectives_met(self) -> int:
        return sum(1 for o in self.objectives if o.met)

    @property
    def objectives_not_met(self) -> int:
        return len(self.objectives) - self.objectives_met


@dataclass(frozen=True, slots=True)
class DischargeSummary:
    client_id: int
    discharged_on: date
    facts: DischargeFacts
    reason: str = ""
    course: str = ""
    recommendations: str = ""
    id: int | None = None
    signed_at: datetime | None = None
    signed_by: str = ""

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


def _d(value: date | None) -> str:
    return value.isoformat() if value else "not recorded"


def facts_lines(facts: DischargeFacts, discharged_on: date) -> tuple[str, ...]:
    """The generated facts as plain sentences (dialog, print, letters)."""
    out = [(f"Intake: {_d(facts.intake_date)}. First session: {_d(facts.first_session)}. "
            f"Last session: {_d(facts.last_session)}. Discharge: {discharged_on.isoformat()}."),
           f"Sessions attended (signed notes): {facts.sessions_attended}."]
    if facts.unsigned_sessions:
        out.append(f"Unsigned notes in this period: {facts.unsigned_sessions} (sign them before discharge).")
    if facts.diagnoses:
        out.append("Diagnoses: " + "; ".join(facts.diagnoses) + ".")
    if facts.plan_version is None:
        out.append("No treatment plan on file.")
    else:
        out.append(f"Treatment plan version {facts.plan_version}: {facts.objectives_met} of "
                   f"{len(facts.objectives)} objectives met.")
        out += [f"  {o.number} ({STATUS_WORDS[o.status]}): {o.description}" for o in facts.objectives]
    out += ["Scores, first to final: " + s.text() for s in facts.scores] or ["No measures on file."]
    return tuple(out)


def _session_dates(session: Session, client_id: int, since: date | None, until: date) -> tuple[int, int, date | None, date | None]:
    window = [SessionRow.client_id == client_id, SessionRow.session_date <= until]
    if since is not None:
        window.append(SessionRow.session_date >= since)
    signed = SessionRow.status == NoteStatus.SIGNED.value
    count, first, last = session.execute(
        select(func.count(SessionRow.id), func.min(SessionRow.session_date), func.max(SessionRow.session_date))
        .where(*window, signed)).one()
    unsigned = session.scalar(select(func.count(SessionRow.id)).where(*window, ~signed)) or 0
    return int(count), int(unsigned), first, last


def generate_facts(session: Session, client_id: int, discharged_on: date) -> DischargeFacts:
    client = load_client(session, client_id)
    since = client.intake_date
    count, unsigned, first, last = _session_dates(session, client_id, since, discharged_on)
    summary = plan_summary(session, client_id, discharged_on)
    return DischargeFacts(
        intake_date=since, first_session=first, last_session=last, sessions_attended=count,
        unsigned_sessions=unsigned,
        diagnoses=tuple(f"{d.code} {d.title}".strip() for d in client.diagnoses),
        plan_version=summary.plan_version if summary else None,
        objectives=tuple(ObjectiveOutcome(o.number, o.description, o.status, o.target_reached)
                         for o in (summary.objectives if summary else ())),
        scores=score_trends(session, client_id, since=since, until=discharged_on),
    )


def _still_high(trend: ScoreTrend) -> bool:
    spec = INSTRUMENTS[trend.instrument]
    return trend.latest_band not in (spec.bands[0].label, "mild")


def draft_course(facts: DischargeFacts) -> str:
    parts = [f"The client attended {facts.sessions_attended} session{'s' if facts.sessions_attended != 1 else ''}"
             + (f" from {facts.first_session.isoformat()} to {facts.last_session.isoformat()}."
                if facts.first_session and facts.last_session else ".")]
    if facts.objectives:
        parts.append(f"{facts.objectives_met} of {len(facts.objectives)} treatment plan objectives were met.")
    parts += [s.text() + "." for s in facts.scores if s.count > 1]
    return " ".join(parts)


def draft_recommendations(facts: DischargeFacts) -> str:
    lines = [f"Continue work on: {o.description}" for o in facts.objectives
             if not o.met and o.status is not ObjectiveStatus.DISCONTINUED]
    lines += [f"{s.name} still in the {s.latest_band} range at discharge: arrange follow-up care."
              for s in facts.scores if _still_high(s)]
    lines.append("Return to therapy or contact the practice if symptoms come back.")
    return "\n".join(f"- {line}" for line in lines)


def generate_discharge_summary(session: Session, client_id: int, discharged_on: date) -> DischargeSummary:
    """A new, unsaved summary with the facts and a first draft of the text to edit."""
    client = load_client(session, client_id)
    facts = generate_facts(session, client_id, discharged_on)
    reason = client.discharge_reason if client.status is ClientStatus.DISCHARGED else ""
    return DischargeSummary(client_id, discharged_on, facts, reason, draft_course(facts), draft_recommendations(facts))


def refresh_facts(session: Session, summary: DischargeSummary) -> DischargeSummary:
    """New facts from the record for the summary's date; the clinician's text stays as typed."""
    if summary.is_signed:
        raise DischargeSummaryLocked()
    return replace(summary, facts=generate_facts(session, summary.client_id, summary.discharged_on))


# --- storage --------------------------------------------------------------------------------


def _document(summary: DischargeSummary) -> dict[str, Any]:
    return {"format": 1, "facts": asdict(summary.facts), "reason": summary.reason,
            "course": summary.course, "recommendations": summary.recommendations}


def _trend(d: dict[str, Any]) -> ScoreTrend:
    return ScoreTrend(Instrument(d["instrument"]), date.fromisoformat(d["baseline_on"]), d["baseline_total"],
                      d["baseline_band"], date.fromisoformat(d["latest_on"]), d["latest_total"], d["latest_band"],
                      d["count"], d["reliable_improvement"], d["reliable_deterioration"])


def _from_stored(stored: repo.StoredDischargeSummary) -> DischargeSummary:
    doc, f = stored.document, stored.document["facts"]
    facts = DischargeFacts(
        opt_date(f["intake_date"]), opt_date(f["first_session"]), opt_date(f["last_session"]),
        f["sessions_attended"], f["unsigned_sessions"], tuple(f["diagnoses"]), f["plan_version"],
        tuple(ObjectiveOutcome(o["number"], o["description"], ObjectiveStatus(o["status"]), o["target_reached"])
              for o in f["objectives"]),
        tuple(_trend(s) for s in f["scores"]),
    )
    return DischargeSummary(stored.client_id, stored.discharged_on, facts, doc.get("reason", ""),
                            doc.get("course", ""), doc.get("recommendations", ""), stored.id,
                            stored.signed_at, stored.signed_by)


def _validate(session: Session, summary: DischargeSummary, today: date) -> None:
    client = load_client(session, summary.client_id)
    with ErrorCollector() as c:
        if summary.discharged_on > today:
            c.add("Discharge date", "is in the future")
        if client.intake_date and summary.discharged_on < client.intake_date:
            c.add("Discharge date", "is before the intake date")


def save_discharge_summary(session: Session, summary: DischargeSummary, now: datetime) -> DischargeSummary:
    """Save a draft summary (new or existing); a signed one is refused."""
    if summary.id is not None and get_discharge_summary(session, summary.id).is_signed:
        raise DischargeSummaryLocked()
    _validate(session, summary, now.date())
    sid = repo.save_discharge_summary(session, summary.id, summary.client_id, summary.discharged_on,
                                      _document(summary), now)
    audit(session, now, "discharge_summary.save", "discharge_summary", sid, client_id=summary.client_id)
    return get_discharge_summary(session, sid)


def sign_discharge_summary(
    session: Session, summary: DischargeSummary, now: datetime, *, discharge: bool = False
) -> DischargeSummary:
    """Save the text, sign it with the practice's signature line and, if asked, discharge the
    client on the summary's date with its reason (one transaction)."""
    missing = []
    if not summary.reason.strip():
        missing.append("the reason for discharge")
    if not summary.recommendations.strip():
        missing.append("recommendations")
    if missing:
        raise ActionRefused("The discharge summary cannot be signed yet; it is missing", tuple(missing))
    saved = save_discharge_summary(session, summary, now)
    assert saved.id is not None
    profile = require_profile(session)
    repo.save_discharge_summary(session, saved.id, saved.client_id, saved.discharged_on, _document(saved), now,
                                signed_at=now, signed_by=profile.signature_line)
    audit(session, now, "discharge_summary.sign", "discharge_summary", saved.id, client_id=saved.client_id)
    if discharge and load_client(session, saved.client_id).status is not ClientStatus.DISCHARGED:
        discharge_client(session, saved.client_id, saved.discharged_on, saved.reason, now)
    return get_discharge_summary(session, saved.id)


def get_discharge_summary(session: Session, summary_id: int) -> DischargeSummary:
    return _from_stored(repo.load_discharge_summary(session, summary_id))


def discharge_summaries(session: Session, client_id: int) -> list[DischargeSummary]:
    return [_from_stored(s) for s in repo.list_discharge_summaries(session, client_id)]


def latest_discharge_summary(session: Session, client_id: int) -> DischargeSummary | None:
    """The unsigned draft if there is one, else the most recent signed summary."""
    found = discharge_summaries(session, client_id)
    drafts = [s for s in found if not s.is_signed]
    chosen = drafts or found
    return chosen[-1] if chosen else None

