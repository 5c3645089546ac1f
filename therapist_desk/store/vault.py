"""The encrypted vault file: key derivation, create and unlock, keyed connections, the engine."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeAlias

import sqlalchemy
import sqlcipher3.dbapi2 as sqlcipher  # type: ignore[import-untyped]  # ships no stubs
from sqlalchemy import event
from sqlalchemy.pool import QueuePool

from therapist_desk.paths import make_private_dir
from therapist_desk.store.errors import (
    NotAVault,
    VaultError,
    VaultExists,
    VaultIOError,
    VaultNotFound,
    VaultReadOnly,
    translate_db_error,
)

__all__ = [
    "BEGIN_MODE_OPTION",
    "KDF_ITERATIONS",
    "KEY_BYTES",
    "REQUIRED_PRAGMAS",
    "SALT_BYTES",
    "PragmaSource",
    "VaultKey",
    "create_vault",
    "derive_key",
    "make_engine",
    "open_connection",
    "read_pragmas",
    "read_salt",
    "tighten_permissions",
    "unlock",
    "vault_files",
    "verify_pragmas",
]

# SQLCipher 4 defaults: PBKDF2-HMAC-SHA512, 256,000 iterations, a 16-byte random salt kept in the
# first 16 bytes of the file, a 32-byte AES-256 key. derive_key() must match them exactly, which
# is why every connection also pins ``cipher_compatibility = 4`` (a future SQLCipher 5 default
# would otherwise create vaults our own derivation cannot open).
KDF_ITERATIONS: Final = 256_000
SALT_BYTES: Final = 16
KEY_BYTES: Final = 32

# SQLite page sizes are powers of two from 512 up, and a database file is a whole number of pages:
# anything shorter or ragged was cut short or never was a vault.
_MIN_PAGE_BYTES: Final = 512
_PLAIN_SQLITE_MAGIC: Final = b"SQLite format 3\x00"
_SIDE_SUFFIXES: Final = ("-wal", "-shm", "-journal")
_BUSY_TIMEOUT_MS: Final = 5000
# The page cache of each connection (decrypted pages: repeated reads skip the cipher, PITFALLS).
# 8 MiB holds a large practice's hot pages (indexes, the FTS terms searched); 32 MiB cost 25 MiB
# more memory after unlock with no measurable gain since the client list is answered in memory
# (benchmarks: list, attention, search and save alike at 8 and 32 MiB).
_CACHE_KIB: Final = 8192

# Execution option choosing how the engine's transactions begin. "IMMEDIATE" (default) takes the
# write lock at BEGIN, so a second writer waits there (busy_timeout) instead of failing half-way
# with SQLITE_BUSY when its read cannot be upgraded to a write, which no timeout can fix. Long
# read-only work (reports, exports) may pass "DEFERRED" so it never holds up a writer.
BEGIN_MODE_OPTION: Final = "vault_begin"
_BEGIN_MODES: Final = frozenset({"IMMEDIATE", "DEFERRED", "EXCLUSIVE"})

REQUIRED_PRAGMAS: Final[dict[str, str | int]] = {
    "journal_mode": "wal",
    "synchronous": 2,  # FULL: every acknowledged commit survives kill -9 / power loss in WAL
    "foreign_keys": 1,
    "temp_store": 2,  # MEMORY: FILE would spill large sorts to *plaintext* temp files
    "secure_delete": 1,
    "busy_timeout": _BUSY_TIMEOUT_MS,
    "cache_size": -_CACHE_KIB,
    "cipher_log_level": "NONE",  # SQLCipher otherwise prints ERROR CORE lines on a wrong key
}


@dataclass(frozen=True, slots=True)
class VaultKey:
    """The raw 32-byte AES key of an unlocked vault; derived once per unlock, never shown."""

    raw: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.raw) != KEY_BYTES:
            raise ValueError(f"a vault key has {KEY_BYTES} bytes")

    def __repr__(self) -> str:
        return "VaultKey(<hidden>)"

    def pragma_literal(self) -> str:
        """The SQL value for ``PRAGMA key = ...``: ``"x'<64 hex>'"`` (SQLCipher's raw-key form)."""
        return f"\"x'{self.raw.hex()}'\""

    def salted_pragma_literal(self, salt: bytes) -> str:
        """Raw key plus explicit salt, ``"x'<64 hex><32 hex>'"``, for writing a new file.

        A new file keyed with the plain raw form gets a random salt, so the passphrase would no
        longer derive its key; giving the original salt keeps ``unlock(copy, passphrase)`` working.
        """
        if len(salt) != SALT_BYTES:
            raise ValueError(f"a vault salt has {SALT_BYTES} bytes")
        return f"\"x'{self.raw.hex()}{salt.hex()}'\""


def derive_key(passphrase: str, salt: bytes) -> VaultKey:
    """Derive the key SQLCipher 4 derives from ``passphrase`` and the file's salt (~0.2 s)."""
    if len(salt) != SALT_BYTES:
        raise ValueError(f"a vault salt has {SALT_BYTES} bytes")
    raw = hashlib.pbkdf2_hmac("sha512", passphrase.encode("utf-8"), salt, KDF_ITERATIONS, KEY_BYTES)
    return VaultKey(raw)


def vault_files(path: Path) -> list[Path]:
    """The vault file and its existing -wal, -shm and -journal companions (they move together)."""
    candidates = [path, *(path.with_name(path.name + suffix) for suffix in _SIDE_SUFFIXES)]
    return [candidate for candidate in candidates if candidate.exists()]


def read_salt(path: Path) -> bytes:
    """The KDF salt from the first bytes of a vault, after checking it can be one at all."""
    _check_vault_file(path)
    try:
        with open(path, "rb") as handle:
            salt = handle.read(SALT_BYTES)
    except OSError as exc:
        failure = translate_db_error(exc)
    else:
        if salt == _PLAIN_SQLITE_MAGIC:
            raise NotAVault("This file is an unencrypted database, not a Therapist Desk vault.")
        return salt
    raise failure from None


def create_vault(path: Path, passphrase: str) -> VaultKey:
    """Create a new, empty vault at ``path`` keyed with ``passphrase`` and return its key.

    The folder is made owner-only and every file 0600. An existing vault (or a stray -wal/-shm,
    which SQLite would replay into the new file) is refused with :class:`VaultExists`.
    """
    _check_new_passphrase(passphrase)
    if vault_files(path):
        raise VaultExists()
    try:
        make_private_dir(path.parent)
        # O_EXCL: a vault appearing between the check and here is never overwritten; 0600 from
        # the first byte, since SQLite would otherwise create the file with the umask's mode.
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | _O_BINARY, 0o600))
    except FileExistsError:
        raise VaultExists() from None
    except OSError as exc:
        failure: VaultError = translate_db_error(exc)
        raise failure from None
    try:
        with closing(_connect(path, read_only=False)) as conn:
            _apply_key(conn, _sql_string(passphrase))
            # Any write puts page 1 (and so the random salt) on disk; do it before WAL so it lands
            # in the main file, where unlock() reads the salt.
            _execute_all(conn, "PRAGMA user_version = 0", "PRAGMA journal_mode = WAL")
        key = derive_key(passphrase, read_salt(path))
        with closing(open_connection(path, key)):
            pass
    except BaseException:
        # Leave nothing half-made behind, so the user can simply try again.
        for leftover in vault_files(path):
            leftover.unlink(missing_ok=True)
        raise
    tighten_permissions(path)
    return key


