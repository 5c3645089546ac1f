"""Whole-vault operations: integrity check, verified backup, restore and passphrase change."""

from __future__ import annotations

import os
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Final

import sqlcipher3.dbapi2 as sqlcipher  # type: ignore[import-untyped]  # ships no stubs

from therapist_desk.paths import make_private_dir
from therapist_desk.store.errors import (
    VaultCorrupt,
    VaultError,
    VaultExists,
    VaultInUse,
    translate_db_error,
)
from therapist_desk.store.vault import (
    _O_BINARY,
    PragmaSource,
    VaultKey,
    _apply_key,
    _check_new_passphrase,
    _connect,
    _dbapi_connection,
    _execute_all,
    _sql_string,
    derive_key,
    open_connection,
    read_salt,
    tighten_permissions,
    unlock,
    vault_files,
)

__all__ = [
    "backup_vault",
    "change_passphrase",
    "check_vault",
    "fsync_folder",
    "integrity_problems",
    "restore_vault",
]

_PARTIAL_SUFFIX: Final = ".partial"


def integrity_problems(source: PragmaSource) -> list[str]:
    """Page-level findings of SQLCipher's HMAC check and SQLite's structure check; empty if healthy.

    Findings name pages, tables and indexes, never row content. ``cipher_integrity_check`` reads
    the main file only, ignoring the WAL: after a passphrase change interrupted between commit
    and checkpoint, the file still holds old-key pages that the WAL supersedes, and it would
    report every page as damaged. So the WAL is folded in first, and if that is impossible
    (read-only, or another connection is reading) only the WAL-aware structure check runs.
    """
    problems: list[str] = []
    with _dbapi_connection(source) as conn:
        cursor = conn.cursor()
        try:
            if _fold_wal(cursor):
                # One row per page whose HMAC fails; none when every page is sealed correctly.
                problems.extend(
                    str(row[0]) for row in _rows(cursor, "PRAGMA cipher_integrity_check")
                )
            structure = [str(row[0]) for row in _rows(cursor, "PRAGMA integrity_check")]
            if structure != ["ok"]:
                problems.extend(structure)
        except VaultCorrupt:
            problems.append("The database structure cannot be read: pages are damaged.")
        finally:
            cursor.close()
    return problems


def check_vault(path: Path, passphrase_or_key: str | VaultKey) -> list[str]:
    """Check a vault that is not open elsewhere; return its integrity problems (empty: healthy).

    Raises :class:`WrongPassphrase` / :class:`NotAVault` when it cannot be opened at all, and
    :class:`VaultCorrupt` when even its schema cannot be read. The connection is read-only
    unless a non-empty WAL has to be folded into the file for the page check (which changes no
    data). For the vault the app has open, call :func:`integrity_problems` on its engine.
    """
    if isinstance(passphrase_or_key, str):
        key = unlock(path, passphrase_or_key)
    else:
        key = passphrase_or_key
    wal = path.with_name(path.name + "-wal")
    needs_fold = wal.exists() and wal.stat().st_size > 0 and os.access(path.parent, os.W_OK)
    with closing(open_connection(path, key, read_only=not needs_fold)) as conn:
        return integrity_problems(conn)


def backup_vault(src_path: Path, key: VaultKey, dest: Path) -> Path:
    """Write a verified, encrypted single-file copy of the vault to ``dest`` and return ``dest``.

    The copy keeps the vault's salt, so the same passphrase unlocks it with :func:`unlock`. It
    is written to ``<dest>.partial``, integrity-checked, fsynced and then renamed over ``dest``,
    so ``dest`` is either the previous file or a complete, checked backup. Safe while the app has
    the vault open: the copy is one consistent read snapshot, WAL content included.
    """
    dest = dest.absolute()
    if dest in {file.absolute() for file in vault_files(src_path)} or dest == src_path.absolute():
        raise VaultExists("A backup cannot be written over the vault itself.")
    salt = read_salt(src_path)
    make_private_dir(dest.parent)
    partial = dest.with_name(dest.name + _PARTIAL_SUFFIX)
    _copy_verified(src_path, key, salt, partial)
    _publish(partial, dest)
    return dest


def restore_vault(backup: Path, vault_path: Path, passphrase: str) -> Path | None:
    """Replace the vault with a verified backup; return where the replaced vault was kept.

    The backup is unlocked with ``passphrase`` and fully checked first; if anything fails, the
    current vault is not touched. The current vault and its -wal/-shm move aside to
    ``<stem>.replaced-<timestamp><suffix>`` (returned; ``None`` if there was no vault). After a
    restore the vault opens with the backup's passphrase.

    The caller must have disposed every engine on ``vault_path`` first (and keep holding the
    :class:`~therapist_desk.store.lock.VaultLock`): open connections would keep writing to the
    file that was moved aside.
    """
    key = unlock(backup, passphrase)
    problems = check_vault(backup, key)
    if problems:
        raise VaultCorrupt(problems=tuple(problems))
    vault_path = vault_path.absolute()
    make_private_dir(vault_path.parent)
    incoming = vault_path.with_name(vault_path.name + ".restoring")
    # A fresh copy through SQLite rather than a byte copy: it folds in any WAL the backup has and
    # is integrity-checked again where it will live.
    _copy_verified(backup, key, read_salt(backup), incoming)
    aside = _move_aside(vault_path)
    try:
        _fsynced_replace(incoming, vault_path)
    except BaseException:
        if aside is not None:
            _move_back(aside, vault_path)
        _remove_with_companions(incoming)
        raise
    tighten_permissions(vault_path)
    return aside


