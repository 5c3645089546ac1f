"""Logging: a rotating file in the user log folder; lines carry ids and events, never client data.

``logging.handlers`` (sockets, pickle, queues: ~8 ms) is not imported until rotation is turned
on: the window's start-up logs to the same file through a plain handler until its first paint,
then calls :func:`enable_rotation`.
"""

from __future__ import annotations

import logging
import os
from io import TextIOWrapper
from pathlib import Path

LOG_FILENAME = "therapist-desk.log"
MAX_BYTES = 1 << 20
BACKUP_COUNT = 5
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _OwnerOnly:
    """For a ``FileHandler`` subclass: every file it opens (or creates, as a rotation does) is
    owner-only (0600) on POSIX, from its first byte and whatever the umask.

    A plain handler creates files per the umask (0644, typically), and a RotatingFileHandler
    creates a new one at every rotation; the renamed backups keep the current file's mode.
    The mode is given to this one ``open`` call, not to the process (``os.umask`` is
    process-wide and would race with other threads creating files).
    """

    baseFilename: str
    mode: str
    encoding: str | None
    errors: str | None

    def _open(self) -> TextIOWrapper:
        if os.name != "posix":
            return open(self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors)
        flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in self.mode else os.O_TRUNC)
        fd = os.open(self.baseFilename, flags, 0o600)  # a new file: 0600 less the umask
        try:
            os.fchmod(fd, 0o600)  # exactly 0600: an existing file, or an unusual umask
            return open(fd, self.mode, encoding=self.encoding, errors=self.errors)
        except BaseException:
            os.close(fd)
            raise


class _PrivateFileHandler(_OwnerOnly, logging.FileHandler):
    """The plain (not rotating) log file handler, owner-only."""


def _private_rotating_handler(path: Path) -> logging.FileHandler:
    """A ``RotatingFileHandler`` on ``path`` whose files are owner-only (see _OwnerOnly).

    The class is made here because ``logging.handlers`` is imported only once rotation is on.
    """
    import logging.handlers

    class PrivateRotatingFileHandler(_OwnerOnly, logging.handlers.RotatingFileHandler):
        """Rotating, and every file it creates is 0600."""

    return PrivateRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT,
                                      encoding="utf-8")


class _AppLogHandler(logging.Handler):
    """The app's one handler on the root logger: writes to a plain file handler, or (once
    rotation is on) to a ``RotatingFileHandler`` on the same file.

    The target is swapped under this handler's lock, which every record takes on its way in, so
    no line is lost or written twice while a worker thread logs during the swap.
    """

    _therapist_desk = True  # how smoke.py finds (and closes) the app's handlers

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.rotating = False
        self._target: logging.FileHandler = _PrivateFileHandler(path, encoding="utf-8")

    def enable_rotation(self) -> None:
        if self.rotating:
            return
        rotating = _private_rotating_handler(self.path)
        rotating.setFormatter(self.formatter)
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            old, self._target = self._target, rotating
            self.rotating = True
            old.close()

    def setFormatter(self, fmt: logging.Formatter | None) -> None:
        super().setFormatter(fmt)
        self._target.setFormatter(fmt)

    def emit(self, record: logging.LogRecord) -> None:
        self._target.emit(record)  # handle() holds self.lock around this

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._target.flush()

    def close(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._target.close()
        super().close()


def _app_handler() -> _AppLogHandler | None:
    return next((h for h in logging.getLogger().handlers if isinstance(h, _AppLogHandler)), None)


def setup_logging(log_dir: Path, *, level: int = logging.INFO, rotate: bool = True) -> Path:
    """Send the app's logs to ``log_dir/therapist-desk.log`` (1 MiB x 5, owner-only).

    With ``rotate=False`` the file is appended to without rotating until
    :func:`enable_rotation` (the window's start-up calls it after its first paint).

    SQLAlchemy's engine logger stays at WARNING: at INFO it would write SQL parameters, which
    can be note text.
    """
    from therapist_desk.paths import make_private_dir

    make_private_dir(log_dir, tighten_existing=True)
    path = log_dir / LOG_FILENAME
    handler = _AppLogHandler(path)
    handler.setFormatter(logging.Formatter(_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _AppLogHandler)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("sqlalchemy.engine", "sqlalchemy.pool", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if os.name == "posix":  # backups an older version left readable (the handler made path 0600)
        for n in range(1, BACKUP_COUNT + 1):
            backup = path.with_name(f"{path.name}.{n}")
            if backup.exists():
                os.chmod(backup, 0o600)
    if rotate:
        handler.enable_rotation()
    return path


def enable_rotation() -> None:
    """Rotate the app's log file from now on (a no-op when it already does or is not set up)."""
    handler = _app_handler()
    if handler is not None:
        handler.enable_rotation()


def scrubbed_traceback(error: BaseException) -> str:
    """Where it happened (files, lines, functions, exception types) of ``error`` and its causes,
    never exception messages.

    Messages and arguments of unexpected exceptions can quote what was being processed (a
    client's name, a note, SQL); log files must never hold that. The frames and the exception's
    type are enough to find the bug.
    """
    import traceback  # only once something went wrong (app.py: imports before the first paint)

    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = type(current)
        frames = traceback.extract_tb(current.__traceback__)
        lines = [f"  {f.filename}:{f.lineno} in {f.name}" for f in frames]
        parts.append("\n".join([f"{kind.__module__}.{kind.__qualname__}", *lines]))
        current = current.__cause__ or current.__context__
    return "\n-- raised while handling --\n".join(parts)


def log_unexpected(logger: logging.Logger, what: str, error: BaseException) -> None:
    """Log a bug-like failure with its frames but without its message (see scrubbed_traceback)."""
    logger.error("%s: %s\n%s", what, type(error).__name__, scrubbed_traceback(error))


def disable_core_dumps() -> None:
    """A core dump would hold decrypted records and the key in plain bytes."""
    try:
        import resource
    except ImportError:  # Windows: no core dumps in the POSIX sense
        return
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        logging.getLogger(__name__).warning("could not disable core dumps")
