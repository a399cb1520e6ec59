"""webhooks operations (filled in by its issue work)."""
OPERATIONS: list = []
