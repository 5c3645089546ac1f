"""Export the whole record as one JSON file plus one CSV per table, written owner-only.

Psychotherapy notes (45 CFR 164.501) are not part of the record and are left out; on request
they go into their own file, ``psychotherapy-notes.json``, and nowhere else. Autosaved drafts
are left out too (they are unsaved typing, possibly of psychotherapy notes).
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import io
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from therapist_desk import __version__
from therapist_desk.domain.audit import AuditEvent, Disclosure
from therapist_desk.domain.client import Client
from therapist_desk.domain.ledger import LedgerEntry, balance
from therapist_desk.domain.measures import MeasureResult
from therapist_desk.domain.money import CENTS
from therapist_desk.domain.plan import TreatmentPlan
from therapist_desk.domain.practice import PracticeProfile
from therapist_desk.domain.session import SessionNote
from therapist_desk.paths import make_private_dir
from therapist_desk.services import audit_log, clients, ledger, measures, notes, plans, practice
from therapist_desk.services.common import ActionRefused, audit
from therapist_desk.store.database import Vault
from therapist_desk.store.repositories import records

EXPORT_JSON = "therapist-desk-export.json"
PSYCHOTHERAPY_NOTES_JSON = "psychotherapy-notes.json"
README = "README.txt"
FORMAT_NAME = "therapist-desk-export"
FORMAT_VERSION = 1


class ExportRefused(ActionRefused):
    """The destination cannot take an export (it exists and is not an empty folder)."""


@dataclass(frozen=True, slots=True)
class ExportSummary:
    folder: Path
    files: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)
    psychotherapy_notes_included: bool = False

    def describe(self) -> str:
        parts = [f"{n} {name.replace('_', ' ')}" for name, n in self.counts.items()]
        return ", ".join(parts) + f" ({len(self.files)} files)"


@dataclass
class _Record:
    """Everything read in one transaction, as domain objects."""

    profile: PracticeProfile | None
    clients: list[Client]
    sessions: dict[int, list[SessionNote]]
    measures: dict[int, list[MeasureResult]]
    plans: dict[int, list[TreatmentPlan]]
    ledger: dict[int, list[LedgerEntry]]
    disclosures: dict[int, list[Disclosure]]
    audit: list[AuditEvent]
    psychotherapy_notes: list[dict[str, Any]] | None


# --- destination ----------------------------------------------------------------------------


def check_destination(out_dir: Path) -> None:
    """Refuse a file, or a folder that already has something in it."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportRefused(f"{out_dir} is a file", ("choose a new or empty folder",))
    if out_dir.is_dir() and any(out_dir.iterdir()):
        raise ExportRefused(f"the folder {out_dir} is not empty", ("choose a new or empty folder",))


# --- the use case ---------------------------------------------------------------------------


def export_record(
    vault: Vault, out_dir: Path, now: datetime, *, include_psychotherapy_notes: bool = False
) -> ExportSummary:
    """Write the export into ``out_dir`` (new or empty; made 0700, files 0600) and audit it.

    Reading, writing and the audit entry share one transaction: if a file cannot be written,
    the files written so far are removed and no export is recorded.
    """
    check_destination(out_dir)
    make_private_dir(out_dir, tighten_existing=True)
    written: list[Path] = []
    try:
        with vault.unit_of_work() as session:
            record = _read_record(session, include_psychotherapy_notes)
            documents = _documents(record, now)
            for name, content in documents:
                written.append(_write_private(out_dir / name, content))
            counts = _counts(record)
            detail = ",".join(f"{k}={v}" for k, v in counts.items())
            detail += ",psychotherapy_notes=" + ("included" if include_psychotherapy_notes else "excluded")
            audit(session, now, "export.data", detail=detail)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return ExportSummary(out_dir.resolve(), tuple(p.name for p in written), counts,
                         include_psychotherapy_notes)


