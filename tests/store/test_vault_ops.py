"""Integrity check, backup, restore and passphrase change on real SQLCipher vaults."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing, suppress
from pathlib import Path

import pytest
from sqlalchemy import text

from therapist_desk.store.errors import (
    NotAVault,
    VaultCorrupt,
    VaultError,
    VaultExists,
    WrongPassphrase,
)
from therapist_desk.store.vault import (
    derive_key,
    make_engine,
    open_connection,
    read_salt,
    unlock,
    vault_files,
)
from therapist_desk.store.vault_ops import (
    backup_vault,
    change_passphrase,
    check_vault,
    integrity_problems,
    restore_vault,
)

from .conftest import VaultFixture, add_rows, content_digest, copy_vault, make_template

REPO_ROOT = Path(__file__).resolve().parents[2]
PAGE = 4096
Snapshot = Callable[[Path], dict[str, tuple[bytes, int]]]


def flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0x01]))


# --- integrity ---------------------------------------------------------------------------------


def test_healthy_vault_has_no_problems(template_vault: VaultFixture) -> None:
    assert template_vault.path.stat().st_size >= 5 * PAGE
    assert check_vault(template_vault.path, template_vault.passphrase) == []
    assert check_vault(template_vault.path, template_vault.key) == []
    engine = make_engine(template_vault.path, template_vault.key)
    try:
        assert integrity_problems(engine) == []
    finally:
        engine.dispose()


def test_flipped_byte_in_a_middle_page_is_reported(fresh_vault: VaultFixture) -> None:
    flip_byte(fresh_vault.path, PAGE * 3 + 100)
    try:
        problems = check_vault(fresh_vault.path, fresh_vault.passphrase)
    except VaultCorrupt as corrupt:
        problems = list(corrupt.problems) or [corrupt.message]
    assert problems, "a damaged page must never pass as healthy"
    assert any("4" in problem for problem in problems)  # page 4 is the one at offset 3 * PAGE


def test_damaged_first_page_looks_like_a_wrong_passphrase(fresh_vault: VaultFixture) -> None:
    flip_byte(fresh_vault.path, 200)
    with pytest.raises(WrongPassphrase):
        check_vault(fresh_vault.path, fresh_vault.passphrase)


# --- backup --------------------------------------------------------------------------------------


def test_backup_opens_with_the_passphrase(fresh_vault: VaultFixture, tmp_path: Path) -> None:
    engine = make_engine(fresh_vault.path, fresh_vault.key)
    try:
        # Rows still in the WAL (engine open, not checkpointed) must be in the backup too.
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO items (body) VALUES ('only in the wal')"))
        dest = tmp_path / "backups" / "vault-2026-01-01.tdvault"
        assert backup_vault(fresh_vault.path, fresh_vault.key, dest) == dest
    finally:
        engine.dispose()
    assert unlock(dest, fresh_vault.passphrase) == fresh_vault.key
    assert read_salt(dest) == read_salt(fresh_vault.path)
    assert content_digest(dest, fresh_vault.key) == content_digest(
        fresh_vault.path, fresh_vault.key
    )
    assert content_digest(dest, fresh_vault.key)[0] == fresh_vault.rows + 1
    assert check_vault(dest, fresh_vault.passphrase) == []
    assert [f.name for f in dest.parent.iterdir() if f.name.startswith(dest.name)] == [dest.name]
    if os.name == "posix":
        assert dest.stat().st_mode & 0o777 == 0o600
        assert dest.parent.stat().st_mode & 0o777 == 0o700
    with closing(open_connection(dest, fresh_vault.key, read_only=True)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_backup_replaces_an_older_backup_atomically(
    fresh_vault: VaultFixture, tmp_path: Path
) -> None:
    dest = tmp_path / "b.tdvault"
    dest.write_bytes(b"an older backup")
    backup_vault(fresh_vault.path, fresh_vault.key, dest)
    assert unlock(dest, fresh_vault.passphrase) == fresh_vault.key


def test_backup_refuses_to_overwrite_the_vault(fresh_vault: VaultFixture) -> None:
    before = fresh_vault.path.read_bytes()
    with pytest.raises(VaultExists):
        backup_vault(fresh_vault.path, fresh_vault.key, fresh_vault.path)
    assert fresh_vault.path.read_bytes() == before


def test_backup_of_a_damaged_vault_fails_and_leaves_no_file(
    fresh_vault: VaultFixture, tmp_path: Path
) -> None:
    flip_byte(fresh_vault.path, PAGE * 3 + 100)
    dest = tmp_path / "b.tdvault"
    with pytest.raises(VaultCorrupt):
        backup_vault(fresh_vault.path, fresh_vault.key, dest)
    assert not vault_files(dest)
    assert not vault_files(dest.with_name(dest.name + ".partial"))


# --- restore ------------------------------------------------------------------------------------


def test_restore_replaces_the_vault_and_keeps_the_old_one_aside(
    fresh_vault: VaultFixture, tmp_path: Path
) -> None:
    backup = tmp_path / "b.tdvault"
    backup_vault(fresh_vault.path, fresh_vault.key, backup)
    add_rows(fresh_vault.path, fresh_vault.key, 7)  # the current vault moves on after the backup
    current = content_digest(fresh_vault.path, fresh_vault.key)

    aside = restore_vault(backup, fresh_vault.path, fresh_vault.passphrase)

    assert aside is not None
    assert aside.exists()
    assert aside.name.startswith(f"{fresh_vault.path.stem}.replaced-")
    assert aside.suffix == fresh_vault.path.suffix
    assert content_digest(aside, fresh_vault.key) == current
    assert unlock(fresh_vault.path, fresh_vault.passphrase) == fresh_vault.key
    assert content_digest(fresh_vault.path, fresh_vault.key) == content_digest(
        backup, fresh_vault.key
    )
    assert check_vault(fresh_vault.path, fresh_vault.key) == []
    if os.name == "posix":
        assert fresh_vault.path.stat().st_mode & 0o777 == 0o600
    # A second restore in the same second must not overwrite the first aside copy.
    second = restore_vault(backup, fresh_vault.path, fresh_vault.passphrase)
    assert second not in (None, aside)
    assert aside.exists()


def test_restore_into_an_empty_place(fresh_vault: VaultFixture, tmp_path: Path) -> None:
    target = tmp_path / "new-install" / "vault.tdvault"
    assert restore_vault(fresh_vault.path, target, fresh_vault.passphrase) is None
    assert content_digest(target, fresh_vault.key)[0] == fresh_vault.rows


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:1000])


def _truncate_to_pages(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: 2 * PAGE])


def _corrupt(path: Path) -> None:
    flip_byte(path, PAGE * 3 + 100)


def _empty(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize(
    ("damage", "passphrase", "expected"),
    [
        (None, "wrong passphrase", WrongPassphrase),
        (_corrupt, None, VaultCorrupt),
        (_truncate, None, NotAVault),
        (_truncate_to_pages, None, VaultError),
        (_empty, None, NotAVault),
    ],
    ids=["wrong-passphrase", "corrupted", "truncated", "truncated-to-pages", "empty"],
)
def test_restore_refuses_a_bad_backup_and_changes_nothing(
    fresh_vault: VaultFixture,
    tmp_path: Path,
    snapshot: Snapshot,
    damage: Callable[[Path], None] | None,
    passphrase: str | None,
    expected: type[VaultError],
) -> None:
    backup = tmp_path / "backups" / "b.tdvault"
    backup_vault(fresh_vault.path, fresh_vault.key, backup)
    if damage is not None:
        damage(backup)
    before = snapshot(fresh_vault.path.parent)
    with pytest.raises(expected):
        restore_vault(backup, fresh_vault.path, passphrase or fresh_vault.passphrase)
    assert snapshot(fresh_vault.path.parent) == before


# --- passphrase change ----------------------------------------------------------------------------


@pytest.mark.parametrize("new", ["brand new ☂ passphrase", 'it\'s "quoted" \\ here; --'])
def test_change_passphrase(fresh_vault: VaultFixture, new: str) -> None:
    before = content_digest(fresh_vault.path, fresh_vault.key)
    salt = read_salt(fresh_vault.path)

    new_key = change_passphrase(fresh_vault.path, fresh_vault.passphrase, new)

    assert new_key == derive_key(new, salt)
    assert read_salt(fresh_vault.path) == salt  # SQLCipher keeps the salt on rekey
    with pytest.raises(WrongPassphrase):
        unlock(fresh_vault.path, fresh_vault.passphrase)
    assert unlock(fresh_vault.path, new) == new_key
    assert content_digest(fresh_vault.path, new_key) == before
    assert check_vault(fresh_vault.path, new_key) == []
    # Nothing may be left encrypted with the old key, in the file or in a -wal.
    assert [f.name for f in vault_files(fresh_vault.path)] in (
        [fresh_vault.path.name],
        [fresh_vault.path.name, fresh_vault.path.name + "-wal", fresh_vault.path.name + "-shm"],
    )


def test_change_passphrase_with_the_wrong_old_one_changes_nothing(
    fresh_vault: VaultFixture, snapshot: Snapshot
) -> None:
    before = snapshot(fresh_vault.path.parent)
    with pytest.raises(WrongPassphrase):
        change_passphrase(fresh_vault.path, "not it", "new one")
    assert snapshot(fresh_vault.path.parent) == before


def test_change_passphrase_refuses_an_empty_new_one(fresh_vault: VaultFixture) -> None:
    with pytest.raises(ValueError, match="empty"):
        change_passphrase(fresh_vault.path, fresh_vault.passphrase, "")
    assert unlock(fresh_vault.path, fresh_vault.passphrase) == fresh_vault.key


_REKEY_CHILD = r"""
import sys
from pathlib import Path
from therapist_desk.store.vault_ops import change_passphrase

