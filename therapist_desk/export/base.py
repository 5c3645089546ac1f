"""The base PDF renderer: page geometry, bundled fonts, a named stylesheet, "Page X of Y".

Subclasses (superbill, letter, statement) only build a story of flowables from frozen data
(pretix ``BaseReportlabInvoiceRenderer`` is the model). User text goes through ``esc()`` before
it becomes a ``Paragraph``: ReportLab parses paragraph text as markup, so a name such as
"<b>O'Neil & Sons" must not be read as tags or entities.
"""

from __future__ import annotations

import functools
import io
import re
import threading
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import (
    FF_NONSYMBOLIC,
    FF_SYMBOLIC,
    SUBSETN,
    TTFont,
    TTFontFace,
    makeToUnicodeCMap,
)
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from therapist_desk.resources import resource_path

FONT = "TDSans"
FONT_BOLD = "TDSans-Bold"
_FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}

INK = colors.HexColor("#1b1f24")
MUTED = colors.HexColor("#5b6470")
ACCENT = colors.HexColor("#1f3a5f")
RULE = colors.HexColor("#9aa3ad")
FILL = colors.HexColor("#e9eef4")
ZEBRA = colors.HexColor("#f5f7f9")

_fonts_lock = threading.Lock()
_fonts_ready = False
_styles_lock = threading.Lock()
_styles: Mapping[str, ParagraphStyle] | None = None

# C0 control characters other than tab and newline: invisible at best, a broken glyph at worst.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# ReportLab's TTFontFile reads the font through a shared cursor (``_pos``): two threads
# subsetting the same face at once would read each other's tables.
_subset_lock = threading.Lock()


class _SubsetCachingFace(TTFontFace):  # type: ignore[misc]  # ReportLab ships no type hints
    """A TrueType face that keeps its compressed subsets for the next document.

    Every PDF embeds a subset of each font it uses: the glyphs it prints, in first-use order
    after all of ASCII. Making one (parse, rebuild the tables, deflate ~36 KB) took ~2 ms per
    font and per document, a fifth of a superbill; documents of one kind use the same glyphs,
    so after the first one the subset comes from here. The bytes are exactly what ReportLab
    makes (same ``makeSubset``, same zlib level), so the PDF is identical.
    """

    def addSubsetObjects(self, doc: Any, fontname: str, subset: Sequence[int]) -> Any:
        """ReportLab's ``TTFontFace.addSubsetObjects``, with the font file from the cache."""
        if not doc.compression:
            return super().addSubsetObjects(doc, fontname, subset)
        packed, length = _compressed_subset(self, tuple(subset))
        font_file = _deflated_stream(packed)
        font_file.dictionary["Length1"] = length
        font_file_ref = doc.Reference(font_file, f"fontFile:{self.filename}({fontname})")
        descriptor = pdfdoc.PDFDictionary({
            "Type": "/FontDescriptor",
            "Ascent": self.ascent,
            "CapHeight": self.capHeight,
            "Descent": self.descent,
            "Flags": (self.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
            "FontBBox": pdfdoc.PDFArray(self.bbox),
            "FontName": pdfdoc.PDFName(fontname),
            "ItalicAngle": self.italicAngle,
            "StemV": self.stemV,
            "FontFile2": font_file_ref,
            "MissingWidth": self.defaultWidth,
        })
        return doc.Reference(descriptor, "fontDescriptor:" + fontname)


@functools.lru_cache(maxsize=64)
def _compressed_subset(face: _SubsetCachingFace, subset: tuple[int, ...]) -> tuple[bytes, int]:
    """(deflated subset, its uncompressed length); ~20 KB each, so 64 of them stay small."""
    with _subset_lock:
        raw = face.makeSubset(list(subset))
    return pdfdoc.PDFZCompress.encode(raw), len(raw)


class _BundledFont(TTFont):  # type: ignore[misc]
    """A bundled TrueType font that reuses, from one document to the next, every PDF object of
    a subset that depends only on the subset: the font file (``_SubsetCachingFace``), the
    widths array (formatting ~130 numbers) and the deflated ToUnicode map."""

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        # The face ReportLab just parsed, given the one overridden method (no state added).
        self.face.__class__ = _SubsetCachingFace
        # Whether the face has every printable ASCII glyph (then subset 0 holds them all).
        self._ascii_glyphs = all(code in self.face.charToGlyph for code in range(32, 127))

    def splitString(self, text: str, doc: Any, encoding: str = "utf-8") -> list[tuple[int, bytes]]:
        """``TTFont.splitString`` (text -> (subset, codes) runs), without its per-character loop
        for printable ASCII: with ``asciiReadable`` (ReportLab's default) every document's subset
        0 maps those characters to their own codes from the start, so the answer is the text
        (tests/export/test_base.py checks the PDFs against ReportLab's own, byte for byte)."""
        if (self._asciiReadable and isinstance(text, str) and text.isascii() and text.isprintable()
                and self._ascii_glyphs and doc in self.state):
            return [(0, text.encode("ascii"))] if text else []
        result: list[tuple[int, bytes]] = super().splitString(text, doc, encoding)
        return result

    def addObjects(self, doc: Any) -> None:
        """ReportLab's ``TTFont.addObjects`` (one font dictionary per subset), cached parts."""
        state = self.state.get(doc)
        if state is None or not doc.compression:
            super().addObjects(doc)
            return
        state.frozen = 1
        font_dict = doc.idToObject["BasicFonts"].dict
        face = self.face
        for n, subset in enumerate(state.subsets):
            internal_name = self.getSubsetInternalName(n, doc)[1:]
            base_name = b"".join((SUBSETN(n), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
            widths, cmap = _subset_tables(face, tuple(subset), base_name)
            font = pdfdoc.PDFTrueTypeFont()
            font.__Comment__ = f"Font {self.fontName} subset {n}"
            font.Name = internal_name
            font.BaseFont = base_name
            font.FirstChar = 0
            font.LastChar = len(subset) - 1
            font.Widths = widths  # bytes are written as they are
            font.ToUnicode = doc.Reference(_deflated_stream(cmap), "toUnicodeCMap:" + base_name)
            font.FontDescriptor = face.addSubsetObjects(doc, base_name, subset)
            doc.Reference(font, internal_name)
            font_dict[internal_name] = font
        del self.state[doc]


@functools.lru_cache(maxsize=64)
def _subset_tables(face: TTFontFace, subset: tuple[int, ...], base_name: str) -> tuple[bytes, bytes]:
    """(the formatted /Widths array, the deflated ToUnicode CMap) of one subset."""
    widths = pdfdoc.PDFArray([face.getCharWidth(code) for code in subset]).format(None)
    cmap = makeToUnicodeCMap(base_name, list(subset))
    return widths, pdfdoc.PDFZCompress.encode(cmap)


def _deflated_stream(packed: bytes) -> Any:
    """A PDF stream of already deflated bytes (a stream with a Filter is written as it is)."""
    stream = pdfdoc.PDFStream(content=packed)
    stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName(pdfdoc.PDFZCompress.pdfname)])
    return stream


def register_fonts() -> None:
    """Register the bundled DejaVu Sans family once per process (thread-safe)."""
    global _fonts_ready
    with _fonts_lock:
        if _fonts_ready:
            return
        for name, filename in _FONT_FILES.items():
            pdfmetrics.registerFont(_BundledFont(name, str(resource_path("fonts", filename))))
        # No italic faces are bundled; <i> falls back to the upright ones.
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT,
                                      boldItalic=FONT_BOLD)
        _fonts_ready = True


