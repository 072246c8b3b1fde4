"""Alembic migrations of the warehouse (one upgrade path for PostgreSQL and SQLite)."""