def _read_record(session: Session, include_psychotherapy_notes: bool) -> _Record:
    summaries = clients.list_clients(session)
    client_list = [clients.get_client(session, s.id) for s in sorted(summaries, key=lambda s: s.id)]
    record = _Record(
        profile=practice.get_profile(session),
        clients=client_list,
        sessions={}, measures={}, plans={}, ledger={}, disclosures={},
        audit=audit_log.list_events(session),
        psychotherapy_notes=[] if include_psychotherapy_notes else None,
    )
    for client in client_list:
        assert client.id is not None
        cid = client.id
        session_ids = sorted(s.id for s in notes.list_notes(session, cid))
        record.sessions[cid] = [notes.get_note(session, sid) for sid in session_ids]
        record.measures[cid] = measures.list_measures(session, cid)
        record.plans[cid] = plans.plan_versions(session, cid)
        record.ledger[cid] = ledger.client_ledger(session, cid)
        record.disclosures[cid] = records.list_disclosures(session, cid)
        if record.psychotherapy_notes is not None:
            # Read only when asked for: the default export never touches this table.
            for note in record.sessions[cid]:
                assert note.id is not None
                text = notes.get_psychotherapy_note(session, note.id)
                if text:
                    record.psychotherapy_notes.append({
                        "session_id": note.id, "client_id": cid,
                        "session_date": note.session_date.isoformat(), "text": text,
                    })
    return record


def _counts(record: _Record) -> dict[str, int]:
    counts = {
        "clients": len(record.clients),
        "sessions": sum(len(v) for v in record.sessions.values()),
        "measures": sum(len(v) for v in record.measures.values()),
        "treatment_plans": sum(len(v) for v in record.plans.values()),
        "ledger_entries": sum(len(v) for v in record.ledger.values()),
        "disclosures": sum(len(v) for v in record.disclosures.values()),
        "audit_events": len(record.audit),
    }
    if record.psychotherapy_notes is not None:
        counts["psychotherapy_notes"] = len(record.psychotherapy_notes)
    return counts


# --- plain values ---------------------------------------------------------------------------


def money(amount: Decimal | None) -> str | None:
    """Money as a string with exactly two decimals ("140.00"); None stays None."""
    return None if amount is None else f"{amount.quantize(CENTS):f}"


