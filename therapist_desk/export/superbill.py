"""The superbill PDF: provider, client, diagnoses A-L, one line per service, totals, signature.

Laid out like the superbills insurers are used to (fields map to CMS-1500 boxes; see
DOMAIN.md). Pure: ``SuperbillData`` in, PDF bytes out.

Speed (issue 9: a warm render <= 10 ms, 100 in a batch <= 1 s): a ``Paragraph`` costs ~0.1 ms
to parse, wrap and draw and a superbill had ~140 of them (every label, value and cell), in ~11
``Table``s that re-apply their style commands cell by cell. Nothing on a superbill needs markup,
so it is drawn with ``export.plain``: grids of plain strings (``Grid``), plain text
(``TextLines``, ``TextRuns``, ``RichLines`` for the legend) and one-row layouts (``Columns``),
each laid out where the Table or Paragraph it replaces put it. Long values (names, addresses,
diagnosis titles) still wrap where a Paragraph would. The grids' looks are built once.
"""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from therapist_desk.domain.money import format_money
from therapist_desk.export.base import (
    ACCENT,
    FILL,
    FONT_BOLD,
    RULE,
    BaseRenderer,
    stylesheet,
    us_date,
)
from therapist_desk.export.data import SuperbillData
from therapist_desk.export.plain import (
    RULED,
    Columns,
    Grid,
    GridLook,
    HRule,
    RichLines,
    TextLines,
    TextRuns,
    wrap_text,
)

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


# The looks of the superbill's grids (what their TableStyles said); frozen, shared by every render.
BOX_BAR = GridLook(padding=(5, 6, 3, 3), header_fill=ACCENT)
BOX_BODY = GridLook(padding=(5, 4, 2, 2), first_top=4, valign="TOP")
TOTALS = GridLook(padding=(6, 6, 3, 3), last_fill=FILL, box=(0.6, RULE),
                  last_rule_above=(0.8, ACCENT))


