"""Practice profile use cases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from therapist_desk.domain.practice import PracticeProfile
from therapist_desk.services.common import ActionRefused, audit
from therapist_desk.store.repositories.practice import get_practice, save_practice


def get_profile(session: Session) -> PracticeProfile | None:
    return get_practice(session)


def require_profile(session: Session) -> PracticeProfile:
    profile = get_practice(session)
    if profile is None:
        raise ActionRefused("The practice profile is not set up yet",
                            ("open Settings and fill in the practice profile",))
    return profile


def save_profile(session: Session, profile: PracticeProfile, now: datetime) -> PracticeProfile:
    """Validate every field (raising ValidationErrors naming each bad one) and save."""
    clean = profile.validated()
    save_practice(session, clean)
    audit(session, now, "practice.update", "practice", 1)
    return clean
