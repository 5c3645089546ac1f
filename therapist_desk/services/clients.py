"""Client use cases: create, update, discharge, reactivate, find, list (in SQL, or from a loaded list)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import date, datetime
from itertools import compress

from sqlalchemy.orm import Session

from therapist_desk.domain.client import Client, Diagnosis
from therapist_desk.domain.enums import ClientStatus
from therapist_desk.domain.errors import ErrorCollector
from therapist_desk.domain.icd10 import Icd10Catalog
from therapist_desk.domain.summaries import ClientSummary
from therapist_desk.services.common import audit
from therapist_desk.store.repositories import clients as repo

RecordNotFound = repo.RecordNotFound


def _checked(client: Client, today: date, catalog: Icd10Catalog | None) -> Client:
    """Field validation plus ICD-10-CM lookup of every diagnosis (titles and release filled in)."""
    clean = client.validated(today)
    catalog = catalog or Icd10Catalog.default()
    diagnoses = []
    with ErrorCollector() as c:
        for i, dx in enumerate(clean.diagnoses, 1):
            label = "Primary diagnosis" if i == 1 else f"Diagnosis {i}"
            found = c.run(catalog.validate_billable, dx.code, label)
            if found is not None:
                diagnoses.append(Diagnosis(found.code, found.title, catalog.release))  # type: ignore[attr-defined]
    return replace(clean, diagnoses=tuple(diagnoses))


def create_client(
    session: Session, client: Client, now: datetime, *, catalog: Icd10Catalog | None = None
) -> Client:
    clean = _checked(replace(client, id=None), now.date(), catalog)
    if clean.intake_date is None:
        clean = replace(clean, intake_date=now.date())
    if clean.status_since is None:
        clean = replace(clean, status_since=clean.intake_date)
    client_id = repo.save_client(session, clean, now)
    audit(session, now, "client.create", "client", client_id, client_id=client_id)
    return repo.load_client(session, client_id)


def update_client(
    session: Session, client: Client, now: datetime, *, catalog: Icd10Catalog | None = None
) -> Client:
    if client.id is None:
        raise ValueError("update_client needs a saved client")
    before = repo.load_client(session, client.id)
    clean = _checked(client, now.date(), catalog)
    repo.save_client(session, clean, now)
    changed = sorted(
        name for name in Client.__dataclass_fields__ if getattr(before, name) != getattr(clean, name)
    )
    # Field names only: the audit log says what changed, never to what.
    audit(session, now, "client.update", "client", client.id, client_id=client.id, detail=",".join(changed))
    return repo.load_client(session, client.id)


def get_client(session: Session, client_id: int) -> Client:
    return repo.load_client(session, client_id)


def view_client(session: Session, client_id: int, now: datetime) -> Client:
    """Load a client for display and record the view in the audit log."""
    client = repo.load_client(session, client_id)
    audit(session, now, "client.view", "client", client_id, client_id=client_id)
    return client


def discharge_client(session: Session, client_id: int, on: date, reason: str, now: datetime) -> Client:
    client = repo.load_client(session, client_id)
    discharged = replace(client, status=ClientStatus.DISCHARGED, status_since=on, discharge_reason=reason.strip())
    if on < (client.intake_date or on):
        from therapist_desk.domain.errors import ValidationError

        raise ValidationError("Discharge date", "is before the intake date")
    clean = _checked(discharged, now.date(), None)
    repo.save_client(session, clean, now)
    audit(session, now, "client.discharge", "client", client_id, client_id=client_id)
    return repo.load_client(session, client_id)


def reactivate_client(session: Session, client_id: int, on: date, now: datetime) -> Client:
    client = repo.load_client(session, client_id)
    active = replace(client, status=ClientStatus.ACTIVE, status_since=on, discharge_reason="")
    repo.save_client(session, _checked(active, now.date(), None), now)
    audit(session, now, "client.reactivate", "client", client_id, client_id=client_id)
    return repo.load_client(session, client_id)


def list_clients(
    session: Session,
    *,
    search: str = "",
    statuses: tuple[ClientStatus, ...] = (),
    sort: str = "name",
    descending: bool = False,
    ids: tuple[int, ...] | None = None,
    limit: int | None = None,
) -> list[ClientSummary]:
    return repo.list_client_summaries(session, search=search, statuses=statuses, sort=sort,
                                      descending=descending, ids=ids, limit=limit)


def count_listed(
    session: Session, *, search: str = "", statuses: tuple[ClientStatus, ...] = (), ids: tuple[int, ...] | None = None
) -> int:
    """How many clients list_clients would return for these filters (a count, no aggregates)."""
    return repo.count_listed(session, search=search, statuses=statuses, ids=ids)



def warm_up() -> None:
    """Build and run the Clients tab's first query once on an empty in-memory database, before
    any vault is open (the app does it while the passphrase is typed): the first time a process
    builds and compiles it costs ~45 ms more than later, and the unlock waits for that query."""
    from therapist_desk.store.database import empty_schema_session

    statuses = (ClientStatus.ACTIVE, ClientStatus.INACTIVE)
    with empty_schema_session() as session:
        list_clients(session, statuses=statuses, limit=100)
        count_listed(session, statuses=statuses)

class ClientList:
    """Every client of the vault, every status, as list_clients returns them, kept in memory.

    ``select`` answers any search, status filter, id filter and sort of it with exactly the
    rows and order list_clients would return, without a query (the repository's Python twins
    of the WHERE and the ORDER BY, on the stored keys loaded with the rows). Only as fresh as
    its load: load again when the data changes.
    """

    def __init__(self, entries: list[repo.ClientListEntry]) -> None:
        self._entries = entries
        self.summaries: list[ClientSummary] = [e[0] for e in entries]
        self._statuses = [s.status for s in self.summaries]
        self._ids = [s.id for s in self.summaries]
        self._search_keys = [e[2] for e in entries]
        self._by_name: list[int] | None = None
        self._orders: dict[tuple[str, bool], list[int]] = {}

    def __len__(self) -> int:
        return len(self.summaries)

    def select(
        self,
        *,
        search: str = "",
        statuses: tuple[ClientStatus, ...] = (),
        sort: str = "name",
        descending: bool = False,
        ids: Collection[int] | None = None,
    ) -> list[int]:
        """Positions in ``summaries`` of what list_clients(same arguments) returns, in its order.

        A few ms for 10,000 clients: each order is computed once (a few ms) and kept; each filter
        is one pass over plain lists.
        """
        order = self._orders.get((sort, descending))
        if order is None:
            if self._by_name is None:
                self._by_name = repo.name_order(self._entries)
            order = repo.order_positions(self._entries, sort, descending, self._by_name)
            self._orders[(sort, descending)] = order
        masks: list[list[bool]] = []
        if repo.search_words(search):
            matches = repo.name_matcher(search)
            masks.append(list(map(matches, self._search_keys)))
        if statuses:
            wanted = frozenset(statuses)
            masks.append([status in wanted for status in self._statuses])
        if ids is not None:
            chosen = ids if isinstance(ids, frozenset | set) else frozenset(ids)
            masks.append([client_id in chosen for client_id in self._ids])
        if not masks:
            return list(order)
        keep = masks[0] if len(masks) == 1 else list(map(all, zip(*masks, strict=True)))
        return list(compress(order, map(keep.__getitem__, order)))


def load_client_list(session: Session) -> ClientList:
    """Every client, every status, with the keys ClientList filters and sorts on (one query)."""
    return ClientList(repo.list_client_entries(session))


def count_clients(session: Session) -> int:
    """Every client in the vault, whatever the status (the list decides how to load from it)."""
    return repo.count_clients(session)
