"""Superbills: check completeness, assemble ``SuperbillData`` from the vault, save, log, batch.

A superbill missing an NPI or a diagnosis costs the client their reimbursement, so every
required item is checked before anything is rendered; the refusal lists each missing item with
where to fix it. Only signed sessions are billed. Making one records a disclosure and an
``export.superbill`` audit event. A preview (``preview_superbill``) records nothing.

Paid column: the ledger records payments per client, not per service line. A line shows a
paid amount only when a payment is tied to its session (``LedgerEntry.session_id``), on the
session's first line; otherwise it is blank. The total "Amount paid" (CMS-1500 box 29) is every
payment dated within the period (or tied to a session on the superbill), insurance payments
included, since box 29 counts what the patient and other payers paid.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from therapist_desk.domain.audit import Disclosure
from therapist_desk.domain.client import Client, Diagnosis, Insurance, fold_name
from therapist_desk.domain.cpt import (
    INDIVIDUAL_TIMED_CODES,
    PLACE_OF_SERVICE_LABELS,
    ServiceLine,
    cpt_label,
)
from therapist_desk.domain.enums import LedgerKind, NoteStatus, PaymentMethod, TaxIdKind
from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.icd10 import Icd10Catalog
from therapist_desk.domain.identifiers import format_ein, mask_ssn, validate_npi
from therapist_desk.domain.ledger import LedgerEntry
from therapist_desk.domain.practice import Address, PracticeProfile
from therapist_desk.domain.session import SessionNote
from therapist_desk.export.data import (
    DiagnosisEntry,
    PatientBlock,
    ProviderBlock,
    ServiceLineEntry,
    SuperbillData,
)
from therapist_desk.export.superbill import render_superbill
from therapist_desk.services.common import ActionRefused, audit
from therapist_desk.services.pdf_output import (
    check_password,
    discard,
    fsync_folder,
    publish,
    save_pdf,
    write_temp,
)
from therapist_desk.services.vault_access import Vault
from therapist_desk.store.repositories import notes as notes_repo
from therapist_desk.store.repositories import records
from therapist_desk.store.models import (
    ClientRow,
    DiagnosisRow,
    LedgerRow,
    NoteBodyRow,
    SessionLineRow,
    SessionRow,
)
from therapist_desk.store.repositories.clients import (
    RecordNotFound,
    list_client_summaries,
    load_client,
)
from therapist_desk.store.repositories.practice import get_practice

WHERE_PRACTICE = "Settings > Practice profile"
WHERE_CLIENT = "Clients tab"
WHERE_NOTE = "Session note"
WHERE_SESSIONS = "Sessions tab"
WHERE_LEDGER = "Ledger"

DISCLOSURE_RECIPIENT = "Client (superbill for insurer)"
DISCLOSURE_PURPOSE = "Payment: the client's claim for out-of-network reimbursement"
LETTERS = "ABCDEFGHIJKL"
MAX_POINTERS = 4
SSN_NOTE = "Masked for privacy; full number from the provider on request"
MODIFIER_LABELS: dict[str, str] = {
    "95": "telehealth, live audio and video",
    "93": "telehealth, audio only",
    "GT": "telehealth (legacy)",
    "FQ": "telehealth, audio only (legacy)",
}

ProgressCallback = Callable[[int, int, str], "bool | None"]
SessionFactory = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True, slots=True)
class MissingItem:
    """Something a superbill needs, and where in the app to fix it."""

    what: str
    where: str

    def __str__(self) -> str:
        return f"{self.what} — {self.where}"


class SuperbillIncomplete(ActionRefused):
    """No PDF was made: ``items`` lists everything missing (``reasons`` as plain lines)."""

    def __init__(self, items: Sequence[MissingItem]) -> None:
        self.items: tuple[MissingItem, ...] = tuple(items)
        super().__init__("The superbill was not made; it is missing",
                         tuple(str(item) for item in self.items))


@dataclass(frozen=True, slots=True)
class SuperbillExport:
    path: Path
    data: SuperbillData
    disclosure_id: int


# --- assembling -----------------------------------------------------------------------------


def _practice_missing(profile: PracticeProfile | None) -> list[MissingItem]:
    if profile is None:
        return [MissingItem("Practice profile (clinician, license, NPI, tax ID, address, phone)",
                            WHERE_PRACTICE)]
    missing: list[MissingItem] = []
    if not profile.clinician_name.strip():
        missing.append(MissingItem("Rendering provider name", WHERE_PRACTICE))
    if not profile.credentials.strip():
        missing.append(MissingItem("Credentials (for example LCSW)", WHERE_PRACTICE))
    if not (profile.license_number.strip() and profile.license_state.strip()):
        missing.append(MissingItem("License number and state", WHERE_PRACTICE))
    try:
        validate_npi(profile.rendering_npi, "Rendering NPI")
    except ValidationError:
        missing.append(MissingItem("Rendering NPI", WHERE_PRACTICE))
    if not profile.tax_id.strip():
        missing.append(MissingItem("EIN/SSN (tax ID)", WHERE_PRACTICE))
    if not profile.address.is_complete:
        missing.append(MissingItem("Practice address (street, city, state, ZIP)", WHERE_PRACTICE))
    if not profile.phone.strip():
        missing.append(MissingItem("Practice phone", WHERE_PRACTICE))
    return missing


def _client_missing(client: Client) -> list[MissingItem]:
    missing: list[MissingItem] = []
    if not (client.legal_first_name.strip() and client.legal_last_name.strip()):
        missing.append(MissingItem("Client legal name", WHERE_CLIENT))
    if not isinstance(client.date_of_birth, date):
        missing.append(MissingItem("Client date of birth", WHERE_CLIENT))
    if not client.address.is_complete:
        missing.append(MissingItem("Client address (street, city, state, ZIP)", WHERE_CLIENT))
    return missing


def _signed_notes_in_range(session: Session, client_id: int, start: date, end: date) -> list[SessionNote]:
    summaries = notes_repo.list_session_summaries(session, client_id, since=start, until=end)
    return [notes_repo.load_note(session, s.id) for s in summaries if s.status is NoteStatus.SIGNED]


def _chosen_notes(
    session: Session, client_id: int, session_ids: Sequence[int], missing: list[MissingItem]
) -> list[SessionNote]:
    chosen: list[SessionNote] = []
    for sid in dict.fromkeys(session_ids):  # keep order, drop repeats
        note = notes_repo.load_note(session, sid)
        if note.client_id != client_id:
            raise ValidationError("Sessions", "a chosen session belongs to another client")
        if not note.is_signed:
            missing.append(MissingItem(
                f"Signature on the note of {note.session_date.isoformat()} (only signed sessions are billed)",
                WHERE_NOTE))
            continue
        chosen.append(note)
    return chosen


def _order_key(note: _Billed) -> tuple[date, time, int]:
    return (note.session_date, note.start_time or time.min, note.id)


def _tax_id(profile: PracticeProfile, reveal_ssn: bool) -> tuple[str, str, str]:
    """(kind, as printed, note). An SSN is masked unless the clinician asks for all of it."""
    if profile.tax_id_kind is TaxIdKind.EIN:
        return "EIN", format_ein(profile.tax_id), ""
    digits = profile.tax_id.replace("-", "").strip()
    if reveal_ssn:
        return "SSN", f"{digits[:3]}-{digits[3:5]}-{digits[5:]}", ""
    return "SSN", mask_ssn(digits), SSN_NOTE


def _provider_block(profile: PracticeProfile, reveal_ssn: bool) -> ProviderBlock:
    kind, shown, note = _tax_id(profile, reveal_ssn)
    return ProviderBlock(
        practice_name=profile.practice_name,
        clinician_name=profile.clinician_name,
        credentials=profile.credentials,
        license_number=profile.license_number,
        license_state=profile.license_state,
        rendering_npi=profile.rendering_npi,
        practice_npi=profile.practice_npi,
        tax_id_kind=kind,
        tax_id_display=shown,
        tax_id_note=note,
        address_lines=profile.address.lines(),
        phone=profile.phone,
        email=profile.email,
    )


def _patient_block(client: Client) -> PatientBlock:
    return PatientBlock(
        name=client.legal_name,
        date_of_birth=client.date_of_birth,
        address_lines=client.address.lines(),
        payer=client.insurance.payer,
        member_id=client.insurance.member_id,
        group_number=client.insurance.group_id,
    )


class _Diagnoses:
    """Letters A-L for the codes the billed sessions address, in the client's order (primary
    first), then codes no longer on the client's list in the order the notes name them.

    Only codes some line points to are listed: the minimum necessary, so a diagnosis the
    billed sessions did not address is not disclosed to the insurer.
    """

    def __init__(self, client: Client, catalog: Icd10Catalog | None) -> None:
        self._rank = {dx.code: i for i, dx in enumerate(client.diagnoses)}
        self._titles = {dx.code: dx.title for dx in client.diagnoses}
        self._catalog = catalog
        self._seen: dict[str, int] = {}

    def usable(self, code: str) -> bool:
        """True when the code is on the client's list or a billable code of the code set."""
        if code in self._titles:
            return True
        catalog = self._catalog or Icd10Catalog.default()
        self._catalog = catalog
        found = catalog.lookup(code)
        if found is None or not found.billable:
            return False
        self._titles[found.code] = found.title
        return True

    def note(self, code: str) -> None:
        self._seen.setdefault(code, len(self._seen))

    def entries(self) -> list[DiagnosisEntry]:
        ordered = sorted(self._seen, key=lambda c: (self._rank.get(c, len(self._rank) + self._seen[c]),))
        return [DiagnosisEntry(LETTERS[i] if i < len(LETTERS) else "?", code, self._titles.get(code, ""))
                for i, code in enumerate(ordered)]


