"""Plain-text flowables: text in one font per piece, drawn without ReportLab's markup machinery.

A ``Paragraph`` parses its text as markup, splits it into styled fragments and wraps them; a
``Table`` re-applies every style command to every cell. For a superbill that was ~140
paragraphs in ~11 tables, about 20 ms of a 26 ms render (issue 9 asks for 10). What a superbill
prints is nearly all one font per cell and never needs markup, so it is drawn from here:

- ``measured_lines``/``wrap_text`` break text into lines the way a Paragraph does (same
  width rule, same treatment of over-long words), so what used to wrap wraps at the same place;
- ``TextLines`` is a paragraph of plain text, ``TextRuns`` one line in several fonts,
  ``RichLines`` wrapped text in several fonts (the superbill's legend);
- ``Grid`` is a table of plain-string cells: fills, text in one text object, then the rules,
  in the order a ``Table`` with the same style draws them, so the page looks the same;
- ``Columns`` puts lists of flowables side by side as a one-row Table would; ``HRule`` is a rule.

Each was checked against the Table/Paragraph it replaces by rendering both to PNG: the same
page, but for sub-pixel antialiasing and a Paragraph's slight squeezing of a line's spaces when
it overflows by a fraction of a point.

User text needs no escaping here (nothing is parsed); control characters are still dropped.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.colors import Color
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable

from therapist_desk.export.base import ACCENT, RULE, ZEBRA, clean


@functools.lru_cache(maxsize=4096)
def measured_lines(text: str, font: str, size: float, width: float) -> tuple[tuple[str, float], ...]:
    """Break plain text into lines no wider than ``width`` points, as a Paragraph would, each
    with its width (to align it without measuring it again).

    Breaks at spaces and newlines (runs of spaces count as one); a word longer than a line
    fills the rest of the line and goes on on the next (``splitLongWords``); each space of a
    line may shrink by 5 % (``spaceShrinkage``). Control characters are dropped. Cached: the
    labels, headings, dates and amounts of one superbill are mostly those of the next.
    """
    measure = pdfmetrics.getFont(font).stringWidth
    text = clean(text)
    if "\n" not in text:
        used = measure(text, size)
        if used <= width:  # the usual case: a date, an amount, a code, a short name
            single = " ".join(text.split())
            return ((single, used if single == text else measure(single, size)),)
    # A Paragraph lets each space of a line shrink by 5 % (ParagraphStyle.spaceShrinkage).
    shrink = 0.05 * measure(" ", size)

    def fits(line: str) -> bool:
        return bool(measure(line, size) <= width + shrink * line.count(" "))

    lines: list[str] = []
    for raw in text.split("\n"):
        line = ""
        for word in raw.split():
            candidate = f"{line} {word}" if line else word
            if fits(candidate):
                line = candidate
                continue
            if line and fits(word):
                lines.append(line)
                line = word
                continue
            # A word longer than a line: cut it where the next character would overflow (no
            # space shrinks inside a word; Paragraph's _splitWord), starting on this line.
            head = f"{line} " if line else ""
            for char in word:
                if measure(head + char, size) <= width or not head.strip():
                    head += char
                else:
                    lines.append(head.rstrip())
                    head = char
            line = head
        lines.append(line)
    return tuple((line, measure(line, size)) for line in lines)


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """``measured_lines`` without the widths: the lines a Paragraph would make of ``text``."""
    return [line for line, _ in measured_lines(text, font, size, width)]


def _x(style: ParagraphStyle, used: float, left: float, right: float) -> float:
    """Where a line ``used`` points wide starts between ``left`` and ``right``."""
    if style.alignment == TA_RIGHT:
        return right - used
    if style.alignment == TA_CENTER:
        return (left + right - used) / 2
    return left


class _WrappedLines(Flowable):  # type: ignore[misc]  # ReportLab ships no type hints
    """Lines of text in one style, laid out as a Paragraph of that style lays them out: the
    whole width, ``leading`` per line, the first baseline one font size below the top, each
    line aligned between the style's indents. Subclasses say how many lines the width makes.
    """

    style: ParagraphStyle

    def _line_count(self, availWidth: float) -> int:
        raise NotImplementedError

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """Takes the whole width; the height is lines x leading."""
        self.width, self.height = availWidth, self._line_count(availWidth) * self.style.leading
        return self.width, self.height

    def _first_baseline(self) -> float:
        baseline: float = self.height - self.style.fontSize  # as a Paragraph places it
        return baseline

    def _line_x(self, used: float) -> float:
        """Where a line ``used`` points wide starts, between the style's indents."""
        s = self.style
        return _x(s, used, s.leftIndent, self.width - s.rightIndent)


