"""Seed data: the spec's sample data (section 1.8), what derives from it, and synthetic history."""
