"""SQLCipher vault: engine, typed SQLAlchemy models, migrations and repositories."""
