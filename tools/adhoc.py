"""Tools: adhoc (being written)."""
