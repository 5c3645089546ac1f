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


def test_page_cache_is_32_mib_per_connection(fresh_vault: VaultFixture) -> None:
    engine = make_engine(fresh_vault.path, fresh_vault.key)
    try:
        assert read_pragmas(engine)["cache_size"] == -32768
    finally:
        engine.dispose()
