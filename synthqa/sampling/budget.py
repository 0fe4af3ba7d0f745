"""Sampling compute: FLOPs = 2·params·tokens, and compute-matched sample counts.

Bansal et al. 2024: at a fixed budget a weak-cheap model gets S_WC = (P_SE / P_WC) · S_SE
samples per problem; the price-matched variant uses $/token instead of parameters.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


def sampling_flops(params: int, tokens: int | float) -> float:
    """2 FLOPs per parameter per generated token."""
    return 2.0 * params * tokens


@dataclass(frozen=True)
class Generator:
    name: str
    params: int
    price_per_token: float | None = None  # $ per generated token, for price matching


@dataclass(frozen=True)
class MatchedPlan:
    se: Generator
    wc: Generator
    se_samples: int         # per problem
    wc_samples: int         # per problem
    basis: str              # "params" or "price"
    n_problems: int
    mean_tokens: float      # expected tokens per sample (for the estimates below)

    def flops(self, which: str) -> float:
        gen, samples = (self.se, self.se_samples) if which == "se" else (self.wc, self.wc_samples)
        return sampling_flops(gen.params, samples * self.n_problems * self.mean_tokens)

    def rows(self) -> list[dict]:
        """The plan as a table: what will run, and what it is expected to cost."""
        return [{"generator": g.name, "role": role, "parameters": g.params,
                 "samples per problem": s, "problems": self.n_problems,
                 "expected tokens": round(s * self.n_problems * self.mean_tokens),
                 "expected FLOPs": self.flops(role.lower())}
                for role, g, s in (("SE", self.se, self.se_samples),
                                   ("WC", self.wc, self.wc_samples))]


def cost_ratio(se: Generator, wc: Generator, basis: str) -> float:
    if basis == "price":
        if not se.price_per_token or not wc.price_per_token:
            raise ValueError("price matching needs a price per token for both generators")
        return se.price_per_token / wc.price_per_token
    return se.params / wc.params


def match(se: Generator, wc: Generator, n_problems: int, mean_tokens: float,
          se_samples: int | None = None, budget: float | None = None,
          basis: str = "params") -> MatchedPlan:
    """Samples per problem for both generators at the same compute (or price).

    Give either `se_samples` (the WC count follows) or `budget`: FLOPs for basis "params",
    dollars for basis "price"; each generator then gets what the budget buys.
    """
    if (se_samples is None) == (budget is None):
        raise ValueError("give exactly one of se_samples or budget")
    ratio = cost_ratio(se, wc, basis)
    if budget is None:  # the nearest whole number of WC samples to the same compute
        wc_samples = max(1, round(ratio * se_samples))
    else:  # what the budget buys each, never more
        def buys(gen: Generator) -> int:
            unit = sampling_flops(gen.params, 1) if basis == "params" else gen.price_per_token
            return math.floor(budget / (unit * n_problems * mean_tokens) + 1e-9)
        se_samples, wc_samples = buys(se), buys(wc)
        if se_samples < 1:
            raise ValueError("the budget does not buy one SE sample per problem")
    return MatchedPlan(se, wc, se_samples, wc_samples, basis, n_problems, mean_tokens)
