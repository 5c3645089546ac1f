"""Migrations: a vault built with the first schema upgrades on open, after a backup, keeping every row."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from therapist_desk.store.database import current_revision, head_revision, migrate, open_vault
from therapist_desk.store.vault import create_vault, make_engine

PASSPHRASE = "migrate me 'safely' \\ ö"


def test_first_schema_upgrades_and_keeps_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.tdvault"
    key = create_vault(path, PASSPHRASE)
    engine = make_engine(path, key)
    migrate(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO clients (id, legal_first_name, legal_last_name, preferred_name, pronouns, "
                "date_of_birth, email, phone, address_json, emergency_contact_json, guardian_json, "
                "insurance_json, status, discharge_reason, referral_source, presenting_problem, "
                "prior_treatment, medical_conditions, search_name, sort_name, created_at, updated_at) "
                "VALUES (1, 'Old', 'Row', '', '', '1980-01-01', '', '', '{}', '{}', '{}', '{}', 'active', "
                "'', '', '', '', '', 'old row', 'row old', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO sessions (id, client_id, session_date, service_type, modality, client_location, "
                "place_of_service, primary_cpt, cpt_summary, status, signed_by, created_at, updated_at) "
                "VALUES (7, 1, '2026-01-05', 'individual', 'in_person', 'office', '11', '90834', '90834', "
                "'draft', '', '2026-01-05 00:00:00', '2026-01-05 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO note_bodies (session_id, body_json) VALUES "
                '(7, \'{"sections": [["Subjective", "quokka sighting discussed"]]}\')'
            )
        )
    assert current_revision(engine) == "0001"
    engine.dispose()

    vault = open_vault(path, PASSPHRASE)
    try:
        assert current_revision(vault.engine) == head_revision()
        with vault.reader() as s:
            assert s.execute(text("SELECT legal_last_name FROM clients")).scalar_one() == "Row"
            assert s.execute(text("SELECT count(*) FROM sessions")).scalar_one() == 1
            hits = s.execute(
                text("SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'quokka'")
            ).all()
            assert hits == [(7,)]
    finally:
        vault.close()
    backups = list(tmp_path.glob("old.pre-*.tdvault"))
    assert len(backups) == 1, "an encrypted copy is taken before migrating"
    assert b"quokka" not in backups[0].read_bytes()


def test_new_vault_is_at_head(tmp_path: Path) -> None:
    from therapist_desk.store.database import create_and_open

    vault = create_and_open(tmp_path / "new.tdvault", PASSPHRASE)
    try:
        assert current_revision(vault.engine) == head_revision()
    finally:
        vault.close()
    assert not list(tmp_path.glob("*.pre-*")), "no pre-migration copy of an empty new vault"
