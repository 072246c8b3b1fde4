"""Tools: sales (being written)."""
