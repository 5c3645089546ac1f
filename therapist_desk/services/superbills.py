"""Superbills: check completeness, assemble ``SuperbillData`` from the vault, save, log.

A superbill missing an NPI or a diagnosis costs the client their reimbursement, so every
required item is checked before anything is rendered; the refusal lists each missing item with
where to fix it. Only signed sessions are billed. Making one records a disclosure and an
``export.superbill`` audit event. A preview (``preview_superbill``) records nothing.

Paid column: the ledger records payments per client, not per service line. A line shows a
paid amount only when a payment is tied to its session (``LedgerEntry.session_id``), on the
session's first line; otherwise it is blank. The total "Amount paid" (CMS-1500 box 29) is every
payment dated within the period (or tied to a session on the superbill), insurance payments
included, since box 29 counts what the patient and other payers paid.

The monthly batch (a superbill for every client with signed sessions in a month) is in
``services.superbill_batch``; it builds each superbill with ``build_superbill``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from therapist_desk.domain.audit import Disclosure
from therapist_desk.domain.client import Client, fold_name
from therapist_desk.domain.cpt import (
    INDIVIDUAL_TIMED_CODES,
    PLACE_OF_SERVICE_LABELS,
    cpt_label,
)
from therapist_desk.domain.enums import LedgerKind, NoteStatus, TaxIdKind
from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.icd10 import Icd10Catalog
from therapist_desk.domain.identifiers import format_ein, mask_ssn, validate_npi
from therapist_desk.domain.ledger import LedgerEntry
from therapist_desk.domain.practice import PracticeProfile
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
from therapist_desk.services.pdf_output import check_password, save_pdf
from therapist_desk.store.repositories import notes as notes_repo
from therapist_desk.store.repositories import records
from therapist_desk.store.repositories.billing_month import BilledSession
from therapist_desk.store.repositories.clients import load_client
from therapist_desk.store.repositories.practice import get_practice

if TYPE_CHECKING:  # the batch's names, still importable from here (see __getattr__)
    from therapist_desk.services.superbill_batch import cli_batch as cli_batch

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


def _order_key(note: BilledSession) -> tuple[date, time, int]:
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
    return build_superbill(
        profile, client, [BilledSession.of(note) for note in billed], ledger, today,
        start=start, end=end, chosen=session_ids is not None, reveal_ssn=reveal_ssn,
        catalog=catalog, note_gaps=note_gaps,
    )


def build_superbill(
    profile: PracticeProfile | None,
    client: Client,
    billed: list[BilledSession],
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
    pending: list[tuple[BilledSession, list[str]]] = []
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


def _timed_code_conflicts(notes: Sequence[BilledSession]) -> list[MissingItem]:
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


# --- months and file names ------------------------------------------------------------------


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

