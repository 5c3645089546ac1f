"""Measure use cases: record a PHQ-9, GAD-7 or PCL-5 and read a client's scores."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from therapist_desk.domain.enums import Instrument
from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.measures import MeasureResult
from therapist_desk.store.repositories import records
from therapist_desk.store.repositories.clients import load_client
from therapist_desk.store.repositories.notes import load_note
from therapist_desk.services.common import audit


def record_measure(session: Session, result: MeasureResult, now: datetime) -> MeasureResult:
    """Validate the answers and save; incomplete forms are kept as incomplete, not scored."""
    if result.client_id is None:
        raise ValidationError("Client", "is required")
    load_client(session, result.client_id)
    if result.session_id is not None and load_note(session, result.session_id).client_id != result.client_id:
        raise ValidationError("Session", "belongs to another client")
    if result.administered_on > now.date():
        raise ValidationError("Date given", "is in the future")
    result.validate()
    measure_id = records.save_measure(session, result)
    detail = "item9_positive" if result.instrument is Instrument.PHQ9 and result.item9_positive else ""
    audit(session, now, "measure.record", "measure", measure_id, client_id=result.client_id, detail=detail)
    return replace(result, id=measure_id)


def list_measures(session: Session, client_id: int, instrument: Instrument | None = None) -> list[MeasureResult]:
    return records.list_measures(session, client_id, instrument)
