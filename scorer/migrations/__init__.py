"""Alembic migrations of the flagged store (run by `FlaggedStore` at open)."""
