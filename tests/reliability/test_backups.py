"""Automatic backups (daily, on quit, keep N, never touch foreign files), restore, and rekey killed."""

from __future__ import annotations

import os
import random
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.factories import FIXED_NOW, TEST_PASSPHRASE, make_client, new_vault
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import backups, clients, drafts, notes
from therapist_desk.services.audit_log import list_events, verify_chain
from therapist_desk.services.vault_access import (
    Vault,
    VaultCorrupt,
    VaultError,
    WrongPassphrase,
    check_vault,
    open_vault,
    open_with_key,
    unlock,
)
from therapist_desk.store.vault_ops import integrity_problems

REPO_ROOT = Path(__file__).resolve().parents[2]
PAGE = 4096


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    opened = new_vault(tmp_path / "data")
    with opened.unit_of_work() as session:
        client_id = clients.create_client(session, make_client(), FIXED_NOW).id
        notes.save_note(session, _note(client_id, "before the backup"), FIXED_NOW)
    yield opened
    opened.close()


def _note(client_id: int | None, text: str) -> SessionNote:
    assert client_id is not None
    return SessionNote(client_id=client_id, session_date=date(2026, 11, 18),
                       sections=(("Subjective", text),))


def _texts(vault: Vault) -> set[str]:
    with vault.reader() as session:
        summaries = clients.list_clients(session)
        return {notes.get_note(session, s.id).section("Subjective")
                for c in summaries for s in notes.list_notes(session, c.id)}


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- backup now -------------------------------------------------------------------------------


def test_backup_now_writes_a_dated_owner_only_copy_that_opens(vault: Vault, tmp_path: Path) -> None:
    folder = tmp_path / "my backup drive"
    written = backups.backup_now(vault, folder, FIXED_NOW)
    assert written == folder / "vault-20261120-173000.tdvault"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert _names(folder) == [written.name]  # no .partial, no -wal left behind
    assert check_vault(written, TEST_PASSPHRASE) == []  # the vault's passphrase opens it
    copy = tmp_path / "restored" / "vault.tdvault"
    copy.parent.mkdir()
    shutil.copyfile(written, copy)
    with open_vault(copy, TEST_PASSPHRASE) as opened:
        assert _texts(opened) == {"before the backup"}
    with vault.reader() as session:
        last = list_events(session, action="vault.backup")[-1]
    assert last.detail == f"manual file={written.name}"
    assert str(folder) not in last.detail

    second = backups.backup_now(vault, folder, FIXED_NOW)  # same second: a new name, no overwrite
    assert second.name == "vault-20261120-173000-2.tdvault"
    assert [b.path for b in backups.list_backups(folder)] == [second, written]


def test_backup_folder_setting_defaults_to_the_app_folder(tmp_path: Path) -> None:
    default = tmp_path / "backups"
    assert backups.resolve_backup_dir(None, default) == default
    assert backups.resolve_backup_dir("  ", default) == default
    assert backups.resolve_backup_dir(str(tmp_path / "usb"), default) == tmp_path / "usb"


# --- daily, on quit, rotation -------------------------------------------------------------------


