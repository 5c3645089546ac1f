"""The measure form through its real radio buttons and keys, saving into a real vault."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from tests.services.conftest import NOW, valid_client, valid_profile
from therapist_desk.domain.enums import Instrument
from therapist_desk.domain.measures import INSTRUMENTS
from therapist_desk.domain.session import SessionNote
from therapist_desk.paths import resolve_paths
from therapist_desk.services import clients, measures, notes
from therapist_desk.services.notes import instruments_scored_for_session
from therapist_desk.services.practice import save_profile
from therapist_desk.services.vault_access import create_and_open
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.measure_form import MeasureDialog, item_list_text
from therapist_desk.ui.signals import AppSignals
from therapist_desk.ui.tasks import SyncTaskRunner


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
        created = clients.create_client(session, valid_client(), NOW)
    assert created.id is not None
    return created.id


def open_dialog(qtbot: QtBot, ctx: AppContext, client_id: int, **kwargs: object) -> MeasureDialog:
    dialog = MeasureDialog(ctx, client_id, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(dialog, before_close_func=lambda widget: widget.discard())
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def click_answers(qtbot: QtBot, dialog: MeasureDialog, answers: dict[int, int]) -> None:
    for item, value in answers.items():
        qtbot.mouseClick(dialog.answer_button(item, value), Qt.MouseButton.LeftButton)


def saved_measures(ctx: AppContext, client_id: int) -> list[object]:
    with ctx.reader() as session:
        return list(measures.list_measures(session, client_id))


PHQ9_13 = {1: 2, 2: 2, 3: 1, 4: 3, 5: 1, 6: 2, 7: 1, 8: 1, 9: 0}


def test_phq9_filled_by_clicking_shows_the_total_and_band_and_saves(
    qtbot: QtBot, app_ctx: AppContext, client_id: int
) -> None:
    dialog = open_dialog(qtbot, app_ctx, client_id)
    click_answers(qtbot, dialog, PHQ9_13)
    assert dialog.total_label.text() == "Total 13 of 27 \u2014 moderate"
    with qtbot.waitSignal(app_ctx.signals.client_changed) as changed:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert changed.args == [client_id]
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = dialog.result_measure()
    assert saved is not None and saved.id is not None
    (stored,) = saved_measures(app_ctx, client_id)
    assert stored.id == saved.id  # type: ignore[attr-defined]
    assert (stored.total, stored.band, stored.administered_on) == (13, "moderate", NOW.date())  # type: ignore[attr-defined]


@pytest.mark.parametrize(("answers", "total", "band"), [
    ("310000000", 4, "minimal"),
    ("320000000", 5, "mild"),
    ("333320000", 14, "moderate"),
    ("333330000", 15, "moderately severe"),
    ("333333100", 19, "moderately severe"),
    ("333333200", 20, "severe"),
])
def test_band_edges_typed_with_number_keys(
    qtbot: QtBot, app_ctx: AppContext, client_id: int, answers: str, total: int, band: str
) -> None:
    dialog = open_dialog(qtbot, app_ctx, client_id)
    dialog.form().focus_first()
    for digit in answers:  # each number answers the focused item and moves to the next one
        qtbot.keyClicks(dialog.focusWidget(), digit)
    assert dialog.form().answers() == tuple(int(d) for d in answers)
    assert dialog.total_label.text() == f"Total {total} of 27 \u2014 {band}"


def test_arrow_keys_change_the_answer_and_move_between_items(
    qtbot: QtBot, app_ctx: AppContext, client_id: int
) -> None:
    dialog = open_dialog(qtbot, app_ctx, client_id, instrument=Instrument.GAD7)
    dialog.form().focus_first()
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Right)  # like native radios: moves and checks
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Right)
    assert dialog.form().answers()[0] == 2
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Down)
    assert dialog.focusWidget() is dialog.answer_button(2, 2, Instrument.GAD7)  # same column, next item
    assert dialog.form().answers()[1] is None  # moving does not answer
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Left)
    assert dialog.form().answers()[:2] == (2, 1)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Up)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Delete)
    assert dialog.form().answers()[:2] == (None, 1)


def test_incomplete_form_is_saved_as_incomplete_and_not_scored(
    qtbot: QtBot, app_ctx: AppContext, client_id: int
) -> None:
    dialog = open_dialog(qtbot, app_ctx, client_id)
    click_answers(qtbot, dialog, {k: v for k, v in PHQ9_13.items() if k not in (4, 7)})
    assert dialog.total_label.text() == "Incomplete \u2014 not scored (items 4, 7 unanswered)"
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    (stored,) = saved_measures(app_ctx, client_id)
    assert not stored.complete  # type: ignore[attr-defined]
    assert stored.total is None and stored.band is None  # type: ignore[attr-defined]
    assert stored.missing_items == (4, 7)  # type: ignore[attr-defined]


def test_an_empty_form_is_not_saved(qtbot: QtBot, app_ctx: AppContext, client_id: int) -> None:
    dialog = open_dialog(qtbot, app_ctx, client_id)
    assert dialog.total_label.text() == "No items answered yet \u2014 not scored."
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "Answer at least one item" in dialog.error.message()
    assert saved_measures(app_ctx, client_id) == []


def test_positive_item9_raises_the_alert_and_0_or_unanswered_never_reads_as_no_risk(
    qtbot: QtBot, app_ctx: AppContext, client_id: int
) -> None:
    dialog = open_dialog(qtbot, app_ctx, client_id)
    assert not dialog.item9_alert.isVisible()
    assert dialog.item9_status.isVisible()
    assert "not answered" in dialog.item9_status.text()

    click_answers(qtbot, dialog, {9: 1})
    assert dialog.item9_alert.isVisible()
    alert = dialog.item9_alert.text()
    assert "Item 9 answered \u2018Several days\u2019" in alert
    assert "Assess risk now and document it in the session note before signing" in alert
    assert not dialog.item9_status.isVisible()
    assert dialog.form().row(9).alert

    click_answers(qtbot, dialog, {9: 0})
    assert not dialog.item9_alert.isVisible()
    assert dialog.item9_status.isVisible()
    assert "answered \u2018Not at all\u2019" in dialog.item9_status.text()
    for shown in (dialog.item9_status.text(), dialog.total_label.text()):
        assert "no risk" not in shown.lower()


def test_item9_alert_stays_with_the_saved_form(qtbot: QtBot, app_ctx: AppContext, client_id: int) -> None:
    dialog = open_dialog(qtbot, app_ctx, client_id)
    click_answers(qtbot, dialog, {**PHQ9_13, 9: 3})
    assert "Nearly every day" in dialog.item9_alert.text()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    (stored,) = saved_measures(app_ctx, client_id)
    assert stored.item9_positive  # type: ignore[attr-defined]


def test_linked_session_defaults_the_date_and_counts_for_96127(
    qtbot: QtBot, app_ctx: AppContext, client_id: int
) -> None:
    with app_ctx.unit_of_work() as session:
        note = notes.save_note(session, SessionNote(client_id=client_id, session_date=date(2026, 11, 18),
                                                    sections=(("Note", "Session."),)), NOW)
    assert note.id is not None
    dialog = open_dialog(qtbot, app_ctx, client_id, session_id=note.id, instrument=Instrument.GAD7)
    assert dialog.session_combo.currentData() == note.id
    assert "2026-11-18" in dialog.session_combo.currentText()
    assert dialog.date_edit.date().toString("yyyy-MM-dd") == "2026-11-18"
    click_answers(qtbot, dialog, dict.fromkeys(range(1, 8), 1))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    saved = dialog.result_measure()
    assert saved is not None and saved.session_id == note.id and saved.total == 7
    with app_ctx.reader() as session:
        assert instruments_scored_for_session(session, note.id) == 1


@pytest.mark.parametrize("instrument", list(Instrument))
def test_every_instrument_shows_its_period_wording_answers_and_attribution(
    qtbot: QtBot, app_ctx: AppContext, client_id: int, instrument: Instrument
) -> None:
    dialog = open_dialog(qtbot, app_ctx, client_id)
    dialog.instrument_combo.setCurrentIndex(dialog.instrument_combo.findData(instrument.value))
    spec = INSTRUMENTS[instrument]
    assert dialog.period.text() == spec.period
    assert dialog.attribution.text() == spec.attribution
    assert dialog.attribution.isVisible()
    rows = dialog.form().rows
    assert [row.wording.text() for row in rows] == [f"{n}. {w}" for n, w in enumerate(spec.items, 1)]
    assert all(len(row.group.buttons()) == len(spec.answer_labels) for row in rows)
    button = dialog.answer_button(1, spec.max_per_item)
    assert button.accessibleName() == f"Item 1: {spec.answer_labels[-1]}"
    assert dialog.item9_alert.isHidden()
    assert dialog.item9_status.isVisible() is (instrument is Instrument.PHQ9)


def test_cancel_asks_before_dropping_answers(
    qtbot: QtBot, app_ctx: AppContext, client_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = open_dialog(qtbot, app_ctx, client_id)
    click_answers(qtbot, dialog, {1: 2})
    answers = iter([QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard])
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: next(answers))
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected and not dialog.isVisible()
    assert saved_measures(app_ctx, client_id) == []


def test_item_lists_collapse_runs() -> None:
    assert item_list_text((4, 7)) == "4, 7"
    assert item_list_text((1, 2, 3, 4, 7, 8)) == "1\u20134, 7, 8"


def test_tab_moves_item_to_item_landing_on_the_chosen_answer(
    qtbot: QtBot, app_ctx: AppContext, client_id: int
) -> None:
    dialog = open_dialog(qtbot, app_ctx, client_id, instrument=Instrument.GAD7)
    click_answers(qtbot, dialog, {2: 3})
    dialog.form().focus_first()
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.answer_button(2, 3, Instrument.GAD7)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.answer_button(3, 0, Instrument.GAD7)
