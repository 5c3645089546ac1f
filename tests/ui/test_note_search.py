"""The note search panel over a real vault of 200 notes: typing, highlights, filters, opening."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from tests.services.conftest import NOW, valid_client, valid_profile
from therapist_desk.domain.session import SessionNote
from therapist_desk.paths import resolve_paths
from therapist_desk.services import clients, notes
from therapist_desk.services.practice import save_profile
from therapist_desk.services.vault_access import Vault, create_and_open
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.note_search import DEBOUNCE_MS, RESULT_LIMIT, NoteSearchPanel
from therapist_desk.ui.search_results_model import (
    ClientIdRole,
    HeadingRole,
    SessionIdRole,
    SnippetHtmlRole,
    snippet_html,
)
from therapist_desk.ui.signals import AppSignals
from therapist_desk.ui.tasks import SyncTaskRunner, TaskRunner

FIRST_DAY = date(2026, 1, 5)
FILLER = (
    "Client reports sleep improved; discussed work stress and family boundaries.",
    "Reviewed homework; practiced paced breathing; mood stable this week.",
    "Explored avoidance of social situations; planned graded exposure steps.",
)


@dataclass(frozen=True)
class Notes:
    vault: Vault
    robin: int
    sam: int
    needle: int
    needle_day: date
    markup: int


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Notes]:
    """200 notes (days apart) for Robin (odd) and Sam (even); one zebrafinch, one with markup."""
    folder: Path = tmp_path_factory.mktemp("note_search")
    vault = create_and_open(folder / "v.tdvault", "pw-for-tests")
    ids: dict[int, int] = {}
    with vault.unit_of_work() as s:
        save_profile(s, valid_profile(), NOW)
        robin = clients.create_client(s, valid_client(), NOW).id
        sam = clients.create_client(s, valid_client(legal_first_name="Sam", legal_last_name="Example"), NOW).id
        assert robin is not None and sam is not None
        for i in range(200):
            text = FILLER[i % len(FILLER)]
            if i == 137:
                text += " Mentioned a zebrafinch that calms them."
            if i == 20:
                text += ' Wrote <b>"quokka"</b> & <script>alert(1)</script> [[in brackets]].'
            saved = notes.save_note(s, SessionNote(client_id=robin if i % 2 else sam,
                                                   session_date=FIRST_DAY + timedelta(days=i),
                                                   sections=(("Note", text),)), NOW)
            assert saved.id is not None
            ids[i] = saved.id
    try:
        yield Notes(vault, robin, sam, ids[137], FIRST_DAY + timedelta(days=137), ids[20])
    finally:
        vault.close()


@pytest.fixture
def app_ctx(corpus: Notes, tmp_path: Path) -> AppContext:
    """A context over the shared vault; tasks run inline; the clock is fixed at NOW."""
    paths = resolve_paths(tmp_path / "data")
    paths.ensure()
    return AppContext(paths=paths, signals=AppSignals(), tasks=SyncTaskRunner(), vault=corpus.vault,
                      clock=lambda: NOW)


@pytest.fixture
def panel(qtbot: QtBot, app_ctx: AppContext) -> NoteSearchPanel:
    widget = NoteSearchPanel(app_ctx)
    qtbot.addWidget(widget)
    widget.resize(760, 520)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def type_query(qtbot: QtBot, panel: NoteSearchPanel, text: str) -> None:
    """Type like a person, then wait for the debounced search to answer."""
    panel.search_box.clear()
    qtbot.keyClicks(panel.search_box, text)
    qtbot.waitUntil(lambda: not panel._timer.isActive(), timeout=5 * DEBOUNCE_MS + 1000)


def rows(panel: NoteSearchPanel, role: int) -> list[object]:
    model = panel.model
    return [model.index(r, 0).data(role) for r in range(model.rowCount())]


def test_typing_finds_one_note_among_200_after_the_debounce(
    qtbot: QtBot, panel: NoteSearchPanel, corpus: Notes
) -> None:
    qtbot.keyClicks(panel.search_box, "zebrafi")
    assert panel.model.rowCount() == 0  # nothing runs while typing goes on
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=5 * DEBOUNCE_MS + 1000)
    assert rows(panel, SessionIdRole) == [corpus.needle]
    assert rows(panel, HeadingRole) == [f"{corpus.needle_day.isoformat()} \u00b7 Robin Fictionalson"]
    assert panel.status.text() == "1 note matches."
    (html,) = rows(panel, SnippetHtmlRole)
    assert '">zebrafinch</span>' in str(html)


def test_snippet_escapes_note_text_before_highlighting(qtbot: QtBot, panel: NoteSearchPanel, corpus: Notes) -> None:
    type_query(qtbot, panel, "quokka")
    assert rows(panel, SessionIdRole) == [corpus.markup]
    (html,) = rows(panel, SnippetHtmlRole)
    text = str(html)
    assert "<script>" not in text and "<b>" not in text
    assert "&lt;script&gt;" in text and "&lt;b&gt;" in text and "&amp;" in text
    assert snippet_html("a [[b]] c [[d") == 'a <span style="font-weight:600;">b</span> c [[d'


def test_results_are_newest_first_with_counts(qtbot: QtBot, panel: NoteSearchPanel) -> None:
    type_query(qtbot, panel, "breathing")  # 67 notes match
    assert panel.model.rowCount() == RESULT_LIMIT
    days = [str(h).split(" ")[0] for h in rows(panel, HeadingRole)]
    assert days == sorted(days, reverse=True)
    assert panel.status.text().startswith(f"More than {RESULT_LIMIT} notes match")
    type_query(qtbot, panel, "nosuchwordanywhere")
    assert panel.model.rowCount() == 0
    assert panel.status.text() == "No notes match \u201cnosuchwordanywhere\u201d."


def test_client_filter_follows_the_selected_client(
    qtbot: QtBot, panel: NoteSearchPanel, app_ctx: AppContext, corpus: Notes
) -> None:
    assert panel.client_filter.count() == 1  # no client selected: "All clients" only
    app_ctx.signals.client_selected.emit(corpus.sam)
    assert panel.client_filter.itemText(1) == "Only Sam Example"
    type_query(qtbot, panel, "breathing")
    assert set(rows(panel, ClientIdRole)) == {corpus.robin, corpus.sam}
    panel.client_filter.setCurrentIndex(1)
    qtbot.waitUntil(lambda: set(rows(panel, ClientIdRole)) == {corpus.sam}, timeout=2000)
    assert panel.status.text() == "33 notes match, newest first."
    app_ctx.signals.client_selected.emit(corpus.robin)  # still "only the selected client"
    qtbot.waitUntil(lambda: set(rows(panel, ClientIdRole)) == {corpus.robin}, timeout=2000)
    assert panel.client_filter.currentText() == "Only Robin Fictionalson"
    app_ctx.signals.client_selected.emit(-1)
    assert panel.client_filter.count() == 1 and panel.client_filter.currentIndex() == 0


def test_date_range_filters_and_any(qtbot: QtBot, panel: NoteSearchPanel) -> None:
    type_query(qtbot, panel, "client")  # i % 3 == 0: days 0, 3, 6 ...
    panel.from_date.setDate(QDate(2026, 1, 5))
    panel.to_date.setDate(QDate(2026, 1, 13))
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=2000)
    assert [str(h)[:10] for h in rows(panel, HeadingRole)] == ["2026-01-11", "2026-01-08", "2026-01-05"]
    assert panel.from_date.text() != "Any"
    panel.to_date.setDate(QDate(2026, 1, 1))
    qtbot.waitUntil(lambda: "after" in panel.status.text(), timeout=2000)
    assert panel.model.rowCount() == 0
    qtbot.mouseClick(panel.any_date, Qt.MouseButton.LeftButton)
    assert panel.from_date.text() == "Any" and panel.to_date.text() == "Any"
    qtbot.waitUntil(lambda: panel.model.rowCount() == RESULT_LIMIT, timeout=2000)


def test_activating_a_hit_emits_open_note(qtbot: QtBot, panel: NoteSearchPanel, corpus: Notes) -> None:
    type_query(qtbot, panel, "zebrafinch")
    qtbot.keyClick(panel.search_box, Qt.Key.Key_Down)  # into the results
    assert panel.results.hasFocus()
    with qtbot.waitSignal(panel.open_note) as opened:
        qtbot.keyClick(panel.results, Qt.Key.Key_Return)
    assert opened.args == [corpus.needle, corpus.robin]
    rect = panel.results.visualRect(panel.model.index(0, 0))
    with qtbot.waitSignal(panel.open_note) as clicked:
        # QTest's double-click sends no press first, and item views want the press.
        qtbot.mousePress(panel.results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseRelease(panel.results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(panel.results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert clicked.args == [corpus.needle, corpus.robin]


@pytest.mark.parametrize("query", [
    '"', '"zebrafinch', "zebrafinch*", "*", "-", "-zebrafinch", "(zebrafinch", "zebrafinch)", "()",
    "NEAR", "NEAR(zebrafinch calms)", "zebrafinch NEAR calms", "AND", "OR zebrafinch", "NOT",
    "^zebrafinch", "body:zebrafinch", "{body}: x", "zebrafinch + calms", "'", "\\", "%", "[[", "]]",
])
def test_fts_syntax_characters_do_not_error(qtbot: QtBot, panel: NoteSearchPanel, query: str) -> None:
    panel.set_query(query)
    assert "could not run" not in panel.status.text()
    assert not panel._timer.isActive()


def test_locking_clears_the_search(qtbot: QtBot, panel: NoteSearchPanel, app_ctx: AppContext, corpus: Notes) -> None:
    app_ctx.signals.client_selected.emit(corpus.robin)
    type_query(qtbot, panel, "zebrafinch")
    app_ctx.signals.about_to_lock.emit()
    assert panel.search_box.text() == "" and panel.model.rowCount() == 0
    assert panel.client_filter.count() == 1


def test_on_the_worker_thread_a_stale_answer_is_dropped(
    qtbot: QtBot, corpus: Notes, tmp_path: Path
) -> None:
    runner = TaskRunner()
    paths = resolve_paths(tmp_path / "threaded")
    ctx = AppContext(paths=paths, signals=AppSignals(), tasks=runner, vault=corpus.vault, clock=lambda: NOW)
    panel = NoteSearchPanel(ctx)
    qtbot.addWidget(panel)
    panel.set_query("breathing")  # 67 matches, still on its way when the next query starts
    panel.set_query("zebrafinch")
    assert runner.wait(10_000)
    qtbot.waitUntil(lambda: panel.status.text() == "1 note matches.", timeout=5000)
    qtbot.wait(50)  # let any late answer to the first query arrive: it must be ignored
    assert rows(panel, SessionIdRole) == [corpus.needle]
