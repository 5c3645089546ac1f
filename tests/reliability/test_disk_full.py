"""A full disk during a save: a plain DiskFull, the app keeps running, the draft and all saved data stay.

Two ways to run out of space for real:

* a 4 MiB tmpfs mounted for the test (needs root or CAP_SYS_ADMIN; skipped with the reason
  otherwise), filled to the last byte by a filler file: SQLite then gets ENOSPC, as on a full
  drive, and the error must be :class:`DiskFull`;
* ``RLIMIT_FSIZE`` in a child process (any POSIX user): writes past the limit fail with EFBIG
  (SIGXFSZ ignored). SQLite reports that as an I/O error rather than "disk full", so the error
  there must be a :class:`VaultError` with plain words.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.factories import FIXED_NOW, TEST_PASSPHRASE, make_client, new_vault
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import backups, clients, drafts, notes
from therapist_desk.services.vault_access import DiskFull, VaultError, open_vault
from therapist_desk.store.vault_ops import integrity_problems

REPO_ROOT = Path(__file__).resolve().parents[2]
DRAFT_KEY = "note:1:new"
DRAFT_TEXT = "typed before the disk filled up ☕"
FIRST_TEXT = "saved while there was room"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A private 4 MiB tmpfs; unmounted (lazily if busy) whatever the test does."""
    if not sys.platform.startswith("linux") or shutil.which("mount") is None:
        pytest.skip("needs Linux mount(8) for a real small file system")
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs",
                           str(mount_point)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip("mounting a small tmpfs needs root or CAP_SYS_ADMIN "
                    f"({done.stderr.strip() or done.returncode}); the RLIMIT_FSIZE test still runs")
    try:
        yield mount_point
    finally:
        if subprocess.run(["umount", str(mount_point)], capture_output=True, check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, check=False)


def _fill(folder: Path) -> Path:
    """Write a filler file until the file system has not one byte left."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as handle:
        for chunk in (1 << 16, 4096, 512, 1):
            try:
                while True:
                    handle.write(b"\0" * chunk)
            except OSError:
                continue
    assert os.statvfs(folder).f_bavail == 0
    return filler


def _big_note(client_id: int, size: int = 200_000) -> SessionNote:
    return SessionNote(client_id=client_id, session_date=date(2026, 11, 18),
                       sections=(("Subjective", "x" * size),))


@pytest.mark.slow
def test_full_disk_during_a_save(small_disk: Path) -> None:
    vault = new_vault(small_disk / "data")
    try:
        with vault.unit_of_work() as session:
            client_id = clients.create_client(session, make_client(), FIXED_NOW).id
            assert client_id is not None
            first = notes.save_note(session, SessionNote(
                client_id=client_id, session_date=date(2026, 11, 17),
                sections=(("Subjective", FIRST_TEXT),)), FIXED_NOW)
        with vault.unit_of_work() as session:  # autosave, before the disk fills
            drafts.keep_draft(session, DRAFT_KEY, DRAFT_TEXT, FIXED_NOW)
        filler = _fill(small_disk)

        # The save fails with the typed error and plain words, repeatedly, without crashing.
        for _ in range(3):
            with pytest.raises(DiskFull) as caught, vault.unit_of_work() as session:
                notes.save_note(session, _big_note(client_id), FIXED_NOW)
            assert caught.value.message == DiskFull.default_message
            # Not chained for display (the driver's error is kept only as suppressed context).
            assert caught.value.__cause__ is None and caught.value.__suppress_context__
        # A backup to the full disk fails the same way and leaves no half-written file.
        with pytest.raises(DiskFull):
            backups.backup_now(vault, small_disk / "backups", FIXED_NOW)
        assert not [p for p in (small_disk / "backups").glob("*") if p.is_file()]

        # The app keeps running on the same open vault: earlier data and the draft read back.
        with vault.reader() as session:
            assert notes.get_note(session, first.id).section("Subjective") == FIRST_TEXT
            kept = drafts.find_draft(session, DRAFT_KEY)
            assert kept is not None and kept.payload == DRAFT_TEXT
            assert len(notes.list_notes(session, client_id)) == 1  # nothing half-saved

        # Space is freed: the same save now goes through, without reopening anything.
        filler.unlink()
        with vault.unit_of_work() as session:
            saved = notes.save_note(session, _big_note(client_id), FIXED_NOW)
            drafts.discard_draft(session, DRAFT_KEY)
        assert integrity_problems(vault.engine) == []
        path = vault.path
    finally:
        vault.close()

    with open_vault(path, TEST_PASSPHRASE) as reopened, reopened.reader() as session:
        assert notes.get_note(session, first.id).section("Subjective") == FIRST_TEXT
        assert notes.get_note(session, saved.id).section("Subjective") == "x" * 200_000


@pytest.mark.slow
def test_full_disk_at_create_leaves_nothing_behind(small_disk: Path) -> None:
    from therapist_desk.services.vault_access import create_and_open

    filler = _fill(small_disk)
    target = small_disk / "vault.tdvault"
    with pytest.raises(VaultError) as caught:
        create_and_open(target, TEST_PASSPHRASE)
    assert isinstance(caught.value, DiskFull), type(caught.value).__name__
    assert not target.exists()
    filler.unlink()


# A child that limits the size of any file it writes, then tries a save that would grow the WAL
# past the limit; it reports as JSON what it saw, then reads everything back in the same process.
_FSIZE_CHILD = r"""
import json, resource, signal, sys
from datetime import date, datetime
from pathlib import Path
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import drafts, notes
from therapist_desk.services.vault_access import VaultError, open_vault

