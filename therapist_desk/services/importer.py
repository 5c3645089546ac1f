"""Import clients or sessions from a CSV file: every row checked, then all rows or none saved.

The columns are documented in docs/import-format.md. Rows go through the same services (and so
the same validation and audit) as the forms; any bad row raises :class:`ImportFailed` listing
every problem as "line N: Field: message", and the caller's transaction is rolled back.
Messages name fields, never the values in them.
"""

from __future__ import annotations

import csv
import io
import re
from enum import StrEnum
from typing import TypeVar
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy.orm import Session

from therapist_desk.domain.client import Client, Contact, Diagnosis, Insurance, fold_name
from therapist_desk.domain.cpt import (
    CPT_LABELS,
    DEFAULT_POS_TABLE,
    DEFAULT_TELEHEALTH_MODIFIERS,
    BRIEF_ASSESSMENT,
    ServiceLine,
    minutes_between,
    override_warnings,
    propose_codes,
)
from therapist_desk.domain.enums import ClientLocation, ClientStatus, Modality, NoteFormat, ServiceType
from therapist_desk.domain.errors import ValidationError, ValidationErrors
from therapist_desk.domain.icd10 import Icd10Catalog
from therapist_desk.domain.practice import Address
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import clients as client_service
from therapist_desk.services import notes as note_service
from therapist_desk.store.repositories import clients as client_repo
from therapist_desk.store.repositories import notes as note_repo

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")

CLIENTS = "clients"
SESSIONS = "sessions"

CLIENT_REQUIRED: tuple[str, ...] = ("legal_first_name", "legal_last_name", "date_of_birth")
CLIENT_COLUMNS: tuple[str, ...] = (
    *CLIENT_REQUIRED,
    "preferred_name", "pronouns", "email", "phone",
    "address_line1", "address_line2", "city", "state", "postal_code",
    "status", "status_since", "discharge_reason", "intake_date", "referral_source",
    "presenting_problem", "payer", "member_id", "group_id", "diagnoses",
    "guardian_name", "guardian_relationship", "guardian_phone", "guardian_email",
    "emergency_contact_name", "emergency_contact_relationship", "emergency_contact_phone",
)
SESSION_REQUIRED: tuple[str, ...] = (
    "client_legal_first_name", "client_legal_last_name", "client_date_of_birth", "session_date",
)
SESSION_COLUMNS: tuple[str, ...] = (
    *SESSION_REQUIRED,
    "start_time", "stop_time", "service_type", "modality", "client_location",
    "telehealth_platform", "cpt", "note",
)
COLUMNS = {CLIENTS: CLIENT_COLUMNS, SESSIONS: SESSION_COLUMNS}
REQUIRED = {CLIENTS: CLIENT_REQUIRED, SESSIONS: SESSION_REQUIRED}

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_NOTE_DIAGNOSES = 4  # diagnosis pointers per superbill line
_MAX_FIELD = 1024 * 1024  # one note may be long; csv's default limit is 128 KiB


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem: the file's line number (header = line 1), a field label and what is wrong."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


class ImportFailed(Exception):
    """The file was not imported; ``errors`` lists every problem found, in file order."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors: tuple[RowError, ...] = tuple(sorted(errors, key=lambda e: e.line))
        super().__init__(f"{len(self.errors)} problem(s); nothing was imported")


@dataclass(frozen=True, slots=True)
class ImportResult:
    kind: str
    count: int
    ids: tuple[int, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One record: the line it starts on, its cells by column, and a shape problem if any."""

    line: int
    values: dict[str, str]
    shape_error: str = ""

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()


# --- reading the file -----------------------------------------------------------------------


