"""clients.create_client and notes.save_note on a real vault, fed arbitrary fields: each call either
saves, or raises ValidationError(s) naming fields, and then not one row anywhere has changed."""

from __future__ import annotations

import string
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.factories import FIXED_NOW, make_client, new_vault
from therapist_desk.domain.client import Client, Contact, Diagnosis, Insurance
from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import ClientLocation, Modality, ServiceType
from therapist_desk.domain.errors import ValidationError, ValidationErrors
from therapist_desk.domain.practice import Address
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import clients, notes
from therapist_desk.services.vault_access import Vault

PROPS = settings(max_examples=30, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TODAY = FIXED_NOW.date()


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    with new_vault(Path(tmp_path_factory.mktemp("props"))) as opened:
        yield opened


@pytest.fixture(scope="module")
def client_id(vault: Vault) -> int:
    with vault.unit_of_work() as session:
        saved = clients.create_client(session, make_client(), FIXED_NOW)
    assert saved.id is not None
    return saved.id


def row_counts(vault: Vault) -> dict[str, int]:
    """Rows in every table of the vault (FTS shadow tables and the audit log included)."""
    with vault.engine.connect() as conn:
        names = [row[0] for row in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))]
        return {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                for name in names}


def _fields_of(error: ValidationError | ValidationErrors) -> tuple[str, ...]:
    return error.fields if isinstance(error, ValidationErrors) else (error.field,)


def _assert_named(error: ValidationError | ValidationErrors) -> None:
    fields = _fields_of(error)
    assert fields and all(isinstance(f, str) and f.strip() for f in fields)
    items = error.errors if isinstance(error, ValidationErrors) else (error,)
    assert all(item.message.strip() for item in items)


# --- strategies ---------------------------------------------------------------------------------

TEXT = st.one_of(st.just(""), st.just("   "), st.text(max_size=30),
                 st.text(alphabet=string.ascii_letters + " '-", min_size=1, max_size=20))
DATES = st.dates(min_value=date(1850, 1, 1), max_value=date(2035, 12, 31))
OPTIONAL_DATES = st.none() | DATES
CODES = st.one_of(st.sampled_from(["F41.1", "f411", "F32.9", "F43.23", "F43.8", "Z63.0", "F32.A",
                                   "F41", "XYZ", "", "F41.1 "]), st.text(max_size=8))
PHONES = st.one_of(st.just(""), st.just("503-555-0100"), st.text(max_size=15))
EMAILS = st.one_of(st.just(""), st.just("someone@example.org"), st.text(max_size=20))


VALID_CLIENT = Client(
    legal_first_name="Robin", legal_last_name="Fictionalson", date_of_birth=date(1988, 3, 14),
    email="robin@example.org", phone="(503) 555-0101",
    address=Address("1 Example Way", "", "Portland", "OR", "97201"),
    insurance=Insurance("Imaginary Health", "ABC123", "G1"),
    intake_date=date(2026, 1, 5), diagnoses=(Diagnosis("F41.1"),),
)
# A wild value for each field; a drawn handful replaces the valid client's, the rest stay valid,
# so some examples save and the others each fail for a few known reasons.
CLIENT_MUTATIONS: dict[str, st.SearchStrategy[object]] = {
    "legal_first_name": TEXT,
    "legal_last_name": TEXT,
    "preferred_name": TEXT,
    "date_of_birth": DATES,
    "email": EMAILS,
    "phone": PHONES,
    "address": st.builds(Address, TEXT, TEXT, TEXT,
                         st.sampled_from(["", "OR", "or", "XX", "Oregon"]) | TEXT,
                         st.sampled_from(["", "97201", "9720", "97201-1234"]) | TEXT),
    "guardian": st.builds(Contact, TEXT, TEXT, PHONES, EMAILS),
    "emergency_contact": st.builds(Contact, TEXT, TEXT, PHONES, EMAILS),
    "insurance": st.builds(Insurance, TEXT, TEXT, TEXT, st.none() | st.integers(-5, 400),
                           TEXT, st.none() | st.integers(-5, 400), OPTIONAL_DATES, OPTIONAL_DATES),
    "intake_date": OPTIONAL_DATES,
    "status_since": OPTIONAL_DATES,
    "presenting_problem": st.text(),
    "diagnoses": st.lists(CODES, max_size=14).map(lambda codes: tuple(Diagnosis(c) for c in codes)),
}


