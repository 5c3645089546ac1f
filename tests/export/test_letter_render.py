"""The letter renderer and its measure chart, read back with pypdf."""

from __future__ import annotations

from datetime import date, timedelta

from reportlab.graphics.shapes import Drawing, PolyLine, Rect, String

from tests.export import pdf_pages, pdf_text
from therapist_desk.export.chart import band_color, measure_chart
from therapist_desk.export.data import (
    BandSpec,
    LetterBullets,
    LetterData,
    Letterhead,
    LetterHeading,
    LetterMeasures,
    LetterObjectives,
    LetterParagraph,
    MeasureSeries,
    ObjectiveRow,
)
from therapist_desk.export.letter import render_letter

PHQ9_BANDS = (BandSpec(0, 4, "minimal"), BandSpec(5, 9, "mild"), BandSpec(10, 14, "moderate"),
              BandSpec(15, 19, "moderately severe"), BandSpec(20, 27, "severe"))


def make_series(scores: tuple[int, ...] = (18, 15, 12, 8)) -> MeasureSeries:
    return MeasureSeries("PHQ-9", 27, PHQ9_BANDS,
                         tuple((date(2026, 9, 2) + timedelta(days=14 * i), s) for i, s in enumerate(scores)))


def make_letter(**overrides: object) -> LetterData:
    fields: dict[str, object] = dict(
        letterhead=Letterhead("Testwood Counseling (fictional)", "Avery Testwood, LCSW",
                              "License LCSW-000123 (OR)", ("100 Example Way", "Portland, OR 97201"),
                              "(503) 555-0100", "office@example.org"),
        letter_date=date(2026, 11, 20),
        recipient_name="Dr. Example Primary",
        recipient_address_lines=("Example Clinic", "200 Example Ave"),
        client_name="Zoë Núñez-Løvik",
        client_date_of_birth=date(1988, 3, 14),
        blocks=(
            LetterParagraph("Dear Dr. Example,"),
            LetterHeading("Attendance"),
            LetterParagraph("Zoë has attended 12 sessions."),
            LetterObjectives((ObjectiveRow("PHQ-9 below 10", "In progress", date(2027, 2, 1),
                                           "Good progress", date(2026, 11, 18)),
                              ObjectiveRow("Back to work", "Not started"))),
            LetterMeasures((make_series(),)),
            LetterBullets(("Continue weekly sessions", "A & B <i>not markup</i>")),
        ),
        signer_line="Avery Testwood, LCSW",
        signer_detail="License LCSW-000123 (OR) · NPI 1234567893",
        confidentiality_notice="Confidential: protected health information.",
        title="Progress summary letter",
    )
    fields.update(overrides)
    return LetterData(**fields)  # type: ignore[arg-type]


def test_letter_shows_letterhead_recipient_blocks_and_signature() -> None:
    text = pdf_text(render_letter(make_letter(), invariant=True))
    for expected in ("Testwood Counseling (fictional)", "License LCSW-000123 (OR)", "November 20, 2026",
                     "Dr. Example Primary", "Example Clinic", "Re: Zoë Núñez-Løvik, date of birth 03/14/1988",
                     "Attendance", "Zoë has attended 12 sessions.", "PHQ-9 below 10", "In progress",
                     "02/01/2027", "Good progress (11/18/2026)", "Not yet rated", "PHQ-9 (0–27)",
                     "moderately severe (15–19)", "Continue weekly sessions", "A & B <i>not markup</i>",
                     "Sincerely,", "Avery Testwood, LCSW", "NPI 1234567893",
                     "Confidential: protected health information.", "Page 1 of"):
        assert expected in text, expected


def test_long_letter_paginates_with_numbered_footers() -> None:
    blocks = tuple(LetterParagraph(f"Paragraph {i}: " + "words " * 60) for i in range(30))
    pages = pdf_pages(render_letter(make_letter(blocks=blocks), invariant=True))
    assert len(pages) >= 3
    for number, page in enumerate(pages, 1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Confidential · Zoë Núñez-Løvik" in page
    assert all("Dr. Example Primary · Re: Zoë Núñez-Løvik, DOB 03/14/1988" in page for page in pages[1:])


def test_chart_draws_bands_line_and_labels() -> None:
    drawing = measure_chart(make_series())
    assert isinstance(drawing, Drawing)
    rects = [s for s in drawing.contents if isinstance(s, Rect)]
    assert len(rects) == len(PHQ9_BANDS) + 1  # one per band, plus the frame
    assert any(isinstance(s, PolyLine) for s in drawing.contents)
    texts = {s.text for s in drawing.contents if isinstance(s, String)}
    assert {"PHQ-9 (0–27)", "18", "8", "09/02", "minimal (0–4)", "severe (20–27)"} <= texts


def test_chart_with_one_score_or_none_still_draws() -> None:
    single = measure_chart(make_series((12,)))
    assert not any(isinstance(s, PolyLine) for s in single.contents)
    assert "12" in {s.text for s in single.contents if isinstance(s, String)}
    empty = measure_chart(MeasureSeries("GAD-7", 21, (), ()))
    assert "No complete scores" in {s.text for s in empty.contents if isinstance(s, String)}


def test_band_colors_run_from_green_to_red() -> None:
    low, high = band_color(0, 5), band_color(4, 5)
    assert low.green > low.red and high.red > high.green