def plain(value: Any) -> Any:
    """Domain values as JSON-ready ones: ISO dates, enum values, money strings, lists, dicts."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def _profile_json(profile: PracticeProfile | None) -> dict[str, Any] | None:
    if profile is None:
        return None
    data = plain(profile)
    data["fee_schedule"] = {cpt: money(fee) for cpt, fee in profile.fee_schedule}
    data["signature_png_base64"] = data.pop("signature_png")
    return data  # type: ignore[no-any-return]


def _note_json(note: SessionNote) -> dict[str, Any]:
    data = plain(note)
    data["sections"] = dict(note.sections)
    data["minutes"] = note.minutes
    data["cpt_summary"] = note.cpt_summary
    return data  # type: ignore[no-any-return]


def _measure_json(result: MeasureResult) -> dict[str, Any]:
    data = plain(result)
    data.update(complete=result.complete, total=result.total, band=result.band,
                item9_positive=result.item9_positive if result.item9_answered else None)
    return data  # type: ignore[no-any-return]


def _ledger_json(entry: LedgerEntry) -> dict[str, Any]:
    data = plain(entry)
    data["signed_amount"] = money(entry.signed_amount)
    return data  # type: ignore[no-any-return]


def _client_json(record: _Record, client: Client) -> dict[str, Any]:
    assert client.id is not None
    cid = client.id
    data = plain(client)
    data["sessions"] = [_note_json(n) for n in record.sessions[cid]]
    data["measures"] = [_measure_json(m) for m in record.measures[cid]]
    data["treatment_plans"] = [plain(p) for p in record.plans[cid]]
    data["ledger"] = [_ledger_json(e) for e in record.ledger[cid]]
    data["balance"] = money(balance(record.ledger[cid]))
    data["disclosures"] = [plain(d) for d in record.disclosures[cid]]
    return data  # type: ignore[no-any-return]


# --- the files ------------------------------------------------------------------------------


def _documents(record: _Record, now: datetime) -> list[tuple[str, bytes]]:
    export = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "exported_at": now.isoformat(),
        "psychotherapy_notes": "excluded (45 CFR 164.501)" if record.psychotherapy_notes is None
        else f"not here: see {PSYCHOTHERAPY_NOTES_JSON}",
        "counts": _counts(record),
        "practice": _profile_json(record.profile),
        "clients": [_client_json(record, c) for c in record.clients],
        "audit_log": [plain(e) for e in record.audit],
    }
    docs: list[tuple[str, bytes]] = [(EXPORT_JSON, _json_bytes(export))]
    docs += [(name, _csv_bytes(header, rows)) for name, header, rows in _tables(record)]
    if record.psychotherapy_notes is not None:
        docs.append((PSYCHOTHERAPY_NOTES_JSON, _json_bytes({
            "format": f"{FORMAT_NAME}-psychotherapy-notes",
            "format_version": FORMAT_VERSION,
            "exported_at": now.isoformat(),
            "warning": "Psychotherapy notes (45 CFR 164.501): the clinician's private process "
                       "notes. They are not part of the client record, are excluded from the "
                       "client's right of access, and need the client's specific authorization "
                       "before almost any disclosure.",
            "notes": record.psychotherapy_notes,
        })))
    docs.append((README, _readme(record, now).encode("utf-8")))
    return docs


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return money(value) or ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    # UTF-8 with a BOM: spreadsheet programs then read accents correctly.
    return buffer.getvalue().encode("utf-8-sig")


def _tables(record: _Record) -> list[tuple[str, list[str], list[list[Any]]]]:
    p = record.profile
    practice_rows = [] if p is None else [[
        p.clinician_name, p.credentials, p.license_number, p.license_state, p.rendering_npi,
        p.tax_id_kind, p.tax_id, p.practice_name, p.practice_npi, p.address.line1, p.address.line2,
        p.address.city, p.address.state, p.address.postal_code, p.phone, p.email,
        "; ".join(f"{cpt}={money(fee)}" for cpt, fee in p.fee_schedule),
    ]]
    client_rows, dx_rows, med_rows, rel_rows = [], [], [], []
    session_rows, line_rows, addendum_rows, measure_rows = [], [], [], []
    plan_rows, objective_rows, ledger_rows, disclosure_rows = [], [], [], []
    for c in record.clients:
        cid = c.id
        assert cid is not None
        client_rows.append([
            cid, c.legal_first_name, c.legal_last_name, c.preferred_name, c.pronouns,
            c.date_of_birth, c.email, c.phone, c.address.line1, c.address.line2, c.address.city,
            c.address.state, c.address.postal_code, c.status, c.status_since, c.discharge_reason,
            c.intake_date, c.referral_source, c.presenting_problem, c.prior_treatment,
            c.medical_conditions, c.insurance.payer, c.insurance.member_id, c.insurance.group_id,
            c.insurance.authorization_number, c.insurance.authorized_sessions,
            c.insurance.authorization_start, c.insurance.authorization_end,
            c.guardian.name, c.guardian.relationship, c.guardian.phone, c.guardian.email,
            c.emergency_contact.name, c.emergency_contact.relationship,
            c.emergency_contact.phone, c.emergency_contact.email,
            "; ".join(d.code for d in c.diagnoses), c.default_note_format,
            money(balance(record.ledger[cid])),
        ])
        dx_rows += [[cid, i, d.code, d.title, d.code_set_release] for i, d in enumerate(c.diagnoses, 1)]
        med_rows += [[cid, i, m.name, m.dose, m.prescriber, m.prescriber_phone]
                     for i, m in enumerate(c.medications, 1)]
        rel_rows += [[r.id, cid, r.recipient_name, r.recipient_address, r.kind, r.purpose, r.scope,
                      r.signed_on, r.expires_on, r.revoked_on, r.notes] for r in c.releases]
        for n in record.sessions[cid]:
            session_rows.append([
                n.id, cid, n.session_date, n.start_time, n.stop_time, n.minutes, n.service_type,
                n.modality, n.client_location, n.telehealth_platform, n.place_of_service,
                n.cpt_summary, "; ".join(n.diagnosis_codes), n.participants,
                n.interactive_complexity_factor, n.note_format,
                "\n\n".join(f"{name}:\n{text}" for name, text in n.sections if text),
                n.risk_assessment, "; ".join(n.interventions), n.interventions_detail,
                n.client_response, n.homework_given, n.homework_review, n.plan_text,
                "; ".join(f"{o.objective_key}={o.rating.value}" for o in n.objective_progress),
                n.status, n.signed_at, n.signed_by, money(n.fee), len(n.addenda),
            ])
            line_rows += [[n.id, i, ln.cpt, ln.units, ",".join(ln.modifiers)]
                          for i, ln in enumerate(n.lines, 1)]
            addendum_rows += [[a.id, n.id, cid, a.written_at, a.signed_by, a.reason, a.text]
                              for a in n.addenda]
        for m in record.measures[cid]:
            measure_rows.append([
                m.id, cid, m.session_id, m.instrument, m.administered_on,
                " ".join("" if a is None else str(a) for a in m.answers),
                m.complete, m.total, m.band, m.item9_positive if m.item9_answered else None,
            ])
        for plan in record.plans[cid]:
            plan_rows.append([
                plan.id, cid, plan.version, plan.effective_on, plan.review_due,
                "; ".join(plan.diagnosis_codes), plan.strengths, plan.barriers,
                plan.discharge_criteria, plan.participation, plan.participation_note,
                plan.signed_at, plan.signed_by,
            ])
            for problem in plan.problems:
                for goal in problem.goals:
                    for o in goal.objectives:
                        objective_rows.append([
                            plan.id, cid, plan.version, problem.description, goal.description,
                            o.key, o.description, o.target_date, o.status,
                            f"{o.measure_target.instrument.value} below {o.measure_target.below}"
                            if o.measure_target else "",
                            "; ".join(f"{i.description} ({i.frequency})" if i.frequency
                                      else i.description for i in o.interventions),
                        ])
        ledger_rows += [[e.id, cid, e.entry_date, e.kind, money(e.amount), money(e.signed_amount),
                         e.method, e.reference, e.memo, e.session_id, e.cpt] for e in record.ledger[cid]]
        disclosure_rows += [[d.id, cid, d.disclosed_on, d.recipient, d.what, d.purpose, d.release_id]
                            for d in record.disclosures[cid]]
    audit_rows = [[e.id, e.at, e.action, e.record_type, e.record_id, e.client_id, e.detail,
                   e.prev_hash, e.hash] for e in record.audit]
    return [
        ("practice.csv", ["clinician_name", "credentials", "license_number", "license_state",
                          "rendering_npi", "tax_id_kind", "tax_id", "practice_name", "practice_npi",
                          "address_line1", "address_line2", "city", "state", "postal_code", "phone",
                          "email", "fee_schedule"], practice_rows),
        ("clients.csv", ["client_id", "legal_first_name", "legal_last_name", "preferred_name",
                         "pronouns", "date_of_birth", "email", "phone", "address_line1",
                         "address_line2", "city", "state", "postal_code", "status", "status_since",
                         "discharge_reason", "intake_date", "referral_source", "presenting_problem",
                         "prior_treatment", "medical_conditions", "payer", "member_id", "group_id",
                         "authorization_number", "authorized_sessions", "authorization_start",
                         "authorization_end", "guardian_name", "guardian_relationship",
                         "guardian_phone", "guardian_email", "emergency_contact_name",
                         "emergency_contact_relationship", "emergency_contact_phone",
                         "emergency_contact_email", "diagnoses", "default_note_format", "balance"],
         client_rows),
        ("diagnoses.csv", ["client_id", "position", "code", "title", "code_set_release"], dx_rows),
        ("medications.csv", ["client_id", "position", "name", "dose", "prescriber",
                             "prescriber_phone"], med_rows),
        ("releases.csv", ["release_id", "client_id", "recipient_name", "recipient_address", "kind",
                          "purpose", "scope", "signed_on", "expires_on", "revoked_on", "notes"],
         rel_rows),
        ("sessions.csv", ["session_id", "client_id", "session_date", "start_time", "stop_time",
                          "minutes", "service_type", "modality", "client_location",
                          "telehealth_platform", "place_of_service", "cpt", "diagnosis_codes",
                          "participants", "interactive_complexity_factor", "note_format",
                          "note_text", "risk_assessment", "interventions", "interventions_detail",
                          "client_response", "homework_given", "homework_review", "plan",
                          "objective_progress", "status", "signed_at", "signed_by", "fee",
                          "addenda"], session_rows),
        ("service_lines.csv", ["session_id", "position", "cpt", "units", "modifiers"], line_rows),
        ("addenda.csv", ["addendum_id", "session_id", "client_id", "written_at", "signed_by",
                         "reason", "text"], addendum_rows),
        ("measures.csv", ["measure_id", "client_id", "session_id", "instrument", "administered_on",
                          "answers", "complete", "total", "band", "phq9_item9_positive"],
         measure_rows),
        ("treatment_plans.csv", ["plan_id", "client_id", "version", "effective_on", "review_due",
                                 "diagnosis_codes", "strengths", "barriers", "discharge_criteria",
                                 "participation", "participation_note", "signed_at", "signed_by"],
         plan_rows),
        ("plan_objectives.csv", ["plan_id", "client_id", "plan_version", "problem", "goal",
                                 "objective_key", "objective", "target_date", "status",
                                 "measure_target", "interventions"], objective_rows),
        ("ledger.csv", ["entry_id", "client_id", "entry_date", "kind", "amount", "signed_amount",
                        "method", "reference", "memo", "session_id", "cpt"], ledger_rows),
        ("disclosures.csv", ["disclosure_id", "client_id", "disclosed_on", "recipient", "what",
                             "purpose", "release_id"], disclosure_rows),
        ("audit_log.csv", ["event_id", "at", "action", "record_type", "record_id", "client_id",
                           "detail", "prev_hash", "hash"], audit_rows),
    ]


def _readme(record: _Record, now: datetime) -> str:
    counts = "\n".join(f"  {name.replace('_', ' ')}: {n}" for name, n in _counts(record).items())
    if record.psychotherapy_notes is None:
        private = ("Psychotherapy notes (the clinician's private process notes, 45 CFR 164.501)\n"
                   "are NOT in this export: they are not part of the client record.")
    else:
        private = (f"Psychotherapy notes were exported on request into {PSYCHOTHERAPY_NOTES_JSON}\n"
                   "ONLY. They are not part of the client record and are excluded from a client's\n"
                   "right of access: keep that file apart, and never hand it out with the rest.")
    return f"""Therapist Desk data export