class _Masthead(Flowable):  # type: ignore[misc]
    """The title over the practice name (left) and the dates (right), ruled below: the
    two-row table it used to be (title row spanning both columns, bottom-aligned, padding 0
    but 2 and 6 points below the rows), drawn in place."""

    def __init__(self, title: str, practice: str, dates: TextRuns, widths: tuple[float, float]) -> None:
        super().__init__()
        st = stylesheet()
        self.title_style, self.practice_style = st["title"], st["subtitle"]
        self.title = title
        self.practice = practice
        self.dates = dates
        self.widths = widths
        self.lines: list[str] = []
        self.top_row = self.bottom_row = 0.0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """Two rows: the title line, then the longer of the practice name and the dates."""
        s = self.practice_style
        self.lines = wrap_text(self.practice, s.fontName, s.fontSize, self.widths[0])
        _, dates_height = self.dates.wrap(self.widths[1], availHeight)
        self.top_row = self.title_style.leading + 2
        self.bottom_row = max(len(self.lines) * s.leading, dates_height) + 6
        self.width, self.height = sum(self.widths), self.top_row + self.bottom_row
        return self.width, self.height

    def draw(self) -> None:
        """Text where a bottom-aligned table cell puts it, then the rule under the second row."""
        canvas, t, s = self.canv, self.title_style, self.practice_style
        text = canvas.beginText()
        text.setFont(t.fontName, t.fontSize, t.leading)
        text.setFillColor(t.textColor)
        text.setTextOrigin(0, self.bottom_row + 2 + t.leading - t.fontSize)
        text.textOut(self.title)
        text.setFont(s.fontName, s.fontSize, s.leading)
        text.setFillColor(s.textColor)
        y = 6 + len(self.lines) * s.leading - s.fontSize
        for line in self.lines:
            text.setTextOrigin(0, y)
            text.textOut(line)
            y -= s.leading
        canvas.drawText(text)
        self.dates.drawOn(canvas, self.widths[0], 6)
        canvas.setLineCap(1)
        canvas.setLineJoin(1)
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(1.2)
        canvas.line(0, 0, self.width, 0)


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
            TextLines("Diagnoses (ICD-10-CM)", self.styles["h2"]),
            self._diagnoses(),
            Spacer(1, 2),
            TextLines("Services", self.styles["h2"]),
            self._services(),
            Spacer(1, 6),
            CondPageBreak(1.9 * inch),
            self._totals_and_signature(),
            Spacer(1, 8),
            self._legend(),
        ]

    # --- header and parties -----------------------------------------------------------------

    def _header(self) -> Flowable:
        d = self.data
        left_width, right_width = self.widths(0.36, 0.64)
        regular = self.styles["right_small"].fontName
        gap = "\u00a0" * 4  # what "&nbsp;&nbsp;" between two spaces made in the Paragraph
        dates = TextRuns([
            (FONT_BOLD, "Date issued"), (regular, f" {us_date(d.issued_on)}{gap}"),
            (FONT_BOLD, "Dates of service"),
            (regular, f" {us_date(d.period_start)} – {us_date(d.period_end)}"),
        ], self.styles["right_small"])
        return _Masthead(TITLE, d.provider.practice_name or d.provider.signature_line, dates,
                         (left_width, right_width))

    def _box(self, heading: str, rows: list[tuple[str, str]], width: float) -> list[Flowable]:
        """A heading bar over label/value rows; empty values print as an en dash."""
        st = self.styles
        bar = Grid([[heading.upper()]], [width], BOX_BAR, [st["box_head"]], header=[st["box_head"]])
        body = Grid([[label, value or "–"] for label, value in rows], [width * 0.41, width * 0.59],
                    BOX_BODY, [st["label"], st["cell"]])
        return [bar, body]

    def _parties(self) -> Flowable:
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
        # Both boxes are columns of one row, so they share its height and line up at the bottom.
        boxes = [self._box("Provider", provider, half), [], self._box("Client (patient)", patient, half)]
        return Columns(boxes, [half, gap, half], padding=(0, 0, 0, 3), boxed=(0, 2), rule=(0.6, RULE))

    # --- diagnoses and services -------------------------------------------------------------

    def _diagnoses(self) -> Grid:
        st = self.styles
        rows = [["Pointer", "ICD-10-CM", "Diagnosis"]]
        rows += [[dx.letter, dx.code, dx.title] for dx in self.data.diagnoses]
        return Grid(rows, self.widths(0.09, 0.14, 0.77), RULED,
                    [st["cell_center"], st["cell_bold"], st["cell"]],
                    header=[st["th_center"], st["th"], st["th"]])

    def _services(self) -> Grid:
        st = self.styles
        rows = [list(SERVICE_HEADERS)]
        for line in self.data.lines:
            rows.append([
                us_date(line.service_date), line.place_of_service, line.cpt, " ".join(line.modifiers),
                ", ".join(line.pointers), str(line.units), format_money(line.charge),
                format_money(line.paid) if line.paid is not None else "",
            ])
        center, right = st["cell_center"], st["cell_right"]
        th_center, th_right = st["th_center"], st["th_right"]
        return Grid(rows, self.widths(0.16, 0.08, 0.1, 0.12, 0.12, 0.08, 0.17, 0.17), RULED,
                    [st["cell"], center, center, center, center, center, right, right],
                    header=[st["th"], th_center, th_center, th_center, th_center, th_center,
                            th_right, th_right])

    # --- totals, signature, legend ----------------------------------------------------------

    def _totals(self) -> Grid:
        d, st = self.data, self.styles
        rows = [
            ["Total charges", format_money(d.total_charge)],
            ["Amount paid", format_money(d.amount_paid)],
        ]
        if d.adjustments:
            rows.append(["Adjustments", format_money(-d.adjustments)])
        rows.append(["Balance", format_money(d.balance)])
        width = self.frame_width * 0.34
        return Grid(rows, [width * 0.55, width * 0.45], TOTALS, [st["cell"], st["cell_right"]],
                    last=[st["cell_bold"], st["cell_right_bold"]], hAlign="RIGHT")

    def _signature(self) -> list[Flowable]:
        d, pr, st = self.data, self.data.provider, self.styles
        parts: list[Flowable] = [TextLines(CERTIFICATION, st["small"]), Spacer(1, 6)]
        image = self.signature_image(d.signature_png, 2.3 * inch, 0.6 * inch)
        if image is not None:
            parts.append(image)
        else:
            parts.append(TextLines(f"Electronically signed by {pr.signature_line}", st["cell"]))
        parts += [
            Spacer(1, 2),
            # As high as the empty table cell it replaces (ReportLab's default 12-point leading).
            HRule(self.frame_width * 0.55, 12, (0.6, colors.black)),
            TextLines(pr.signature_line, st["cell_bold"]),
            TextLines(f"License {pr.license_number} ({pr.license_state}) · NPI {pr.rendering_npi}",
                      st["small"]),
            TextLines(f"Date signed: {us_date(d.issued_on)}", st["cell"]),
        ]
        return parts

    def _totals_and_signature(self) -> Flowable:
        left_width = self.frame_width * 0.62
        columns = Columns([self._signature(), [self._totals()]],
                          [left_width, self.frame_width - left_width], padding=(0, 0, 3, 3))
        return KeepTogether([columns])

    def _legend(self) -> Flowable:
        d, small = self.data, self.styles["small"]
        runs: list[tuple[str, str]] = []
        for heading, pairs in (("Codes:", d.code_labels), ("Place of service:", d.place_labels),
                               ("Modifiers:", d.modifier_labels)):
            if pairs:
                listed = "; ".join(f"{code} {label}" for code, label in pairs)
                runs += [(FONT_BOLD, f"{heading} " if not runs else f" {heading} "),
                         (small.fontName, f"{listed}.")]
        runs.append((small.fontName, f" {CLIENT_NOTE}" if runs else CLIENT_NOTE))
        return RichLines(runs, small)


def render_superbill(data: SuperbillData, *, invariant: bool = False) -> bytes:
    """Return the superbill as PDF bytes."""
    return SuperbillRenderer(data, invariant=invariant).render()
