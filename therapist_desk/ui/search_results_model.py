"""List model of note search hits: date, client name and a highlighted snippet, newest first.

Display strings and the snippet's HTML are computed once per reset (never inside ``data()``).
The snippet's ``[[ ]]`` hit markers become highlighted spans only after the note text itself
has been HTML-escaped, so nothing typed in a note can inject markup.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

HIT_OPEN, HIT_CLOSE = "[[", "]]"
_MARKED = re.compile(re.escape(HIT_OPEN) + r"(.*?)" + re.escape(HIT_CLOSE), re.DOTALL)

HitRole = int(Qt.ItemDataRole.UserRole) + 1  # the SearchHit of the row
SessionIdRole = int(Qt.ItemDataRole.UserRole) + 2
ClientIdRole = int(Qt.ItemDataRole.UserRole) + 3
HeadingRole = int(Qt.ItemDataRole.UserRole) + 4  # "2026-11-20 · Robin Fictionalson"
SnippetHtmlRole = int(Qt.ItemDataRole.UserRole) + 5

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One note that matched: ids for opening it, and what the list shows."""

    session_id: int
    client_id: int
    session_date: date
    client_name: str
    snippet: str  # FTS5 snippet with [[ ]] around the matched words

    @property
    def plain_snippet(self) -> str:
        return self.snippet.replace(HIT_OPEN, "").replace(HIT_CLOSE, "")


def snippet_html(snippet: str, highlight_style: str = "font-weight:600;") -> str:
    """Escape the note text, then turn each ``[[word]]`` into a highlighted span.

    Unbalanced markers are left as they are (escaped), never turned into markup.
    """
    escaped = html.escape(snippet, quote=True)
    style = html.escape(highlight_style, quote=True)
    body = _MARKED.sub(lambda m: f'<span style="{style}">{m.group(1)}</span>', escaped)
    return body.replace("\n", " ")


class SearchResultsModel(QAbstractListModel):
    """Rows of SearchHit. ``set_hits`` resets the model; ``data()`` is a tuple lookup."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._hits: tuple[SearchHit, ...] = ()
        self._rows: tuple[dict[int, object], ...] = ()
        self._highlight_style = "font-weight:600;"

    def set_highlight_style(self, css: str) -> None:
        """The inline CSS of a matched word (the panel picks it for the light or dark palette)."""
        self._highlight_style = css
        self.set_hits(self._hits)

    def set_hits(self, hits: list[SearchHit] | tuple[SearchHit, ...]) -> None:
        self.beginResetModel()
        self._hits = tuple(hits)
        self._rows = tuple(self._row(hit) for hit in self._hits)
        self.endResetModel()

    def hits(self) -> tuple[SearchHit, ...]:
        return self._hits

    def hit(self, row: int) -> SearchHit:
        return self._hits[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()].get(int(role))

    def _row(self, hit: SearchHit) -> dict[int, object]:
        heading = f"{hit.session_date.isoformat()} \u00b7 {hit.client_name}"
        plain = " ".join(hit.plain_snippet.split())
        return {
            _DISPLAY: f"{heading} \u2014 {plain}",
            _ACCESSIBLE: f"{heading}. {plain}",
            _TOOLTIP: heading,
            HitRole: hit,
            SessionIdRole: hit.session_id,
            ClientIdRole: hit.client_id,
            HeadingRole: heading,
            SnippetHtmlRole: snippet_html(hit.snippet, self._highlight_style),
        }
