"""Plan-side documents added in 0004: the clinician's own plan-library items and discharge summaries.

Plan nodes travel as the same JSON shape the plan document uses (records.py), so an item saved
from a plan reads back exactly as the plan would read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from therapist_desk.domain.enums import Approach
from therapist_desk.domain.plan import Goal, Objective, PlanIntervention, Problem
from therapist_desk.store.models import DischargeSummaryRow, PlanLibraryItemRow
from therapist_desk.store.repositories._json import dumps, loads
from therapist_desk.store.repositories.clients import RecordNotFound
from therapist_desk.store.repositories.records import _objective

PlanNode = Problem | Goal | Objective | PlanIntervention
KINDS: dict[type, str] = {Problem: "problem", Goal: "goal", Objective: "objective", PlanIntervention: "intervention"}


def node_document(node: PlanNode) -> str:
    return dumps(node)


def intervention_from_doc(d: dict[str, Any]) -> PlanIntervention:
    return PlanIntervention(d.get("description", ""), Approach(d.get("approach", Approach.OTHER.value)),
                            d.get("frequency", ""), d.get("responsible", ""), d.get("key", ""))


def objective_from_doc(d: dict[str, Any]) -> Objective:
    full = {"status": "not_started", "key": "", **d,
            "interventions": [{"key": "", **i} for i in d.get("interventions", ())]}
    return _objective(full)


def goal_from_doc(d: dict[str, Any]) -> Goal:
    return Goal(d.get("description", ""), tuple(objective_from_doc(o) for o in d.get("objectives", ())),
                d.get("key", ""))


def problem_from_doc(d: dict[str, Any]) -> Problem:
    return Problem(d.get("description", ""), tuple(goal_from_doc(g) for g in d.get("goals", ())),
                   d.get("key", ""))


_READERS: dict[str, Callable[[dict[str, Any]], PlanNode]] = {"problem": problem_from_doc, "goal": goal_from_doc, "objective": objective_from_doc,
            "intervention": intervention_from_doc}


def node_from_doc(kind: str, d: dict[str, Any]) -> PlanNode:
    return _READERS[kind](d)


# --- the clinician's library items ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredLibraryItem:
    id: int
    kind: str
    category: str
    node: PlanNode


def add_library_item(session: Session, node: PlanNode, category: str, now: datetime) -> int:
    row = PlanLibraryItemRow(kind=KINDS[type(node)], category=category, title=node.description,
                             document_json=node_document(node), created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row.id


def list_library_items(session: Session) -> list[StoredLibraryItem]:
    rows = session.scalars(select(PlanLibraryItemRow).order_by(PlanLibraryItemRow.id))
    return [StoredLibraryItem(r.id, r.kind, r.category, node_from_doc(r.kind, loads(r.document_json)))
            for r in rows]


def delete_library_item(session: Session, item_id: int) -> None:
    row = session.get(PlanLibraryItemRow, item_id)
    if row is None:
        raise RecordNotFound("plan library item", item_id)
    session.delete(row)
    session.flush()


# --- discharge summaries --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredDischargeSummary:
    id: int
    client_id: int
    discharged_on: date
    document: dict[str, Any]
    signed_at: datetime | None
    signed_by: str
    created_at: datetime
    updated_at: datetime


def _summary(row: DischargeSummaryRow) -> StoredDischargeSummary:
    return StoredDischargeSummary(row.id, row.client_id, row.discharged_on, loads(row.document_json),
                                  row.signed_at, row.signed_by, row.created_at, row.updated_at)


def save_discharge_summary(
    session: Session, summary_id: int | None, client_id: int, discharged_on: date, document: object,
    now: datetime, *, signed_at: datetime | None = None, signed_by: str = "",
) -> int:
    row = session.get(DischargeSummaryRow, summary_id) if summary_id is not None else None
    if row is None:
        row = DischargeSummaryRow(client_id=client_id, created_at=now)
    row.discharged_on = discharged_on
    row.document_json = dumps(document)
    row.signed_at = signed_at
    row.signed_by = signed_by
    row.updated_at = now
    session.add(row)
    session.flush()
    return row.id


def load_discharge_summary(session: Session, summary_id: int) -> StoredDischargeSummary:
    row = session.get(DischargeSummaryRow, summary_id)
    if row is None:
        raise RecordNotFound("discharge summary", summary_id)
    return _summary(row)


def list_discharge_summaries(session: Session, client_id: int) -> list[StoredDischargeSummary]:
    rows = session.scalars(select(DischargeSummaryRow).where(DischargeSummaryRow.client_id == client_id)
                           .order_by(DischargeSummaryRow.discharged_on, DischargeSummaryRow.id))
    return [_summary(r) for r in rows]
