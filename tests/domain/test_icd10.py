"""Tests for ICD-10-CM normalization, the bundled code table, lookup and search."""

from __future__ import annotations

import gzip

import pytest

from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.icd10 import (
    ICD10_ATTRIBUTION,
    RESOURCE_PARTS,
    Icd10Catalog,
    Icd10Code,
    normalize_icd10,
    z_code_primary_warning,
)
from therapist_desk.resources import resource_path


@pytest.fixture(scope="module")
def catalog() -> Icd10Catalog:
    return Icd10Catalog.default()


SMALL_TABLE = """\
# release: ICD-10-CM Test Release (CDC/NCHS)
# source: hand-written for tests
F41\t0\tOther anxiety disorders
F41.0\t1\tPanic disorder [episodic paroxysmal anxiety]
F41.1\t1\tGeneralized anxiety disorder
F41.8\t1\tOther specified anxiety disorders
F41.9\t1\tAnxiety disorder, unspecified
F43\t0\tReaction to severe stress, and adjustment disorders
F43.8\t0\tOther reactions to severe stress
F43.81\t1\tProlonged grief disorder
F43.89\t1\tOther reactions to severe stress
Z63.0\t1\tProblems in relationship with spouse or partner
"""


@pytest.fixture
def small() -> Icd10Catalog:
    return Icd10Catalog.from_text(SMALL_TABLE)


