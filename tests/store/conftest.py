"""Real encrypted vaults for the store tests: one template per module, copied per test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from therapist_desk.store.vault import VaultKey, create_vault, open_connection

PASSPHRASE = "correct horse ☕ 'battery' \"staple\""


@dataclass(frozen=True)
class VaultFixture:
    path: Path
    key: VaultKey
    passphrase: str
    rows: int


def add_rows(path: Path, key: VaultKey, count: int, *, width: int = 200) -> None:
    """Fill the ``items`` table with ``count`` rows of random text ``width`` characters wide."""
    with closing(open_connection(path, key)) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, body TEXT)")
        conn.executemany(
            "INSERT INTO items (body) VALUES (?)",
            ((os.urandom(width // 2).hex(),) for _ in range(count)),
        )
        conn.commit()


def content_digest(path: Path, key: VaultKey) -> tuple[int, int]:
    """Row count and a checksum over every body, to prove that no row was lost or changed."""
    with closing(open_connection(path, key, read_only=True)) as conn:
        rows = conn.execute("SELECT body FROM items ORDER BY id").fetchall()
    return len(rows), hash(tuple(row[0] for row in rows))


def make_template(folder: Path, rows: int, width: int = 200) -> VaultFixture:
    path = folder / "template.tdvault"
    key = create_vault(path, PASSPHRASE)
    add_rows(path, key, rows, width=width)
    return VaultFixture(path, key, PASSPHRASE, rows)


def copy_vault(template: VaultFixture, folder: Path, name: str = "vault.tdvault") -> VaultFixture:
    """A private copy of a closed template: same salt and key, no KDF cost."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    shutil.copyfile(template.path, path)
    os.chmod(path, 0o600)
    return VaultFixture(path, template.key, template.passphrase, template.rows)


@pytest.fixture(scope="module")
def template_vault(tmp_path_factory: pytest.TempPathFactory) -> VaultFixture:
    """A vault with 300 rows (several pages); tests that only read may use it directly."""
    return make_template(tmp_path_factory.mktemp("template"), rows=300)


@pytest.fixture
def fresh_vault(template_vault: VaultFixture, tmp_path: Path) -> VaultFixture:
    return copy_vault(template_vault, tmp_path / "data")


@pytest.fixture
def snapshot() -> Callable[[Path], dict[str, tuple[bytes, int]]]:
    """Bytes and mtime of every file in a folder, to prove an operation changed nothing."""

    def take(folder: Path) -> dict[str, tuple[bytes, int]]:
        return {
            file.name: (file.read_bytes(), file.stat().st_mtime_ns)
            for file in sorted(folder.iterdir())
            if file.is_file()
        }

    return take
