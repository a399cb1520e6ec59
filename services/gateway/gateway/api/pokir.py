"""pokir operations (filled in by its issue work)."""
OPERATIONS: list = []
