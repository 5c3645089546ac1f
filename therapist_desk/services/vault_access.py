"""The vault as the UI and the command line see it: open, create, check, back up, restore, rekey.

The UI imports these names from here, never from ``store`` (ui -> services -> store).
"""

from __future__ import annotations

from therapist_desk.store.database import (
    Vault,
    create_and_open,
    current_revision,
    head_revision,
    open_vault,
    open_with_key,
)
from therapist_desk.store.errors import (
    DiskFull,
    NotAVault,
    VaultCorrupt,
    VaultError,
    VaultExists,
    VaultInUse,
    VaultIOError,
    VaultNotFound,
    VaultReadOnly,
    WrongPassphrase,
)
from therapist_desk.store.repositories.clients import RecordNotFound
from therapist_desk.store.vault import VaultKey, derive_key, read_salt, unlock
from therapist_desk.store.vault_ops import (
    backup_vault,
    change_passphrase,
    check_vault,
    restore_vault,
)

__all__ = [
    "DiskFull",
    "NotAVault",
    "RecordNotFound",
    "Vault",
    "VaultCorrupt",
    "VaultError",
    "VaultExists",
    "VaultIOError",
    "VaultInUse",
    "VaultKey",
    "VaultNotFound",
    "VaultReadOnly",
    "WrongPassphrase",
    "backup_vault",
    "change_passphrase",
    "check_vault",
    "create_and_open",
    "current_revision",
    "derive_key",
    "head_revision",
    "open_vault",
    "open_with_key",
    "read_salt",
    "restore_vault",
    "unlock",
]
