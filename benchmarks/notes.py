"""Session rows as the notes, measures and ledger services write them, a chunk at a time.

For each session: the note as ``notes.save_note`` then ``notes.sign_note`` leave it (metadata,
JSON body, service lines, objective links, FTS text, charges at the fee schedule, ``note.create``
and ``note.sign`` audit events), PHQ-9 and GAD-7 every fourth session as ``measures.record_measure``
saves them, payments as ``ledger.record_payment`` does, a few addenda and psychotherapy notes.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from benchmarks import corpus as text
from therapist_desk.domain.enums import (
    ClientLocation,
    Instrument,
    LedgerKind,
    Modality,
    NoteStatus,
    PaymentMethod,
    ProgressRating,
    ServiceType,
)
from therapist_desk.domain.measures import MeasureResult
from therapist_desk.domain.session import (
    INTERACTIVE_COMPLEXITY_FACTORS,
    INTERVENTION_CHOICES,
    Addendum,
    ObjectiveProgress,
    SessionNote,
)
from therapist_desk.services.notes import proposal_for
from therapist_desk.store.models import (
    AddendumRow,
    LedgerRow,
    MeasureRow,
    NoteBodyRow,
    ObjectiveLinkRow,
    PsychotherapyNoteRow,
    SessionLineRow,
    SessionRow,
)
from therapist_desk.store.repositories._json import dumps, to_cents
from therapist_desk.store.repositories.notes import _BODY_FIELDS

_RATINGS = (ProgressRating.SOME_PROGRESS, ProgressRating.SOME_PROGRESS, ProgressRating.GOOD_PROGRESS,
            ProgressRating.NO_CHANGE, ProgressRating.WORSE, ProgressRating.MET)
_METHODS = (PaymentMethod.CARD, PaymentMethod.CARD, PaymentMethod.CHECK, PaymentMethod.CASH)
RISK_POSITIVE = ("PHQ-9 item 9 endorsed (several days). Passive thoughts of being better off dead; "
                 "denies plan, intent or preparatory behavior. Safety plan reviewed and updated; "
                 "crisis line numbers given. Risk judged low; re-assess next session.")


@dataclass
class Rows:
    """One chunk's rows per table, in an order that satisfies the foreign keys."""

    sessions: list[dict[str, Any]] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    addenda: list[dict[str, Any]] = field(default_factory=list)
    private: list[dict[str, Any]] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    fts: list[tuple[int, str]] = field(default_factory=list)

    def tables(self) -> list[tuple[Any, list[dict[str, Any]]]]:
        return [(SessionRow.__table__, self.sessions), (NoteBodyRow.__table__, self.bodies),
                (SessionLineRow.__table__, self.lines), (ObjectiveLinkRow.__table__, self.links),
                (AddendumRow.__table__, self.addenda), (PsychotherapyNoteRow.__table__, self.private),
                (MeasureRow.__table__, self.measures), (LedgerRow.__table__, self.ledger)]


@dataclass
class _Seen:
    """Per client, what later sessions need: last homework, signed sessions and their lines."""

    homework: str = ""
    signed: list[tuple[date, int]] = field(default_factory=list)  # (day, service lines)
    phq9: int = 0