def normalize_header(name: str) -> str:
    """"Date of Birth " -> "date_of_birth": case, spaces and hyphens do not matter."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def read_csv_text(text: str, kind: str | None = None) -> tuple[str, list[CsvRow]]:
    """Parse CSV text into (kind, rows); raise ImportFailed for header or CSV-syntax problems."""
    if kind is not None and kind not in COLUMNS:
        raise ValueError(f"kind must be {CLIENTS!r} or {SESSIONS!r}")
    text = text.removeprefix("\ufeff")
    csv.field_size_limit(max(csv.field_size_limit(), _MAX_FIELD))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[CsvRow] = []
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise ImportFailed([RowError(1, "Columns", "the file is empty; the first line must "
                                                      "name the columns")])
        names = [normalize_header(cell) for cell in header]
        if kind is None:
            kind = SESSIONS if "session_date" in names else CLIENTS
        _check_header(names, kind)
        previous_end = reader.line_num
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank lines (often at the end of a spreadsheet export)
            if len(cells) != len(names):
                rows.append(CsvRow(start, {}, f"has {len(cells)} cells; the header has {len(names)}"))
                continue
            rows.append(CsvRow(start, dict(zip(names, cells, strict=True))))
    except csv.Error as exc:
        # csv's messages describe the syntax ("',' expected after '\"'"), never the data.
        raise ImportFailed([RowError(reader.line_num or 1, "File", f"is not valid CSV ({exc})")]) from None
    return kind, rows


def _check_header(names: list[str], kind: str) -> None:
    known = COLUMNS[kind]
    errors: list[RowError] = []
    seen: set[str] = set()
    for name in names:
        if not name:
            errors.append(RowError(1, "Columns", "a column has no name"))
        elif name in seen:
            errors.append(RowError(1, "Columns", f"{name} appears twice"))
        elif name not in known:
            errors.append(RowError(1, "Columns", f"unknown column {name!r} for a {kind} file; "
                                                 "see docs/import-format.md"))
        seen.add(name)
    missing = [name for name in REQUIRED[kind] if name not in seen]
    if missing:
        errors.append(RowError(1, "Columns", f"missing required column(s) for a {kind} file: "
                                             + ", ".join(missing)))
    if errors:
        raise ImportFailed(errors)


def read_csv_file(path: Path, kind: str | None = None) -> tuple[str, list[CsvRow]]:
    """Read a UTF-8 (BOM or not) CSV file; OSError if it cannot be read."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFailed([RowError(1, "File", f"is larger than {MAX_FILE_BYTES // 2**20} MiB")])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFailed([RowError(line, "File", "is not UTF-8 text; save it as "
                                                   "'CSV UTF-8' and try again")]) from None
    return read_csv_text(text, kind)


# --- the use cases --------------------------------------------------------------------------


def import_csv_file(
    session: Session, path: Path, now: datetime, *, kind: str | None = None,
    catalog: Icd10Catalog | None = None,
) -> ImportResult:
    """Import a clients or sessions CSV into the caller's transaction (raise ImportFailed if any row is bad)."""
    found_kind, rows = read_csv_file(path, kind)
    return import_rows(session, found_kind, rows, now, catalog=catalog)


def import_csv_text(
    session: Session, text: str, now: datetime, *, kind: str | None = None,
    catalog: Icd10Catalog | None = None,
) -> ImportResult:
    found_kind, rows = read_csv_text(text, kind)
    return import_rows(session, found_kind, rows, now, catalog=catalog)


def import_rows(
    session: Session, kind: str, rows: list[CsvRow], now: datetime, *,
    catalog: Icd10Catalog | None = None,
) -> ImportResult:
    """Validate and save every row; if any row is bad, raise ImportFailed (caller rolls back).

    Rows are saved as they pass so that the services' own checks run on them; nothing is
    committed here, and the caller's unit of work discards everything when this raises.
    """
    if not rows:
        raise ImportFailed([RowError(1, "File", "has a header but no rows")])
    if kind == CLIENTS:
        return _import_clients(session, rows, now, catalog or Icd10Catalog.default())
    return _import_sessions(session, rows, now)


def _shape_errors(row: CsvRow) -> list[RowError]:
    return [RowError(row.line, "Row", row.shape_error)] if row.shape_error else []


# --- clients --------------------------------------------------------------------------------


