"""Autosave for the note editor: its whole state, exactly as typed, as JSON in the drafts table.

A draft is raw editor state (times as typed, modifiers as typed), so it can hold text that is not
valid yet; :func:`to_session_note` turns it into a domain note when the clinician saves. The
psychotherapy note text travels in the draft too: drafts live only inside the encrypted vault
and are never exported.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from therapist_desk.domain.client import Diagnosis
from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import (
    ClientLocation,
    Modality,
    NoteFormat,
    NoteStatus,
    ProgressRating,
    ServiceType,
)
from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.session import DraftText, ObjectiveProgress, SessionNote
from therapist_desk.domain.summaries import SessionSummary
from therapist_desk.services import clients, drafts, notes, plans, practice
from therapist_desk.services.notes import proposal_for

KEY_PREFIX = "note:"
FORMAT_VERSION = 1
_CLOCK = re.compile(r"^\s*(\d{1,2})(?:[:.h]?(\d{2}))?\s*([ap]\.?m?\.?)?\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DraftLine:
    """One code line as the clinician left it (modifiers as typed, e.g. "95, GT")."""

    cpt: str
    units: int = 1
    modifiers: str = ""


@dataclass(frozen=True, slots=True)
class NoteDraft:
    """Everything the note editor shows, raw. ``session_id`` None = a note not saved yet."""

    client_id: int
    session_id: int | None = None
    session_date: str = ""
    start_text: str = ""
    stop_text: str = ""
    service_type: str = ServiceType.INDIVIDUAL.value
    modality: str = Modality.IN_PERSON.value
    client_location: str = ClientLocation.OFFICE.value
    telehealth_platform: str = ""
    participants: str = ""
    codes_overridden: bool = False
    lines: tuple[DraftLine, ...] = ()
    pos_overridden: bool = False
    place_of_service: str = "11"
    interactive_complexity: bool = False
    interactive_complexity_factor: str = ""
    diagnosis_codes: tuple[str, ...] = ()
    note_format: str = NoteFormat.SOAP.value
    sections: tuple[tuple[str, str], ...] = ()
    risk_assessment: str = ""
    interventions: tuple[str, ...] = ()
    interventions_detail: str = ""
    client_response: str = ""
    homework_given: str = ""
    homework_review: str = ""
    objective_progress: tuple[tuple[str, str, str], ...] = ()
    plan_text: str = ""
    psychotherapy_text: str = field(default="", repr=False)

    @property
    def key(self) -> str:
        return draft_key(self.client_id, self.session_id)


@dataclass(frozen=True, slots=True)
class FoundDraft:
    draft: NoteDraft
    saved_at: datetime


def draft_key(client_id: int, session_id: int | None) -> str:
    """"note:12:345" for a saved note, "note:12:new" for one not saved yet."""
    return f"{KEY_PREFIX}{client_id}:{'new' if session_id is None else session_id}"


def parse_clock(text: str) -> time | None:
    """"10:05", "1005", "9.30", "2:30 pm" -> a time; empty -> None; anything else is refused."""
    if not text.strip():
        return None
    match = _CLOCK.match(text)
    if not match:
        raise ValidationError("Time", f"{text.strip()!r} is not a time such as 10:05")
    digits, minutes_text, meridiem = match.groups()
    if minutes_text is None and len(digits) > 2:
        raise ValidationError("Time", f"{text.strip()!r} is not a time such as 10:05")
    hour, minute = int(digits), int(minutes_text or 0)
    if meridiem:
        if not 1 <= hour <= 12:
            raise ValidationError("Time", f"{text.strip()!r}: the hour must be 1-12 with am/pm")
        hour = hour % 12 + (12 if meridiem[0].lower() == "p" else 0)
    if hour > 23 or minute > 59:
        raise ValidationError("Time", f"{text.strip()!r} is not a time of day")
    return time(hour, minute)


def format_clock(value: time | None) -> str:
    return value.strftime("%H:%M") if value is not None else ""


def parse_modifiers(text: str) -> tuple[str, ...]:
    """"95, gt" -> ("95", "GT"); separators are commas, spaces or dashes."""
    return tuple(part.upper() for part in re.split(r"[\s,;\-]+", text) if part)


# --- conversions ---------------------------------------------------------------------------


def from_session_note(note: SessionNote, psychotherapy_text: str = "", *,
                      codes_overridden: bool = True, pos_overridden: bool = True) -> NoteDraft:
    """The editor state showing a saved note (its codes count as chosen, not proposed)."""
    return NoteDraft(
        client_id=note.client_id,
        session_id=note.id,
        session_date=note.session_date.isoformat(),
        start_text=format_clock(note.start_time),
        stop_text=format_clock(note.stop_time),
        service_type=note.service_type.value,
        modality=note.modality.value,
        client_location=note.client_location.value,
        telehealth_platform=note.telehealth_platform,
        participants=note.participants,
        codes_overridden=codes_overridden,
        lines=tuple(DraftLine(ln.cpt, ln.units, ", ".join(ln.modifiers)) for ln in note.lines),
        pos_overridden=pos_overridden,
        place_of_service=note.place_of_service,
        interactive_complexity=any(ln.cpt == "90785" for ln in note.lines)
        or bool(note.interactive_complexity_factor),
        interactive_complexity_factor=note.interactive_complexity_factor,
        diagnosis_codes=note.diagnosis_codes,
        note_format=note.note_format.value,
        sections=note.sections,
        risk_assessment=note.risk_assessment,
        interventions=note.interventions,
        interventions_detail=note.interventions_detail,
        client_response=note.client_response,
        homework_given=note.homework_given,
        homework_review=note.homework_review,
        objective_progress=tuple((o.objective_key, o.rating.value, o.comment)
                                 for o in note.objective_progress),
        plan_text=note.plan_text,
        psychotherapy_text=psychotherapy_text,
    )


def from_saved_note(note: SessionNote, psychotherapy_text: str, instruments_scored: int) -> NoteDraft:
    """The editor state for a saved note: its codes follow the proposal again only if they match it."""
    proposal = proposal_for(note, instruments_scored=instruments_scored)
    return from_session_note(note, psychotherapy_text,
                             codes_overridden=proposal.lines != note.lines,
                             pos_overridden=proposal.place_of_service != note.place_of_service)


def to_session_note(draft: NoteDraft) -> SessionNote:
    """The domain note to save; raises ValidationError naming a time or code that is not valid."""
    try:
        start = parse_clock(draft.start_text)
    except ValidationError as error:
        raise ValidationError("Start time", error.message) from None
    try:
        stop = parse_clock(draft.stop_text)
    except ValidationError as error:
        raise ValidationError("Stop time", error.message) from None
    if not draft.session_date:
        raise ValidationError("Session date", "is required")
    lines = tuple(ServiceLine(ln.cpt.strip().upper(), ln.units, parse_modifiers(ln.modifiers))
                  for ln in draft.lines if ln.cpt.strip())
    return SessionNote(
        id=draft.session_id,
        client_id=draft.client_id,
        session_date=date.fromisoformat(draft.session_date),
        start_time=start,
        stop_time=stop,
        service_type=ServiceType(draft.service_type),
        modality=Modality(draft.modality),
        client_location=ClientLocation(draft.client_location),
        telehealth_platform=draft.telehealth_platform.strip()
        if draft.modality != Modality.IN_PERSON.value else "",
        participants=draft.participants.strip(),
        lines=lines,
        place_of_service=draft.place_of_service,
        interactive_complexity_factor=draft.interactive_complexity_factor
        if draft.interactive_complexity else "",
        diagnosis_codes=draft.diagnosis_codes,
        note_format=NoteFormat(draft.note_format),
        sections=draft.sections,
        risk_assessment=draft.risk_assessment,
        interventions=draft.interventions,
        interventions_detail=draft.interventions_detail,
        client_response=draft.client_response,
        homework_given=draft.homework_given,
        homework_review=draft.homework_review,
        objective_progress=tuple(ObjectiveProgress(key, ProgressRating(rating), comment)
                                 for key, rating, comment in draft.objective_progress),
        plan_text=draft.plan_text,
        status=NoteStatus.DRAFT,
    )


def copy_for_new_note(previous: SessionNote, client_id: int, session_date: date) -> NoteDraft:
    """"Start from the last note": its format, setting, sections, interventions, plan and links.

    Never its date, times, codes, risk assessment, homework, psychotherapy note or signature:
    those describe one session only.
    """
    copied = from_session_note(previous, codes_overridden=False, pos_overridden=False)
    return replace(
        NoteDraft(client_id=client_id, session_date=session_date.isoformat()),
        service_type=copied.service_type, modality=copied.modality,
        client_location=copied.client_location, telehealth_platform=copied.telehealth_platform,
        participants=copied.participants, diagnosis_codes=copied.diagnosis_codes,
        note_format=copied.note_format, sections=copied.sections,
        interventions=copied.interventions, interventions_detail=copied.interventions_detail,
        objective_progress=tuple((key, ProgressRating.NO_CHANGE.value, "")
                                 for key, _, _ in copied.objective_progress),
        plan_text=copied.plan_text,
    )


# --- JSON ------------------------------------------------------------------------------------


def dumps(draft: NoteDraft) -> str:
    data: dict[str, Any] = asdict(draft)
    data["version"] = FORMAT_VERSION
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def loads(payload: str) -> NoteDraft:
    """Read a draft back; unknown keys (from a newer version) are ignored, missing ones default."""
    data = json.loads(payload)
    known = {f.name for f in fields(NoteDraft)}
    clean: dict[str, Any] = {k: v for k, v in data.items() if k in known}
    clean["lines"] = tuple(DraftLine(str(ln["cpt"]), int(ln.get("units", 1)), str(ln.get("modifiers", "")))
                           for ln in clean.get("lines", ()))
    clean["sections"] = tuple((str(n), str(t)) for n, t in clean.get("sections", ()))
    clean["objective_progress"] = tuple((str(k), str(r), str(c))
                                        for k, r, c in clean.get("objective_progress", ()))
    for name in ("diagnosis_codes", "interventions"):
        clean[name] = tuple(str(v) for v in clean.get(name, ()))
    return NoteDraft(**clean)


# --- the drafts table -----------------------------------------------------------------------


def keep_note_draft(session: Session, draft: NoteDraft, now: datetime) -> None:
    """Write (or overwrite) the autosaved state; the caller's transaction is short and alone."""
    drafts.keep_draft(session, draft.key, dumps(draft), now)


