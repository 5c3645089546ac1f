"""A client's PHQ-9, GAD-7 and PCL-5 scores over time (Qt Charts), one tab per instrument.

Each chart shows the severity bands as shaded areas with their names, the scores as a line,
the baseline as a dashed line, and markers where the score met response or remission (PHQ-9),
reliably improved, or reliably worsened (PHQ-9 +5 by default, GAD-7 +4, PCL-5 10 points); a
plain-words summary sits under it. Incomplete forms are never plotted; the page says how many
were left out. The clinician may pick another baseline; the pick is kept while the widget lives,
never stored.

``MeasureChartWidget(ctx, parent=None)``, ``set_client(client_id | None)``, ``refresh()``. It
refreshes itself when ``ctx.signals.client_changed`` names its client (a measure was saved) and
clears itself on ``about_to_lock``.

objectNames: measureChartWidget, measureChartTabs, measureChartEmpty; per instrument
(phq9, gad7, pcl5): measureChartPage_<i>, measureChart_<i> (the QChartView),
measureBaseline_<i> (combo), measureSummary_<i>, measureSkipped_<i>.
"""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCharts import (
    QAreaSeries,
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
    QScatterSeries,
    QValueAxis,
    QXYSeries,
)
from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QDateTime,
    QEvent,
    QMargins,
    QPointF,
    Qt,
    QTime,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QCursor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsSimpleTextItem,
    QHBoxLayout,
    QLabel,
    QTabWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.enums import Instrument
from therapist_desk.domain.measures import INSTRUMENTS, ScoreBand
from therapist_desk.services.measure_trends import InstrumentTrend, TrendPoint, client_trends
from therapist_desk.services.vault_access import RecordNotFound, VaultError
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.widgets import hint_label

log = logging.getLogger(__name__)

DAY_MS = 24 * 60 * 60 * 1000

# Band tints from calm to alarming; picked per band position, so GAD-7's 4 bands and PCL-5's 2
# use the ends of the same scale.
_BAND_TINTS = ("#2e7d32", "#9e9d24", "#f9a825", "#ef6c00", "#c62828")


def tr(text: str) -> str:
    return QCoreApplication.translate("MeasureChart", text)


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def band_tint(index: int, count: int) -> QColor:
    if count <= 1:
        return QColor(_BAND_TINTS[0])
    position = round(index * (len(_BAND_TINTS) - 1) / (count - 1))
    return QColor(_BAND_TINTS[position])


def sentence_case(text: str) -> str:
    """"probable PTSD" -> "Probable PTSD" (str.capitalize would lower the acronym)."""
    return text[:1].upper() + text[1:]


def band_label(band: ScoreBand) -> str:
    return f"{sentence_case(band.label)} {band.low}\u2013{band.high}"


def change_words(instrument: Instrument) -> tuple[str, str]:
    """How a change past the instrument's threshold is named: (better, worse).

    The PHQ-9 and GAD-7 thresholds are reliable-change points; the PCL-5's 10 points are the
    clinically meaningful change (DOMAIN.md).
    """
    if instrument is Instrument.PCL5:
        return tr("Meaningfully better"), tr("Meaningfully worse")
    return tr("Reliably better"), tr("Reliably worse")


def msecs(day: date) -> float:
    """Noon of ``day`` in ms since the epoch: what QDateTimeAxis plots."""
    return float(QDateTime(QDate(day.year, day.month, day.day), QTime(12, 0)).toMSecsSinceEpoch())


def _points_word(points: int) -> str:
    return tr("1 point") if abs(points) == 1 else tr("{0} points").format(abs(points))


