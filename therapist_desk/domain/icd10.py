"""ICD-10-CM diagnosis codes: shape check, the bundled CDC code list, lookup and search."""

from __future__ import annotations

import bisect
import gzip
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from therapist_desk.domain.errors import ValidationError
from therapist_desk.resources import resource_path

ICD10_ATTRIBUTION = "ICD-10-CM: Source: CDC/NCHS; no endorsement implied."
RESOURCE_PARTS = ("codes", "icd10cm.tsv.gz")

_RELEASE_PREFIX = "# release:"
# Letter, then two letters-or-digits (F32, C4A, QA0), then up to four more after the dot.
_CODE_SHAPE = re.compile(r"^[A-Z][0-9A-Z]{2}(?:\.[0-9A-Z]{1,4})?$")
# A search query that could be the start of a code (the caller also wants a digit in it).
_CODE_PREFIX_QUERY = re.compile(r"^[A-Z][0-9A-Z]{0,2}(?:\.?[0-9A-Z]{0,4})?$")


def normalize_icd10(code: str, field: str = "Diagnosis code") -> str:
    """Return the code in dotted capitals ("f329" -> "F32.9") or raise if it cannot be a code.

    This is a shape check only; Icd10Catalog.validate_billable() checks the official list.
    """
    text = code.strip().upper()
    if not text:
        raise ValidationError(field, "is required")
    if text.endswith(".") and text.count(".") == 1:
        text = text[:-1]  # "F32." is a half-typed category, not a different code
    if "." not in text and len(text) > 3:
        text = f"{text[:3]}.{text[3:]}"
    plain_length = len(text.replace(".", ""))
    if plain_length < 3:
        raise ValidationError(field, f"must be 3 to 7 characters; got {plain_length}")
    if plain_length > 7:
        raise ValidationError(field, f"must be 3 to 7 characters; got {plain_length}")
    if not text[0].isascii() or not text[0].isalpha():
        raise ValidationError(field, "must start with a letter (for example F41.1)")
    if not _CODE_SHAPE.match(text):
        raise ValidationError(
            field, "must be letters and digits with the dot after the third character (F41.1)"
        )
    return text


@dataclass(frozen=True, slots=True)
class Icd10Code:
    """One ICD-10-CM entry; ``billable`` is False for category headings such as F43.8."""

    code: str
    title: str
    billable: bool


