"""Full-text index of notes (FTS5, encrypted with the vault) and an append-only audit table

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # rowid = sessions.id. The index holds its own copy of the searchable text so snippet()
    # works; it lives inside the encrypted file like every other page.
    op.execute(
        "CREATE VIRTUAL TABLE notes_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')"
    )
    # Backfill from existing note bodies: every string value of the JSON document (sections,
    # risk, interventions...). Services keep it current from here on.
    op.execute(
        """
        INSERT INTO notes_fts(rowid, body)
        SELECT nb.session_id,
               (SELECT group_concat(value, char(10)) FROM json_tree(nb.body_json)
                 WHERE type = 'text')
          FROM note_bodies AS nb
        """
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_events_no_delete")
    op.execute("DROP TRIGGER audit_events_no_update")
    op.execute("DROP TABLE notes_fts")
