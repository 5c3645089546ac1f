"""Typed SQLAlchemy models of the vault; rows become domain objects in store.repositories.

Note bodies live in ``note_bodies`` beside the narrow ``sessions`` table, so listing and sorting
sessions never decrypts note text (PITFALLS: 348 ms -> 27 ms for a sorted search over 100k).
Money is stored as integer cents.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, configure_mappers, mapped_column


class Base(DeclarativeBase):
    pass


class PracticeRow(Base):
    __tablename__ = "practice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinician_name: Mapped[str] = mapped_column(String(200))
    credentials: Mapped[str] = mapped_column(String(100))
    license_number: Mapped[str] = mapped_column(String(50))
    license_state: Mapped[str] = mapped_column(String(2))
    rendering_npi: Mapped[str] = mapped_column(String(10))
    tax_id: Mapped[str] = mapped_column(String(9))
    tax_id_kind: Mapped[str] = mapped_column(String(3))
    practice_name: Mapped[str] = mapped_column(String(200), default="")
    practice_npi: Mapped[str] = mapped_column(String(10), default="")
    address_json: Mapped[str] = mapped_column(Text, default="{}")
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    fee_schedule_json: Mapped[str] = mapped_column(Text, default="{}")
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    default_note_format: Mapped[str] = mapped_column(String(10))
    default_session_minutes: Mapped[int] = mapped_column(Integer)
    plan_review_days: Mapped[int] = mapped_column(Integer)
    idle_lock_minutes: Mapped[int] = mapped_column(Integer)
    backups_to_keep: Mapped[int] = mapped_column(Integer)


class ClientRow(Base):
    __tablename__ = "clients"
    __table_args__ = (Index("ix_clients_status_sort", "status", "sort_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    legal_first_name: Mapped[str] = mapped_column(String(100))
    legal_last_name: Mapped[str] = mapped_column(String(100))
    preferred_name: Mapped[str] = mapped_column(String(100), default="")
    pronouns: Mapped[str] = mapped_column(String(50), default="")
    date_of_birth: Mapped[date] = mapped_column(Date)
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    address_json: Mapped[str] = mapped_column(Text, default="{}")
    emergency_contact_json: Mapped[str] = mapped_column(Text, default="{}")
    guardian_json: Mapped[str] = mapped_column(Text, default="{}")
    insurance_json: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(20), index=True)
    status_since: Mapped[date | None] = mapped_column(Date, nullable=True)
    discharge_reason: Mapped[str] = mapped_column(Text, default="")
    referral_source: Mapped[str] = mapped_column(String(200), default="")
    intake_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    presenting_problem: Mapped[str] = mapped_column(Text, default="")
    prior_treatment: Mapped[str] = mapped_column(Text, default="")
    medical_conditions: Mapped[str] = mapped_column(Text, default="")
    default_note_format: Mapped[str | None] = mapped_column(String(10), nullable=True)
    # Accent-folded, lower-case copies so name search and sort run in SQL on an index.
    search_name: Mapped[str] = mapped_column(String(300), index=True)
    sort_name: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class MedicationRow(Base):
    __tablename__ = "client_medications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    dose: Mapped[str] = mapped_column(String(200), default="")
    prescriber: Mapped[str] = mapped_column(String(200), default="")
    prescriber_phone: Mapped[str] = mapped_column(String(30), default="")


class DiagnosisRow(Base):
    __tablename__ = "client_diagnoses"
    __table_args__ = (UniqueConstraint("client_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text, default="")
    code_set_release: Mapped[str] = mapped_column(String(100), default="")


class ReleaseRow(Base):
    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_address: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(30))
    purpose: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(Text, default="")
    signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    revoked_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")


class SessionRow(Base):
    """Narrow session metadata: what lists, sorts and attention queries need."""

    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_client_date", "client_id", "session_date"),
        Index("ix_sessions_status_date", "status", "session_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="RESTRICT"))
    session_date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time | None] = mapped_column(Time, nullable=True)
    stop_time: Mapped[time | None] = mapped_column(Time, nullable=True)
    minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    service_type: Mapped[str] = mapped_column(String(30))
    modality: Mapped[str] = mapped_column(String(20))
    client_location: Mapped[str] = mapped_column(String(20))
    place_of_service: Mapped[str] = mapped_column(String(2))
    primary_cpt: Mapped[str] = mapped_column(String(5), default="")
    cpt_summary: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(10))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    signed_by: Mapped[str] = mapped_column(String(300), default="")
    fee_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class SessionLineRow(Base):
    __tablename__ = "session_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    cpt: Mapped[str] = mapped_column(String(5))
    units: Mapped[int] = mapped_column(Integer)
    modifiers: Mapped[str] = mapped_column(String(20), default="")


class NoteBodyRow(Base):
    """The wide part of a note (sections, risk, interventions...) as one JSON document."""

    __tablename__ = "note_bodies"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    body_json: Mapped[str] = mapped_column(Text)


class ObjectiveLinkRow(Base):
    __tablename__ = "session_objective_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    objective_key: Mapped[str] = mapped_column(String(32), index=True)
    rating: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")


class AddendumRow(Base):
    __tablename__ = "addenda"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="RESTRICT"), index=True)
    text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    written_at: Mapped[datetime] = mapped_column(DateTime)
    signed_by: Mapped[str] = mapped_column(String(300))


class PsychotherapyNoteRow(Base):
    """Private process notes, apart from the record; no export path reads this table."""

    __tablename__ = "psychotherapy_notes"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class MeasureRow(Base):
    __tablename__ = "measures"
    __table_args__ = (Index("ix_measures_client_instrument_date", "client_id", "instrument", "administered_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="RESTRICT"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL"), nullable=True, index=True
    )
    instrument: Mapped[str] = mapped_column(String(10))
    administered_on: Mapped[date] = mapped_column(Date)
    answers_json: Mapped[str] = mapped_column(Text)
    complete: Mapped[bool] = mapped_column(Boolean)
    total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    band: Mapped[str | None] = mapped_column(String(40), nullable=True)
    item9_positive: Mapped[bool] = mapped_column(Boolean, default=False)


class PlanRow(Base):
    """One plan version; the tree (problems/goals/objectives/interventions) is a JSON document
    because a version is written whole and, once signed, never changes."""

    __tablename__ = "treatment_plans"
    __table_args__ = (UniqueConstraint("client_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean, index=True)
    effective_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    review_due: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    document_json: Mapped[str] = mapped_column(Text)
    participation: Mapped[str | None] = mapped_column(String(20), nullable=True)
    participation_note: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    signed_by: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class LedgerRow(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_client_date", "client_id", "entry_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(20))
    entry_date: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Integer)
    method: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reference: Mapped[str] = mapped_column(String(200), default="")
    memo: Mapped[str] = mapped_column(Text, default="")
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    cpt: Mapped[str] = mapped_column(String(5), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AuditRow(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    action: Mapped[str] = mapped_column(String(50), index=True)
    record_type: Mapped[str] = mapped_column(String(50), default="")
    record_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    client_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class DisclosureRow(Base):
    __tablename__ = "disclosures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="RESTRICT"), index=True)
    disclosed_on: Mapped[date] = mapped_column(Date)
    recipient: Mapped[str] = mapped_column(String(300))
    what: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text, default="")
    release_id: Mapped[int | None] = mapped_column(
        ForeignKey("releases.id", ondelete="SET NULL"), nullable=True
    )


class DraftRow(Base):
    """Autosaved typing (note editor, client form) so a crash or a kill loses nothing."""

    __tablename__ = "drafts"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(DateTime)


class PlanLibraryItemRow(Base):
    """One of the clinician's own plan-library items (a problem, goal, objective or
    intervention with everything under it) as a JSON document; the starter items ship in
    resources/plan_library/starter.json and are never copied here."""

    __tablename__ = "plan_library_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(100), default="")
    title: Mapped[str] = mapped_column(Text)
    document_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class DischargeSummaryRow(Base):
    """A discharge summary: the facts taken from the record and the clinician's edited text as
    one JSON document; once signed it never changes."""

    __tablename__ = "discharge_summaries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="RESTRICT"), index=True)
    discharged_on: Mapped[date] = mapped_column(Date)
    document_json: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    signed_by: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class LetterTemplateRow(Base):
    """A clinician's letter template: an edited copy of a shipped one (same slug) or their own."""

    __tablename__ = "letter_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


# SQLAlchemy configures every mapper on the first ORM query (~40 ms). Done here instead, so it
# happens with this import (after the first window has painted, while the passphrase is typed),
# not on the GUI thread right after the unlock.
configure_mappers()
