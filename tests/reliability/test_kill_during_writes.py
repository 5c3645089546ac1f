"""kill -9 during writes, again and again: every note whose commit returned is there, word for word."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import FIXED_NOW, TEST_PASSPHRASE, make_client, new_vault
from therapist_desk.services import clients, notes
from therapist_desk.services.audit_log import verify_chain
from therapist_desk.services.vault_access import VaultKey, open_with_key, unlock
from therapist_desk.store.vault_ops import integrity_problems

REPO_ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 5

# The child saves notes through the real services in a loop and prints "id<TAB>text" for each
# note only AFTER its unit of work has committed. Text sizes vary so that commits touch one page,
# several pages, or overflow pages, and the WAL grows past its auto-checkpoint now and then.
_CHILD = r"""
import os, random, sys
from datetime import date, datetime
from pathlib import Path
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import notes
from therapist_desk.services.vault_access import VaultKey, open_with_key

path, key_hex, client_id, label, seed = sys.argv[1:6]
rng = random.Random(int(seed))
# The key derived once by the parent (as after the lock screen): no KDF in every child.
vault = open_with_key(Path(path), VaultKey(bytes.fromhex(key_hex)))
print("ready", flush=True)
now = datetime(2026, 11, 20, 17, 30)
i = 0
while True:
    i += 1
    text = f"{label} note {i} ☕ " + os.urandom(rng.choice((8, 120, 1500, 7000))).hex()
    note = SessionNote(client_id=int(client_id), session_date=date(2026, 11, 18),
                       sections=(("Subjective", text), ("Plan", f"plan {i}")))
    with vault.unit_of_work() as session:
        saved = notes.save_note(session, note, now)
    print(f"{saved.id}\t{text}", flush=True)
"""


def _run_and_kill(
    path: Path, key: VaultKey, client_id: int, label: str, rng: random.Random,
) -> dict[int, str]:
    """Start a writer, SIGKILL it at a random moment; return what it reported as committed."""
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path), key.raw.hex(), str(client_id), label,
         str(rng.randrange(1 << 30))],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT), PYTHONIOENCODING="utf-8"),
    )
    assert child.stdout is not None and child.stderr is not None
    lines: list[bytes] = []
    try:
        first = child.stdout.readline()
        assert first == b"ready\n", child.stderr.read().decode(errors="replace")
        # Let a random number of commits go by, then kill at a random point inside the next ones
        # (not right after a line was printed, which would always kill between transactions).
        wanted = rng.randint(2, 12)
        for _ in range(wanted):
            line = child.stdout.readline()
            assert line, child.stderr.read().decode(errors="replace")
            lines.append(line)
        time.sleep(rng.uniform(0, 0.03))
        child.kill()
        child.wait(timeout=30)
        lines += child.stdout.read().splitlines(keepends=True)  # printed before the kill
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()
    committed: dict[int, str] = {}
    for line in lines:
        if not line.endswith(b"\n"):
            continue  # cut off by the kill in the middle of printing: not reported, not owed
        note_id, text = line.decode("utf-8").rstrip("\n").split("\t", 1)
        committed[int(note_id)] = text
    return committed


@pytest.mark.slow
def test_every_committed_note_survives_repeated_kills(tmp_path: Path) -> None:
    rng = random.Random(20261120)
    with new_vault(tmp_path / "data", from_template=False) as vault:
        with vault.unit_of_work() as session:
            client_id = clients.create_client(session, make_client(), FIXED_NOW).id
        path = vault.path
    assert client_id is not None
    key = unlock(path, TEST_PASSPHRASE)

    expected: dict[int, str] = {}
    for round_number in range(ROUNDS):
        committed = _run_and_kill(path, key, client_id, f"r{round_number}", rng)
        assert len(committed) >= 2
        expected.update(committed)
        # Reopen as the app would after a crash: the lock was dropped with the process, the WAL
        # is recovered, and every acknowledged note reads back exactly.
        with open_with_key(path, key) as reopened:
            assert integrity_problems(reopened.engine) == [], f"round {round_number}"
            with reopened.reader() as session:
                for note_id, text in expected.items():
                    note = notes.get_note(session, note_id)
                    assert note.section("Subjective") == text, f"note {note_id} changed"
                listed = {summary.id for summary in notes.list_notes(session, client_id)}
                assert set(expected) <= listed
                # At most the one transaction in flight at the kill can have landed unreported.
                assert len(listed) - len(expected) <= round_number + 1
                assert verify_chain(session) == []
    assert len(expected) >= ROUNDS * 2
