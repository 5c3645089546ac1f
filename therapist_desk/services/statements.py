"""Client statements: ledger entries with a running balance, as ``StatementData`` and a PDF.

A statement goes to the client themself, which is not a disclosure the accounting of
disclosures has to list; making one is still an ``export.statement`` audit event. Memos are
left off (they are the clinician's bookkeeping notes); payment references are shown.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from therapist_desk.domain.cpt import cpt_label
from therapist_desk.domain.enums import LedgerKind, PaymentMethod
from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.ledger import LedgerEntry
from therapist_desk.domain.practice import PracticeProfile
from therapist_desk.export.data import Letterhead, StatementData, StatementRow
from therapist_desk.export.statement import render_statement
from therapist_desk.services.common import audit
from therapist_desk.services.pdf_output import check_password, save_pdf
from therapist_desk.services.practice import require_profile
from therapist_desk.store.repositories import records
from therapist_desk.store.repositories.clients import load_client

ZERO = Decimal("0.00")
_METHOD_WORDS = {
    PaymentMethod.CASH: "cash",
    PaymentMethod.CARD: "card",
    PaymentMethod.CHECK: "check",
    PaymentMethod.INSURANCE: "insurance",
    PaymentMethod.OTHER: "other",
}


def letterhead_for(profile: PracticeProfile) -> Letterhead:
    """The practice as printed at the top of letters and statements (no tax ID)."""
    return Letterhead(
        practice_name=profile.practice_name,
        clinician_line=profile.signature_line,
        license_line=f"License {profile.license_number} ({profile.license_state})"
        if profile.license_number else "",
        address_lines=profile.address.lines(),
        phone=profile.phone,
        email=profile.email,
    )


def describe_entry(entry: LedgerEntry) -> str:
    """"90834 Psychotherapy, 45 min", "Payment (card, ref 1042)", "Adjustment"."""
    if entry.kind is LedgerKind.CHARGE:
        return f"{entry.cpt} {cpt_label(entry.cpt)}" if entry.cpt else "Charge"
    if entry.kind is LedgerKind.PAYMENT:
        details = [_METHOD_WORDS[entry.method]] if entry.method else []
        if entry.reference:
            details.append(f"ref {entry.reference}")
        return "Payment" + (f" ({', '.join(details)})" if details else "")
    return "Adjustment" if entry.kind is LedgerKind.ADJUSTMENT else "Write-off"


def assemble_statement(
    session: Session, client_id: int, today: date, *, start: date | None = None,
    end: date | None = None,
) -> StatementData:
    """Entries from ``start`` (or the first one) to ``end`` (or today) with running balances."""
    end = end or today
    if start is not None and end < start:
        raise ValidationError("Date range", "ends before it starts")
    profile = require_profile(session)
    client = load_client(session, client_id)
    entries = records.list_ledger(session, client_id)
    opening = sum((e.signed_amount for e in entries if start is not None and e.entry_date < start), ZERO)
    running = opening
    rows: list[StatementRow] = []
    charges = credits = ZERO
    for entry in entries:
        if (start is not None and entry.entry_date < start) or entry.entry_date > end:
            continue
        running += entry.signed_amount
        is_charge = entry.kind is LedgerKind.CHARGE
        if is_charge:
            charges += entry.amount
        else:
            credits += entry.amount
        rows.append(StatementRow(
            entry_date=entry.entry_date,
            description=describe_entry(entry),
            charge=entry.amount if is_charge else None,
            credit=None if is_charge else entry.amount,
            balance=running,
        ))
    return StatementData(
        letterhead=letterhead_for(profile),
        client_name=client.legal_name,
        client_address_lines=client.address.lines(),
        statement_date=today,
        period_start=start,
        period_end=end,
        opening_balance=opening,
        rows=tuple(rows),
        total_charges=charges,
        total_credits=credits,
        closing_balance=running,
    )


def preview_statement(session: Session, client_id: int, today: date, *, start: date | None = None,
                      end: date | None = None) -> bytes:
    return render_statement(assemble_statement(session, client_id, today, start=start, end=end))


def export_statement(
    session: Session, client_id: int, path: Path, now: datetime, *, start: date | None = None,
    end: date | None = None, password: str | None = None,
) -> Path:
    """Render, save atomically (0600, optionally AES-256) and audit ``export.statement``."""
    if password is not None:
        check_password(password)
    data = assemble_statement(session, client_id, now.date(), start=start, end=end)
    pdf = render_statement(data)
    audit(session, now, "export.statement", "client", client_id, client_id=client_id,
          detail=f"rows={len(data.rows)},encrypted={int(password is not None)}")
    return save_pdf(pdf, path, password=password)
