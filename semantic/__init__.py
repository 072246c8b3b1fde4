"""The semantic layer: a catalog of what the warehouse answers, and its compiler to SQL."""
