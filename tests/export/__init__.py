"""PDF renderer tests; helpers to read PDFs back (shared with the export service tests)."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def pdf_pages(pdf: bytes, password: str | None = None) -> list[str]:
    """The text of each page, whitespace collapsed, as pypdf extracts it."""
    reader = PdfReader(io.BytesIO(pdf))
    if password is not None:
        reader.decrypt(password)
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]


def pdf_text(pdf: bytes, password: str | None = None) -> str:
    return " ".join(pdf_pages(pdf, password))
