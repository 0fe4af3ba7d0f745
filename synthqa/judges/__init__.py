"""Judges: automatic verdicts on a trace's reasoning (P(flawed) and a first wrong step)."""
