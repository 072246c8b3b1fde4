"""Deterministic answer templates: one composer per tool, per role tier and language."""
