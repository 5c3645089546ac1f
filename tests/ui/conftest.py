"""GUI test fixtures: app names, a per-test QSettings folder, an app context and a real vault."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from therapist_desk import APP_NAME, ORG_NAME
from therapist_desk.paths import AppPaths, resolve_paths
from therapist_desk.ui import gui_gc
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.signals import AppSignals
from therapist_desk.ui.tasks import SyncTaskRunner, TaskRunner

# Quotes, a backslash and non-ASCII: the passphrase must survive every layer (PITFALLS).
PASSPHRASE = "correct horse ☕ \"battery\" \\ 'staple'"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def _gc_on_the_gui_thread(qapp: QApplication) -> Iterator[None]:
    """As in the app (ui/gui_gc.py): no collection on worker threads while a test runs; the
    cycles it left are collected on the GUI thread (here, and before the next test: see
    tests/conftest.py, which keeps automatic collection off from now on)."""
    gui_gc.install(qapp)
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def qsettings_dir(qapp: QApplication, tmp_path: Path) -> Path:
    """Every test's QSettings (native and INI) go to its own folder, under the app's real names."""
    QCoreApplication.setOrganizationName(ORG_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    folder = tmp_path / "qsettings"
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder / "user"))
        QSettings.setPath(fmt, QSettings.Scope.SystemScope, str(folder / "system"))
    return folder


def type_text(qtbot: object, widget: QWidget, text: str) -> None:
    """Type ``text`` into ``widget`` key by key, like qtbot.keyClicks but for any character.

    QTest.keyClicks aborts the process on characters outside Latin-1 (such as the passphrase's
    coffee cup), so those are sent as key events that carry only their text.
    """
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)  # type: ignore[attr-defined]
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char))


@pytest.fixture
def typist(qtbot: object) -> Callable[[QWidget, str], None]:
    """``typist(widget, text)``: type into a real widget, key by key."""
    return lambda widget, text: type_text(qtbot, widget, text)


@pytest.fixture
def passphrase() -> str:
    return PASSPHRASE


@pytest.fixture
def app_paths(tmp_path: Path) -> AppPaths:
    paths = resolve_paths(tmp_path / "data")
    paths.ensure()
    return paths


def _context(paths: AppPaths, runner: TaskRunner) -> Iterator[AppContext]:
    context = AppContext(paths=paths, signals=AppSignals(), tasks=runner)
    yield context
    runner.wait()
    if context.vault is not None:
        context.vault.close()
        context.vault = None


@pytest.fixture
def ctx(app_paths: AppPaths) -> Iterator[AppContext]:
    """A context whose tasks run inline (deterministic)."""
    yield from _context(app_paths, SyncTaskRunner())


@pytest.fixture
def threaded_ctx(app_paths: AppPaths) -> Iterator[AppContext]:
    """A context with the real worker-thread runner the app uses."""
    yield from _context(app_paths, TaskRunner())


def _make_profile(**overrides: object) -> object:
    from therapist_desk.domain.practice import Address, PracticeProfile

    fields: dict[str, object] = {
        "clinician_name": "Avery Testwood", "credentials": "LCSW", "license_number": "LCSW-000123",
        "license_state": "OR", "rendering_npi": "1234567893", "tax_id": "12-3456789",
        "practice_name": "Testwood Counseling (fictional)",
        "address": Address("100 Example Way", "Suite 2", "Portland", "OR", "97201"),
        "phone": "503-555-0100", "email": "office@example.org",
    }
    fields.update(overrides)
    return PracticeProfile(**fields)  # type: ignore[arg-type]


def _make_client(**overrides: object) -> object:
    from therapist_desk.domain.client import Client

    fields: dict[str, object] = {"legal_first_name": "Robin", "legal_last_name": "Fictionalson",
                                 "date_of_birth": date(1988, 3, 14)}
    fields.update(overrides)
    return Client(**fields)  # type: ignore[arg-type]


@pytest.fixture
def make_profile() -> Callable[..., object]:
    """Factory: a valid practice profile (fictional), fields overridable."""
    return _make_profile


@pytest.fixture
def make_client() -> Callable[..., object]:
    """Factory: a valid adult client (fictional), fields overridable."""
    return _make_client


@pytest.fixture
def vault(ctx: AppContext, make_profile: Callable[..., object]) -> object:
    """A real encrypted vault at ``ctx.paths.vault`` with a practice profile, open in ``ctx``."""
    from therapist_desk.services.practice import save_profile
    from therapist_desk.services.vault_access import create_and_open

    ctx.vault = create_and_open(ctx.paths.vault, PASSPHRASE)
    with ctx.unit_of_work() as session:
        save_profile(session, make_profile(), ctx.now())  # type: ignore[arg-type]
    return ctx.vault


@pytest.fixture
def closed_vault(vault: object, ctx: AppContext) -> Path:
    """The same vault, closed again (its lock released): ready for an unlock window."""
    ctx.vault.close()  # type: ignore[union-attr]
    ctx.vault = None
    return ctx.paths.vault


@pytest.fixture
def add_client(ctx: AppContext, make_client: Callable[..., object]) -> Callable[..., int]:
    """Save a client through the service and return its id."""
    from therapist_desk.services.clients import create_client

    def add(**overrides: object) -> int:
        with ctx.unit_of_work() as session:
            saved = create_client(session, make_client(**overrides), ctx.now())  # type: ignore[arg-type]
        assert saved.id is not None
        return saved.id

    return add
