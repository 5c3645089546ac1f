"""The demo vault: fictional, valid through the real services, deterministic, and rich enough to show every screen."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from therapist_desk.domain.enums import ClientStatus, Instrument, LedgerKind, NoteFormat, ReleaseKind
from therapist_desk.domain.icd10 import Icd10Catalog
from therapist_desk.domain.identifiers import validate_ein, validate_npi
from therapist_desk.domain.ledger import LedgerEntry
from therapist_desk.domain.measures import MeasureResult
from therapist_desk.domain.plan import TreatmentPlan
from therapist_desk.domain.client import Client
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import audit_log, clients, demo, ledger, measures, notes, plans, practice
from therapist_desk.services.common import ActionRefused
from therapist_desk.services.vault_access import Vault
from therapist_desk.store.repositories.records import list_disclosures
from tests.factories import make_client, new_vault

TODAY = date(2026, 3, 4)  # a Wednesday


@dataclass
class Snapshot:
    summary: demo.DemoSummary
    clients: list[Client]
    notes: dict[int, list[SessionNote]]
    measures: dict[int, list[MeasureResult]]
    plans: dict[int, list[TreatmentPlan]]
    ledger: dict[int, list[LedgerEntry]]
    disclosures: int
    private_notes: int
    chain_breaks: list[int]
    practice_name: str
    npi: str
    ein: str


def _snapshot(vault: Vault, summary: demo.DemoSummary) -> Snapshot:
    with vault.reader() as s:
        client_list = [clients.get_client(s, c.id) for c in clients.list_clients(s)]
        ids = [c.id for c in client_list if c.id is not None]
        note_map = {cid: [notes.get_note(s, n.id) for n in notes.list_notes(s, cid)] for cid in ids}
        profile = practice.get_profile(s)
        assert profile is not None
        return Snapshot(
            summary=summary,
            clients=client_list,
            notes=note_map,
            measures={cid: measures.list_measures(s, cid) for cid in ids},
            plans={cid: plans.plan_versions(s, cid) for cid in ids},
            ledger={cid: ledger.client_ledger(s, cid) for cid in ids},
            disclosures=sum(len(list_disclosures(s, cid)) for cid in ids),
            private_notes=sum(1 for cid in ids for n in note_map[cid]
                              if notes.get_psychotherapy_note(s, n.id or 0)),  # type: ignore[misc]
            chain_breaks=audit_log.verify_chain(s),
            practice_name=profile.practice_name,
            npi=profile.rendering_npi,
            ein=profile.tax_id,
        )


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshot]:
    """One demo vault for every read-only test here (populating takes ~2 s)."""
    with new_vault(tmp_path_factory.mktemp("demo"), profile=False) as vault:
        summary = demo.populate_demo(vault, seed=demo.DEFAULT_SEED, clients=12, today=TODAY)
        yield _snapshot(vault, summary)


def test_everything_is_clearly_fictional(demo_data: Snapshot) -> None:
    assert "fictional" in demo_data.practice_name
    validate_npi(demo_data.npi)
    validate_ein(demo_data.ein)
    assert len(demo_data.clients) == 12 == demo_data.summary.clients
    for client in demo_data.clients:
        assert demo.REFERRAL_MARK in client.referral_source
        assert client.legal_last_name in demo.SURNAMES
        assert client.email.endswith("@example.com")
        assert client.phone.startswith("(555) 555-")
    assert len({c.legal_name for c in demo_data.clients}) == 12


def test_diagnoses_are_billable_codes(demo_data: Snapshot) -> None:
    catalog = Icd10Catalog.default()
    codes = {d.code for c in demo_data.clients for d in c.diagnoses}
    assert {"F41.1", "F32.1", "F43.23", "F43.10"} <= codes
    for code in codes:
        catalog.validate_billable(code)
    assert all(d.title and d.code_set_release for c in demo_data.clients for d in c.diagnoses)


def test_sessions_notes_and_charges(demo_data: Snapshot) -> None:
    all_notes = [n for ns in demo_data.notes.values() for n in ns]
    assert len(all_notes) == demo_data.summary.sessions >= 80
    earliest = min(n.session_date for n in all_notes)
    assert TODAY - timedelta(days=130) <= earliest <= TODAY - timedelta(days=100)
    assert all(n.session_date < TODAY for n in all_notes)
    assert {n.note_format for n in all_notes} >= {NoteFormat.SOAP, NoteFormat.DAP, NoteFormat.BIRP,
                                                   NoteFormat.GIRP}
    signed = [n for n in all_notes if n.is_signed]
    drafts = [n for n in all_notes if not n.is_signed]
    assert len(signed) == demo_data.summary.signed and len(drafts) == demo_data.summary.drafts
    assert len(drafts) >= 2
    stale = [n for n in drafts if n.session_date <= TODAY - timedelta(days=3)]
    assert len(stale) == 1, "exactly one draft is older than 48 hours"
    assert {"90791", "90834", "90837", "90839", "90840", "90847", "96127", "90785"} <= {
        line.cpt for n in signed for line in n.lines}
    assert any("95" in line.modifiers for n in signed for line in n.lines)
    assert any(n.addenda for n in signed)
    charges = [e for es in demo_data.ledger.values() for e in es if e.kind is LedgerKind.CHARGE]
    assert len(charges) == sum(len(n.lines) for n in signed)
    assert sum(e.amount for e in charges) == sum(n.fee or 0 for n in signed)
    payments = [e for es in demo_data.ledger.values() for e in es if e.kind is LedgerKind.PAYMENT]
    assert len(payments) == demo_data.summary.payments > 0
    balances = [sum(e.signed_amount for e in es) for es in demo_data.ledger.values()]
    assert all(b >= 0 for b in balances) and any(b > 0 for b in balances)


def test_measures_include_a_positive_item_9_with_a_signed_risk_assessment(demo_data: Snapshot) -> None:
    results = [m for ms in demo_data.measures.values() for m in ms]
    assert len(results) == demo_data.summary.measures
    assert {m.instrument for m in results} == {Instrument.PHQ9, Instrument.GAD7}
    assert all(m.complete for m in results)
    positive = [m for m in results if m.item9_positive]
    assert len(positive) == 1
    (note,) = [n for ns in demo_data.notes.values() for n in ns if n.id == positive[0].session_id]
    assert note.is_signed and "item 9" in note.risk_assessment


def test_plans_signed_with_one_review_overdue(demo_data: Snapshot) -> None:
    current = {cid: versions[-1] for cid, versions in demo_data.plans.items() if versions}
    assert len(current) == 12
    assert all(p.is_signed for versions in demo_data.plans.values() for p in versions)
    assert any(len(versions) > 1 for versions in demo_data.plans.values()), "a review made a version 2"
    active = {c.id for c in demo_data.clients if c.status is ClientStatus.ACTIVE}
    overdue = [cid for cid, p in current.items()
               if cid in active and p.review_due is not None and p.review_due < TODAY]
    assert len(overdue) == 1
    assert sum(len(v) for v in demo_data.plans.values()) == demo_data.summary.plans


def test_releases_disclosures_discharge_minor_and_audit(demo_data: Snapshot) -> None:
    kinds = {r.kind for c in demo_data.clients for r in c.releases}
    assert {ReleaseKind.TREATING_PROVIDER, ReleaseKind.SCHOOL} <= kinds
    assert demo_data.disclosures == 2
    assert [c.status for c in demo_data.clients].count(ClientStatus.DISCHARGED) == 1
    minors = [c for c in demo_data.clients if c.is_minor(TODAY)]
    assert len(minors) == 1 and minors[0].guardian.name
    assert demo_data.private_notes == demo_data.summary.psychotherapy_notes > 0
    assert demo_data.chain_breaks == []


def test_same_seed_same_data_other_seed_other_data(tmp_path: Path) -> None:
    def names_and_notes(folder: Path, seed: int) -> tuple[object, ...]:
        with new_vault(folder, profile=False) as vault:
            demo.populate_demo(vault, seed=seed, clients=3, today=TODAY)
            snap = _snapshot(vault, demo.DemoSummary())
        return (snap.npi, [(c.legal_name, c.date_of_birth) for c in snap.clients],
                [(n.session_date, n.sections, n.lines) for ns in snap.notes.values() for n in ns],
                [m.answers for ms in snap.measures.values() for m in ms])

    first = names_and_notes(tmp_path / "a", 7)
    assert first == names_and_notes(tmp_path / "b", 7)
    assert first != names_and_notes(tmp_path / "c", 8)


def test_refuses_a_vault_that_is_not_empty(tmp_path: Path) -> None:
    with new_vault(tmp_path / "data") as vault:
        with pytest.raises(ActionRefused):
            demo.populate_demo(vault, clients=2, today=TODAY)
        with vault.reader() as s:
            assert clients.list_clients(s) == []
    with new_vault(tmp_path / "other", profile=False) as vault:
        with vault.unit_of_work() as s:
            clients.create_client(s, make_client(), datetime(2026, 1, 1, 9))
        with pytest.raises(ActionRefused):
            demo.populate_demo(vault, clients=2, today=TODAY)


def test_one_client_works(tmp_path: Path) -> None:
    with new_vault(tmp_path, profile=False) as vault:
        summary = demo.populate_demo(vault, clients=1, today=TODAY)
    assert summary.clients == 1 and summary.sessions > 5
