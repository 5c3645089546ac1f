"""The client statement renderer: rows, running balances, amount due or credit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.export import pdf_text
from therapist_desk.export.data import Letterhead, StatementData, StatementRow
from therapist_desk.export.statement import render_statement


def make_statement(closing: Decimal = Decimal("140.00")) -> StatementData:
    rows = (
        StatementRow(date(2026, 11, 2), "90834 Psychotherapy, 45 min", Decimal("140.00"), None, Decimal("190.00")),
        StatementRow(date(2026, 11, 3), "Payment (card, ref 1042)", None, Decimal("50.00"), Decimal("140.00")),
    )
    return StatementData(
        letterhead=Letterhead("Testwood Counseling (fictional)", "Avery Testwood, LCSW"),
        client_name="Zoë Núñez-Løvik", client_address_lines=("12 Example Street",),
        statement_date=date(2026, 11, 30), period_start=date(2026, 11, 1), period_end=date(2026, 11, 30),
        opening_balance=Decimal("50.00"), rows=rows, total_charges=Decimal("140.00"),
        total_credits=Decimal("50.00"), closing_balance=closing,
    )


def test_statement_rows_and_totals() -> None:
    text = pdf_text(render_statement(make_statement(), invariant=True))
    for expected in ("Statement of account", "Zoë Núñez-Løvik", "Balance forward", "$50.00",
                     "90834 Psychotherapy, 45 min", "$190.00", "Payment (card, ref 1042)",
                     "Charges this period", "Amount due", "$140.00", "11/01/2026 – 11/30/2026", "Page 1 of 1"):
        assert expected in text, expected


def test_a_negative_balance_is_a_credit() -> None:
    text = pdf_text(render_statement(make_statement(Decimal("-20.00")), invariant=True))
    assert "Credit on account $20.00" in text
