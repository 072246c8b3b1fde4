"""Tools: finance (being written)."""