def _import_clients(session: Session, rows: list[CsvRow], now: datetime, catalog: Icd10Catalog) -> ImportResult:
    errors: list[RowError] = []
    ids: list[int] = []
    existing = _existing_clients(session)
    in_file: dict[tuple[str, str, date], int] = {}
    for row in rows:
        shape = _shape_errors(row)
        if shape:
            errors += shape
            continue
        client, row_errors = _client_from_row(row)
        key = (fold_name(client.legal_first_name.strip()), fold_name(client.legal_last_name.strip()),
               client.date_of_birth)
        if not any(e.field == "Date of birth" for e in row_errors) and all(key[:2]):
            if key in existing:
                row_errors.append(RowError(row.line, "Client", "a client with this name and date "
                                                               "of birth is already in the vault"))
            elif key in in_file:
                row_errors.append(RowError(row.line, "Client", "same name and date of birth as "
                                                               f"line {in_file[key]}"))
            else:
                in_file[key] = row.line
        row_errors += _diagnosis_errors(row.line, client, catalog)
        flagged = {e.field for e in row_errors}
        try:
            created = client_service.create_client(session, client, now, catalog=catalog)
        except ValidationErrors as invalid:
            row_errors += [RowError(row.line, e.field, e.message) for e in invalid.errors
                           if e.field not in flagged]
        except ValidationError as invalid:
            if invalid.field not in flagged:
                row_errors.append(RowError(row.line, invalid.field, invalid.message))
        else:
            assert created.id is not None
            ids.append(created.id)
        errors += row_errors
    if errors:
        raise ImportFailed(errors)
    return ImportResult(CLIENTS, len(ids), tuple(ids))


def _diagnosis_errors(line: int, client: Client, catalog: Icd10Catalog) -> list[RowError]:
    """The catalog check the service runs, with its labels, also when other fields are bad."""
    errors = []
    for i, dx in enumerate(client.diagnoses, 1):
        label = "Primary diagnosis" if i == 1 else f"Diagnosis {i}"
        try:
            catalog.validate_billable(dx.code, label)
        except ValidationError as bad:
            errors.append(RowError(line, bad.field, bad.message))
    return errors


# Stand-in for a date that did not parse, so the rest of the row is still validated; the
# date's own error is reported and any error the stand-in causes is dropped.
_PLACEHOLDER_BIRTH = date(1980, 1, 1)


def _client_from_row(row: CsvRow) -> tuple[Client, list[RowError]]:
    errors: list[RowError] = []

    def day(column: str, label: str, *, required: bool = False) -> date | None:
        try:
            return parse_date(row.get(column), label, required=required)
        except ValidationError as bad:
            errors.append(RowError(row.line, bad.field, bad.message))
            return None

    birth = day("date_of_birth", "Date of birth", required=True)
    status = ClientStatus.ACTIVE
    if row.get("status"):
        try:
            status = parse_choice(row.get("status"), ClientStatus, "Status")
        except ValidationError as bad:
            errors.append(RowError(row.line, bad.field, bad.message))
    codes = [c.strip() for c in re.split(r"[;|]", row.get("diagnoses")) if c.strip()]
    client = Client(
        legal_first_name=row.get("legal_first_name"),
        legal_last_name=row.get("legal_last_name"),
        date_of_birth=birth or _PLACEHOLDER_BIRTH,
        preferred_name=row.get("preferred_name"),
        pronouns=row.get("pronouns"),
        email=row.get("email"),
        phone=row.get("phone"),
        address=Address(row.get("address_line1"), row.get("address_line2"), row.get("city"),
                        row.get("state"), row.get("postal_code")),
        guardian=Contact(row.get("guardian_name"), row.get("guardian_relationship"),
                         row.get("guardian_phone"), row.get("guardian_email")),
        emergency_contact=Contact(row.get("emergency_contact_name"),
                                  row.get("emergency_contact_relationship"),
                                  row.get("emergency_contact_phone")),
        insurance=Insurance(row.get("payer"), row.get("member_id"), row.get("group_id")),
        status=status,
        status_since=day("status_since", "Status date"),
        discharge_reason=row.get("discharge_reason"),
        intake_date=day("intake_date", "Intake date"),
        referral_source=row.get("referral_source"),
        presenting_problem=row.get("presenting_problem"),
        diagnoses=tuple(Diagnosis(code) for code in codes),
    )
    return client, errors


def _existing_clients(session: Session) -> dict[tuple[str, str, date], list[int]]:
    """Folded legal name and birth date of every client, for duplicate checks and session rows."""
    found: dict[tuple[str, str, date], list[int]] = {}
    for client_id, first, last, birth in client_repo.client_identities(session):
        found.setdefault((fold_name(first), fold_name(last), birth), []).append(client_id)
    return found


