"""Alembic migrations of the vault schema (run automatically on open, after a backup)."""