def summary_text(trend: InstrumentTrend) -> str:
    """One plain-words line: baseline -> latest, and what the change means."""
    name = INSTRUMENTS[trend.instrument].name
    baseline, latest = trend.baseline, trend.latest
    if baseline is None or latest is None:
        return tr("{0}: no complete scores in this episode yet.").format(name)
    which = tr("baseline, picked") if trend.baseline_picked else tr("baseline")
    change = trend.change
    if change is None:
        return tr("{0}: {1} ({2}) on {3} ({4}). Give it again to see change.").format(
            name, baseline.total, baseline.band, baseline.administered_on.isoformat(), which)
    parts = [tr("{0}: {1} \u2192 {2} since {3} ({4}).").format(
        name, baseline.total, latest.total, baseline.administered_on.isoformat(), which)]
    if trend.instrument is Instrument.PHQ9:
        parts.append(tr("Response: yes.") if change.response else tr("Response: not yet."))
        parts.append(tr("Remission: yes.") if change.remission else tr("Remission: not yet."))
    rule = tr("{0} or more counts").format(change.reliable_change_points)
    better, worse = change_words(trend.instrument)
    if change.reliable_deterioration:
        parts.append(tr("{0}: up {1} ({2}).").format(worse, _points_word(change.change), rule))
    elif change.reliable_improvement:
        parts.append(tr("{0}: down {1} ({2}).").format(better, _points_word(change.change), rule))
    elif change.change == 0:
        parts.append(tr("No change."))
    else:
        direction = tr("up") if change.change > 0 else tr("down")
        parts.append(tr("Change: {0} {1}, below the {2}-point threshold.").format(
            direction, _points_word(change.change), change.reliable_change_points))
    if not change.reliable_deterioration:
        earlier = [p for p in trend.points if p.reliable_deterioration]
        if earlier:
            parts.append(tr("{0} on {1}.").format(worse, earlier[-1].administered_on.isoformat()))
    if trend.instrument is Instrument.PCL5:
        parts.append(tr("Latest: {0}.").format(latest.band))
    return " ".join(parts)


def skipped_text(trend: InstrumentTrend) -> str:
    parts = []
    if trend.incomplete_skipped == 1:
        parts.append(tr("1 incomplete form not plotted (not scored)."))
    elif trend.incomplete_skipped:
        parts.append(tr("{0} incomplete forms not plotted (not scored).").format(trend.incomplete_skipped))
    if trend.before_episode and trend.episode_start is not None:
        start = trend.episode_start.isoformat()
        if trend.before_episode == 1:
            parts.append(tr("1 result from before the intake on {0} not shown.").format(start))
        else:
            parts.append(tr("{0} results from before the intake on {1} not shown.").format(
                trend.before_episode, start))
    return " ".join(parts)


def point_text(point: TrendPoint) -> str:
    text = f"{point.administered_on.isoformat()}: {point.total} ({point.band})"
    if point.is_baseline:
        text += tr(", baseline")
    flags = [word for flag, word in (
        (point.response, tr("response")), (point.remission, tr("remission")),
        (point.reliable_improvement, tr("better past the threshold")),
        (point.reliable_deterioration, tr("worse past the threshold")),
    ) if flag]
    return text + (", " + ", ".join(flags) if flags else "")


class ChartColours:
    """Every colour the chart uses, picked once for a light or a dark palette."""

    def __init__(self, palette: QPalette) -> None:
        dark = is_dark(palette)
        self.dark = dark
        self.background = palette.color(QPalette.ColorRole.Base)
        self.text = palette.color(QPalette.ColorRole.Text)
        self.muted = palette.color(QPalette.ColorRole.PlaceholderText)
        grid = QColor(self.text)
        grid.setAlpha(40)
        self.grid = grid
        self.band_alpha = 70 if dark else 46
        self.score = QColor("#90caf9" if dark else "#1565c0")
        self.baseline = QColor("#e0e0e0" if dark else "#424242")
        self.response = QColor("#81c784" if dark else "#2e7d32")
        self.remission = QColor("#ffd54f" if dark else "#f9a825")
        self.worse = QColor("#ff8a80" if dark else "#c62828")
        self.better = QColor("#80deea" if dark else "#00838f")


