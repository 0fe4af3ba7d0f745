"""False-positive rate estimates from human review, with Wilson intervals."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

Z95 = 1.959963984540054  # two-sided 95%
LABELS_ONLY = "labels only"


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials; (0, 1) when n = 0."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Stratum:
    """Answer-correct traces of one kind (step-check suspects, or the rest)."""
    size: int         # traces in the population
    reviewed: int     # of them with a decisive human verdict (correct / false positive)
    false_pos: int    # of those, judged false positives


@dataclass(frozen=True)
class FprEstimate:
    rate: float | None
    low: float
    high: float
    reviewed: int
    labellers: tuple[tuple[str, int], ...] = ()  # whose verdicts, and how many each
    method: str = LABELS_ONLY

    def text(self) -> str:
        if self.rate is None:
            return "no reviews yet"
        return f"{self.rate:.1%} (95% CI {self.low:.1%}–{self.high:.1%}, n = {self.reviewed})"

    def describe(self) -> str:
        """The estimate with its method and whose labels it rests on."""
        return f"{self.text()} · {self.basis()}" if self.rate is not None else self.text()

    def basis(self) -> str:
        """The method and whose labels: "labels only, by ann (40), bob (3)"."""
        who = labellers_text(self.labellers)
        return f"{self.method}, by {who}" if who else self.method

    @classmethod
    def from_row(cls, row) -> FprEstimate:
        """From a report row (fpr_human, fpr_low, fpr_high, fpr_n, fpr_basis)."""
        n = int(row["fpr_n"])
        basis = row.get("fpr_basis")
        method = basis if isinstance(basis, str) and basis else LABELS_ONLY
        return cls(None if n == 0 else float(row["fpr_human"]), float(row["fpr_low"]),
                   float(row["fpr_high"]), n, method=method)

    def with_labellers(self, labellers) -> FprEstimate:
        return replace(self, labellers=tuple((str(w), int(n)) for w, n in labellers))


def labellers_text(labellers, most: int = 4) -> str:
    parts = [f"{who} ({n})" for who, n in list(labellers)[:most]]
    rest = len(labellers) - most
    return ", ".join(parts) + (f" and {rest} more" if rest > 0 else "")


def fpr_estimate(strata: list[Stratum]) -> FprEstimate:
    """FPR of a generator's answer-correct traces, stratified by step-check suspicion.

    The review queue draws each stratum in random order, so within a stratum the reviewed
    traces are a random sample. Rate = Σ w_h p_h with w_h the stratum's share of the
    population; interval = Σ w_h [L_h, U_h] of per-stratum Wilson intervals (conservative).
    Strata nobody reviewed yet contribute [0, 1] to the interval and nothing to the rate, which
    is then that of the reviewed strata. With one stratum this is plain Wilson.
    """
    total = sum(s.size for s in strata)
    reviewed = sum(s.reviewed for s in strata)
    if total == 0 or reviewed == 0:
        return FprEstimate(None, 0.0, 1.0, reviewed)
    rate = low = high = covered = 0.0
    for s in strata:
        if s.size == 0:
            continue
        w = s.size / total
        lo, hi = wilson(s.false_pos, s.reviewed)
        if s.reviewed:
            rate, covered = rate + w * s.false_pos / s.reviewed, covered + w
        low, high = low + w * lo, high + w * hi
    # the point estimate of the reviewed strata (2 of 2 is 100%, not a blend with an
    # unreviewed stratum's 50%); the interval still spans what nobody reviewed
    return FprEstimate(rate / covered, low, high, reviewed)