def change_passphrase(path: Path, old_passphrase: str, new_passphrase: str) -> VaultKey:
    """Re-encrypt every page with a key from ``new_passphrase``; return the new key.

    Done in place in WAL mode, which SQLCipher 4 supports for rekey and keeps the salt: all
    re-encrypted pages commit in one WAL transaction, so a crash or kill -9 leaves exactly one of
    the two passphrases working (tests/store/test_vault_ops.py kills it mid-way). The caller
    must have disposed its engine first; other connections would hold the old key.
    """
    _check_new_passphrase(new_passphrase)
    old_key = unlock(path, old_passphrase)
    salt = read_salt(path)
    with closing(open_connection(path, old_key)) as conn:
        # Fold the WAL into the file first so the rekey transaction starts from a clean file;
        # "busy" means another connection is still reading and would see a half-changed key.
        _checkpoint(conn)
        _rekey(conn, _sql_string(new_passphrase))
        _checkpoint(conn)
    new_key = derive_key(new_passphrase, salt)
    with closing(open_connection(path, new_key, read_only=True)):
        pass
    return new_key


# --- internals -------------------------------------------------------------------------------


def _rows(cursor: sqlcipher.Cursor, statement: str) -> list[tuple[object, ...]]:
    failure: VaultError | None = None
    try:
        return list(cursor.execute(statement).fetchall())
    except sqlcipher.Error as exc:
        failure = translate_db_error(exc)
    raise failure


def _fold_wal(cursor: sqlcipher.Cursor) -> bool:
    """Checkpoint the WAL into the file; True when the file alone now holds every page."""
    try:
        row = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlcipher.Error:
        return False  # a read-only connection cannot checkpoint a non-empty WAL
    # (busy, frames in WAL, frames checkpointed): -1 frames = not in WAL mode at all.
    return row is not None and row[0] == 0 and row[1] in (-1, 0)


def _checkpoint(conn: sqlcipher.Connection) -> None:
    rows = _execute_all(conn, "PRAGMA wal_checkpoint(TRUNCATE)")
    if rows and rows[0][0]:
        raise VaultInUse()


def _rekey(conn: sqlcipher.Connection, literal: str) -> None:
    # Through the raw cursor, never text(): SQLAlchemy would quote the statement in its errors.
    # The failure is raised outside the except block so the driver's text is not chained.
    cursor = conn.cursor()
    failure: VaultError | None = None
    try:
        cursor.execute(f"PRAGMA rekey = {literal}")
    except sqlcipher.Error as exc:
        failure = translate_db_error(exc)
    finally:
        cursor.close()
    if failure is not None:
        raise failure


def _copy_verified(src_path: Path, key: VaultKey, salt: bytes, target: Path) -> None:
    """SQLite-backup ``src_path`` into a new file ``target`` (same key and salt), then check it."""
    _remove_with_companions(target)
    try:
        os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY | _O_BINARY, 0o600))
    except OSError as exc:
        failure = translate_db_error(exc)
        raise failure from None
    try:
        with (
            closing(open_connection(src_path, key, read_only=True)) as source,
            closing(_connect(target, read_only=False)) as copy,
        ):
            _apply_key(copy, key.salted_pragma_literal(salt))
            error: VaultError | None = None
            try:
                source.backup(copy)
            except sqlcipher.Error as exc:
                error = translate_db_error(exc)
            if error is not None:
                raise error
            # A backup is one self-contained file: rollback journal mode, no -wal to carry along.
            _execute_all(copy, "PRAGMA journal_mode = DELETE")
            problems = integrity_problems(copy)
            if problems:
                raise VaultCorrupt(problems=tuple(problems))
        if read_salt(target) != salt:
            raise VaultCorrupt("The copy of the vault came out different; nothing was replaced.")
        _fsync_file(target)
    except BaseException:
        _remove_with_companions(target)
        raise


def _publish(partial: Path, dest: Path) -> None:
    try:
        _fsynced_replace(partial, dest)
    except BaseException:
        _remove_with_companions(partial)
        raise
    tighten_permissions(dest)


def _fsynced_replace(source: Path, target: Path) -> None:
    try:
        os.replace(source, target)
        fsync_folder(target.parent)
    except OSError as exc:
        failure = translate_db_error(exc)
        raise failure from None


def _move_aside(vault_path: Path) -> Path | None:
    files = vault_files(vault_path)
    if not files:
        return None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = vault_path.with_name(f"{vault_path.stem}.replaced-{stamp}{vault_path.suffix}")
    counter = 1
    while vault_files(aside):  # two restores within one second must not overwrite each other
        counter += 1
        aside = vault_path.with_name(
            f"{vault_path.stem}.replaced-{stamp}-{counter}{vault_path.suffix}"
        )
    moved: list[tuple[Path, Path]] = []
    try:
        for file in files:
            target = aside.with_name(aside.name + file.name[len(vault_path.name) :])
            os.replace(file, target)
            moved.append((file, target))
        fsync_folder(vault_path.parent)
    except OSError as exc:
        for original, target in reversed(moved):
            os.replace(target, original)
        failure = translate_db_error(exc)
        raise failure from None
    return aside


def _move_back(aside: Path, vault_path: Path) -> None:
    for file in vault_files(aside):
        os.replace(file, vault_path.with_name(vault_path.name + file.name[len(aside.name) :]))


def _remove_with_companions(path: Path) -> None:
    for file in vault_files(path):
        file.unlink(missing_ok=True)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | _O_BINARY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    """Make renames in ``folder`` durable (POSIX); Windows has no directory handles to sync
    and makes renames durable on its own. Also what ``services.pdf_output`` uses."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