path, old, new = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
print("ready", flush=True)
change_passphrase(path, old, new)
print("done", flush=True)
"""

OLD = "old passphrase 1"
NEW = "new passphrase 2"


KillWhen = Callable[[float, int], bool]


def _run_rekey_child(path: Path, kill_when: KillWhen) -> bool:
    """Run change_passphrase in a child and SIGKILL it once ``kill_when(seconds, wal_bytes)``.

    The -wal size shows where the rekey is: it grows while re-encrypted pages are written (the
    commit frame comes last), is full once committed, and drops to 0 after the checkpoint.
    Returns whether the child was killed before it finished.
    """
    wal = path.with_name(path.name + "-wal")
    child = subprocess.Popen(
        [sys.executable, "-c", _REKEY_CHILD, str(path), OLD, NEW],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
    )
    assert child.stdout is not None
    try:
        assert child.stdout.readline().strip() == "ready"
        started = time.perf_counter()
        while child.poll() is None:
            try:
                wal_bytes = wal.stat().st_size
            except FileNotFoundError:
                wal_bytes = -1
            if kill_when(time.perf_counter() - started, wal_bytes):
                child.kill()
                child.wait(timeout=60)
                return True
        assert child.returncode == 0
        return False
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()


def _wal_at_least(fraction: float, db_bytes: int) -> KillWhen:
    return lambda _seconds, wal_bytes: wal_bytes >= fraction * db_bytes


def _after_commit(delay: float, db_bytes: int) -> KillWhen:
    committed_at: list[float] = []

    def when(seconds: float, wal_bytes: int) -> bool:
        if not committed_at and wal_bytes >= db_bytes:
            committed_at.append(seconds)
        return bool(committed_at) and seconds - committed_at[0] >= delay

    return when


@pytest.mark.slow
def test_rekey_killed_midway_leaves_exactly_one_working_passphrase(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # ~8 MB, so writing the re-encrypted pages takes tens of milliseconds and can be hit.
    template = make_template(tmp_path_factory.mktemp("big"), rows=2000, width=2000)
    old = copy_vault(template, tmp_path_factory.mktemp("old-pass"))
    old_key = change_passphrase(old.path, template.passphrase, OLD)
    old = VaultFixture(old.path, old_key, OLD, template.rows)
    expected = content_digest(old.path, old_key)
    db_bytes = old.path.stat().st_size
    assert expected[0] == 2000
    assert db_bytes > 4_000_000

    rng = random.Random(20260101)
    plans: list[KillWhen] = [
        lambda seconds, _wal: seconds >= rng.uniform(0.05, 0.3),  # before or during the KDFs
        _wal_at_least(rng.uniform(0.1, 0.3), db_bytes),  # re-encrypted pages half written
        _wal_at_least(rng.uniform(0.4, 0.6), db_bytes),
        _wal_at_least(rng.uniform(0.7, 0.9), db_bytes),
        _after_commit(rng.uniform(0.0, 0.01), db_bytes),  # committed, checkpoint under way
        _after_commit(rng.uniform(0.02, 0.2), db_bytes),
    ]
    killed = 0
    for attempt, plan in enumerate(plans):
        victim = copy_vault(old, tmp_path_factory.mktemp(f"kill{attempt}"))
        killed += _run_rekey_child(victim.path, plan)
        working = []
        for passphrase in (OLD, NEW):
            with suppress(WrongPassphrase):
                working.append(unlock(victim.path, passphrase))
        assert len(working) == 1, f"attempt {attempt}: {len(working)} passphrases open the vault"
        key = working[0]
        # Open read-write, as the app would, so a committed WAL is recovered, then check it all.
        with closing(open_connection(victim.path, key)) as conn:
            assert integrity_problems(conn) == []
        assert content_digest(victim.path, key) == expected, f"attempt {attempt}"
    assert killed >= 4, "most kills must land while the passphrase change is under way"
