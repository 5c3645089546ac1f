"""Damaged and wrong files: a flipped byte is found, never read as data; plain words for every case."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.factories import FIXED_NOW, TEST_PASSPHRASE, make_client, new_vault
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import clients, maintenance, notes
from therapist_desk.services.vault_access import (
    NotAVault,
    Vault,
    VaultCorrupt,
    VaultError,
    VaultReadOnly,
    WrongPassphrase,
    backup_vault,
    check_vault,
    create_and_open,
    open_vault,
    open_with_key,
    unlock,
)

PAGE = 4096
NOTES = 60
# What must never appear in a message a clinician reads (driver text, SQL, internals).
_TECHNICAL = ("sqlite", "sqlcipher", "pragma", "select ", "insert ", "traceback", "errno", "hmac")


def _assert_plain(error: VaultError, *forbidden: str) -> None:
    text = error.message
    assert text and text[0].isupper() and text.endswith("."), text
    lowered = text.lower()
    assert not [word for word in _TECHNICAL if word in lowered], text
    for item in forbidden:
        assert item not in text


@pytest.fixture(scope="module")
def damaged_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, str]]:
    """A closed vault with NOTES notes of ~3 KB each (so it spans well over a hundred pages)."""
    folder = tmp_path_factory.mktemp("source")
    with new_vault(folder) as vault:
        with vault.unit_of_work() as session:
            client_id = clients.create_client(session, make_client(), FIXED_NOW).id
            assert client_id is not None
            texts: dict[int, str] = {}
            for i in range(NOTES):
                text = f"note {i} " + os.urandom(1500).hex()
                saved = notes.save_note(session, SessionNote(
                    client_id=client_id, session_date=date(2026, 11, 18),
                    sections=(("Subjective", text),)), FIXED_NOW)
                assert saved.id is not None
                texts[saved.id] = text
        path = vault.path
    assert check_vault(path, TEST_PASSPHRASE) == []  # also folds the WAL into the file
    return path, texts


def _copy(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / "vault.tdvault"
    shutil.copyfile(source, target)
    return target


def _flip(path: Path, offset: int) -> None:
    with open(path, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0x10]))


@pytest.mark.parametrize("where", [0.3, 0.5, 0.8])
def test_a_flipped_byte_in_a_middle_page_is_found_and_never_read_as_data(
    damaged_source: tuple[Path, dict[int, str]], tmp_path: Path, where: float,
) -> None:
    source, texts = damaged_source
    path = _copy(source, tmp_path / "data")
    pages = path.stat().st_size // PAGE
    assert pages > 50
    page = int(pages * where)
    _flip(path, page * PAGE + 700)

    # The check names the damaged page (page numbers are 1-based), never any content.
    key = unlock(path, TEST_PASSPHRASE)
    problems = check_vault(path, key)
    assert any(f"page {page + 1}" in problem for problem in problems), problems[:2]
    assert not any(text[:40] in "\n".join(problems) for text in texts.values())
    if where == 0.5:  # the command line's "check" says the same
        report = maintenance.check(path, TEST_PASSPHRASE)
        assert not report.ok and report.integrity

    # Reading through the app: every note is either exactly right or refused as damaged.
    with open_with_key(path, key) as vault:
        _read_all(vault, texts)
        with pytest.raises(VaultCorrupt):  # a whole-file copy cannot pass over it either
            backup_vault(path, key, tmp_path / "backup.tdvault")
    assert not (tmp_path / "backup.tdvault").exists()


def _read_all(vault: Vault, texts: dict[int, str]) -> int:
    """Read every note; each is exactly right or refused with VaultCorrupt. Returns the refusals."""
    refused = 0
    for note_id, text in texts.items():
        try:
            with vault.reader() as session:
                got = notes.get_note(session, note_id).section("Subjective")
        except VaultCorrupt as error:
            _assert_plain(error)
            refused += 1
        else:
            assert got == text, f"note {note_id} came back changed"
    return refused


def test_damage_inside_note_text_is_refused_when_read(
    damaged_source: tuple[Path, dict[int, str]], tmp_path: Path,
) -> None:
    """Find a middle page that holds note text (the file is encrypted, so try pages outward from
    the middle); reading the notes on it must fail loudly, never return altered text."""
    source, texts = damaged_source
    key = unlock(source, TEST_PASSPHRASE)
    pages = source.stat().st_size // PAGE
    middle = pages // 2
    candidates = [middle + step * sign for step in range(pages // 2) for sign in (1, -1)][1:]
    for attempt, page in enumerate(candidates[:60]):
        path = _copy(source, tmp_path / f"try{attempt}")
        _flip(path, page * PAGE + 700)
        with open_with_key(path, key) as vault:
            refused = _read_all(vault, texts)
        if refused:
            assert any(f"page {page + 1}" in p for p in check_vault(path, key))
            return
    pytest.fail("no page near the middle held note text")


@pytest.mark.parametrize(
    ("name", "size", "expected"),
    [
        ("empty", 0, NotAVault),
        ("ragged", 5000, NotAVault),  # cut in the middle of a page
        ("first page only", PAGE, VaultCorrupt),
        ("half", None, VaultCorrupt),  # cut at a page boundary
    ],
)
def test_a_truncated_vault_is_refused_in_plain_words(
    damaged_source: tuple[Path, dict[int, str]], tmp_path: Path, name: str, size: int | None,
    expected: type[VaultError],
) -> None:
    source, _ = damaged_source
    path = _copy(source, tmp_path / "data")
    cut = size if size is not None else (path.stat().st_size // 2) // PAGE * PAGE
    os.truncate(path, cut)
    with pytest.raises(expected) as caught:
        open_vault(path, TEST_PASSPHRASE)
    _assert_plain(caught.value, str(path))
    with pytest.raises(expected):
        check_vault(path, TEST_PASSPHRASE)
    # A refused file is left exactly as it was (the user may still want to rescue it).
    assert path.stat().st_size == cut


def _plain_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES ('not encrypted')")
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("kind", "make", "expected"),
    [
        ("text file", lambda p: p.write_text("Dear colleague,\n" * 40, encoding="utf-8"), NotAVault),
        ("random bytes", lambda p: p.write_bytes(os.urandom(4 * PAGE)), WrongPassphrase),
        ("plain SQLite", _plain_sqlite, NotAVault),
        ("a folder", lambda p: p.mkdir(), NotAVault),
    ],
)
def test_a_file_that_is_not_a_vault_is_refused_and_left_alone(
    tmp_path: Path, kind: str, make: object, expected: type[VaultError],
) -> None:
    path = tmp_path / "chosen.tdvault"
    make(path)  # type: ignore[operator]
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(expected) as caught:
        open_vault(path, TEST_PASSPHRASE)
    _assert_plain(caught.value, str(path))
    if before is not None:
        assert path.read_bytes() == before, f"{kind} was modified"
    assert not path.with_name(path.name + "-wal").exists()


# --- a read-only data folder --------------------------------------------------------------------


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody can write to: chmod for ordinary users, a read-only bind mount for root."""
    folder = tmp_path / "ro"
    folder.mkdir()
    yield folder