# --- sessions -------------------------------------------------------------------------------


def _import_sessions(session: Session, rows: list[CsvRow], now: datetime) -> ImportResult:
    errors: list[RowError] = []
    warnings: list[str] = []
    ids: list[int] = []
    clients = _existing_clients(session)
    client_cache: dict[int, Client] = {}
    taken = _existing_session_keys(session)
    in_file: dict[tuple[int, date, time | None], int] = {}
    for row in rows:
        shape = _shape_errors(row)
        if shape:
            errors += shape
            continue
        note, row_errors, row_warnings = _note_from_row(row, clients, client_cache, session)
        if note is not None:
            key = (note.client_id, note.session_date, note.start_time)
            if key in taken:
                row_errors.append(RowError(row.line, "Session", "this client already has a session "
                                                                "on this date at this start time"))
            elif key in in_file:
                row_errors.append(RowError(row.line, "Session", f"same client, date and start time "
                                                                f"as line {in_file[key]}"))
            else:
                in_file[key] = row.line
        if note is not None and not row_errors:
            try:
                saved = note_service.save_note(session, note, now)
            except ValidationErrors as invalid:
                row_errors += [RowError(row.line, e.field, e.message) for e in invalid.errors]
            except ValidationError as invalid:
                row_errors.append(RowError(row.line, invalid.field, invalid.message))
            else:
                assert saved.id is not None
                ids.append(saved.id)
        errors += row_errors
        warnings += [f"line {row.line}: {w}" for w in row_warnings]
    if errors:
        raise ImportFailed(errors)
    return ImportResult(SESSIONS, len(ids), tuple(ids), tuple(warnings))


def _existing_session_keys(session: Session) -> set[tuple[int, date, time | None]]:
    return set(note_repo.session_keys(session))


def _note_from_row(
    row: CsvRow,
    clients: dict[tuple[str, str, date], list[int]],
    client_cache: dict[int, Client],
    session: Session,
) -> tuple[SessionNote | None, list[RowError], list[str]]:
    errors: list[RowError] = []
    warnings: list[str] = []

    def check(parse: Callable[..., T], *args: object) -> T | None:
        try:
            return parse(*args)
        except ValidationError as bad:
            errors.append(RowError(row.line, bad.field, bad.message))
            return None

    def choice(column: str, enum: type[E], label: str, default: E) -> E:
        if not row.get(column):
            return default
        try:
            return parse_choice(row.get(column), enum, label)
        except ValidationError as bad:
            errors.append(RowError(row.line, bad.field, bad.message))
            return default

    birth = check(parse_date, row.get("client_date_of_birth"), "Client date of birth", True)
    session_date = check(parse_date, row.get("session_date"), "Session date", True)
    start = check(parse_time, row.get("start_time"), "Start time")
    stop = check(parse_time, row.get("stop_time"), "Stop time")
    service = choice("service_type", ServiceType, "Service type", ServiceType.INDIVIDUAL)
    modality = choice("modality", Modality, "Modality", Modality.IN_PERSON)
    location = choice("client_location", ClientLocation, "Client location",
                      ClientLocation.OFFICE if modality is Modality.IN_PERSON else ClientLocation.HOME)
    if (start is None) != (stop is None):
        errors.append(RowError(row.line, "Stop time" if start else "Start time",
                               "is required when the other time is given"))
    minutes: int | None = None
    if start is not None and stop is not None:
        minutes = check(minutes_between, start, stop)

    client_id: int | None = None
    first, last = row.get("client_legal_first_name"), row.get("client_legal_last_name")
    if not first:
        errors.append(RowError(row.line, "Client legal first name", "is required"))
    if not last:
        errors.append(RowError(row.line, "Client legal last name", "is required"))
    if first and last and birth is not None:
        matches = clients.get((fold_name(first), fold_name(last), birth), [])
        if not matches:
            errors.append(RowError(row.line, "Client", "no client with this legal name and date "
                                                       "of birth is in the vault (import the clients first)"))
        elif len(matches) > 1:
            errors.append(RowError(row.line, "Client", f"this legal name and date of birth match "
                                                       f"{len(matches)} clients"))
        else:
            client_id = matches[0]

    lines: tuple[ServiceLine, ...] = ()
    place = DEFAULT_POS_TABLE.get((modality, location), "11")
    if row.get("cpt"):
        parsed = check(parse_cpt_lines, row.get("cpt"), modality)
        if parsed is not None:
            lines = parsed
            if minutes is not None:
                warnings += override_warnings(lines, service, minutes)
    elif minutes is not None:
        proposal = check(propose_codes, service, minutes, modality, location)
        if proposal is not None:
            lines = proposal.lines
            warnings += proposal.warnings

    if errors or client_id is None or session_date is None:
        return None, errors, warnings
    client = client_cache.get(client_id)
    if client is None:
        client = client_cache[client_id] = client_service.get_client(session, client_id)
    text = row.get("note")
    note = SessionNote(
        client_id=client_id,
        session_date=session_date,
        start_time=start,
        stop_time=stop,
        service_type=service,
        modality=modality,
        client_location=location,
        telehealth_platform=row.get("telehealth_platform"),
        lines=lines,
        place_of_service=place,
        diagnosis_codes=tuple(d.code for d in client.diagnoses[:MAX_NOTE_DIAGNOSES]),
        note_format=NoteFormat.FREE,
        sections=(("Note", text),) if text else (),
    )
    return note, errors, warnings


