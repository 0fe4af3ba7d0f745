"""What SynthQA checks in every trace: steps, final answers, the arithmetic of each step, re-checks, complexity features."""
