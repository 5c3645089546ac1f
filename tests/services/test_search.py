"""Full-text note search on a real vault: one word among 200 notes, filters, names, odd input."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.services.conftest import NOW, TEST_PASSPHRASE, valid_client, valid_profile
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import clients, notes
from therapist_desk.services.practice import save_profile
from therapist_desk.services.vault_access import Vault, create_and_open

FIRST_DAY = date(2026, 1, 5)
FILLER = (
    "Client reports sleep improved; discussed work stress and family boundaries.",
    "Reviewed homework; practiced paced breathing; mood stable this week.",
    "Explored avoidance of social situations; planned graded exposure steps.",
)


@dataclass(frozen=True)
class Corpus:
    vault: Vault
    robin: int
    sam: int
    needle_session: int
    needle_day: date


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    """200 notes for two clients, one day apart; only one mentions a zebrafinch."""
    folder: Path = tmp_path_factory.mktemp("search")
    vault = create_and_open(folder / "vault.tdvault", TEST_PASSPHRASE)
    needle = 0
    needle_day = FIRST_DAY
    with vault.unit_of_work() as s:
        save_profile(s, valid_profile(), NOW)
        robin = clients.create_client(s, valid_client(preferred_name="Rob"), NOW).id
        sam = clients.create_client(s, valid_client(legal_first_name="Sam", legal_last_name="Example"), NOW).id
        assert robin is not None and sam is not None
        for i in range(200):
            day = FIRST_DAY + timedelta(days=i)
            text = FILLER[i % len(FILLER)]
            if i == 137:
                text += " Mentioned a zebrafinch (a small bird) that calms them."
            saved = notes.save_note(s, SessionNote(client_id=robin if i % 2 else sam, session_date=day,
                                                   sections=(("Note", text),)), NOW)
            if i == 137:
                assert saved.id is not None
                needle, needle_day = saved.id, day
    try:
        yield Corpus(vault, robin, sam, needle, needle_day)
    finally:
        vault.close()


def hits(corpus: Corpus, query: str, **filters: object) -> list[tuple[int, int, date, str, str]]:
    with corpus.vault.reader() as s:
        return notes.search_note_hits(s, query, **filters)  # type: ignore[arg-type]


def test_one_word_among_200_notes_with_the_client_name_and_a_marked_snippet(corpus: Corpus) -> None:
    (hit,) = hits(corpus, "zebrafinch")
    session_id, client_id, day, name, snippet = hit
    assert (session_id, client_id, day) == (corpus.needle_session, corpus.robin, corpus.needle_day)
    assert name == "Rob Fictionalson"  # the display name: preferred first name
    assert "[[zebrafinch]]" in snippet


def test_prefixes_and_case_match(corpus: Corpus) -> None:
    assert [h[0] for h in hits(corpus, "ZEBRA")] == [corpus.needle_session]
    assert [h[0] for h in hits(corpus, "small zebra")] == [corpus.needle_session]


def test_results_are_newest_first_and_limited(corpus: Corpus) -> None:
    found = hits(corpus, "homework", limit=10)
    assert len(found) == 10
    days = [h[2] for h in found]
    assert days == sorted(days, reverse=True)
    assert days[0] == FIRST_DAY + timedelta(days=199)  # i = 199 is the last "homework" note (i % 3 == 1)


def test_client_filter(corpus: Corpus) -> None:
    robin_only = hits(corpus, "breathing", client_id=corpus.robin, limit=500)
    sam_only = hits(corpus, "breathing", client_id=corpus.sam, limit=500)
    everyone = hits(corpus, "breathing", limit=500)
    assert robin_only and sam_only
    assert {h[1] for h in robin_only} == {corpus.robin}
    assert {h[1] for h in sam_only} == {corpus.sam}
    assert len(robin_only) + len(sam_only) == len(everyone) == 67
    assert hits(corpus, "zebrafinch", client_id=corpus.sam) == []


def test_date_filters_include_both_ends(corpus: Corpus) -> None:
    day = corpus.needle_day
    assert len(hits(corpus, "zebrafinch", since=day, until=day)) == 1
    assert hits(corpus, "zebrafinch", since=day + timedelta(days=1)) == []
    assert hits(corpus, "zebrafinch", until=day - timedelta(days=1)) == []
    window = hits(corpus, "client", since=FIRST_DAY, until=FIRST_DAY + timedelta(days=8), limit=500)
    assert sorted(h[2] for h in window) == [FIRST_DAY + timedelta(days=d) for d in (0, 3, 6)]


@pytest.mark.parametrize("query", [
    '"', '""', '"zebra', "zebra*", "*", "-", "-zebra", "zebra -finch", "(zebra", "zebra)", "()",
    "NEAR", "NEAR(zebra finch)", "zebra NEAR finch", "AND", "OR", "NOT", "zebra OR", "^zebra",
    "col:zebra", "body:zebra", "{body}: x", "zebra + finch", "'", "\\", "%", "_", "[[", "]]",
    "\u2603", "   ", "",
])
def test_fts_syntax_in_the_query_never_errors(corpus: Corpus, query: str) -> None:
    found = hits(corpus, query)  # typed characters are words to find, never FTS5 syntax
    assert {h[0] for h in found} <= {corpus.needle_session} or "zebra" not in query.lower()


def test_an_operator_word_is_searched_as_a_word(corpus: Corpus) -> None:
    assert [h[0] for h in hits(corpus, "zebrafinch AND")] == []  # "and" is not in that note
    assert [h[0] for h in hits(corpus, "zebrafinch that")] == [corpus.needle_session]
