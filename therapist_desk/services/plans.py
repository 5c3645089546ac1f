"""Treatment plan use cases: draft, sign, review into a new version, read the current one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from therapist_desk.domain.enums import ClientParticipation
from therapist_desk.domain.errors import ErrorCollector, ValidationError
from therapist_desk.domain.plan import Goal, Objective, PlanIntervention, Problem, TreatmentPlan, new_key
from therapist_desk.domain.session import DraftText
from therapist_desk.services.common import ActionRefused, audit
from therapist_desk.services.practice import require_profile
from therapist_desk.store.repositories import records
from therapist_desk.store.repositories._json import dumps, loads, opt_date
from therapist_desk.store.repositories.clients import load_client
from therapist_desk.store.repositories.plan_library import problem_from_doc


class PlanLocked(ActionRefused):
    def __init__(self) -> None:
        super().__init__("This plan version is signed", ("start a review to make a new version",))


def _with_keys(plan: TreatmentPlan) -> TreatmentPlan:
    """Give every node a stable key (kept across versions so notes keep their links)."""
    def iv(i: PlanIntervention) -> PlanIntervention:
        return replace(i, key=i.key or new_key())

    def ob(o: Objective) -> Objective:
        return replace(o, key=o.key or new_key(), interventions=tuple(iv(i) for i in o.interventions))

    def gl(g: Goal) -> Goal:
        return replace(g, key=g.key or new_key(), objectives=tuple(ob(o) for o in g.objectives))

    return replace(plan, problems=tuple(
        replace(p, key=p.key or new_key(), goals=tuple(gl(g) for g in p.goals)) for p in plan.problems
    ))


def _validate(plan: TreatmentPlan) -> None:
    with ErrorCollector() as c:
        for pi, problem in enumerate(plan.problems, 1):
            if not problem.description.strip():
                c.add(f"Problem {pi}", "needs a description")
            for gi, goal in enumerate(problem.goals, 1):
                if not goal.description.strip():
                    c.add(f"Problem {pi} goal {gi}", "needs a description")
                for oi, obj in enumerate(goal.objectives, 1):
                    if not obj.description.strip():
                        c.add(f"Problem {pi} goal {gi} objective {oi}", "needs a description")
        if plan.effective_on and plan.review_due and plan.review_due < plan.effective_on:
            c.add("Review date", "is before the plan's start date")


def save_plan(session: Session, plan: TreatmentPlan, now: datetime) -> TreatmentPlan:
    """Save the current draft version (creating version 1, or the next version after a review)."""
    load_client(session, plan.client_id)
    if plan.id is not None:
        existing = records.load_plan(session, plan.id)
        if existing is not None and existing.is_signed:
            raise PlanLocked()
    profile = require_profile(session)
    plan = _with_keys(plan)
    if plan.effective_on is None:
        plan = replace(plan, effective_on=now.date())
    if plan.review_due is None:
        assert plan.effective_on is not None
        plan = replace(plan, review_due=plan.effective_on + timedelta(days=profile.plan_review_days))
    if plan.id is None:
        plan = replace(plan, version=records.next_plan_version(session, plan.client_id))
    _validate(plan)
    plan_id = records.save_plan(session, plan, now)
    audit(session, now, "plan.save", "plan", plan_id, client_id=plan.client_id, detail=f"version={plan.version}")
    loaded = records.load_plan(session, plan_id)
    assert loaded is not None
    return loaded


def sign_plan(
    session: Session, plan_id: int, participation: ClientParticipation, now: datetime, *, note: str = ""
) -> TreatmentPlan:
    plan = records.load_plan(session, plan_id)
    if plan is None:
        raise ValidationError("Plan", "is not in the vault")
    if plan.is_signed:
        raise PlanLocked()
    missing = []
    if not plan.problems:
        missing.append("at least one problem")
    if not plan.objectives():
        missing.append("at least one measurable objective")
    if any(o.target_date is None for o in plan.objectives()):
        missing.append("a target date on every objective")
    if not plan.discharge_criteria.strip():
        missing.append("discharge criteria")
    if participation is ClientParticipation.DECLINED and not note.strip():
        missing.append("the reason the client declined to sign")
    if missing:
        raise ActionRefused("The plan cannot be signed yet; it is missing", tuple(missing))
    profile = require_profile(session)
    signed = replace(plan, participation=participation, participation_note=note.strip(),
                     signed_at=now, signed_by=profile.signature_line)
    records.save_plan(session, signed, now)
    audit(session, now, "plan.sign", "plan", plan_id, client_id=plan.client_id, detail=f"version={plan.version}")
    loaded = records.load_plan(session, plan_id)
    assert loaded is not None
    return loaded


def start_review(session: Session, client_id: int, now: datetime) -> TreatmentPlan:
    """Copy the current signed plan into a new, unsigned version; the old one stays as it was."""
    current = records.current_plan(session, client_id)
    if current is None:
        raise ActionRefused("There is no plan to review", ("create a plan first",))
    if not current.is_signed:
        raise ActionRefused("The current plan is still a draft", ("sign it or keep editing it",))
    draft = replace(current, id=None, version=0, effective_on=now.date(), review_due=None,
                    participation=None, participation_note="", signed_at=None, signed_by="")
    return save_plan(session, draft, now)


def current_plan(session: Session, client_id: int) -> TreatmentPlan | None:
    return records.current_plan(session, client_id)


def plan_versions(session: Session, client_id: int) -> list[TreatmentPlan]:
    return records.plan_versions(session, client_id)


def review_due_soon(plan: TreatmentPlan, today: date, days: int = 14) -> bool:
    return plan.review_due is not None and plan.review_due <= today + timedelta(days=days)


# --- added for the Treatment Plans tab: default review interval and autosaved plan drafts ---


def review_interval_days(session: Session) -> int:
    """The practice's plan review interval (Settings; 90 days unless changed)."""
    return require_profile(session).plan_review_days