class TextLines(_WrappedLines):
    """Plain text in one font, wrapped and placed as a Paragraph of the same style would be.

    Never splits across pages: for short text (a heading, a signature block, a
    certification), not for a letter's body.
    """

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text = text
        self.style = style
        self.spaceBefore = style.spaceBefore
        self.spaceAfter = style.spaceAfter
        self.lines: tuple[tuple[str, float], ...] = ()
        self._wrapped_at: float | None = None

    def _line_count(self, availWidth: float) -> int:
        """Break the text for this width (once per width)."""
        if self._wrapped_at != availWidth:
            s = self.style
            self.lines = measured_lines(self.text, s.fontName, s.fontSize,
                                        availWidth - s.leftIndent - s.rightIndent)
            self._wrapped_at = availWidth
        return len(self.lines)

    def draw(self) -> None:
        """Draw the lines, one leading apart from the first baseline."""
        s = self.style
        text = self.canv.beginText()
        text.setFont(s.fontName, s.fontSize, s.leading)
        text.setFillColor(s.textColor)
        y = self._first_baseline()
        for line, used in self.lines:
            text.setTextOrigin(self._line_x(used), y)
            text.textOut(line)
            y -= s.leading
        self.canv.drawText(text)


class TextRuns(_WrappedLines):
    """One line of plain text in several fonts (``(font, text)`` runs), aligned as ``style``
    says: "<b>Label</b> value" without a Paragraph. Never wraps: for short, fixed text."""

    def __init__(self, runs: Sequence[tuple[str, str]], style: ParagraphStyle) -> None:
        super().__init__()
        self.runs = [(font, clean(text).replace("\n", " ")) for font, text in runs]
        self.style = style

    def _line_count(self, availWidth: float) -> int:
        return 1

    def draw(self) -> None:
        """Draw the runs one after the other on one baseline."""
        s = self.style
        size = s.fontSize
        total = sum(pdfmetrics.stringWidth(part, font, size) for font, part in self.runs)
        text = self.canv.beginText(self._line_x(total), self._first_baseline())
        text.setFillColor(s.textColor)
        for font, part in self.runs:
            text.setFont(font, size, s.leading)
            text.textOut(part)
        self.canv.drawText(text)


class RichLines(_WrappedLines):
    """Wrapped plain text in several fonts: ``(font, text)`` runs, e.g. a bold "Codes:" and the
    regular list after it, in the size, leading, colour and alignment of ``style``.

    Wraps at spaces as a Paragraph does (a space may shrink by 5 %); a word wider than the
    whole line is not cut (the legend has no such words). Never splits across pages.
    """

    def __init__(self, runs: Sequence[tuple[str, str]], style: ParagraphStyle) -> None:
        super().__init__()
        self.style = style
        self.spaceBefore = style.spaceBefore
        self.spaceAfter = style.spaceAfter
        # Words as lists of (font, piece): a word may change font mid-way ("<b>A</b>B").
        self.words: list[list[tuple[str, str]]] = []
        glue = False  # does the next piece continue the last word?
        for font, text in runs:
            parts = clean(text).replace("\n", " ").split(" ")
            for i, part in enumerate(parts):
                if i:
                    glue = False
                if not part:
                    continue
                if glue and self.words:
                    self.words[-1].append((font, part))
                else:
                    self.words.append([(font, part)])
                glue = True
        size = style.fontSize
        self._widths = [sum(pdfmetrics.stringWidth(piece, font, size) for font, piece in word)
                        for word in self.words]
        self._spaces = {font: pdfmetrics.stringWidth(" ", font, size) for font, _ in runs}
        self.lines: list[list[list[tuple[str, str]]]] = []
        self._wrapped_at: float | None = None

    def _line_count(self, availWidth: float) -> int:
        """Break the words into lines for this width (once per width)."""
        if self._wrapped_at != availWidth:
            s = self.style
            limit = availWidth - s.leftIndent - s.rightIndent
            self.lines = []
            line: list[list[tuple[str, str]]] = []
            used = 0.0
            for word, width in zip(self.words, self._widths):
                space = self._spaces[word[0][0]]
                if line and used + space + width > limit + 0.05 * space * len(line):
                    self.lines.append(line)
                    line, used = [], 0.0
                used += (space if line else 0.0) + width
                line.append(word)
            if line:
                self.lines.append(line)
            self._wrapped_at = availWidth
        return len(self.lines)

    def draw(self) -> None:
        """Draw each line as runs of text, switching fonts where the words do."""
        s = self.style
        text = self.canv.beginText()
        text.setFillColor(s.textColor)
        y = self._first_baseline()
        for line in self.lines:
            pieces: list[tuple[str, str]] = []
            for i, word in enumerate(line):
                for j, (font, piece) in enumerate(word):
                    prefix = " " if i and not j else ""
                    if pieces and pieces[-1][0] == font:
                        pieces[-1] = (font, pieces[-1][1] + prefix + piece)
                    else:
                        pieces.append((font, prefix + piece))
            total = sum(pdfmetrics.stringWidth(piece, font, s.fontSize) for font, piece in pieces)
            text.setTextOrigin(self._line_x(total), y)
            for font, piece in pieces:
                text.setFont(font, s.fontSize, s.leading)
                text.textOut(piece)
            y -= s.leading
        self.canv.drawText(text)


