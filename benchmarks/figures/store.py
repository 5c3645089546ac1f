"""Full-text search over the practice's notes and saving one note, encrypted beside unencrypted.

Both go through the app's own code: ``services.notes.search_note_hits`` in ``Vault.reader()``
(what the search box runs) and ``services.notes.save_note`` in ``Vault.unit_of_work()`` (a
durable commit: WAL with synchronous=FULL). The floor is the same call on the same data in a
plain SQLite file opened with the same pool, pragmas and transactions (common.open_plain).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from typing import Any

from benchmarks.common import Context, Result, load_window, median, paired, timed, work_copy
from benchmarks.generate import PASSPHRASE

# (query, what it stands for). The first is the headline figure.
QUERIES = (
    ("sleep", "a common word, 50 newest of many hits"),
    ("panic symptoms", "two words"),
    ("breath", "a word start (every query is a prefix search)"),
    ("Merefenfen", "an invented place name (rare)"),
)
SEARCH_TARGET_MS, SEARCH_RATIO = 30.0, 1.5
SAVE_TARGET_MS, SAVE_RATIO = 2.0, 1.6


def _bound(fn: Any, *args: Any) -> Any:
    """``fn`` with its arguments fixed now (a lambda in a loop would see the last ones)."""
    return lambda: fn(*args)


def _open_pair(ctx: Context) -> tuple[Any, Any]:
    from benchmarks.common import open_plain
    from therapist_desk.services.vault_access import open_vault

    folder = ctx.scratch("store")
    build = ctx.builds["practice"]
    assert build.plain is not None
    encrypted = open_vault(work_copy(build.vault, folder), PASSPHRASE)
    plain = open_plain(work_copy(build.plain, folder))
    return encrypted, plain


def search(ctx: Context) -> list[Result]:
    from therapist_desk.services.notes import search_note_hits

    encrypted, plain = _open_pair(ctx)
    results: list[Result] = []
    try:
        def run(vault: Any, query: str) -> list[Any]:
            with vault.reader() as session:
                return search_note_hits(session, query, limit=50)

        # The first search after unlock reads its pages from disk (cold page cache).
        cold_enc = timed(lambda: run(encrypted, QUERIES[0][0]))
        cold_plain = timed(lambda: run(plain, QUERIES[0][0]))
        with plain.reader() as session:
            from sqlalchemy import text

            from therapist_desk.store.repositories.notes import to_fts_query

            counts = {q: session.execute(text("SELECT count(*) FROM notes_fts WHERE notes_fts MATCH :q"),
                                         {"q": to_fts_query(q)}).scalar_one() for q, _ in QUERIES}
        notes = ctx.builds["practice"].manifest["counts"]["sessions"]
        for n, (query, what) in enumerate(QUERIES):
            assert run(encrypted, query) == run(plain, query), "encrypted and plain copies differ"
            with load_window() as load:
                enc, flo = paired(_bound(run, encrypted, query), _bound(run, plain, query), ctx.runs * 2)
            m, f = median(enc), median(flo)
            ok = m <= SEARCH_TARGET_MS and m / f <= SEARCH_RATIO
            label = (f"Full-text search over {notes:,} notes, 50 newest hits: \"{query}\""
                     if n == 0 else f"  search \"{query}\" ({what})")
            results.append(Result(label, m, f"<= {SEARCH_TARGET_MS:.0f} ms, <= {SEARCH_RATIO}x", ok,
                                  "same query, unencrypted copy", f, runs=len(enc), load=(load[0], load[1]),
                                  note=f"{counts[query]:,} matching notes"))
        results.append(Result("  first search after unlock (cold page cache)", cold_enc, "-", None,
                              "unencrypted copy, cold", cold_plain, runs=1))
    finally:
        encrypted.close()
        plain.close()
    return results


def _note(ctx: Context) -> Any:
    """A typical ~1.5 KB SOAP draft for the practice's most recent client, dated its 'today'."""
    import random

    from benchmarks.corpus import Corpus
    from therapist_desk.domain.cpt import ServiceLine
    from therapist_desk.domain.enums import NoteFormat, ServiceType
    from therapist_desk.domain.session import SessionNote

    manifest = ctx.builds["practice"].manifest
    words = Corpus(random.Random(1))
    today = datetime.fromisoformat(manifest["params"]["today"]).date()
    return SessionNote(
        client_id=manifest["save_client"], session_date=today, start_time=time(10), stop_time=time(10, 53),
        lines=(ServiceLine("90837"),), diagnosis_codes=("F41.1",), note_format=NoteFormat.SOAP,
        sections=words.sections(NoteFormat.SOAP, ServiceType.INDIVIDUAL),
        risk_assessment="Denies SI/HI.", interventions=("Cognitive restructuring", "Mindfulness"),
        interventions_detail=words.paragraph(("Taught and rehearsed paced breathing in session.",), 2),
        client_response="Client engaged well.", homework_given="Thought record, three entries",
        plan_text="Continue weekly sessions.",
    )


def save(ctx: Context) -> list[Result]:
    from therapist_desk.domain.icd10 import Icd10Catalog
    from therapist_desk.services import notes

    Icd10Catalog.default()  # loaded once per app run (the Clients tab preloads it)
    encrypted, plain = _open_pair(ctx)
    note = _note(ctx)
    today = note.session_date
    now = datetime.combine(today, time(18))
    try:
        def run(vault: Any) -> None:
            with vault.unit_of_work() as session:
                notes.save_note(session, replace(note), now)

        with load_window() as load:
            enc, flo = paired(lambda: run(encrypted), lambda: run(plain), ctx.runs * 2, warmup=3)
        m, f = median(enc), median(flo)
        return [Result("Save one note (durable commit)", m, f"<= {SAVE_TARGET_MS:.0f} ms, <= {SAVE_RATIO}x",
                       m <= SAVE_TARGET_MS and m / f <= SAVE_RATIO, "same write, unencrypted copy", f,
                       runs=len(enc), load=(load[0], load[1]),
                       note="services.notes.save_note of a new ~1.5 KB draft in one unit of work")]
    finally:
        encrypted.close()
        plain.close()
