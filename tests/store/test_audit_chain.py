"""The audit hash chain when entries come from several connections, threads and engines.

append_event remembers the last hash it wrote and lets the INSERT check it; these tests make
that guess wrong in every way available (another engine on the same file, concurrent threads,
a rolled-back transaction, a row written around the repository) and check the chain.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session, sessionmaker

from therapist_desk.domain.audit import GENESIS_HASH, AuditEvent
from therapist_desk.store.database import Vault, create_and_open
from therapist_desk.store.repositories.audit import append_event, chain_breaks, list_events
from therapist_desk.store.vault import make_engine

NOW = datetime(2026, 11, 20, 17, 30)


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    opened = create_and_open(tmp_path / "vault.tdvault", "audit chain passphrase")
    try:
        yield opened
    finally:
        opened.close()


def _entry(n: int, who: str = "") -> AuditEvent:
    return AuditEvent(at=NOW + timedelta(seconds=n), action="note.update", record_type="session",
                      record_id=n, client_id=n % 7, detail=who)


def _hashes(vault: Vault) -> list[str]:
    with vault.reader() as s:
        return [row[0] for row in s.execute(text("SELECT hash FROM audit_events ORDER BY id"))]


def test_first_entry_chains_onto_genesis_and_returns_its_row(vault: Vault) -> None:
    with vault.unit_of_work() as s:
        first = append_event(s, _entry(1))
        second = append_event(s, _entry(2))
    with vault.reader() as s:
        stored = list_events(s)
    assert stored == [first, second]
    assert first.prev_hash == GENESIS_HASH and second.prev_hash == first.hash
    assert first.hash == first.computed_hash()


def test_two_engines_on_one_file_interleaving_keep_one_chain(vault: Vault) -> None:
    # A second engine has its own pool, so its own remembered hash: each side's guess is stale
    # every time the other one wrote.
    other = make_engine(vault.path, vault.key)
    other_sessions = sessionmaker(other, expire_on_commit=False)
    try:
        for n in range(40):
            if n % 3:
                with vault.unit_of_work() as s:
                    append_event(s, _entry(n, "vault"))
            else:
                with other_sessions.begin() as s:
                    append_event(s, _entry(n, "other"))
    finally:
        other.dispose()
    with vault.reader() as s:
        events = list_events(s)
        assert chain_breaks(s) == []
    assert [e.record_id for e in events] == list(range(40))
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))


def test_many_saves_from_two_threads_keep_one_chain(vault: Vault) -> None:
    errors: list[BaseException] = []

    def write(who: str) -> None:
        try:
            for n in range(60):
                with vault.unit_of_work() as s:
                    append_event(s, _entry(n, who))
                    append_event(s, _entry(n, who + " again"))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=write, args=(who,)) for who in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with vault.reader() as s:
        assert len(list_events(s)) == 240
        assert chain_breaks(s) == []


def test_a_rolled_back_entry_is_not_chained_onto(vault: Vault) -> None:
    with vault.unit_of_work() as s:
        append_event(s, _entry(1))
    with pytest.raises(RuntimeError), vault.unit_of_work() as s:
        append_event(s, _entry(2))  # remembered as the last hash, then rolled back
        raise RuntimeError("the use case failed after auditing")
    with vault.unit_of_work() as s:
        third = append_event(s, _entry(3))
    assert third.prev_hash == _hashes(vault)[0]
    with vault.reader() as s:
        assert [e.record_id for e in list_events(s)] == [1, 3]
        assert chain_breaks(s) == []


def test_an_entry_written_around_the_repository_is_chained_onto(vault: Vault) -> None:
    with vault.unit_of_work() as s:
        append_event(s, _entry(1))
    last = _hashes(vault)[-1]
    outside = AuditEvent(at=NOW, action="import", prev_hash=last)
    outside = AuditEvent(at=NOW, action="import", prev_hash=last, hash=outside.computed_hash())
    with vault.unit_of_work() as s:
        s.execute(text("INSERT INTO audit_events (at, action, record_type, detail, prev_hash, hash)"
                       " VALUES (:at, 'import', '', '', :prev, :hash)"),
                  {"at": NOW.isoformat(sep=" "), "prev": outside.prev_hash, "hash": outside.hash})
    with vault.unit_of_work() as s:
        after = append_event(s, _entry(2))
    assert after.prev_hash == outside.hash
    with vault.reader() as s:
        assert chain_breaks(s) == []


def test_warm_append_is_one_statement_and_stale_guess_costs_two_more(vault: Vault) -> None:
    other = make_engine(vault.path, vault.key)
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(" ".join(statement.split()[:2]).upper())

    def append_in(session: Session, n: int) -> None:
        statements.clear()
        event.listen(vault.engine, "before_cursor_execute", record)
        try:
            append_event(session, _entry(n))
        finally:
            event.remove(vault.engine, "before_cursor_execute", record)

    try:
        with vault.unit_of_work() as s:
            append_event(s, _entry(1))
        with vault.unit_of_work() as s:
            s.connection()  # BEGIN outside the count
            append_in(s, 2)
        assert statements == ["INSERT INTO"]
        with sessionmaker(other).begin() as s:
            append_event(s, _entry(3))
        with vault.unit_of_work() as s:
            s.connection()
            append_in(s, 4)
        assert statements == ["INSERT INTO", "SELECT HASH", "INSERT INTO"]
    finally:
        other.dispose()
    with vault.reader() as s:
        assert [e.record_id for e in list_events(s)] == [1, 2, 3, 4]
        assert chain_breaks(s) == []


def test_tampering_with_the_last_entry_still_shows(vault: Vault) -> None:
    with vault.unit_of_work() as s:
        append_event(s, _entry(1))
        append_event(s, _entry(2))
    with vault.unit_of_work() as s:
        s.execute(text("DROP TRIGGER audit_events_no_update"))
        s.execute(text("UPDATE audit_events SET detail = 'edited' WHERE id = 2"))
    with vault.unit_of_work() as s:
        append_event(s, _entry(3))
    with vault.reader() as s:
        assert chain_breaks(s) == [2]
