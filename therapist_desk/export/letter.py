"""The progress letter PDF: letterhead, date, recipient, "Re:" line, body blocks, signature.

The body comes as blocks already filled from a template by the letters service (headings,
paragraphs, bullet lists, an objectives table, measure charts); this module only lays them out.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from therapist_desk.export.base import ACCENT, FILL, RULE, BaseRenderer, esc, long_date, us_date
from therapist_desk.export.chart import measure_chart
from therapist_desk.export.data import (
    LetterBullets,
    LetterData,
    LetterHeading,
    LetterMeasures,
    LetterObjectives,
    LetterParagraph,
)


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
        head = self.data.letterhead
        contact = " · ".join(part for part in (" · ".join(head.address_lines), head.phone, head.email)
                             if part)
        lines: list[Flowable] = [self.p(head.practice_name or head.clinician_line, "letterhead_name")]
        who = " · ".join(part for part in (head.clinician_line, head.license_line) if part)
        if head.practice_name and who:
            lines.append(self.p(who, "letterhead"))
        if contact:
            lines.append(self.p(contact, "letterhead"))
        rule = Table([[""]], colWidths=[self.frame_width])
        rule.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 1.2, ACCENT),
                                  ("TOPPADDING", (0, 0), (-1, -1), 0),
                                  ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
        return [*lines, rule]

    def _address_block(self) -> list[Flowable]:
        d = self.data
        recipient = "\n".join((d.recipient_name, *d.recipient_address_lines))
        return [
            self.p(long_date(d.letter_date), "letter"),
            Spacer(1, 2),
            self.p(recipient, "letter"),
            Spacer(1, 2),
            self.markup(f"<b>Re: {esc(d.client_name)}, date of birth "
                        f"{us_date(d.client_date_of_birth)}</b>", "letter"),
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

    def _objectives(self, block: LetterObjectives) -> Table:
        rows: list[list[Any]] = [[self.markup("Objective", "th"), self.markup("Target date", "th"),
                                  self.markup("Status", "th"), self.markup("Latest progress", "th")]]
        for row in block.rows:
            latest = row.latest_rating
            if latest and row.rated_on is not None:
                latest = f"{latest} ({us_date(row.rated_on)})"
            rows.append([
                self.p(row.objective, "cell"),
                self.p(us_date(row.target_date) if row.target_date else "", "cell"),
                self.p(row.status, "cell"),
                self.p(latest or "Not yet rated", "cell"),
            ])
        return self.table(rows, self.widths(0.47, 0.14, 0.15, 0.24))

    def _closing(self) -> Flowable:
        d = self.data
        parts: list[Flowable] = [Spacer(1, 6), self.p("Sincerely,", "letter")]
        image = self.signature_image(d.signature_png, 2.2 * inch, 0.6 * inch)
        parts.append(image if image is not None else Spacer(1, 18))
        parts.append(self.markup(f"<b>{esc(d.signer_line)}</b>", "body"))
        if d.signer_detail:
            parts.append(self.p(d.signer_detail, "small"))
        return KeepTogether(parts)

    def _notice(self) -> Table:
        box = Table([[self.p(self.data.confidentiality_notice, "notice")]], colWidths=[self.frame_width])
        box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, RULE),
                                 ("BACKGROUND", (0, 0), (-1, -1), FILL),
                                 ("LEFTPADDING", (0, 0), (-1, -1), 6),
                                 ("RIGHTPADDING", (0, 0), (-1, -1), 6)]))
        return box


def render_letter(data: LetterData, *, invariant: bool = False) -> bytes:
    """Return the letter as PDF bytes."""
    return LetterRenderer(data, invariant=invariant).render()
