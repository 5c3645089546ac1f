"""What every window and tab is given: the open vault, app signals, the task runner, the clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from therapist_desk.paths import AppPaths
from therapist_desk.ui.signals import AppSignals
from therapist_desk.ui.tasks import TaskRunner

if TYPE_CHECKING:  # imported for types only: SQLAlchemy loads after the unlock window paints
    from sqlalchemy.orm import Session

    from therapist_desk.services.vault_access import Vault


def system_clock() -> datetime:
    return datetime.now().replace(microsecond=0)


@dataclass
class AppContext:
    """Passed to constructors (never a global). ``vault`` is None while the app is locked."""

    paths: AppPaths
    signals: AppSignals
    tasks: TaskRunner
    vault: Vault | None = None
    clock: Callable[[], datetime] = field(default=system_clock)

    def now(self) -> datetime:
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
        if self.vault is None:
            raise RuntimeError("the vault is locked")
        with self.vault.reader() as session:
            yield session