# --- normalize_icd10 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("F329", "F32.9"),
        ("f32.9", "F32.9"),
        ("  f43.81 ", "F43.81"),
        ("F32A", "F32.A"),
        ("F32", "F32"),
        ("F32.", "F32"),
        ("C4A", "C4A"),
        ("QA0", "QA0"),
        ("T7411XA", "T74.11XA"),
        ("s72.001a", "S72.001A"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize_icd10(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "is required"),
        ("   ", "is required"),
        ("1234", "must start with a letter"),
        ("F3", "3 to 7 characters; got 2"),
        ("F32.12345", "3 to 7 characters; got 8"),
        ("F3212345", "3 to 7 characters; got 8"),
        ("F3.29", "dot after the third character"),
        ("F32-9", "dot after the third character"),
        ("F32.9.1", "dot after the third character"),
    ],
)
def test_shape_errors_name_the_field(raw: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_icd10(raw, field="Diagnosis A")
    assert caught.value.field == "Diagnosis A"
    assert fragment in caught.value.message


def test_default_field_label() -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_icd10("F3")
    assert caught.value.field == "Diagnosis code"


# --- the bundled table -----------------------------------------------------------------------


def test_resource_records_release_first() -> None:
    path = resource_path(*RESOURCE_PARTS)
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        first = handle.readline()
    assert first.startswith("# release: ICD-10-CM ")
    assert "CDC/NCHS" in first


def test_resource_is_compact_and_deterministic() -> None:
    raw = resource_path(*RESOURCE_PARTS).read_bytes()
    assert len(raw) < 2_500_000
    assert raw[4:8] == b"\x00\x00\x00\x00"  # gzip header mtime = 0, so rebuilds are identical


def test_release_loaded(catalog: Icd10Catalog) -> None:
    assert catalog.release.startswith("ICD-10-CM ")
    assert len(catalog) > 90_000


def test_default_is_cached(catalog: Icd10Catalog) -> None:
    assert Icd10Catalog.default() is catalog


def test_heading_vs_billable(catalog: Icd10Catalog) -> None:
    heading = catalog.lookup("F43.8")
    assert heading is not None and not heading.billable
    leaf = catalog.lookup("f4381")
    assert leaf == Icd10Code("F43.81", "Prolonged grief disorder", True)


@pytest.mark.parametrize("code", ["F32.A", "F41.1", "F43.10", "Z63.0", "F90.2", "T74.11XA"])
def test_billable_codes_present(catalog: Icd10Catalog, code: str) -> None:
    entry = catalog.validate_billable(code)
    assert entry.code == code and entry.billable and entry.title


def test_categories_with_letters_present(catalog: Icd10Catalog) -> None:
    # Characters 2-3 are not always digits.
    for code in ("C4A", "QA0"):
        entry = catalog.lookup(code)
        assert entry is not None and not entry.billable


def test_no_chapters_or_ranges_in_table(catalog: Icd10Catalog) -> None:
    assert catalog.lookup("F40-F48") is None
    assert all("-" not in entry.code for entry in catalog.search("F4", limit=10_000))


def test_unknown_code_message_names_release(catalog: Icd10Catalog) -> None:
    with pytest.raises(ValidationError) as caught:
        catalog.validate_billable("F99.99", field="Diagnosis B")
    assert caught.value.field == "Diagnosis B"
    assert caught.value.message == f"F99.99 is not in {catalog.release}"


def test_heading_message_suggests_first_billable_child(catalog: Icd10Catalog) -> None:
    with pytest.raises(ValidationError) as caught:
        catalog.validate_billable("F43.8")
    assert caught.value.message == (
        "F43.8 is a category heading, not a billable code; choose a more specific code such as "
        "F43.81"
    )


def test_validate_billable_checks_shape_first(catalog: Icd10Catalog) -> None:
    with pytest.raises(ValidationError, match="must start with a letter"):
        catalog.validate_billable("1234")


def test_lookup_of_nonsense_is_none(catalog: Icd10Catalog) -> None:
    assert catalog.lookup("") is None
    assert catalog.lookup("not a code") is None


def test_search_words_finds_gad(catalog: Icd10Catalog) -> None:
    codes = [entry.code for entry in catalog.search("generalized anxiety")]
    assert "F41.1" in codes


def test_search_words_any_order_and_case(catalog: Icd10Catalog) -> None:
    codes = [entry.code for entry in catalog.search("GRIEF prolonged")]
    assert codes == ["F43.81"]


@pytest.mark.parametrize("query", ["F41", "f41", "F41.", "f41.1", "F411"])
def test_search_by_code_prefix(catalog: Icd10Catalog, query: str) -> None:
    results = catalog.search(query)
    assert results
    prefix = normalize_icd10(query) if len(query.rstrip(".")) >= 3 else query.upper()
    assert all(entry.code.startswith(prefix) for entry in results)
    assert "F41.1" in [entry.code for entry in results]


def test_search_ranks_billable_first_then_code(catalog: Icd10Catalog) -> None:
    results = catalog.search("F43")
    flags = [entry.billable for entry in results]
    assert flags == sorted(flags, reverse=True)
    billable = [entry.code for entry in results if entry.billable]
    assert billable == sorted(billable)
    assert results[-1].code in {"F43", "F43.1", "F43.2", "F43.8"}


def test_search_limit_and_empty(catalog: Icd10Catalog) -> None:
    assert len(catalog.search("disorder", limit=7)) == 7
    assert catalog.search("") == []
    assert catalog.search("   ") == []
    assert catalog.search("anxiety", limit=0) == []
    assert catalog.search("zzqqxx") == []


def test_search_prefix_on_letter_category(catalog: Icd10Catalog) -> None:
    assert [entry.code for entry in catalog.search("QA0.01", limit=1)] == ["QA0.0101"]


# --- the small in-memory table ---------------------------------------------------------------


def test_small_table_search_order(small: Icd10Catalog) -> None:
    assert [e.code for e in small.search("F41")] == ["F41.0", "F41.1", "F41.8", "F41.9", "F41"]
    assert [e.code for e in small.search("severe stress")] == ["F43.89", "F43", "F43.8"]


def test_small_table_first_billable_child(small: Icd10Catalog) -> None:
    child = small.first_billable_child("F43")
    assert child is not None and child.code == "F43.81"
    assert small.first_billable_child("F41.1") is None


def test_table_without_release_is_refused() -> None:
    with pytest.raises(ValueError, match="release"):
        Icd10Catalog.from_text("F41.1\t1\tGeneralized anxiety disorder\n")


def test_malformed_table_line_is_refused() -> None:
    with pytest.raises(ValueError, match="line 2"):
        Icd10Catalog.from_text("# release: x\nF41.1 1 Generalized anxiety disorder\n")


# --- Z codes and attribution -----------------------------------------------------------------


def test_z_code_primary_warns() -> None:
    warning = z_code_primary_warning(["Z63.0", "F41.1"])
    assert warning is not None and "Z63.0" in warning


@pytest.mark.parametrize("codes", [[], ["F41.1", "Z63.0"], ["F43.21"]])
def test_z_code_not_primary_is_silent(codes: list[str]) -> None:
    assert z_code_primary_warning(codes) is None


def test_lowercase_z_code_warns() -> None:
    assert z_code_primary_warning([" z63.0"]) is not None


def test_attribution() -> None:
    assert ICD10_ATTRIBUTION == "ICD-10-CM: Source: CDC/NCHS; no endorsement implied."
