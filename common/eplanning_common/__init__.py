"""Plumbing shared by every E-Planning service (no domain logic lives here)."""
