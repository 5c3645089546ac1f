"""Progress against the plan: a summary at a glance, each objective's linked notes and its chart.

The chart shows the measure scores with the objective's target as a dashed horizontal line, or,
for objectives without a measure target, the session ratings over time.

objectNames: planProgressView, progressHeadline, progressScores, progressSplitter,
progressObjectives, progressObjectiveTitle, progressNotes, progressChart, progressEmpty.
"""

from __future__ import annotations

from datetime import date, datetime, time

from PySide6.QtCharts import (
    QCategoryAxis,
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import (
    QAbstractTableModel,
    QDateTime,
    QMargins,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Slot,
)
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.measures import INSTRUMENTS
from therapist_desk.services.plan_progress import (
    RATING_SCALE,
    RATING_WORDS,
    STATUS_WORDS,
    ObjectiveReport,
    PlanSummary,
    RatingPoint,
    ScorePoint,
)
from therapist_desk.ui.widgets import heading_label, hint_label

OBJECT_ROLE = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex


class RowsModel(QAbstractTableModel):
    """Precomputed text rows (data() is a tuple lookup) with the object behind each row."""

    def __init__(self, headers: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._headers = headers
        self._rows: list[tuple[str, ...]] = []
        self._objects: list[object] = []

    def set_rows(self, rows: list[tuple[str, ...]], objects: list[object]) -> None:
        self.beginResetModel()
        self._rows, self._objects = rows, objects
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._rows[index.row()][index.column()]
        if role == OBJECT_ROLE:
            return self._objects[index.row()]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None


def _ms(day: date) -> float:
    return float(QDateTime(datetime.combine(day, time(12))).toMSecsSinceEpoch())


class ProgressChart(QChartView):
    """Scores with the target line, or ratings over time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progressChart")
        self.setAccessibleName(self.tr("Objective progress chart"))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(220)
        self.target_series: QLineSeries | None = None
        self.score_series: QLineSeries | None = None
        self._reset("")

    def _reset(self, title: str) -> QChart:
        """A fresh chart each time: axes removed from a live chart leave their labels painted."""
        chart = QChart()
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundRoundness(0)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.setTitle(title)
        old = self.chart()
        self.setChart(chart)
        if old is not None:
            old.deleteLater()  # setChart releases ownership of the previous chart
        self.target_series = self.score_series = None
        return chart

    def _x_axis(self, days: list[date]) -> QDateTimeAxis:
        first, last = min(days), max(days)
        pad = max(7, (last - first).days // 15) * 86_400_000
        axis = QDateTimeAxis()
        axis.setFormat("yyyy-MM-dd")
        axis.setTickCount(max(2, min(5, len(set(days)) + 1)))
        axis.setRange(QDateTime.fromMSecsSinceEpoch(int(_ms(first) - pad)),
                      QDateTime.fromMSecsSinceEpoch(int(_ms(last) + pad)))
        return axis

    def _attach(self, chart: QChart, series: QLineSeries, axes: tuple[object, object]) -> None:
        chart.addSeries(series)
        for axis in axes:
            series.attachAxis(axis)  # type: ignore[arg-type]

    def show_scores(self, report: ObjectiveReport, today: date) -> None:
        target = report.measure_target
        assert target is not None
        spec = INSTRUMENTS[target.instrument]
        points: tuple[ScorePoint, ...] = report.scores
        chart = self._reset(self.tr("{0} against the target").format(spec.name) if points
                            else self.tr("No complete {0} scores yet").format(spec.name))
        days = [p.administered_on for p in points] or [today]
        x_axis, y_axis = self._x_axis(days), QValueAxis()
        y_axis.setRange(0, spec.max_total)
        y_axis.setTickType(QValueAxis.TickType.TicksDynamic)
        y_axis.setTickAnchor(0)
        y_axis.setTickInterval(5 if spec.max_total <= 30 else 10)
        y_axis.setLabelFormat("%d")
        y_axis.setTitleText(self.tr("Total"))
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        line = QLineSeries()
        line.setName(spec.name)
        line.setPointsVisible(True)
        line.setPointLabelsVisible(True)
        line.setPointLabelsFormat("@yPoint")
        for p in points:
            line.append(_ms(p.administered_on), p.total)
        pen = QPen(self.palette().color(QPalette.ColorRole.Highlight))
        pen.setWidthF(2.5)
        line.setPen(pen)
        self._attach(chart, line, (x_axis, y_axis))
        goal = QLineSeries()
        goal.setName(self.tr("Target: below {0}").format(target.below))
        start, end = x_axis.min().toMSecsSinceEpoch(), x_axis.max().toMSecsSinceEpoch()
        goal.append(float(start), target.below)
        goal.append(float(end), target.below)
        dash = QPen(QColor("#2e7d32"))
        dash.setWidthF(2.0)
        dash.setStyle(Qt.PenStyle.DashLine)
        goal.setPen(dash)
        self._attach(chart, goal, (x_axis, y_axis))
        self.score_series, self.target_series = line, goal

    def show_ratings(self, points: tuple[RatingPoint, ...]) -> None:
        chart = self._reset(self.tr("Session ratings over time") if points else self.tr("No linked notes yet"))
        if not points:
            return
        x_axis, y_axis = self._x_axis([p.session_date for p in points]), QCategoryAxis()
        y_axis.setRange(-0.5, 4.5)
        y_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        for rating, value in RATING_SCALE.items():
            y_axis.append(self.tr(RATING_WORDS[rating]), value)
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        line = QLineSeries()
        line.setName(self.tr("Rating"))
        line.setPointsVisible(True)
        for p in points:
            line.append(_ms(p.session_date), RATING_SCALE[p.rating])
        pen = QPen(self.palette().color(QPalette.ColorRole.Highlight))
        pen.setWidthF(2.5)
        line.setPen(pen)
        self._attach(chart, line, (x_axis, y_axis))
        self.score_series = line
        chart.legend().hide()


class PlanProgressView(QWidget):
    """``show_summary(summary or None)``; selecting an objective shows its notes and chart."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("planProgressView")
        self.summary: PlanSummary | None = None
        self.headline = heading_label("", scale=1.1)
        self.headline.setObjectName("progressHeadline")
        self.headline.setWordWrap(True)
        self.scores = QLabel()
        self.scores.setObjectName("progressScores")
        self.scores.setAccessibleName(self.tr("Scores since intake"))
        self.scores.setWordWrap(True)
        self.scores.setTextFormat(Qt.TextFormat.PlainText)
        self.empty = hint_label(self.tr("No plan yet: progress shows here once a plan is saved."))
        self.empty.setObjectName("progressEmpty")
        self.objectives_model = RowsModel((self.tr("#"), self.tr("Objective"), self.tr("Status"),
                                           self.tr("Latest rating"), self.tr("Notes"), self.tr("Target"),
                                           self.tr("At a glance")), self)
        self.objectives = self._table("progressObjectives", self.tr("Objectives and their progress"),
                                      self.objectives_model, stretch=1)
        self.objectives.selectionModel().currentRowChanged.connect(self.on_objectives_current_row_changed)
        self.notes_model = RowsModel((self.tr("Date"), self.tr("Rating"), self.tr("Note"), self.tr("Comment")), self)
        self.notes = self._table("progressNotes", self.tr("Linked session notes"), self.notes_model, stretch=3)
        self.objective_title = QLabel()
        self.objective_title.setObjectName("progressObjectiveTitle")
        self.objective_title.setWordWrap(True)
        self.objective_title.setTextFormat(Qt.TextFormat.PlainText)
        self.chart = ProgressChart(self)
        detail = QWidget()
        row = QHBoxLayout()
        row.addWidget(self.notes, 1)
        row.addWidget(self.chart, 1)
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.objective_title)
        detail_layout.addLayout(row, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("progressSplitter")
        self.splitter.addWidget(self.objectives)
        self.splitter.addWidget(detail)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.scores)
        layout.addWidget(self.empty)
        layout.addWidget(self.splitter, 1)
        self.show_summary(None)

    def _table(self, name: str, accessible: str, model: RowsModel, stretch: int) -> QTableView:
        table = QTableView(self)
        table.setObjectName(name)
        table.setAccessibleName(accessible)
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.setWordWrap(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        return table

    def show_summary(self, summary: PlanSummary | None) -> None:
        self.summary = summary
        has_plan = summary is not None
        self.empty.setVisible(not has_plan)
        self.splitter.setVisible(has_plan)
        self.headline.setVisible(has_plan)
        self.scores.setVisible(has_plan)
        rows, objects = [], []
        if summary is not None:
            self.headline.setText(summary.headline)
            self.headline.setAccessibleName(summary.headline)
            self.scores.setText("\n".join(s.text() for s in summary.scores) or self.tr("No measures since intake."))
            for o in summary.objectives:
                latest = o.latest_rating
                rows.append((o.number, o.description.splitlines()[0] if o.description else "",
                             self.tr(STATUS_WORDS[o.status]),
                             f"{self.tr(RATING_WORDS[latest.rating])} ({latest.session_date.isoformat()})" if latest else "",
                             str(len(o.ratings)), o.target_text(), self.tr(o.verdict)))
                objects.append(o)
        self.objectives_model.set_rows(rows, objects)
        if objects:
            self.objectives.selectRow(0)
        else:
            self.show_objective(None)

    @Slot(QModelIndex, QModelIndex)
    def on_objectives_current_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        report = current.data(OBJECT_ROLE) if current.isValid() else None
        self.show_objective(report if isinstance(report, ObjectiveReport) else None)

    def show_objective(self, report: ObjectiveReport | None) -> None:
        if report is None or self.summary is None:
            self.objective_title.setText(self.tr("Select an objective to see its notes and chart."))
            self.notes_model.set_rows([], [])
            self.chart.show_ratings(())
            return
        self.objective_title.setText(self.tr("Objective {0}: {1}").format(report.number, report.description))
        rows = [(p.session_date.isoformat(), self.tr(RATING_WORDS[p.rating]),
                 self.tr("signed") if p.signed else self.tr("draft"), p.comment) for p in reversed(report.ratings)]
        self.notes_model.set_rows(rows, list(reversed(report.ratings)))
        if report.measure_target is not None:
            self.chart.show_scores(report, self.summary.today)
        else:
            self.chart.show_ratings(report.ratings)

    def select_objective(self, number: str) -> None:
        for row in range(self.objectives_model.rowCount()):
            if self.objectives_model.index(row, 0).data() == number:
                self.objectives.selectRow(row)
                return

    def clear(self) -> None:
        self.show_summary(None)

