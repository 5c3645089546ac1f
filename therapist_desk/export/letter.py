"""The progress letter PDF: letterhead, date, recipient, "Re:" line, body blocks, signature.

The body comes as blocks already filled from a template by the letters service (headings,
paragraphs, bullet lists, an objectives table, measure charts); this module only lays them out.
Body paragraphs stay Paragraphs (they may run across a page break); the short one-font pieces
around them (letterhead, date, address, closing, the objectives table, the notice) are plain
text (``export.plain``), which draws the same for a fraction of the cost.
"""

from __future__ import annotations

import functools

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from therapist_desk.export.base import (
    ACCENT,
    FILL,
    FONT_BOLD,
    RULE,
    BaseRenderer,
    esc,
    long_date,
    stylesheet,
    us_date,
)
from therapist_desk.export.chart import measure_chart
from therapist_desk.export.data import (
    LetterBullets,
    LetterData,
    LetterHeading,
    LetterMeasures,
    LetterObjectives,
    LetterParagraph,
)
from therapist_desk.export.plain import RULED, Grid, GridLook, HRule, TextLines

# The confidentiality notice: a filled, ruled box (its TableStyle's look).
NOTICE = GridLook(padding=(6, 6, 3, 3), last_fill=FILL, box=(0.5, RULE))


@functools.cache
def _bold(name: str) -> ParagraphStyle:
    """The stylesheet's ``name`` in the bold face (what ``<b>`` around a whole paragraph did)."""
    return ParagraphStyle(f"{name}_bold", parent=stylesheet()[name], fontName=FONT_BOLD)


class LetterRenderer(BaseRenderer):
    title = "Letter"
    top_margin = 0.6 * inch
    left_margin = 0.9 * inch
    right_margin = 0.9 * inch

    def __init__(self, data: LetterData, *, invariant: bool = False) -> None:
        super().__init__(invariant=invariant)
        self.data = data
        self.title = data.title  # generic ("Progress letter"): metadata never names the client
        self.author = data.letterhead.practice_name or data.signer_line

    def footer_left(self) -> str:
        d = self.data
        return (f"Confidential · {d.client_name} · DOB {us_date(d.client_date_of_birth)} · "
                f"{long_date(d.letter_date)}")

    def continuation_header(self) -> str:
        d = self.data
        return (f"{d.recipient_name} · Re: {d.client_name}, DOB {us_date(d.client_date_of_birth)} · "
                f"{long_date(d.letter_date)}")

    def story(self) -> list[Flowable]:
        story: list[Flowable] = [*self._letterhead(), Spacer(1, 14)]
        story += self._address_block()
        for block in self.data.blocks:
            story += self._block(block)
        story.append(self._closing())
        if self.data.confidentiality_notice:
            story += [Spacer(1, 14), self._notice()]
        return story

    def _letterhead(self) -> list[Flowable]:
        head, st = self.data.letterhead, self.styles
        contact = " · ".join(part for part in (" · ".join(head.address_lines), head.phone, head.email)
                             if part)
        name = head.practice_name or head.clinician_line
        lines: list[Flowable] = [TextLines(name, st["letterhead_name"])]
        who = " · ".join(part for part in (head.clinician_line, head.license_line) if part)
        if head.practice_name and who:
            lines.append(TextLines(who, st["letterhead"]))
        if contact:
            lines.append(TextLines(contact, st["letterhead"]))
        # As high as the empty table cell it replaces: 12-point leading, 2 points of padding.
        rule = HRule(self.frame_width, 14, (1.2, ACCENT), below=True, hAlign="CENTER")
        return [*lines, rule]

    def _address_block(self) -> list[Flowable]:
        d, letter = self.data, self.styles["letter"]
        recipient = "\n".join((d.recipient_name, *d.recipient_address_lines))
        return [
            TextLines(long_date(d.letter_date), letter),
            Spacer(1, 2),
            TextLines(recipient, letter),
            Spacer(1, 2),
            TextLines(f"Re: {d.client_name}, date of birth {us_date(d.client_date_of_birth)}",
                      _bold("letter")),
            Spacer(1, 4),
        ]

    def _block(self, block: object) -> list[Flowable]:
        if isinstance(block, LetterHeading):
            return [self.p(block.text, "letter_heading")]
        if isinstance(block, LetterParagraph):
            return [self.p(block.text, "letter")]
        if isinstance(block, LetterBullets):
            items: list[Flowable] = [Paragraph(esc(item), self.styles["bullet"], bulletText="•")
                                     for item in block.items]
            return [*items, Spacer(1, 6)]
        if isinstance(block, LetterObjectives):
            return [self._objectives(block), Spacer(1, 10)]
        if isinstance(block, LetterMeasures):
            charts: list[Flowable] = []
            for series in block.series:
                charts.append(KeepTogether([measure_chart(series, width=self.frame_width, height=140),
                                            Spacer(1, 10)]))
            return charts
        raise TypeError(f"unknown letter block {type(block).__name__}")

    def _objectives(self, block: LetterObjectives) -> Grid:
        st = self.styles
        rows = [["Objective", "Target date", "Status", "Latest progress"]]
        for row in block.rows:
            latest = row.latest_rating
            if latest and row.rated_on is not None:
                latest = f"{latest} ({us_date(row.rated_on)})"
            rows.append([row.objective, us_date(row.target_date) if row.target_date else "",
                         row.status, latest or "Not yet rated"])
        cell, th = st["cell"], st["th"]
        return Grid(rows, self.widths(0.47, 0.14, 0.15, 0.24), RULED, [cell] * 4, header=[th] * 4)

    def _closing(self) -> Flowable:
        d, st = self.data, self.styles
        parts: list[Flowable] = [Spacer(1, 6), TextLines("Sincerely,", st["letter"])]
        image = self.signature_image(d.signature_png, 2.2 * inch, 0.6 * inch)
        parts.append(image if image is not None else Spacer(1, 18))
        parts.append(TextLines(d.signer_line, _bold("body")))
        if d.signer_detail:
            parts.append(TextLines(d.signer_detail, st["small"]))
        return KeepTogether(parts)

    def _notice(self) -> Grid:
        return Grid([[self.data.confidentiality_notice]], [self.frame_width], NOTICE,
                    [self.styles["notice"]], hAlign="CENTER")


def render_letter(data: LetterData, *, invariant: bool = False) -> bytes:
    """Return the letter as PDF bytes."""
    return LetterRenderer(data, invariant=invariant).render()
