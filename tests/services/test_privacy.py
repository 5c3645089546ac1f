"""Note text stays inside the encrypted vault: not in the files' bytes, errors, or the log."""

from __future__ import annotations

import logging
import sqlite3
from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import text

from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.session import SessionNote
from therapist_desk.logs import setup_logging
from therapist_desk.services import clients, notes
from therapist_desk.services.vault_access import Vault, VaultError
from tests.services.conftest import NOW, TEST_PASSPHRASE, valid_client

MARKER = "MARKER-7f3a-quetzal-confidential"


def _files_of(vault_path: Path) -> list[Path]:
    return [p for p in (vault_path, Path(f"{vault_path}-wal"), Path(f"{vault_path}-shm")) if p.exists()]


def test_note_text_and_name_are_nowhere_in_the_files(vault: Vault) -> None:
    with vault.unit_of_work() as s:
        cid = clients.create_client(s, valid_client(legal_last_name=f"Name{MARKER[:12]}"), NOW).id
        for i in range(30):  # enough to spill into WAL frames and several pages (and FTS pages)
            notes.save_note(s, SessionNote(client_id=cid, session_date=date(2026, 10, 1 + i % 28),  # type: ignore[arg-type]
                                           start_time=time(9), stop_time=time(9, 50),
                                           lines=(ServiceLine("90834"),),
                                           sections=(("Subjective", f"{MARKER} {i}"),)), NOW)
    files = _files_of(vault.path)
    assert Path(f"{vault.path}-wal") in files, "WAL is on"
    for path in files:
        data = path.read_bytes()
        assert MARKER.encode() not in data, path.name
        assert MARKER[:12].encode() not in data, path.name
        assert MARKER.encode("utf-16-le") not in data, path.name
        assert TEST_PASSPHRASE.encode() not in data, path.name
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        plain = sqlite3.connect(vault.path)
        try:
            plain.execute("SELECT count(*) FROM sqlite_master").fetchall()
        finally:
            plain.close()


def test_failed_write_does_not_put_note_text_in_the_error(vault: Vault, tmp_path: Path) -> None:
    log_file = setup_logging(tmp_path / "logs")
    with vault.unit_of_work() as s:
        cid = clients.create_client(s, valid_client(), NOW).id
    with pytest.raises(VaultError) as raised, vault.unit_of_work() as s:
        # A foreign-key failure with note text among the bound parameters.
        s.execute(text("INSERT INTO note_bodies (session_id, body_json) VALUES (:sid, :body)"),
                  {"sid": 999_999, "body": MARKER})
    rendered = f"{raised.value!s} {raised.value!r} {raised.value.__cause__!r} {raised.value.__context__!r}"
    assert MARKER not in rendered
    logging.getLogger("therapist_desk.test").exception("a failure", exc_info=raised.value)
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert MARKER not in log_file.read_text(encoding="utf-8")
    assert cid is not None
