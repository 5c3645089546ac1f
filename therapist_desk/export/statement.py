"""The client statement PDF: ledger entries with a running balance and the amount due."""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from therapist_desk.domain.money import format_money
from therapist_desk.export.base import ACCENT, FILL, RULE, BaseRenderer, esc, us_date
from therapist_desk.export.data import StatementData


class StatementRenderer(BaseRenderer):
    title = "Statement of account"

    def __init__(self, data: StatementData, *, invariant: bool = False) -> None:
        super().__init__(invariant=invariant)
        self.data = data
        self.author = data.letterhead.practice_name or data.letterhead.clinician_line

    def footer_left(self) -> str:
        d = self.data
        return f"Statement · {d.client_name} · {us_date(d.statement_date)}"

    def continuation_header(self) -> str:
        d = self.data
        return f"Statement of account (continued) · {d.client_name} · {us_date(d.statement_date)}"

    def story(self) -> list[Flowable]:
        return [*self._header(), Spacer(1, 10), self._parties(), Spacer(1, 10), self._entries(),
                Spacer(1, 8), self._totals()]

    def _header(self) -> list[Flowable]:
        head = self.data.letterhead
        contact = " · ".join(p for p in (" · ".join(head.address_lines), head.phone, head.email) if p)
        title = Table([[self.markup("Statement of account", "title")]], colWidths=[self.frame_width])
        title.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 1.2, ACCENT),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
        return [title, Spacer(1, 4), self.p(head.practice_name or head.clinician_line, "cell_bold"),
                self.p(contact, "small")]

    def _parties(self) -> Table:
        d = self.data
        period = (f"{us_date(d.period_start)} – {us_date(d.period_end)}" if d.period_start
                  else f"through {us_date(d.period_end)}")
        left = [self.p("Statement for", "label"), self.p(d.client_name, "cell_bold"),
                self.p("\n".join(d.client_address_lines), "cell")]
        right = [self.markup(f"<b>Statement date</b> {us_date(d.statement_date)}", "right_small"),
                 self.markup(f"<b>Period</b> {esc(period)}", "right_small")]
        table = Table([[left, right]], colWidths=self.widths(0.55, 0.45))
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
        return table

    def _entries(self) -> Table:
        d = self.data
        rows: list[list[Any]] = [[self.markup("Date", "th"), self.markup("Description", "th"),
                                  self.markup("Charges", "th_right"),
                                  self.markup("Payments and credits", "th_right"),
                                  self.markup("Balance", "th_right")]]
        opening = "Balance forward" if d.period_start else "Opening balance"
        rows.append([self.p(us_date(d.period_start) if d.period_start else "", "cell"),
                     self.p(opening, "cell"), "", "",
                     self.p(format_money(d.opening_balance), "cell_right")])
        for row in d.rows:
            rows.append([
                self.p(us_date(row.entry_date), "cell"),
                self.p(row.description, "cell"),
                self.p(format_money(row.charge) if row.charge is not None else "", "cell_right"),
                self.p(format_money(row.credit) if row.credit is not None else "", "cell_right"),
                self.p(format_money(row.balance), "cell_right"),
            ])
        return self.table(rows, self.widths(0.13, 0.42, 0.14, 0.17, 0.14))

    def _totals(self) -> Flowable:
        d = self.data
        due_label = "Amount due" if d.closing_balance >= 0 else "Credit on account"
        due_value = d.closing_balance if d.closing_balance >= 0 else -d.closing_balance
        rows = [
            [self.p("Charges this period", "cell"), self.p(format_money(d.total_charges), "cell_right")],
            [self.p("Payments and credits", "cell"), self.p(format_money(-d.total_credits), "cell_right")],
            [self.p(due_label, "cell_bold"), self.p(format_money(due_value), "cell_right_bold")],
        ]
        width = self.frame_width * 0.4
        table = Table(rows, colWidths=[width * 0.6, width * 0.4], hAlign="RIGHT")
        table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, RULE),
                                   ("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT),
                                   ("BACKGROUND", (0, -1), (-1, -1), FILL)]))
        return KeepTogether([table])


def render_statement(data: StatementData, *, invariant: bool = False) -> bytes:
    """Return the statement as PDF bytes."""
    return StatementRenderer(data, invariant=invariant).render()