@st.composite
def any_client(draw: st.DrawFn) -> Client:
    changed = draw(st.lists(st.sampled_from(sorted(CLIENT_MUTATIONS)), max_size=3, unique=True))
    return replace(VALID_CLIENT, **{name: draw(CLIENT_MUTATIONS[name]) for name in changed})


# --- clients ------------------------------------------------------------------------------------


@PROPS
@given(client=any_client())
def test_create_client_saves_whole_or_not_at_all(vault: Vault, client: Client) -> None:
    before = row_counts(vault)
    try:
        with vault.unit_of_work() as session:
            saved = clients.create_client(session, client, FIXED_NOW)
    except (ValidationError, ValidationErrors) as error:
        _assert_named(error)
        assert row_counts(vault) == before, "a refused client left rows behind"
        event("refused")
        return
    event("saved")
    after = row_counts(vault)
    assert after["clients"] == before["clients"] + 1
    assert after["client_diagnoses"] == before["client_diagnoses"] + len(saved.diagnoses)
    assert after["audit_events"] == before["audit_events"] + 1
    # What was saved is what validation allowed: names present, every diagnosis billable.
    assert saved.legal_first_name.strip() and saved.legal_last_name.strip()
    assert saved.date_of_birth <= TODAY
    assert all(d.title and d.code_set_release for d in saved.diagnoses)


# --- notes --------------------------------------------------------------------------------------

TIMES = st.none() | st.times().map(lambda t: t.replace(second=0, microsecond=0))


@st.composite
def any_line(draw: st.DrawFn) -> tuple[str, int, tuple[str, ...]]:
    cpt = draw(st.sampled_from(["90834", "90837", "96127", "9083", "ABCDE", "90834 "]) | TEXT)
    units = draw(st.integers(-2, 8))
    modifiers = tuple(draw(st.lists(st.sampled_from(["95", "93", "GT", "9", "XYZ", ""]), max_size=5)))
    return cpt, units, modifiers


@PROPS
@given(
    session_date=st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)),
    start=TIMES, stop=TIMES,
    sections=st.lists(st.tuples(st.sampled_from(["Subjective", "Objective", "Plan"]), st.text()),
                      max_size=3),
    lines=st.lists(any_line(), max_size=3),
    platform=TEXT, risk=st.text(),
    modality=st.sampled_from(Modality), location=st.sampled_from(ClientLocation),
    service=st.sampled_from(ServiceType),
)
def test_save_note_saves_whole_or_not_at_all(
    vault: Vault, client_id: int, session_date: date, start: time | None, stop: time | None,
    sections: list[tuple[str, str]], lines: list[tuple[str, int, tuple[str, ...]]], platform: str,
    risk: str, modality: Modality, location: ClientLocation, service: ServiceType,
) -> None:
    before = row_counts(vault)
    try:
        # Building the lines is part of the input check: ServiceLine refuses a bad code itself.
        service_lines = tuple(ServiceLine(cpt, units, mods) for cpt, units, mods in lines)
        note = SessionNote(client_id=client_id, session_date=session_date, start_time=start,
                           stop_time=stop, service_type=service, modality=modality,
                           client_location=location, telehealth_platform=platform,
                           lines=service_lines, sections=tuple(sections), risk_assessment=risk)
        with vault.unit_of_work() as session:
            saved = notes.save_note(session, note, FIXED_NOW)
    except (ValidationError, ValidationErrors) as error:
        _assert_named(error)
        assert row_counts(vault) == before, "a refused note left rows behind"
        event("refused")
        return
    event("saved")
    after = row_counts(vault)
    assert after["sessions"] == before["sessions"] + 1
    assert after["audit_events"] == before["audit_events"] + 1
    assert saved.session_date <= TODAY
    assert not (start and stop and stop <= start)
    with vault.reader() as session:
        again = notes.get_note(session, saved.id)  # type: ignore[arg-type]
    assert again.sections == tuple(sections) and again.risk_assessment == risk


def test_save_note_refuses_a_malformed_diagnosis_code(vault: Vault, client_id: int) -> None:
    before = row_counts(vault)
    note = SessionNote(client_id=client_id, session_date=date(2026, 11, 18),
                       diagnosis_codes=("not a code!",))
    with pytest.raises((ValidationError, ValidationErrors)), vault.unit_of_work() as session:
        notes.save_note(session, note, FIXED_NOW)
    assert row_counts(vault) == before