@dataclass(frozen=True, slots=True)
class _Billed:
    """What a superbill reads of a signed session (the batch loads only this much)."""

    id: int
    session_date: date
    start_time: time | None
    place_of_service: str
    lines: tuple[ServiceLine, ...]
    diagnosis_codes: tuple[str, ...]

    @classmethod
    def of(cls, note: SessionNote) -> _Billed:
        assert note.id is not None
        return cls(note.id, note.session_date, note.start_time, note.place_of_service, note.lines,
                   note.diagnosis_codes)


def assemble_superbill(
    session: Session,
    client_id: int,
    today: date,
    *,
    start: date | None = None,
    end: date | None = None,
    session_ids: Sequence[int] | None = None,
    reveal_ssn: bool = False,
    catalog: Icd10Catalog | None = None,
) -> SuperbillData:
    """Everything a superbill shows, checked; raises SuperbillIncomplete naming every gap.

    Give a date range (``start``/``end``, both included) or ``session_ids``. Only signed
    sessions are billed; psychotherapy notes are never read.
    """
    if session_ids is None and (start is None or end is None):
        raise ValueError("give start and end, or session_ids")
    if start is not None and end is not None and end < start:
        raise ValidationError("Date range", "ends before it starts")
    profile = get_practice(session)
    client = load_client(session, client_id)
    note_gaps: list[MissingItem] = []
    if session_ids is not None:
        billed = _chosen_notes(session, client_id, session_ids, note_gaps)
    else:
        assert start is not None and end is not None
        billed = _signed_notes_in_range(session, client_id, start, end)
    ledger = records.list_ledger(session, client_id)
    return _build_superbill(
        profile, client, [_Billed.of(note) for note in billed], ledger, today,
        start=start, end=end, chosen=session_ids is not None, reveal_ssn=reveal_ssn,
        catalog=catalog, note_gaps=note_gaps,
    )