def find_note_draft(session: Session, client_id: int, session_id: int | None) -> FoundDraft | None:
    found = drafts.find_draft(session, draft_key(client_id, session_id))
    return _found(found) if found else None


def discard_note_draft(session: Session, client_id: int, session_id: int | None) -> None:
    drafts.discard_draft(session, draft_key(client_id, session_id))


def note_drafts(session: Session, client_id: int | None = None) -> list[FoundDraft]:
    """Autosaved note drafts, newest first; only one client's when ``client_id`` is given."""
    prefix = KEY_PREFIX if client_id is None else f"{KEY_PREFIX}{client_id}:"
    found = [f for d in drafts.all_drafts(session)
             if d.key.startswith(prefix) and (f := _found(d)) is not None]
    return sorted(found, key=lambda f: f.saved_at, reverse=True)


def _found(text: DraftText) -> FoundDraft | None:
    try:
        return FoundDraft(loads(text.payload), text.saved_at)
    except (ValueError, KeyError, TypeError):
        return None  # unreadable: left in the table for a person to look at, never dropped


# --- what the Notes tab reads and writes, each in one transaction -----------------------------


@dataclass(frozen=True, slots=True)
class ClientNotes:
    """One client's notes context: defaults for a new note, diagnoses, plan objectives, sessions."""

    client_id: int
    display_name: str
    default_format: NoteFormat
    diagnoses: tuple[Diagnosis, ...]
    objectives: tuple[tuple[str, str], ...]  # (stable key, description) of the current plan
    sessions: tuple[SessionSummary, ...]

    def new_note(self, today: date) -> NoteDraft:
        """A blank note for today in the client's format, every diagnosis addressed."""
        return NoteDraft(client_id=self.client_id, session_date=today.isoformat(),
                         note_format=self.default_format.value,
                         diagnosis_codes=tuple(d.code for d in self.diagnoses))