def clean(text: str) -> str:
    """User text with ``\n`` line ends and without control characters (tab and newline stay)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def esc(text: str) -> str:
    """Escape user text for a Paragraph: &, <, > become entities, newlines become <br/>."""
    return escape(clean(text)).replace("\n", "<br/>")


def us_date(day: date) -> str:
    """11/03/2026: how insurers and the CMS-1500 write a date."""
    return day.strftime("%m/%d/%Y")


def long_date(day: date) -> str:
    """November 3, 2026: how a letter is dated (no locale: the same on every machine)."""
    months = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
    return f"{months[day.month - 1]} {day.day}, {day.year}"


def build_stylesheet() -> dict[str, ParagraphStyle]:
    """The named styles every renderer shares."""
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5, textColor=INK)

    def derive(name: str, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **kw)

    return {
        "body": base,
        "title": derive("title", fontName=FONT_BOLD, fontSize=14.5, leading=18, textColor=ACCENT),
        "subtitle": derive("subtitle", fontSize=9, leading=11.5, textColor=MUTED),
        "h2": derive("h2", fontName=FONT_BOLD, fontSize=10, leading=13, textColor=ACCENT,
                     spaceBefore=9, spaceAfter=4),
        "small": derive("small", fontSize=7.5, leading=9.5, textColor=MUTED),
        "small_bold": derive("small_bold", fontName=FONT_BOLD, fontSize=7.5, leading=9.5,
                             textColor=MUTED),
        "cell": derive("cell", fontSize=8.5, leading=10.5),
        "cell_bold": derive("cell_bold", fontName=FONT_BOLD, fontSize=8.5, leading=10.5),
        "cell_right": derive("cell_right", fontSize=8.5, leading=10.5, alignment=TA_RIGHT),
        "cell_right_bold": derive("cell_right_bold", fontName=FONT_BOLD, fontSize=8.5,
                                  leading=10.5, alignment=TA_RIGHT),
        "cell_center": derive("cell_center", fontSize=8.5, leading=10.5, alignment=TA_CENTER),
        "label": derive("label", fontSize=7.5, leading=10.5, textColor=MUTED),
        "th": derive("th", fontName=FONT_BOLD, fontSize=7.5, leading=9.5, textColor=colors.white),
        "th_right": derive("th_right", fontName=FONT_BOLD, fontSize=7.5, leading=9.5,
                           textColor=colors.white, alignment=TA_RIGHT),
        "th_center": derive("th_center", fontName=FONT_BOLD, fontSize=7.5, leading=9.5,
                            textColor=colors.white, alignment=TA_CENTER),
        "box_head": derive("box_head", fontName=FONT_BOLD, fontSize=7.5, leading=9.5,
                           textColor=colors.white),
        "right": derive("right", alignment=TA_RIGHT),
        "right_small": derive("right_small", fontSize=8.5, leading=11, alignment=TA_RIGHT,
                              textColor=MUTED),
        "letterhead_name": derive("letterhead_name", fontName=FONT_BOLD, fontSize=15, leading=18,
                                  textColor=ACCENT),
        "letterhead": derive("letterhead", fontSize=8.5, leading=11, textColor=MUTED),
        "letter": derive("letter", fontSize=10.5, leading=15, spaceAfter=8, alignment=TA_LEFT),
        "letter_heading": derive("letter_heading", fontName=FONT_BOLD, fontSize=10.5, leading=14,
                                 textColor=ACCENT, spaceBefore=6, spaceAfter=4),
        "bullet": derive("bullet", fontSize=10.5, leading=14.5, leftIndent=14, bulletIndent=3,
                         spaceAfter=2),
        "notice": derive("notice", fontSize=7.5, leading=9.5, textColor=MUTED),
    }


def stylesheet() -> Mapping[str, ParagraphStyle]:
    """The shared stylesheet, built once per process (thread-safe); never change its styles."""
    global _styles
    with _styles_lock:
        if _styles is None:
            _styles = build_stylesheet()
        return _styles


class _FooterCanvas(Canvas):  # type: ignore[misc]  # ReportLab ships no type hints
    """Holds every page until save() so each footer can say "Page X of Y"."""

    footer: Any = None  # set on each canvas by render(): callable(canvas, page, total)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._page_states: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._page_states)
        for state in self._page_states:
            self.__dict__.update(state)
            if self.footer is not None:
                self.footer(self, self.getPageNumber(), total)
            Canvas.showPage(self)
        Canvas.save(self)


class BaseRenderer:
    """Frozen data in, PDF bytes out. Subclasses implement ``story()`` and ``footer_left()``."""

    pagesize: tuple[float, float] = LETTER
    left_margin = 0.6 * inch
    right_margin = 0.6 * inch
    top_margin = 0.55 * inch
    bottom_margin = 0.8 * inch
    title = "Document"
    subject = ""
    author = ""

    def __init__(self, *, invariant: bool = False) -> None:
        """``invariant=True`` makes byte-identical output (fixed dates and ids), for tests."""
        register_fonts()
        self.invariant = invariant
        self.styles = stylesheet()

    # --- geometry ---------------------------------------------------------------------------

    @property
    def frame_width(self) -> float:
        return float(self.pagesize[0] - self.left_margin - self.right_margin)

    @property
    def frame_height(self) -> float:
        return float(self.pagesize[1] - self.top_margin - self.bottom_margin)

    def widths(self, *fractions: float, of: float | None = None) -> list[float]:
        """Column widths as fractions of the frame (or of ``of``); they must add up to 1."""
        if abs(sum(fractions) - 1.0) > 1e-6:
            raise ValueError("column fractions must add up to 1")
        total = self.frame_width if of is None else of
        return [total * f for f in fractions]

    # --- building blocks --------------------------------------------------------------------

    def p(self, text: str, style: str = "body") -> Paragraph:
        """A paragraph of user (or any plain) text: always escaped."""
        return Paragraph(esc(text), self.styles[style])

    def markup(self, trusted: str, style: str = "body") -> Paragraph:
        """A paragraph of markup the renderer built itself, with user parts passed through esc()."""
        return Paragraph(trusted, self.styles[style])

    def table(
        self,
        rows: Sequence[Sequence[Any]],
        widths: Sequence[float],
        *,
        header: bool = True,
        zebra: bool = True,
        repeat_header: bool = True,
        extra: Sequence[tuple[Any, ...]] = (),
    ) -> Table:
        """A ruled table; the first row is a dark header repeated on every page."""
        table = Table(list(rows), colWidths=list(widths), repeatRows=1 if header and repeat_header else 0,
                      hAlign="LEFT")
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("LINEBELOW", (0, -1), (-1, -1), 0.6, RULE),
            ("BOX", (0, 0), (-1, -1), 0.6, RULE),
        ]
        if header:
            commands += [("BACKGROUND", (0, 0), (-1, 0), ACCENT)]
        first_body = 1 if header else 0
        if zebra:
            commands.append(("ROWBACKGROUNDS", (0, first_body), (-1, -1), [colors.white, ZEBRA]))
        commands.append(("LINEBELOW", (0, first_body), (-1, -1), 0.25, colors.HexColor("#d5dae0")))
        commands += list(extra)
        table.setStyle(TableStyle(commands))
        return table

    def signature_image(self, png: bytes | None, max_width: float, max_height: float) -> Image | None:
        """The clinician's signature image scaled to fit, or None when absent or unreadable."""
        if not png:
            return None
        size = _image_size(png)
        if size is None:
            return None
        width, height = size
        scale = min(max_width / width, max_height / height)
        image = Image(io.BytesIO(png), width=width * scale, height=height * scale)
        image.hAlign = "LEFT"
        return image

    # --- what subclasses provide ------------------------------------------------------------

    def story(self) -> list[Flowable]:
        raise NotImplementedError

    def footer_left(self) -> str:
        """Identifies the document on every page (e.g. the client's name and date of birth)."""
        return ""

    def continuation_header(self) -> str:
        """A line at the top of pages 2 and on, so a page read alone still says what it is."""
        return ""

    # --- output -----------------------------------------------------------------------------

    def _draw_footer(self, canvas: Canvas, page: int, total: int) -> None:
        canvas.saveState()
        y = self.bottom_margin - 0.38 * inch
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(self.left_margin, y + 11, self.pagesize[0] - self.right_margin, y + 11)
        canvas.setFillColor(MUTED)
        canvas.setFont(FONT, 7.5)
        right = f"Page {page} of {total}"
        right_width = pdfmetrics.stringWidth(right, FONT, 7.5)
        room = self.frame_width - right_width - 12
        left = _fit(_CONTROL.sub("", self.footer_left()), FONT, 7.5, room)
        canvas.drawString(self.left_margin, y, left)
        canvas.drawRightString(self.pagesize[0] - self.right_margin, y, right)
        header = _CONTROL.sub("", self.continuation_header())
        if page > 1 and header:
            top = self.pagesize[1] - self.top_margin + 12
            canvas.drawString(self.left_margin, top, _fit(header, FONT, 7.5, self.frame_width))
            canvas.line(self.left_margin, top - 4, self.pagesize[0] - self.right_margin, top - 4)
        canvas.restoreState()

    def render(self) -> bytes:
        """Build the PDF in memory and return its bytes (nothing touches the disk)."""
        buffer = io.BytesIO()
        doc = BaseDocTemplate(
            buffer,
            pagesize=self.pagesize,
            leftMargin=self.left_margin,
            rightMargin=self.right_margin,
            topMargin=self.top_margin,
            bottomMargin=self.bottom_margin,
            title=self.title,
            author=self.author,
            subject=self.subject,
            creator="Therapist Desk",
            producer="Therapist Desk (ReportLab)",
            invariant=1 if self.invariant else 0,
            lang="en-US",
            # The canvas starts in this font, not Helvetica: nothing is ever drawn in the
            # initial font, and Helvetica's font object (an encoding of ~110 glyph names, built
            # and written again for every document) was ~0.2-0.3 ms of each render. Never
            # embedded, it was also the one font of the file a viewer had to substitute.
            initialFontName=FONT,
        )
        frame = Frame(self.left_margin, self.bottom_margin, self.frame_width, self.frame_height,
                      id="body", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        footer = self._draw_footer

        def make_canvas(*args: Any, **kwargs: Any) -> _FooterCanvas:
            # An instance attribute, not a new subclass per document (a class is slow to make
            # and only the cyclic garbage collector frees it).
            canvas = _FooterCanvas(*args, **kwargs)
            canvas.footer = footer
            return canvas

        doc.build(self.story(), canvasmaker=make_canvas)
        return buffer.getvalue()


@functools.lru_cache(maxsize=8)
def _image_size(png: bytes) -> tuple[int, int] | None:
    """(width, height) of an image, or None when it is unreadable or empty. Cached: a batch
    prints the same signature on every superbill, and decoding it was ~0.2 ms each time."""
    try:
        width, height = ImageReader(io.BytesIO(png)).getSize()
    except Exception:  # noqa: BLE001 - a broken image must not stop a superbill
        return None
    return (int(width), int(height)) if width > 0 and height > 0 else None


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Cut ``text`` with an ellipsis so it fits ``width`` points."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"