==========================

Exported {now:%Y-%m-%d %H:%M} by Therapist Desk {__version__}.

CONFIDENTIAL: these files hold protected health information and are NOT encrypted.
Keep them on an encrypted disk, share them only as the law allows, and delete them
when you no longer need them.

Contents
{counts}

Files
  {EXPORT_JSON}  the whole record in one file: practice profile, every client
      with diagnoses, medications, releases, sessions (notes, service lines,
      addenda), measures, treatment plan versions, ledger, balance and disclosures,
      then the audit log. This is the complete, exact copy.
  practice.csv          the practice profile and fee schedule
  clients.csv           one row per client (with the current balance)
  diagnoses.csv         each client's ICD-10-CM codes, primary first
  medications.csv       medications
  releases.csv          releases of information (authorizations)
  sessions.csv          one row per session with its progress note
  service_lines.csv     CPT codes, units and modifiers per session
  addenda.csv           addenda to signed notes
  measures.csv          PHQ-9, GAD-7 and PCL-5 answers and scores
  treatment_plans.csv   every version of every treatment plan
  plan_objectives.csv   the plans' problems, goals and objectives
  ledger.csv            charges, payments, adjustments and write-offs
  disclosures.csv       the disclosure log (what went to whom, when)
  audit_log.csv         the audit log (with its hash chain)

{private}
Autosaved drafts of unsaved typing are not exported.

Formats
  Text is UTF-8 (the CSV files start with a byte-order mark so spreadsheets read
  accents). Dates are YYYY-MM-DD, times HH:MM:SS, timestamps YYYY-MM-DDTHH:MM:SS.
  Money is a string with two decimals, such as "140.00"; in ledger files
  "signed_amount" is positive for charges and negative for what reduces the balance.
  In the CSV files, a text cell that starts with = + - or @ gets a leading
  apostrophe so that a spreadsheet does not run it as a formula; the JSON file has
  the text exactly as stored. Ids link the CSV files (client_id, session_id, ...).
"""


def _write_private(path: Path, content: bytes) -> Path:
    """Create ``path`` new (never over a file) and owner-only from the first byte."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o600)
    try:
        if os.name == "posix":
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb", closefd=False) as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
    finally:
        os.close(fd)
    return path
