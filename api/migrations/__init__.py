"""Alembic migrations of the instance database (the registry); shipped in the wheel."""