def _make_read_only(folder: Path) -> None:
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    if os.geteuid() != 0:
        os.chmod(folder, 0o500)
        return
    # root ignores permission bits: use a read-only bind mount of the folder onto itself.
    if not sys.platform.startswith("linux") or shutil.which("mount") is None:
        pytest.skip("running as root without mount(8): cannot make a folder read-only")
    first = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True, check=False)
    if first.returncode != 0:
        pytest.skip("running as root without CAP_SYS_ADMIN: cannot make a folder read-only")
    second = subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True, check=False)
    if second.returncode != 0:
        subprocess.run(["umount", str(folder)], capture_output=True, check=False)
        pytest.skip("a read-only bind mount is not allowed here")


def _make_writable(folder: Path) -> None:
    if os.geteuid() != 0:
        os.chmod(folder, 0o700)
        return
    if subprocess.run(["umount", str(folder)], capture_output=True, check=False).returncode != 0:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def test_creating_a_vault_in_a_read_only_folder(read_only_folder: Path) -> None:
    _make_read_only(read_only_folder)
    try:
        with pytest.raises(VaultReadOnly) as caught:
            create_and_open(read_only_folder / "vault.tdvault", TEST_PASSPHRASE)
        _assert_plain(caught.value, str(read_only_folder))
        assert not (read_only_folder / "vault.tdvault").exists()
    finally:
        _make_writable(read_only_folder)


def test_opening_a_vault_in_a_read_only_folder(read_only_folder: Path) -> None:
    with new_vault(read_only_folder) as vault:
        with vault.unit_of_work() as session:
            clients.create_client(session, make_client(), FIXED_NOW)
        path = vault.path
    before = path.read_bytes()
    _make_read_only(read_only_folder)
    try:
        with pytest.raises(VaultError) as caught:
            open_vault(path, TEST_PASSPHRASE)
        assert isinstance(caught.value, VaultReadOnly), type(caught.value).__name__
        _assert_plain(caught.value, str(path))
    finally:
        _make_writable(read_only_folder)
    assert path.read_bytes() == before
    with open_vault(path, TEST_PASSPHRASE) as vault, vault.reader() as session:
        assert len(clients.list_clients(session)) == 1
