"""Vault basics on real SQLCipher files: keys, encryption at rest, pragmas, errors, the lock."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy
import sqlcipher3.dbapi2 as sqlcipher  # type: ignore[import-untyped]
from sqlalchemy import event, text

from therapist_desk.store.errors import (
    DiskFull,
    NotAVault,
    VaultError,
    VaultExists,
    VaultInUse,
    VaultIOError,
    VaultNotFound,
    VaultReadOnly,
    WrongPassphrase,
    translate_db_error,
)
from therapist_desk.store.lock import VaultLock, lock_path_for
from therapist_desk.store.vault import (
    KDF_ITERATIONS,
    KEY_BYTES,
    REQUIRED_PRAGMAS,
    SALT_BYTES,
    VaultKey,
    create_vault,
    derive_key,
    make_engine,
    open_connection,
    read_pragmas,
    unlock,
    vault_files,
    verify_pragmas,
)

from .conftest import PASSPHRASE, VaultFixture, add_rows

REPO_ROOT = Path(__file__).resolve().parents[2]
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
Snapshot = Callable[[Path], dict[str, tuple[bytes, int]]]


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), **extra)
    return env


# --- keys ----------------------------------------------------------------------------------


def test_constants_are_sqlcipher4_defaults() -> None:
    assert (KDF_ITERATIONS, SALT_BYTES, KEY_BYTES) == (256_000, 16, 32)


def test_vault_key_never_shows_its_bytes() -> None:
    key = VaultKey(bytes(range(32)))
    hexed = key.raw.hex()
    for shown in (repr(key), str(key), f"{key}", repr([key]), repr({"k": key})):
        assert hexed not in shown
        assert "\\x" not in shown
    assert key.pragma_literal() == f"\"x'{hexed}'\""
    with pytest.raises(ValueError, match="32 bytes"):
        VaultKey(b"short")


@pytest.mark.parametrize(
    "passphrase",
    [
        "Zoë's ключ 🙂",
        'double "quoted" words',
        "back\\slash\\\\ and \\' mixed",
        "'; PRAGMA rekey = 'owned'; --",
        "x" * 1000,
    ],
    ids=["non-ascii", "double-quotes", "backslashes", "injection", "long"],
)
def test_passphrase_round_trip(tmp_path: Path, passphrase: str) -> None:
    path = tmp_path / "vault" / "v.tdvault"
    created = create_vault(path, passphrase)
    assert unlock(path, passphrase) == created
    # The key create_vault returns is what SQLCipher itself derives from the passphrase.
    assert created == derive_key(passphrase, path.read_bytes()[:SALT_BYTES])
    with closing(open_connection(path, created)) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)


def test_create_refuses_existing_file_and_stray_wal(tmp_path: Path) -> None:
    existing = tmp_path / "v.tdvault"
    existing.write_bytes(b"keep me")
    with pytest.raises(VaultExists):
        create_vault(existing, PASSPHRASE)
    assert existing.read_bytes() == b"keep me"
    stray = tmp_path / "w.tdvault-wal"
    stray.write_bytes(b"old wal")
    with pytest.raises(VaultExists):
        create_vault(tmp_path / "w.tdvault", PASSPHRASE)
    assert not (tmp_path / "w.tdvault").exists()


@pytest.mark.parametrize("bad", ["", "nul\x00inside"])
def test_create_refuses_passphrases_sqlcipher_cannot_take(tmp_path: Path, bad: str) -> None:
    # An empty key would make SQLCipher write a plaintext database.
    with pytest.raises(ValueError, match="passphrase"):
        create_vault(tmp_path / "v.tdvault", bad)
    assert not list(tmp_path.iterdir())


# --- encryption at rest ----------------------------------------------------------------------


def test_marker_is_nowhere_on_disk(fresh_vault: VaultFixture) -> None:
    marker = "MARKER-Kx93-private-session-note"
    engine = make_engine(fresh_vault.path, fresh_vault.key)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE notes (body TEXT)"))
            for _ in range(50):
                conn.execute(text("INSERT INTO notes VALUES (:b)"), {"b": marker * 20})
        with engine.connect() as conn:  # keep a connection open so -wal/-shm stay
            assert conn.execute(text("SELECT count(*) FROM notes")).scalar() == 50
            files = vault_files(fresh_vault.path)
            assert {f.name[-4:] for f in files} >= {"-wal", "-shm"}
            wal = fresh_vault.path.with_name(fresh_vault.path.name + "-wal")
            assert wal.stat().st_size > 0
            _assert_absent(files, marker)
    finally:
        engine.dispose()
    _assert_absent(vault_files(fresh_vault.path), marker)
    uri = f"{fresh_vault.path.as_uri()}?mode=ro"
    with (
        closing(sqlite3.connect(uri, uri=True)) as plain,
        pytest.raises(sqlite3.DatabaseError, match="file is not a database"),
    ):
        plain.execute("SELECT * FROM sqlite_master").fetchall()


def _assert_absent(files: list[Path], marker: str) -> None:
    assert files
    for file in files:
        data = file.read_bytes()
        for encoded in (marker.encode("utf-8"), marker.encode("utf-16-le"), marker[:12].encode()):
            assert encoded not in data, file.name


# --- unlock failures -------------------------------------------------------------------------


def test_wrong_passphrase_is_silent_and_touches_nothing(
    template_vault: VaultFixture, capfd: pytest.CaptureFixture[str], snapshot: Snapshot
) -> None:
    wrong = "not-the-passphrase-Q7"
    before = snapshot(template_vault.path.parent)
    with pytest.raises(WrongPassphrase) as caught:
        unlock(template_vault.path, wrong)
    assert snapshot(template_vault.path.parent) == before
    assert wrong not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    assert capfd.readouterr() == ("", "")


_WRONG_UNLOCK = r"""
import sys
from pathlib import Path
from therapist_desk.store.errors import WrongPassphrase
from therapist_desk.store.vault import unlock