def unlock(path: Path, passphrase: str) -> VaultKey:
    """Derive the vault key from ``passphrase`` once and prove it with a real, read-only read.

    Raises :class:`VaultNotFound`, :class:`NotAVault` or :class:`WrongPassphrase`. The check
    connection is read-only, so a wrong passphrase leaves the file byte-for-byte untouched.
    """
    key = derive_key(passphrase, read_salt(path))
    with closing(open_connection(path, key, read_only=True)):
        pass
    return key


def open_connection(path: Path, key: VaultKey, *, read_only: bool = False) -> sqlcipher.Connection:
    """A keyed DB-API connection with the pinned pragmas, verified by a real read.

    ``check_same_thread=False`` lets a pooled connection serve a worker thread; the pool hands a
    connection to one thread at a time. A read-only connection keeps the file's journal mode.
    """
    _check_vault_file(path)
    conn = _connect(path, read_only=read_only)
    try:
        _apply_key(conn, key.pragma_literal())
        _apply_pragmas(conn, read_only=read_only)
    except BaseException:
        conn.close()
        raise
    if not read_only:
        tighten_permissions(path)
    return conn


def make_engine(path: Path, key: VaultKey) -> sqlalchemy.Engine:
    """The app's SQLAlchemy engine over the vault; every pooled connection is keyed and pinned.

    Transactions are SQLAlchemy's, not the driver's: the driver's legacy mode skips BEGIN before
    SELECT, DDL and SAVEPOINT (SQLAlchemy docs, "Transactions with SQLite and the sqlite3
    driver"), so it is switched off and each transaction emits ``BEGIN IMMEDIATE`` itself.
    """
    engine = sqlalchemy.create_engine(
        # A bare "sqlite://" with creator=: the sqlite+pysqlcipher URL would send its own empty
        # PRAGMA key after ours (PITFALLS).
        "sqlite://",
        creator=lambda: open_connection(path, key),
        module=sqlcipher,
        hide_parameters=True,
        # Stated explicitly: for "sqlite://" (no file name) the dialect would pick
        # SingletonThreadPool, one connection per thread that is never shared or bounded.
        # QueuePool keeps keyed connections (no KDF, warm page caches) and bounds them: the UI
        # thread plus a few workers, each with its own cache.
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
        # Last in, first out: each connection has its own page cache, so handing out the one
        # used last (warm) instead of the one idle longest keeps fewer caches filled.
        pool_use_lifo=True,
    )
    event.listen(engine, "connect", _on_pool_connect)
    event.listen(engine, "checkout", _on_pool_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


PragmaSource: TypeAlias = sqlalchemy.Engine | sqlalchemy.Connection | sqlcipher.Connection


def read_pragmas(source: PragmaSource) -> dict[str, object]:
    """The current values of :data:`REQUIRED_PRAGMAS` on one connection (an engine lends one)."""
    with _dbapi_connection(source) as conn:
        cursor = conn.cursor()
        values: dict[str, object] = {}
        for name in REQUIRED_PRAGMAS:
            row = cursor.execute(f"PRAGMA {name}").fetchone()
            values[name] = row[0] if row else None
        return values


def verify_pragmas(source: PragmaSource) -> None:
    """Raise :class:`VaultError` naming every pragma that is not pinned to its required value."""
    current = read_pragmas(source)
    wrong = [
        f"{name}={current[name]!r} (needs {wanted!r})"
        for name, wanted in REQUIRED_PRAGMAS.items()
        if not _pragma_matches(name, current[name], wanted)
    ]
    if wrong:
        raise VaultError("The vault connection is not set up safely: " + "; ".join(wrong) + ".")


def tighten_permissions(path: Path) -> None:
    """Make the vault and its companion files owner-only (0600) on POSIX."""
    if os.name != "posix":
        return
    for file in vault_files(path):
        # A -wal/-shm may vanish when the last connection closes.
        with suppress(FileNotFoundError):
            os.chmod(file, 0o600)


# --- internals shared with vault_ops -------------------------------------------------------

_O_BINARY: Final[int] = getattr(os, "O_BINARY", 0)  # Windows would otherwise open in text mode


def _check_vault_file(path: Path) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise VaultNotFound() from None
    except OSError as exc:
        failure = translate_db_error(exc)
        raise failure from None
    if not path.is_file():
        raise NotAVault()
    if size < _MIN_PAGE_BYTES or size % _MIN_PAGE_BYTES:
        raise NotAVault()


def _check_new_passphrase(passphrase: str) -> None:
    # An empty key means "no encryption" to SQLCipher: refuse rather than write a plaintext vault.
    if not passphrase:
        raise ValueError("a vault passphrase must not be empty")
    if "\x00" in passphrase:
        raise ValueError("a vault passphrase must not contain a NUL character")


def _sql_string(text: str) -> str:
    """``text`` as an SQL string literal: single quotes doubled, nothing else needs escaping."""
    return "'" + text.replace("'", "''") + "'"


def _connect(path: Path, *, read_only: bool) -> sqlcipher.Connection:
    # Always a URI with mode=ro/rw: mode=rw never creates a missing file (an empty one would be
    # plaintext until keyed), and as_uri() percent-escapes spaces, '?' and '#' in the path.
    mode = "ro" if read_only else "rw"
    uri = f"{path.absolute().as_uri()}?mode={mode}"
    try:
        return sqlcipher.connect(
            uri, uri=True, check_same_thread=False, timeout=_BUSY_TIMEOUT_MS / 1000
        )
    except sqlcipher.Error as exc:
        failure = translate_db_error(exc)
    if not path.parent.exists():
        failure = VaultNotFound()
    elif not os.access(path.parent, os.W_OK) and not read_only:
        failure = VaultReadOnly()
    raise failure from None


def _apply_key(conn: sqlcipher.Connection, literal: str) -> None:
    """Key ``conn`` through the raw cursor and prove it with a real read.

    ``PRAGMA key`` answers "ok" even for a wrong key; only the first read fails. The error is
    replaced outside the ``except`` block so the driver's text (which could quote the statement)
    is not even kept as ``__context__``.
    """
    cursor = conn.cursor()
    failure: VaultError | None = None
    try:
        cursor.execute("PRAGMA cipher_log_level = NONE")
        cursor.execute(f"PRAGMA key = {literal}")
        cursor.execute("PRAGMA cipher_compatibility = 4")
        cursor.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.Error as exc:
        failure = translate_db_error(exc)
    finally:
        cursor.close()
    if failure is not None:
        raise failure


def _execute_all(conn: sqlcipher.Connection, *statements: str) -> list[Any]:
    """Run fixed statements (never user text), translating driver errors; returns last rows."""
    cursor = conn.cursor()
    rows: list[Any] = []
    failure: VaultError | None = None
    try:
        for statement in statements:
            rows = cursor.execute(statement).fetchall()
    except sqlcipher.Error as exc:
        failure = translate_db_error(exc)
    finally:
        cursor.close()
    if failure is not None:
        raise failure
    return rows


def _apply_pragmas(conn: sqlcipher.Connection, *, read_only: bool) -> None:
    if not read_only:
        mode = _execute_all(conn, "PRAGMA journal_mode = WAL")
        if not mode or str(mode[0][0]).lower() != "wal":
            raise VaultIOError("The vault could not switch to its safe journal mode.")
    _execute_all(
        conn,
        "PRAGMA synchronous = FULL",
        "PRAGMA foreign_keys = ON",
        "PRAGMA temp_store = MEMORY",
        "PRAGMA secure_delete = ON",
        f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}",
        f"PRAGMA cache_size = {-_CACHE_KIB}",
    )


