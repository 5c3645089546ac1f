"""Measures, treatment plans, ledger entries, disclosures and drafts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from therapist_desk.domain.audit import Disclosure
from therapist_desk.domain.enums import (
    Approach,
    ClientParticipation,
    Instrument,
    LedgerKind,
    ObjectiveStatus,
    PaymentMethod,
)
from therapist_desk.domain.ledger import LedgerEntry
from therapist_desk.domain.measures import MeasureResult
from therapist_desk.domain.plan import Goal, MeasureTarget, Objective, PlanIntervention, Problem, TreatmentPlan
from therapist_desk.domain.session import DraftText
from therapist_desk.store.models import DisclosureRow, DraftRow, LedgerRow, MeasureRow, PlanRow
from therapist_desk.store.repositories._json import dumps, from_cents, loads, opt_date, to_cents

# --- measures -------------------------------------------------------------------------------


def save_measure(session: Session, result: MeasureResult) -> int:
    row = session.get(MeasureRow, result.id) if result.id is not None else None
    row = row or MeasureRow()
    assert result.client_id is not None
    row.client_id = result.client_id
    row.session_id = result.session_id
    row.instrument = result.instrument.value
    row.administered_on = result.administered_on
    row.answers_json = dumps(list(result.answers))
    row.complete = result.complete
    row.total = result.total
    row.band = result.band
    row.item9_positive = bool(result.instrument is Instrument.PHQ9 and result.item9_positive)
    session.add(row)
    session.flush()
    return row.id


def list_measures(
    session: Session, client_id: int, instrument: Instrument | None = None
) -> list[MeasureResult]:
    stmt = select(MeasureRow).where(MeasureRow.client_id == client_id)
    if instrument is not None:
        stmt = stmt.where(MeasureRow.instrument == instrument.value)
    stmt = stmt.order_by(MeasureRow.administered_on, MeasureRow.id)
    return [
        MeasureResult(
            instrument=Instrument(r.instrument),
            administered_on=r.administered_on,
            answers=tuple(loads(r.answers_json)),
            id=r.id,
            client_id=r.client_id,
            session_id=r.session_id,
        )
        for r in session.scalars(stmt)
    ]


# --- treatment plans ------------------------------------------------------------------------


def _plan_document(plan: TreatmentPlan) -> str:
    return dumps({
        "problems": plan.problems,
        "diagnosis_codes": list(plan.diagnosis_codes),
        "strengths": plan.strengths,
        "barriers": plan.barriers,
        "discharge_criteria": plan.discharge_criteria,
    })


def _intervention(d: dict[str, Any]) -> PlanIntervention:
    return PlanIntervention(d["description"], Approach(d["approach"]), d["frequency"], d["responsible"], d["key"])


def _objective(d: dict[str, Any]) -> Objective:
    target = d.get("measure_target")
    return Objective(
        description=d["description"],
        target_date=opt_date(d.get("target_date")),
        status=ObjectiveStatus(d["status"]),
        measure_target=MeasureTarget(Instrument(target["instrument"]), int(target["below"])) if target else None,
        interventions=tuple(_intervention(i) for i in d.get("interventions", ())),
        key=d["key"],
    )


def _plan_from_row(row: PlanRow) -> TreatmentPlan:
    doc = loads(row.document_json)
    problems = tuple(
        Problem(
            p["description"],
            tuple(Goal(g["description"], tuple(_objective(o) for o in g["objectives"]), g["key"])
                  for g in p["goals"]),
            p["key"],
        )
        for p in doc.get("problems", ())
    )
    return TreatmentPlan(
        id=row.id,
        client_id=row.client_id,
        version=row.version,
        effective_on=row.effective_on,
        review_due=row.review_due,
        problems=problems,
        diagnosis_codes=tuple(doc.get("diagnosis_codes", ())),
        strengths=doc.get("strengths", ""),
        barriers=doc.get("barriers", ""),
        discharge_criteria=doc.get("discharge_criteria", ""),
        participation=ClientParticipation(row.participation) if row.participation else None,
        participation_note=row.participation_note,
        signed_at=row.signed_at,
        signed_by=row.signed_by,
    )


def save_plan(session: Session, plan: TreatmentPlan, now: datetime, *, make_current: bool = True) -> int:
    row = session.get(PlanRow, plan.id) if plan.id is not None else None
    if row is None:
        row = PlanRow(client_id=plan.client_id, version=plan.version)
    if make_current:
        session.execute(
            update(PlanRow).where(PlanRow.client_id == plan.client_id, PlanRow.id != (row.id or -1))
            .values(is_current=False)
        )
    row.is_current = make_current
    row.effective_on = plan.effective_on
    row.review_due = plan.review_due
    row.document_json = _plan_document(plan)
    row.participation = plan.participation.value if plan.participation else None
    row.participation_note = plan.participation_note
    row.signed_at = plan.signed_at
    row.signed_by = plan.signed_by
    row.updated_at = now
    session.add(row)
    session.flush()
    return row.id


def current_plan(session: Session, client_id: int) -> TreatmentPlan | None:
    row = session.scalars(
        select(PlanRow).where(PlanRow.client_id == client_id, PlanRow.is_current.is_(True))
    ).first()
    return _plan_from_row(row) if row else None


def plan_versions(session: Session, client_id: int) -> list[TreatmentPlan]:
    rows = session.scalars(select(PlanRow).where(PlanRow.client_id == client_id).order_by(PlanRow.version))
    return [_plan_from_row(r) for r in rows]


def load_plan(session: Session, plan_id: int) -> TreatmentPlan | None:
    row = session.get(PlanRow, plan_id)
    return _plan_from_row(row) if row else None


def next_plan_version(session: Session, client_id: int) -> int:
    return int(session.scalar(select(func.coalesce(func.max(PlanRow.version), 0))
                              .where(PlanRow.client_id == client_id)) or 0) + 1


# --- ledger ---------------------------------------------------------------------------------


def add_ledger_entry(session: Session, entry: LedgerEntry, now: datetime) -> int:
    row = LedgerRow(
        client_id=entry.client_id, kind=entry.kind.value, entry_date=entry.entry_date,
        amount_cents=to_cents(entry.amount), method=entry.method.value if entry.method else None,
        reference=entry.reference, memo=entry.memo, session_id=entry.session_id, cpt=entry.cpt,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row.id


def list_ledger(session: Session, client_id: int | None = None) -> list[LedgerEntry]:
    # Core rows, not ORM entities: a superbill reads the client's whole ledger (hundreds of
    # entries after a few years), and entity bookkeeping was most of that cost.
    stmt = select(LedgerRow.client_id, LedgerRow.kind, LedgerRow.entry_date, LedgerRow.amount_cents,
                  LedgerRow.method, LedgerRow.reference, LedgerRow.memo, LedgerRow.session_id,
                  LedgerRow.cpt, LedgerRow.id)
    if client_id is not None:
        stmt = stmt.where(LedgerRow.client_id == client_id)
    stmt = stmt.order_by(LedgerRow.entry_date, LedgerRow.id)
    kinds, methods = _LEDGER_KINDS, _PAYMENT_METHODS
    return [
        LedgerEntry(
            client_id=r[0], kind=kinds[r[1]], entry_date=r[2], amount=from_cents(r[3]),
            method=methods[r[4]] if r[4] else None, reference=r[5], memo=r[6], session_id=r[7],
            cpt=r[8], id=r[9],
        )
        for r in session.execute(stmt)
    ]


_LEDGER_KINDS = {kind.value: kind for kind in LedgerKind}
_PAYMENT_METHODS = {method.value: method for method in PaymentMethod}


def ledger_balance(session: Session, client_id: int | None = None) -> Decimal:
    """Balance in SQL: charges minus payments, adjustments and write-offs."""
    signed = func.iif(LedgerRow.kind == LedgerKind.CHARGE.value, LedgerRow.amount_cents, -LedgerRow.amount_cents)
    stmt = select(func.coalesce(func.sum(signed), 0))
    if client_id is not None:
        stmt = stmt.where(LedgerRow.client_id == client_id)
    return from_cents(int(session.scalar(stmt) or 0))


def charge_for_session(session: Session, session_id: int) -> list[LedgerEntry]:
    return [e for e in list_ledger_for_session(session, session_id) if e.kind is LedgerKind.CHARGE]


def list_ledger_for_session(session: Session, session_id: int) -> list[LedgerEntry]:
    rows = session.scalars(select(LedgerRow).where(LedgerRow.session_id == session_id).order_by(LedgerRow.id))
    return [
        LedgerEntry(r.client_id, LedgerKind(r.kind), r.entry_date, from_cents(r.amount_cents),
                    PaymentMethod(r.method) if r.method else None, r.reference, r.memo, r.session_id,
                    r.cpt, r.id)
        for r in rows
    ]


# --- disclosures ----------------------------------------------------------------------------


def add_disclosure(session: Session, disclosure: Disclosure) -> int:
    row = DisclosureRow(client_id=disclosure.client_id, disclosed_on=disclosure.disclosed_on,
                        recipient=disclosure.recipient, what=disclosure.what, purpose=disclosure.purpose,
                        release_id=disclosure.release_id)
    session.add(row)
    session.flush()
    return row.id


def list_disclosures(session: Session, client_id: int) -> list[Disclosure]:
    rows = session.scalars(select(DisclosureRow).where(DisclosureRow.client_id == client_id)
                           .order_by(DisclosureRow.disclosed_on, DisclosureRow.id))
    return [Disclosure(r.client_id, r.disclosed_on, r.recipient, r.what, r.purpose, r.release_id, r.id)
            for r in rows]


# --- drafts ---------------------------------------------------------------------------------


def put_draft(session: Session, draft: DraftText) -> None:
    row = session.get(DraftRow, draft.key) or DraftRow(key=draft.key)
    row.payload = draft.payload
    row.saved_at = draft.saved_at
    session.add(row)


def get_draft(session: Session, key: str) -> DraftText | None:
    row = session.get(DraftRow, key)
    return DraftText(row.key, row.payload, row.saved_at) if row else None


def delete_draft(session: Session, key: str) -> None:
    row = session.get(DraftRow, key)
    if row is not None:
        session.delete(row)


def list_drafts(session: Session) -> list[DraftText]:
    return [DraftText(r.key, r.payload, r.saved_at) for r in session.scalars(select(DraftRow).order_by(DraftRow.key))]


def earliest(dates: list[date | None]) -> date | None:
    present = [d for d in dates if d is not None]
    return min(present) if present else None
