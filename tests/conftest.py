"""Test isolation: offscreen Qt, every test's data, config and logs under its own tmp_path, and
garbage collection on the main thread only once Qt is loaded."""

from __future__ import annotations

import gc
import os
import sys

# Must be set before anything imports Qt (pytest-qt creates the QApplication lazily).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point HOME, XDG folders and the data-dir override at a fresh temp folder for every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.delenv("THERAPIST_DESK_DATA_DIR", raising=False)
    monkeypatch.delenv("THERAPIST_DESK_PASSPHRASE", raising=False)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Once a test in this worker process has loaded Qt, automatic collection stays off for the
    rest of it and cycles are collected here, on the main thread, before each test (by CPython's
    own thresholds).

    As in the app (ui/gui_gc.py): a cycle holding a Qt object collected on another thread (a
    worker, or pytest-xdist's I/O thread) deletes it off the GUI thread and crashes Qt later.
    Turning collection back on after a GUI test is not enough: pytest drops the test's fixture
    values after the fixtures' own teardown, so those cycles would be collected by any thread.
    """
    if "PySide6.QtCore" in sys.modules:
        from therapist_desk.ui.gui_gc import collect_due

        gc.disable()
        collect_due()  # the generations CPython would collect now (a full collection is ~0.1 s)
