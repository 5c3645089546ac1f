"""Sign-in events for the audit log: unlocks, locks, and failed unlocks counted while the vault is shut.

A failed unlock cannot be written into the vault: without the passphrase there is no key to
write with. So failed attempts are *counted* (:class:`FailedUnlockCounter`) and written as one
entry, ``auth.failed_unlocks`` with ``count=N first=<time> last=<time>``, in the same transaction
as the next successful unlock's ``auth.unlock`` entry (:func:`record_unlock`). The clinician then
sees, in the audit log, that someone tried.

The count lives in memory and, when the counter is given a ``state_file`` (the app passes
``<data folder>/failed-unlocks.json``), also in that small owner-only file, so attempts survive
the app being closed before anyone gets in. The file holds a number and two times, nothing about
any client. It is a hint, not proof: someone with access to the folder can delete it, and
someone who copies the vault and guesses offline never touches it (the passphrase's strength
and the KDF are the defence there). Only :class:`WrongPassphrase` counts; a missing file, a
vault in use or a damaged file is not an attempt at the passphrase.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from therapist_desk.services.common import audit
from therapist_desk.services.vault_access import Vault, VaultError, WrongPassphrase, open_vault

log = logging.getLogger(__name__)

__all__ = [
    "FAILED_UNLOCKS_ACTION",
    "FAILED_UNLOCKS_FILENAME",
    "LOCK_ACTION",
    "UNLOCK_ACTION",
    "FailedUnlockCounter",
    "FailedUnlocks",
    "open_vault_recorded",
    "record_failed_unlock",
    "record_lock",
    "record_unlock",
]

UNLOCK_ACTION: Final = "auth.unlock"
LOCK_ACTION: Final = "auth.lock"
FAILED_UNLOCKS_ACTION: Final = "auth.failed_unlocks"
FAILED_UNLOCKS_FILENAME: Final = "failed-unlocks.json"
# Why the vault was locked, as written into the audit entry (the watcher's reasons and the menu).
LOCK_REASONS: Final = frozenset({"manual", "idle", "sleep", "suspended", "session_locked", "quit"})


@dataclass(frozen=True, slots=True)
class FailedUnlocks:
    """How many wrong passphrases were tried since the last successful unlock, and when."""

    count: int
    first_at: datetime
    last_at: datetime

    def detail(self) -> str:
        """The audit entry's detail: counts and times only."""
        return (f"count={self.count} first={self.first_at.isoformat()} "
                f"last={self.last_at.isoformat()}")


class FailedUnlockCounter:
    """Counts wrong passphrases until the next successful unlock writes them to the audit log.

    Thread-safe (the unlock runs on a worker). With ``state_file`` the count is also kept on
    disk, owner-only; a missing or unreadable file just means "no attempts recorded".
    """

    def __init__(self, state_file: Path | None = None) -> None:
        self._state_file = state_file
        self._lock = threading.Lock()
        self._pending: FailedUnlocks | None = self._load()

    @property
    def pending(self) -> FailedUnlocks | None:
        with self._lock:
            return self._pending

    def record(self, now: datetime) -> int:
        """Count one wrong passphrase at ``now``; return the count so far."""
        with self._lock:
            current = self._pending
            if current is None:
                self._pending = FailedUnlocks(1, now, now)
            else:
                self._pending = FailedUnlocks(current.count + 1, current.first_at, now)
            self._save(self._pending)
            return self._pending.count

    def clear(self, written: FailedUnlocks | None = None) -> None:
        """Forget the attempts (after they reached the audit log).

        With ``written``, only if nothing new was counted since that snapshot was taken.
        """
        with self._lock:
            if written is not None and self._pending != written:
                # Attempts arrived between the snapshot and now: keep the ones not yet written.
                assert self._pending is not None
                extra = self._pending.count - written.count
                self._pending = (FailedUnlocks(extra, written.last_at, self._pending.last_at)
                                 if extra > 0 else None)
            else:
                self._pending = None
            self._save(self._pending)

    # --- the state file --------------------------------------------------------------------

    def _load(self) -> FailedUnlocks | None:
        if self._state_file is None:
            return None
        try:
            data = json.loads(self._state_file.read_text(encoding="utf-8"))
            count = int(data["count"])
            first = datetime.fromisoformat(str(data["first"]))
            last = datetime.fromisoformat(str(data["last"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("the failed-unlock record could not be read; starting a new count")
            return None
        return FailedUnlocks(count, first, last) if count > 0 else None

    def _save(self, state: FailedUnlocks | None) -> None:
        path = self._state_file
        if path is None:
            return
        try:
            if state is None:
                path.unlink(missing_ok=True)
                return
            payload = json.dumps({"count": state.count, "first": state.first_at.isoformat(),
                                  "last": state.last_at.isoformat()})
            fd, temp = tempfile.mkstemp(prefix=".failed-unlocks-", dir=path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(payload)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temp, path)  # mkstemp made it 0600
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except OSError:
            # Counting must never stop an unlock; the in-memory count still reaches the log.
            log.warning("the failed-unlock record could not be written")


def record_failed_unlock(counter: FailedUnlockCounter, now: datetime) -> int:
    """Count a wrong passphrase (the vault cannot be written to yet); return the count so far."""
    count = counter.record(now)
    log.info("wrong passphrase (%d since the last unlock)", count)
    return count


def record_unlock(vault: Vault, now: datetime, counter: FailedUnlockCounter | None = None) -> int:
    """Audit a successful unlock, with the failed attempts before it in the same transaction.

    Returns how many failed attempts were written (0 if none). The counter is cleared only after
    the commit, so a failed write (disk full) keeps the count for the next unlock.
    """
    pending = counter.pending if counter is not None else None
    with vault.unit_of_work() as session:
        if pending is not None:
            audit(session, now, FAILED_UNLOCKS_ACTION, detail=pending.detail())
        audit(session, now, UNLOCK_ACTION)
    if counter is not None and pending is not None:
        counter.clear(pending)
        log.warning("%d failed unlock attempt(s) before this unlock", pending.count)
    return pending.count if pending is not None else 0


def record_lock(vault: Vault, now: datetime, reason: str = "manual") -> None:
    """Audit a lock (before the vault closes); ``reason`` is one of :data:`LOCK_REASONS`."""
    if reason not in LOCK_REASONS:
        raise ValueError(f"unknown lock reason {reason!r}")
    with vault.unit_of_work() as session:
        audit(session, now, LOCK_ACTION, detail=f"reason={reason}")


def open_vault_recorded(
    path: Path, passphrase: str, now: datetime, counter: FailedUnlockCounter
) -> Vault:
    """``open_vault`` that counts a wrong passphrase and audits the unlock (for a worker thread).

    Raises what ``open_vault`` raises. If only the audit entry cannot be written (disk full),
    the vault is still returned open, since refusing a clinician their records over a log line
    would be worse, and the count waits for the next unlock.
    """
    try:
        vault = open_vault(path, passphrase)
    except WrongPassphrase:
        record_failed_unlock(counter, now)
        raise
    try:
        record_unlock(vault, now, counter)
    except VaultError:
        log.warning("the unlock could not be written to the audit log")
    return vault