def _on_pool_connect(dbapi_connection: Any, *_args: Any) -> None:
    # isolation_level None stops the driver's own implicit BEGINs; _on_begin emits ours. Also
    # re-applied at every checkout: after an AUTOCOMMIT use, SQLAlchemy's pysqlite dialect resets
    # a returned connection to isolation_level "" (driver legacy mode).
    dbapi_connection.isolation_level = None


def _on_begin(conn: sqlalchemy.Connection) -> None:
    options = conn.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return  # e.g. VACUUM, which cannot run inside a transaction
    mode = str(options.get(BEGIN_MODE_OPTION, "IMMEDIATE")).upper()
    if mode not in _BEGIN_MODES:
        raise ValueError(f"{BEGIN_MODE_OPTION} must be one of {sorted(_BEGIN_MODES)}")
    conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def _dbapi_connection(source: PragmaSource) -> Iterator[Any]:
    if isinstance(source, sqlalchemy.Engine):
        raw = source.raw_connection()
        try:
            yield raw.dbapi_connection
        finally:
            raw.close()  # back to the pool, not closed
    elif isinstance(source, sqlalchemy.Connection):
        yield source.connection.dbapi_connection
    else:
        yield source


def _pragma_matches(name: str, current: object, wanted: str | int) -> bool:
    if isinstance(wanted, str):
        return isinstance(current, str) and current.lower() == wanted.lower()
    return current == wanted
