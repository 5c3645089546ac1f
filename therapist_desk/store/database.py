"""An open vault: the lock, the engine, migrations on open, and one unit of work per use case."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, exc, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from therapist_desk.store.errors import VaultError, translate_db_error
from therapist_desk.store.lock import VaultLock
from therapist_desk.store.vault_ops import backup_vault
from therapist_desk.store.vault import (
    BEGIN_MODE_OPTION,
    VaultKey,
    create_vault,
    make_engine,
    unlock,
    verify_pragmas,
)

log = logging.getLogger(__name__)

MIGRATIONS_PACKAGE = "therapist_desk.store:migrations"


def _alembic_config() -> object:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS_PACKAGE)
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())  # type: ignore[arg-type]
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` in one transaction (SQLite has transactional DDL)."""
    from alembic import command

    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn  # type: ignore[attr-defined]
        command.upgrade(cfg, revision)  # type: ignore[arg-type]


@dataclass
class Vault:
    """The open, unlocked vault. Close it to release the lock and every connection."""

    path: Path
    key: VaultKey
    engine: Engine
    lock: VaultLock
    _sessions: sessionmaker[Session]

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: commit on success, roll back everything on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except exc.DBAPIError as error:
            session.rollback()
            raise translate_db_error(error) from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only session for queries (rolled back at the end; nothing to commit).

        Its transaction begins DEFERRED, so a long report never holds the write lock.
        """
        session = self._sessions(bind=self.engine.execution_options(**{BEGIN_MODE_OPTION: "DEFERRED"}))
        try:
            yield session
        except exc.DBAPIError as error:
            raise translate_db_error(error) from None
        finally:
            session.rollback()
            session.close()

    def release_memory(self) -> None:
        """Empty the page cache of the pooled connection used last (it refills on demand).

        For after a burst of big reads (the first client list after an unlock): the cache would
        otherwise keep their high-water mark. A raw DB-API connection, so no transaction begins.
        """
        conn = self.engine.raw_connection()
        try:
            cursor = conn.cursor()
            cursor.execute("PRAGMA shrink_memory")
            cursor.close()
        finally:
            conn.close()  # back to the pool

    def close(self) -> None:
        self.engine.dispose()
        self.lock.release()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _assemble(path: Path, key: VaultKey, lock: VaultLock) -> Vault:
    engine = make_engine(path, key)
    try:
        verify_pragmas(engine)
        _migrate_with_backup(path, key, engine)
    except BaseException:
        engine.dispose()
        raise
    # expire_on_commit=False: services hand out domain objects built before commit.
    return Vault(path, key, engine, lock, sessionmaker(engine, expire_on_commit=False))


def stored_revision(engine: Engine) -> str | None:
    """The vault's schema revision read straight from ``alembic_version`` (None when unstamped).

    What ``current_revision`` answers, without importing Alembic (~11 MiB, ~130 ms).
    """
    with engine.execution_options(**{BEGIN_MODE_OPTION: "DEFERRED"}).connect() as conn:
        if conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).first() is None:
            return None
        rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    return str(rows[0][0]) if len(rows) == 1 else None


def scripted_head() -> str | None:
    """The newest revision of the migration scripts, read from their ``revision`` lines.

    A quick look that needs no Alembic; None whenever the scripts are not one simple chain
    (or cannot be read as files), and then the caller asks Alembic (``head_revision``).
    """
    try:
        folder = resources.files("therapist_desk.store.migrations").joinpath("versions")
        texts = [item.read_text(encoding="utf-8") for item in folder.iterdir()
                 if item.name.endswith(".py") and not item.name.startswith("_")]
    except (OSError, TypeError, ModuleNotFoundError):
        return None
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in texts:
        found = {name: quoted or bare for name, quoted, bare in _REVISION_LINE.findall(script)}
        if "revision" not in found or "down_revision" not in found:
            return None
        revisions.add(found["revision"])
        if found["down_revision"] != "None":
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and len(revisions) == len(texts) else None


# ``revision = "0005"`` / ``down_revision = '0004'`` / ``down_revision = None`` (a tuple, a merge,
# does not match, so the quick look gives up and Alembic decides).
_REVISION_LINE = re.compile(
    r"""^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(?:["']([^"'\n]+)["']|(None))\s*(?:#.*)?$""", re.M
)


def _migrate_with_backup(path: Path, key: VaultKey, engine: Engine) -> None:
    # Every unlock asks; a vault at the newest schema is answered without Alembic.
    quick = stored_revision(engine)
    if quick is not None and quick == scripted_head():
        return
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    has_tables = bool(inspect(engine).get_table_names())
    if current is not None or has_tables:
        # An encrypted copy before any schema change, so a failed upgrade loses nothing.
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        copy = path.with_name(f"{path.stem}.pre-{head}-{stamp}{path.suffix}")
        backup_vault(path, key, copy)
        log.info("vault backed up before migrating from %s to %s", current, head)
    try:
        migrate(engine)
    except exc.DBAPIError as error:
        raise translate_db_error(error) from None


def _locked_open(path: Path, get_key: Callable[[], VaultKey]) -> Vault:
    """Take the single-writer lock, get the key (create, stretch or reuse) and assemble the vault;
    the lock is released again if anything fails."""
    lock = VaultLock.acquire(path)
    try:
        return _assemble(path, get_key(), lock)
    except BaseException:
        lock.release()
        raise


def create_and_open(path: Path, passphrase: str) -> Vault:
    """Create a new vault at ``path`` (refusing an existing file) and open it."""
    key = create_vault(path, passphrase)
    return _locked_open(path, lambda: key)


def open_vault(path: Path, passphrase: str) -> Vault:
    """Unlock ``path``: take the single-writer lock, stretch the key once, migrate if needed."""
    return _locked_open(path, lambda: unlock(path, passphrase))


def open_with_key(path: Path, key: VaultKey) -> Vault:
    """Re-open with a key already derived (after a lock screen or a rekey)."""
    return _locked_open(path, lambda: key)


@contextmanager
def empty_schema_session() -> Iterator[Session]:
    """A session on an empty in-memory database with the vault's tables (no file, no data).

    For warming SQLAlchemy's process-wide caches before any vault is open: the first time a
    process builds and compiles a statement costs several times what it costs later, even on
    another engine (each engine keeps its own compiled cache, but not all of the work is there).
    """
    import sqlalchemy
    import sqlcipher3.dbapi2 as sqlcipher  # type: ignore[import-untyped]  # ships no stubs
    from sqlalchemy.pool import StaticPool

    from therapist_desk.store.models import Base

    engine = sqlalchemy.create_engine("sqlite://", module=sqlcipher, poolclass=StaticPool)
    try:
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def raw_execute(session: Session, sql: str, **params: object) -> None:
    """Run a statement the ORM does not express (FTS5 maintenance); parameters are bound."""
    session.execute(text(sql), params)


__all__ = ["Vault", "VaultError", "create_and_open", "open_vault", "open_with_key", "migrate"]
