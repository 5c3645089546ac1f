"""Session note use cases: propose codes, save drafts, sign, addenda, private notes, search."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from therapist_desk.domain.cpt import CodeProposal, propose_codes
from therapist_desk.domain.enums import Instrument, LedgerKind, NoteStatus
from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.icd10 import Icd10Catalog
from therapist_desk.domain.ledger import LedgerEntry
from therapist_desk.domain.session import Addendum, PsychotherapyNote, SessionNote
from therapist_desk.domain.summaries import SessionSummary
from therapist_desk.services.common import ActionRefused, audit
from therapist_desk.services.practice import require_profile
from therapist_desk.store.repositories import notes as repo
from therapist_desk.store.repositories.clients import RecordNotFound, client_exists
from therapist_desk.store.repositories.records import add_ledger_entry, list_measures


class NoteLocked(ActionRefused):
    """A signed note cannot change; later information goes into an addendum."""

    def __init__(self) -> None:
        super().__init__("This note is signed and locked", ("add an addendum instead",))


def proposal_for(note: SessionNote, *, instruments_scored: int = 0) -> CodeProposal:
    """The codes the rules propose for this note's minutes, service, modality and location."""
    return propose_codes(
        note.service_type, note.minutes or 0, note.modality, note.client_location,
        interactive_complexity=bool(note.interactive_complexity_factor),
        instruments_scored=instruments_scored,
    )


def save_note(session: Session, note: SessionNote, now: datetime) -> SessionNote:
    """Save a draft note (new or existing) in one transaction. Signed notes are refused.

    Returns the note as saved, equal to what ``get_note`` would read back (built here rather
    than read again: four fewer statements on every save).
    """
    if not client_exists(session, note.client_id):
        raise RecordNotFound("client", note.client_id)
    existing = repo.load_note(session, note.id) if note.id is not None else None
    if existing is not None and existing.is_signed:
        raise NoteLocked()
    if note.session_date > now.date():
        raise ValidationError("Session date", "is in the future")
    if note.start_time and note.stop_time and note.stop_time <= note.start_time:
        raise ValidationError("Stop time", "must be after the start time")
    # A code that is not billable ICD-10-CM must never reach a signed note or a superbill.
    catalog = Icd10Catalog.default()
    codes = tuple(catalog.validate_billable(code, "Diagnosis addressed").code for code in note.diagnosis_codes)
    # Normalised as the vault gives them back; addenda are never saved here (only by
    # add_addendum), so the note keeps the ones it has in the vault.
    draft = replace(
        note, diagnosis_codes=codes, status=NoteStatus.DRAFT, signed_at=None, signed_by="", fee=None,
        sections=tuple((name, text) for name, text in note.sections),
        interventions=tuple(note.interventions), lines=tuple(note.lines),
        objective_progress=tuple(note.objective_progress),
        addenda=existing.addenda if existing is not None else (),
    )
    sid = repo.save_note(session, draft, now)
    action = "note.create" if note.id is None else "note.update"
    audit(session, now, action, "session", sid, client_id=note.client_id)
    return replace(draft, id=sid, updated_at=now)


def get_note(session: Session, session_id: int) -> SessionNote:
    return repo.load_note(session, session_id)


def list_notes(session: Session, client_id: int) -> list[SessionSummary]:
    return repo.list_session_summaries(session, client_id)


def missing_for_signature(session: Session, note: SessionNote) -> tuple[str, ...]:
    """Every field a progress note needs before it can be signed, in plain words."""
    missing: list[str] = []
    if note.start_time is None:
        missing.append("start time")
    if note.stop_time is None:
        missing.append("stop time")
    elif note.minutes is None:
        missing.append("a stop time after the start time")
    if not note.lines:
        missing.append("CPT code")
    if not note.diagnosis_codes:
        missing.append("diagnosis addressed")
    if not note.interventions and not note.interventions_detail.strip():
        missing.append("at least one intervention")
    if not any(text.strip() for _, text in note.sections):
        missing.append("note text")
    if any(line.cpt == "90785" for line in note.lines) and not note.interactive_complexity_factor:
        missing.append("interactive complexity factor (for +90785)")
    if note.id is not None and item9_positive_for_session(session, note.id) and not note.risk_assessment.strip():
        missing.append("risk assessment (PHQ-9 item 9 was answered above 0)")
    return tuple(missing)


def previous_note(session: Session, client_id: int, session_id: int | None = None) -> SessionNote | None:
    """The client's note just before ``session_id`` (newest first order), or the latest when None.

    Feeds "start from the last note" and the homework review of the next note.
    """
    summaries = repo.list_session_summaries(session, client_id)
    if session_id is not None:
        ids = [s.id for s in summaries]
        if session_id not in ids:
            return None
        summaries = summaries[ids.index(session_id) + 1:]
    return repo.load_note(session, summaries[0].id) if summaries else None