class NoteWriter:
    ledger_table = LedgerRow.__table__

    def __init__(self, builder: Any, plans: list[Any]) -> None:
        self.b = builder
        self.plans = plans
        self.today: date = builder.p.today
        self.signer: str = builder.profile.signature_line
        self.fees = dict(builder.profile.fee_schedule)
        self.seen: dict[int, _Seen] = defaultdict(_Seen)
        self.month_clients: dict[str, set[int]] = defaultdict(set)
        self.later: list[tuple[datetime, int, date, Decimal]] = []
        self.next = {"measure": 1, "ledger": 1, "addendum": 1}

    def _id(self, kind: str) -> int:
        value = self.next[kind]
        self.next[kind] = value + 1
        return value

    def rows(self, first_id: int, batch: list[tuple[date, time, int, int]]) -> Rows:
        out = Rows()
        for offset, (_day, _start, index, n) in enumerate(batch):
            self._session(out, first_id + offset, self.plans[index], n)
        return out

    def _session(self, out: Rows, sid: int, cp: Any, n: int) -> None:
        rng = random.Random(self.b.p.seed * 1_000_003 + sid)
        words = text.Corpus(rng)
        day, start, minutes, kind = cp.sessions[n]
        stop = (datetime.combine(day, start) + timedelta(minutes=minutes)).time()
        created = datetime.combine(day, stop) + timedelta(minutes=20)
        modality, location = cp.modality, cp.location
        if kind is ServiceType.CRISIS:
            modality, location = Modality.IN_PERSON, ClientLocation.OFFICE
        client = cp.client
        seen = self.seen[cp.id]
        measured = n == 0 or n % 4 == 0
        item9 = measured and rng.random() < 0.02
        draft = ((self.today - day).days <= 3 and rng.random() < 0.5) or rng.random() < 0.002
        links: tuple[ObjectiveProgress, ...] = ()
        if n >= 2 and cp.objective_keys:
            links = tuple(ObjectiveProgress(k, rng.choice(_RATINGS)) for k in
                          rng.sample(cp.objective_keys, min(len(cp.objective_keys), rng.choice((1, 1, 2)))))
        note = SessionNote(
            client_id=cp.id, session_date=day, start_time=start, stop_time=stop, service_type=kind,
            modality=modality, client_location=location,
            telehealth_platform="Imaginary Video (fictional)" if modality is Modality.VIDEO else "",
            participants="Client and parent" if kind is ServiceType.FAMILY_WITH_CLIENT else "Client",
            interactive_complexity_factor=(INTERACTIVE_COMPLEXITY_FACTORS[1]
                                           if kind is ServiceType.INTAKE and client.guardian.name else ""),
            diagnosis_codes=tuple(d.code for d in client.diagnoses[:4]),
            note_format=cp.note_format,
            sections=words.sections(cp.note_format, kind),
            risk_assessment=RISK_POSITIVE if item9 else words.one(text.RISK),
            interventions=tuple(rng.sample(INTERVENTION_CHOICES, 2)),
            interventions_detail=words.paragraph(text.INTERVENTION, 2),
            client_response=words.one(text.RESPONSE),
            homework_given=words.one(text.HOMEWORK),
            homework_review=f"Reviewed: {seen.homework}" if seen.homework else "",
            objective_progress=links,
            plan_text=words.one(text.PLAN),
            id=sid,
        )
        instruments = (Instrument.PHQ9, Instrument.GAD7) if measured else ()
        proposal = proposal_for(note, instruments_scored=len(instruments))
        note = _replace(note, lines=proposal.lines, place_of_service=proposal.place_of_service)
        seen.homework = note.homework_given
        self.b.event(created, "note.create", "session", sid, cp.id)
        for instrument in instruments:
            self._measure(out, rng, cp, seen, sid, day, created, instrument, n, item9)
        if rng.random() < 0.02:
            out.private.append(dict(session_id=sid, updated_at=created, text=words.one(text.SUBJECTIVE)))
            self.b.event(created, "psychotherapy_note.update", "session", sid, cp.id)
        signed_at = created + timedelta(minutes=5)
        updated = created
        if not draft:
            fee = sum((self.fees[line.cpt] * line.units for line in note.lines), Decimal("0.00"))
            addenda: tuple[Addendum, ...] = ()
            if rng.random() < 0.01:
                written = min(signed_at + timedelta(days=1), datetime.combine(self.today, time(8)))
                addendum = Addendum(words.one(text.ADDENDUM), written, self.signer,
                                    "Later information from the client", self._id("addendum"))
                addenda = (addendum,)
                out.addenda.append(dict(id=addendum.id, session_id=sid, text=addendum.text,
                                        reason=addendum.reason, written_at=written,
                                        signed_by=self.signer))
            note = _replace(note, status=NoteStatus.SIGNED, signed_at=signed_at, signed_by=self.signer,
                            fee=fee, addenda=addenda)
            updated = signed_at
            self.b.event(signed_at, "note.sign", "session", sid, cp.id)
            if addenda:
                self.b.event(addenda[0].written_at, "note.addendum", "addendum", addenda[0].id, cp.id)
            self._ledger(out, rng, cp, sid, note, fee, signed_at)
            seen.signed.append((day, len(note.lines)))
            self.month_clients[day.strftime("%Y-%m")].add(cp.id)
        out.sessions.append(dict(
            id=sid, client_id=cp.id, session_date=day, start_time=start, stop_time=stop,
            minutes=note.minutes, service_type=note.service_type.value, modality=note.modality.value,
            client_location=note.client_location.value, place_of_service=note.place_of_service,
            primary_cpt=note.primary_cpt, cpt_summary=note.cpt_summary, status=note.status.value,
            signed_at=note.signed_at, signed_by=note.signed_by,
            fee_cents=to_cents(note.fee) if note.fee is not None else None,
            created_at=created, updated_at=updated))
        out.bodies.append(dict(session_id=sid, body_json=dumps(body_of(note))))
        for i, line in enumerate(note.lines):
            out.lines.append(dict(session_id=sid, position=i, cpt=line.cpt, units=line.units,
                                  modifiers=",".join(line.modifiers)))
        for link in note.objective_progress:
            out.links.append(dict(session_id=sid, objective_key=link.objective_key,
                                  rating=link.rating.value, comment=link.comment))
        out.fts.append((sid, note.body_text()))

    def _measure(self, out: Rows, rng: random.Random, cp: Any, seen: _Seen, sid: int, day: date,
                 now: datetime, instrument: Instrument, n: int, item9: bool) -> None:
        count = 9 if instrument is Instrument.PHQ9 else 7
        level = max(0.3, 2.1 - 0.06 * n) if cp.improving else min(2.8, 1.6 + 0.04 * n)
        answers = [max(0, min(3, round(level + rng.uniform(-0.9, 0.7)))) for _ in range(count)]
        if instrument is Instrument.PHQ9:
            answers[8] = 1 if item9 else 0
            seen.phq9 += 1
        result = MeasureResult(instrument, day, tuple(answers), client_id=cp.id, session_id=sid)
        measure_id = self._id("measure")
        out.measures.append(dict(
            id=measure_id, client_id=cp.id, session_id=sid, instrument=instrument.value,
            administered_on=day, answers_json=dumps(list(result.answers)), complete=result.complete,
            total=result.total, band=result.band,
            item9_positive=bool(instrument is Instrument.PHQ9 and result.item9_positive)))
        detail = "item9_positive" if instrument is Instrument.PHQ9 and result.item9_positive else ""
        self.b.event(now, "measure.record", "measure", measure_id, cp.id, detail)

    def _ledger(self, out: Rows, rng: random.Random, cp: Any, sid: int, note: SessionNote,
                fee: Decimal, signed_at: datetime) -> None:
        for line in note.lines:
            out.ledger.append(dict(
                id=self._id("ledger"), client_id=cp.id, kind=LedgerKind.CHARGE.value,
                entry_date=note.session_date, amount_cents=to_cents(self.fees[line.cpt] * line.units),
                method=None, reference="", memo="", session_id=sid, cpt=line.cpt, created_at=signed_at))
        if cp.pays_at_session:
            entry_id = self._id("ledger")
            out.ledger.append(dict(
                id=entry_id, client_id=cp.id, kind=LedgerKind.PAYMENT.value,
                entry_date=note.session_date, amount_cents=to_cents(fee),
                method=rng.choice(_METHODS).value, reference=f"BEN-{sid:06d}", memo="",
                session_id=None, cpt="", created_at=signed_at))
            self.b.event(signed_at, "ledger.payment", "ledger_entry", entry_id, cp.id)
        elif note.session_date < self.today - timedelta(days=30):
            paid_on = note.session_date + timedelta(days=28)
            self.later.append((datetime.combine(paid_on, time(8)), cp.id, paid_on, fee))

    def deferred_payments(self) -> list[dict[str, Any]]:
        """Payments after reimbursement, about four weeks after the session (the last month is open)."""
        rows = []
        for created, client_id, paid_on, fee in sorted(self.later):
            entry_id = self._id("ledger")
            rows.append(dict(
                id=entry_id, client_id=client_id, kind=LedgerKind.PAYMENT.value, entry_date=paid_on,
                amount_cents=to_cents(fee), method=PaymentMethod.CHECK.value, reference="",
                memo="Paid after reimbursement", session_id=None, cpt="", created_at=created))
            self.b.event(created, "ledger.payment", "ledger_entry", entry_id, client_id)
        return rows

    def manifest(self) -> dict[str, Any]:
        """Where the benchmarks find their cases: the batch month, a 10-line superbill, a letter."""
        this_month = self.today.strftime("%Y-%m")
        months = sorted((m for m in self.month_clients if m < this_month), reverse=True)
        batch = min(months, key=lambda m: abs(len(self.month_clients[m]) - 100)) if months else None
        superbill = None
        for client_id in sorted(self.seen, reverse=True):
            signed = self.seen[client_id].signed
            for first in range(len(signed)):
                total, last = 0, first
                while last < len(signed) and total < 10:
                    total += signed[last][1]
                    last += 1
                if total == 10:
                    superbill = {"client_id": client_id, "start": signed[first][0].isoformat(),
                                 "end": signed[last - 1][0].isoformat(), "lines": 10}
                    break
            if superbill:
                break
        releases = self.b.manifest.get("release_clients", [])
        letter = None
        for release_id, client_id in enumerate(releases, 1):
            if len(self.seen[client_id].signed) >= 8 and self.seen[client_id].phq9 >= 3:
                letter = {"client_id": client_id, "release_id": release_id}
        latest = max(self.plans, key=lambda cp: (cp.sessions[-1][0], cp.id))
        return {
            "batch_month": batch,
            "batch_clients": len(self.month_clients[batch]) if batch else 0,
            "superbill": superbill,
            "letter": letter,
            "save_client": latest.id,
        }


def body_of(note: SessionNote) -> dict[str, Any]:
    """The note body document exactly as ``repositories.notes.save_note`` builds it."""
    body: dict[str, Any] = {name: getattr(note, name) for name in _BODY_FIELDS}
    body.update(
        diagnosis_codes=list(note.diagnosis_codes),
        note_format=note.note_format.value,
        sections=[list(s) for s in note.sections],
        interventions=list(note.interventions),
    )
    return body


def _replace(note: SessionNote, **changes: Any) -> SessionNote:
    from dataclasses import replace

    return replace(note, **changes)
