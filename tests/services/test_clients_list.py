"""The loaded client list (ClientList) answers every search, filter and sort exactly as the query.

One varied practice: equal names (ties broken by id), accents, letters of their own, missing last
sessions and plan reviews (NULLs last), equal and negative balances, every status; and stored keys
the services would never write (upper case, non-ASCII capitals) so the Python twin of LIKE and of
the text ORDER BY is held to SQLite's own rules, not to what fold_name happens to produce.
"""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.services.conftest import NOW, valid_client
from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import ClientStatus, NoteFormat, PaymentMethod
from therapist_desk.domain.plan import Goal, Objective, Problem, TreatmentPlan
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import clients, ledger, notes, plans
from therapist_desk.services.vault_access import Vault
from therapist_desk.store.repositories import clients as repo

A, I, D = ClientStatus.ACTIVE, ClientStatus.INACTIVE, ClientStatus.DISCHARGED
NAMES = [
    ("Zoë", "Lindqvist", ""), ("Zoe", "Lindqvist", ""), ("Sam", "Lee", ""), ("Sam", "Lee", ""),
    ("Chloé", "Ødegård", ""), ("Amira", "Zoellner", ""), ("Ash", "Ashby", ""), ("Beatrice", "Ashworth", "Ash"),
    ("Élodie", "Martin", ""), ("Łukasz", "Straße", ""), ("Ann", "Able", ""), ("Bo", "Baker", ""),
    ("Cy", "Carter", ""), ("Dee", "O'Neil", ""), ("Eve", "Smith-Jones", ""), ("Finn", "Van Der Berg", "Fin"),
    ("Gus", "Able", ""), ("Hana", "Åberg", ""), ("Ivo", "Zed", ""), ("Jo", "zed", ""),
]
SEARCHES = ["", "a", "ZOË lind", "ash", "o e", "øde", "ss", "50%_", "  "]
STATUS_SETS: list[tuple[ClientStatus, ...]] = [(), (A, I), (A,), (D,), (D, I)]


def _note(client_id: int, day: date) -> SessionNote:
    return SessionNote(client_id=client_id, session_date=day, start_time=time(9), stop_time=time(9, 50),
                       lines=(ServiceLine("90834"),), diagnosis_codes=("F41.1",), note_format=NoteFormat.SOAP,
                       sections=(("Subjective", "Fictional."),), interventions=("Psychoeducation",))


@pytest.fixture
def practice(vault: Vault) -> Vault:
    ids: list[int] = []
    with vault.unit_of_work() as s:
        for n, (first, last, preferred) in enumerate(NAMES):
            saved = clients.create_client(s, valid_client(legal_first_name=first, legal_last_name=last,
                                                          preferred_name=preferred,
                                                          status=I if n % 3 == 1 else A), NOW)
            assert saved.id is not None
            ids.append(saved.id)
    with vault.unit_of_work() as s:
        for n, cid in enumerate(ids):
            if n % 4 == 3:
                continue  # never seen: no last session, no balance
            for k in range(n % 3 + 1):  # equal dates across clients: ties on last_session
                note = notes.save_note(s, _note(cid, date(2026, 10, 1) + timedelta(days=7 * k + n % 2)), NOW)
                if not (n % 5 == 0 and k == 0):  # some drafts: the unsigned count
                    notes.sign_note(s, note.id, NOW)  # type: ignore[arg-type]
            if n % 4 == 1:
                ledger.record_payment(s, cid, NOW.date(), Decimal("140.00"), PaymentMethod.CARD, NOW)
            if n % 7 == 2:
                ledger.record_payment(s, cid, NOW.date(), Decimal("500.00"), PaymentMethod.CARD, NOW)  # a credit
            if n % 3 == 0:
                due = date(2026, 12, 1) + timedelta(days=30 * (n % 2))  # equal review dates
                plan = TreatmentPlan(client_id=cid, review_due=due,
                                     problems=(Problem("Worry", (Goal("Less", (Objective("Fictional"),)),)),))
                plans.save_plan(s, plan, NOW)
    with vault.unit_of_work() as s:
        for cid in ids[5:9]:
            clients.discharge_client(s, cid, NOW.date(), "Fictional", NOW)
        # Keys the services never write, to hold the twin to SQLite's rules: LIKE ignores the case
        # of ASCII letters only; ORDER BY compares UTF-8 bytes (capitals before small letters).
        for cid, search, sort in ((ids[0], "ZOE LINDQVIST", "Lindqvist Zoë"), (ids[8], "ÉLODIE martin", "MARTIN élodie"),
                                  (ids[18], "ivo ZED", "Zed ivo"), (ids[19], "jo zed", "zed jo")):
            s.execute(text("UPDATE clients SET search_name = :search, sort_name = :sort WHERE id = :id"),
                      {"search": search, "sort": sort, "id": cid})
    return vault