# --- value parsers (messages name the field, never echo the value) --------------------------

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$")
_CPT_ITEM = re.compile(r"^([0-9A-Z]{5})(?:\s*[xX*]\s*(\d{1,2}))?$")


def parse_date(text: str, field: str, required: bool = False) -> date | None:
    """YYYY-MM-DD, or M/D/YYYY (US order); empty gives None unless required."""
    value = text.strip()
    if not value:
        if required:
            raise ValidationError(field, "is required")
        return None
    try:
        if _ISO_DATE.match(value):
            return date.fromisoformat(value)
        us = _US_DATE.match(value)
        if us:
            return date(int(us.group(3)), int(us.group(1)), int(us.group(2)))
    except ValueError:
        raise ValidationError(field, "is not a real calendar date") from None
    raise ValidationError(field, "must be a date written YYYY-MM-DD (or MM/DD/YYYY)")


def parse_time(text: str, field: str) -> time | None:
    """24-hour HH:MM, or H:MM AM/PM; empty gives None."""
    value = text.strip()
    if not value:
        return None
    match = _TIME.match(value)
    if match is None:
        raise ValidationError(field, "must be a time such as 14:30 or 2:30 PM")
    hour, minute = int(match.group(1)), int(match.group(2))
    meridiem = (match.group(4) or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            raise ValidationError(field, "must be a time such as 14:30 or 2:30 PM")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValidationError(field, "must be a time such as 14:30 or 2:30 PM")
    return time(hour, minute)


def parse_choice(text: str, enum: type[E], field: str) -> E:
    """An enum value, forgiving case, spaces and hyphens ("In person" -> in_person)."""
    wanted = normalize_header(text)
    for member in enum:
        if member.value == wanted:
            return member
    allowed = ", ".join(member.value for member in enum)
    raise ValidationError(field, f"must be one of: {allowed}")


def parse_cpt_lines(text: str, modality: Modality) -> tuple[ServiceLine, ...]:
    """"90834" or "90834; 96127x2": codes we bill, telehealth modifiers from the modality."""
    value = DEFAULT_TELEHEALTH_MODIFIERS.get(modality, ())
    modifiers = (value,) if isinstance(value, str) and value else tuple(value)
    lines: list[ServiceLine] = []
    for item in (part.strip().upper() for part in re.split(r"[;,|]", text)):
        if not item:
            continue
        match = _CPT_ITEM.match(item)
        if match is None:
            raise ValidationError("CPT code", "must be 5 digits such as 90834, optionally with "
                                              "units as 96127x2")
        code, units = match.group(1), int(match.group(2) or 1)
        if code not in CPT_LABELS:
            raise ValidationError("CPT code", f"{code} is not one of the codes Therapist Desk bills")
        lines.append(ServiceLine(code, units, () if code == BRIEF_ASSESSMENT else modifiers))
    return tuple(lines)
