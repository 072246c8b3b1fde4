"""Tools: purchasing (being written)."""