try:
    unlock(Path(sys.argv[1]), "not-the-passphrase")
except WrongPassphrase:
    sys.exit(0)
sys.exit(1)
"""


def test_wrong_passphrase_prints_nothing_in_a_fresh_process(template_vault: VaultFixture) -> None:
    # cipher_log_level is process-wide, so only a fresh process shows SQLCipher's default output.
    result = subprocess.run(
        [sys.executable, "-c", _WRONG_UNLOCK, str(template_vault.path)],
        capture_output=True,
        env=child_env(),
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")


def test_wrong_raw_key_is_refused(template_vault: VaultFixture) -> None:
    with pytest.raises(WrongPassphrase):
        open_connection(template_vault.path, VaultKey(bytes(32)))


def test_missing_and_non_vault_files(tmp_path: Path) -> None:
    with pytest.raises(VaultNotFound):
        unlock(tmp_path / "absent.tdvault", PASSPHRASE)
    with pytest.raises(VaultNotFound):
        unlock(tmp_path / "no-folder" / "absent.tdvault", PASSPHRASE)
    empty = tmp_path / "empty.tdvault"
    empty.touch()
    text_file = tmp_path / "notes.txt"
    text_file.write_text("Dear diary,\nthis is not a database.\n", encoding="utf-8")
    truncated = tmp_path / "cut.tdvault"
    truncated.write_bytes(os.urandom(10))
    plain = tmp_path / "plain.sqlite"
    with closing(sqlite3.connect(plain)) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
    for candidate in (empty, text_file, truncated, plain, tmp_path):
        with pytest.raises(NotAVault):
            unlock(candidate, PASSPHRASE)
    assert empty.stat().st_size == 0


def test_unlock_handles_awkward_paths(template_vault: VaultFixture, tmp_path: Path) -> None:
    folder = tmp_path / "Dr. O'Neil #2 ? 100% ünïcode"
    folder.mkdir()
    path = folder / "my vault?.tdvault"
    path.write_bytes(template_vault.path.read_bytes())
    assert unlock(path, template_vault.passphrase) == template_vault.key
    with pytest.raises(WrongPassphrase):
        unlock(path, "nope")


# --- engine and connections -----------------------------------------------------------------


def test_pinned_pragmas_hold_on_every_pooled_connection(fresh_vault: VaultFixture) -> None:
    engine = make_engine(fresh_vault.path, fresh_vault.key)
    try:
        conns = [engine.connect() for _ in range(3)]
        try:
            raws = {id(c.connection.dbapi_connection) for c in conns}
            assert len(raws) == 3
            for conn in conns:
                verify_pragmas(conn)
                assert read_pragmas(conn) == REQUIRED_PRAGMAS
        finally:
            for conn in conns:
                conn.close()
        worker_result: list[object] = []

        def in_worker() -> None:
            with engine.connect() as conn:
                worker_result.append(conn.execute(text("SELECT count(*) FROM items")).scalar())
                worker_result.append(read_pragmas(conn))

        worker = threading.Thread(target=in_worker)
        worker.start()
        worker.join()
        assert worker_result == [fresh_vault.rows, REQUIRED_PRAGMAS]
        verify_pragmas(engine)
    finally:
        engine.dispose()


def test_verify_pragmas_names_a_drifted_pragma(fresh_vault: VaultFixture) -> None:
    with closing(open_connection(fresh_vault.path, fresh_vault.key)) as conn:
        verify_pragmas(conn)
        conn.execute("PRAGMA temp_store = FILE")
        with pytest.raises(VaultError, match="temp_store"):
            verify_pragmas(conn)


def test_engine_never_sends_its_own_key_and_begins_immediate(fresh_vault: VaultFixture) -> None:
    engine = make_engine(fresh_vault.path, fresh_vault.key)
    seen: list[str] = []

    # insert=True: runs before the dialect's own first-connect work, so nothing escapes the trace.
    @event.listens_for(engine, "connect", insert=True)
    def trace(dbapi_connection: sqlcipher.Connection, _record: object) -> None:
        dbapi_connection.set_trace_callback(seen.append)

    try:
        assert (engine.dialect.name, engine.dialect.driver) == ("sqlite", "pysqlite")
        assert isinstance(engine.pool, sqlalchemy.pool.QueuePool)
        with engine.begin() as conn:
            conn.execute(text("SELECT 1"))
        assert seen
        assert not [s for s in seen if "key" in s.lower()]
        assert "BEGIN IMMEDIATE" in seen
    finally:
        engine.dispose()


def test_engine_transactions_are_real(fresh_vault: VaultFixture) -> None:
    engine = make_engine(fresh_vault.path, fresh_vault.key)
    try:
        with engine.connect() as conn:
            conn.execute(text("CREATE TABLE ddl_probe (x)"))  # transactional DDL
            conn.execute(text("INSERT INTO items (body) VALUES ('rolled back')"))
            conn.rollback()
            tables = conn.execute(text("SELECT name FROM sqlite_master")).scalars().all()
            assert "ddl_probe" not in tables
            with conn.begin_nested():
                conn.execute(text("INSERT INTO items (body) VALUES ('kept')"))
            savepoint = conn.begin_nested()
            conn.execute(text("INSERT INTO items (body) VALUES ('savepoint undone')"))
            savepoint.rollback()
            conn.commit()
        with engine.connect().execution_options(vault_begin="DEFERRED") as conn:
            bodies = conn.execute(text("SELECT body FROM items WHERE length(body) < 20"))
            assert bodies.scalars().all() == ["kept"]
    finally:
        engine.dispose()


def test_autocommit_works_and_leaves_the_pool_transactional(fresh_vault: VaultFixture) -> None:
    engine = make_engine(fresh_vault.path, fresh_vault.key)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM"))  # fails inside a transaction
        with engine.connect() as conn:  # the same pooled connection, back in our mode
            raw = conn.connection.dbapi_connection
            assert raw is not None
            assert raw.isolation_level is None
            conn.execute(text("INSERT INTO items (body) VALUES ('undone')"))
            conn.rollback()
            assert conn.execute(text("SELECT count(*) FROM items")).scalar() == fresh_vault.rows
    finally:
        engine.dispose()


def test_failed_statement_hides_its_parameters(fresh_vault: VaultFixture) -> None:
    marker = "SECRET-NOTE-MARKER-77"
    engine = make_engine(fresh_vault.path, fresh_vault.key)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE short (x TEXT CHECK (length(x) < 5))"))
        with pytest.raises(sqlalchemy.exc.IntegrityError) as caught, engine.begin() as conn:
            conn.execute(text("INSERT INTO short VALUES (:x)"), {"x": marker})
        assert marker not in str(caught.value)
        assert marker not in repr(caught.value)
        translated = translate_db_error(caught.value)
        assert marker not in str(translated)
        assert marker not in repr(translated)
        assert isinstance(translated, VaultError)
    finally:
        engine.dispose()


def test_read_only_connection_cannot_write(template_vault: VaultFixture) -> None:
    with closing(open_connection(template_vault.path, template_vault.key, read_only=True)) as conn:
        with pytest.raises(sqlcipher.OperationalError) as caught:
            conn.execute("DELETE FROM items")
        assert isinstance(translate_db_error(caught.value), VaultReadOnly)


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("database or disk is full", DiskFull),
        ("file is not a database", WrongPassphrase),
        ("attempt to write a readonly database", VaultReadOnly),
        ("database is locked", VaultInUse),
        ("disk I/O error", VaultIOError),
    ],
)
def test_translate_db_error_by_message(message: str, kind: type[VaultError]) -> None:
    driver_error = sqlcipher.OperationalError(message)
    assert type(translate_db_error(driver_error)) is kind
    wrapped = sqlalchemy.exc.OperationalError("INSERT ...", {"x": "MARKER"}, driver_error)
    result = translate_db_error(wrapped)
    assert type(result) is kind
    assert "MARKER" not in str(result)
    assert message not in str(result)


def test_translate_os_errors() -> None:
    import errno

    assert type(translate_db_error(OSError(errno.ENOSPC, "No space"))) is DiskFull
    assert type(translate_db_error(PermissionError(errno.EACCES, "denied"))) is VaultReadOnly
    assert type(translate_db_error(OSError(errno.EIO, "io"))) is VaultIOError


def test_translated_error_does_not_chain(fresh_vault: VaultFixture) -> None:
    def failing_insert(conn: sqlcipher.Connection) -> None:
        try:
            conn.execute("INSERT INTO missing_table VALUES ('MARKER-CHAIN')")
        except sqlcipher.Error as exc:
            raise translate_db_error(exc) from None

    with (
        closing(open_connection(fresh_vault.path, fresh_vault.key)) as conn,
        pytest.raises(VaultError) as caught,
    ):
        failing_insert(conn)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


# --- files on disk ----------------------------------------------------------------------------


@posix_only
def test_permissions_are_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "fresh-folder"
    path = folder / "v.tdvault"
    old_umask = os.umask(0o022)
    try:
        key = create_vault(path, PASSPHRASE)
        add_rows(path, key, 10)
        with closing(open_connection(path, key)) as conn:
            conn.execute("INSERT INTO items (body) VALUES ('x')")
            conn.commit()
            files = vault_files(path)
            assert len(files) == 3
            for file in files:
                assert file.stat().st_mode & 0o777 == 0o600, file.name
        assert folder.stat().st_mode & 0o777 == 0o700
    finally:
        os.umask(old_umask)


def test_vault_files_lists_existing_companions(tmp_path: Path) -> None:
    path = tmp_path / "v.tdvault"
    assert vault_files(path) == []
    path.touch()
    (tmp_path / "v.tdvault-shm").touch()
    assert vault_files(path) == [path, tmp_path / "v.tdvault-shm"]


_SORT_PROBE = r"""
import os, sys, threading
from pathlib import Path
from therapist_desk.store.vault import VaultKey, open_connection

