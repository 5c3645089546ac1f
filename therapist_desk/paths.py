"""Where the vault, settings, logs and backups live; resolved once, explicitly, at start-up."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from therapist_desk import APP_NAME, ORG_NAME

DATA_DIR_ENV = "THERAPIST_DESK_DATA_DIR"
VAULT_FILENAME = "vault.tdvault"


class AppPaths(NamedTuple):
    """The folders the app writes to. Everything client-related stays inside ``vault``.

    A NamedTuple (immutable, compared by value) rather than a dataclass: this is on the way to
    the first window, and ``dataclasses`` would be imported for it alone.
    """

    data_dir: Path
    log_dir: Path
    backup_dir: Path

    @property
    def vault(self) -> Path:
        """The vault file."""
        return self.data_dir / VAULT_FILENAME

    def ensure(self) -> None:
        """Create the folders owner-only (0700) if they do not exist yet."""
        for folder in (self.data_dir, self.log_dir, self.backup_dir):
            make_private_dir(folder, tighten_existing=True)


def make_private_dir(folder: Path, *, tighten_existing: bool = False) -> None:
    """Create ``folder`` (and its parents) owner-only.

    A folder that already exists is left as it is unless ``tighten_existing``: a backup folder
    the clinician chose on their own drive (vfat, a network share) may refuse chmod.
    """
    existed = folder.is_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix" and (tighten_existing or not existed):
        os.chmod(folder, 0o700)


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
    """Resolve the app's folders: ``--data-dir``, then ``THERAPIST_DESK_DATA_DIR``, then platformdirs.

    With an explicit data folder, logs and backups live inside it, so a test or a portable
    install never writes anywhere else.
    """
    chosen = data_dir or os.environ.get(DATA_DIR_ENV) or None
    if chosen:
        root = Path(chosen).expanduser().resolve()
        return AppPaths(data_dir=root, log_dir=root / "logs", backup_dir=root / "backups")
    import platformdirs

    dirs = platformdirs.PlatformDirs(APP_NAME, ORG_NAME, roaming=False)
    data = Path(dirs.user_data_dir)
    return AppPaths(data_dir=data, log_dir=Path(dirs.user_log_dir), backup_dir=data / "backups")