def test_daily_backup_runs_at_most_once_a_day(vault: Vault, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    morning = datetime(2026, 11, 20, 8, 0)
    assert backups.auto_backup_due(folder, morning)
    first = backups.run_auto_backup(vault, folder, morning, keep=10)
    assert first is not None
    assert not backups.auto_backup_due(folder, morning + timedelta(hours=9))
    assert backups.run_auto_backup(vault, folder, morning + timedelta(hours=9), keep=10) is None
    assert _names(folder) == [first.name]
    # Next day: due again.
    tomorrow = morning + timedelta(days=1)
    assert backups.auto_backup_due(folder, tomorrow)
    assert backups.run_auto_backup(vault, folder, tomorrow, keep=10) is not None
    assert len(backups.list_backups(folder)) == 2


def test_a_backup_dated_in_the_future_does_not_count_as_today(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "vault-20261120-235959.tdvault").write_bytes(b"x")
    assert backups.auto_backup_due(folder, datetime(2026, 11, 20, 9, 0))
    assert not backups.auto_backup_due(folder, datetime(2026, 11, 20, 23, 59, 59))


def test_quit_backup_refreshes_todays_backup(vault: Vault, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    morning, evening = datetime(2026, 11, 20, 8, 0), datetime(2026, 11, 20, 18, 0)
    yesterday = backups.run_auto_backup(vault, folder, morning - timedelta(days=1), keep=10)
    backups.run_auto_backup(vault, folder, morning, keep=10)
    with vault.unit_of_work() as session:  # the day's work
        client_id = clients.list_clients(session)[0].id
        notes.save_note(session, _note(client_id, "written in the afternoon"), evening)
    quit_backup = backups.run_auto_backup(vault, folder, evening, keep=10, on_quit=True)
    assert quit_backup is not None and yesterday is not None
    # One file per day, and today's holds the afternoon's note.
    assert [b.path for b in backups.list_backups(folder)] == [quit_backup, yesterday]
    copy = tmp_path / "check" / "vault.tdvault"
    copy.parent.mkdir()
    shutil.copyfile(quit_backup, copy)
    with open_vault(copy, TEST_PASSPHRASE) as opened:
        assert "written in the afternoon" in _texts(opened)


FOREIGN = (
    "vault-notes.txt",
    "my-own-backup.tdvault",
    "therapist-desk-2026-11-01-0900.tdvault",  # saved with "Back Up…" under its own name
    "vault-20260101-1200.tdvault",  # not our exact pattern
    "VAULT-20200101-000000.tdvault",
    "vault-20261399-000000.tdvault",  # not a date
    "vault-20200101-000000.tdvault.partial",
    "vault-20200101-000000.tdvault-wal",
    "vault.tdvault",
    "tax return 2025.pdf",
)


def test_rotation_keeps_the_newest_n_and_never_touches_anything_else(
    vault: Vault, tmp_path: Path,
) -> None:
    folder = tmp_path / "clinician's backup drive"
    folder.mkdir()
    for name in FOREIGN:
        (folder / name).write_bytes(b"the clinician's own file: " + name.encode())
    (folder / "vault-20200101-000000.tdvault").mkdir()  # a folder named like ours
    elsewhere = tmp_path / "elsewhere.tdvault"
    elsewhere.write_bytes(b"not in the folder")
    (folder / "vault-20200102-000000.tdvault").symlink_to(elsewhere)  # a link named like ours
    before = {name: (folder / name).read_bytes() for name in FOREIGN}

    start = datetime(2026, 11, 1, 18, 0)
    written = [backups.run_auto_backup(vault, folder, start + timedelta(days=day), keep=5,
                                       on_quit=True) for day in range(8)]
    ours = [b.path for b in backups.list_backups(folder)]
    assert ours == list(reversed(written))[:5]  # the newest five, newest first
    assert {name: (folder / name).read_bytes() for name in FOREIGN} == before
    assert (folder / "vault-20200101-000000.tdvault").is_dir()
    assert (folder / "vault-20200102-000000.tdvault").is_symlink() and elsewhere.exists()

    removed = backups.prune_backups(folder, keep=1)
    assert removed == ours[1:]
    assert [b.path for b in backups.list_backups(folder)] == ours[:1]
    assert {name: (folder / name).read_bytes() for name in FOREIGN} == before
    with pytest.raises(ValueError):
        backups.prune_backups(folder, keep=0)


def test_the_new_backup_survives_a_folder_of_future_dated_ones(vault: Vault, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    future = folder / "vault-20300101-120000.tdvault"  # written while the clock was years ahead
    future.write_bytes(b"x")
    written = backups.run_auto_backup(vault, folder, FIXED_NOW, keep=1, on_quit=True)
    assert written is not None and written.exists()
    assert future.exists()  # the newest by name is kept too: keep=1 never leaves zero current


def test_a_failed_backup_keeps_every_earlier_one(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "backups"
    old = [backups.run_auto_backup(vault, folder, datetime(2026, 11, d, 18, 0), keep=2,
                                   on_quit=True) for d in (18, 19)]

    def full_disk(*_args: object) -> Path:
        from therapist_desk.services.vault_access import DiskFull

        raise DiskFull()

    monkeypatch.setattr(backups, "backup_vault", full_disk)
    with pytest.raises(VaultError):
        backups.run_auto_backup(vault, folder, datetime(2026, 11, 20, 18, 0), keep=2, on_quit=True)
    assert [b.path for b in backups.list_backups(folder)] == list(reversed(old))


def test_listing_a_missing_folder_is_empty(tmp_path: Path) -> None:
    assert backups.list_backups(tmp_path / "not there") == []
    assert backups.auto_backup_due(tmp_path / "not there", FIXED_NOW)


# --- restore ------------------------------------------------------------------------------------


def test_restore_verifies_then_keeps_the_replaced_vault_aside(vault: Vault, tmp_path: Path) -> None:
    backup = backups.backup_now(vault, tmp_path / "backups", FIXED_NOW)
    with vault.unit_of_work() as session:
        client_id = clients.list_clients(session)[0].id
        notes.save_note(session, _note(client_id, "after the backup"), FIXED_NOW)
        drafts.keep_draft(session, "note:x", "a draft after the backup", FIXED_NOW)
    path = vault.path
    vault.close()  # the app closes its vault (engine and lock) before a restore

    aside = backups.restore_from_backup(backup, path, TEST_PASSPHRASE, FIXED_NOW)
    assert aside is not None and aside.exists() and aside.parent == path.parent
    assert ".replaced-" in aside.name
    with open_vault(path, TEST_PASSPHRASE) as restored:
        assert _texts(restored) == {"before the backup"}
        with restored.reader() as session:
            assert list_events(session, action="vault.restore")
            assert verify_chain(session) == []
    # Nothing is lost: the replaced vault, with the later note and draft, opens as it was.
    with open_vault(aside, TEST_PASSPHRASE) as replaced:
        assert _texts(replaced) == {"before the backup", "after the backup"}
        with replaced.reader() as session:
            kept = drafts.find_draft(session, "note:x")
            assert kept is not None and kept.payload == "a draft after the backup"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "not a vault", "wrong passphrase"])
def test_restore_refuses_a_bad_backup_without_touching_the_vault(
    vault: Vault, tmp_path: Path, damage: str,
) -> None:
    backup = backups.backup_now(vault, tmp_path / "backups", FIXED_NOW)
    passphrase = TEST_PASSPHRASE
    if damage == "flipped byte":
        pages = backup.stat().st_size // PAGE
        with open(backup, "r+b") as handle:
            handle.seek((pages // 2) * PAGE + 300)
            byte = handle.read(1)
            handle.seek((pages // 2) * PAGE + 300)
            handle.write(bytes([byte[0] ^ 0x01]))
    elif damage == "truncated":
        os.truncate(backup, backup.stat().st_size // 2 // PAGE * PAGE)
    elif damage == "not a vault":
        backup.write_text("a spreadsheet, not a backup\n" * 300, encoding="utf-8")
    else:
        passphrase = "not the backup's passphrase"
    path = vault.path
    vault.close()
    before = _snapshot(path.parent)
    with pytest.raises(VaultError) as caught:
        backups.restore_from_backup(backup, path, passphrase, FIXED_NOW)
    if damage == "wrong passphrase":
        assert isinstance(caught.value, WrongPassphrase)
    elif damage == "flipped byte":
        assert isinstance(caught.value, VaultCorrupt)
    assert _snapshot(path.parent) == before  # not a byte changed, no ".replaced" copy, no leftovers
    with open_vault(path, TEST_PASSPHRASE) as still:
        assert _texts(still) == {"before the backup"}


# --- change passphrase through the service, killed mid-way ------------------------------------

_REKEY_CHILD = r"""
import sys
from datetime import datetime
from pathlib import Path
from therapist_desk.services import maintenance

print("ready", flush=True)
maintenance.change_passphrase(Path(sys.argv[1]), sys.argv[2], sys.argv[3], datetime(2026, 11, 20, 18, 0))
print("done", flush=True)
"""
NEW_PASSPHRASE = "a new \"passphrase\" ☕ 2"

KillWhen = Callable[[float, int], bool]


def _run_rekey(path: Path, kill_when: KillWhen) -> bool:
    """Run maintenance.change_passphrase in a child; SIGKILL it once kill_when(seconds, wal)."""
    wal = path.with_name(path.name + "-wal")
    child = subprocess.Popen(
        [sys.executable, "-c", _REKEY_CHILD, str(path), TEST_PASSPHRASE, NEW_PASSPHRASE],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT), PYTHONIOENCODING="utf-8"),
    )
    assert child.stdout is not None and child.stderr is not None
    try:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
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
            time.sleep(0.0005)  # poll often, without starving the child of a core
        assert child.returncode == 0, child.stderr.read()[-2000:]
        return False
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()


def _after_checkpoint(db_bytes: int, delay: float) -> KillWhen:
    seen: dict[str, float] = {}

    def when(seconds: float, wal_bytes: int) -> bool:
        if "full" not in seen and wal_bytes >= db_bytes:
            seen["full"] = seconds
        elif "full" in seen and "folded" not in seen and 0 <= wal_bytes < db_bytes:
            seen["folded"] = seconds
        return "folded" in seen and seconds - seen["folded"] >= delay

    return when


@pytest.mark.slow
def test_service_passphrase_change_killed_midway_leaves_exactly_one_working(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """maintenance.change_passphrase (lock + rekey + reopen + audit), killed at random points.

    ~3 MB of drafts make the re-encryption take long enough to be hit while pages are written.
    """
    template_dir = tmp_path_factory.mktemp("rekey-template")
    with new_vault(template_dir) as vault:
        with vault.unit_of_work() as session:
            client_id = clients.create_client(session, make_client(), FIXED_NOW).id
            notes.save_note(session, _note(client_id, "must survive the rekey"), FIXED_NOW)
            for i in range(14):  # few big rows: quick to write, ~3 MB of pages to re-encrypt
                drafts.keep_draft(session, f"pad:{i}", os.urandom(100_000).hex(), FIXED_NOW)
        template = vault.path
        expected = _texts(vault)
        with vault.reader() as session:
            pads = {d.key: d.payload for d in drafts.all_drafts(session)}
    assert check_vault(template, TEST_PASSPHRASE) == []  # folds the WAL in
    db_bytes = template.stat().st_size
    assert db_bytes > 2_500_000

    rng = random.Random(20261120)
    plans: list[KillWhen] = [
        # re-encrypted pages partly written to the WAL, commit frame not yet there
        lambda _s, wal_bytes: wal_bytes >= rng.uniform(0.2, 0.8) * db_bytes,
        # the rekey transaction committed, its checkpoint under way
        lambda _s, wal_bytes: wal_bytes >= db_bytes,
        # checkpointed; the service is reopening the vault and writing its audit entry
        _after_checkpoint(db_bytes, rng.uniform(0.0, 0.15)),
    ]
    killed = 0
    for attempt, plan in enumerate(plans):
        folder = tmp_path_factory.mktemp(f"rekey-kill{attempt}")
        path = folder / "vault.tdvault"
        shutil.copyfile(template, path)
        killed += _run_rekey(path, plan)
        working = []
        for passphrase in (TEST_PASSPHRASE, NEW_PASSPHRASE):
            with suppress(WrongPassphrase):
                working.append(unlock(path, passphrase))
        assert len(working) == 1, f"attempt {attempt}: {len(working)} passphrases work"
        with open_with_key(path, working[0]) as reopened:
            assert integrity_problems(reopened.engine) == []
            assert _texts(reopened) == expected
            with reopened.reader() as session:
                assert {d.key: d.payload for d in drafts.all_drafts(session)} == pads
                assert verify_chain(session) == []
    assert killed >= 2, "the kills must land while the passphrase change is under way"
