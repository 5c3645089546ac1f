"""Small factories for fictional test data, and a real, open, encrypted vault to put it in.

Everything here is made up: Faker names with a fixed seed, 555 phone numbers, example.com
addresses and Luhn-valid but invented NPIs. Override any field by keyword::

    client = make_client(legal_last_name="Zoë-Test", date_of_birth=date(2012, 1, 2))
    with new_vault(tmp_path) as vault, vault.unit_of_work() as session:
        saved = clients.create_client(session, client, FIXED_NOW)
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from faker import Faker

from therapist_desk.domain.client import Client, Diagnosis
from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import NoteFormat, TaxIdKind
from therapist_desk.domain.identifiers import npi_check_digit
from therapist_desk.domain.practice import Address, PracticeProfile
from therapist_desk.domain.session import SessionNote
from therapist_desk.services.practice import save_profile
from therapist_desk.services.vault_access import Vault, VaultKey, create_and_open, open_with_key

TEST_PASSPHRASE = "correct horse battery staple"
# A fixed "now" so dates in tests do not depend on the day they run.
FIXED_NOW = datetime(2026, 11, 20, 17, 30)
FAKER_SEED = 20261120

_fake = Faker("en_US")
_fake.seed_instance(FAKER_SEED)
_serial = itertools.count(1)

# The 50 states and DC: Faker's default also yields territories and military codes, which are
# valid but make test output harder to read.
_STATES = ("AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "
           "NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC").split()


def fictional_phone() -> str:
    """A 555-01xx number: reserved for fiction, and valid for our phone check."""
    return f"(555) 555-01{next(_serial) % 100:02d}"


def fictional_npi(first_eight: str | None = None) -> str:
    """A Luhn-valid, invented individual NPI (starts with 1)."""
    body = "1" + (first_eight or f"{_fake.random_number(digits=8, fix_len=True):08d}")
    return body + str(npi_check_digit(body))


def make_profile(**overrides: Any) -> PracticeProfile:
    """A practice profile that passes PracticeProfile.validated()."""
    fields: dict[str, Any] = dict(
        clinician_name="Avery Testwood",
        credentials="LCSW",
        license_number="LCSW-000123",
        license_state="OR",
        rendering_npi="1234567893",  # CMS's worked example of the check digit
        tax_id="12-3456789",
        tax_id_kind=TaxIdKind.EIN,
        practice_name="Testwood Counseling (fictional)",
        address=Address("100 Example Way", "Suite 2", "Portland", "OR", "97201"),
        phone="(503) 555-0100",
        email="office@example.org",
    )
    fields.update(overrides)
    return PracticeProfile(**fields)


def make_client(**overrides: Any) -> Client:
    """An adult client with a billable diagnosis; Faker supplies a fresh fictional name."""
    first, last = _fake.first_name(), _fake.last_name()
    fields: dict[str, Any] = dict(
        legal_first_name=first,
        legal_last_name=last,
        date_of_birth=_fake.date_of_birth(minimum_age=19, maximum_age=80),
        email=f"{_fake.user_name()}{next(_serial)}@example.com",
        phone=fictional_phone(),
        address=Address(_fake.street_address(), "", _fake.city(), _fake.random_element(_STATES),
                        _fake.zipcode()),
        diagnoses=(Diagnosis("F41.1"),),
    )
    fields.update(overrides)
    return Client(**fields)


def make_note(client_id: int, **overrides: Any) -> SessionNote:
    """A complete, signable 50-minute individual session two days before FIXED_NOW."""
    day = overrides.pop("session_date", (FIXED_NOW - timedelta(days=2)).date())
    fields: dict[str, Any] = dict(
        client_id=client_id,
        session_date=day,
        start_time=time(10, 0),
        stop_time=time(10, 50),
        lines=(ServiceLine("90834"),),
        diagnosis_codes=("F41.1",),
        note_format=NoteFormat.SOAP,
        sections=(("Subjective", "Reports fewer worries this week."),
                  ("Plan", "Continue weekly sessions.")),
        interventions=("Cognitive restructuring",),
        risk_assessment="Denies SI/HI.",
    )
    fields.update(overrides)
    return SessionNote(**fields)


# One empty, migrated vault per passphrase per test process; new_vault() copies it. A copy has
# the same salt and key, so it opens without the key stretch and without migrations
# (~10 ms instead of ~0.6 s).
_templates: dict[str, tuple[Path, VaultKey]] = {}


def _template(passphrase: str) -> tuple[Path, VaultKey]:
    if passphrase not in _templates:
        folder = Path(tempfile.mkdtemp(prefix="td-template-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "template.tdvault"
        with create_and_open(path, passphrase) as vault:
            key = vault.key
        _templates[passphrase] = (path, key)
    return _templates[passphrase]


def new_vault(
    folder: Path,
    *,
    passphrase: str = TEST_PASSPHRASE,
    profile: PracticeProfile | bool = True,
    now: datetime = FIXED_NOW,
    from_template: bool = True,
) -> Vault:
    """Open a real encrypted vault at ``folder/vault.tdvault``; close it when done.

    ``profile=True`` saves ``make_profile()``; pass a PracticeProfile to save that one, or
    ``False`` for a vault without a profile. Returns the open ``Vault`` (a context manager).
    By default the vault is a copy of a per-process template (same passphrase, salt and key);
    ``from_template=False`` creates one from scratch, key stretch and migrations included.
    """
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "vault.tdvault"
    if from_template:
        template, key = _template(passphrase)
        shutil.copyfile(template, path)
        os.chmod(path, 0o600)
        vault = open_with_key(path, key)
    else:
        vault = create_and_open(path, passphrase)
    chosen = make_profile() if profile is True else profile
    if isinstance(chosen, PracticeProfile):
        try:
            with vault.unit_of_work() as session:
                save_profile(session, chosen, now)
        except BaseException:
            vault.close()
            raise
    return vault


def days_before(now: datetime, days: int) -> date:
    return (now - timedelta(days=days)).date()