Rule = tuple[float, Color]  # (line width, colour)


@dataclass(frozen=True, slots=True)
class GridLook:
    """How a ``Grid`` is drawn apart from its cells: what a ``TableStyle`` says of padding,
    fills and lines. Frozen, so one look serves every grid of every render (and thread)."""

    padding: tuple[float, float, float, float] = (6, 6, 3, 3)  # left, right, top, bottom
    first_top: float | None = None  # top padding of the first row, when it differs
    valign: str = "BOTTOM"  # as in a Table: BOTTOM (its default), MIDDLE or TOP
    header_fill: Color | None = None  # row 0, when the grid has a header
    zebra: tuple[Color | None, ...] = ()  # body rows' fills, in turn
    last_fill: Color | None = None  # the last row (a totals row)
    # Lines, drawn after the text in this order (a Table draws them in command order):
    bottom_rule: Rule | None = None  # below the last row
    box: Rule | None = None  # around the grid
    row_rules: Rule | None = None  # below every body row
    last_rule_above: Rule | None = None  # above the last row


# ``BaseRenderer.table``'s look: a dark header row, zebra rows with light rules, a ruled box.
RULED = GridLook(padding=(4, 4, 3, 3), valign="MIDDLE", header_fill=ACCENT, zebra=(colors.white, ZEBRA),
                 bottom_rule=(0.6, RULE), box=(0.6, RULE), row_rules=(0.25, colors.HexColor("#d5dae0")))


