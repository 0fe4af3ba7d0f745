"""Problem sets: new problems from seed problems, and contamination checks against test sets."""
