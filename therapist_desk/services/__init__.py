"""Use cases: each takes a session and runs as one transaction."""
