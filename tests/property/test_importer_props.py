"""The CSV importer on arbitrary files: bad rows give ImportFailed naming their exact lines and
fields, and nothing at all is imported; any text whatever gives a result or ImportFailed."""

from __future__ import annotations

import csv
import io
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.factories import FIXED_NOW, new_vault
from therapist_desk.services.importer import ImportFailed, ImportResult, import_csv_text
from therapist_desk.services.vault_access import Vault

PROPS = settings(max_examples=30, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
HEADER = ("legal_first_name", "legal_last_name", "date_of_birth", "email", "state", "postal_code",
          "diagnoses", "presenting_problem")


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    with new_vault(Path(tmp_path_factory.mktemp("import-props"))) as opened:
        yield opened


def row_counts(vault: Vault) -> dict[str, int]:
    with vault.engine.connect() as conn:
        names = [row[0] for row in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))]
        return {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                for name in names}


def _import(vault: Vault, content: str) -> ImportResult:
    with vault.unit_of_work() as session:
        return import_csv_text(session, content, FIXED_NOW, kind="clients")


# One defect per bad row, each a different way a spreadsheet goes wrong.
DEFECTS = {
    "no first name": lambda row: {**row, "legal_first_name": "  "},
    "birth date not a date": lambda row: {**row, "date_of_birth": "1985-02-30"},
    "birth date in the future": lambda row: {**row, "date_of_birth": "2099-01-01"},
    "birth date in words": lambda row: {**row, "date_of_birth": "March 3rd"},
    "email": lambda row: {**row, "email": "not an email"},
    "state": lambda row: {**row, "state": "Oregon"},
    "ZIP": lambda row: {**row, "postal_code": "972"},
    "unknown code": lambda row: {**row, "diagnoses": "F99.99"},
    "heading code": lambda row: {**row, "diagnoses": "F43.8"},
    "too few cells": None,  # written as a short row below
}

NAME = st.text(alphabet=string.ascii_letters, min_size=2, max_size=10)
PROBLEM = st.text(alphabet=string.ascii_letters + " ,\"\n;", max_size=40)


@st.composite
def client_file(draw: st.DrawFn) -> tuple[str, set[int]]:
    """A clients CSV with good rows and at least one bad row; returns it and the bad lines."""
    count = draw(st.integers(min_value=1, max_value=8))
    kinds = draw(st.lists(st.sampled_from([None, *sorted(DEFECTS)]), min_size=count, max_size=count)
                 .filter(lambda ks: any(k is not None for k in ks)))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    bad_lines: set[int] = set()
    for index, kind in enumerate(kinds):
        if draw(st.booleans()):
            buffer.write("\n")  # blank lines between rows are skipped but still counted
        line = buffer.getvalue().count("\n") + 1
        row = {
            "legal_first_name": draw(NAME),
            # Unique per row, so no two rows are the same person (that is a defect of its own).
            "legal_last_name": f"{draw(NAME)}-{index}",
            "date_of_birth": draw(st.sampled_from(["1985-02-03", "7/30/1990", "2001-12-31"])),
            "email": draw(st.sampled_from(["", "someone@example.org"])),
            "state": draw(st.sampled_from(["", "OR", "ny"])),
            "postal_code": draw(st.sampled_from(["", "97201", "10001-1234"])),
            "diagnoses": draw(st.sampled_from(["", "F41.1", "F41.1; f321"])),
            "presenting_problem": draw(PROBLEM),  # quoted newlines move the next row's line
        }
        if kind == "too few cells":
            writer.writerow([row[name] for name in HEADER[:3]])
        else:
            if kind is not None:
                row = DEFECTS[kind](row)  # type: ignore[misc]
            writer.writerow([row[name] for name in HEADER])
        if kind is not None:
            bad_lines.add(line)
    return buffer.getvalue(), bad_lines


@PROPS
@given(client_file())
def test_bad_rows_are_reported_by_line_and_nothing_is_imported(
    vault: Vault, file: tuple[str, set[int]],
) -> None:
    content, bad_lines = file
    before = row_counts(vault)
    with pytest.raises(ImportFailed) as caught:
        _import(vault, content)
    errors = caught.value.errors
    assert {e.line for e in errors} == bad_lines
    assert all(e.field.strip() and e.message.strip() for e in errors)
    assert [e.line for e in errors] == sorted(e.line for e in errors)
    assert row_counts(vault) == before, "a failed import left rows behind"
    event(f"{len(bad_lines)} bad row(s)")


@PROPS
@given(st.one_of(
    st.text(max_size=300),
    st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=6), min_size=1, max_size=6).map(
        lambda rows: "\n".join(",".join(cells) for cells in rows)),
    st.lists(st.text(max_size=15), min_size=1, max_size=6).map(
        lambda cells: ",".join(HEADER) + "\n" + ",".join(cells)),
))
def test_any_text_imports_or_fails_cleanly(vault: Vault, content: str) -> None:
    before = row_counts(vault)
    try:
        result = _import(vault, content)
    except ImportFailed as failed:
        last_line = content.count("\n") + content.count("\r") + 2
        assert failed.errors
        assert all(1 <= e.line <= last_line for e in failed.errors)
        assert all(e.field.strip() and e.message.strip() for e in failed.errors)
        assert row_counts(vault) == before
        event("refused")
        return
    after = row_counts(vault)
    assert after["clients"] == before["clients"] + result.count
    event("imported")
