"""Load and save the single practice profile row."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from therapist_desk.domain.enums import NoteFormat, TaxIdKind
from therapist_desk.domain.practice import Address, PracticeProfile
from therapist_desk.store.models import PracticeRow
from therapist_desk.store.repositories._json import dumps, loads

PRACTICE_ROW_ID = 1


def get_practice(session: Session) -> PracticeProfile | None:
    row = session.get(PracticeRow, PRACTICE_ROW_ID)
    if row is None:
        return None
    return PracticeProfile(
        clinician_name=row.clinician_name,
        credentials=row.credentials,
        license_number=row.license_number,
        license_state=row.license_state,
        rendering_npi=row.rendering_npi,
        tax_id=row.tax_id,
        tax_id_kind=TaxIdKind(row.tax_id_kind),
        practice_name=row.practice_name,
        practice_npi=row.practice_npi,
        address=Address(**loads(row.address_json)),
        phone=row.phone,
        email=row.email,
        fee_schedule=tuple(sorted((k, Decimal(v)) for k, v in loads(row.fee_schedule_json).items())),
        signature_png=row.signature_png,
        default_note_format=NoteFormat(row.default_note_format),
        default_session_minutes=row.default_session_minutes,
        plan_review_days=row.plan_review_days,
        idle_lock_minutes=row.idle_lock_minutes,
        backups_to_keep=row.backups_to_keep,
    )


def save_practice(session: Session, profile: PracticeProfile) -> None:
    row = session.get(PracticeRow, PRACTICE_ROW_ID) or PracticeRow(id=PRACTICE_ROW_ID)
    row.clinician_name = profile.clinician_name
    row.credentials = profile.credentials
    row.license_number = profile.license_number
    row.license_state = profile.license_state
    row.rendering_npi = profile.rendering_npi
    row.tax_id = profile.tax_id
    row.tax_id_kind = profile.tax_id_kind.value
    row.practice_name = profile.practice_name
    row.practice_npi = profile.practice_npi
    row.address_json = dumps(profile.address)
    row.phone = profile.phone
    row.email = profile.email
    row.fee_schedule_json = dumps({k: str(v) for k, v in profile.fee_schedule})
    row.signature_png = profile.signature_png
    row.default_note_format = profile.default_note_format.value
    row.default_session_minutes = profile.default_session_minutes
    row.plan_review_days = profile.plan_review_days
    row.idle_lock_minutes = profile.idle_lock_minutes
    row.backups_to_keep = profile.backups_to_keep
    session.add(row)
