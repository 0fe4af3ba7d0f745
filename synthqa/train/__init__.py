"""Training entry points: `python -m synthqa.train.<method> …`."""
