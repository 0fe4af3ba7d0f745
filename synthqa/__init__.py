"""SynthQA: quality, diversity and per-step credit for synthetic math reasoning data."""

__version__ = "0.1.0"