class InstrumentChartPage(QWidget):
    """One instrument: baseline picker, the chart, the summary line and what was left out."""

    def __init__(self, owner: MeasureChartWidget, instrument: Instrument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._owner = owner
        self.instrument = instrument
        self.spec = INSTRUMENTS[instrument]
        self.trend: InstrumentTrend | None = None
        key = instrument.value
        self.setObjectName(f"measureChartPage_{key}")

        self.baseline_combo = QComboBox()
        self.baseline_combo.setObjectName(f"measureBaseline_{key}")
        self.baseline_combo.setAccessibleName(tr("{0} baseline").format(self.spec.name))
        self.baseline_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.baseline_combo.activated.connect(self.on_baseline_combo_activated)
        baseline_label = QLabel(tr("&Baseline:"))
        baseline_label.setBuddy(self.baseline_combo)

        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.view = QChartView(self.chart)
        self.view.setObjectName(f"measureChart_{key}")
        self.view.setAccessibleName(tr("{0} scores over time").format(self.spec.name))
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(260)
        self.chart.plotAreaChanged.connect(self.on_chart_plot_area_changed)

        self.summary = QLabel()
        self.summary.setObjectName(f"measureSummary_{key}")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.skipped = hint_label("")
        self.skipped.setObjectName(f"measureSkipped_{key}")

        top = QHBoxLayout()
        top.addWidget(baseline_label)
        top.addWidget(self.baseline_combo)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 6, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.skipped)

        self.score_series: QLineSeries | None = None
        self.baseline_series: QLineSeries | None = None
        self.band_series: list[QAreaSeries] = []
        self.marker_series: dict[str, QScatterSeries] = {}
        self._band_labels: list[tuple[QGraphicsSimpleTextItem, ScoreBand]] = []
        self._score_labels: list[tuple[QGraphicsSimpleTextItem, TrendPoint]] = []
        self.set_trend(None)

    # --- public ----------------------------------------------------------------------------

    def set_trend(self, trend: InstrumentTrend | None) -> None:
        self.trend = trend
        self._fill_baseline_combo()
        self._build_chart()
        if trend is None:
            self.summary.setText("")
            self.skipped.setText("")
            self.skipped.hide()
            return
        self.summary.setText(summary_text(trend))
        skipped = skipped_text(trend)
        self.skipped.setText(skipped)
        self.skipped.setVisible(bool(skipped))
        self.view.setAccessibleDescription("; ".join(point_text(p) for p in trend.points))

    # --- slots -----------------------------------------------------------------------------

    @Slot(int)
    def on_baseline_combo_activated(self, index: int) -> None:
        self._owner.pick_baseline(self.instrument, self.baseline_combo.itemData(index))

    @Slot()
    def on_chart_plot_area_changed(self) -> None:
        self._place_labels()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.PaletteChange:
            self._build_chart()
        super().changeEvent(event)

    # --- internals -------------------------------------------------------------------------

    def _fill_baseline_combo(self) -> None:
        combo = self.baseline_combo
        combo.blockSignals(True)
        combo.clear()
        trend = self.trend
        points = trend.points if trend else ()
        combo.addItem(tr("First complete score of the episode"), None)
        for point in points:
            combo.addItem(f"{point.administered_on.isoformat()} \u2014 {point.total}", point.measure_id)
        if trend is not None and trend.baseline_picked and trend.baseline is not None:
            combo.setCurrentIndex(max(0, combo.findData(trend.baseline.measure_id)))
        else:
            combo.setCurrentIndex(0)
        combo.setEnabled(len(points) > 1)
        combo.blockSignals(False)

    def _build_chart(self) -> None:
        chart = self.chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        for item in [label for label, _ in self._band_labels] + [label for label, _ in self._score_labels]:
            if item.scene() is not None:
                item.scene().removeItem(item)
        self._band_labels = []
        self._score_labels = []
        self.score_series = self.baseline_series = None
        self.band_series = []
        self.marker_series = {}

        colours = ChartColours(self.palette())
        chart.setTheme(QChart.ChartTheme.ChartThemeDark if colours.dark else QChart.ChartTheme.ChartThemeLight)
        chart.setBackgroundBrush(QBrush(colours.background))
        chart.setBackgroundRoundness(0)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.legend().setLabelColor(colours.text)
        self.view.setBackgroundBrush(QBrush(colours.background))

        trend = self.trend
        points = trend.points if trend else ()
        if points:
            first, last = points[0].administered_on, points[-1].administered_on
        else:
            first = last = self._owner.today()
        span = (last - first).days
        pad_days = max(7, round(span * 0.06))
        x_min = msecs(first) - pad_days * DAY_MS
        x_max = msecs(last) + pad_days * DAY_MS

        x_axis = QDateTimeAxis()
        x_axis.setFormat("yyyy-MM-dd")
        x_axis.setTickCount(max(2, min(6, len(points) + 1)))
        x_axis.setRange(QDateTime.fromMSecsSinceEpoch(int(x_min)), QDateTime.fromMSecsSinceEpoch(int(x_max)))
        y_axis = QValueAxis()
        y_axis.setRange(0, self.spec.max_total)
        y_axis.setTickType(QValueAxis.TickType.TicksDynamic)
        y_axis.setTickAnchor(0)
        y_axis.setTickInterval(5 if self.spec.max_total <= 30 else 10)
        y_axis.setLabelFormat("%d")
        y_axis.setTitleText(tr("Total"))
        for axis in (x_axis, y_axis):
            axis.setLabelsColor(colours.text)
            axis.setGridLineColor(colours.grid)
            axis.setLinePenColor(colours.grid)
            axis.setTitleBrush(QBrush(colours.muted))
            axis.setMinorGridLineVisible(False)
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)

        bands = trend.bands if trend else self.spec.bands
        for index, band in enumerate(bands):
            self._add_band(band, index, len(bands), x_min, x_max, colours, x_axis, y_axis)

        if trend is not None and points:
            self._add_score_line(points, colours, x_axis, y_axis)
            baseline = trend.baseline
            if baseline is not None:
                self._add_baseline(baseline, colours, x_min, x_max, x_axis, y_axis)
                if self.instrument is Instrument.PHQ9 and baseline.total > 0 and len(points) > 1:
                    self._add_response_threshold(baseline.total // 2, colours, x_min, x_max, x_axis, y_axis)
            self._add_markers(points, colours, x_axis, y_axis)
        chart.setTitle("" if points else tr("No complete {0} scores yet").format(self.spec.name))
        chart.setTitleBrush(QBrush(colours.muted))
        self._place_labels()

    def _attach(self, series: QXYSeries | QAreaSeries, x_axis: QDateTimeAxis, y_axis: QValueAxis,
                *, in_legend: bool = True) -> None:
        self.chart.addSeries(series)
        series.attachAxis(x_axis)
        series.attachAxis(y_axis)
        if not in_legend:
            for marker in self.chart.legend().markers(series):
                marker.setVisible(False)

    def _add_band(self, band: ScoreBand, index: int, count: int, x_min: float, x_max: float,
                  colours: ChartColours, x_axis: QDateTimeAxis, y_axis: QValueAxis) -> None:
        # Integer totals: draw edges half-way between bands so a 5 sits clearly inside "mild".
        low = max(0.0, band.low - 0.5)
        high = min(float(self.spec.max_total), band.high + 0.5)
        upper, lower = QLineSeries(), QLineSeries()
        upper.append(x_min, high)
        upper.append(x_max, high)
        lower.append(x_min, low)
        lower.append(x_max, low)
        area = QAreaSeries(upper, lower)
        # Parent the edge series to the area so they live exactly as long as it does.
        upper.setParent(area)
        lower.setParent(area)
        area.setName(band_label(band))
        tint = band_tint(index, count)
        tint.setAlpha(colours.band_alpha)
        area.setBrush(QBrush(tint))
        area.setPen(QPen(Qt.PenStyle.NoPen))
        self._attach(area, x_axis, y_axis, in_legend=False)
        self.band_series.append(area)
        label = QGraphicsSimpleTextItem(sentence_case(band.label), self.chart)
        label_colour = QColor(band_tint(index, count).lighter(150) if colours.dark else band_tint(index, count).darker(130))
        label.setBrush(QBrush(label_colour))
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 0.85)
        label.setFont(font)
        label.setZValue(10)
        self._band_labels.append((label, band))

    def _add_score_line(self, points: tuple[TrendPoint, ...], colours: ChartColours,
                        x_axis: QDateTimeAxis, y_axis: QValueAxis) -> None:
        line = QLineSeries()
        line.setName(tr("Score"))
        for point in points:
            line.append(msecs(point.administered_on), point.total)
        pen = QPen(colours.score)
        pen.setWidthF(2.5)
        line.setPen(pen)
        line.setPointsVisible(True)
        line.setMarkerSize(8)
        line.hovered.connect(self._on_score_hovered)
        self._attach(line, x_axis, y_axis)
        self.score_series = line
        # Our own labels rather than the series' point labels: those sit right on the point,
        # under the response / deterioration markers drawn after the line.
        font = QFont(self.font())
        font.setBold(True)
        for point in points:
            label = QGraphicsSimpleTextItem(str(point.total), self.chart)
            label.setBrush(QBrush(colours.text))
            label.setFont(font)
            label.setZValue(11)
            self._score_labels.append((label, point))

    def _add_baseline(self, baseline: TrendPoint, colours: ChartColours, x_min: float, x_max: float,
                      x_axis: QDateTimeAxis, y_axis: QValueAxis) -> None:
        line = QLineSeries()
        line.setName(tr("Baseline {0} ({1})").format(baseline.total, baseline.administered_on.isoformat()))
        line.setObjectName("baseline")
        line.append(x_min, baseline.total)
        line.append(x_max, baseline.total)
        pen = QPen(colours.baseline)
        pen.setWidthF(1.5)
        pen.setStyle(Qt.PenStyle.DashLine)
        line.setPen(pen)
        self._attach(line, x_axis, y_axis)
        self.baseline_series = line

    def _add_response_threshold(self, threshold: int, colours: ChartColours, x_min: float, x_max: float,
                                x_axis: QDateTimeAxis, y_axis: QValueAxis) -> None:
        line = QLineSeries()
        line.setName(tr("Response line (\u2264 {0})").format(threshold))
        line.setObjectName("responseThreshold")
        line.append(x_min, threshold)
        line.append(x_max, threshold)
        pen = QPen(colours.response)
        pen.setWidthF(1.2)
        pen.setStyle(Qt.PenStyle.DotLine)
        line.setPen(pen)
        self._attach(line, x_axis, y_axis)

    def _add_markers(self, points: tuple[TrendPoint, ...], colours: ChartColours,
                     x_axis: QDateTimeAxis, y_axis: QValueAxis) -> None:
        shape = QScatterSeries.MarkerShape
        is_phq9 = self.instrument is Instrument.PHQ9
        reliable = self.trend.reliable_points if self.trend else 0
        better, worse = change_words(self.instrument)
        improved_word = f"{better} (\u2212{reliable})"
        worse_word = f"{worse} (+{reliable})"
        kinds: list[tuple[str, str, QScatterSeries.MarkerShape, QColor, float]] = [
            ("baseline", tr("Baseline"), shape.MarkerShapeRectangle, colours.baseline, 13.0),
        ]
        if is_phq9:
            kinds += [
                ("response", tr("Response (50% drop)"), shape.MarkerShapeCircle, colours.response, 15.0),
                ("remission", tr("Remission (under 5)"), shape.MarkerShapeStar, colours.remission, 17.0),
            ]
        else:
            kinds.append(("improvement", improved_word, shape.MarkerShapeRotatedRectangle, colours.better, 14.0))
        kinds.append(("deterioration", worse_word, shape.MarkerShapeTriangle, colours.worse, 16.0))
        tests = {
            "baseline": lambda p: p.is_baseline,
            "response": lambda p: p.response,
            "remission": lambda p: p.remission,
            "improvement": lambda p: p.reliable_improvement,
            "deterioration": lambda p: p.reliable_deterioration,
        }
        for key, name, marker, colour, size in kinds:
            chosen = [p for p in points if tests[key](p)]
            if not chosen:
                continue
            series = QScatterSeries()
            series.setName(name)
            series.setObjectName(key)
            series.setMarkerShape(marker)
            series.setMarkerSize(size)
            fill = QColor(colour)
            fill.setAlpha(220)
            series.setBrush(QBrush(fill))
            series.setPen(QPen(colours.background, 1.2))
            for point in chosen:
                series.append(msecs(point.administered_on), point.total)
            # The dashed line already names the baseline in the legend.
            self._attach(series, x_axis, y_axis, in_legend=key != "baseline")
            self.marker_series[key] = series

    def _place_labels(self) -> None:
        plot = self.chart.plotArea()
        if plot.width() <= 0:
            return
        for item, point in self._score_labels:
            where = self.chart.mapToPosition(QPointF(msecs(point.administered_on), point.total), self.score_series)
            rect = item.boundingRect()
            item.setPos(where.x() - rect.width() / 2, where.y() - rect.height() - 9)
        series = self.band_series[0] if self.band_series else None
        for item, band in self._band_labels:
            top = self.chart.mapToPosition(QPointF(0, min(band.high + 0.5, self.spec.max_total)), series)
            bottom = self.chart.mapToPosition(QPointF(0, max(band.low - 0.5, 0)), series)
            rect = item.boundingRect()
            room = bottom.y() - top.y()
            item.setVisible(room >= rect.height() + 2)
            item.setPos(plot.right() - rect.width() - 6, top.y() + (room - rect.height()) / 2)

    def _on_score_hovered(self, point: QPointF, state: bool) -> None:
        if not state or self.trend is None:
            QToolTip.hideText()
            return
        nearest = min(self.trend.points, key=lambda p: abs(msecs(p.administered_on) - point.x()))
        QToolTip.showText(QCursor.pos(), point_text(nearest), self.view)