def _build_superbill(
    profile: PracticeProfile | None,
    client: Client,
    billed: list[_Billed],
    ledger: Sequence[LedgerEntry],
    today: date,
    *,
    start: date | None,
    end: date | None,
    chosen: bool,
    reveal_ssn: bool,
    catalog: Icd10Catalog | None,
    note_gaps: Sequence[MissingItem] = (),
) -> SuperbillData:
    """The checks and the arithmetic of a superbill, on data already read from the vault.

    ``ledger`` must hold at least the client's entries dated in the period and those tied to
    the billed sessions (nothing else is counted). Raises SuperbillIncomplete.
    """
    missing = _practice_missing(profile) + _client_missing(client) + list(note_gaps)
    billed = sorted(billed, key=_order_key)
    if not billed:
        missing.append(MissingItem("At least one signed session in the range", WHERE_SESSIONS))
    if chosen:
        # The period is the chosen sessions' span (nothing to span when none could be billed).
        start, end = (billed[0].session_date, billed[-1].session_date) if billed else (today, today)
    assert start is not None and end is not None

    diagnoses = _Diagnoses(client, catalog)
    pending: list[tuple[_Billed, list[str]]] = []
    for note in billed:
        day = note.session_date.isoformat()
        if not note.lines:
            missing.append(MissingItem(f"CPT code for {day}", WHERE_NOTE))
        if not note.place_of_service.strip():
            missing.append(MissingItem(f"Place of service for {day}", WHERE_NOTE))
        codes: list[str] = []
        for code in note.diagnosis_codes:
            if not diagnoses.usable(code):
                missing.append(MissingItem(
                    f"Diagnosis {code} for {day} is not a billable ICD-10-CM code", WHERE_NOTE))
            elif code not in codes:
                codes.append(code)
        if not note.diagnosis_codes:
            missing.append(MissingItem(f"Diagnosis for {day}", WHERE_NOTE))
        for code in codes[:MAX_POINTERS]:
            diagnoses.note(code)
        pending.append((note, codes[:MAX_POINTERS]))

    entries = diagnoses.entries()
    if len(entries) > len(LETTERS):
        missing.append(MissingItem(
            f"At most 12 diagnoses fit on one superbill (A–L); these sessions address {len(entries)}",
            "choose a shorter date range or fewer sessions"))
    letter_of = {e.code: e.letter for e in entries}
    missing += _timed_code_conflicts(billed)

    billed_ids = {note.id for note in billed}
    lines: list[ServiceLineEntry] = []
    for note, codes in pending:
        charges = [e for e in ledger if e.session_id == note.id and e.kind is LedgerKind.CHARGE]
        tied_paid = sum((e.amount for e in ledger
                         if e.session_id == note.id and e.kind is LedgerKind.PAYMENT), Decimal("0.00"))
        for position, line in enumerate(note.lines):
            charge = _take_charge(charges, line.cpt)
            if charge is None:
                missing.append(MissingItem(
                    f"Charge for {line.cpt} on {note.session_date.isoformat()}", WHERE_LEDGER))
                continue
            lines.append(ServiceLineEntry(
                service_date=note.session_date,
                place_of_service=note.place_of_service,
                cpt=line.cpt,
                modifiers=line.modifiers,
                pointers=tuple(letter_of[c] for c in codes if c in letter_of),
                units=line.units,
                charge=charge,
                paid=tied_paid if position == 0 and tied_paid else None,
            ))
    if missing:
        raise SuperbillIncomplete(missing)
    assert profile is not None

    def counted(entry: LedgerEntry) -> bool:
        assert start is not None and end is not None
        return start <= entry.entry_date <= end or entry.session_id in billed_ids

    total_charge = sum((line.charge for line in lines), Decimal("0.00"))
    paid = sum((e.amount for e in ledger if e.kind is LedgerKind.PAYMENT and counted(e)), Decimal("0.00"))
    adjusted = sum((e.amount for e in ledger
                    if e.kind in (LedgerKind.ADJUSTMENT, LedgerKind.WRITE_OFF) and counted(e)),
                   Decimal("0.00"))
    used_codes = sorted({line.cpt for line in lines})
    used_places = sorted({line.place_of_service for line in lines})
    used_mods = sorted({m for line in lines for m in line.modifiers if m in MODIFIER_LABELS})
    return SuperbillData(
        provider=_provider_block(profile, reveal_ssn),
        patient=_patient_block(client),
        diagnoses=tuple(entries),
        lines=tuple(lines),
        total_charge=total_charge,
        amount_paid=paid,
        adjustments=adjusted,
        balance=total_charge - paid - adjusted,
        period_start=start,
        period_end=end,
        issued_on=today,
        code_labels=tuple((code, cpt_label(code)) for code in used_codes),
        place_labels=tuple((pos, PLACE_OF_SERVICE_LABELS.get(pos, "see the payer's table"))
                           for pos in used_places),
        modifier_labels=tuple((m, MODIFIER_LABELS[m]) for m in used_mods),
        signature_png=profile.signature_png,
    )


