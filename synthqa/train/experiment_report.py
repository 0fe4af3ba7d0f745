"""The lab experiment's tables (synthqa.train.experiment): accuracy over seeds with 95%
t-intervals, the data-efficiency points, fitted power laws and each method's effective data
multiplier over SFT, and how the outcome compares with the papers' direction."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from statsmodels.stats.weightstats import DescrStatsW

from synthqa.train import efficiency as eff
from synthqa.train.experiment_plan import METHODS, ROLES, Plan

COLUMNS = ["part", "student", "method", "data", "fraction", "seed", "lr", "beta", "sft_lr",
           "pairs", "examples", "trained_on", "steps", "accuracy", "validation_accuracy",
           "seconds", "name"]


def frame(rows: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(rows).reindex(columns=COLUMNS)
    out["accuracy"] = pd.to_numeric(out["accuracy"], errors="coerce")
    return out


def interval(values) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the seeds' accuracies; the interval is NaN with one seed."""
    x = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if len(x) == 0:
        return math.nan, math.nan, math.nan, 0
    if len(x) < 2 or np.ptp(x) == 0:
        return float(x.mean()), math.nan if len(x) < 2 else float(x[0]), \
            math.nan if len(x) < 2 else float(x[0]), len(x)
    low, high = DescrStatsW(x).tconfint_mean()
    return float(x.mean()), float(low), float(high), len(x)


def _cell(values) -> dict:
    mean, low, high, n = interval(values)
    return {"accuracy": mean, "low": low, "high": high, "seeds": n}