def default_review_due(session: Session, effective_on: date) -> date:
    return effective_on + timedelta(days=review_interval_days(session))


def plan_draft_key(client_id: int) -> str:
    return f"plan:{client_id}"


def plan_draft_payload(plan: TreatmentPlan) -> str:
    """The whole plan as JSON for the drafts table (unsaved edits survive a crash or a lock)."""
    return dumps({
        "format": 1, "id": plan.id, "client_id": plan.client_id, "version": plan.version,
        "effective_on": plan.effective_on, "review_due": plan.review_due, "problems": plan.problems,
        "diagnosis_codes": list(plan.diagnosis_codes), "strengths": plan.strengths,
        "barriers": plan.barriers, "discharge_criteria": plan.discharge_criteria,
    })


def plan_from_draft_payload(payload: str) -> TreatmentPlan:
    doc = loads(payload)
    return TreatmentPlan(
        client_id=int(doc["client_id"]), version=int(doc.get("version") or 1), id=doc.get("id"),
        effective_on=opt_date(doc.get("effective_on")), review_due=opt_date(doc.get("review_due")),
        problems=tuple(problem_from_doc(p) for p in doc.get("problems", ())),
        diagnosis_codes=tuple(doc.get("diagnosis_codes", ())), strengths=doc.get("strengths", ""),
        barriers=doc.get("barriers", ""), discharge_criteria=doc.get("discharge_criteria", ""),
    )


def keep_plan_draft(session: Session, plan: TreatmentPlan, now: datetime) -> None:
    records.put_draft(session, DraftText(plan_draft_key(plan.client_id), plan_draft_payload(plan), now))


def find_plan_draft(session: Session, client_id: int) -> tuple[TreatmentPlan, datetime] | None:
    """The autosaved, unsaved edits of this client's plan and when they were kept, if any."""
    found = records.get_draft(session, plan_draft_key(client_id))
    if found is None:
        return None
    return plan_from_draft_payload(found.payload), found.saved_at


def discard_plan_draft(session: Session, client_id: int) -> None:
    records.delete_draft(session, plan_draft_key(client_id))
