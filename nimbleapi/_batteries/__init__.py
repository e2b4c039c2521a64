"""Helpers shared by the batteries (rate limits, caching, channels)."""
