"""ICD-10-CM diagnosis codes: shape check, the bundled CDC code list, lookup and search."""

from __future__ import annotations

import bisect
import gzip
import re
import threading
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from therapist_desk.domain.errors import ValidationError
from therapist_desk.resources import resource_path

ICD10_ATTRIBUTION = "ICD-10-CM: Source: CDC/NCHS; no endorsement implied."
RESOURCE_PARTS = ("codes", "icd10cm.tsv.gz")

_RELEASE_PREFIX = b"# release:"
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
    """The CDC code list from the bundled table; read-only, so threads can share it.

    ~98,000 entries held compactly: ~16 MiB, where one :class:`Icd10Code` per entry with its
    strings, a dict and the search lists took ~50 MiB and left ~60 MiB more process memory
    behind after loading. Two parts, billable codes and category headings (every result lists
    billable codes first, then headings, each by code), and in each, by code: the codes as
    64-bit integers, the titles and their lower-case forms as newline-joined UTF-8 byte
    strings with an offset array. An :class:`Icd10Code` is made when a result is handed out.
    Byte search over UTF-8 finds exactly what ``str`` search finds (a valid UTF-8 needle only
    matches on character boundaries), so the results are those of ``str`` titles.
    """

    _default: ClassVar[Icd10Catalog | None] = None
    _default_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, release: str, codes: Iterable[Icd10Code]) -> None:
        parts = (_Part(billable=True), _Part(billable=False))
        for entry in codes:
            part = parts[0] if entry.billable else parts[1]
            part.add(entry.code.encode("utf-8"), entry.title.encode("utf-8"))
        self._adopt(release, parts)

    def _adopt(self, release: str, parts: tuple[_Part, _Part]) -> None:
        self.release = release
        self._billable, self._headings = parts[0].finished(), parts[1].finished()
        self._parts = (self._billable, self._headings)  # result order

    @classmethod
    def default(cls) -> Icd10Catalog:
        """Return the catalog from the bundled resource, loading it on first use only."""
        with cls._default_lock:
            if cls._default is None:
                cls._default = cls.from_path(resource_path(*RESOURCE_PARTS))
            return cls._default

    @classmethod
    def from_path(cls, path: Path) -> Icd10Catalog:
        """Read a table written by scripts/build_icd10_table.py (gzip or plain text).

        Streamed line by line: the whole text (16 MB as a str, as its titles are not all ASCII)
        and its ~100,000 line strings never exist at once, so loading leaves no high-water
        mark in the process's memory.
        """
        with open(path, "rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            if gzipped:
                with gzip.GzipFile(fileobj=raw) as unzipped:
                    return cls._from_lines(unzipped)
            return cls._from_lines(raw)

    @classmethod
    def from_text(cls, text: str) -> Icd10Catalog:
        """Parse ``# release: ...`` then ``code<TAB>billable<TAB>title`` lines."""
        return cls._from_lines(line.encode("utf-8") for line in text.splitlines())

    @classmethod
    def _from_lines(cls, lines: Iterable[bytes]) -> Icd10Catalog:
        release: str | None = None
        parts = (_Part(billable=True), _Part(billable=False))
        for line_number, raw_line in enumerate(lines, start=1):
            line = raw_line.rstrip(b"\r\n")
            if not line.strip():
                continue
            if line.startswith(b"#"):
                if line.startswith(_RELEASE_PREFIX) and release is None:
                    release = line[len(_RELEASE_PREFIX) :].decode("utf-8").strip()
                continue
            fields = line.split(b"\t")
            if len(fields) != 3 or fields[1] not in (b"0", b"1"):
                raise ValueError(f"ICD-10-CM table line {line_number} is malformed")
            (parts[0] if fields[1] == b"1" else parts[1]).add(fields[0], fields[2])
        if not release:
            # Each diagnosis stores the release, so a table without one is unusable.
            raise ValueError("ICD-10-CM table has no '# release:' line")
        catalog = cls.__new__(cls)
        catalog._adopt(release, parts)
        return catalog

    def __len__(self) -> int:
        return len(self._billable) + len(self._headings)

    def lookup(self, code: str) -> Icd10Code | None:
        """Return the entry for a code in any reasonable spelling, or None if it is not listed."""
        try:
            normalized = normalize_icd10(code)
        except ValidationError:
            return None
        return self._find(normalized)

    def children(self, code: str) -> list[Icd10Code]:
        """Return every code below ``code`` (not the code itself), in code order."""
        below = [entry for part in self._parts for entry in part.entries(part.prefix_range(code))]
        below.sort(key=_by_code)
        return [entry for entry in below if entry.code != code]

    def first_billable_child(self, code: str) -> Icd10Code | None:
        """Return the first billable code below a heading (what to suggest instead of it)."""
        part = self._billable
        index = next((i for i in part.prefix_range(code) if part.code(i) != code), None)
        return None if index is None else part.entry(index)

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
            by_code: list[Icd10Code] = []
            for part in self._parts:
                found = part.prefix_range(prefix)
                by_code += part.entries(found[: limit - len(by_code)])
            if by_code:
                return by_code
            # Nothing starts with it ("b12", "type2"): fall through to a title search.
        words = [word.encode("utf-8") for word in text.lower().split()]
        found_titles: list[Icd10Code] = []
        for part in self._parts:
            if len(found_titles) < limit:
                found_titles += part.entries(part.title_matches(words, limit - len(found_titles)))
        return found_titles

    def validate_billable(self, code: str, field: str = "Diagnosis code") -> Icd10Code:
        """Return the entry if ``code`` is in this release and billable; otherwise raise."""
        normalized = normalize_icd10(code, field)
        entry = self._find(normalized)
        if entry is None:
            raise ValidationError(field, f"{normalized} is not in {self.release}")
        if not entry.billable:
            child = self.first_billable_child(normalized)
            hint = f"; choose a more specific code such as {child.code}" if child else ""
            raise ValidationError(
                field, f"{normalized} is a category heading, not a billable code{hint}"
            )
        return entry

    def _find(self, code: str) -> Icd10Code | None:
        for part in self._parts:
            index = part.index_of(code)
            if index is not None:
                return part.entry(index)
        return None


def _by_code(entry: Icd10Code) -> str:
    return entry.code


# An ICD-10-CM code has at most 7 characters and a dot: 8 bytes, held as one 64-bit integer
# (big-endian, NUL-padded), so integer order is code order and bisect runs in C.
_CODE_BYTES = 8


def _code_key(code: bytes) -> int:
    return int.from_bytes(code.ljust(_CODE_BYTES, b"\0"), "big")


class _Part:
    """Billable codes or headings, by code: code keys, UTF-8 titles and their offsets."""

    def __init__(self, *, billable: bool) -> None:
        self.billable = billable
        self.codes = array("Q")
        self.titles = bytearray()
        self.lower = bytearray()
        self.starts = array("I", [0])
        self.lower_starts = array("I", [0])
        self.in_order = True

    def __len__(self) -> int:
        return len(self.codes)

    def add(self, code: bytes, title: bytes) -> None:
        """Append one entry (``in_order`` turns False when it sorts before the last one)."""
        if len(code) > _CODE_BYTES or b"\0" in code:
            raise ValueError(f"{code!r} cannot be an ICD-10-CM code")
        if not (code.isascii() and title.isascii()):
            code.decode("utf-8"), title.decode("utf-8")  # malformed UTF-8 is refused here
        key = _code_key(code)
        if self.codes and key < self.codes[-1]:
            self.in_order = False
        self.codes.append(key)
        lower = title.lower() if title.isascii() else title.decode("utf-8").lower().encode("utf-8")
        # Titles never contain a newline, so a search word cannot match across two titles.
        for blob, starts, text in ((self.titles, self.starts, title), (self.lower, self.lower_starts, lower)):
            if len(starts) > 1:
                blob += b"\n"
            blob += text
            starts.append(len(blob) + 1)

    def finished(self) -> _Part:
        """This part ready for use: in code order (equal codes keep their order).

        The byte arrays are the ones filled while reading (a copy would double the peak);
        nothing writes to them afterwards. Lower-casing changes the UTF-8 length of a few
        letters (e.g. "İ"); only then do the two byte strings need their own offsets.
        """
        part = self
        if not self.in_order:
            part = _Part(billable=self.billable)
            for i in sorted(range(len(self.codes)), key=self.codes.__getitem__):
                title = bytes(self.titles[self.starts[i] : self.starts[i + 1] - 1])
                part.add(self.codes[i].to_bytes(_CODE_BYTES, "big").rstrip(b"\0"), title)
        if part.lower_starts == part.starts:
            part.lower_starts = part.starts
        return part

    def code(self, index: int) -> str:
        """The code at ``index`` ("F41.1")."""
        return self.codes[index].to_bytes(_CODE_BYTES, "big").rstrip(b"\0").decode("utf-8")

    def entry(self, index: int) -> Icd10Code:
        """The entry at ``index`` as an object (made now; nothing keeps it)."""
        starts = self.starts
        title = self.titles[starts[index] : starts[index + 1] - 1].decode("utf-8")
        return Icd10Code(self.code(index), title, self.billable)

    def entries(self, indexes: Iterable[int]) -> list[Icd10Code]:
        """The entries at ``indexes``, in that order."""
        codes, titles, starts, billable = self.codes, self.titles, self.starts, self.billable
        return [
            Icd10Code(codes[i].to_bytes(_CODE_BYTES, "big").rstrip(b"\0").decode("utf-8"),
                      titles[starts[i] : starts[i + 1] - 1].decode("utf-8"), billable)
            for i in indexes
        ]

    def index_of(self, code: str) -> int | None:
        """Index of the entry with exactly this code (the last of equal ones), or None."""
        wanted = code.encode("utf-8")
        if len(wanted) > _CODE_BYTES:
            return None
        key = _code_key(wanted)
        index = bisect.bisect_right(self.codes, key) - 1
        return index if index >= 0 and self.codes[index] == key else None

    def prefix_range(self, prefix: str) -> range:
        """Indexes of the codes starting with ``prefix``, in code order."""
        low = prefix.encode("utf-8")
        if len(low) > _CODE_BYTES:
            return range(0)
        start = bisect.bisect_left(self.codes, _code_key(low))
        if len(low) == _CODE_BYTES:
            return range(start, bisect.bisect_right(self.codes, _code_key(low), lo=start))
        # Codes use only digits, capitals and ".", all below DEL, so this bounds the range.
        end = bisect.bisect_left(self.codes, _code_key(low + b"\x7f"), lo=start)
        return range(start, end)

    def title_matches(self, words: list[bytes], limit: int) -> list[int]:
        """Indexes of the first ``limit`` titles (by code) holding every word (lower-case UTF-8).

        bytes.find (C speed) over the joined lower-case titles, never a Python loop over
        ~98,000 titles: the longest word proposes a title and the others are looked for in it.
        When many titles close together lack one of them, that word's next occurrence is
        looked up: no title before it can match, so the scan jumps there ("fracture of femur"
        skips the thousands of other fractures; a rare first word never pays for the lookup).
        """
        # Longest first (on a tie, the word typed first), each word once.
        key, *others = sorted(dict.fromkeys(words), key=len, reverse=True)
        blob, starts = self.lower, self.lower_starts
        find, rfind = blob.find, blob.rfind
        found: list[int] = []
        position = misses = run_start = 0
        while len(found) < limit:
            hit = find(key, position)
            if hit < 0:
                break
            begin = rfind(b"\n", 0, hit) + 1
            end = find(b"\n", hit)
            if end < 0:
                end = len(blob)
            position = end + 1
            for word in others:
                if find(word, begin, end) >= 0:
                    continue
                if misses == 0:
                    run_start = begin
                misses += 1
                if misses >= _JUMP_AFTER_MISSES:
                    if begin - run_start < _JUMP_WITHIN_BYTES:
                        # A word holds no newline, so its next occurrence starts a title to try.
                        ahead = find(word, position)
                        if ahead < 0:
                            return found
                        position = rfind(b"\n", 0, ahead) + 1
                    misses = 0
                break
            else:
                found.append(bisect.bisect_left(starts, begin))
                misses = 0
        return found


# title_matches looks a missing word up ahead after this many titles without it, when they lie
# within this many bytes (~400 titles): the first word hits densely, so jumping saves work.
_JUMP_AFTER_MISSES = 32
_JUMP_WITHIN_BYTES = 32768


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