tmpdir = os.environ["SQLITE_TMPDIR"]
conn = open_connection(Path(sys.argv[1]), VaultKey(bytes.fromhex(sys.stdin.read().strip())))
conn.execute("CREATE TABLE big (x TEXT)")
conn.executemany("INSERT INTO big VALUES (?)", ((os.urandom(60).hex(),) for _ in range(50_000)))
conn.commit()

def temp_files_during_sort(temp_store):
    if temp_store:
        conn.execute(f"PRAGMA temp_store = {temp_store}")
    conn.execute("PRAGMA cache_size = 20")  # a tiny cache forces the sorter to spill
    seen, done = set(), threading.Event()
    def watch():
        while not done.is_set():
            for fd in os.listdir("/proc/self/fd"):
                try:
                    target = os.readlink(f"/proc/self/fd/{fd}")
                except OSError:
                    continue
                if target.startswith(tmpdir):
                    seen.add(target)
    watcher = threading.Thread(target=watch)
    watcher.start()
    count = sum(1 for _ in conn.execute("SELECT x FROM big ORDER BY x"))
    done.set()
    watcher.join()
    assert count == 50_000
    return len(seen)

print(temp_files_during_sort(None), temp_files_during_sort("FILE"))
"""


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to watch open files")
def test_large_sort_writes_no_temp_file(fresh_vault: VaultFixture, tmp_path: Path) -> None:
    # SQLite reads SQLITE_TMPDIR once per process, hence the child. Temp files are unlinked as
    # soon as they are opened, so the child watches its own open descriptors instead.
    tmpdir = tmp_path / "sqlite-tmp"
    tmpdir.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", _SORT_PROBE, str(fresh_vault.path)],
        input=fresh_vault.key.raw.hex(),
        capture_output=True,
        text=True,
        env=child_env(SQLITE_TMPDIR=str(tmpdir)),
        timeout=60,
        check=True,
    )
    pinned, control = (int(n) for n in result.stdout.split())
    assert control > 0, "the FILE control run must be seen, or the probe proves nothing"
    assert pinned == 0
    assert not list(tmpdir.iterdir())


# --- single-writer lock ----------------------------------------------------------------------


_HOLD_LOCK = r"""
import sys, time
from pathlib import Path
from therapist_desk.store.lock import VaultLock

lock = VaultLock.acquire(Path(sys.argv[1]))
print("held", flush=True)
time.sleep(60)
"""


def test_lock_is_exclusive_within_the_process(tmp_path: Path) -> None:
    vault = tmp_path / "v.tdvault"
    with VaultLock.acquire(vault) as lock:
        assert lock.held
        with pytest.raises(VaultInUse):
            VaultLock.acquire(vault)
    assert not lock.held
    lock.release()  # twice is harmless
    again = VaultLock.acquire(vault)
    again.release()
    assert lock_path_for(vault).exists()  # never deleted, see VaultLock
    if os.name == "posix":
        assert lock_path_for(vault).stat().st_mode & 0o777 == 0o600


def test_lock_held_by_another_process(tmp_path: Path) -> None:
    vault = tmp_path / "v.tdvault"
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(vault)],
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(VaultInUse) as caught:
            VaultLock.acquire(vault)
        assert "another copy" in str(caught.value)
    finally:
        child.kill()
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
    # The OS drops the lock with the process: no stale lock after a crash.
    VaultLock.acquire(vault).release()
