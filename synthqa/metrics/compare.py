"""SE vs WC at matched sampling compute, outside the dashboard: `python -m synthqa compare`.

The same figures as the SE vs WC page (report.matched over the report's curves), with each
generator's FPR interval. Without a fresh cached report only the curves are computed: they
need no embeddings (diversity@k counts distinct reasoning signatures).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pandas as pd

from synthqa.metrics import report
from synthqa.store import Store

LAB_PAIR = ("lab-se", "lab-wc")  # the demo's generators (synthqa.lab.demo.plan_demo)


class CompareError(ValueError):
    """The pair cannot be compared; the message says why and what to do."""


@dataclass
class Comparison:
    se: str
    wc: str
    params_se: float
    params_wc: float
    shared_problems: int
    table: pd.DataFrame          # report.matched, plus each side's FPR interval

    def point(self) -> dict:
        """The matched point at the largest SE sample count WC has samples for (the rows
        beyond it have no WC values)."""
        rows = self.table.dropna(subset=["coverage WC"])
        if rows.empty:
            raise CompareError(f"{self.wc} has too few samples per problem to match even one "
                               f"sample of {self.se}")
        row = rows.iloc[-1]
        return {"se": self.se, "wc": self.wc, "k_se": int(row["SE k"]), "k_wc": int(row["WC k"]),
                "flops": float(row["FLOPs"]),
                **{f"{m}_{side}": _number(row[f"{m} {side.upper()}"])
                   for m in ("coverage", "diversity") for side in ("se", "wc")},
                **{f"fpr_{side}": _number(row[f"FPR {side.upper()}"]) for side in ("se", "wc")},
                **{f"fpr_{side}_ci": [_number(row[f"FPR {side.upper()} low"]),
                                      _number(row[f"FPR {side.upper()} high"])]
                   for side in ("se", "wc")},
                "fpr_n_se": int(row["FPR SE n"]), "fpr_n_wc": int(row["FPR WC n"]),
                "coverage_delta_pct": _number(row["coverage Δ%"]),
                "diversity_delta_pct": _number(row["diversity Δ%"]),
                "fpr_delta_points": _number(row["FPR Δ points"]),
                "params_se": self.params_se, "params_wc": self.params_wc,
                "shared_problems": self.shared_problems}

    def to_json(self) -> str:
        return json.dumps(self.point())

    def text(self) -> str:
        head = (f"SE {self.se}: {self.params_se:,.0f} parameters · WC {self.wc}: "
                f"{self.params_wc:,.0f} parameters · {self.shared_problems:,} shared problems\n"
                f"at equal FLOPs WC gets ≈ {self.params_se / self.params_wc:.1f}× the samples "
                "(FLOPs = 2·params·tokens, real token counts)\n")
        table = self.table.copy()
        for side in ("SE", "WC"):
            table[f"FPR {side}"] = [_interval(r, side) for _, r in table.iterrows()]
        shown = table.drop(columns=[c for c in table.columns if c.endswith((" low", " high",
                                                                            " n"))])
        return head + shown.to_string(index=False, float_format=_format, na_rep="—")


def compare(store: Store, se: str | None = None, wc: str | None = None) -> Comparison:
    """The matched-compute comparison of se and wc (default: the demo's lab pair)."""
    se, wc = se or LAB_PAIR[0], wc or LAB_PAIR[1]
    if se == wc:
        raise CompareError("SE and WC must be two different generators")
    generators, curves = _tables(store)
    known = set(generators["generator"]) if not generators.empty else set()
    missing = [g for g in (se, wc) if g not in known]
    if missing:
        hint = ("; build the lab pair with `python -m synthqa demo`" if (se, wc) == LAB_PAIR
                else "")
        raise CompareError(f"no traces of {', '.join(missing)} in this workspace (generators: "
                           f"{', '.join(sorted(known)) or 'none'}){hint}")
    params = generators.set_index("generator")["params"]
    unknown = [g for g in (se, wc) if pd.isna(params[g]) or not params[g]]
    if unknown:
        raise CompareError(f"no parameter count for {', '.join(unknown)}: FLOPs = "
                           "2·params·tokens needs it (set it on the SE vs WC page)")
    shared = _shared(store, se, wc)
    if shared == 0:
        raise CompareError(f"{se} and {wc} share no problems: matched compute compares the "
                           "same problems")
    return Comparison(se, wc, float(params[se]), float(params[wc]), shared,
                      _with_intervals(report.matched(curves, se, wc), curves, se, wc))


def _tables(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(generators: name and params, curves): from the cached report when it is fresh."""
    cached, stale = report.cached(store)
    if cached is not None and not stale and not cached.generators.empty:
        return cached.generators[["generator", "params"]], cached.curves
    return report.curves_only(store)


def _shared(store: Store, se: str, wc: str) -> int:
    shared = store.summaries.shared_problems()
    pair = shared[((shared["a"] == se) & (shared["b"] == wc))
                  | ((shared["a"] == wc) & (shared["b"] == se))]["problems"]
    return int(pair.iloc[0]) if len(pair) else 0


def _with_intervals(table: pd.DataFrame, curves: pd.DataFrame, se: str, wc: str
                    ) -> pd.DataFrame:
    """The FPR is one figure per generator (not per k): on every row, with its 95% interval
    and n."""
    if table.empty:
        return table
    for side, gen in (("SE", se), ("WC", wc)):
        row = curves[curves["generator"] == gen].iloc[0]
        table[f"FPR {side}"] = row["fpr"] if row["fpr_n"] else float("nan")
        table[f"FPR {side} low"] = row["fpr_low"]
        table[f"FPR {side} high"] = row["fpr_high"]
        table[f"FPR {side} n"] = int(row["fpr_n"])
    table["FPR Δ points"] = 100 * (table["FPR WC"] - table["FPR SE"])
    return table


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _interval(row, side: str) -> str:
    if row[f"FPR {side} n"] == 0 or pd.isna(row[f"FPR {side}"]):
        return "— (no labels)"
    return (f"{row[f'FPR {side}']:.3f} [{row[f'FPR {side} low']:.3f}, "
            f"{row[f'FPR {side} high']:.3f}]")


def _format(value: float) -> str:
    if math.isnan(value):
        return "—"
    return f"{value:.3e}" if abs(value) >= 1e6 else f"{value:.3f}"
