"""Covering indexes for the client list and the attention rules (benchmarks/README.md)

Both per-client aggregates read every row of their table: the balance (charges minus the
rest, ~230,000 ledger entries at 10,000 clients) and the current plan's review date. With
the index holding every column the aggregate needs, SQLite reads the index alone and never
the table: the 10,000-client list query went from ~200 ms to ~130 ms warm, and reads far
fewer pages (each one decrypted) on the first list after unlock.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ledger_client_kind_amount", "ledger_entries", ["client_id", "kind", "amount_cents"])
    op.create_index("ix_treatment_plans_current_review", "treatment_plans",
                    ["is_current", "client_id", "review_due"])


def downgrade() -> None:
    op.drop_index("ix_treatment_plans_current_review", table_name="treatment_plans")
    op.drop_index("ix_ledger_client_kind_amount", table_name="ledger_entries")