class MeasureChartWidget(QWidget):
    """The selected client's measures over time; embed it and call ``set_client``."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.client_id: int | None = None
        self._picked: dict[Instrument, int] = {}
        self.setObjectName("measureChartWidget")

        self.tabs = QTabWidget()
        self.tabs.setObjectName("measureChartTabs")
        self.tabs.setAccessibleName(tr("Measures over time"))
        self.tabs.setDocumentMode(True)
        self.pages: dict[Instrument, InstrumentChartPage] = {}
        for instrument in Instrument:
            page = InstrumentChartPage(self, instrument)
            self.pages[instrument] = page
            self.tabs.addTab(page, INSTRUMENTS[instrument].name)
        self.empty = hint_label(tr("Select a client to see their scores over time."))
        self.empty.setObjectName("measureChartEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.empty, 1)

        ctx.signals.client_changed.connect(self.on_signals_client_changed)
        ctx.signals.about_to_lock.connect(self.on_signals_about_to_lock)
        self.set_client(None)

    # --- public ----------------------------------------------------------------------------

    def set_client(self, client_id: int | None) -> None:
        if client_id is not None and client_id < 0:
            client_id = None  # the app-wide "no client selected" is -1
        if client_id != self.client_id:
            self._picked = {}
        self.client_id = client_id
        self.refresh()

    def refresh(self) -> None:
        """Re-read the client's measures and redraw every chart."""
        trends: dict[Instrument, InstrumentTrend] = {}
        message = ""
        if self.client_id is not None:
            try:
                with self._ctx.reader() as session:
                    trends = client_trends(session, self.client_id, baseline_ids=self._picked)
            except RecordNotFound:
                message = tr("This client no longer exists.")
            except (VaultError, RuntimeError) as error:  # RuntimeError: the vault is locked
                log.warning("measure chart not loaded: %s", type(error).__name__)
                message = tr("Scores could not be read.")
        for instrument, page in self.pages.items():
            trend = trends.get(instrument)
            page.set_trend(trend)
            count = len(trend.points) if trend else 0
            name = INSTRUMENTS[instrument].name
            self.tabs.setTabText(self.tabs.indexOf(page), f"{name} ({count})" if count else name)
        if trends and self.tabs.currentIndex() >= 0:
            self._select_first_with_scores(trends)
        has_data = bool(trends)
        self.tabs.setVisible(has_data)
        self.empty.setVisible(not has_data)
        if not has_data:
            self.empty.setText(message or tr("Select a client to see their scores over time."))

    def page(self, instrument: Instrument) -> InstrumentChartPage:
        return self.pages[instrument]

    def pick_baseline(self, instrument: Instrument, measure_id: int | None) -> None:
        """Use another complete score as the baseline (None: the first of the episode)."""
        if measure_id is None:
            self._picked.pop(instrument, None)
        else:
            self._picked[instrument] = measure_id
        self.refresh()

    def today(self) -> date:
        return self._ctx.now().date()

    # --- slots -----------------------------------------------------------------------------

    @Slot(int)
    def on_signals_client_changed(self, client_id: int) -> None:
        if self.client_id is not None and client_id == self.client_id:
            self.refresh()

    @Slot()
    def on_signals_about_to_lock(self) -> None:
        self.set_client(None)

    # --- internals -------------------------------------------------------------------------

    def _select_first_with_scores(self, trends: dict[Instrument, InstrumentTrend]) -> None:
        current = self.tabs.currentWidget()
        if isinstance(current, InstrumentChartPage) and trends[current.instrument].points:
            return
        for instrument, trend in trends.items():
            if trend.points:
                self.tabs.setCurrentWidget(self.pages[instrument])
                return
