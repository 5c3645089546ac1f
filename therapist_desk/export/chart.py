"""A line chart of one instrument's scores over time on its severity bands (ReportLab graphics).

Pure: a ``MeasureSeries`` in, a ``Drawing`` (a flowable) out; no Qt, so it renders in a PDF
built on any thread. Drawn with plain shapes rather than ``LinePlot`` so that the bands, a
single-score series and the date labels stay under our control.
"""

from __future__ import annotations

from datetime import date

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors

from therapist_desk.export.base import FONT, FONT_BOLD, INK, MUTED, RULE, register_fonts
from therapist_desk.export.data import MeasureSeries

# Pale fills from "fine" to "severe"; a series with fewer bands takes evenly spaced stops.
_LOW = colors.HexColor("#dcefdc")
_MID = colors.HexColor("#fbf0cf")
_HIGH = colors.HexColor("#f6d6d6")
LINE = colors.HexColor("#1f3a5f")

LEFT = 30.0  # room for the score axis
RIGHT = 104.0  # room for the band labels
BOTTOM = 22.0  # room for the dates
TOP = 20.0  # room for the title
MAX_VALUE_LABELS = 14  # past this many points the numbers above them crowd each other


def band_color(index: int, count: int) -> colors.Color:
    """The fill of band ``index`` of ``count``: green, through yellow, to red."""
    if count <= 1:
        return _LOW
    t = index / (count - 1)
    if t <= 0.5:
        return colors.linearlyInterpolatedColor(_LOW, _MID, 0, 0.5, t)
    return colors.linearlyInterpolatedColor(_MID, _HIGH, 0.5, 1, t)


def _date_label(day: date, span_years: bool) -> str:
    return day.strftime("%m/%d/%y") if span_years else day.strftime("%m/%d")


def _tick_indexes(count: int, most: int = 6) -> list[int]:
    """Up to ``most`` evenly spread indexes, always the first and the last."""
    if count <= most:
        return list(range(count))
    step = (count - 1) / (most - 1)
    return sorted({round(i * step) for i in range(most)})


def measure_chart(series: MeasureSeries, width: float = 470.0, height: float = 150.0) -> Drawing:
    """Scores of one instrument as a line over its severity bands, titled with its scale."""
    register_fonts()
    drawing = Drawing(width, height)
    plot_x, plot_y = LEFT, BOTTOM
    plot_w, plot_h = width - LEFT - RIGHT, height - BOTTOM - TOP
    top_value = max(series.max_total, 1)

    def y_of(value: float) -> float:
        clamped = min(max(value, 0.0), float(top_value))
        return plot_y + plot_h * clamped / top_value

    drawing.add(String(0, height - 12, f"{series.name} (0–{series.max_total})", fontName=FONT_BOLD,
                       fontSize=8.5, fillColor=INK))

    # Bands: integer ranges drawn from low-0.5 to high+0.5 so a score sits inside its band.
    for index, band in enumerate(series.bands):
        y0, y1 = y_of(band.low - 0.5), y_of(band.high + 0.5)
        drawing.add(Rect(plot_x, y0, plot_w, y1 - y0, fillColor=band_color(index, len(series.bands)),
                         strokeColor=None))
        drawing.add(String(plot_x + plot_w + 5, (y0 + y1) / 2 - 2.5, f"{band.label} ({band.low}–{band.high})",
                           fontName=FONT, fontSize=6.5, fillColor=MUTED))
    drawing.add(Rect(plot_x, plot_y, plot_w, plot_h, fillColor=None, strokeColor=RULE, strokeWidth=0.5))

    step = 5 if top_value <= 30 else 10
    for value in range(0, top_value + 1, step):
        y = y_of(value)
        drawing.add(Line(plot_x - 3, y, plot_x, y, strokeColor=RULE, strokeWidth=0.5))
        drawing.add(String(plot_x - 5, y - 2.5, str(value), fontName=FONT, fontSize=6.5,
                           fillColor=MUTED, textAnchor="end"))

    points = sorted(series.points)
    if not points:
        drawing.add(String(plot_x + plot_w / 2, plot_y + plot_h / 2, "No complete scores",
                           fontName=FONT, fontSize=7.5, fillColor=MUTED, textAnchor="middle"))
        return drawing

    first, last = points[0][0].toordinal(), points[-1][0].toordinal()
    pad = plot_w * 0.06

    def x_of(day: date) -> float:
        if last == first:
            return plot_x + plot_w / 2
        return plot_x + pad + (plot_w - 2 * pad) * (day.toordinal() - first) / (last - first)

    coords = [(x_of(day), y_of(score)) for day, score in points]
    if len(coords) > 1:
        flat = [value for xy in coords for value in xy]
        drawing.add(PolyLine(flat, strokeColor=LINE, strokeWidth=1.4))
    for x, y in coords:
        drawing.add(Circle(x, y, 2.2, fillColor=LINE, strokeColor=colors.white, strokeWidth=0.6))
    if len(points) <= MAX_VALUE_LABELS:
        for (x, y), (_, score) in zip(coords, points):
            above = y + 4 if y + 12 < plot_y + plot_h else y - 10
            drawing.add(String(x, above, str(score), fontName=FONT_BOLD, fontSize=6.5, fillColor=INK,
                               textAnchor="middle"))
    span_years = points[0][0].year != points[-1][0].year
    last_label_x = -1e9
    for index in _tick_indexes(len(points)):
        x = coords[index][0]
        if x - last_label_x < 30:  # dates close together: keep the labels apart
            continue
        last_label_x = x
        drawing.add(Line(x, plot_y, x, plot_y - 3, strokeColor=RULE, strokeWidth=0.5))
        drawing.add(String(x, plot_y - 11, _date_label(points[index][0], span_years), fontName=FONT,
                           fontSize=6.5, fillColor=MUTED, textAnchor="middle"))
    return drawing
