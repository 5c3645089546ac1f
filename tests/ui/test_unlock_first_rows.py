"""The Clients tab's first rows loaded by the unlock's worker and handed to the main window: the
same rows the tab would load itself, taken only for the question the tab asks, and an unlock
that still succeeds when loading them fails."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from therapist_desk.app import AppController, first_rows_after_unlock
from therapist_desk.domain.enums import ClientStatus
from therapist_desk.ui import clients_tab as clients_tab_module
from therapist_desk.ui.clients_tab import OPENING_QUERY, ClientsTab, FirstRows, load_first_rows
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.main_window import MainWindow
from therapist_desk.ui.unlock_window import UnlockWindow


def _cells(tab: ClientsTab) -> list[list[object]]:
    model = tab.model
    return [[model.index(row, column).data() for column in range(model.columnCount())]
            for row in range(model.rowCount())]


@pytest.fixture
def some_clients(add_client: Callable[..., int], monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Seven clients; a first screen of three rows, so the count matters."""
    monkeypatch.setattr(clients_tab_module, "FIRST_SCREEN_ROWS", 3)
    names = ["Quinn", "Avery", "Blake", "Rowan", "Casey", "Emery", "Sage"]
    ids = [add_client(legal_first_name=name, legal_last_name="Fictional",
                      date_of_birth=date(1980, 1, 1 + n)) for n, name in enumerate(names)]
    return ids


def _tab_before_the_vault(qtbot, ctx: AppContext) -> ClientsTab:  # type: ignore[no-untyped-def]
    """A tab built while the key is stretched: no vault yet, so it lists nothing."""
    vault, ctx.vault = ctx.vault, None
    tab = ClientsTab(ctx)
    qtbot.addWidget(tab)
    ctx.vault = vault
    assert tab.model.rowCount() == 0
    return tab


def _shown(qtbot, tab: ClientsTab) -> ClientsTab:  # type: ignore[no-untyped-def]
    tab.resize(1300, 800)
    tab.show()
    qtbot.waitExposed(tab)
    return tab


def test_a_new_tab_asks_the_opening_question(qtbot, ctx: AppContext, vault: object) -> None:
    tab = ClientsTab(ctx)
    qtbot.addWidget(tab)
    assert tab._query() == dict(OPENING_QUERY)


def test_handed_rows_are_the_rows_the_tab_loads_itself(
        qtbot, ctx: AppContext, vault: object, some_clients: list[int]) -> None:
    from therapist_desk.services.clients import discharge_client

    for client_id in some_clients[4:6]:
        with ctx.unit_of_work() as session:
            discharge_client(session, client_id, ctx.now().date(), "done", ctx.now())
    own = ClientsTab(ctx)
    qtbot.addWidget(own)  # closed and deleted by qtbot, not by the garbage collector
    _shown(qtbot, own)  # its first rows, then (painted) the complete list
    qtbot.waitUntil(lambda: own.model.rowCount() == 5, timeout=5_000)
    own_cells, own_count = _cells(own), own.count_label.text()
    own.close()
    first = first_rows_after_unlock(ctx.vault)
    assert isinstance(first, FirstRows) and first.total == 5 and len(first.prepared[0]) == 3

    handed = _tab_before_the_vault(qtbot, ctx)
    handed.load(first)
    _shown(qtbot, handed)
    assert _cells(handed) == own_cells[:3] and len(_cells(handed)) == 3
    assert handed.count_label.text() == own_count == "5 clients"
    # The rest of the list follows as usual once the first rows have painted.
    qtbot.waitUntil(lambda: handed.model.rowCount() == 5, timeout=5_000)
    assert _cells(handed) == own_cells


def test_handed_rows_are_taken_without_a_query(
        qtbot, ctx: AppContext, vault: object, some_clients: list[int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_first_rows(ctx.reader)
    asked: list[object] = []
    original = clients_tab_module.load_first_rows
    monkeypatch.setattr(clients_tab_module, "load_first_rows",
                        lambda *args: asked.append(args) or original(*args))
    tab = _tab_before_the_vault(qtbot, ctx)
    tab.load(first)
    _shown(qtbot, tab)
    assert tab.model.client_ids() == tuple(s.id for s in first.prepared[0])
    assert asked == []


def test_rows_for_another_question_are_not_taken(
        qtbot, ctx: AppContext, vault: object, some_clients: list[int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    other = load_first_rows(ctx.reader, dict(OPENING_QUERY, statuses=(ClientStatus.DISCHARGED,)))
    assert other.prepared[0] == []
    asked: list[object] = []
    original = clients_tab_module.load_first_rows
    monkeypatch.setattr(clients_tab_module, "load_first_rows",
                        lambda *args: asked.append(args[1]) or original(*args))
    tab = _tab_before_the_vault(qtbot, ctx)
    tab.load(other)
    _shown(qtbot, tab)
    assert asked == [dict(OPENING_QUERY)], "the tab asked its own question"
    qtbot.waitUntil(lambda: tab.model.rowCount() == len(some_clients), timeout=5_000)


def test_handed_rows_reach_a_tab_that_is_not_shown(
        qtbot, ctx: AppContext, vault: object, some_clients: list[int]) -> None:
    tab = _tab_before_the_vault(qtbot, ctx)
    tab.load(load_first_rows(ctx.reader))
    qtbot.waitUntil(lambda: tab.model.rowCount() == len(some_clients), timeout=5_000)


def test_the_unlock_shows_the_main_window_with_its_first_rows(
        qtbot, threaded_ctx: AppContext, typist, passphrase: str, make_client) -> None:
    """The unlock's worker loads the first rows right after the vault opens: the main window
    has them when it is shown, without a second trip to a worker."""
    from therapist_desk.services.clients import create_client
    from therapist_desk.services.vault_access import create_and_open

    with create_and_open(threaded_ctx.paths.vault, passphrase) as vault:
        with vault.unit_of_work() as session:
            for name in ("Robin", "Alex"):
                create_client(session, make_client(legal_first_name=name), threaded_ctx.now())
    controller = AppController(threaded_ctx)
    unlock = controller.start()
    try:
        assert isinstance(unlock, UnlockWindow)
        typist(unlock.passphrase, passphrase)
        qtbot.mouseClick(unlock.unlock_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: controller.main_window is not None, timeout=15_000)
        main = controller.main_window
        assert isinstance(main, MainWindow) and main.isVisible()
        assert main.clients_tab.model.rowCount() == 2, "shown with its rows"
        assert unlock.take_loaded() is None, "handed over once"
    finally:
        if controller.main_window is not None:
            controller.main_window.close_without_asking()  # type: ignore[attr-defined]
        controller.shutdown()


def test_the_unlock_succeeds_when_loading_after_it_fails(
        qtbot, threaded_ctx: AppContext, closed_vault: Path, typist, passphrase: str) -> None:
    def broken(_vault: object) -> object:
        raise RuntimeError("no rows today")

    window = UnlockWindow(threaded_ctx, closed_vault, after_open=broken)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.unlocked, timeout=15_000):
        typist(window.passphrase, passphrase)
        qtbot.mouseClick(window.unlock_button, Qt.MouseButton.LeftButton)
    assert threaded_ctx.vault is not None
    assert window.take_loaded() is None
