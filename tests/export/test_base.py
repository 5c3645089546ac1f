"""The base renderer's shared pieces: escaping, fonts, dates, column widths."""

from __future__ import annotations

from datetime import date

import pytest
from reportlab.pdfbase import pdfmetrics

from tests.export import pdf_text
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


def test_stylesheet_is_built_once_and_shared() -> None:
    assert base.stylesheet() is base.stylesheet()
    assert base.BaseRenderer().styles is base.stylesheet()
    assert set(base.stylesheet()) == set(base.build_stylesheet())


def test_cached_font_subsets_write_exactly_what_reportlab_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    from reportlab.pdfbase.ttfonts import TTFont, TTFontFace

    from tests.export.test_letter_render import make_letter
    from tests.export.test_superbill_render import make_superbill
    from therapist_desk.export.letter import render_letter
    from therapist_desk.export.superbill import render_superbill

    superbill, letter = make_superbill(12), make_letter()
    cached = [render_superbill(superbill, invariant=True), render_letter(letter, invariant=True)]
    again = [render_superbill(superbill, invariant=True), render_letter(letter, invariant=True)]
    monkeypatch.setattr(base._BundledFont, "addObjects", TTFont.addObjects)
    monkeypatch.setattr(base._BundledFont, "splitString", TTFont.splitString)
    monkeypatch.setattr(base._SubsetCachingFace, "addSubsetObjects", TTFontFace.addSubsetObjects)
    stock = [render_superbill(superbill, invariant=True), render_letter(letter, invariant=True)]
    assert cached == again == stock


def test_renders_on_two_threads_at_once_are_each_whole() -> None:
    """Renders run on the TaskRunner's worker threads: shared fonts, styles and caches must
    not mix two documents (ReportLab reads a font through one cursor while subsetting)."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.export.test_superbill_render import ACCENTED, make_superbill
    from therapist_desk.export.superbill import render_superbill

    base._compressed_subset.cache_clear()
    base._subset_tables.cache_clear()
    datas = [make_superbill(n) for n in (1, 3, 7, 12, 20, 2, 9, 5)]
    with ThreadPoolExecutor(4) as pool:
        pdfs = list(pool.map(lambda d: render_superbill(d, invariant=True), datas * 3))
    expected = [render_superbill(d, invariant=True) for d in datas * 3]
    assert pdfs == expected
    assert ACCENTED in pdf_text(pdfs[0])


def test_documents_embed_every_font_they_name() -> None:
    """The canvas starts in the bundled font: no stray, unembedded Helvetica object."""
    from tests.export.test_superbill_render import make_superbill
    from therapist_desk.export.superbill import render_superbill

    pdf = render_superbill(make_superbill(3), invariant=True)
    assert b"Helvetica" not in pdf
    assert b"TDSans" not in pdf or b"FontFile2" in pdf

