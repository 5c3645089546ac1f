"""Whole-vault chores for the command line and the UI: check, back up, restore, change passphrase.

Thin wrappers over ``store.vault_ops`` that add what a caller should not forget: the
single-writer lock around operations that replace or re-encrypt the file, the audit trail, and
refusing to overwrite files.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.passphrase import MIN_PASSPHRASE_LENGTH, validate_new_passphrase
from therapist_desk.services.audit_log import verify_chain
from therapist_desk.services.common import audit
from therapist_desk.store.database import open_with_key
from therapist_desk.store.errors import VaultExists
from therapist_desk.store.lock import VaultLock
from therapist_desk.store.vault import unlock
from therapist_desk.store import vault_ops

log = logging.getLogger(__name__)

__all__ = ["MIN_PASSPHRASE_LENGTH", "validate_new_passphrase"]  # the window and CLI share one rule

BACKUP_SUFFIX = ".tdvault"


def verify_passphrase(vault_path: Path, passphrase: str) -> None:
    """Raise WrongPassphrase (or NotAVault / VaultNotFound) unless ``passphrase`` opens the vault."""
    unlock(vault_path, passphrase)


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``check`` found: page/structure findings and audit entries that were tampered with."""

    integrity: tuple[str, ...] = ()
    audit_breaks: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.integrity and not self.audit_breaks

    def problems(self) -> list[str]:
        found = [f"integrity: {problem}" for problem in self.integrity]
        found += [f"audit log: entry {entry_id} was changed or removed after it was written"
                  for entry_id in self.audit_breaks]
        return found


def check(vault_path: Path, passphrase: str) -> CheckReport:
    """SQLCipher's page HMACs, SQLite's structure check, then the audit log's hash chain.

    The chain is read through the normal open path (it takes the vault's lock), so the app must
    be closed; the page checks run read-only before that.
    """
    key = unlock(vault_path, passphrase)
    problems = vault_ops.check_vault(vault_path, key)
    if problems:
        log.warning("vault check: %d integrity finding(s)", len(problems))
        return CheckReport(integrity=tuple(problems))
    with open_with_key(vault_path, key) as vault, vault.reader() as session:
        breaks = verify_chain(session)
    if breaks:
        log.warning("vault check: %d audit chain break(s)", len(breaks))
    return CheckReport(audit_breaks=tuple(breaks))


def backup_destination(
    dest: Path | None, backup_dir: Path, now: datetime, *, folder: bool = False
) -> Path:
    """Where a backup goes: a dated file in the backups folder (no ``dest``), a dated file in
    ``dest`` when it is a folder (or ``folder`` says it will be one), else ``dest`` itself."""
    name = f"vault-{now:%Y%m%d-%H%M%S}{BACKUP_SUFFIX}"
    if dest is None:
        return backup_dir / name
    if folder or dest.is_dir():
        return dest / name
    return dest


def backup(vault_path: Path, passphrase: str, dest: Path) -> Path:
    """Write a verified, encrypted copy to ``dest`` (never over an existing file); return it.

    The same passphrase opens the copy. Safe while the app has the vault open.
    """
    if dest.exists():
        raise VaultExists(f"A file already exists at {dest}; choose another name.")
    key = unlock(vault_path, passphrase)
    written = vault_ops.backup_vault(vault_path, key, dest)
    log.info("backup written")
    return written


def restore(backup_path: Path, vault_path: Path, passphrase: str, now: datetime) -> Path | None:
    """Replace the vault with a verified backup; return where the replaced vault was kept.

    ``passphrase`` is the backup's. Nothing is replaced unless the backup unlocks and passes
    every integrity check. Refused with VaultInUse while the app has the vault open.
    """
    if backup_path.resolve() == vault_path.resolve():
        raise VaultExists("The backup to restore is the vault itself.")
    with VaultLock.acquire(vault_path):
        aside = vault_ops.restore_vault(backup_path, vault_path, passphrase)
    key = unlock(vault_path, passphrase)
    with open_with_key(vault_path, key) as vault, vault.unit_of_work() as session:
        audit(session, now, "vault.restore", detail="replaced" if aside else "new")
    log.info("vault restored from a backup")
    return aside


def change_passphrase(vault_path: Path, old: str, new: str, now: datetime) -> None:
    """Re-encrypt the vault with ``new`` (refused while the app has it open) and audit it."""
    validate_new_passphrase(new, "New passphrase")
    if new == old:
        raise ValidationError("New passphrase", "is the same as the current one")
    with VaultLock.acquire(vault_path):
        key = vault_ops.change_passphrase(vault_path, old, new)
    with open_with_key(vault_path, key) as vault, vault.unit_of_work() as session:
        audit(session, now, "vault.rekey")
    log.info("vault passphrase changed")
