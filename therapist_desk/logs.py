"""Logging: a rotating file in the user log folder; lines carry ids and events, never client data."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

LOG_FILENAME = "therapist-desk.log"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(log_dir: Path, *, level: int = logging.INFO) -> Path:
    """Send the app's logs to ``log_dir/therapist-desk.log`` (1 MiB x 5, owner-only).

    SQLAlchemy's engine logger stays at WARNING: at INFO it would write SQL parameters, which
    can be note text.
    """
    from therapist_desk.paths import make_private_dir

    make_private_dir(log_dir, tighten_existing=True)
    path = log_dir / LOG_FILENAME
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1 << 20, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter(_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_therapist_desk", False)]:
        root.removeHandler(old)
        old.close()
    handler._therapist_desk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("sqlalchemy.engine", "sqlalchemy.pool", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if os.name == "posix" and path.exists():
        os.chmod(path, 0o600)
    return path


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