def _take_charge(charges: list[LedgerEntry], cpt: str) -> Decimal | None:
    """The posted charge for this code (fee x units at signing); each entry is used once."""
    for i, entry in enumerate(charges):
        if entry.cpt == cpt:
            return charges.pop(i).amount
    return None


def _timed_code_conflicts(notes: Sequence[_Billed]) -> list[MissingItem]:
    """At most one of 90832/90834/90837 per date of service (DOMAIN.md)."""
    by_day: dict[date, list[str]] = {}
    for note in notes:
        by_day.setdefault(note.session_date, []).extend(
            line.cpt for line in note.lines if line.cpt in INDIVIDUAL_TIMED_CODES)
    return [
        MissingItem(f"Only one of 90832/90834/90837 per date; {day.isoformat()} has {', '.join(codes)}",
                    "Session notes of that date")
        for day, codes in sorted(by_day.items()) if len(codes) > 1
    ]


# --- making, saving, logging ----------------------------------------------------------------


def preview_superbill(
    session: Session, client_id: int, today: date, *, start: date | None = None,
    end: date | None = None, session_ids: Sequence[int] | None = None, reveal_ssn: bool = False,
) -> bytes:
    """The PDF for an on-screen preview; nothing is saved or logged (nothing was disclosed yet)."""
    data = assemble_superbill(session, client_id, today, start=start, end=end,
                              session_ids=session_ids, reveal_ssn=reveal_ssn)
    return render_superbill(data)


