"""The compact ICD-10-CM catalog answers exactly as a plain list of entries would.

The reference below is the straightforward reading of the rules (every entry an object, a
sorted list, a dict, linear title scans): the catalog keeps codes and titles packed into a few
byte strings instead, and must give the same entries, in the same order, for lookups, children
and searches over the bundled table.
"""

from __future__ import annotations

import bisect
import gzip
import random
import re
from functools import cache

import pytest

from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.icd10 import (
    RESOURCE_PARTS,
    Icd10Catalog,
    Icd10Code,
    normalize_icd10,
)
from therapist_desk.resources import resource_path

class Reference:
    """The catalog's rules over plain objects (simple, and slow where it does not matter)."""

    def __init__(self, entries: list[Icd10Code]) -> None:
        self.entries = sorted(entries, key=lambda e: e.code)
        self.codes = [e.code for e in self.entries]
        self.by_code = {e.code: e for e in self.entries}
        self.ranked = sorted(self.entries, key=lambda e: (not e.billable, e.code))
        self.ranked_lower = [(e, e.title.lower()) for e in self.ranked]

    def lookup(self, code: str) -> Icd10Code | None:
        try:
            return self.by_code.get(normalize_icd10(code))
        except ValidationError:
            return None

    def with_prefix(self, prefix: str) -> list[Icd10Code]:
        start = bisect.bisect_left(self.codes, prefix)
        end = start
        while end < len(self.codes) and self.codes[end].startswith(prefix):
            end += 1
        return self.entries[start:end]

    def children(self, code: str) -> list[Icd10Code]:
        return [e for e in self.with_prefix(code) if e.code != code]

    def search_all(self, query: str) -> list[Icd10Code]:
        """Every match, best first (search() is its first ``limit``)."""
        text = query.strip()
        if not text:
            return []
        upper = text.upper()
        if re.fullmatch(r"[A-Z][0-9A-Z]{0,2}(?:\.?[0-9A-Z]{0,4})?", upper) and any(c.isdigit() for c in upper):
            prefix = f"{upper[:3]}.{upper[3:]}" if "." not in upper and len(upper) > 3 else upper
            by_code = sorted(self.with_prefix(prefix), key=lambda e: (not e.billable, e.code))
            if by_code:
                return by_code
        words = text.lower().split()
        return [e for e, title in self.ranked_lower if all(w in title for w in words)]


@cache
def _bundled() -> list[Icd10Code]:
    text = gzip.decompress(resource_path(*RESOURCE_PARTS).read_bytes()).decode("utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    return [Icd10Code(code, title, flag == "1") for code, flag, title in rows]


@pytest.fixture(scope="module")
def catalog() -> Icd10Catalog:
    return Icd10Catalog.default()


@pytest.fixture(scope="module")
def reference() -> Reference:
    return Reference(_bundled())


def _sample(count: int, seed: int) -> list[Icd10Code]:
    return random.Random(seed).sample(_bundled(), count)


def test_every_code_is_found_as_listed(catalog: Icd10Catalog) -> None:
    entries = _bundled()
    assert len(catalog) == len(entries)
    for entry in entries:
        assert catalog.lookup(entry.code) == entry


@pytest.mark.parametrize("entry", _sample(300, 1), ids=lambda e: e.code)
def test_lookup_children_and_validation_match_the_reference(
    catalog: Icd10Catalog, reference: Reference, entry: Icd10Code
) -> None:
    code = entry.code
    for spelling in (code, code.lower(), code.replace(".", ""), f" {code} "):
        assert catalog.lookup(spelling) == reference.lookup(spelling)
    assert catalog.children(code) == reference.children(code)
    first = next((e for e in reference.children(code) if e.billable), None)
    assert catalog.first_billable_child(code) == first
    if entry.billable:
        assert catalog.validate_billable(code) == entry
    else:
        with pytest.raises(ValidationError, match="category heading"):
            catalog.validate_billable(code)


@pytest.mark.parametrize("entry", _sample(200, 2), ids=lambda e: e.code)
def test_code_searches_match_the_reference(catalog: Icd10Catalog, reference: Reference, entry: Icd10Code) -> None:
    # Code-shaped queries only (a digit in them); the title searches are tested below.
    code = entry.code
    for query in {code, code.lower(), code[:2], code[:3], code[:4], code[:5], code.replace(".", "")}:
        if not any(c.isdigit() for c in query):
            continue
        expected = reference.search_all(query)
        for limit in (1, 50, 400):
            assert catalog.search(query, limit) == expected[:limit], (query, limit)


def _title_queries() -> list[str]:
    rnd = random.Random(3)
    words = sorted({w for e in _sample(400, 4) for w in e.title.lower().split()})
    queries = rnd.sample(words, 40) + [w[:3] for w in rnd.sample(words, 15)]
    queries += [" ".join(rnd.sample(words, 2)) for _ in range(15)]
    # What the picker sees typed: common words, two-word starts, accents, case, odd letters.
    queries += ["F", "z", "s61.335a9", "F41.19", "f4", "QA0.01", "C4A", "F32A", "F411",
                "depress", "anx dis", "generalized anxiety", "GRIEF prolonged", "fracture of femur",
                "disorder", "type 2 diabetes", "sézary", "SÉZARY", "charcôt", "é", "b12", "type2",
                "zzqqxx", "straussler", "İ", "ß"]
    return queries


@pytest.mark.parametrize("query", _title_queries())
def test_title_searches_match_the_reference(catalog: Icd10Catalog, reference: Reference, query: str) -> None:
    expected = reference.search_all(query)
    for limit in (1, 7, 50, 400):
        assert catalog.search(query, limit) == expected[:limit], limit
    assert catalog.search(query, 0) == []


def test_unsorted_table_is_put_in_code_order() -> None:
    table = "# release: Test\nF43.8\t0\tOther reactions\nF41.1\t1\tGeneralized anxiety disorder\n" \
            "A00\t0\tCholera\nF43.81\t1\tProlonged grief disorder\n"
    catalog = Icd10Catalog.from_text(table)
    assert [e.code for e in catalog.search("F4")] == ["F41.1", "F43.81", "F43.8"]
    assert catalog.children("F43.8") == [Icd10Code("F43.81", "Prolonged grief disorder", True)]
    assert catalog.lookup("A00") == Icd10Code("A00", "Cholera", False)


def test_built_from_entries_as_from_text() -> None:
    entries = [Icd10Code("F41.1", "Generalized anxiety disorder", True),
               Icd10Code("F41", "Other anxiety disorders", False),
               Icd10Code("C84.1", "Sézary disease", True)]
    catalog = Icd10Catalog("Test release", entries)
    assert catalog.release == "Test release" and len(catalog) == 3
    assert catalog.search("SÉZARY") == [entries[2]]
    assert catalog.search("anxiety") == [entries[0], entries[1]]
    assert Icd10Catalog("Empty", []).search("F41") == []


def test_a_longer_code_than_icd10cm_has_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be an ICD-10-CM code"):
        Icd10Catalog.from_text("# release: Test\nF41.12345\t1\tToo long\n")


def test_the_table_is_held_compactly(catalog: Icd10Catalog) -> None:
    # No per-entry objects stay behind: the whole table is a handful of flat buffers.
    sizes = [len(value) for value in vars(catalog).values() if hasattr(value, "__len__")
             and not isinstance(value, str)]
    assert max(sizes) < 10_000_000 and len(sizes) <= 8
