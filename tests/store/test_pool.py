"""The engine's connection pool: last in, first out, so one warm page cache serves most work."""

from __future__ import annotations

from therapist_desk.store.vault import make_engine, read_pragmas
from tests.store.conftest import VaultFixture


def test_pool_hands_out_the_connection_returned_last(fresh_vault: VaultFixture) -> None:
    engine = make_engine(fresh_vault.path, fresh_vault.key)
    try:
        first, second = engine.raw_connection(), engine.raw_connection()
        first_id, second_id = id(first.dbapi_connection), id(second.dbapi_connection)
        first.close()
        second.close()  # back to the pool last: handed out first
        again = engine.raw_connection()
        assert id(again.dbapi_connection) == second_id != first_id
        again.close()
    finally:
        engine.dispose()


def test_page_cache_is_8_mib_per_connection(fresh_vault: VaultFixture) -> None:
    engine = make_engine(fresh_vault.path, fresh_vault.key)
    try:
        assert read_pragmas(engine)["cache_size"] == -8192
    finally:
        engine.dispose()


def test_release_memory_begins_no_transaction(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """It empties a pooled connection's page cache while a writer holds the write lock: a
    transaction (BEGIN IMMEDIATE) there would wait for the lock and fail after the busy timeout."""
    import time

    from sqlalchemy import text

    from therapist_desk.store.database import create_and_open

    with create_and_open(tmp_path / "vault.tdvault", "release memory test passphrase") as vault:
        with vault.reader() as session:
            before = session.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
        with vault.unit_of_work() as writer:
            writer.execute(text("CREATE TABLE scratch (x)"))  # the write lock is held from here
            started = time.monotonic()
            vault.release_memory()
            assert time.monotonic() - started < 1.0
        with vault.reader() as session:  # the emptied cache refills on demand
            assert session.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one() == before + 1