def record_superbill_disclosure(
    session: Session, client_id: int, data: SuperbillData, now: datetime, *, encrypted: bool = False
) -> int:
    """Log the disclosure (what, to whom, when) and the ``export.superbill`` audit event."""
    codes = ", ".join(e.code for e in data.diagnoses)
    what = (f"Superbill for {data.period_start.isoformat()} to {data.period_end.isoformat()}: "
            f"{len(data.lines)} service lines, diagnoses {codes}, total charge {data.total_charge}")
    disclosure_id = records.add_disclosure(session, Disclosure(
        client_id=client_id, disclosed_on=now.date(), recipient=DISCLOSURE_RECIPIENT, what=what,
        purpose=DISCLOSURE_PURPOSE))
    ssn_shown = data.provider.tax_id_kind == "SSN" and "*" not in data.provider.tax_id_display
    audit(session, now, "export.superbill", "disclosure", disclosure_id, client_id=client_id,
          detail=f"lines={len(data.lines)},encrypted={int(encrypted)},full_ssn={int(ssn_shown)}")
    return disclosure_id


def export_superbill(
    session: Session,
    client_id: int,
    path: Path,
    now: datetime,
    *,
    start: date | None = None,
    end: date | None = None,
    session_ids: Sequence[int] | None = None,
    password: str | None = None,
    reveal_ssn: bool = False,
) -> SuperbillExport:
    """Check, render, save atomically (0600, optionally AES-256) and log, in the caller's
    transaction: if the file cannot be written, the disclosure is rolled back with it."""
    if password is not None:
        check_password(password)
    data = assemble_superbill(session, client_id, now.date(), start=start, end=end,
                              session_ids=session_ids, reveal_ssn=reveal_ssn)
    pdf = render_superbill(data)
    disclosure_id = record_superbill_disclosure(session, client_id, data, now,
                                                encrypted=password is not None)
    written = save_pdf(pdf, path, password=password)
    return SuperbillExport(written, data, disclosure_id)


