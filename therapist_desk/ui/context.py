"""What every window and tab is given: the open vault, app signals, the task runner, the clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from therapist_desk.paths import AppPaths
from therapist_desk.ui.signals import AppSignals

if TYPE_CHECKING:  # for types only: loaded after the first window has painted
    from datetime import datetime

    from sqlalchemy.orm import Session

    from therapist_desk.services.vault_access import Vault
    from therapist_desk.ui.tasks import TaskRunner


def system_clock() -> datetime:
    """Now, to the second (the app's default clock)."""
    from datetime import datetime

    return datetime.now().replace(microsecond=0)


class AppContext:
    """Passed to constructors (never a global). ``vault`` is None while the app is locked.

    ``tasks`` may be left out: the task runner is then made on first use, so the GUI start-up
    does not build it (nor import Qt's thread classes) before the first window has painted.
    """

    def __init__(self, paths: AppPaths, signals: AppSignals, tasks: TaskRunner | None = None,
                 vault: Vault | None = None,
                 clock: Callable[[], datetime] = system_clock) -> None:
        self.paths = paths
        self.signals = signals
        self._tasks = tasks
        self.vault = vault
        self.clock = clock

    def __repr__(self) -> str:
        state = "locked" if self.vault is None else "unlocked"
        return f"AppContext({self.paths.data_dir}, {state})"

    @property
    def tasks(self) -> TaskRunner:
        """The runner for work off the GUI thread (made here on first use if none was given)."""
        if self._tasks is None:
            from PySide6.QtCore import QCoreApplication

            from therapist_desk.ui.tasks import TaskRunner

            self._tasks = TaskRunner(QCoreApplication.instance())
        return self._tasks

    @tasks.setter
    def tasks(self, runner: TaskRunner) -> None:
        self._tasks = runner

    def now(self) -> datetime:
        """The current time from ``clock``."""
        return self.clock()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction on the open vault (raises RuntimeError when locked)."""
        if self.vault is None:
            raise RuntimeError("the vault is locked")
        with self.vault.unit_of_work() as session:
            yield session

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only session on the open vault (raises RuntimeError when locked)."""
        if self.vault is None:
            raise RuntimeError("the vault is locked")
        with self.vault.reader() as session:
            yield session
