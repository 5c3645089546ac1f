"""Client statements through the services on a real vault: running balance, period, audit."""

from __future__ import annotations

import os
import stat
from datetime import date, time
from decimal import Decimal
from pathlib import Path

from tests.export import pdf_text
from tests.services.conftest import NOW, valid_client
from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import PaymentMethod
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import clients, ledger, notes, statements
from therapist_desk.services.audit_log import list_events
from therapist_desk.services.vault_access import Vault
from therapist_desk.store.repositories.records import list_disclosures


def test_statement_running_balance_and_period(vault: Vault, tmp_path: Path) -> None:
    with vault.unit_of_work() as s:
        cid = clients.create_client(s, valid_client(), NOW).id
        assert cid is not None
        for day in (date(2026, 10, 6), date(2026, 11, 3), date(2026, 11, 10)):
            saved = notes.save_note(s, SessionNote(
                client_id=cid, session_date=day, start_time=time(10), stop_time=time(10, 50),
                lines=(ServiceLine("90834"), ServiceLine("96127")), diagnosis_codes=("F41.1",),
                sections=(("Subjective", "x"),), interventions=("Mindfulness",)), NOW)
            notes.sign_note(s, saved.id, NOW)  # type: ignore[arg-type]
        ledger.record_payment(s, cid, date(2026, 10, 6), "150.00", PaymentMethod.CARD, NOW, reference="1042")
        ledger.record_payment(s, cid, date(2026, 11, 4), "100.00", PaymentMethod.CHECK, NOW, memo="private memo")
        ledger.record_write_off(s, cid, date(2026, 11, 12), "20.00", NOW)
    with vault.reader() as s:
        data = statements.assemble_statement(s, cid, NOW.date(), start=date(2026, 11, 1))
    assert data.opening_balance == Decimal("0.00")  # 150 charged, 150 paid in October
    assert [r.description for r in data.rows] == [
        "90834 Psychotherapy, 45 min", "96127 Brief scored assessment", "Payment (check)",
        "90834 Psychotherapy, 45 min", "96127 Brief scored assessment", "Write-off"]
    assert [r.balance for r in data.rows] == [Decimal(v) for v in ("140.00", "150.00", "50.00", "190.00",
                                                                   "200.00", "180.00")]
    assert (data.total_charges, data.total_credits, data.closing_balance) == (
        Decimal("300.00"), Decimal("120.00"), Decimal("180.00"))
    with vault.reader() as s:
        everything = statements.assemble_statement(s, cid, NOW.date())
    assert everything.rows[2].description == "Payment (card, ref 1042)"
    assert everything.closing_balance == Decimal("180.00")
    with vault.unit_of_work() as s:
        path = statements.export_statement(s, cid, tmp_path / "statement.pdf", NOW, start=date(2026, 11, 1))
    text = pdf_text(path.read_bytes())
    for expected in ("Statement of account", "Robin Fictionalson", "Balance forward", "Payment (check)",
                     "Write-off", "Amount due $180.00", "11/01/2026 – 11/20/2026"):
        assert expected in text, expected
    assert "private memo" not in text
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with vault.reader() as s:
        (audit_event,) = list_events(s, action="export.statement")
        assert audit_event.client_id == cid and "rows=6" in audit_event.detail
        assert list_disclosures(s, cid) == [], "a statement goes to the client: not a disclosure"
