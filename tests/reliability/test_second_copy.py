"""A second copy of the app on the same vault is refused (VaultInUse): never two writers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from tests.factories import FIXED_NOW, TEST_PASSPHRASE, make_client, new_vault
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import backups, clients, maintenance, notes
from therapist_desk.services.vault_access import VaultInUse, backup_vault, open_vault

REPO_ROOT = Path(__file__).resolve().parents[2]

# The "first copy of the app": opens the vault, says so, saves one note when told, exits when
# its stdin closes (closing the vault) or is killed.
_HOLDER = r"""
import sys
from datetime import date, datetime
from pathlib import Path
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import notes
from therapist_desk.services.vault_access import open_vault

vault = open_vault(Path(sys.argv[1]), sys.argv[2])
print("open", flush=True)
for command in sys.stdin:
    if command.strip() == "save":
        with vault.unit_of_work() as session:
            saved = notes.save_note(session, SessionNote(client_id=int(sys.argv[3]),
                session_date=date(2026, 11, 18), sections=(("Subjective", "from the first copy"),)),
                datetime(2026, 11, 20, 17, 30))
        print(f"saved {saved.id}", flush=True)
vault.close()
"""

# A second process that only tries to open the vault and reports what happened.
_SECOND = r"""
import sys
from pathlib import Path
from therapist_desk.services.vault_access import VaultError, open_vault
try:
    open_vault(Path(sys.argv[1]), sys.argv[2]).close()
except VaultError as error:
    print(type(error).__name__, "|", error.message)
else:
    print("opened")
"""


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO_ROOT), PYTHONIOENCODING="utf-8")


@pytest.fixture
def vault_with_client(tmp_path: Path) -> tuple[Path, int]:
    with new_vault(tmp_path / "data") as vault:
        with vault.unit_of_work() as session:
            client_id = clients.create_client(session, make_client(), FIXED_NOW).id
        assert client_id is not None
        return vault.path, client_id


@contextmanager
def first_copy(path: Path, client_id: int) -> Iterator[subprocess.Popen[str]]:
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), TEST_PASSPHRASE, str(client_id)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_env(),
    )
    assert child.stdout is not None and child.stdin is not None and child.stderr is not None
    try:
        assert child.stdout.readline().strip() == "open", child.stderr.read()
        yield child
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
        for stream in (child.stdin, child.stdout, child.stderr):
            stream.close()


def _identity(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_ino, info.st_size


@pytest.mark.slow
def test_second_process_is_refused_while_the_first_writes(
    vault_with_client: tuple[Path, int], tmp_path: Path,
) -> None:
    path, client_id = vault_with_client
    with first_copy(path, client_id) as holder:
        second = subprocess.run([sys.executable, "-c", _SECOND, str(path), TEST_PASSPHRASE],
                                capture_output=True, text=True, env=_env(), timeout=60,
                                check=False)
        kind, _, message = second.stdout.strip().partition(" | ")
        assert kind == "VaultInUse", second.stdout + second.stderr
        assert message == VaultInUse.default_message  # plain words, no path, no SQL

        # This test process is a second copy too: opening, changing the passphrase and restoring
        # over the open vault are all refused, and the file stays where it is.
        before = _identity(path)
        with pytest.raises(VaultInUse):
            open_vault(path, TEST_PASSPHRASE)
        with pytest.raises(VaultInUse):
            maintenance.change_passphrase(path, TEST_PASSPHRASE, "a brand new passphrase", FIXED_NOW)
        with backup_copy(path, tmp_path) as copy, pytest.raises(VaultInUse):
            backups.restore_from_backup(copy, path, TEST_PASSPHRASE, FIXED_NOW)
        assert _identity(path)[0] == before[0]
        assert not list(path.parent.glob("*.replaced-*"))

        # The first copy keeps working through all of it.
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.write("save\n")
        holder.stdin.flush()
        reply = holder.stdout.readline().split()
        assert reply[0] == "saved"
        saved_id = int(reply[1])
        holder.stdin.close()  # the first copy quits normally
        assert holder.wait(timeout=30) == 0

    # Still the old passphrase (the refused rekey did nothing), and the first copy's note is there.
    with open_vault(path, TEST_PASSPHRASE) as vault, vault.reader() as session:
        assert notes.get_note(session, saved_id).section("Subjective") == "from the first copy"


@contextmanager
def backup_copy(path: Path, tmp_path: Path) -> Iterator[Path]:
    """A verified backup of ``path`` (taken while another process has it open)."""
    from therapist_desk.services.vault_access import unlock

    dest = tmp_path / "elsewhere" / "copy.tdvault"
    backup_vault(path, unlock(path, TEST_PASSPHRASE), dest)
    yield dest


@pytest.mark.slow
def test_a_killed_first_copy_leaves_no_stale_lock(vault_with_client: tuple[Path, int]) -> None:
    path, client_id = vault_with_client
    with first_copy(path, client_id) as holder:
        with pytest.raises(VaultInUse):
            open_vault(path, TEST_PASSPHRASE)
        holder.kill()
        holder.wait(timeout=30)
        # The OS dropped the lock with the process: the next start opens at once.
        with open_vault(path, TEST_PASSPHRASE) as vault, vault.reader() as session:
            assert notes.list_notes(session, client_id) == []


def test_the_same_process_cannot_open_it_twice(vault_with_client: tuple[Path, int]) -> None:
    path, client_id = vault_with_client
    with open_vault(path, TEST_PASSPHRASE) as vault:
        with pytest.raises(VaultInUse):
            open_vault(path, TEST_PASSPHRASE)
        # The refused attempt did not disturb the open vault.
        with vault.unit_of_work() as session:
            notes.save_note(session, SessionNote(client_id=client_id, session_date=date(2026, 11, 18),
                                                 sections=(("Subjective", "still writing"),)),
                            FIXED_NOW)
    with open_vault(path, TEST_PASSPHRASE) as vault, vault.reader() as session:
        assert len(notes.list_notes(session, client_id)) == 1