class Grid(Flowable):  # type: ignore[misc]
    """A table of plain-string cells, drawn the way ``Table`` draws the same cells and style.

    Every cell is wrapped (``wrap_text``) to its column less the padding, so long text wraps
    as a Paragraph in that cell would. ``body`` holds one style per column; ``header`` one per
    column for row 0 (repeated on every page when the grid splits); ``last`` one per column
    for the last row. Column widths are fixed, so the grid is as wide as their sum.
    """

    def __init__(
        self,
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        look: GridLook,
        body: Sequence[ParagraphStyle],
        *,
        header: Sequence[ParagraphStyle] | None = None,
        last: Sequence[ParagraphStyle] | None = None,
        hAlign: str = "LEFT",
    ) -> None:
        super().__init__()
        self.widths = list(widths)
        self.look = look
        self.body = list(body)
        self.header = list(header) if header is not None else None
        self.last = list(last) if last is not None else None
        self.hAlign = hAlign
        pad = look.padding[0] + look.padding[1]
        self.rows: list[list[tuple[ParagraphStyle, tuple[tuple[str, float], ...]]]] = []
        for index, row in enumerate(rows):
            styles = self._styles_of(index, len(rows))
            self.rows.append([
                (style, measured_lines(text, style.fontName, style.fontSize, width - pad))
                for text, style, width in zip(row, styles, self.widths, strict=True)
            ])
        self.width = sum(self.widths)
        self.heights = [self._row_height(index) for index in range(len(self.rows))]
        self.height = sum(self.heights)

    def _styles_of(self, index: int, count: int) -> list[ParagraphStyle]:
        if index == 0 and self.header is not None:
            return self.header
        if index == count - 1 and self.last is not None:
            return self.last
        return self.body

    def _top_padding(self, index: int) -> float:
        first = self.look.first_top
        return first if index == 0 and first is not None else self.look.padding[2]

    def _row_height(self, index: int) -> float:
        content = max(style.leading * len(lines) for style, lines in self.rows[index])
        return float(content + self._top_padding(index) + self.look.padding[3])

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """The grid's fixed size (a Table with fixed column widths ignores the space too)."""
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        """As many rows as fit, then the rest under the header again; [] when not even the
        header and one row fit (the frame then moves the whole grid to the next page)."""
        keep = 1 if self.header is not None else 0
        used, fit = 0.0, 0
        for height in self.heights:
            if used + height > availHeight + 1e-6:
                break
            used += height
            fit += 1
        if fit <= keep or fit >= len(self.rows):
            return []
        return [self._part(range(fit)), self._part([*range(keep), *range(fit, len(self.rows))])]

    def _part(self, indexes: Sequence[int]) -> Grid:
        part = Grid.__new__(Grid)
        Flowable.__init__(part)
        part.widths, part.look, part.hAlign = self.widths, self.look, self.hAlign
        part.body, part.header, part.last = self.body, self.header, self.last
        part.rows = [self.rows[i] for i in indexes]
        part.heights = [self.heights[i] for i in indexes]
        part.width, part.height = self.width, sum(part.heights)
        return part

    def draw(self) -> None:
        """Fills, then all text in one text object, then the lines."""
        canvas, look = self.canv, self.look
        lefts = [sum(self.widths[:i]) for i in range(len(self.widths))]
        tops = [self.height - sum(self.heights[:i]) for i in range(len(self.heights))]
        count = len(self.rows)
        has_header = self.header is not None
        for index, (top, height) in enumerate(zip(tops, self.heights)):
            fill: Color | None = None
            if index == 0 and has_header:
                fill = look.header_fill
            elif index == count - 1 and look.last_fill is not None:
                fill = look.last_fill
            elif look.zebra:
                fill = look.zebra[(index - has_header) % len(look.zebra)]
            if fill is not None:
                canvas.setFillColor(fill)
                canvas.rect(0, top - height, self.width, height, stroke=0, fill=1)

        pad_left, pad_right, _, pad_bottom = look.padding
        text = canvas.beginText()
        font: tuple[str, float, float] | None = None
        color: Any = None
        # Row by row, as a Table draws them: the text reads in that order when copied or
        # extracted (a label, then its value).
        for index, (row, top, height) in enumerate(zip(self.rows, tops, self.heights)):
            pad_top = self._top_padding(index)
            for (style, lines), left, width in zip(row, lefts, self.widths):
                size, leading = style.fontSize, style.leading
                if font != (style.fontName, size, leading):
                    font = (style.fontName, size, leading)
                    text.setFont(*font)
                if color is not style.textColor:  # the stylesheet shares its colour objects
                    color = style.textColor
                    text.setFillColor(color)
                # The first baseline, placed exactly as Table._drawCell places a string's.
                if look.valign == "TOP":
                    y = top - pad_top - size
                elif look.valign == "MIDDLE":
                    y = top - height + (pad_bottom + height - pad_top + len(lines) * leading) / 2 - size
                else:
                    y = top - height + pad_bottom + len(lines) * leading - size
                x0, x1 = left + pad_left, left + width - pad_right
                for line, used in lines:
                    if line:
                        text.setTextOrigin(_x(style, used, x0, x1), y)
                        text.textOut(line)
                    y -= leading
        canvas.drawText(text)

        canvas.setLineCap(1)  # a Table's default caps and joins: round
        canvas.setLineJoin(1)
        bottom = tops[-1] - self.heights[-1] if self.rows else self.height
        if look.bottom_rule is not None:
            self._line(look.bottom_rule, [(0, bottom, self.width, bottom)])
        if look.box is not None:
            self._line(look.box, [(0, self.height, self.width, self.height),
                                  (0, bottom, self.width, bottom),
                                  (0, bottom, 0, self.height),
                                  (self.width, bottom, self.width, self.height)])
        if look.row_rules is not None:
            below = [top - height for top, height in zip(tops, self.heights)][has_header:]
            self._line(look.row_rules, [(0, y, self.width, y) for y in below])
        if look.last_rule_above is not None and self.rows:
            self._line(look.last_rule_above, [(0, tops[-1], self.width, tops[-1])])

    def _line(self, rule: Rule, segments: Sequence[tuple[float, float, float, float]]) -> None:
        width, color = rule
        self.canv.setStrokeColor(color)
        self.canv.setLineWidth(width)
        for x0, y0, x1, y1 in segments:
            self.canv.line(x0, y0, x1, y1)