def se_vs_wc(results: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Per student: accuracy after SFT on the SE data and on the WC data, and WC - SE."""
    part = results[results["part"] == "se-vs-wc"]
    rows = []
    for student in plan.students:
        mine = part[part["student"] == student]
        se = _cell(mine.loc[mine["data"] == plan.se, "accuracy"])
        wc = _cell(mine.loc[mine["data"] == plan.wc, "accuracy"])
        if not se["seeds"] and not wc["seeds"]:
            continue
        before = results.loc[(results["part"] == "base") & (results["student"] == student),
                             "accuracy"]
        rows.append({"student": f"lab-{student}", "role": ROLES[student],
                     "not fine-tuned": before.iloc[0] if len(before) else math.nan,
                     "SE data": se["accuracy"], "SE low": se["low"], "SE high": se["high"],
                     "WC data": wc["accuracy"], "WC low": wc["low"], "WC high": wc["high"],
                     "WC - SE": wc["accuracy"] - se["accuracy"],
                     "seeds": min(se["seeds"], wc["seeds"])})
    return pd.DataFrame(rows)


def methods(results: pd.DataFrame) -> pd.DataFrame:
    """Per method and data size: the SFT examples of the subset and the accuracy over seeds."""
    part = results[(results["part"] == "methods")]
    rows = []
    for (method, fraction), g in part.groupby(["method", "fraction"], sort=False):
        rows.append({"method": method, "fraction": fraction,
                     "examples": float(g["examples"].mean()), **_cell(g["accuracy"])})
    out = pd.DataFrame(rows, columns=["method", "fraction", "examples", "accuracy", "low",
                                      "high", "seeds"])
    order = {m: i for i, m in enumerate(METHODS)}
    return out.sort_values(["method", "fraction"], key=lambda c: c.map(order)
                           if c.name == "method" else c).reset_index(drop=True)


def points(results: pd.DataFrame) -> pd.DataFrame:
    """The data-efficiency points (kind, examples, accuracy: the mean over seeds), in the
    columns the Training page's chart takes."""
    table = methods(results).dropna(subset=["accuracy"])
    return pd.DataFrame({"kind": table["method"], "examples": table["examples"],
                         "accuracy": table["accuracy"],
                         "name": [f"{m} on 1/{round(1 / f)}" for m, f in
                                  zip(table["method"], table["fraction"])],
                         "base_model": "experiment", "eval_set": "lab arithmetic"})


def multipliers(results: pd.DataFrame) -> dict[str, dict]:
    """Per method: the geometric mean of its sizes' effective data multipliers over SFT
    (`value`, None where no size falls within the SFT fit's trusted range), and on how many of
    its sizes it rests (`sizes` of `of`)."""
    table = eff.multipliers(points(results))
    out = {}
    for method in METHODS[1:]:
        mine = table.loc[table["kind"] == method, "multiplier"]
        x = mine.dropna()
        out[method] = {"value": float(np.exp(np.log(x).mean())) if len(x) else None,
                       "sizes": len(x), "of": len(mine)}
    return out


def tuning(results: pd.DataFrame) -> pd.DataFrame:
    part = results[results["part"] == "tuning"]
    return part[["method", "lr", "beta", "pairs", "sft_lr", "trained_on", "validation_accuracy",
                 "accuracy", "seconds"]].reset_index(drop=True)


def findings(results: pd.DataFrame, plan: Plan) -> list[str]:
    """The outcome against the papers' direction, in words (what the page and docs say)."""
    lines = []
    base = results[(results["part"] == "base") & (results["student"] == plan.sweep_student)]
    sft = methods(results).query("method == 'sft'")
    if len(base) and len(sft):
        top = sft.iloc[-1]
        lines.append(f"Not fine-tuned, lab-{plan.sweep_student} scores "
                     f"{base['accuracy'].iloc[0]:.1%}; SFT on {top['examples']:.0f} of "
                     f"{plan.sweep_data}'s solutions: {top['accuracy']:.1%}.")
    table = se_vs_wc(results, plan)
    if len(table):
        ahead = table[table["WC - SE"] >= 0]
        lines.append(f"WC data >= SE data for {len(ahead)} of {len(table)} students "
                     f"(Bansal et al.: WC data ahead for all three).")
        # a seeds' interval of width 0 (every seed scored the same) says nothing of the test
        # problems' own sampling error: no separation is read from it
        wide = (table["SE high"] > table["SE low"]) & (table["WC high"] > table["WC low"])
        apart = [r["student"] for _, r in table[wide].iterrows()
                 if r["WC low"] > r["SE high"] or r["SE low"] > r["WC high"]]
        if wide.any():
            lines.append("The 95% intervals over seeds do not overlap for " + ", ".join(apart)
                         + "." if apart else "The 95% intervals over seeds overlap for every "
                         "student whose seeds differ.")
        same = table.loc[~wide & (table["seeds"] > 1), "student"].tolist()
        if same:
            lines.append(f"Every seed scored the same on SE or WC data for {', '.join(same)}: "
                         f"the difference rests on {plan.eval_problems} test problems alone "
                         f"(binomial standard error about "
                         f"{50 / math.sqrt(plan.eval_problems):.1f} points).")
    for method, g in tuning(results).groupby("method", sort=False):
        tried = sorted(set(g["lr"]))
        best = g.loc[g["validation_accuracy"].idxmax(), "lr"] if g["validation_accuracy"] \
            .notna().any() else None
        if len(tried) > 1 and best in (tried[0], tried[-1]):
            lines.append(f"{method}'s best learning rate, {best:g}, is at the edge of those "
                         f"tried ({', '.join(f'{x:g}' for x in tried)}): a wider search may do "
                         "better.")
    mult = multipliers(results)
    if mult and all(v["value"] is None and v["of"] for v in mult.values()):
        lines.append("Effective data multiplier over SFT: none can be read: no method's "
                     "accuracy falls within the range of SFT's fitted curve over the sizes "
                     "tried (SFT's own gain over them is too small).")
    if any(v["value"] is not None for v in mult.values()):
        words = ", ".join(f"{m} {v['value']:.1f}x (from {v['sizes']} of {v['of']} sizes)"
                          if v["value"] is not None else f"{m} none in range"
                          for m, v in mult.items())
        lines.append(f"Effective data multiplier over SFT: {words} (Setlur et al.: per-step "
                     "DPO about 8x, RFT about 2x).")
    return lines