path, passphrase, client_id, first_id = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
now = datetime(2026, 11, 20, 17, 30)
vault = open_vault(path, passphrase)
with vault.unit_of_work() as session:
    drafts.keep_draft(session, "note:1:new", "typed before the limit", now)
largest = max(p.stat().st_size for p in path.parent.iterdir() if p.is_file())
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (largest + 64 * 1024, resource.RLIM_INFINITY))
report = {}
try:
    with vault.unit_of_work() as session:
        notes.save_note(session, SessionNote(client_id=client_id, session_date=date(2026, 11, 18),
                                             sections=(("Subjective", "y" * 2_000_000),)), now)
    report["error"] = None
except VaultError as error:
    report["error"] = type(error).__name__
    report["message"] = error.message
    report["chained"] = error.__cause__ is not None or not error.__suppress_context__
with vault.reader() as session:
    report["first"] = notes.get_note(session, first_id).section("Subjective")
    report["draft"] = drafts.find_draft(session, "note:1:new").payload
    report["notes"] = len(notes.list_notes(session, client_id))
with vault.unit_of_work() as session:  # a small save still fits under the limit
    notes.save_note(session, SessionNote(client_id=client_id, session_date=date(2026, 11, 19),
                                         sections=(("Subjective", "small"),)), now)
report["small_saved"] = True
vault.close()
print(json.dumps(report))
"""


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE is POSIX")
def test_file_size_limit_during_a_save(tmp_path: Path) -> None:
    with new_vault(tmp_path / "data") as vault:
        with vault.unit_of_work() as session:
            client_id = clients.create_client(session, make_client(), FIXED_NOW).id
            assert client_id is not None
            first = notes.save_note(session, SessionNote(
                client_id=client_id, session_date=date(2026, 11, 17),
                sections=(("Subjective", FIRST_TEXT),)), FIXED_NOW)
        path = vault.path
    child = subprocess.run(
        [sys.executable, "-c", _FSIZE_CHILD, str(path), TEST_PASSPHRASE, str(client_id),
         str(first.id)],
        capture_output=True, text=True, timeout=120, check=False,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT), PYTHONIOENCODING="utf-8"),
    )
    assert child.returncode == 0, child.stderr[-2000:]
    report = json.loads(child.stdout.strip().splitlines()[-1])
    assert report["error"] in {"DiskFull", "VaultIOError"}, report
    assert report["message"] and "Traceback" not in report["message"]
    assert "sqlite" not in report["message"].lower() and "y" * 20 not in report["message"]
    assert report["chained"] is False
    assert report["first"] == FIRST_TEXT
    assert report["draft"] == "typed before the limit"
    assert report["notes"] == 1 and report["small_saved"] is True

    with open_vault(path, TEST_PASSPHRASE) as reopened:
        assert integrity_problems(reopened.engine) == []
        with reopened.reader() as session:
            assert len(notes.list_notes(session, client_id)) == 2