class Icd10Catalog:
    """The CDC code list from the bundled table; read-only, so threads can share it."""

    _default: ClassVar[Icd10Catalog | None] = None
    _default_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, release: str, codes: Iterable[Icd10Code]) -> None:
        self.release = release
        entries = sorted(codes, key=lambda entry: entry.code)
        self._by_code: dict[str, Icd10Code] = {entry.code: entry for entry in entries}
        self._codes: list[str] = [entry.code for entry in entries]  # sorted, for prefix bisect
        self._entries: list[Icd10Code] = entries
        # Result order for every search: billable codes first, then headings, each by code.
        ranked = sorted(entries, key=_rank)
        self._ranked: list[Icd10Code] = ranked
        self._ranked_titles: list[str] = [entry.title.lower() for entry in ranked]
        # Titles never contain a newline, so a search word cannot match across two titles.
        self._blob = "\n".join(self._ranked_titles)
        self._starts: list[int] = []
        offset = 0
        for title in self._ranked_titles:
            self._starts.append(offset)
            offset += len(title) + 1

    @classmethod
    def default(cls) -> Icd10Catalog:
        """Return the catalog from the bundled resource, loading it on first use only."""
        with cls._default_lock:
            if cls._default is None:
                cls._default = cls.from_path(resource_path(*RESOURCE_PARTS))
            return cls._default

    @classmethod
    def from_path(cls, path: Path) -> Icd10Catalog:
        """Read a table written by scripts/build_icd10_table.py (gzip or plain text)."""
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        return cls.from_text(raw.decode("utf-8"))

    @classmethod
    def from_text(cls, text: str) -> Icd10Catalog:
        """Parse ``# release: ...`` then ``code<TAB>billable<TAB>title`` lines."""
        release: str | None = None
        codes: list[Icd10Code] = []
        for line_number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            if line.startswith("#"):
                if line.startswith(_RELEASE_PREFIX) and release is None:
                    release = line[len(_RELEASE_PREFIX) :].strip()
                continue
            parts = line.split("\t")
            if len(parts) != 3 or parts[1] not in ("0", "1"):
                raise ValueError(f"ICD-10-CM table line {line_number} is malformed")
            codes.append(Icd10Code(code=parts[0], title=parts[2], billable=parts[1] == "1"))
        if not release:
            # Each diagnosis stores the release, so a table without one is unusable.
            raise ValueError("ICD-10-CM table has no '# release:' line")
        return cls(release, codes)

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, code: str) -> Icd10Code | None:
        """Return the entry for a code in any reasonable spelling, or None if it is not listed."""
        try:
            normalized = normalize_icd10(code)
        except ValidationError:
            return None
        return self._by_code.get(normalized)

    def children(self, code: str) -> list[Icd10Code]:
        """Return every code below ``code`` (not the code itself), in code order."""
        return [entry for entry in self._with_prefix(code) if entry.code != code]

    def first_billable_child(self, code: str) -> Icd10Code | None:
        """Return the first billable code below a heading (what to suggest instead of it)."""
        return next((entry for entry in self.children(code) if entry.billable), None)

    def search(self, query: str, limit: int = 50) -> list[Icd10Code]:
        """Return up to ``limit`` matches, billable first, then by code.

        A query shaped like the start of a code ("F41", "f41.1", "F411") matches by code
        prefix; anything else matches titles containing every word, ignoring case.
        """
        text = query.strip()
        if not text or limit <= 0:
            return []
        upper = text.upper()
        if _CODE_PREFIX_QUERY.match(upper) and any(char.isdigit() for char in upper):
            prefix = upper
            if "." not in prefix and len(prefix) > 3:
                prefix = f"{prefix[:3]}.{prefix[3:]}"
            by_code = sorted(self._with_prefix(prefix), key=_rank)[:limit]
            if by_code:
                return by_code
            # Nothing starts with it ("b12", "type2"): fall through to a title search.
        return self._title_search(text.lower().split(), limit)

    def _title_search(self, words: list[str], limit: int) -> list[Icd10Code]:
        # Scan the joined titles for the longest word with str.find (C speed) and test the
        # other words only on titles that contain it: a rare word costs milliseconds, not a
        # Python loop over ~98,000 titles. Titles are joined in result order, so the first
        # ``limit`` hits are the answer.
        key = max(words, key=len)
        blob, starts, titles = self._blob, self._starts, self._ranked_titles
        found: list[Icd10Code] = []
        position = 0
        while len(found) < limit:
            hit = blob.find(key, position)
            if hit < 0:
                break
            index = bisect.bisect_right(starts, hit) - 1
            if all(word in titles[index] for word in words):
                found.append(self._ranked[index])
            position = starts[index + 1] if index + 1 < len(starts) else len(blob)
        return found

    def validate_billable(self, code: str, field: str = "Diagnosis code") -> Icd10Code:
        """Return the entry if ``code`` is in this release and billable; otherwise raise."""
        normalized = normalize_icd10(code, field)
        entry = self._by_code.get(normalized)
        if entry is None:
            raise ValidationError(field, f"{normalized} is not in {self.release}")
        if not entry.billable:
            child = self.first_billable_child(normalized)
            hint = f"; choose a more specific code such as {child.code}" if child else ""
            raise ValidationError(
                field, f"{normalized} is a category heading, not a billable code{hint}"
            )
        return entry

    def _with_prefix(self, prefix: str) -> list[Icd10Code]:
        start = bisect.bisect_left(self._codes, prefix)
        # Codes use only digits, capitals and ".", all below DEL, so this bounds the range.
        end = bisect.bisect_left(self._codes, prefix + "\x7f", lo=start)
        return self._entries[start:end]


def _rank(entry: Icd10Code) -> tuple[bool, str]:
    return (not entry.billable, entry.code)


def z_code_primary_warning(codes: Sequence[str]) -> str | None:
    """Return a warning when the primary (first) diagnosis is a Z code; never blocks."""
    if not codes:
        return None
    primary = codes[0].strip().upper()
    if not primary.startswith("Z"):
        return None
    return (
        f"The primary diagnosis {primary} is a Z code (a factor influencing health status). "
        "Many payers reject a Z code as the primary diagnosis; consider listing a diagnosis "
        "code first."
    )
