"""Automatic encrypted backups: dated copies in a folder of the clinician's choice, the newest N kept.

The policy (issue 7: "on quit and at most daily, keeping the last N"):

* A backup is a verified, encrypted single-file copy (``store.vault_ops.backup_vault``): it is
  written to ``<name>.partial``, integrity-checked, fsynced and renamed, owner-only (0600). The
  same passphrase the vault had when it was made opens it.
* Automatic backups are named ``vault-YYYYmmdd-HHMMSS.tdvault``. The folder keeps **at most one
  per calendar day**: :func:`run_auto_backup` writes a new one and then removes the *earlier*
  automatic backups of the same day, so the day's file always holds the latest state.
* While the app runs and is unlocked, call ``run_auto_backup(..., on_quit=False)`` after each
  unlock and then every hour: it only writes when the folder has no backup from today
  (:func:`auto_backup_due`).
* On quit, call ``run_auto_backup(..., on_quit=True)``: it always writes, so the work of the
  whole day is in a backup when the app closes, and it replaces today's earlier backup (the
  "at most daily" part). Rotation therefore keeps N *days*, not N quits.
* Every file named ``vault-YYYYmmdd-HHMMSS.tdvault`` in the folder belongs to the rotation set,
  whoever made it (:func:`backup_now` from a "Back Up Now" menu item uses the same name, and so
  does the command line's default backup name). A copy saved under any other name is kept for ever.
* :func:`prune_backups` keeps the newest ``keep`` files and only ever deletes regular files whose
  name matches our automatic pattern exactly. Anything else in the folder (the clinician's own
  files, a backup saved under another name from "Back Up…", ``.partial`` leftovers, symlinks) is
  never touched: the folder may be the clinician's own backup drive.

The backup folder is a per-installation setting, not client data: the UI keeps it in QSettings
under :data:`BACKUP_FOLDER_SETTING` and resolves it with :func:`resolve_backup_dir` (default:
``AppPaths.backup_dir``). This module imports no Qt.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from therapist_desk.services import maintenance
from therapist_desk.services.common import audit
from therapist_desk.services.vault_access import Vault, VaultError, backup_vault
from therapist_desk.store.errors import translate_db_error

log = logging.getLogger(__name__)

__all__ = [
    "BACKUP_FOLDER_SETTING",
    "BACKUP_SUFFIX",
    "BackupFile",
    "auto_backup_due",
    "backup_file_name",
    "backup_now",
    "list_backups",
    "prune_backups",
    "resolve_backup_dir",
    "restore_from_backup",
    "run_auto_backup",
]

BACKUP_SUFFIX: Final = ".tdvault"
# QSettings key for the folder (a path, never client data); the UI owns QSettings.
BACKUP_FOLDER_SETTING: Final = "backups/folder"
_STAMP_FORMAT: Final = "%Y%m%d-%H%M%S"
# Exactly our names: "vault-20261120-173000.tdvault", or "...-2.tdvault" for a second backup
# within the same second. Nothing else is ever listed, rotated or deleted.
_OUR_NAME: Final = re.compile(r"^vault-(\d{8}-\d{6})(?:-(\d{1,4}))?\.tdvault$")
_MAX_SAME_SECOND: Final = 9999


@dataclass(frozen=True, slots=True)
class BackupFile:
    """One automatic backup in the folder; ``taken_at`` comes from its name, not its mtime."""

    path: Path
    taken_at: datetime
    serial: int = 1

    @property
    def sort_key(self) -> tuple[datetime, int]:
        return (self.taken_at, self.serial)


def resolve_backup_dir(setting: object, default: Path) -> Path:
    """The backup folder from its stored setting (a QSettings value) or ``default`` when unset."""
    if isinstance(setting, (str, os.PathLike)) and str(setting).strip():
        return Path(setting).expanduser()
    return default


def backup_file_name(now: datetime, serial: int = 1) -> str:
    """``vault-YYYYmmdd-HHMMSS.tdvault`` (``-N`` added for the N-th backup within one second)."""
    stamp = now.strftime(_STAMP_FORMAT)
    return f"vault-{stamp}{BACKUP_SUFFIX}" if serial == 1 else f"vault-{stamp}-{serial}{BACKUP_SUFFIX}"


def list_backups(backup_dir: Path) -> list[BackupFile]:
    """Our automatic backups in ``backup_dir``, newest first; an absent folder has none."""
    try:
        entries = list(os.scandir(backup_dir))
    except FileNotFoundError:
        return []
    except OSError as exc:
        failure = translate_db_error(exc)
        raise failure from None
    found: list[BackupFile] = []
    for entry in entries:
        match = _OUR_NAME.match(entry.name)
        # follow_symlinks=False: a symlink named like ours is not ours to rotate.
        if match is None or not entry.is_file(follow_symlinks=False):
            continue
        try:
            taken = datetime.strptime(match.group(1), _STAMP_FORMAT)
        except ValueError:  # "vault-20261399-..." is not a date we wrote
            continue
        found.append(BackupFile(Path(entry.path), taken, int(match.group(2) or 1)))
    return sorted(found, key=lambda backup: backup.sort_key, reverse=True)


def auto_backup_due(backup_dir: Path, now: datetime) -> bool:
    """True when ``backup_dir`` holds no automatic backup taken on ``now``'s calendar day.

    A backup dated in the future (the clock was changed) does not count as today's.
    """
    return not any(
        backup.taken_at.date() == now.date() and backup.taken_at <= now
        for backup in list_backups(backup_dir)
    )


def backup_now(vault: Vault, backup_dir: Path, now: datetime, *, reason: str = "manual") -> Path:
    """Write a verified encrypted backup of the open vault into ``backup_dir``; return its path.

    Safe while the app works on the vault (one consistent read snapshot). The file is owner-only.
    The audit log records that a backup was made (its file name, never a folder or content); if
    only that entry cannot be written, the backup still stands and a warning is logged.
    Raises :class:`VaultError` (``DiskFull``, ``VaultReadOnly``, ``VaultCorrupt``...) when no
    backup was made.
    """
    try:
        dest = _free_name(backup_dir, now)
        # backup_vault makes the folder owner-only (0700) and the file 0600 from its first byte.
        written = backup_vault(vault.path, vault.key, dest)
        if os.name == "posix":
            os.chmod(written, 0o600)
    except OSError as exc:  # e.g. a folder on a drive that refuses chmod, or was unplugged
        failure = translate_db_error(exc)
        raise failure from None
    log.info("backup written (%s)", reason)
    try:
        with vault.unit_of_work() as session:
            audit(session, now, "vault.backup", detail=f"{reason} file={written.name}")
    except VaultError:
        log.warning("backup written, but its audit entry could not be saved")
    return written


def prune_backups(backup_dir: Path, keep: int, *, protect: Path | None = None) -> list[Path]:
    """Delete our oldest automatic backups beyond the newest ``keep``; return what was deleted.

    Only files named like ours are considered (see the module docstring); nothing else in the
    folder is ever deleted. ``protect`` (the backup just written) is never deleted, even when
    backups dated in the future (a clock that was wrong) rank it among the oldest.
    """
    if keep < 1:
        raise ValueError("keep at least one backup")
    removed: list[Path] = []
    for old in list_backups(backup_dir)[keep:]:
        if protect is not None and old.path == protect:
            continue
        _remove(old.path)
        removed.append(old.path)
    if removed:
        log.info("removed %d old automatic backup(s)", len(removed))
    return removed


def run_auto_backup(
    vault: Vault, backup_dir: Path, now: datetime, keep: int, *, on_quit: bool = False
) -> Path | None:
    """The automatic backup: the daily one while running, or the one on quit (module docstring).

    Returns the new backup, or None when none was due. Earlier automatic backups of the same
    day are removed only after the new one is complete and verified, then the folder is pruned
    to ``keep``. A failure raises :class:`VaultError` and leaves every existing backup in place.
    """
    if not on_quit and not auto_backup_due(backup_dir, now):
        return None
    written = backup_now(vault, backup_dir, now, reason="quit" if on_quit else "daily")
    for same_day in list_backups(backup_dir):
        # Only the day's *earlier* ones: a later stamp means the clock moved back; keep it.
        if (same_day.path != written and same_day.taken_at.date() == now.date()
                and same_day.taken_at <= now):
            _remove(same_day.path)
    prune_backups(backup_dir, keep, protect=written)
    return written


def restore_from_backup(
    backup: Path, vault_path: Path, passphrase: str, now: datetime
) -> Path | None:
    """Replace the (closed) vault with ``backup``; return where the replaced vault was kept.

    ``passphrase`` is the backup's. The backup is unlocked and fully integrity-checked before
    anything is touched; a damaged or foreign file raises and leaves the vault as it was. The
    replaced vault is kept beside it as ``<stem>.replaced-<timestamp>.tdvault``. The app must
    have closed its vault (engine and lock) first: an open vault refuses with ``VaultInUse``.
    This is ``maintenance.restore`` (which also audits), kept here so the backup menu has one
    module to call.
    """
    return maintenance.restore(backup, vault_path, passphrase, now)


# --- internals -------------------------------------------------------------------------------


def _free_name(backup_dir: Path, now: datetime) -> Path:
    for serial in range(1, _MAX_SAME_SECOND + 1):
        candidate = backup_dir / backup_file_name(now, serial)
        if not candidate.exists():
            return candidate
    raise VaultError("Too many backups were made within one second; try again.")


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        failure = translate_db_error(exc)
        raise failure from None
