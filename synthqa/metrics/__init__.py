"""Metrics over the store: quality (this milestone), diversity, complexity, coverage (later)."""
