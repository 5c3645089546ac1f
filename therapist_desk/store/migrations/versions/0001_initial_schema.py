"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-24 05:27:09.348383
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('record_type', sa.String(length=50), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_client_id'), ['client_id'], unique=False)

    op.create_table('clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('legal_first_name', sa.String(length=100), nullable=False),
    sa.Column('legal_last_name', sa.String(length=100), nullable=False),
    sa.Column('preferred_name', sa.String(length=100), nullable=False),
    sa.Column('pronouns', sa.String(length=50), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('address_json', sa.Text(), nullable=False),
    sa.Column('emergency_contact_json', sa.Text(), nullable=False),
    sa.Column('guardian_json', sa.Text(), nullable=False),
    sa.Column('insurance_json', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_since', sa.Date(), nullable=True),
    sa.Column('discharge_reason', sa.Text(), nullable=False),
    sa.Column('referral_source', sa.String(length=200), nullable=False),
    sa.Column('intake_date', sa.Date(), nullable=True),
    sa.Column('presenting_problem', sa.Text(), nullable=False),
    sa.Column('prior_treatment', sa.Text(), nullable=False),
    sa.Column('medical_conditions', sa.Text(), nullable=False),
    sa.Column('default_note_format', sa.String(length=10), nullable=True),
    sa.Column('search_name', sa.String(length=300), nullable=False),
    sa.Column('sort_name', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clients_search_name'), ['search_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_clients_status'), ['status'], unique=False)
        batch_op.create_index('ix_clients_status_sort', ['status', 'sort_name'], unique=False)

    op.create_table('drafts',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('practice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinician_name', sa.String(length=200), nullable=False),
    sa.Column('credentials', sa.String(length=100), nullable=False),
    sa.Column('license_number', sa.String(length=50), nullable=False),
    sa.Column('license_state', sa.String(length=2), nullable=False),
    sa.Column('rendering_npi', sa.String(length=10), nullable=False),
    sa.Column('tax_id', sa.String(length=9), nullable=False),
    sa.Column('tax_id_kind', sa.String(length=3), nullable=False),
    sa.Column('practice_name', sa.String(length=200), nullable=False),
    sa.Column('practice_npi', sa.String(length=10), nullable=False),
    sa.Column('address_json', sa.Text(), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('fee_schedule_json', sa.Text(), nullable=False),
    sa.Column('signature_png', sa.LargeBinary(), nullable=True),
    sa.Column('default_note_format', sa.String(length=10), nullable=False),
    sa.Column('default_session_minutes', sa.Integer(), nullable=False),
    sa.Column('plan_review_days', sa.Integer(), nullable=False),
    sa.Column('idle_lock_minutes', sa.Integer(), nullable=False),
    sa.Column('backups_to_keep', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('client_diagnoses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('code_set_release', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id', 'code')
    )
    with op.batch_alter_table('client_diagnoses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_diagnoses_client_id'), ['client_id'], unique=False)

    op.create_table('client_medications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('dose', sa.String(length=200), nullable=False),
    sa.Column('prescriber', sa.String(length=200), nullable=False),
    sa.Column('prescriber_phone', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('client_medications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_medications_client_id'), ['client_id'], unique=False)

    op.create_table('releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('recipient_name', sa.String(length=200), nullable=False),
    sa.Column('recipient_address', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_releases_client_id'), ['client_id'], unique=False)

    op.create_table('sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('session_date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=True),
    sa.Column('stop_time', sa.Time(), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('service_type', sa.String(length=30), nullable=False),
    sa.Column('modality', sa.String(length=20), nullable=False),
    sa.Column('client_location', sa.String(length=20), nullable=False),
    sa.Column('place_of_service', sa.String(length=2), nullable=False),
    sa.Column('primary_cpt', sa.String(length=5), nullable=False),
    sa.Column('cpt_summary', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('signed_by', sa.String(length=300), nullable=False),
    sa.Column('fee_cents', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.create_index('ix_sessions_client_date', ['client_id', 'session_date'], unique=False)
        batch_op.create_index('ix_sessions_status_date', ['status', 'session_date'], unique=False)

    op.create_table('treatment_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('review_due', sa.Date(), nullable=True),
    sa.Column('document_json', sa.Text(), nullable=False),
    sa.Column('participation', sa.String(length=20), nullable=True),
    sa.Column('participation_note', sa.Text(), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('signed_by', sa.String(length=300), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id', 'version')
    )
    with op.batch_alter_table('treatment_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_treatment_plans_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_treatment_plans_is_current'), ['is_current'], unique=False)
        batch_op.create_index(batch_op.f('ix_treatment_plans_review_due'), ['review_due'], unique=False)

    op.create_table('addenda',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('written_at', sa.DateTime(), nullable=False),
    sa.Column('signed_by', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('addenda', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_addenda_session_id'), ['session_id'], unique=False)

    op.create_table('disclosures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('disclosed_on', sa.Date(), nullable=False),
    sa.Column('recipient', sa.String(length=300), nullable=False),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('disclosures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosures_client_id'), ['client_id'], unique=False)

    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=True),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('memo', sa.Text(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('cpt', sa.String(length=5), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_client_date', ['client_id', 'entry_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_session_id'), ['session_id'], unique=False)

    op.create_table('measures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('instrument', sa.String(length=10), nullable=False),
    sa.Column('administered_on', sa.Date(), nullable=False),
    sa.Column('answers_json', sa.Text(), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('band', sa.String(length=40), nullable=True),
    sa.Column('item9_positive', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.create_index('ix_measures_client_instrument_date', ['client_id', 'instrument', 'administered_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_measures_session_id'), ['session_id'], unique=False)

    op.create_table('note_bodies',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('body_json', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id')
    )
    op.create_table('psychotherapy_notes',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id')
    )
    op.create_table('session_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('cpt', sa.String(length=5), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('modifiers', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('session_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_lines_session_id'), ['session_id'], unique=False)

    op.create_table('session_objective_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('objective_key', sa.String(length=32), nullable=False),
    sa.Column('rating', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('session_objective_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_objective_links_objective_key'), ['objective_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_objective_links_session_id'), ['session_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('session_objective_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_objective_links_session_id'))
        batch_op.drop_index(batch_op.f('ix_session_objective_links_objective_key'))

    op.drop_table('session_objective_links')
    with op.batch_alter_table('session_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_lines_session_id'))

    op.drop_table('session_lines')
    op.drop_table('psychotherapy_notes')
    op.drop_table('note_bodies')
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measures_session_id'))
        batch_op.drop_index('ix_measures_client_instrument_date')

    op.drop_table('measures')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entries_session_id'))
        batch_op.drop_index('ix_ledger_client_date')

    op.drop_table('ledger_entries')
    with op.batch_alter_table('disclosures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosures_client_id'))

    op.drop_table('disclosures')
    with op.batch_alter_table('addenda', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_addenda_session_id'))

    op.drop_table('addenda')
    with op.batch_alter_table('treatment_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_treatment_plans_review_due'))
        batch_op.drop_index(batch_op.f('ix_treatment_plans_is_current'))
        batch_op.drop_index(batch_op.f('ix_treatment_plans_client_id'))

    op.drop_table('treatment_plans')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_sessions_status_date')
        batch_op.drop_index('ix_sessions_client_date')

    op.drop_table('sessions')
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_releases_client_id'))

    op.drop_table('releases')
    with op.batch_alter_table('client_medications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_medications_client_id'))

    op.drop_table('client_medications')
    with op.batch_alter_table('client_diagnoses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_diagnoses_client_id'))

    op.drop_table('client_diagnoses')
    op.drop_table('practice')
    op.drop_table('drafts')
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_index('ix_clients_status_sort')
        batch_op.drop_index(batch_op.f('ix_clients_status'))
        batch_op.drop_index(batch_op.f('ix_clients_search_name'))

    op.drop_table('clients')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_client_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')