# --- the monthly batch ----------------------------------------------------------------------


def parse_month(text: str) -> tuple[date, date]:
    """"2026-11" -> (2026-11-01, 2026-11-30)."""
    try:
        first = datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise ValidationError("Month", "must be written as YYYY-MM, for example 2026-11") from None
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


def _ascii_name(text: str) -> str:
    # fold_name maps letters such as ø and æ that NFKD leaves alone; keep the original case.
    folded = "".join(fold_name(ch) if not ch.isascii() else ch for ch in text)
    folded = folded.encode("ascii", "ignore").decode("ascii")
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in folded).strip("-")
    return "-".join(part for part in cleaned.split("-") if part) or "client"


def superbill_filename(client: Client, start: date, end: date) -> str:
    """"superbill_2026-11_Nunez-Lovik_Zoe_c12.pdf": sortable, ASCII, unique per client."""
    if start.day == 1 and parse_month(start.strftime("%Y-%m"))[1] == end:
        period = start.strftime("%Y-%m")
    else:
        period = f"{start.isoformat()}_{end.isoformat()}"
    return (f"superbill_{period}_{_ascii_name(client.legal_last_name)}_"
            f"{_ascii_name(client.legal_first_name)}_c{client.id}.pdf")


@dataclass(frozen=True, slots=True)
class BatchItem:
    client_id: int
    client_name: str
    path: Path | None = None
    missing: tuple[MissingItem, ...] = ()


@dataclass(frozen=True, slots=True)
class BatchSummary:
    start: date
    end: date
    out_dir: Path
    made: tuple[BatchItem, ...] = ()
    skipped: tuple[BatchItem, ...] = ()
    cancelled: bool = False
    total: int = 0

    @property
    def ok(self) -> bool:
        """True when every client with signed sessions got a superbill."""
        return not self.skipped and not self.cancelled

    def describe(self) -> list[str]:
        """Plain lines for a dialog or a terminal (they name clients: never log them)."""
        lines = [(f"Made {len(self.made)} of {self.total} superbills for "
                  f"{self.start.isoformat()} to {self.end.isoformat()} in {self.out_dir}.")]
        if self.cancelled:
            lines.append("Cancelled before the end; the superbills made so far are kept.")
        if self.skipped:
            lines.append(f"Not made for {len(self.skipped)} client(s); fix these and run again:")
            for item in self.skipped:
                lines.append(f"  {item.client_name}:")
                lines += [f"    {missing}" for missing in item.missing]
        return lines


def clients_with_signed_sessions(session: Session, start: date, end: date) -> list[tuple[int, str]]:
    """(id, display name) of every client, any status, with a signed session in the range.

    Two queries, whatever the number of clients (asking each client in turn was thousands of
    tiny queries, which on a worker thread starve the GUI thread of the GIL).
    """
    ids = notes_repo.client_ids_with_signed_sessions(session, start, end)
    if not ids:
        return []
    return [(s.id, s.display_name) for s in list_client_summaries(session, ids=tuple(ids))]


