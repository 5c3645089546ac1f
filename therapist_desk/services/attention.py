"""Which clients need attention, and why: a few grouped SQL queries over every client.

The rules (all thresholds are keyword settings; "today" and "now" come from the caller's clock).
Clinical rules skip discharged clients; record-keeping rules (unsigned notes, money owed) apply to
every client, because a discharged client's unsigned note or open balance still needs action.

1. **PHQ-9 item 9** - the client's most recent PHQ-9 (by date given, then entry order; complete
   or not, since an incomplete form can still carry an answer to item 9) has item 9 above 0.
2. **Reliable deterioration** - within the episode (measures given on or after the intake
   date), the latest complete PHQ-9 is ``phq9_deterioration_points`` (5) or more above the
   baseline, or the latest complete GAD-7 is 4 or more above it. The baseline is the first
   complete score of the episode (domain.measures.choose_baseline's default).
3. **Unsigned notes** - draft notes older than ``unsigned_hours`` (48). A note's age counts from
   when it was created, but never from later than the end of the session's day (a note started
   days after the session is already late). Exactly 48 hours is not yet "older than 48 hours".
4. **Plan review** - the current plan's review date is at most ``review_window_days`` (14) days
   away (exactly 14 days away counts) or already past ("overdue since" the review date).
5. **No session in 30 days** - active clients whose last session (draft or signed) is more
   than ``inactive_after_days`` (30) days ago; with no session at all, counted from the intake
   date. A session exactly 30 days ago still counts as "in 30 days".
6. **Early drop-out** - the anchor is the client's latest intake session (service type intake
   or CPT 90791) or, without one, the first session. Flagged when no session follows the anchor
   and it is more than ``dropout_days`` (30) days ago: the client came to an intake and did not
   come back. A client who returned later is not a drop-out; one whose intake was exactly 30
   days ago still has time. When this applies, rule 5 is not repeated for the same client.
7. **Insurance use** - signed sessions this calendar year are at least ``usage_percent`` (80%)
   of the insurance's sessions per year; or signed sessions within the authorization's dates
   are at least 80% of the authorized sessions, for an authorization that has not ended.
8. **Money owed** - the ledger balance (charges minus payments, adjustments and write-offs) is
   above $0.00.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select, union_all
from sqlalchemy.orm import Session

from therapist_desk.domain.enums import (
    ClientStatus,
    Instrument,
    LedgerKind,
    NoteStatus,
    ServiceType,
)
from therapist_desk.domain.measures import INSTRUMENTS
from therapist_desk.domain.money import format_money
from therapist_desk.store.models import ClientRow, LedgerRow, MeasureRow, PlanRow, SessionRow
from therapist_desk.store.repositories._json import from_cents

INTAKE_CPT = "90791"
ITEM9_REASON = "PHQ-9 item 9 positive"  # how the safety reason starts (screens style it apart)
_DISCHARGED = ClientStatus.DISCHARGED.value

# Reasons come out in this order: safety first, then documentation, then care, then money.
_ORDER = ("item9", "worse", "unsigned", "review", "dropout", "no_session", "insurance", "balance")


def attention_items(
    session: Session,
    today: date,
    *,
    now: datetime | None = None,
    unsigned_hours: int = 48,
    review_window_days: int = 14,
    inactive_after_days: int = 30,
    dropout_days: int = 30,
    usage_percent: int = 80,
    phq9_deterioration_points: int = INSTRUMENTS[Instrument.PHQ9].reliable_change,
) -> dict[int, tuple[str, ...]]:
    """Map client id -> reasons in plain words, for every client needing attention on ``today``.

    ``now`` times the unsigned-note rule; without it, the start of ``today`` is used.
    """
    now = now or datetime.combine(today, time.min)
    found: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    _item9(session, found)
    _deterioration(session, found, phq9_deterioration_points)
    _unsigned(session, found, now - timedelta(hours=unsigned_hours), unsigned_hours)
    _review(session, found, today, review_window_days)
    _session_gaps(session, found, today, inactive_after_days, dropout_days)
    _insurance(session, found, today, usage_percent)
    _balances(session, found)
    return {
        client_id: tuple(text for key in _ORDER for text in reasons.get(key, ()))
        for client_id, reasons in sorted(found.items())
    }


_Found = dict[int, dict[str, list[str]]]


def _not_discharged() -> ColumnElement[bool]:
    return ClientRow.status != _DISCHARGED


def _item9(session: Session, found: _Found) -> None:
    ranked = (
        select(
            MeasureRow.client_id,
            MeasureRow.administered_on,
            MeasureRow.item9_positive,
            func.row_number().over(
                partition_by=MeasureRow.client_id,
                order_by=(MeasureRow.administered_on.desc(), MeasureRow.id.desc()),
            ).label("rn"),
        )
        .join(ClientRow, ClientRow.id == MeasureRow.client_id)
        .where(MeasureRow.instrument == Instrument.PHQ9.value, _not_discharged())
        .subquery()
    )
    stmt = select(ranked.c.client_id, ranked.c.administered_on).where(
        ranked.c.rn == 1, ranked.c.item9_positive.is_(True)
    )
    for client_id, given_on in session.execute(stmt):
        found[client_id]["item9"].append(
            f"{ITEM9_REASON} on {given_on.isoformat()} (thoughts of death or self-harm)"
        )


def _deterioration(session: Session, found: _Found, phq9_points: int) -> None:
    points = {Instrument.PHQ9.value: phq9_points, Instrument.GAD7.value: INSTRUMENTS[Instrument.GAD7].reliable_change}
    per_instrument = (MeasureRow.client_id, MeasureRow.instrument)
    ranked = (
        select(
            MeasureRow.client_id,
            MeasureRow.instrument,
            MeasureRow.total,
            func.row_number().over(partition_by=per_instrument, order_by=(MeasureRow.administered_on, MeasureRow.id))
            .label("first"),
            func.row_number().over(
                partition_by=per_instrument, order_by=(MeasureRow.administered_on.desc(), MeasureRow.id.desc())
            ).label("last"),
        )
        .join(ClientRow, ClientRow.id == MeasureRow.client_id)
        .where(
            MeasureRow.instrument.in_(points),
            MeasureRow.complete.is_(True),
            _not_discharged(),
            or_(ClientRow.intake_date.is_(None), MeasureRow.administered_on >= ClientRow.intake_date),
        )
        .subquery()
    )
    stmt = select(ranked.c.client_id, ranked.c.instrument, ranked.c.total, ranked.c.first).where(
        or_(ranked.c.first == 1, ranked.c.last == 1)
    )
    pairs: dict[tuple[int, str], dict[bool, int]] = defaultdict(dict)
    for client_id, instrument, total, first in session.execute(stmt):
        pairs[(client_id, instrument)][first == 1] = total
    for (client_id, instrument), ends in sorted(pairs.items()):
        baseline, latest = ends.get(True), ends.get(False)
        if baseline is None or latest is None:
            continue  # one score only: nothing to compare yet
        if latest - baseline >= points[instrument]:
            name = INSTRUMENTS[Instrument(instrument)].name
            found[client_id]["worse"].append(
                f"{name} reliably worse: up {latest - baseline} since baseline ({baseline} to {latest})"
            )


def _unsigned(session: Session, found: _Found, cutoff: datetime, hours: int) -> None:
    # Coarse filter in SQL (drafts are few); the exact age rule runs on the rows it returns.
    stmt = select(SessionRow.client_id, SessionRow.session_date, SessionRow.created_at).where(
        SessionRow.status == NoteStatus.DRAFT.value,
        or_(SessionRow.created_at < cutoff, SessionRow.session_date <= (cutoff - timedelta(days=1)).date()),
    )
    counts: dict[int, int] = defaultdict(int)
    for client_id, session_date, created_at in session.execute(stmt):
        end_of_session_day = datetime.combine(session_date + timedelta(days=1), time.min)
        if min(created_at, end_of_session_day) < cutoff:
            counts[client_id] += 1
    for client_id, count in counts.items():
        noun = "unsigned note" if count == 1 else "unsigned notes"
        found[client_id]["unsigned"].append(f"{count} {noun} older than {hours} hours")


def _review(session: Session, found: _Found, today: date, window_days: int) -> None:
    """The review that counts is the latest *signed* version's: starting a review makes a new
    draft version with a later date, and the review stays due until that draft is signed.
    A client with no signed version yet is judged by the draft's date."""
    signed = PlanRow.signed_at.is_not(None)
    latest_signed = (
        select(PlanRow.client_id, func.max(PlanRow.version).label("version"))
        .where(signed)
        .group_by(PlanRow.client_id)
        .subquery()
    )
    from_signed = select(PlanRow.client_id, PlanRow.review_due).join(
        latest_signed,
        (latest_signed.c.client_id == PlanRow.client_id) & (latest_signed.c.version == PlanRow.version),
    )
    never_signed = select(PlanRow.client_id, PlanRow.review_due).where(
        PlanRow.is_current.is_(True),
        PlanRow.client_id.not_in(select(latest_signed.c.client_id)),
    )
    dues = union_all(from_signed, never_signed).subquery()
    stmt = (
        select(dues.c.client_id, dues.c.review_due)
        .join(ClientRow, ClientRow.id == dues.c.client_id)
        .where(dues.c.review_due <= today + timedelta(days=window_days), _not_discharged())
    )
    for client_id, due in session.execute(stmt):
        if due is None:  # pragma: no cover - the WHERE clause leaves no NULL dates
            continue
        if isinstance(due, str):  # a date read through a UNION comes back as text
            due = date.fromisoformat(due)
        text = f"plan review overdue since {due.isoformat()}" if due < today else f"plan review due {due.isoformat()}"
        found[client_id]["review"].append(text)


