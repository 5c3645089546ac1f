"""Single-writer lock: one running copy of the app per vault, held on a ``<vault>.lock`` file."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from types import TracebackType

from therapist_desk.store.errors import VaultError, VaultInUse, translate_db_error

__all__ = ["VaultLock", "lock_path_for"]


def lock_path_for(vault_path: Path) -> Path:
    return vault_path.with_name(vault_path.name + ".lock")


class VaultLock:
    """An OS lock on ``<vault>.lock``; the OS drops it when the process dies, so none go stale.

    Deliberately no ``__del__``: a lock that vanished with a forgotten reference would let a
    second copy in, so an unreleased lock stays held until the process exits.
    The lock file is never deleted: removing it would let a second process lock a fresh file
    while the first still holds the old one, and both would believe they are alone.
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, vault_path: Path) -> VaultLock:
        """Lock the vault or raise :class:`VaultInUse` at once (never waits)."""
        path = lock_path_for(vault_path)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
        except OSError as exc:
            open_failure = translate_db_error(exc)
            raise open_failure from None
        failure: VaultError | None = None
        try:
            if os.name == "posix":
                os.fchmod(fd, 0o600)
            _lock(fd)
        except OSError as exc:
            failure = VaultInUse() if _held_elsewhere(exc) else translate_db_error(exc)
        if failure is not None:
            os.close(fd)
            raise failure
        return cls(path, fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Let go of the lock; calling it twice is harmless."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        finally:
            os.close(fd)  # closing alone drops the lock too; the explicit unlock is for clarity

    def __enter__(self) -> VaultLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> None:
        # One byte at offset 0; Windows allows locking past the end of an empty file.
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    def _held_elsewhere(exc: OSError) -> bool:
        # LK_NBLCK reports a lock held by someone else as EACCES or EDEADLOCK.
        return exc.errno in {errno.EACCES, errno.EDEADLOCK}

else:
    import fcntl

    def _lock(fd: int) -> None:
        # flock, not fcntl/lockf: POSIX record locks belong to the process and are silently
        # dropped when *any* descriptor of the file is closed, even one opened elsewhere.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    def _held_elsewhere(exc: OSError) -> bool:
        return exc.errno in {errno.EWOULDBLOCK, errno.EAGAIN}
