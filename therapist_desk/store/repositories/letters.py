"""Letter templates stored in the vault: clinician edits of shipped templates and their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from therapist_desk.store.models import LetterTemplateRow


@dataclass(frozen=True, slots=True)
class StoredLetterTemplate:
    """One row as a plain object; ``slug`` names it (a shipped slug means an edited copy)."""

    slug: str
    title: str
    body: str
    description: str = ""
    updated_at: datetime | None = None


def _from_row(row: LetterTemplateRow) -> StoredLetterTemplate:
    return StoredLetterTemplate(row.slug, row.title, row.body, row.description, row.updated_at)


def list_letter_templates(session: Session) -> list[StoredLetterTemplate]:
    rows = session.scalars(select(LetterTemplateRow).order_by(LetterTemplateRow.slug))
    return [_from_row(r) for r in rows]


def get_letter_template(session: Session, slug: str) -> StoredLetterTemplate | None:
    row = session.scalars(select(LetterTemplateRow).where(LetterTemplateRow.slug == slug)).first()
    return _from_row(row) if row else None


def save_letter_template(session: Session, template: StoredLetterTemplate, now: datetime) -> None:
    """Insert or update the template with this slug."""
    row = session.scalars(select(LetterTemplateRow).where(LetterTemplateRow.slug == template.slug)).first()
    if row is None:
        row = LetterTemplateRow(slug=template.slug, created_at=now)
    row.title = template.title
    row.description = template.description
    row.body = template.body
    row.updated_at = now
    session.add(row)
    session.flush()


def delete_letter_template(session: Session, slug: str) -> bool:
    """Remove the stored template; True when there was one."""
    row = session.scalars(select(LetterTemplateRow).where(LetterTemplateRow.slug == slug)).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
