"""The plain-text flowables: wrapping as a Paragraph wraps, grids that split, text read back."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Paragraph, SimpleDocTemplate

from tests.export import pdf_pages, pdf_text
from therapist_desk.export.base import esc, register_fonts, stylesheet
from therapist_desk.export.plain import Grid, GridLook, RichLines, TextLines, TextRuns, wrap_text

register_fonts()
STYLES = stylesheet()

WORDS = st.sampled_from([
    "Zoë", "Núñez-Løvik", "Portland,", "OR", "97202", "Example", "Health", "Plan", "of", "the",
    "Greater", "Northwestern", "Region", "PPO", "Apartment", "1234", "Featherstonehaugh-Wolfeschlegel",
    "a", "I", "—", "XQZ123456789", "Suite", "#4", "(503)", "555-0100",
])


def paragraph_lines(text: str, style_name: str, width: float) -> list[str]:
    """The lines ReportLab's own Paragraph makes of ``text``."""
    paragraph = Paragraph(esc(text), STYLES[style_name])
    paragraph.wrap(width, 10_000)
    return [" ".join(words) for _, words in paragraph.blPara.lines]


@settings(max_examples=400, deadline=None)
@given(words=st.lists(WORDS, min_size=1, max_size=14),
       width=st.floats(min_value=40, max_value=260),
       style_name=st.sampled_from(["cell", "label", "small", "subtitle"]))
def test_wrap_text_breaks_where_a_paragraph_breaks(words: list[str], width: float, style_name: str) -> None:
    text = " ".join(words)
    style = STYLES[style_name]
    assert wrap_text(text, style.fontName, style.fontSize, width) == paragraph_lines(text, style_name, width)


def test_wrap_text_keeps_line_breaks_and_drops_control_characters() -> None:
    style = STYLES["cell"]
    assert wrap_text("100 Example Way\r\nSuite 2\x07", style.fontName, style.fontSize, 300) == [
        "100 Example Way", "Suite 2"]
    assert wrap_text("", style.fontName, style.fontSize, 300) == [""]
    assert wrap_text("  two   spaces ", style.fontName, style.fontSize, 300) == ["two spaces"]


def build(*flowables: object) -> bytes:
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=LETTER, invariant=1).build(list(flowables))
    return out.getvalue()


def test_text_flowables_draw_their_text() -> None:
    runs = TextRuns([("TDSans-Bold", "Date issued"), ("TDSans", " 11/20/2026")], STYLES["right_small"])
    rich = RichLines([("TDSans-Bold", "Codes: "), ("TDSans", "90834 Psychotherapy, 45 min. " * 8)],
                     STYLES["small"])
    lines = TextLines("<b>Robin</b> & Co " * 3, STYLES["cell"])
    text = pdf_text(build(runs, rich, lines))
    assert "Date issued 11/20/2026" in text
    assert "Codes: 90834 Psychotherapy, 45 min." in text
    assert "<b>Robin</b> & Co" in text, "plain text is never parsed as markup"
    rich.wrap(200, 1000)
    assert len(rich.lines) > 1, "long rich text wraps"



@pytest.mark.parametrize("alignment", [TA_LEFT, TA_CENTER, TA_RIGHT])
def test_one_line_of_each_text_flowable_lands_in_the_same_place(alignment: int) -> None:
    """TextLines, TextRuns and RichLines share their height, first baseline and alignment."""
    style = STYLES["cell"].clone("aligned", alignment=alignment, leftIndent=3, rightIndent=5)
    flowables = [TextLines("Date issued", style),
                 TextRuns([(style.fontName, "Date issued")], style),
                 RichLines([(style.fontName, "Date issued")], style)]
    assert {f.wrap(200, 100) for f in flowables} == {(200, style.leading)}
    used = pdfmetrics.stringWidth("Date issued", style.fontName, style.fontSize)
    expected = {TA_LEFT: 3, TA_CENTER: (3 + 195 - used) / 2, TA_RIGHT: 195 - used}[alignment]
    assert {f._line_x(used) for f in flowables} == {expected}
    assert {f._first_baseline() for f in flowables} == {style.leading - style.fontSize}

LOOK = GridLook(padding=(4, 4, 3, 3), valign="MIDDLE")


def grid(rows: int) -> Grid:
    cells = [["Date", "Code"]] + [[f"row {i}", "90834"] for i in range(rows)]
    return Grid(cells, [100, 100], LOOK, [STYLES["cell"], STYLES["cell_right"]],
                header=[STYLES["th"], STYLES["th_right"]])


def test_grid_rows_wrap_and_heights_follow_the_longest_cell() -> None:
    long = Grid([["a", "word " * 30]], [100, 100], LOOK, [STYLES["cell"], STYLES["cell"]])
    leading = STYLES["cell"].leading
    assert long.height > 3 * leading
    assert long.wrap(500, 500) == (200, long.height)


def test_grid_splits_with_the_header_on_every_part() -> None:
    table = grid(60)
    first, rest = table.split(200, 300)
    assert first.rows[0] == rest.rows[0] == table.rows[0]
    assert len(first.rows) - 1 + len(rest.rows) - 1 == 60
    assert first.height <= 300
    assert grid(2).split(200, 300) == [], "what fits whole is not split"
    assert grid(5).split(200, 20) == [], "not even the header and one row: move it whole"
    pages = pdf_pages(build(grid(120)))
    assert len(pages) >= 2 and all(page.startswith("Date Code") for page in pages)
    assert "row 119" in pages[-1]


@pytest.mark.parametrize("valign", ["TOP", "MIDDLE", "BOTTOM"])
def test_grid_draws_every_cell(valign: str) -> None:
    look = GridLook(valign=valign, header_fill=STYLES["th"].textColor, zebra=(None,),
                    bottom_rule=(0.6, STYLES["cell"].textColor), box=(0.6, STYLES["cell"].textColor))
    table = Grid([["A", "B"], ["x\ny", "z"]], [80, 80], look, [STYLES["cell"], STYLES["cell"]],
                 header=[STYLES["th"], STYLES["th"]])
    text = pdf_text(build(table))
    assert all(part in text for part in ("A", "B", "x", "y", "z"))