@dataclass(frozen=True, slots=True)
class NoteView:
    """One note as the editor shows it, with what surrounds it."""

    draft: NoteDraft
    note: SessionNote | None  # None: not saved yet
    previous: SessionNote | None  # the client's note before it (homework to review)
    instruments_scored: int
    item9_positive: bool


def client_notes(session: Session, client_id: int) -> ClientNotes:
    client = clients.get_client(session, client_id)
    profile = practice.get_profile(session)
    plan = plans.current_plan(session, client_id)
    fmt = client.default_note_format or (profile.default_note_format if profile else NoteFormat.SOAP)
    return ClientNotes(client_id, client.display_name, fmt, client.diagnoses,
                       tuple((o.key, o.description) for o in plan.objectives()) if plan else (),
                       tuple(notes.list_notes(session, client_id)))


def note_view(session: Session, client_id: int, draft: NoteDraft | None = None,
              session_id: int | None = None) -> NoteView:
    """The saved note ``session_id`` (or ``draft``'s), shown as saved or as the draft restores it.

    A draft of a note deleted since comes back as a new note; for a signed note only its private
    psychotherapy notes were editable, so only they are restored.
    """
    sid = session_id if draft is None else draft.session_id
    if sid is not None:
        try:
            note = notes.get_note(session, sid)
        except clients.RecordNotFound:
            if draft is None:
                raise
            note, draft = None, replace(draft, session_id=None)
        if note is not None:
            count = notes.instruments_scored_for_session(session, sid)
            private = notes.get_psychotherapy_note(session, sid)
            if draft is None or note.is_signed:
                draft = from_saved_note(note, private if draft is None else draft.psychotherapy_text, count)
            return NoteView(draft, note, notes.previous_note(session, note.client_id, sid), count,
                            notes.item9_positive_for_session(session, sid))
    return NoteView(draft or NoteDraft(client_id=client_id), None, notes.previous_note(session, client_id), 0, False)


