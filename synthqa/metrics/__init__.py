"""Metrics over a data set: diversity, coverage, matching at equal compute, the cached report
the metric pages read, and SE vs WC from the shell (compare.py). FPR estimates live in labels/."""
