"""No client data leaves the vault: after the main workflows, every file the app wrote outside
the vault (logs, settings, temp files, backups, crash output) is searched for marker text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAME_MARKER = "Zqvlorneth"
NOTE_MARKER = "XYLOPHONE-MARKER-4412"
PASSPHRASE = "leak test 'passphrase' 42"  # ASCII: QTest.keyClicks types it


@pytest.mark.slow
def test_markers_are_nowhere_outside_the_vault(tmp_path: Path) -> None:
    home, tmp, data = tmp_path / "home", tmp_path / "tmp", tmp_path / "data"
    for folder in (home, tmp):
        folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THERAPIST_DESK_", "XDG_"))}
    env.update(HOME=str(home), TMPDIR=str(tmp), TEMP=str(tmp), TMP=str(tmp), SQLITE_TMPDIR=str(tmp),
               XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
               XDG_CACHE_HOME=str(home / ".cache"), XDG_STATE_HOME=str(home / ".local/state"),
               XDG_RUNTIME_DIR=str(tmp / "runtime"), QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    (tmp / "runtime").mkdir(mode=0o700)
    done = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-m", "tests.leaks.leak_workflow", NAME_MARKER, NOTE_MARKER, PASSPHRASE,
         str(data)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False,
    )
    assert done.returncode == 0 and "done" in done.stdout, done.stdout[-2000:] + done.stderr[-4000:]
    for stream in (done.stdout, done.stderr):
        assert NAME_MARKER not in stream and NOTE_MARKER not in stream and PASSPHRASE not in stream

    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    names = {p.name for p in written}
    assert "therapist-desk.log" in names, "the log was written (so it was searched)"
    assert any(n.endswith(".tdvault") and n.startswith("vault-") for n in names), "a backup was made"
    assert any(p.suffix in (".conf", ".ini") for p in written), "QSettings were written"
    markers = [m.encode() for m in (NAME_MARKER, NOTE_MARKER, PASSPHRASE)]
    markers += [m.encode("utf-16-le") for m in (NAME_MARKER, NOTE_MARKER)]
    leaks = [str(p.relative_to(tmp_path)) for p in written
             if any(m in p.read_bytes() for m in markers)]
    # Every file counts: the vault, its WAL and the backups are encrypted, so they hold no
    # marker either; logs, settings and temp files must not mention them at all.
    assert leaks == []
