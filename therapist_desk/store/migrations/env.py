"""Alembic environment: always runs on a connection the vault opened (never a URL)."""

from __future__ import annotations

from alembic import context

from therapist_desk.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when alembic is run by hand
    raise RuntimeError("migrations run through therapist_desk.store.migrate, not the alembic CLI")

# render_as_batch: SQLite cannot ALTER most things in place; batch mode copies the table.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