def _session_gaps(session: Session, found: _Found, today: date, inactive_days: int, dropout_days: int) -> None:
    is_intake = or_(SessionRow.service_type == ServiceType.INTAKE.value, SessionRow.primary_cpt == INTAKE_CPT)
    per_client = (
        select(
            SessionRow.client_id,
            func.max(SessionRow.session_date).label("last"),
            func.coalesce(func.max(case((is_intake, SessionRow.session_date))), func.min(SessionRow.session_date))
            .label("anchor"),
        )
        .group_by(SessionRow.client_id)
        .subquery()
    )
    last, anchor = per_client.c.last, per_client.c.anchor
    inactive_cutoff = today - timedelta(days=inactive_days)
    dropout_cutoff = today - timedelta(days=dropout_days)
    is_active = ClientRow.status == ClientStatus.ACTIVE.value
    seen = func.coalesce(last, ClientRow.intake_date)
    stmt = (
        select(ClientRow.id, is_active, last, anchor, ClientRow.intake_date)
        .outerjoin(per_client, per_client.c.client_id == ClientRow.id)
        .where(
            _not_discharged(),
            or_(
                and_(is_active, seen < inactive_cutoff),
                and_(last.is_not(None), last == anchor, anchor < dropout_cutoff),
            ),
        )
    )
    for client_id, active, last_day, anchor_day, intake in session.execute(stmt):
        if last_day is not None and last_day == anchor_day and anchor_day < dropout_cutoff:
            found[client_id]["dropout"].append(
                f"possible early drop-out: no session since the intake on {anchor_day.isoformat()}"
            )
        elif active and last_day is not None:
            days = (today - last_day).days
            found[client_id]["no_session"].append(f"no session in {days} days (last on {last_day.isoformat()})")
        elif active and intake is not None:
            found[client_id]["no_session"].append(f"no session yet since intake on {intake.isoformat()}")


