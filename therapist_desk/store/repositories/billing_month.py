"""A month of billing for many clients at once: what the superbill batch reads, in a few queries.

What ``services.superbills.assemble_superbill`` reads client by client (~25 queries each: the
client, each note, the whole ledger) is read here for all the clients of a month in six
queries, with the same conversions as ``notes.load_note``, ``clients.load_client`` and
``records.list_ledger`` for the fields a superbill uses
(tests/services/test_superbill_batch.py checks that both roads give the same superbills).
Psychotherapy notes and note text are never read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from therapist_desk.domain.client import Client, Diagnosis, Insurance
from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import LedgerKind, NoteStatus, PaymentMethod
from therapist_desk.domain.ledger import LedgerEntry
from therapist_desk.domain.practice import Address
from therapist_desk.domain.session import SessionNote
from therapist_desk.store.models import (
    ClientRow,
    DiagnosisRow,
    LedgerRow,
    NoteBodyRow,
    SessionLineRow,
    SessionRow,
)


@dataclass(frozen=True, slots=True)
class BilledSession:
    """What a superbill reads of a signed session (the batch loads only this much)."""

    id: int
    session_date: date
    start_time: time | None
    place_of_service: str
    lines: tuple[ServiceLine, ...]
    diagnosis_codes: tuple[str, ...]

    @classmethod
    def of(cls, note: SessionNote) -> BilledSession:
        """The billed fields of a note already loaded (and saved: it has an id)."""
        assert note.id is not None
        return cls(note.id, note.session_date, note.start_time, note.place_of_service, note.lines,
                   note.diagnosis_codes)


def billing_clients(session: Session, client_ids: Sequence[int]) -> dict[int, Client]:
    """The clients, with only what a superbill and its file name read: id, legal name, date of
    birth, address, insurance (payer, member and group ids) and the ordered diagnoses."""
    rows = session.execute(
        select(ClientRow.id, ClientRow.legal_first_name, ClientRow.legal_last_name,
               ClientRow.date_of_birth, ClientRow.address_json, ClientRow.insurance_json)
        .where(ClientRow.id.in_(client_ids))
    ).all()
    diagnoses: dict[int, list[Diagnosis]] = {}
    for dx in session.execute(
        select(DiagnosisRow.client_id, DiagnosisRow.code, DiagnosisRow.title,
               DiagnosisRow.code_set_release)
        .where(DiagnosisRow.client_id.in_(client_ids))
        .order_by(DiagnosisRow.client_id, DiagnosisRow.position)
    ):
        diagnoses.setdefault(dx.client_id, []).append(Diagnosis(dx.code, dx.title, dx.code_set_release))
    found: dict[int, Client] = {}
    for row in rows:
        insurance = json.loads(row.insurance_json) if row.insurance_json else {}
        found[row.id] = Client(
            id=row.id,
            legal_first_name=row.legal_first_name,
            legal_last_name=row.legal_last_name,
            date_of_birth=row.date_of_birth,
            address=Address(**(json.loads(row.address_json) if row.address_json else {})),
            insurance=Insurance(payer=insurance.get("payer", ""),
                                member_id=insurance.get("member_id", ""),
                                group_id=insurance.get("group_id", "")),
            diagnoses=tuple(diagnoses.get(row.id, ())),
        )
    return found


def signed_sessions(
    session: Session, client_ids: Sequence[int], start: date, end: date
) -> dict[int, list[BilledSession]]:
    """Each client's signed sessions dated ``start``..``end``, with their CPT lines and codes."""
    rows = session.execute(
        select(SessionRow.id, SessionRow.client_id, SessionRow.session_date, SessionRow.start_time,
               SessionRow.place_of_service,
               func.json_extract(NoteBodyRow.body_json, "$.diagnosis_codes").label("codes"))
        .outerjoin(NoteBodyRow, NoteBodyRow.session_id == SessionRow.id)
        .where(SessionRow.status == NoteStatus.SIGNED.value, SessionRow.session_date >= start,
               SessionRow.session_date <= end, SessionRow.client_id.in_(client_ids))
    ).all()
    lines: dict[int, list[ServiceLine]] = {}
    if rows:
        for ln in session.execute(
            select(SessionLineRow.session_id, SessionLineRow.cpt, SessionLineRow.units,
                   SessionLineRow.modifiers)
            .where(SessionLineRow.session_id.in_([r.id for r in rows]))
            .order_by(SessionLineRow.session_id, SessionLineRow.position)
        ):
            lines.setdefault(ln.session_id, []).append(
                ServiceLine(ln.cpt, ln.units, tuple(m for m in ln.modifiers.split(",") if m)))
    found: dict[int, list[BilledSession]] = {}
    for r in rows:
        codes = tuple(json.loads(r.codes)) if r.codes else ()
        found.setdefault(r.client_id, []).append(BilledSession(
            r.id, r.session_date, r.start_time, r.place_of_service, tuple(lines.get(r.id, ())), codes))
    return found


def ledger_entries(
    session: Session, client_ids: Sequence[int], start: date, end: date, session_ids: Sequence[int]
) -> dict[int, list[LedgerEntry]]:
    """Each client's ledger entries dated ``start``..``end`` or tied to one of ``session_ids``
    (all that a superbill counts), in ``records.list_ledger`` order (date, then id)."""
    columns = (LedgerRow.id, LedgerRow.client_id, LedgerRow.kind, LedgerRow.entry_date,
               LedgerRow.amount_cents, LedgerRow.method, LedgerRow.reference, LedgerRow.memo,
               LedgerRow.session_id, LedgerRow.cpt)
    rows = {r.id: r for r in session.execute(
        select(*columns).where(LedgerRow.client_id.in_(client_ids), LedgerRow.entry_date >= start,
                               LedgerRow.entry_date <= end))}
    if session_ids:
        rows.update((r.id, r) for r in session.execute(
            select(*columns).where(LedgerRow.session_id.in_(session_ids))))
    found: dict[int, list[LedgerEntry]] = {}
    for r in sorted(rows.values(), key=lambda r: (r.entry_date, r.id)):
        found.setdefault(r.client_id, []).append(LedgerEntry(
            client_id=r.client_id, kind=LedgerKind(r.kind), entry_date=r.entry_date,
            amount=Decimal(int(r.amount_cents)).scaleb(-2),
            method=PaymentMethod(r.method) if r.method else None, reference=r.reference,
            memo=r.memo, session_id=r.session_id, cpt=r.cpt, id=r.id))
    return found
