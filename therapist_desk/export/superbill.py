"""The superbill PDF: provider, client, diagnoses A-L, one line per service, totals, signature.

Laid out like the superbills insurers are used to (fields map to CMS-1500 boxes; see
DOMAIN.md). Pure: ``SuperbillData`` in, PDF bytes out.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer, Table, TableStyle

from therapist_desk.domain.money import format_money
from therapist_desk.export.base import (
    ACCENT,
    FILL,
    RULE,
    BaseRenderer,
    esc,
    us_date,
)
from therapist_desk.export.data import SuperbillData

TITLE = "Superbill / Statement for Insurance Reimbursement"
SERVICE_HEADERS = ("Date of service", "POS", "CPT", "Modifiers", "Dx pointer", "Units", "Charge",
                   "Paid")
CERTIFICATION = (
    "I certify that I personally rendered the services listed above on the dates shown and "
    "that the charges are my usual and customary fees."
)
CLIENT_NOTE = (
    "For the client: send this superbill to your health plan with its claim form to ask for "
    "out-of-network reimbursement, and keep a copy. Payment is between you and your plan."
)


class SuperbillRenderer(BaseRenderer):
    title = "Superbill"
    subject = "Statement for insurance reimbursement"

    def __init__(self, data: SuperbillData, *, invariant: bool = False) -> None:
        super().__init__(invariant=invariant)
        self.data = data
        self.author = data.provider.practice_name or data.provider.signature_line
        # The file's metadata says what it is, never whose it is (desktop search indexes it).
        self.title = f"Superbill {data.period_start.isoformat()} to {data.period_end.isoformat()}"

    def footer_left(self) -> str:
        d = self.data
        return (f"Superbill · {d.patient.name} · DOB {us_date(d.patient.date_of_birth)} · "
                f"issued {us_date(d.issued_on)} by {d.provider.signature_line}")

    def continuation_header(self) -> str:
        d = self.data
        return (f"Superbill (continued) · {d.patient.name} · DOB {us_date(d.patient.date_of_birth)} · "
                f"dates of service {us_date(d.period_start)} – {us_date(d.period_end)}")

    def story(self) -> list[Flowable]:
        return [
            self._header(),
            Spacer(1, 8),
            self._parties(),
            Spacer(1, 4),
            self.markup("Diagnoses (ICD-10-CM)", "h2"),
            self._diagnoses(),
            Spacer(1, 2),
            self.markup("Services", "h2"),
            self._services(),
            Spacer(1, 6),
            CondPageBreak(1.9 * inch),
            self._totals_and_signature(),
            Spacer(1, 8),
            self._legend(),
        ]

    # --- header and parties -----------------------------------------------------------------

    def _header(self) -> Table:
        d = self.data
        left = self.p(d.provider.practice_name or d.provider.signature_line, "subtitle")
        right = self.markup(
            f"<b>Date issued</b> {us_date(d.issued_on)} &nbsp;&nbsp; "
            f"<b>Dates of service</b> {us_date(d.period_start)} – {us_date(d.period_end)}",
            "right_small",
        )
        table = Table([[self.markup(esc(TITLE), "title"), ""], [left, right]],
                      colWidths=self.widths(0.36, 0.64))
        table.setStyle(TableStyle([
            ("SPAN", (0, 0), (-1, 0)),
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, 0), 2),
            ("BOTTOMPADDING", (0, 1), (-1, 1), 6),
            ("LINEBELOW", (0, 1), (-1, 1), 1.2, ACCENT),
        ]))
        return table

    def _box(self, heading: str, rows: list[tuple[str, str]], width: float) -> list[Flowable]:
        """A heading bar over label/value rows; empty values print as an en dash."""
        bar = Table([[self.markup(esc(heading.upper()), "box_head")]], colWidths=[width])
        bar.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, -1), ACCENT),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]))
        body = [[self.p(label, "label"), self.p(value or "–", "cell")] for label, value in rows]
        table = Table(body, colWidths=[width * 0.41, width * 0.59])
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, 0), 4),
        ]))
        return [bar, table]

    def _parties(self) -> Table:
        pr, pt = self.data.provider, self.data.patient
        tax_value = pr.tax_id_display + (f"\n{pr.tax_id_note}" if pr.tax_id_note else "")
        provider: list[tuple[str, str]] = [
            ("Practice", pr.practice_name or pr.signature_line),
            ("Rendering provider", pr.signature_line),
            ("License", f"{pr.license_number} ({pr.license_state})"),
            ("Rendering NPI (Type 1)", pr.rendering_npi),
        ]
        if pr.practice_npi:
            provider.append(("Practice NPI (Type 2)", pr.practice_npi))
        provider += [
            (f"Tax ID ({pr.tax_id_kind})", tax_value),
            ("Address", "\n".join(pr.address_lines)),
            ("Phone", pr.phone),
        ]
        if pr.email:
            provider.append(("Email", pr.email))
        patient: list[tuple[str, str]] = [
            ("Client name", pt.name),
            ("Date of birth", us_date(pt.date_of_birth)),
            ("Address", "\n".join(pt.address_lines)),
            ("Health plan", pt.payer),
            ("Member ID", pt.member_id),
            ("Group number", pt.group_number),
        ]
        gap = 10
        half = (self.frame_width - gap) / 2
        # Both boxes are cells of one row, so they share its height and line up at the bottom.
        table = Table(
            [[self._box("Provider", provider, half), "", self._box("Client (patient)", patient, half)]],
            colWidths=[half, gap, half],
        )
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("BOX", (0, 0), (0, 0), 0.6, RULE),
            ("BOX", (2, 0), (2, 0), 0.6, RULE),
        ]))
        return table

    # --- diagnoses and services -------------------------------------------------------------

    def _diagnoses(self) -> Table:
        rows: list[list[Any]] = [[self.markup("Pointer", "th_center"), self.markup("ICD-10-CM", "th"),
                                  self.markup("Diagnosis", "th")]]
        for dx in self.data.diagnoses:
            rows.append([self.p(dx.letter, "cell_center"), self.p(dx.code, "cell_bold"),
                         self.p(dx.title, "cell")])
        return self.table(rows, self.widths(0.09, 0.14, 0.77))

    def _services(self) -> Table:
        header_styles = ("th", "th_center", "th_center", "th_center", "th_center", "th_center",
                         "th_right", "th_right")
        rows: list[list[Any]] = [
            [self.markup(esc(text), style) for text, style in zip(SERVICE_HEADERS, header_styles)]
        ]
        for line in self.data.lines:
            rows.append([
                self.p(us_date(line.service_date), "cell"),
                self.p(line.place_of_service, "cell_center"),
                self.p(line.cpt, "cell_center"),
                self.p(" ".join(line.modifiers), "cell_center"),
                self.p(", ".join(line.pointers), "cell_center"),
                self.p(str(line.units), "cell_center"),
                self.p(format_money(line.charge), "cell_right"),
                self.p(format_money(line.paid) if line.paid is not None else "", "cell_right"),
            ])
        return self.table(rows, self.widths(0.16, 0.08, 0.1, 0.12, 0.12, 0.08, 0.17, 0.17))

    # --- totals, signature, legend ----------------------------------------------------------

    def _totals(self) -> Table:
        d = self.data
        rows: list[list[Any]] = [
            [self.p("Total charges", "cell"), self.p(format_money(d.total_charge), "cell_right")],
            [self.p("Amount paid", "cell"), self.p(format_money(d.amount_paid), "cell_right")],
        ]
        if d.adjustments:
            rows.append([self.p("Adjustments", "cell"),
                         self.p(format_money(-d.adjustments), "cell_right")])
        rows.append([self.p("Balance", "cell_bold"), self.p(format_money(d.balance), "cell_right_bold")])
        width = self.frame_width * 0.34
        table = Table(rows, colWidths=[width * 0.55, width * 0.45], hAlign="RIGHT")
        table.setStyle(TableStyle([
            ("BOX", (0, 0), (-1, -1), 0.6, RULE),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT),
            ("BACKGROUND", (0, -1), (-1, -1), FILL),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]))
        return table

    def _signature(self) -> list[Flowable]:
        d, pr = self.data, self.data.provider
        parts: list[Flowable] = [self.p(CERTIFICATION, "small"), Spacer(1, 6)]
        image = self.signature_image(d.signature_png, 2.3 * inch, 0.6 * inch)
        if image is not None:
            parts.append(image)
        else:
            parts.append(self.p(f"Electronically signed by {pr.signature_line}", "cell"))
        line = Table([[""]], colWidths=[self.frame_width * 0.55], hAlign="LEFT")
        line.setStyle(TableStyle([("LINEABOVE", (0, 0), (-1, 0), 0.6, colors.black),
                                  ("TOPPADDING", (0, 0), (-1, -1), 0),
                                  ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
        parts += [
            Spacer(1, 2),
            line,
            self.markup(f"<b>{esc(pr.signature_line)}</b>", "cell"),
            self.p(f"License {pr.license_number} ({pr.license_state}) · NPI {pr.rendering_npi}",
                   "small"),
            self.markup(f"Date signed: {us_date(d.issued_on)}", "cell"),
        ]
        return parts

    def _totals_and_signature(self) -> Flowable:
        left_width = self.frame_width * 0.62
        table = Table([[self._signature(), self._totals()]],
                      colWidths=[left_width, self.frame_width - left_width])
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ]))
        return KeepTogether([table])

    def _legend(self) -> Flowable:
        d = self.data
        parts: list[str] = []
        if d.code_labels:
            codes = "; ".join(f"{esc(code)} {esc(label)}" for code, label in d.code_labels)
            parts.append(f"<b>Codes:</b> {codes}.")
        if d.place_labels:
            places = "; ".join(f"{esc(code)} {esc(label)}" for code, label in d.place_labels)
            parts.append(f"<b>Place of service:</b> {places}.")
        if d.modifier_labels:
            mods = "; ".join(f"{esc(code)} {esc(label)}" for code, label in d.modifier_labels)
            parts.append(f"<b>Modifiers:</b> {mods}.")
        parts.append(esc(CLIENT_NOTE))
        return self.markup(" ".join(parts), "small")


def render_superbill(data: SuperbillData, *, invariant: bool = False) -> bytes:
    """Return the superbill as PDF bytes."""
    return SuperbillRenderer(data, invariant=invariant).render()
