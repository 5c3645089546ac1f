"""Clients with their medications, diagnoses and releases; the client list query."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, select
from sqlalchemy.orm import Session

from therapist_desk.domain.client import (
    Client,
    Contact,
    Diagnosis,
    Insurance,
    Medication,
    ReleaseOfInformation,
)
from therapist_desk.domain.enums import ClientStatus, LedgerKind, NoteFormat, NoteStatus, ReleaseKind
from therapist_desk.domain.practice import Address
from therapist_desk.domain.summaries import ClientSummary
from therapist_desk.store.models import (
    ClientRow,
    DiagnosisRow,
    LedgerRow,
    MeasureRow,
    MedicationRow,
    PlanRow,
    ReleaseRow,
    SessionRow,
)
from therapist_desk.store.repositories._json import dumps, from_cents, loads, opt_date


class RecordNotFound(LookupError):
    """A record id that is not in the vault (a stale selection, or a bug)."""

    def __init__(self, record_type: str, record_id: int) -> None:
        super().__init__(f"{record_type} {record_id} is not in the vault")
        self.record_type = record_type
        self.record_id = record_id


def _insurance_from(data: dict[str, object]) -> Insurance:
    for key in ("authorization_start", "authorization_end"):
        data[key] = opt_date(data.get(key))  # type: ignore[arg-type]
    return Insurance(**data)  # type: ignore[arg-type]


def load_client(session: Session, client_id: int) -> Client:
    row = session.get(ClientRow, client_id)
    if row is None:
        raise RecordNotFound("client", client_id)
    meds = session.scalars(
        select(MedicationRow).where(MedicationRow.client_id == client_id).order_by(MedicationRow.position)
    )
    dxs = session.scalars(
        select(DiagnosisRow).where(DiagnosisRow.client_id == client_id).order_by(DiagnosisRow.position)
    )
    rels = session.scalars(select(ReleaseRow).where(ReleaseRow.client_id == client_id).order_by(ReleaseRow.id))
    return Client(
        id=row.id,
        legal_first_name=row.legal_first_name,
        legal_last_name=row.legal_last_name,
        preferred_name=row.preferred_name,
        pronouns=row.pronouns,
        date_of_birth=row.date_of_birth,
        email=row.email,
        phone=row.phone,
        address=Address(**loads(row.address_json)),
        emergency_contact=Contact(**loads(row.emergency_contact_json)),
        guardian=Contact(**loads(row.guardian_json)),
        insurance=_insurance_from(loads(row.insurance_json)),
        status=ClientStatus(row.status),
        status_since=row.status_since,
        discharge_reason=row.discharge_reason,
        referral_source=row.referral_source,
        intake_date=row.intake_date,
        presenting_problem=row.presenting_problem,
        prior_treatment=row.prior_treatment,
        medical_conditions=row.medical_conditions,
        default_note_format=NoteFormat(row.default_note_format) if row.default_note_format else None,
        medications=tuple(Medication(m.name, m.dose, m.prescriber, m.prescriber_phone) for m in meds),
        diagnoses=tuple(Diagnosis(d.code, d.title, d.code_set_release) for d in dxs),
        releases=tuple(_release_from_row(r) for r in rels),
    )


def _release_from_row(r: ReleaseRow) -> ReleaseOfInformation:
    return ReleaseOfInformation(
        id=r.id,
        recipient_name=r.recipient_name,
        recipient_address=r.recipient_address,
        kind=ReleaseKind(r.kind),
        purpose=r.purpose,
        scope=r.scope,
        signed_on=r.signed_on,
        expires_on=r.expires_on,
        revoked_on=r.revoked_on,
        notes=r.notes,
    )


def save_client(session: Session, client: Client, now: datetime) -> int:
    """Insert or update the client and replace its child lists; returns the id."""
    if client.id is None:
        row = ClientRow(created_at=now)
    else:
        existing = session.get(ClientRow, client.id)
        if existing is None:
            raise RecordNotFound("client", client.id)
        row = existing
    row.legal_first_name = client.legal_first_name
    row.legal_last_name = client.legal_last_name
    row.preferred_name = client.preferred_name
    row.pronouns = client.pronouns
    row.date_of_birth = client.date_of_birth
    row.email = client.email
    row.phone = client.phone
    row.address_json = dumps(client.address)
    row.emergency_contact_json = dumps(client.emergency_contact)
    row.guardian_json = dumps(client.guardian)
    row.insurance_json = dumps(client.insurance)
    row.status = client.status.value
    row.status_since = client.status_since
    row.discharge_reason = client.discharge_reason
    row.referral_source = client.referral_source
    row.intake_date = client.intake_date
    row.presenting_problem = client.presenting_problem
    row.prior_treatment = client.prior_treatment
    row.medical_conditions = client.medical_conditions
    row.default_note_format = client.default_note_format.value if client.default_note_format else None
    row.search_name = client.search_text
    row.sort_name = client.sort_name
    row.updated_at = now
    session.add(row)
    session.flush()
    client_id = row.id
    session.execute(delete(MedicationRow).where(MedicationRow.client_id == client_id))
    session.execute(delete(DiagnosisRow).where(DiagnosisRow.client_id == client_id))
    for i, med in enumerate(client.medications):
        session.add(MedicationRow(client_id=client_id, position=i, name=med.name, dose=med.dose,
                                  prescriber=med.prescriber, prescriber_phone=med.prescriber_phone))
    for i, dx in enumerate(client.diagnoses):
        session.add(DiagnosisRow(client_id=client_id, position=i, code=dx.code, title=dx.title,
                                 code_set_release=dx.code_set_release))
    _save_releases(session, client_id, client.releases)
    return client_id


def _save_releases(session: Session, client_id: int, releases: tuple[ReleaseOfInformation, ...]) -> None:
    """Update releases in place (their ids are referenced by the disclosure log); add new ones.

    Releases are never deleted: a withdrawn authorization is revoked, so the log stays explainable.
    """
    existing = {r.id: r for r in session.scalars(select(ReleaseRow).where(ReleaseRow.client_id == client_id))}
    for rel in releases:
        row = existing.get(rel.id) if rel.id is not None else None
        if row is None:
            row = ReleaseRow(client_id=client_id)
        row.recipient_name = rel.recipient_name
        row.recipient_address = rel.recipient_address
        row.kind = rel.kind.value
        row.purpose = rel.purpose
        row.scope = rel.scope
        row.signed_on = rel.signed_on
        row.expires_on = rel.expires_on
        row.revoked_on = rel.revoked_on
        row.notes = rel.notes
        session.add(row)


SORT_COLUMNS = ("name", "status", "last_session", "next_review", "unsigned", "balance")

# One row of the complete client list: the summary, the stored ``sort_name`` the list query sorts
# on, and the stored ``search_name`` as its LIKE compares it (SQLite's lower(): ASCII letters
# only, as LIKE ignores their case and no other), so a loaded list can be re-sorted and narrowed
# in memory with exactly the query's answer (see order_positions and name_matcher).
ClientListEntry = tuple[ClientSummary, str, str]


def search_words(search: str) -> list[str]:
    """The words of a name search, folded as ``search_name`` is: each must occur in it."""
    from therapist_desk.domain.client import fold_name

    return fold_name(search).split()


def list_client_summaries(
    session: Session,
    *,
    search: str = "",
    statuses: tuple[ClientStatus, ...] = (),
    ids: tuple[int, ...] | None = None,
    sort: str = "name",
    descending: bool = False,
    limit: int | None = None,
) -> list[ClientSummary]:
    """The Clients table: one SQL statement with per-client aggregates, filtered and sorted in SQL.

    When the filters keep a small part of the clients (a name search, one status), the
    aggregates are computed for those clients only instead of all of them (10,000 clients,
    "Active": ~100 ms -> ~5 ms); for most of the list, grouping whole tables is cheaper. With a
    ``limit`` and the name sort, the first rows are chosen by name first (an index) and only they
    get aggregates: the first 100 of 10,000 clients cost what 100 clients cost, not 10,000.
    """
    rows = _list_rows(session, search=search, statuses=statuses, ids=ids, sort=sort, descending=descending,
                      limit=limit, keys=False)
    return [_summary(r) for r in rows]


def list_client_entries(session: Session) -> list[ClientListEntry]:
    """Every client (every status, by name), each with its sort key and search key: what
    list_client_summaries returns unfiltered, as ClientListEntry rows to filter and sort in memory.

    No filters: the loaded list is always the whole list (the service narrows it in Python).
    """
    rows = _list_rows(session, search="", statuses=(), ids=None, sort="name", descending=False,
                      limit=None, keys=True)
    summary = _summary
    return [(summary(r), r[11], r[12]) for r in rows]


def count_listed(
    session: Session, *, search: str = "", statuses: tuple[ClientStatus, ...] = (), ids: tuple[int, ...] | None = None
) -> int:
    """How many rows list_client_summaries would return for these filters (no aggregates)."""
    conditions = _conditions(search, statuses, ids)
    return int(session.scalar(select(func.count()).select_from(ClientRow).where(*conditions)) or 0)


def _conditions(search: str, statuses: tuple[ClientStatus, ...], ids: tuple[int, ...] | None) -> list[Any]:
    conditions = []
    for word in search_words(search):
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(ClientRow.search_name.like(f"%{escaped}%", escape="\\"))
    if statuses:
        conditions.append(ClientRow.status.in_([s.value for s in statuses]))
    if ids is not None:
        conditions.append(ClientRow.id.in_(ids))
    return conditions


def _list_rows(
    session: Session,
    *,
    search: str,
    statuses: tuple[ClientStatus, ...],
    ids: tuple[int, ...] | None,
    sort: str,
    descending: bool,
    limit: int | None,
    keys: bool,
) -> Any:
    conditions = _conditions(search, statuses, ids)
    by_name = ClientRow.sort_name.desc() if descending else ClientRow.sort_name.asc()
    chosen = select(ClientRow.id).where(*conditions) if conditions else None
    if limit is not None and sort not in SORT_COLUMNS[1:]:
        # The name order needs no aggregate: pick the first rows by name, aggregate only them.
        # Picked first, in a query of their own: as a subquery the pick (a sort of every listed
        # client) ran once per aggregate, five times (first screen at 10,000 clients: 55 -> 20 ms).
        chosen = tuple(session.scalars(
            select(ClientRow.id).where(*conditions).order_by(by_name, ClientRow.sort_name, ClientRow.id)
            .limit(limit)))
    elif chosen is not None:
        picked = select(func.count()).select_from(chosen.subquery()).scalar_subquery()
        everyone = select(func.count()).select_from(ClientRow).scalar_subquery()
        kept, total = session.execute(select(picked, everyone)).one()
        if kept * _PUSH_DOWN_SHARE > total:
            chosen = None

    def only(stmt: Any, column: Any) -> Any:  # a Select of any shape, narrowed to ``chosen``
        return stmt if chosen is None else stmt.where(column.in_(chosen))

    last_session = (
        only(select(SessionRow.client_id, func.max(SessionRow.session_date).label("last_session")),
             SessionRow.client_id)
        .group_by(SessionRow.client_id)
        .subquery()
    )
    unsigned = (
        only(select(SessionRow.client_id, func.count().label("unsigned"))
             .where(SessionRow.status == NoteStatus.DRAFT.value), SessionRow.client_id)
        .group_by(SessionRow.client_id)
        .subquery()
    )
    signed_cents = func.sum(
        func.iif(LedgerRow.kind == LedgerKind.CHARGE.value, LedgerRow.amount_cents, -LedgerRow.amount_cents)
    )
    balances = (
        only(select(LedgerRow.client_id, signed_cents.label("cents")), LedgerRow.client_id)
        .group_by(LedgerRow.client_id).subquery()
    )
    # Grouped so SQLite materializes it once: flattened into the join, the planner walked the
    # boolean is_current index once per client (10,000 clients: ~4 s instead of ~0.1 s).
    review = (
        only(select(PlanRow.client_id, func.max(PlanRow.review_due).label("review_due"))
             .where(PlanRow.is_current.is_(True)), PlanRow.client_id)
        .group_by(PlanRow.client_id)
        .subquery()
    )

    def latest_band(instrument: str):  # type: ignore[no-untyped-def]
        return (
            select(MeasureRow.band)
            .where(and_(MeasureRow.client_id == ClientRow.id, MeasureRow.instrument == instrument,
                        MeasureRow.complete.is_(True)))
            .order_by(MeasureRow.administered_on.desc(), MeasureRow.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    display_first = func.coalesce(func.nullif(ClientRow.preferred_name, ""), ClientRow.legal_first_name)
    columns = [
        ClientRow.id,
        display_first,
        ClientRow.legal_last_name,
        ClientRow.status,
        ClientRow.date_of_birth,
        last_session.c.last_session,
        review.c.review_due,
        func.coalesce(unsigned.c.unsigned, 0),
        func.coalesce(balances.c.cents, 0),
        latest_band("phq9"),
        latest_band("gad7"),
    ]
    if keys:
        columns += [ClientRow.sort_name, func.lower(ClientRow.search_name)]
    stmt = (
        select(*columns)
        .outerjoin(last_session, last_session.c.client_id == ClientRow.id)
        .outerjoin(unsigned, unsigned.c.client_id == ClientRow.id)
        .outerjoin(balances, balances.c.client_id == ClientRow.id)
        .outerjoin(review, review.c.client_id == ClientRow.id)
        .where(*conditions)
    )
    if chosen is not None and limit is not None:
        stmt = stmt.where(ClientRow.id.in_(chosen))
    order = {
        "name": ClientRow.sort_name,
        "status": ClientRow.status,
        "last_session": last_session.c.last_session,
        "next_review": review.c.review_due,
        "unsigned": func.coalesce(unsigned.c.unsigned, 0),
        "balance": func.coalesce(balances.c.cents, 0),
    }.get(sort, ClientRow.sort_name)
    primary = order.desc() if descending else order.asc()
    # NULLs (no session yet, no plan) sort last either way; the name breaks ties.
    # order_positions below is the same order in Python: change both together.
    stmt = stmt.order_by(order.is_(None), primary, ClientRow.sort_name, ClientRow.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return session.execute(stmt)


def _summary(r: Any) -> ClientSummary:
    # A dict lookup instead of ClientStatus(...), one shared zero: ~10 % of 10,000 rows' cost.
    return ClientSummary(
        id=r[0],
        display_name=f"{r[1]} {r[2]}",
        status=_STATUS_OF[r[3]],
        date_of_birth=r[4],
        last_session=r[5],
        next_review=r[6],
        unsigned_notes=int(r[7]),
        balance=from_cents(r[8]) if r[8] else _ZERO,
        phq9_band=r[9],
        gad7_band=r[10],
    )


# Aggregates are restricted to the filtered clients when they are at most 1/_PUSH_DOWN_SHARE
# of all clients (measured at 10,000 clients: cheaper below ~25 %, dearer above).
_PUSH_DOWN_SHARE = 4
_STATUS_OF = {status.value: status for status in ClientStatus}
_ZERO = from_cents(0)

# --- the same filter and order in Python, for a complete list already loaded -----------------

_SORT_VALUE: dict[str, Callable[[ClientSummary], object]] = {
    "status": lambda s: s.status.value,  # the stored text, as SQL compares it
    "last_session": attrgetter("last_session"),
    "next_review": attrgetter("next_review"),
    "unsigned": attrgetter("unsigned_notes"),
    "balance": attrgetter("balance"),  # exact cents as Decimal: the same order as the integer cents
}
# SQLite's LIKE ignores case for ASCII letters only (and no other folding).
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def name_order(entries: Sequence[ClientListEntry]) -> list[int]:
    """Positions of ``entries`` by ``sort_name``, then id: every order's tie-break."""
    keys = [(e[1], e[0].id) for e in entries]
    return sorted(range(len(entries)), key=keys.__getitem__)


