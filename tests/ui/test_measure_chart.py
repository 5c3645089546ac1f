"""The measures chart over a real vault: series per instrument, bands, baseline, change markers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.services.conftest import NOW, valid_client, valid_profile
from therapist_desk.domain.enums import Instrument
from therapist_desk.domain.measures import INSTRUMENTS, MeasureResult
from therapist_desk.paths import resolve_paths
from therapist_desk.services import clients, measures
from therapist_desk.services.practice import save_profile
from therapist_desk.services.vault_access import create_and_open
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.measure_chart import MeasureChartWidget
from therapist_desk.ui.measure_form import MeasureDialog
from therapist_desk.ui.signals import AppSignals
from therapist_desk.ui.tasks import SyncTaskRunner

INTAKE = date(2026, 8, 1)
PHQ9_SERIES = [  # (date, total): 8 scores; 7 and below is a response, 4 remission, 20 is +6
    (date(2026, 8, 4), 14), (date(2026, 8, 18), 16), (date(2026, 9, 1), 20), (date(2026, 9, 15), 12),
    (date(2026, 9, 29), 9), (date(2026, 10, 13), 7), (date(2026, 10, 27), 6), (date(2026, 11, 10), 4),
]


def answers_for(instrument: Instrument, total: int) -> tuple[int, ...]:
    spec = INSTRUMENTS[instrument]
    out = []
    for _ in range(spec.item_count):
        out.append(min(spec.max_per_item, total))
        total -= out[-1]
    return tuple(out)


@pytest.fixture
def app_ctx(tmp_path: Path) -> Iterator[AppContext]:
    """A context over a fresh vault with a profile; tasks run inline; the clock is fixed at NOW."""
    paths = resolve_paths(tmp_path / "data")
    paths.ensure()
    context = AppContext(paths=paths, signals=AppSignals(), tasks=SyncTaskRunner(), clock=lambda: NOW)
    context.vault = create_and_open(tmp_path / "v.tdvault", "pw-for-tests")
    with context.unit_of_work() as session:
        save_profile(session, valid_profile(), NOW)
    yield context
    context.vault.close()


@pytest.fixture
def client_id(app_ctx: AppContext) -> int:
    with app_ctx.unit_of_work() as session:
        created = clients.create_client(session, valid_client(intake_date=INTAKE), NOW)
    assert created.id is not None
    return created.id


def record(ctx: AppContext, cid: int, instrument: Instrument, day: date,
           answers: tuple[int | None, ...]) -> MeasureResult:
    with ctx.unit_of_work() as session:
        return measures.record_measure(session, MeasureResult(instrument, day, answers, client_id=cid), NOW)


@pytest.fixture
def history(app_ctx: AppContext, client_id: int) -> int:
    """8 PHQ-9s, one incomplete PHQ-9, 3 GAD-7s (the last one reliably worse), no PCL-5."""
    for day, total in PHQ9_SERIES:
        record(app_ctx, client_id, Instrument.PHQ9, day, answers_for(Instrument.PHQ9, total))
    record(app_ctx, client_id, Instrument.PHQ9, date(2026, 10, 1), (1, 1, None, 1, 1, 1, 1, 1, 0))
    for day, total in ((date(2026, 8, 4), 6), (date(2026, 9, 1), 8), (date(2026, 10, 1), 10)):
        record(app_ctx, client_id, Instrument.GAD7, day, answers_for(Instrument.GAD7, total))
    return client_id


def make_chart(qtbot: QtBot, ctx: AppContext) -> MeasureChartWidget:
    chart = MeasureChartWidget(ctx)
    qtbot.addWidget(chart)
    chart.resize(900, 560)
    chart.show()
    qtbot.waitExposed(chart)
    return chart


def test_a_series_per_instrument_with_the_right_points(qtbot: QtBot, app_ctx: AppContext, history: int) -> None:
    chart = make_chart(qtbot, app_ctx)
    chart.set_client(history)
    phq9, gad7, pcl5 = (chart.page(i) for i in Instrument)
    assert phq9.score_series is not None and gad7.score_series is not None
    assert [int(p.y()) for p in phq9.score_series.points()] == [total for _, total in PHQ9_SERIES]
    assert phq9.score_series.count() == 8 and gad7.score_series.count() == 3
    assert pcl5.score_series is None
    assert [chart.tabs.tabText(i) for i in range(3)] == ["PHQ-9 (8)", "GAD-7 (3)", "PCL-5"]
    assert "no complete scores" in pcl5.summary.text()
    assert phq9.skipped.isVisible()
    assert phq9.skipped.text() == "1 incomplete form not plotted (not scored)."


def test_severity_bands_are_shaded_areas_with_names(qtbot: QtBot, app_ctx: AppContext, history: int) -> None:
    chart = make_chart(qtbot, app_ctx)
    chart.set_client(history)
    names = [area.name() for area in chart.page(Instrument.PHQ9).band_series]
    assert names == ["Minimal 0\u20134", "Mild 5\u20139", "Moderate 10\u201314",
                     "Moderately severe 15\u201319", "Severe 20\u201327"]
    assert len(chart.page(Instrument.GAD7).band_series) == 4
    assert [a.name() for a in chart.page(Instrument.PCL5).band_series] == [
        "Below threshold 0\u201330", "Probable PTSD 31\u201380"]
    labels = [item.text() for item, _ in chart.page(Instrument.PHQ9)._band_labels]
    assert labels == ["Minimal", "Mild", "Moderate", "Moderately severe", "Severe"]


def test_baseline_response_remission_and_deterioration_are_marked(
    qtbot: QtBot, app_ctx: AppContext, history: int
) -> None:
    chart = make_chart(qtbot, app_ctx)
    chart.set_client(history)
    page = chart.page(Instrument.PHQ9)
    baseline = page.baseline_series
    assert baseline is not None
    assert {p.y() for p in baseline.points()} == {14.0}
    assert baseline.pen().style() == Qt.PenStyle.DashLine
    assert baseline.name() == "Baseline 14 (2026-08-04)"
    markers = {key: [int(p.y()) for p in series.points()] for key, series in page.marker_series.items()}
    assert markers["baseline"] == [14]
    assert markers["deterioration"] == [20]  # +6 from 14
    assert markers["response"] == [7, 6, 4]  # at most half of 14
    assert markers["remission"] == [4]
    assert page.summary.text() == (
        "PHQ-9: 14 \u2192 4 since 2026-08-04 (baseline). Response: yes. Remission: yes. "
        "Reliably better: down 10 points (5 or more counts). Reliably worse on 2026-09-01."
    )


def test_deterioration_is_flagged_in_the_summary(qtbot: QtBot, app_ctx: AppContext, history: int) -> None:
    chart = make_chart(qtbot, app_ctx)
    chart.set_client(history)
    page = chart.page(Instrument.GAD7)
    assert page.summary.text() == (
        "GAD-7: 6 \u2192 10 since 2026-08-04 (baseline). Reliably worse: up 4 points (4 or more counts)."
    )
    assert [int(p.y()) for p in page.marker_series["deterioration"].points()] == [10]


def test_picking_another_baseline_redraws_from_it(qtbot: QtBot, app_ctx: AppContext, history: int) -> None:
    chart = make_chart(qtbot, app_ctx)
    chart.set_client(history)
    page = chart.page(Instrument.PHQ9)
    combo = page.baseline_combo
    assert combo.count() == 9 and combo.currentIndex() == 0
    third = combo.findText("2026-09-01 \u2014 20")
    combo.setCurrentIndex(third)
    combo.activated.emit(third)
    page = chart.page(Instrument.PHQ9)
    assert page.summary.text().startswith("PHQ-9: 20 \u2192 4 since 2026-09-01 (baseline, picked).")
    assert page.baseline_combo.currentText() == "2026-09-01 \u2014 20"
    assert "deterioration" not in page.marker_series


def test_saving_a_measure_refreshes_the_chart(qtbot: QtBot, app_ctx: AppContext, history: int) -> None:
    chart = make_chart(qtbot, app_ctx)
    chart.set_client(history)
    dialog = MeasureDialog(app_ctx, history, instrument=Instrument.PCL5)
    qtbot.addWidget(dialog, before_close_func=lambda widget: widget.discard())
    dialog.show()
    qtbot.waitExposed(dialog)
    for item in range(1, 21):
        qtbot.mouseClick(dialog.answer_button(item, 2), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    page = chart.page(Instrument.PCL5)
    assert page.score_series is not None and page.score_series.count() == 1
    assert page.summary.text() == (
        "PCL-5: 40 (probable PTSD) on 2026-11-20 (baseline). Give it again to see change."
    )


def test_scores_from_before_the_intake_are_counted_not_plotted(
    qtbot: QtBot, app_ctx: AppContext, client_id: int
) -> None:
    record(app_ctx, client_id, Instrument.GAD7, date(2026, 5, 1), answers_for(Instrument.GAD7, 3))
    record(app_ctx, client_id, Instrument.GAD7, date(2026, 8, 10), answers_for(Instrument.GAD7, 12))
    chart = make_chart(qtbot, app_ctx)
    chart.set_client(client_id)
    page = chart.page(Instrument.GAD7)
    assert page.score_series is not None and page.score_series.count() == 1
    assert page.skipped.text() == "1 result from before the intake on 2026-08-01 not shown."


def test_no_client_and_locking_show_the_empty_state(qtbot: QtBot, app_ctx: AppContext, history: int) -> None:
    chart = make_chart(qtbot, app_ctx)
    assert chart.empty.isVisible() and not chart.tabs.isVisible()
    chart.set_client(history)
    assert chart.tabs.isVisible() and not chart.empty.isVisible()
    app_ctx.signals.about_to_lock.emit()
    assert chart.client_id is None and chart.empty.isVisible()