def save_from_draft(session: Session, draft: NoteDraft, now: datetime) -> SessionNote:
    """Save the note as shown (for a signed one: only its private notes) and drop its drafts."""
    existing = notes.get_note(session, draft.session_id) if draft.session_id is not None else None
    if existing is not None and existing.is_signed:
        sid = existing.id
    else:
        sid = notes.save_note(session, to_session_note(draft), now).id
    assert sid is not None
    if draft.psychotherapy_text or notes.get_psychotherapy_note(session, sid):
        notes.save_psychotherapy_note(session, sid, draft.psychotherapy_text, now)
    discard_note_draft(session, draft.client_id, draft.session_id)
    discard_note_draft(session, draft.client_id, sid)
    return notes.get_note(session, sid)


def draft_to_offer(session: Session, client_id: int, busy_key: str = "") -> tuple[FoundDraft, str] | None:
    """The newest draft to offer back (this client's first, else anyone's) and whose it is.

    ``busy_key`` is the note being typed into right now: its draft is the live autosave.
    """
    found = [f for f in note_drafts(session, client_id) if f.draft.key != busy_key] if client_id >= 0 else []
    found = found or [f for f in note_drafts(session) if f.draft.key != busy_key]
    if not found:
        return None
    try:
        name = clients.get_client(session, found[0].draft.client_id).display_name
    except clients.RecordNotFound:
        name = ""
    return found[0], name
