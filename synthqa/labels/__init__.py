"""Human labels: the review queue and every estimate of a generator's false-positive rate."""