def test_every_sort_filter_and_search_in_memory_equals_sql(practice: Vault) -> None:
    with practice.reader() as s:
        loaded = clients.load_client_list(s)
        assert loaded.summaries == clients.list_clients(s)  # every client, every status, by name
        assert len(loaded) == len(NAMES) == clients.count_clients(s) == clients.count_listed(s)
        balances = [r.balance for r in loaded.summaries]
        assert min(balances) < 0 < max(balances) and balances.count(Decimal("0.00")) > 1  # credits, ties
        assert any(r.last_session is None for r in loaded.summaries)
        assert any(r.next_review is None for r in loaded.summaries)
        checked = 0
        for sort, descending, statuses, search in itertools.product(
                repo.SORT_COLUMNS, (False, True), STATUS_SETS, SEARCHES):
            expected = [r.id for r in clients.list_clients(s, search=search, statuses=statuses, sort=sort,
                                                           descending=descending)]
            got = [loaded.summaries[i].id for i in loaded.select(search=search, statuses=statuses, sort=sort,
                                                                 descending=descending)]
            assert got == expected, (sort, descending, statuses, search)
            if (sort, descending) == ("name", False):
                assert clients.count_listed(s, search=search, statuses=statuses) == len(expected)
            checked += bool(expected)
        assert checked > 300  # most combinations list someone


def test_the_twin_follows_sqlite_rules_on_unusual_keys(practice: Vault) -> None:
    with practice.reader() as s:
        loaded = clients.load_client_list(s)
        names = {r.id: r.display_name for r in loaded.summaries}

        def both(**query: object) -> list[str]:
            sql = [r.display_name for r in clients.list_clients(s, **query)]  # type: ignore[arg-type]
            assert [names[loaded.summaries[i].id] for i in loaded.select(**query)] == sql  # type: ignore[arg-type]
            return sql

        assert "Zoë Lindqvist" in both(search="zoe lindqvist")  # "ZOE LINDQVIST": ASCII capitals match
        assert "Élodie Martin" not in both(search="élodie")  # "ÉLODIE": non-ASCII capitals do not
        assert "Élodie Martin" in both(search="martin")
        by_name = both(sort="name")
        # "Zed ivo" before "able ann" ("Z" before "a"), "zed jo" after "van der berg fin"
        assert by_name.index("Ivo Zed") < by_name.index("Ann Able") < by_name.index("Fin Van Der Berg") < by_name.index("Jo zed")
        assert by_name.index("Élodie Martin") < by_name.index("Ann Able")  # "MARTIN élodie"


def test_ids_filter_in_memory_equals_sql(practice: Vault) -> None:
    with practice.reader() as s:
        loaded = clients.load_client_list(s)
        some = tuple(r.id for r in loaded.summaries[::3])
        for sort, descending in itertools.product(repo.SORT_COLUMNS, (False, True)):
            expected = [r.id for r in clients.list_clients(s, ids=some, sort=sort, descending=descending)]
            got = [loaded.summaries[i].id for i in loaded.select(ids=frozenset(some), sort=sort,
                                                                 descending=descending)]
            assert got == expected


def test_the_first_rows_by_name_equal_the_head_of_the_whole_list(practice: Vault) -> None:
    """With a limit and the name sort, only the first rows get aggregates: the same rows."""
    with practice.reader() as s:
        for statuses, search, descending in itertools.product(STATUS_SETS, ("", "a", "lind"), (False, True)):
            whole = clients.list_clients(s, statuses=statuses, search=search, descending=descending)
            for limit in (1, 3, 7, 100):
                assert clients.list_clients(s, statuses=statuses, search=search, descending=descending,
                                            limit=limit) == whole[:limit]
        by_balance = clients.list_clients(s, sort="balance", descending=True)
        assert clients.list_clients(s, sort="balance", descending=True, limit=4) == by_balance[:4]


def test_the_entries_are_the_unfiltered_summaries_with_their_stored_keys(practice: Vault) -> None:
    """list_client_entries takes no filters: every client, every status, in the name order."""
    with practice.reader() as s:
        entries = repo.list_client_entries(s)
        assert [e[0] for e in entries] == repo.list_client_summaries(s)
        # lower() as SQLite has it (ASCII letters only), as LIKE compares the search key.
        stored = {row[0]: (row[1], row[2]) for row in
                  s.execute(text("SELECT id, sort_name, lower(search_name) FROM clients"))}
        assert {e[0].id: (e[1], e[2]) for e in entries} == stored


def test_warm_up_runs_the_first_query_in_memory_and_writes_no_file(
        tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Done before any vault is open (app.preload_heavy_modules): no file, no data, no error."""
    from therapist_desk.services import clients as client_service

    monkeypatch.chdir(tmp_path)
    client_service.warm_up()
    assert list(tmp_path.iterdir()) == []