# Superbills whose disclosures are recorded in one transaction, then published together. Each
# is still recorded before its file appears; a chunk costs one commit and one folder sync.
BATCH_CHUNK = 16
# Threads that write and fsync the files while the batch renders the next ones: an fsync is
# ~1 ms of waiting (much more on a busy disk) that needs no CPU and releases the GIL.
FILE_WRITERS = 2


@dataclass(frozen=True, slots=True)
class _Written:
    """A rendered superbill on its way to a temporary file; not yet recorded nor published."""

    client_id: int
    name: str
    data: SuperbillData
    path: Path
    temp: Future[Path]


def batch_superbills(
    session_factory: SessionFactory,
    month: str,
    out_dir: Path,
    *,
    now: datetime,
    progress: ProgressCallback | None = None,
    password: str | None = None,
    reveal_ssn: bool = False,
) -> BatchSummary:
    """One superbill file per client with signed sessions in ``month`` ("2026-11").

    Safe to run off the GUI thread. ``session_factory`` (e.g. ``vault.unit_of_work``) gives one
    transaction that reads the month for every client in a few queries, then one per chunk of
    ``BATCH_CHUNK`` superbills that records their disclosures and audit events. Each file is
    written to a temporary file (fsynced) first and renamed into place only once its record is
    committed: every file in ``out_dir`` is in the disclosure log, and nothing half-written is
    left there. A client with missing items is listed in the summary and the others still get
    theirs. ``progress(done, total, client_name)`` is called before each client and once at the
    end; returning False cancels the rest (the superbills rendered so far are recorded and
    kept). An error writing a file (disk full, no permission) stops the batch and propagates;
    the chunk it was in is neither recorded nor left on disk.
    """
    start, end = parse_month(month)
    if password is not None:
        check_password(password)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with session_factory() as session:
        candidates = clients_with_signed_sessions(session, start, end)
        prepared = _assemble_month(session, [cid for cid, _ in candidates], start, end, now.date(),
                                   reveal_ssn=reveal_ssn)
    total = len(candidates)
    made: list[BatchItem] = []
    skipped: list[BatchItem] = []
    cancelled = False
    written: list[_Written] = []
    encrypted = password is not None
    with ThreadPoolExecutor(FILE_WRITERS, thread_name_prefix="superbill-files") as files:
        try:
            for done, (client_id, name) in enumerate(candidates):
                if progress is not None and progress(done, total, name) is False:
                    cancelled = True
                    break
                client, result = prepared[client_id]
                if isinstance(result, SuperbillIncomplete):
                    skipped.append(BatchItem(client_id, name, missing=result.items))
                    continue
                path = out_dir / superbill_filename(client, start, end)
                pdf = render_superbill(result)
                written.append(_Written(client_id, name, result, path,
                                        files.submit(write_temp, pdf, path, password=password)))
                if len(written) >= BATCH_CHUNK:
                    chunk, written = written, []
                    made += _record_and_publish(session_factory, chunk, now, encrypted=encrypted)
            if written:
                chunk, written = written, []
                made += _record_and_publish(session_factory, chunk, now, encrypted=encrypted)
        finally:
            _discard_all(written)  # only after a failure: none of these was recorded
    if progress is not None and not cancelled:
        progress(total, total, "")
    return BatchSummary(start, end, out_dir, tuple(made), tuple(skipped), cancelled, total)


def _record_and_publish(
    session_factory: SessionFactory, chunk: Sequence[_Written], now: datetime, *, encrypted: bool
) -> list[BatchItem]:
    """Wait for the chunk's temporary files; record each superbill's disclosure and audit event
    in one transaction; once that is committed, rename each file into place and sync the
    folder once.

    A failure before the commit (a file that could not be written, the database) records
    nothing and removes the chunk's temporary files. A rename failing after it (not expected
    within one folder) leaves a disclosure recorded for a file that did not appear, never a
    file without its disclosure.
    """
    try:
        temps = [item.temp.result() for item in chunk]
        with session_factory() as session:
            for item in chunk:
                record_superbill_disclosure(session, item.client_id, item.data, now,
                                            encrypted=encrypted)
        items = [BatchItem(item.client_id, item.name, path=publish(temp, item.path))
                 for item, temp in zip(chunk, temps, strict=True)]
    except BaseException:
        _discard_all(chunk)
        raise
    fsync_folder(chunk[0].path.parent)
    return items