class Columns(Flowable):  # type: ignore[misc]
    """Lists of flowables side by side, each stacked from the top of its column: what a one-row
    ``Table`` with such lists in its cells and VALIGN TOP lays out, at the same places, without
    a Table's per-cell style machinery. Columns in ``boxed`` get a rule around their cell.
    Never splits (a one-row Table cannot either)."""

    def __init__(
        self,
        columns: Sequence[Sequence[Flowable]],
        widths: Sequence[float],
        *,
        padding: tuple[float, float, float, float] = (0, 0, 0, 0),  # left, right, top, bottom
        boxed: Sequence[int] = (),
        rule: Rule | None = None,
    ) -> None:
        super().__init__()
        self.columns = [list(column) for column in columns]
        self.widths = list(widths)
        self.padding = padding
        self.boxed = tuple(boxed)
        self.rule = rule
        self.width = sum(self.widths)
        self.height = 0.0
        self._placed: list[list[tuple[Flowable, float]]] = []

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """Wrap every flowable to its column; the row is as high as the tallest column."""
        left, right, top, bottom = self.padding
        self._placed, tallest = [], 0.0
        for column, width in zip(self.columns, self.widths, strict=True):
            placed: list[tuple[Flowable, float]] = []
            total = 0.0
            for flowable in column:
                _, h = flowable.wrapOn(getattr(self, "canv", None), width - left - right, 72000)
                placed.append((flowable, h))
                total += h + flowable.getSpaceBefore() + flowable.getSpaceAfter()
            if column:  # Table._listCellGeom: no space before the first nor after the last
                total -= column[0].getSpaceBefore() + column[-1].getSpaceAfter()
            self._placed.append(placed)
            tallest = max(tallest, total)
        self.height = tallest + top + bottom
        return self.width, self.height

    def draw(self) -> None:
        """Each column from its top (as Table._drawCell places a list), then the boxes."""
        left, _, top, _ = self.padding
        x = 0.0
        for placed, width in zip(self._placed, self.widths):
            y = self.height - top
            if placed:
                y += placed[0][0].getSpaceBefore()
            for flowable, h in placed:
                y -= flowable.getSpaceBefore() + h
                flowable.drawOn(self.canv, x + left, y)
                y -= flowable.getSpaceAfter()
            x += width
        if self.rule is not None and self.boxed:
            canvas = self.canv
            canvas.setLineCap(1)
            canvas.setLineJoin(1)
            canvas.setStrokeColor(self.rule[1])
            canvas.setLineWidth(self.rule[0])
            for index in self.boxed:
                x0 = sum(self.widths[:index])
                x1 = x0 + self.widths[index]
                canvas.line(x0, self.height, x1, self.height)
                canvas.line(x0, 0, x1, 0)
                canvas.line(x0, 0, x0, self.height)
                canvas.line(x1, 0, x1, self.height)


class HRule(Flowable):  # type: ignore[misc]
    """A line along the top (or, ``below=True``, the bottom) of an empty box ``width`` x
    ``height``: a signature line, the rule under a letterhead."""

    def __init__(self, width: float, height: float, rule: Rule, *, below: bool = False,
                 hAlign: str = "LEFT") -> None:
        super().__init__()
        self.width, self.height, self.rule, self.hAlign = width, height, rule, hAlign
        self.below = below

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """Its fixed size."""
        return self.width, self.height

    def draw(self) -> None:
        """The line, with a Table's round caps."""
        canvas = self.canv
        canvas.setLineCap(1)
        canvas.setLineJoin(1)
        canvas.setStrokeColor(self.rule[1])
        canvas.setLineWidth(self.rule[0])
        y = 0 if self.below else self.height
        canvas.line(0, y, self.width, y)
