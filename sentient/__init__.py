"""sentient package."""
