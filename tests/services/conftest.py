"""Fixtures for service tests: a real, freshly created encrypted vault with a practice profile."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from therapist_desk.domain.client import Client, Diagnosis
from therapist_desk.domain.practice import Address, PracticeProfile
from therapist_desk.services.clients import create_client
from therapist_desk.services.practice import save_profile
from therapist_desk.services.vault_access import Vault, create_and_open

TEST_PASSPHRASE = "correct horse battery staple"
NOW = datetime(2026, 11, 20, 17, 30)


def valid_profile(**overrides: object) -> PracticeProfile:
    fields: dict[str, object] = dict(
        clinician_name="Avery Testwood",
        credentials="LCSW",
        license_number="LCSW-000123",
        license_state="OR",
        rendering_npi="1234567893",
        tax_id="12-3456789",
        practice_name="Testwood Counseling (fictional)",
        address=Address("100 Example Way", "Suite 2", "Portland", "OR", "97201"),
        phone="503-555-0100",
        email="office@example.org",
    )
    fields.update(overrides)
    return PracticeProfile(**fields)  # type: ignore[arg-type]


def valid_client(**overrides: object) -> Client:
    fields: dict[str, object] = dict(
        legal_first_name="Robin",
        legal_last_name="Fictionalson",
        date_of_birth=date(1988, 3, 14),
        email="robin@example.org",
        diagnoses=(Diagnosis("F41.1"),),
    )
    fields.update(overrides)
    return Client(**fields)  # type: ignore[arg-type]


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    opened = create_and_open(tmp_path / "vault.tdvault", TEST_PASSPHRASE)
    with opened.unit_of_work() as session:
        save_profile(session, valid_profile(), NOW)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def client_id(vault: Vault) -> int:
    """One client (valid_client) saved in ``vault``: what a note needs before it can be saved."""
    with vault.unit_of_work() as session:
        created = create_client(session, valid_client(), NOW)
    assert created.id is not None
    return created.id
