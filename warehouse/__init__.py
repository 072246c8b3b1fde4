"""The factory data warehouse: schema, migrations, sessions and seed data."""
