"""The benchmark generator at tiny scale: the app's own services read its rows back correctly.

No timings here (the benchmarks are their own command, scripts/bench.sh); this proves the bulk
rows are exactly what the services would have written, so the figures measure a real vault.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from benchmarks.generate import PASSPHRASE, Params, build
from benchmarks.notes import body_of
from therapist_desk.domain.enums import NoteStatus
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import audit_log, notes, superbills
from therapist_desk.services.letters import LetterRequest, prepare_letter
from therapist_desk.services.vault_access import Vault, open_vault
from therapist_desk.store.models import ClientRow, NoteBodyRow, PlanRow, SessionRow
from therapist_desk.store.repositories import clients as clients_repo
from therapist_desk.store.repositories import records
from therapist_desk.store.repositories._json import dumps
from therapist_desk.store.repositories.notes import load_note, search_notes, to_fts_query
from therapist_desk.store.vault import VaultKey, derive_key, read_salt

TINY = Params(clients=14, notes=420, objectives=35, years=3.0)
NOW = datetime.combine(TINY.today, time(18))


def _digest(path: Path, key: VaultKey | None) -> str:
    """A hash of every row of the main tables (and the SQLite integrity check)."""
    import sqlcipher3.dbapi2 as sqlcipher

    with closing(sqlcipher.connect(str(path))) as conn:
        if key is not None:
            conn.execute(f"PRAGMA key = {key.pragma_literal()}")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        out = hashlib.sha256()
        for table in ("clients", "sessions", "note_bodies", "session_lines", "ledger_entries",
                      "audit_events", "treatment_plans", "measures", "notes_fts"):
            for row in conn.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid"):
                out.update(json.dumps(row, default=str).encode())
        return out.hexdigest()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Vault, dict[str, object], Path]]:
    folder = tmp_path_factory.mktemp("bench")
    manifest = build(TINY, folder / "vault.tdvault", encrypted=True)
    build(TINY, folder / "plain.sqlite", encrypted=False)
    key = derive_key(PASSPHRASE, read_salt(folder / "vault.tdvault"))
    # Compared before any test writes to the vault.
    manifest["digests"] = (_digest(folder / "vault.tdvault", key), _digest(folder / "plain.sqlite", None))
    vault = open_vault(folder / "vault.tdvault", PASSPHRASE)
    try:
        yield vault, manifest, folder
    finally:
        vault.close()


def test_counts_match_the_parameters(tiny: tuple[Vault, dict[str, object], Path]) -> None:
    vault, manifest, _ = tiny
    counts = manifest["counts"]
    assert isinstance(counts, dict)
    assert counts["clients"] == TINY.clients
    assert counts["sessions"] == counts["note_bodies"] == counts["notes_fts"] == TINY.notes
    assert manifest["objectives_current"] == TINY.objectives
    with vault.reader() as s:
        current = s.scalars(select(PlanRow).where(PlanRow.is_current.is_(True))).all()
        assert sum(len(records._plan_from_row(p).objectives()) for p in current) == TINY.objectives
        assert s.scalar(text("SELECT count(*) FROM notes_fts")) == TINY.notes


def test_notes_read_back_exactly_as_the_services_wrote_them(tiny: tuple[Vault, dict[str, object], Path]) -> None:
    vault, _, _ = tiny
    with vault.reader() as s:
        ids = list(s.scalars(select(SessionRow.id).order_by(SessionRow.id)))
        for sid in ids[:: max(1, len(ids) // 60)] + ids[-5:]:
            note = load_note(s, sid)
            stored = s.get(NoteBodyRow, sid)
            assert stored is not None and dumps(body_of(note)) == stored.body_json
            fts = s.execute(text("SELECT body FROM notes_fts WHERE rowid = :r"), {"r": sid}).scalar_one()
            assert fts == note.body_text()
            row = s.get(SessionRow, sid)
            assert row is not None
            assert (row.minutes, row.cpt_summary, row.primary_cpt) == (note.minutes, note.cpt_summary, note.primary_cpt)
            assert 900 < len(stored.body_json) < 2600  # about 1.5 KB a note
            if note.is_signed:
                charges = records.charge_for_session(s, sid)
                assert note.fee == sum(c.amount for c in charges)
                assert [c.cpt for c in charges] == [line.cpt for line in note.lines]


def test_clients_and_the_client_list(tiny: tuple[Vault, dict[str, object], Path]) -> None:
    vault, _, _ = tiny
    with vault.reader() as s:
        summaries = clients_repo.list_client_summaries(s)
        assert len(summaries) == TINY.clients
        for summary in summaries:
            client = clients_repo.load_client(s, summary.id)
            row = s.get(ClientRow, summary.id)
            assert row is not None
            assert (row.search_name, row.sort_name) == (client.search_text, client.sort_name)
            assert row.address_json == dumps(client.address) and row.insurance_json == dumps(client.insurance)
            assert client.validated(TINY.today) == client  # stored as validation leaves it
            sessions = notes.list_notes(s, summary.id)
            assert summary.last_session == max(x.session_date for x in sessions)
            assert summary.unsigned_notes == sum(x.status is NoteStatus.DRAFT for x in sessions)
            assert summary.balance == records.ledger_balance(s, summary.id)
        by_name = clients_repo.list_client_summaries(s, sort="name")
        assert [x.id for x in by_name] == [x.id for x in summaries]


def test_search_and_audit_chain(tiny: tuple[Vault, dict[str, object], Path]) -> None:
    vault, _, _ = tiny
    with vault.reader() as s:
        hits = search_notes(s, "breathing", limit=50)
        assert 0 < len(hits) <= 50
        assert [h[2] for h in hits] == sorted((h[2] for h in hits), reverse=True)
        assert all("breathing" in load_note(s, h[0]).body_text().lower() for h in hits)
        assert audit_log.verify_chain(s) == []


class _Rollback(Exception):
    pass


def _search_reference(s: object, query: str, limit: int, **filters: object) -> list[tuple[object, ...]]:
    """The plain join-and-sort that search_notes replaced (snippets for every match)."""
    sql = ("SELECT s.id, s.client_id, s.session_date, snippet(notes_fts, 0, '[[', ']]', ' \u2026 ', 12) "
           "FROM notes_fts JOIN sessions AS s ON s.id = notes_fts.rowid WHERE notes_fts MATCH :q")
    params: dict[str, object] = {"q": to_fts_query(query), "limit": limit}
    if "client_id" in filters:
        sql += " AND s.client_id = :cid"
        params["cid"] = filters["client_id"]
    if "since" in filters:
        sql += " AND s.session_date >= :since"
        params["since"] = str(filters["since"])
    sql += " ORDER BY s.session_date DESC, s.id DESC LIMIT :limit"
    rows = s.execute(text(sql), params)  # type: ignore[attr-defined]
    return [(r[0], r[1], date.fromisoformat(r[2]), r[3]) for r in rows]


def test_search_matches_the_plain_query_even_when_ids_do_not_follow_dates(
    tiny: tuple[Vault, dict[str, object], Path],
) -> None:
    """search_notes bounds its work by the newest-entered matches; it must stay exact when
    notes were entered out of date order (imports, late notes)."""
    vault, _, _ = tiny
    cases = [("client", 50, {}), ("client", 5, {}), ("sleep", 50, {}), ("breathing", 3, {}),
             ("client", 50, {"client_id": 3}), ("client", 10, {"since": date(2025, 1, 1)}),
             ("nosuchwordanywhere", 50, {})]
    with pytest.raises(_Rollback), vault.unit_of_work() as s:
        for scrambled in (False, True):
            if scrambled:  # old ids with the newest dates, the newest ids with old dates
                s.execute(text("UPDATE sessions SET session_date = '2026-11-19' WHERE id IN (3, 40, 77)"))
                s.execute(text("UPDATE sessions SET session_date = '2024-01-02' "
                               "WHERE id > (SELECT max(id) - 30 FROM sessions)"))
            for query, limit, filters in cases:
                assert search_notes(s, query, limit=limit, **filters) == _search_reference(  # type: ignore[arg-type]
                    s, query, limit, **filters), (query, limit, filters, scrambled)
        raise _Rollback


def test_superbill_letter_and_a_new_signed_note(tiny: tuple[Vault, dict[str, object], Path]) -> None:
    vault, manifest, _ = tiny
    bill = manifest["superbill"]
    letter = manifest["letter"]
    assert isinstance(bill, dict) and isinstance(letter, dict)
    with vault.reader() as s:
        data = superbills.assemble_superbill(s, bill["client_id"], TINY.today,
                                             start=date.fromisoformat(bill["start"]),
                                             end=date.fromisoformat(bill["end"]))
        assert len(data.lines) == 10
        prepared = prepare_letter(s, LetterRequest(letter["client_id"], letter["release_id"]), NOW)
        assert prepared.data.blocks
    with vault.unit_of_work() as s:
        saved = notes.save_note(s, SessionNote(client_id=int(str(manifest["save_client"])),
                                               session_date=TINY.today, sections=(("Note", "New."),)), NOW)
        assert saved.id is not None
        latest = load_note(s, saved.id)
        assert latest.status is NoteStatus.DRAFT
    with vault.reader() as s:
        assert audit_log.verify_chain(s) == []


def test_plain_copy_holds_the_same_data(tiny: tuple[Vault, dict[str, object], Path]) -> None:
    _, manifest, folder = tiny
    digests = manifest["digests"]
    assert isinstance(digests, tuple)
    encrypted, plain = digests
    assert encrypted == plain
    assert (folder / "plain.sqlite").read_bytes()[:16] == b"SQLite format 3\x00"
    assert (folder / "vault.tdvault").read_bytes()[:16] != b"SQLite format 3\x00"


def test_params_key_changes_with_the_parameters() -> None:
    assert TINY.key() != replace(TINY, seed=1).key()
