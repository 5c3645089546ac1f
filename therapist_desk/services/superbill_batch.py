"""The monthly superbill batch: one superbill file per client with signed sessions in a month.

The month is read for every client in a few queries (``store.repositories.billing_month``) and
each superbill is checked and built exactly as ``superbills.assemble_superbill`` would build it.
The files are written on ``FILE_WRITERS`` helper threads while the next ones render; the
disclosures and audit events are recorded in chunks of ``BATCH_CHUNK``, each chunk committed
before its files appear, so every file in the folder is in the disclosure log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from therapist_desk.domain.client import Client
from therapist_desk.domain.icd10 import Icd10Catalog
from therapist_desk.export.data import SuperbillData
from therapist_desk.export.superbill import render_superbill
from therapist_desk.services.pdf_output import (
    check_password,
    discard,
    fsync_folder,
    publish,
    write_temp,
)
from therapist_desk.services.superbills import (
    MissingItem,
    SuperbillIncomplete,
    build_superbill,
    parse_month,
    record_superbill_disclosure,
    superbill_filename,
)
from therapist_desk.services.vault_access import Vault
from therapist_desk.store.repositories import billing_month
from therapist_desk.store.repositories import notes as notes_repo
from therapist_desk.store.repositories.clients import RecordNotFound, list_client_summaries
from therapist_desk.store.repositories.practice import get_practice

ProgressCallback = Callable[[int, int, str], "bool | None"]
SessionFactory = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One client of the batch: the file made (``path``), or why none was (``missing``)."""

    client_id: int
    client_name: str
    path: Path | None = None
    missing: tuple[MissingItem, ...] = ()


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """What a batch made and skipped, and whether it was cancelled."""

    start: date
    end: date
    out_dir: Path
    made: tuple[BatchItem, ...] = ()
    skipped: tuple[BatchItem, ...] = ()
    cancelled: bool = False
    total: int = 0

    @property
    def ok(self) -> bool:
        """True when every client with signed sessions got a superbill."""
        return not self.skipped and not self.cancelled

    def describe(self) -> list[str]:
        """Plain lines for a dialog or a terminal (they name clients: never log them)."""
        lines = [(f"Made {len(self.made)} of {self.total} superbills for "
                  f"{self.start.isoformat()} to {self.end.isoformat()} in {self.out_dir}.")]
        if self.cancelled:
            lines.append("Cancelled before the end; the superbills made so far are kept.")
        if self.skipped:
            lines.append(f"Not made for {len(self.skipped)} client(s); fix these and run again:")
            for item in self.skipped:
                lines.append(f"  {item.client_name}:")
                lines += [f"    {missing}" for missing in item.missing]
        return lines


def clients_with_signed_sessions(session: Session, start: date, end: date) -> list[tuple[int, str]]:
    """(id, display name) of every client, any status, with a signed session in the range.

    Two queries, whatever the number of clients (asking each client in turn was thousands of
    tiny queries, which on a worker thread starve the GUI thread of the GIL).
    """
    ids = notes_repo.client_ids_with_signed_sessions(session, start, end)
    if not ids:
        return []
    return [(s.id, s.display_name) for s in list_client_summaries(session, ids=tuple(ids))]


# Superbills whose disclosures are recorded in one transaction, then published together. Each
# is still recorded before its file appears; a chunk costs one commit (the folder is synced
# once, at the end of the batch).
BATCH_CHUNK = 16
# Threads that write and fsync the files while the batch renders the next ones: an fsync is
# ~1 ms of waiting (much more on a busy disk) that needs no CPU and releases the GIL.
FILE_WRITERS = 2


@dataclass(frozen=True, slots=True)
class _Written:
    """A rendered superbill on its way to a temporary file; not yet recorded nor published."""

    client_id: int
    name: str
    data: SuperbillData
    path: Path
    temp: Future[Path]