def _insurance(session: Session, found: _Found, today: date, percent: int) -> None:
    signed = SessionRow.status == NoteStatus.SIGNED.value
    in_year = (
        select(SessionRow.client_id, func.count().label("used"))
        .where(signed, SessionRow.session_date.between(date(today.year, 1, 1), date(today.year, 12, 31)))
        .group_by(SessionRow.client_id)
        .subquery()
    )
    per_year = func.json_extract(ClientRow.insurance_json, "$.sessions_per_year")
    year_stmt = (
        select(ClientRow.id, per_year, in_year.c.used)
        .join(in_year, in_year.c.client_id == ClientRow.id)
        .where(_not_discharged(), per_year > 0)
    )
    for client_id, allowed, used in session.execute(year_stmt):
        if used * 100 >= int(allowed) * percent:
            found[client_id]["insurance"].append(
                f"insurance: {used} of {int(allowed)} sessions for {today.year} used"
            )
    # Few clients have an authorization: find them first, then count their sessions in its dates.
    authorized = func.json_extract(ClientRow.insurance_json, "$.authorized_sessions")
    end = func.json_extract(ClientRow.insurance_json, "$.authorization_end")
    holders = (
        select(
            ClientRow.id.label("client_id"),
            authorized.label("allowed"),
            func.coalesce(func.json_extract(ClientRow.insurance_json, "$.authorization_start"), "0001-01-01")
            .label("starts"),
            end.label("ends"),
        )
        .where(_not_discharged(), authorized > 0, or_(end.is_(None), end >= today.isoformat()))
        .cte("holders")
    )
    auth_stmt = (
        select(holders.c.client_id, holders.c.allowed, func.count(SessionRow.id), holders.c.ends)
        .join(SessionRow, and_(SessionRow.client_id == holders.c.client_id, signed,
                               SessionRow.session_date >= holders.c.starts,
                               SessionRow.session_date <= func.coalesce(holders.c.ends, "9999-12-31")))
        .group_by(holders.c.client_id)
    )
    for client_id, allowed, used, ends in session.execute(auth_stmt):
        if used * 100 >= int(allowed) * percent:
            until = f", ends {ends}" if ends else ""
            found[client_id]["insurance"].append(f"authorization: {used} of {int(allowed)} sessions used{until}")


def _balances(session: Session, found: _Found) -> None:
    cents = func.sum(
        case((LedgerRow.kind == LedgerKind.CHARGE.value, LedgerRow.amount_cents), else_=-LedgerRow.amount_cents)
    )
    stmt = select(LedgerRow.client_id, cents).group_by(LedgerRow.client_id).having(cents > 0)
    for client_id, owed in session.execute(stmt):
        found[client_id]["balance"].append(f"owes {format_money(from_cents(owed))}")
