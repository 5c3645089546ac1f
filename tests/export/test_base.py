"""The base renderer's shared pieces: escaping, fonts, dates, column widths."""

from __future__ import annotations

from datetime import date

import pytest
from reportlab.pdfbase import pdfmetrics

from therapist_desk.export import base


def test_esc_neutralizes_markup_and_keeps_line_breaks() -> None:
    assert base.esc("<b>O'Neil & Sons</b>\nline 2") == "&lt;b&gt;O'Neil &amp; Sons&lt;/b&gt;<br/>line 2"
    assert base.esc("bell\x07 and nul\x00") == "bell and nul"


def test_fonts_register_once_and_cover_diacritics() -> None:
    base.register_fonts()
    base.register_fonts()
    font = pdfmetrics.getFont(base.FONT)
    for char in "ëúñøłŐçĀ€–":
        assert ord(char) in font.face.charToGlyph, char


def test_dates() -> None:
    assert base.us_date(date(2026, 11, 3)) == "11/03/2026"
    assert base.long_date(date(2026, 11, 3)) == "November 3, 2026"


def test_widths_are_fractions_of_the_frame() -> None:
    renderer = base.BaseRenderer()
    widths = renderer.widths(0.25, 0.75)
    assert sum(widths) == pytest.approx(renderer.frame_width)
    with pytest.raises(ValueError):
        renderer.widths(0.5, 0.6)