def instruments_scored_for_session(session: Session, session_id: int) -> int:
    """Instruments with a complete (scored) form at this session: the units of 96127 it can bill.

    A form given twice at one session (a redo) is still one instrument, so one unit.
    """
    return len(repo.scored_instruments_for_session(session, session_id))


def item9_positive_for_session(session: Session, session_id: int) -> bool:
    """True when a PHQ-9 given at this session has item 9 above 0."""
    note = repo.load_note(session, session_id)
    return any(
        m.session_id == session_id and m.item9_positive
        for m in list_measures(session, note.client_id, Instrument.PHQ9)
    )


def sign_note(session: Session, session_id: int, now: datetime) -> SessionNote:
    """Sign: check the required fields, lock, post the charges at the fee schedule, audit."""
    note = repo.load_note(session, session_id)
    if note.is_signed:
        raise NoteLocked()
    missing = missing_for_signature(session, note)
    if missing:
        raise ActionRefused("The note cannot be signed yet; it is missing", missing)
    profile = require_profile(session)
    charges: list[tuple[str, Decimal]] = []
    no_fee = []
    for line in note.lines:
        fee = profile.fee_for(line.cpt)
        if fee is None:
            no_fee.append(f"a fee for {line.cpt} (Settings > Fee schedule)")
        else:
            charges.append((line.cpt, fee * line.units))
    if no_fee:
        raise ActionRefused("The note cannot be signed yet; it is missing", tuple(no_fee))
    total = sum((amount for _, amount in charges), Decimal("0.00"))
    signed = replace(note, status=NoteStatus.SIGNED, signed_at=now, signed_by=profile.signature_line, fee=total)
    repo.save_note(session, signed, now)
    for cpt, amount in charges:
        add_ledger_entry(session, LedgerEntry(client_id=note.client_id, kind=LedgerKind.CHARGE,
                                              entry_date=note.session_date, amount=amount,
                                              session_id=session_id, cpt=cpt), now)
    audit(session, now, "note.sign", "session", session_id, client_id=note.client_id)
    return repo.load_note(session, session_id)


def add_addendum(session: Session, session_id: int, text: str, now: datetime, *, reason: str = "") -> SessionNote:
    """Later information on a signed note: dated and signed; the original stays unchanged."""
    note = repo.load_note(session, session_id)
    if not note.is_signed:
        raise ActionRefused("Addenda are for signed notes", ("edit the draft note directly",))
    if not text.strip():
        raise ValidationError("Addendum", "is empty")
    profile = require_profile(session)
    addendum = Addendum(text.strip(), now, profile.signature_line, reason.strip())
    add_id = repo.add_addendum(session, session_id, addendum)
    updated = repo.load_note(session, session_id)
    repo.reindex_note(session, session_id, updated.body_text())
    audit(session, now, "note.addendum", "addendum", add_id, client_id=note.client_id)
    return updated


def delete_draft_note(session: Session, session_id: int, now: datetime) -> None:
    """Only an unsigned draft can be deleted (a session that never happened)."""
    note = repo.load_note(session, session_id)
    if note.is_signed:
        raise NoteLocked()
    repo.delete_note(session, session_id)
    audit(session, now, "note.delete_draft", "session", session_id, client_id=note.client_id)


def save_psychotherapy_note(session: Session, session_id: int, text: str, now: datetime) -> None:
    note = repo.load_note(session, session_id)
    repo.save_psychotherapy_note(session, PsychotherapyNote(session_id, text), now)
    audit(session, now, "psychotherapy_note.update", "session", session_id, client_id=note.client_id)


def get_psychotherapy_note(session: Session, session_id: int) -> str:
    found = repo.get_psychotherapy_note(session, session_id)
    return found.text if found else ""


def search_notes(
    session: Session, query: str, *, client_id: int | None = None,
    since: date | None = None, until: date | None = None, limit: int = 50,
) -> list[tuple[int, int, date, str]]:
    return repo.search_notes(session, query, client_id=client_id, since=since, until=until, limit=limit)


def search_note_hits(
    session: Session, query: str, *, client_id: int | None = None,
    since: date | None = None, until: date | None = None, limit: int = 50,
) -> list[tuple[int, int, date, str, str]]:
    """search_notes plus the client's display name: (session id, client id, date, name, snippet).

    Full text through FTS5 (never LIKE over bodies), newest first; the names come from one
    narrow query over the few clients in the hits.
    """
    hits = repo.search_notes(session, query, client_id=client_id, since=since, until=until, limit=limit)
    names = repo.client_display_names(session, (hit[1] for hit in hits))
    return [(sid, cid, day, names.get(cid, ""), snippet) for sid, cid, day, snippet in hits]
