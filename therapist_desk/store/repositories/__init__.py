"""Repositories: the only code that turns ORM rows into domain objects and back."""
