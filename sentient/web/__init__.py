"""The "dumb dashboard": server-rendered pages that work with the model off."""
