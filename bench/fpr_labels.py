"""Human labels needed for a ±5-point 95% FPR interval: uniform review vs PPI++ vs PPI + active.

    python -m bench.fpr_labels --lab WORKSPACE [--public ../shared/data] [--draws 200]
                               [--half-width 0.05]

Populations with known truth: the lab's answer-correct traces (a demo workspace; the lab knows
every trace's exact first wrong step, so its FPR is exact) and BIG-Bench Mistake's 300 traces
(human first-mistake labels; there the rate is the share of traces with a mistake, since only
45 have a right answer). Judges: the step checks (real) and simulated scores with AUROC 0.6,
0.75 and 0.9 (binormal, drawn against the true labels); and, since the lab's FPR is low, a
synthetic population of 2,000 traces with the papers' FPR of 20% and simulated judges only. For each, the smallest number of
labels (grid of 10) at which the median half-width over the draws is at most 5 points, and the
coverage of the true rate there.
"""
from __future__ import annotations

import argparse
import tempfile
from contextlib import closing
from pathlib import Path

import numpy as np
from scipy.stats import norm

from synthqa.judges.base import JudgeInput
from synthqa.judges.stepcheck import StepCheckJudge
from synthqa.lab.problems import first_wrong_step, problem_from_text
from synthqa.labels import ppi
from synthqa.store import Store


def lab_population(workspace: Path) -> tuple[np.ndarray, list[JudgeInput]]:
    """Answer-correct lab traces and whether their reasoning is flawed (exactly)."""
    with closing(Store(workspace / "synthqa.duckdb")) as store:
        frame = store.judges.inputs(None, True, 1_000_000)
    items, y = [], []
    for row in frame.itertuples():
        steps = list(row.steps)
        items.append(JudgeInput(row.trace_id, row.problem, row.gold, tuple(steps)))
        y.append(first_wrong_step(problem_from_text(row.problem), steps) is not None)
    return np.array(y, int), items


def bigbench_population(public: Path) -> tuple[np.ndarray, list[JudgeInput]]:
    from synthqa.ingest.commit import import_file

    with tempfile.TemporaryDirectory() as tmp, closing(Store(Path(tmp) / "s.duckdb")) as store:
        import_file(store, public / "bigbench_mistake_multistep_arithmetic.jsonl")
        frame = store.df("""SELECT t.trace_id, p.text AS problem, p.gold_answer AS gold,
                                   list(s.text ORDER BY s.step_index) AS steps,
                                   any_value(l.value) AS label
                            FROM traces t JOIN problems p USING (problem_id)
                            JOIN steps s USING (trace_id) JOIN labels l USING (trace_id)
                            WHERE l.kind = 'first_error_step' GROUP BY ALL""")
    items = [JudgeInput(r.trace_id, r.problem, r.gold, tuple(r.steps)) for r in frame.itertuples()]
    return (frame["label"] != "none").to_numpy(int), items


def simulated(y: np.ndarray, auroc: float, rng) -> np.ndarray:
    """Binormal scores: flawed ~ N(d, 1), clean ~ N(0, 1), AUROC = Φ(d/√2); as probabilities."""
    d = np.sqrt(2) * norm.ppf(auroc)
    return 1 / (1 + np.exp(-(rng.normal(0, 1, len(y)) + d * y - d / 2)))


def estimate(method: str, y: np.ndarray, f: np.ndarray, n: int, rng):
    if method == "active":
        keys = ppi.active_keys(rng.random(len(y)), f)
        labelled = np.zeros(len(y), bool)
        labelled[np.argsort(keys)[:n]] = True
        return ppi.active(np.where(labelled, y, 0), labelled, f, keys, "j")
    mask = np.zeros(len(y), bool)
    mask[rng.choice(len(y), n, replace=False)] = True
    if method == "uniform":
        return ppi.labels_only(y[mask])
    return ppi.ppi(y[mask], f[mask], f[~mask], "j")


def labels_needed(method: str, y: np.ndarray, f: np.ndarray, draws: int, seed: int,
                  half_width: float):
    """(labels, coverage there) for a median half-width ≤ half_width; None if never."""
    for n in range(10, len(y), 10):
        rng = np.random.default_rng(seed)
        runs = [estimate(method, y, f, n, rng) for _ in range(draws)]
        if np.median([(e.high - e.low) / 2 for e in runs]) <= half_width:
            cover = np.mean([e.low <= y.mean() <= e.high for e in runs])
            return n, float(cover)
    return None, float("nan")


def main(args) -> None:
    populations = {}
    if args.lab:
        populations["lab answer-correct"] = lab_population(Path(args.lab))
    bigbench = Path(args.public) / "bigbench_mistake_multistep_arithmetic.jsonl"
    if bigbench.is_file():
        populations["BIG-Bench Mistake (all traces)"] = bigbench_population(Path(args.public))
    rng = np.random.default_rng(args.seed)
    y = (rng.random(2000) < 0.2).astype(int)  # the papers' regime: FPR ~17-24% on MATH
    populations["synthetic, FPR 0.2 (no real judge)"] = (y, None)
    from sklearn.metrics import roc_auc_score

    print(f"labels for a median 95% half-width <= {args.half_width:.0%} (coverage there), "
          f"{args.draws} draws")
    print("| population | N | true rate | judge | AUROC | uniform | PPI++ | PPI + active |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (y, items) in populations.items():
        rng = np.random.default_rng(args.seed)
        judges = {} if items is None else {
            "stepcheck": np.array([j.score for j in StepCheckJudge().judge(items)])}
        for auroc in (0.6, 0.75, 0.9):
            judges[f"simulated {auroc}"] = simulated(y, auroc, rng)
        for judge, f in judges.items():
            cells = []
            for method in ("uniform", "ppi", "active"):
                n, cover = labels_needed(method, y, f, args.draws, args.seed,
                                         args.half_width)
                cells.append("—" if n is None else f"{n} ({cover:.0%})")
            print(f"| {name} | {len(y):,} | {y.mean():.3f} | {judge} | "
                  f"{roc_auc_score(y, f):.2f} | " + " | ".join(cells) + " |", flush=True)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", help="a demo workspace (python -m synthqa demo)")
    parser.add_argument("--public", default=str(Path(__file__).resolve().parents[2]
                                                / "shared" / "data"))
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--half-width", type=float, default=0.05,
                        help="the interval's half-width to reach (default 0.05: ±5 points)")
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
