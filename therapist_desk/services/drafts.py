"""Autosaved drafts: typing kept in the vault so a crash, a kill or a lock loses nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from therapist_desk.domain.session import DraftText
from therapist_desk.store.repositories import records


def keep_draft(session: Session, key: str, payload: str, now: datetime) -> None:
    records.put_draft(session, DraftText(key, payload, now))


def find_draft(session: Session, key: str) -> DraftText | None:
    return records.get_draft(session, key)


def discard_draft(session: Session, key: str) -> None:
    records.delete_draft(session, key)


def all_drafts(session: Session) -> list[DraftText]:
    return records.list_drafts(session)
