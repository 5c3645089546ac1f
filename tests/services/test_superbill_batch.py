"""The monthly superbill batch: the same superbills as one by one, every file recorded, chunks,
cancel and failures that leave no partial file and no unrecorded one."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest

from tests.export import pdf_text
from tests.services.conftest import NOW
from tests.services.test_superbills import add_client, signed_session
from therapist_desk.domain.client import Diagnosis, Insurance
from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import ClientLocation, LedgerKind, Modality, PaymentMethod
from therapist_desk.domain.ledger import LedgerEntry
from therapist_desk.domain.practice import Address
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import clients, ledger, notes, superbill_batch, superbills
from therapist_desk.services.audit_log import list_events, verify_chain
from therapist_desk.services.vault_access import Vault
from therapist_desk.store.repositories import notes as notes_repo
from therapist_desk.store.repositories.clients import list_client_summaries
from therapist_desk.store.repositories.records import add_ledger_entry, list_disclosures

MONTH = "2026-11"
START, END = date(2026, 11, 1), date(2026, 11, 30)


def a_varied_practice(vault: Vault) -> dict[str, int]:
    """Clients whose superbills exercise every part of assembling: several lines and codes,
    modifiers, telehealth, payments tied to a session or not, adjustments and write-offs in and
    out of the month, drafts, a discharged client, a code only the code set knows, the incomplete."""
    ids = {
        "many": add_client(vault, legal_first_name="Ada", legal_last_name="Alpha"),
        "tele": add_client(vault, legal_first_name="Bo", legal_last_name="Beta",
                           insurance=Insurance(payer="Plan B", member_id="M-2", group_id="")),
        "bare": add_client(vault, legal_first_name="Cy", legal_last_name="Gamma", diagnoses=(),
                           insurance=Insurance()),
        "no_address": add_client(vault, legal_first_name="Di", legal_last_name="Delta", address=Address()),
        "discharged": add_client(vault, legal_first_name="Ed", legal_last_name="Epsilon",
                                 diagnoses=(Diagnosis("F43.10"), Diagnosis("F41.1"))),
        "drafts": add_client(vault, legal_first_name="Flo", legal_last_name="Zeta"),
    }
    many = ids["many"]
    first = signed_session(vault, many, date(2026, 11, 3), codes=("F33.1", "F41.1"),
                           lines=(ServiceLine("90834"), ServiceLine("96127", 2)))
    signed_session(vault, many, date(2026, 11, 3), start_time=time(15), stop_time=time(15, 30),
                   lines=(ServiceLine("96127"),), codes=("F41.1",))
    signed_session(vault, many, date(2026, 11, 17), codes=("F43.10", "F33.1", "F41.1"))
    signed_session(vault, many, date(2026, 10, 27))  # the month before
    signed_session(vault, ids["tele"], date(2026, 11, 10), lines=(ServiceLine("90837", 1, ("95",)),),
                   modality=Modality.VIDEO, client_location=ClientLocation.HOME, place_of_service="10",
                   start_time=time(9), stop_time=time(10))
    signed_session(vault, ids["bare"], date(2026, 11, 12), codes=("F40.10",))  # from the code set
    signed_session(vault, ids["no_address"], date(2026, 11, 12))
    signed_session(vault, ids["discharged"], date(2026, 11, 2), codes=("F41.1", "F43.10"))
    with vault.unit_of_work() as s:
        clients.discharge_client(s, ids["discharged"], date(2026, 11, 20), "Goals met", NOW)
        notes.save_note(s, SessionNote(client_id=ids["drafts"], session_date=date(2026, 11, 2)), NOW)
        ledger.record_payment(s, many, date(2026, 11, 5), "100.00", PaymentMethod.CARD, NOW)
        ledger.record_payment(s, many, date(2026, 10, 2), "999.00", PaymentMethod.CASH, NOW)  # outside
        ledger.record_adjustment(s, many, date(2026, 11, 19), "15.00", NOW)
        ledger.record_write_off(s, many, date(2026, 10, 31), "5.00", NOW)  # outside
        # A payment dated outside the month but tied to a session on the superbill counts.
        add_ledger_entry(s, LedgerEntry(many, LedgerKind.PAYMENT, date(2026, 10, 30), Decimal("40.00"),
                                        PaymentMethod.CHECK, session_id=first), NOW)
        ledger.record_payment(s, ids["tele"], date(2026, 11, 10), "180.00", PaymentMethod.CARD, NOW)
    return ids


def test_the_batch_assembles_the_same_superbills_as_one_at_a_time(vault: Vault) -> None:
    ids = a_varied_practice(vault)
    with vault.reader() as s:
        candidates = superbill_batch.clients_with_signed_sessions(s, START, END)
        month = superbill_batch._assemble_month(s, [cid for cid, _ in candidates], START, END, NOW.date())
        for cid, _name in candidates:
            client, batched = month[cid]
            try:
                alone: object = superbills.assemble_superbill(s, cid, NOW.date(), start=START, end=END)
            except superbills.SuperbillIncomplete as refused:
                assert isinstance(batched, superbills.SuperbillIncomplete), cid
                assert batched.items == refused.items
                continue
            assert batched == alone, cid
            assert superbills.superbill_filename(client, START, END).endswith(f"_c{cid}.pdf")
    made = {cid for cid, (_, data) in month.items() if isinstance(data, superbills.SuperbillData)}
    assert made == {ids["many"], ids["tele"], ids["bare"], ids["discharged"]}
    many = month[ids["many"]][1]
    assert isinstance(many, superbills.SuperbillData)
    assert (many.total_charge, many.amount_paid, many.adjustments) == (
        Decimal("310.00"), Decimal("140.00"), Decimal("15.00"))


def test_clients_with_signed_sessions_lists_every_status_in_the_list_order(vault: Vault) -> None:
    ids = a_varied_practice(vault)
    with vault.reader() as s:
        found = superbill_batch.clients_with_signed_sessions(s, START, END)
        # What the former client-by-client loop gave, in the same order.
        expected = [(c.id, c.display_name) for c in list_client_summaries(s)
                    if any(x.status.value == "signed" for x in
                           notes_repo.list_session_summaries(s, c.id, since=START, until=END))]
        assert superbill_batch.clients_with_signed_sessions(s, date(2001, 1, 1), date(2001, 1, 31)) == []
    assert found == expected
    assert ids["discharged"] in {cid for cid, _ in found} and ids["drafts"] not in {cid for cid, _ in found}


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_every_superbill_made_is_recorded_across_chunks(vault: Vault, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(superbill_batch, "BATCH_CHUNK", 2)  # four made: two chunks, two transactions
    ids = a_varied_practice(vault)
    out = tmp_path / "out"
    summary = superbill_batch.batch_superbills(vault.unit_of_work, MONTH, out, now=NOW)
    made = {item.client_id for item in summary.made}
    assert made == {ids["many"], ids["tele"], ids["bare"], ids["discharged"]}
    assert [item.client_id for item in summary.skipped] == [ids["no_address"]]
    assert files_in(out) == sorted(item.path.name for item in summary.made if item.path)
    with vault.reader() as s:
        events = list_events(s, action="export.superbill")
        assert sorted(e.client_id for e in events) == sorted(made)
        for cid in made:
            (disclosure,) = list_disclosures(s, cid)
            assert disclosure.disclosed_on == NOW.date()
            assert any(e.record_id == disclosure.id for e in events)
        assert list_disclosures(s, ids["no_address"]) == []
        assert verify_chain(s) == []
    text = pdf_text((out / f"superbill_2026-11_Alpha_Ada_c{ids['many']}.pdf").read_bytes())
    assert "Total charges $310.00" in text and "Adjustments -$15.00" in text and "10/27/2026" not in text


def test_cancel_keeps_what_was_made_and_leaves_nothing_else(vault: Vault, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(superbill_batch, "BATCH_CHUNK", 3)
    ids = a_varied_practice(vault)
    out = tmp_path / "out"
    asked: list[int] = []

    def progress(done: int, total: int, name: str) -> bool:
        asked.append(done)
        return done < 2  # cancel before the third client

    summary = superbill_batch.batch_superbills(vault.unit_of_work, MONTH, out, now=NOW, progress=progress)
    assert summary.cancelled and asked == [0, 1, 2]
    assert len(summary.made) == 2, "rendered before the cancel: recorded and kept"
    assert files_in(out) == sorted(item.path.name for item in summary.made if item.path)
    with vault.reader() as s:
        assert len(list_events(s, action="export.superbill")) == 2
    assert ids


def test_a_file_that_cannot_be_written_leaves_its_chunk_unrecorded_and_no_partial_file(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(superbill_batch, "BATCH_CHUNK", 2)
    a_varied_practice(vault)
    real = superbill_batch.write_temp
    calls: list[Path] = []

    def disk_full_on_the_third(pdf: bytes, path: Path, *, password: str | None = None) -> Path:
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(pdf, path, password=password)

    monkeypatch.setattr(superbill_batch, "write_temp", disk_full_on_the_third)
    out = tmp_path / "out"
    with pytest.raises(OSError, match="No space"):
        superbill_batch.batch_superbills(vault.unit_of_work, MONTH, out, now=NOW)
    assert files_in(out) == sorted(p.name for p in calls[:2]), "the first chunk only; no .part file"
    with vault.reader() as s:
        assert len(list_events(s, action="export.superbill")) == 2


def test_a_failed_commit_publishes_nothing_of_its_chunk(vault: Vault, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(superbill_batch, "BATCH_CHUNK", 2)
    a_varied_practice(vault)
    real = superbill_batch.record_superbill_disclosure
    recorded: list[int] = []

    def fails_in_the_second_chunk(*args: object, **kwargs: object) -> int:
        recorded.append(1)
        if len(recorded) == 4:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(superbill_batch, "record_superbill_disclosure", fails_in_the_second_chunk)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        superbill_batch.batch_superbills(vault.unit_of_work, MONTH, out, now=NOW)
    assert len(files_in(out)) == 2 and not any(name.endswith(".part") for name in files_in(out))
    with vault.reader() as s:
        assert len(list_events(s, action="export.superbill")) == 2, "the second chunk rolled back whole"


def test_the_folder_is_synced_once_after_every_rename(vault: Vault, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Each file is fsynced before its rename; the renames of all chunks are made durable by one
    folder sync at the end (also when a later chunk fails), not one per chunk."""
    monkeypatch.setattr(superbill_batch, "BATCH_CHUNK", 2)
    a_varied_practice(vault)
    events: list[str] = []
    real_publish, real_sync = superbill_batch.publish, superbill_batch.fsync_folder
    monkeypatch.setattr(superbill_batch, "publish",
                        lambda temp, path: (events.append("rename"), real_publish(temp, path))[1])
    monkeypatch.setattr(superbill_batch, "fsync_folder",
                        lambda folder: (events.append(f"sync {folder.name}"), real_sync(folder))[1])
    superbill_batch.batch_superbills(vault.unit_of_work, MONTH, tmp_path / "out", now=NOW)
    assert events == ["rename"] * 4 + ["sync out"]

    events.clear()
    real_record = superbill_batch.record_superbill_disclosure
    recorded: list[int] = []

    def fails_in_the_second_chunk(*args: object, **kwargs: object) -> int:
        recorded.append(1)
        if len(recorded) == 4:
            raise RuntimeError("database went away")
        return real_record(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(superbill_batch, "record_superbill_disclosure", fails_in_the_second_chunk)
    with pytest.raises(RuntimeError):
        superbill_batch.batch_superbills(vault.unit_of_work, MONTH, tmp_path / "again", now=NOW)
    assert events == ["rename"] * 2 + ["sync again"], "the first chunk's renames made durable"


def test_password_protected_batch(vault: Vault, tmp_path: Path) -> None:
    cid = add_client(vault)
    signed_session(vault, cid, date(2026, 11, 12))
    summary = superbill_batch.batch_superbills(vault.unit_of_work, MONTH, tmp_path / "out", now=NOW,
                                               password="a long password")
    (item,) = summary.made
    assert item.path is not None
    assert "11/12/2026" in pdf_text(item.path.read_bytes(), password="a long password")
    with vault.reader() as s:
        (event_,) = list_events(s, action="export.superbill")
    assert "encrypted=1" in event_.detail


def test_the_batch_never_reads_psychotherapy_notes_nor_note_text(vault: Vault, tmp_path: Path) -> None:
    from sqlalchemy import event

    from tests.services.test_superbills import NOTE_MARKER, PSYCHOTHERAPY_MARKER

    a_varied_practice(vault)
    statements: list[str] = []

    def spy(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(vault.engine, "before_cursor_execute", spy)
    try:
        summary = superbill_batch.batch_superbills(vault.unit_of_work, MONTH, tmp_path / "out", now=NOW)
    finally:
        event.remove(vault.engine, "before_cursor_execute", spy)
    assert statements and not any("psychotherapy_notes" in st for st in statements)
    for item in summary.made:
        assert item.path is not None
        text = pdf_text(item.path.read_bytes())
        assert PSYCHOTHERAPY_MARKER not in text and NOTE_MARKER not in text

