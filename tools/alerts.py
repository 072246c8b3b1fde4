"""Tools: alerts (being written)."""
