"""Tools: inventory (being written)."""