def batch_superbills(
    session_factory: SessionFactory,
    month: str,
    out_dir: Path,
    *,
    now: datetime,
    progress: ProgressCallback | None = None,
    password: str | None = None,
    reveal_ssn: bool = False,
) -> BatchSummary:
    """One superbill file per client with signed sessions in ``month`` ("2026-11").

    Safe to run off the GUI thread. ``session_factory`` (e.g. ``vault.unit_of_work``) gives one
    transaction that reads the month for every client in a few queries, then one per chunk of
    ``BATCH_CHUNK`` superbills that records their disclosures and audit events. Each file is
    written to a temporary file (fsynced) first and renamed into place only once its record is
    committed: every file in ``out_dir`` is in the disclosure log, and nothing half-written is
    left there. A client with missing items is listed in the summary and the others still get
    theirs. ``progress(done, total, client_name)`` is called before each client and once at the
    end; returning False cancels the rest (the superbills rendered so far are recorded and
    kept). An error writing a file (disk full, no permission) stops the batch and propagates;
    the chunk it was in is neither recorded nor left on disk.
    """
    start, end = parse_month(month)
    if password is not None:
        check_password(password)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with session_factory() as session:
        candidates = clients_with_signed_sessions(session, start, end)
        prepared = _assemble_month(session, [cid for cid, _ in candidates], start, end, now.date(),
                                   reveal_ssn=reveal_ssn)
    total = len(candidates)
    made: list[BatchItem] = []
    skipped: list[BatchItem] = []
    cancelled = False
    written: list[_Written] = []
    encrypted = password is not None
    with ThreadPoolExecutor(FILE_WRITERS, thread_name_prefix="superbill-files") as files:
        try:
            for done, (client_id, name) in enumerate(candidates):
                if progress is not None and progress(done, total, name) is False:
                    cancelled = True
                    break
                client, result = prepared[client_id]
                if isinstance(result, SuperbillIncomplete):
                    skipped.append(BatchItem(client_id, name, missing=result.items))
                    continue
                path = out_dir / superbill_filename(client, start, end)
                pdf = render_superbill(result)
                written.append(_Written(client_id, name, result, path,
                                        files.submit(write_temp, pdf, path, password=password)))
                if len(written) >= BATCH_CHUNK:
                    chunk, written = written, []
                    made += _record_and_publish(session_factory, chunk, now, encrypted=encrypted)
            if written:
                chunk, written = written, []
                made += _record_and_publish(session_factory, chunk, now, encrypted=encrypted)
        finally:
            _discard_all(written)  # only after a failure: none of these was recorded
            if made:  # the renames of every chunk published, durable in one folder sync
                fsync_folder(out_dir)
    if progress is not None and not cancelled:
        progress(total, total, "")
    return BatchSummary(start, end, out_dir, tuple(made), tuple(skipped), cancelled, total)


def _record_and_publish(
    session_factory: SessionFactory, chunk: Sequence[_Written], now: datetime, *, encrypted: bool
) -> list[BatchItem]:
    """Wait for the chunk's temporary files; record each superbill's disclosure and audit event
    in one transaction; once that is committed, rename each file into place.

    Each file was fsynced before its rename; the folder is synced once, after the last chunk
    (``batch_superbills``), not once per chunk. A rename lost in a crash before that leaves a
    recorded disclosure without its file, never a file without its disclosure. A failure before
    the commit (a file that could not be written, the database) records nothing and removes the
    chunk's temporary files. A rename failing after it (not expected within one folder) leaves a
    disclosure recorded for a file that did not appear.
    """
    try:
        temps = [item.temp.result() for item in chunk]
        with session_factory() as session:
            for item in chunk:
                record_superbill_disclosure(session, item.client_id, item.data, now,
                                            encrypted=encrypted)
        items = [BatchItem(item.client_id, item.name, path=publish(temp, item.path))
                 for item, temp in zip(chunk, temps, strict=True)]
    except BaseException:
        _discard_all(chunk)
        raise
    return items


def _discard_all(chunk: Sequence[_Written]) -> None:
    """Remove the temporary files of superbills that will not be published (waiting for the
    writes still under way; a write that failed left nothing)."""
    for item in chunk:
        try:
            temp = item.temp.result()
        except BaseException:  # noqa: BLE001 - its own error is reported by whoever waited first
            continue
        discard(temp)




# --- reading a month ------------------------------------------------------------------------


def _assemble_month(
    session: Session, client_ids: Sequence[int], start: date, end: date, today: date, *,
    reveal_ssn: bool = False, catalog: Icd10Catalog | None = None,
) -> dict[int, tuple[Client, SuperbillData | SuperbillIncomplete]]:
    """Each client's superbill for ``start``..``end`` (or why it cannot be made), as
    ``assemble_superbill`` would make it, from a few queries for all of them."""
    if not client_ids:
        return {}
    profile = get_practice(session)
    clients = billing_month.billing_clients(session, client_ids)
    billed = billing_month.signed_sessions(session, client_ids, start, end)
    ledgers = billing_month.ledger_entries(session, client_ids, start, end,
                                           [note.id for notes in billed.values() for note in notes])
    results: dict[int, tuple[Client, SuperbillData | SuperbillIncomplete]] = {}
    for client_id in client_ids:
        client = clients.get(client_id)
        if client is None:
            raise RecordNotFound("client", client_id)
        try:
            data: SuperbillData | SuperbillIncomplete = build_superbill(
                profile, client, billed.get(client_id, []), ledgers.get(client_id, []), today,
                start=start, end=end, chosen=False, reveal_ssn=reveal_ssn, catalog=catalog)
        except SuperbillIncomplete as incomplete:
            data = incomplete
        results[client_id] = (client, data)
    return results


@dataclass
class _Echo:
    echo: Callable[[str], None]

    def __call__(self, done: int, total: int, name: str) -> bool:
        if name:
            self.echo(f"[{done + 1}/{total}] {name}")
        return True


def cli_batch(
    vault: Vault,
    month: str,
    out_dir: Path,
    now: datetime,
    *,
    password: str | None = None,
    echo: Callable[[str], None] = print,
) -> BatchSummary:
    """``therapist-desk superbills --month 2026-11 OUT_DIR``: run the batch and print a summary.

    ``vault`` is the open vault. The caller maps ``summary.ok`` to the exit code;
    ValidationError (a bad month or password) propagates.
    """
    parse_month(month)  # a typo fails before any work
    summary = batch_superbills(vault.unit_of_work, month, out_dir, now=now, progress=_Echo(echo),
                               password=password)
    for line in summary.describe():
        echo(line)
    return summary
