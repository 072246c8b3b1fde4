"""Tools: production (being written)."""
