"""Alembic migrations of the gateway database (script_location gateway:migrations)."""