def _discard_all(chunk: Sequence[_Written]) -> None:
    """Remove the temporary files of superbills that will not be published (waiting for the
    writes still under way; a write that failed left nothing)."""
    for item in chunk:
        try:
            temp = item.temp.result()
        except BaseException:  # noqa: BLE001 - its own error is reported by whoever waited first
            continue
        discard(temp)


# --- reading a month for the batch ----------------------------------------------------------
#
# What assemble_superbill reads client by client through the repositories (~25 queries each:
# the client, each note, the whole ledger), read here for all the clients of a month in six
# queries, with the same conversions as notes_repo.load_note, clients_repo.load_client and
# records.list_ledger for the fields a superbill uses. They belong in store/repositories
# (tests/services/test_superbill_batch.py checks that both roads give the same superbills).


def _assemble_month(
    session: Session, client_ids: Sequence[int], start: date, end: date, today: date, *,
    reveal_ssn: bool = False, catalog: Icd10Catalog | None = None,
) -> dict[int, tuple[Client, SuperbillData | SuperbillIncomplete]]:
    """Each client's superbill for ``start``..``end`` (or why it cannot be made), as
    ``assemble_superbill`` would make it, from a few queries for all of them."""
    if not client_ids:
        return {}
    profile = get_practice(session)
    clients = _billing_clients(session, client_ids)
    billed = _signed_sessions(session, client_ids, start, end)
    ledgers = _ledger_entries(session, client_ids, start, end,
                              [note.id for notes in billed.values() for note in notes])
    results: dict[int, tuple[Client, SuperbillData | SuperbillIncomplete]] = {}
    for client_id in client_ids:
        client = clients.get(client_id)
        if client is None:
            raise RecordNotFound("client", client_id)
        try:
            data: SuperbillData | SuperbillIncomplete = _build_superbill(
                profile, client, billed.get(client_id, []), ledgers.get(client_id, []), today,
                start=start, end=end, chosen=False, reveal_ssn=reveal_ssn, catalog=catalog)
        except SuperbillIncomplete as incomplete:
            data = incomplete
        results[client_id] = (client, data)
    return results


def _billing_clients(session: Session, client_ids: Sequence[int]) -> dict[int, Client]:
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


def _signed_sessions(
    session: Session, client_ids: Sequence[int], start: date, end: date
) -> dict[int, list[_Billed]]:
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
    found: dict[int, list[_Billed]] = {}
    for r in rows:
        codes = tuple(json.loads(r.codes)) if r.codes else ()
        found.setdefault(r.client_id, []).append(_Billed(
            r.id, r.session_date, r.start_time, r.place_of_service, tuple(lines.get(r.id, ())), codes))
    return found


def _ledger_entries(
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


@dataclass
class _Echo:
    echo: Callable[[str], None]

    def __call__(self, done: int, total: int, name: str) -> bool:
        if name:
            self.echo(f"[{done + 1}/{total}] {name}")
        return True


def cli_batch(
    vault: Vault,
    month: str,
    out_dir: Path,
    now: datetime,
    *,
    password: str | None = None,
    echo: Callable[[str], None] = print,
) -> BatchSummary:
    """``therapist-desk superbills --month 2026-11 OUT_DIR``: run the batch and print a summary.

    ``vault`` is the open vault. The caller maps ``summary.ok`` to the exit code;
    ValidationError (a bad month or password) propagates.
    """
    parse_month(month)  # a typo fails before any work
    summary = batch_superbills(vault.unit_of_work, month, out_dir, now=now, progress=_Echo(echo),
                               password=password)
    for line in summary.describe():
        echo(line)
    return summary
