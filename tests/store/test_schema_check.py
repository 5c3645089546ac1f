"""The unlock's schema check: a vault at the newest schema opens without importing Alembic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from therapist_desk.store.database import (
    create_and_open,
    current_revision,
    head_revision,
    migrate,
    scripted_head,
    stored_revision,
)
from therapist_desk.store.vault import create_vault, make_engine

PASSPHRASE = "schema check passphrase"


def test_scripted_head_is_alembics_head() -> None:
    assert scripted_head() == head_revision()


def test_stored_revision_reads_what_alembic_reads(tmp_path: Path) -> None:
    path = tmp_path / "v.tdvault"
    key = create_vault(path, PASSPHRASE)
    engine = make_engine(path, key)
    try:
        assert stored_revision(engine) is None and current_revision(engine) is None
        migrate(engine, "0001")
        assert stored_revision(engine) == current_revision(engine) == "0001"
        migrate(engine)
        assert stored_revision(engine) == current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_opening_a_current_vault_never_imports_alembic(tmp_path: Path) -> None:
    path = tmp_path / "v.tdvault"
    create_and_open(path, PASSPHRASE).close()
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from therapist_desk.store.database import open_vault\n"
        f"vault = open_vault(Path({str(path)!r}), {PASSPHRASE!r})\n"
        "vault.close()\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'alembic'))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.strip() == "[]"
