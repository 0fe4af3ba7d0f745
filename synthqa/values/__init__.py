"""Per-step values from Monte Carlo rollouts, first pits, and the rollout run."""
