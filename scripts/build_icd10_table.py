"""Build resources/codes/icd10cm.tsv.gz, the compact ICD-10-CM table the app loads at run time.

Run from the repository root after ``.venv/bin/pip install -e '.[codes]'``::

    .venv/bin/python scripts/build_icd10_table.py

The package ``simple-icd-10-cm`` (MIT) ships the CDC/NCHS tabular list, but importing it takes
seconds and ~200 MB, so the app never imports it: this script writes one line per category,
subcategory and code (``code<TAB>billable<TAB>title``) under a ``# release:`` header line.
Chapters and blocks (ranges such as ``F40-F48``) are left out: they cannot go on a claim.
The output is byte-for-byte reproducible (sorted rows, gzip mtime 0, no file name in the header).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import importlib.resources
import re
import sys
import time
from pathlib import Path

PACKAGE = "simple-icd-10-cm"
PINNED_VERSION = "1.5.0"
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "resources" / "codes" / "icd10cm.tsv.gz"
SIZE_BUDGET = 2_500_000  # bytes; the table ships inside the installer

_TABULAR_NAME = re.compile(
    r"^icd10c[m]?-tabular-(?P<month>[A-Za-z]+)-(?P<day>\d{1,2})-(?P<year>\d{4})\.xml$"
)
_XML_VERSION = re.compile(r"<version>\s*(?P<version>[^<]+?)\s*</version>")


def find_release() -> tuple[str, str]:
    """Return (release label, provenance) read from the data file the package ships.

    The package has no public version-of-the-data API, so the CDC file name
    (e.g. ``icd10c-tabular-April-1-2026.xml``) and its ``<version>`` element are the record.
    """
    data_dir = importlib.resources.files("simple_icd_10_cm") / "data"
    tabular = sorted(entry.name for entry in data_dir.iterdir() if _TABULAR_NAME.match(entry.name))
    if len(tabular) != 1:
        raise SystemExit(f"expected one tabular XML in {PACKAGE}'s data folder, found {tabular}")
    match = _TABULAR_NAME.match(tabular[0])
    assert match is not None
    head = (data_dir / tabular[0]).read_text(encoding="utf-8")[:4096]
    version = _XML_VERSION.search(head)
    fiscal_year = version.group("version") if version else "unknown"
    month, day, year = match.group("month").capitalize(), match.group("day"), match.group("year")
    release = f"ICD-10-CM {month} {year} (CDC/NCHS)"
    package_version = importlib.metadata.version(PACKAGE)
    provenance = (
        f"CDC tabular file {tabular[0]} (code set version {fiscal_year}, effective {month} {day}, "
        f"{year}) via {PACKAGE} {package_version}"
    )
    return release, provenance


def collect_rows() -> list[tuple[str, bool, str]]:
    """Return (dotted code, billable, title) for every category, subcategory and code."""
    import simple_icd_10_cm as cm  # type: ignore[import-untyped]  # slow: never in the app

    rows: dict[str, tuple[str, bool, str]] = {}
    for code in cm.get_all_codes(with_dots=True):
        # A block holding a single category shares the category's name (e.g. "B99"):
        # is_category_or_subcategory() keeps the category and drops chapters and ranges.
        if code in rows or not cm.is_category_or_subcategory(code):
            continue
        title = " ".join(cm.get_description(code).split())  # one line, no tabs
        # A leaf is billable; in the CDC files every non-leaf is a heading.
        rows[code] = (code, cm.is_leaf(code), title)
    return sorted(rows.values())


def render(release: str, provenance: str, rows: list[tuple[str, bool, str]]) -> bytes:
    """Return the table as gzip bytes; mtime 0 and no file name keep rebuilds identical."""
    lines = [f"# release: {release}", f"# source: {provenance}"]
    lines.append("# ICD-10-CM: Source: CDC/NCHS; no endorsement implied.")
    lines.append("# columns: code<TAB>billable(1/0)<TAB>title")
    lines.extend(f"{code}\t{int(billable)}\t{title}" for code, billable, title in rows)
    text = ("\n".join(lines) + "\n").encode("utf-8")
    return gzip.compress(text, compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    installed = importlib.metadata.version(PACKAGE)
    if installed != PINNED_VERSION:
        # A different package version may ship a different CDC release; bump the pin on purpose.
        print(
            f"warning: {PACKAGE} {installed} installed, script pinned to {PINNED_VERSION}",
            file=sys.stderr,
        )

    started = time.monotonic()
    release, provenance = find_release()
    rows = collect_rows()
    payload = render(release, provenance, rows)
    if len(payload) > SIZE_BUDGET:
        raise SystemExit(f"table is {len(payload)} bytes, over the {SIZE_BUDGET}-byte budget")

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(payload)
    billable = sum(1 for _, is_billable, _ in rows if is_billable)
    print(
        f"{args.output}: {release}; {len(rows)} codes ({billable} billable, "
        f"{len(rows) - billable} headings); {len(payload)} bytes; "
        f"{time.monotonic() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