def order_positions(
    entries: Sequence[ClientListEntry], sort: str, descending: bool, by_name: list[int] | None = None
) -> list[int]:
    """Positions of ``entries`` in the order list_client_summaries' ORDER BY gives them.

    NULLs last either way, then the key (ascending or descending), then ``sort_name`` and the
    id ascending. SQLite compares text byte-wise in UTF-8, which is Python's code-point order.
    Stable sorts from ``by_name`` (name_order's answer, if already known): a reversed stable
    sort keeps ties in their order.
    """
    positions = list(by_name) if by_name is not None else name_order(entries)
    if sort not in _SORT_VALUE:  # "name", and any unknown key, as the query does
        if descending:
            names = [e[1] for e in entries]
            positions.sort(key=names.__getitem__, reverse=True)
        return positions
    value = _SORT_VALUE[sort]
    values = [value(e[0]) for e in entries]
    present = [i for i in positions if values[i] is not None]
    present.sort(key=values.__getitem__, reverse=descending)
    return present + [i for i in positions if values[i] is None]


def name_matcher(search: str) -> Callable[[str], bool]:
    """``matches(search key)``: the search's WHERE on one row, in Python, given the row's search
    key as list_client_entries returns it (``lower(search_name)``).

    Every folded word must occur in it as plain text: LIKE '%word%' with its wildcards escaped,
    ASCII letters in either case (the folded words are lower case already; lowering their
    ASCII letters again is what LIKE does to both sides).
    """
    words = [w.translate(_ASCII_LOWER) for w in search_words(search)]
    if not words:
        return lambda _key: True
    if len(words) == 1:
        word = words[0]
        return lambda key: word in key
    return lambda key: all(w in key for w in words)


def client_exists(session: Session, client_id: int) -> bool:
    """True when the vault holds a client with this id (one primary-key probe, no row loaded)."""
    return session.execute(_CLIENT_ID, {"client_id": client_id}).first() is not None


# A Core statement built once (no ORM entity, no per-call construction): every note save asks.
_CLIENT_ID = select(ClientRow.__table__.c.id).where(ClientRow.__table__.c.id == bindparam("client_id"))


def count_clients(session: Session) -> int:
    """How many clients the vault holds, every status (cheap: an index count)."""
    return int(session.scalar(select(func.count()).select_from(ClientRow)) or 0)


def client_identities(session: Session) -> list[tuple[int, str, str, date]]:
    """(id, legal first, legal last, birth date) of every client: a narrow Core query, no child rows."""
    stmt = select(ClientRow.id, ClientRow.legal_first_name, ClientRow.legal_last_name, ClientRow.date_of_birth)
    return [(r[0], r[1], r[2], r[3]) for r in session.execute(stmt)]
