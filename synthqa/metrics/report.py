"""The metrics report of a workspace, computed in one pass and cached in the store.

Quality, diversity and complexity per generator; coverage@k, maj@k, diversity@k and FPR over
sampling compute; every metric per slice; a 2-D map of the solutions. Pages read the cached
report (fast on any workspace size); `recompute` builds it again, in a background task.
Definitions: ../shared/papers.md sections 2 and 3.
"""
from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from io import StringIO

import numpy as np
import pandas as pd

from synthqa.checks.complexity import steps_features
from synthqa.checks.stepcheck import CHECKER
from synthqa.embeddings import models as embeddings
from synthqa.labels.estimate import Stratum, fpr_estimate
from synthqa.metrics.coverage import diversity_at_k, maj_at_k, pass_at_k
from synthqa.metrics.diversity import (compression_ratio, distinct_ngrams,
                                       mean_pairwise_cosine_distance,
                                       unique_merging_near_duplicates, vendi_score)
from synthqa.metrics.intrinsic import mle_intrinsic_dimension
from synthqa.metrics.matching import default_pair, matched  # noqa: F401 (the pages' names)
from synthqa.metrics.seeded import SEED
from synthqa.metrics.seeded import sample as _sample
from synthqa.metrics.solution_map import solution_map as _solution_map
from synthqa.schema import TABLE_COLUMNS
from synthqa.store import Store

KEY = "report/v2"  # a new version when the tables change: old caches are ignored
ID_POINTS = 5000           # embeddings per data set for the intrinsic dimension
DISPERSION_PROBLEMS = 2000  # problems per generator for embedding dispersion
MAJ_PROBLEMS = 2000        # problems per generator for maj@k (Monte Carlo over subsets)
LEXICAL_TEXTS = 2000       # correct solutions per generator for distinct-n and compression
ALL_K_UP_TO = 128          # curves have every k up to here, then powers of two
STEP_BUCKETS = [(1, 2, "1-2 steps"), (3, 4, "3-4 steps"), (5, 7, "5-7 steps"),
                (8, 1 << 30, "8+ steps")]
NEAR_DUPLICATES = (0.98, 0.95, 0.90)  # cosine thresholds for merging near-duplicate solutions
TABLES = ("generators", "curves", "slices", "map")
Progress = Callable[[float, str], None]


@dataclass
class Report:
    inputs_version: str
    computed_at: str
    generators: pd.DataFrame   # one row per generator: quality, diversity, complexity
    curves: pd.DataFrame       # generator, k, flops, coverage, maj, diversity, fpr (+ CI)
    slices: pd.DataFrame       # slice, value, generator, metrics
    map: pd.DataFrame          # trace_id, generator, correct, verdict, problem, pca/tsne x y
    notes: list[str] = field(default_factory=list)  # "GENERATOR: ..." for one generator's
    model: str = ""            # the embedding model of its diversity figures
    versions: dict[str, str] = field(default_factory=dict)  # generator -> its inputs' version

    def to_json(self) -> str:
        return json.dumps({"inputs_version": self.inputs_version, "computed_at": self.computed_at,
                           "notes": self.notes, "model": self.model, "versions": self.versions,
                           **{t: getattr(self, t).to_json(orient="split", index=False)
                              for t in TABLES}})

    @classmethod
    def from_json(cls, text: str) -> "Report":
        raw = json.loads(text)
        tables = {t: pd.read_json(StringIO(raw[t]), orient="split") for t in TABLES}
        return cls(raw["inputs_version"], raw["computed_at"], notes=raw["notes"],
                   model=raw.get("model", ""), versions=raw.get("versions", {}), **tables)

    def rows_of(self, table: str, generators: set[str]) -> pd.DataFrame:
        frame = getattr(self, table)
        return frame[frame["generator"].isin(generators)] if "generator" in frame else frame


# -- cache ----------------------------------------------------------------------------------
def cached(store: Store) -> tuple[Report | None, bool]:
    """(the cached report or None, whether it is stale against the store's current data)."""
    row = store.cache.get(KEY)
    if row is None:
        return None, True
    return Report.from_json(row[0]), row[1] != store.cache.inputs_version()


def recompute(store: Store, progress: Progress | None = None, embed: bool = True,
              embedder: str = embeddings.DEFAULT) -> Report:
    """Embed what is missing, compute the report, cache it. Safe to run in a thread."""
    say = progress or (lambda fraction, message: None)
    if embed:
        embeddings.embed_missing(store, lambda done, total: say(
            0.8 * done / total, f"embedding solutions: {done:,} / {total:,}"), key=embedder)
    version = store.cache.inputs_version()
    previous, _ = cached(store)
    report = compute(store, version, lambda f, m: say(0.8 + 0.2 * f, m) if embed else say(f, m),
                     embedder, previous)
    store.cache.put(KEY, report.to_json(), version)
    store.summaries.shared_problems()   # cached for the SE vs WC page (6 s at 10M traces)
    say(1.0, "done")
    return report


# -- computing ------------------------------------------------------------------------------
def compute(store: Store, version: str = "", progress: Progress | None = None,
            embedder: str = embeddings.DEFAULT, previous: Report | None = None) -> Report:
    """The report; with a `previous` one (the cache), only the generators whose inputs changed
    since are computed again (traces, verdicts, labels, embeddings, FLOPs: each generator's
    figures depend on its own traces only), and the others' rows are kept. The map, which
    samples every generator, is drawn again whenever anything changed."""
    say = progress or (lambda fraction, message: None)
    model = embeddings.embedder(embedder).model
    say(0.0, "reading traces")
    versions = store.summaries.generator_versions(model, CHECKER)
    if not versions:
        empty = pd.DataFrame()
        return Report(version, _now(), empty, empty, empty, empty, ["the workspace is empty"])
    kept = _unchanged(previous, versions, model)
    if previous is not None and len(kept) == len(versions):
        return replace(previous, inputs_version=version, computed_at=_now())
    notes = [f"embeddings: {model}"] + [n for n in (previous.notes if kept else [])
                                        if n.split(": ", 1)[0] in kept]
    tables: dict[str, list[pd.DataFrame]] = {name: [previous.rows_of(name, kept)] if kept
                                             else [] for name in ("generators", "curves",
                                                                  "slices")}
    changed = [g for g in versions if g not in kept]
    for i, gen in enumerate(changed):    # one at a time: memory for the largest one only
        rows = _rows_of(store, gen, notes, model, lambda f, m, i=i, gen=gen: say(
            0.85 * (i + f) / len(changed), f"{gen}: {m}"))
        for frames, frame in zip(tables.values(), rows):
            frames.append(frame)
    generators, curves, slices = (_merged(tables[name], keys) for name, keys in (
        ("generators", ["generator"]), ("curves", ["generator", "k"]),
        ("slices", ["slice", "value", "generator"])))
    say(0.85, "solution map")
    solution_map = _solution_map(store, model)
    return Report(version, _now(), generators, curves, slices, solution_map, notes, model,
                  versions)


def _rows_of(store: Store, generator: str, notes: list[str], model: str, say: Progress
             ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One generator's rows of the generators, curves and slices tables (each generator's
    figures depend on its own traces only)."""
    traces = store.summaries.metric_inputs(CHECKER, [generator])
    say(0.1, "reasoning signatures and operations")
    traces = _with_features(store, traces)
    say(0.3, "embedding dispersion per problem")
    vectors, dispersion = _dispersion(store, traces, notes, model)
    say(0.5, "coverage, maj@k and diversity@k curves")
    curves = _curves(traces, notes)
    say(0.7, "slices")
    return (_generator_table(store, traces, dispersion, vectors), curves,
            _slices(traces, dispersion))


def _unchanged(previous: Report | None, versions: dict[str, str], model: str) -> set[str]:
    """Generators whose rows in `previous` still hold: same inputs, same embedding model."""
    if previous is None or previous.model != model:
        return set()
    return {g for g, v in versions.items() if previous.versions.get(g) == v}


_SLICE_ORDER = {"source": 0, "run": 1, "level": 2, "topic": 3, "steps bucket": 4}


def _merged(frames: list[pd.DataFrame], keys: list[str]) -> pd.DataFrame:
    """Rows computed apart (kept ones, each generator's new ones) in the order a whole
    computation gives them."""
    parts = [f for f in frames if not f.empty]
    if not parts:
        return frames[-1] if frames else pd.DataFrame()
    frame = pd.concat(parts, ignore_index=True)
    order = frame[keys].copy()
    if "slice" in order:
        order["slice"] = order["slice"].map(_SLICE_ORDER)
    return frame.loc[order.sort_values(keys, kind="stable").index].reset_index(drop=True)


def curves_only(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(generator and params, curves) without embeddings: what matched compute needs."""
    traces = store.summaries.metric_inputs(CHECKER)
    if traces.empty:
        return pd.DataFrame(columns=["generator", "params", "traces", "problems"]), \
            pd.DataFrame()
    traces = _with_features(store, traces)
    generators = traces.groupby("generator", as_index=False).agg(
        params=("params", "first"), traces=("trace_id", "size"),
        problems=("problem_id", "nunique"))
    return generators, _curves(traces, [])


def _now() -> str:
    return pd.Timestamp.now().isoformat(timespec="seconds")


def _with_features(store: Store, traces: pd.DataFrame, chunk: int = 50_000) -> pd.DataFrame:
    """Fill in the reasoning signature and operations of traces the import did not give them
    (older stores, another step checker), store those, and bucket the step counts."""
    missing = traces.loc[traces["signature"].isna(), "trace_id"].tolist()
    for start in range(0, len(missing), chunk):
        ids = missing[start: start + chunk]
        steps = store.traces.step_texts(ids)
        found = dict(zip(steps["trace_id"], (steps_features(list(s)) for s in steps["steps"])))
        frame = pd.DataFrame([(t, *found.get(t, ("", 0)), CHECKER) for t in ids],
                             columns=TABLE_COLUMNS["trace_features"])
        store.checks.put_features(frame)
        rows = traces["trace_id"].isin(ids)
        filled = frame.set_index("trace_id").loc[traces.loc[rows, "trace_id"]]
        traces.loc[rows, "signature"] = filled["signature"].to_numpy()
        traces.loc[rows, "operations"] = filled["operations"].to_numpy()
    # A solution without any equation has no signature: it counts as a solution of its own.
    no_eq = traces["signature"].fillna("") == ""
    traces.loc[no_eq, "signature"] = "text:" + traces.loc[no_eq, "trace_id"]
    traces["steps_bucket"] = _step_bucket(traces["n_steps"])
    return traces


def _step_bucket(n_steps: pd.Series) -> pd.Series:
    out = pd.Series(pd.NA, index=n_steps.index, dtype="object")
    for low, high, name in STEP_BUCKETS:
        out[(n_steps >= low) & (n_steps <= high)] = name
    return out


def _dispersion(store: Store, traces: pd.DataFrame, notes: list[str], model: str
                ) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """Per (generator, problem): mean pairwise cosine distance and Vendi score of the correct
    solutions' embeddings. Also returns the embeddings loaded, by trace id."""
    correct = traces[traces["correct"] == True]  # noqa: E712 (NA-safe)
    picked = []
    for gen, group in correct.groupby("generator"):
        problems = group["problem_id"].unique()
        chosen = set(_sample(problems, DISPERSION_PROBLEMS))
        if len(problems) > len(chosen):
            notes.append(f"{gen}: embedding dispersion on {len(chosen):,} of "
                         f"{len(problems):,} problems (random sample)")
        picked.append(group[group["problem_id"].isin(chosen)])
    chosen = pd.concat(picked) if picked else correct.iloc[:0]
    frame = store.embeddings.of(model, chosen["trace_id"].tolist())
    vectors = dict(zip(frame["trace_id"], embeddings.matrix(frame)))
    missing = chosen[~chosen["trace_id"].isin(vectors.keys())].groupby("generator").size()
    notes.extend(f"{gen}: {n:,} correct solutions have no embedding yet: recompute to embed "
                 "them" for gen, n in missing.items())
    rows = []
    for (gen, problem), group in chosen.groupby(["generator", "problem_id"]):
        group = group[group["trace_id"].isin(vectors.keys())]
        if group.empty:
            continue
        x = np.array([vectors[t] for t in group["trace_id"]])
        rows.append({"generator": gen, "problem_id": problem,
                     "cosine_distance": mean_pairwise_cosine_distance(x),
                     "vendi": vendi_score(x),
                     **{near_duplicate_column(t): unique_merging_near_duplicates(
                         group["signature"].tolist(), x, t) for t in NEAR_DUPLICATES}})
    return vectors, pd.DataFrame(rows, columns=[
        "generator", "problem_id", "cosine_distance", "vendi",
        *map(near_duplicate_column, NEAR_DUPLICATES)])


def near_duplicate_column(threshold: float) -> str:
    return f"unique_cos{round(threshold * 100)}"


def _k_grid(max_k: int) -> list[int]:
    ks = list(range(1, min(max_k, ALL_K_UP_TO) + 1))
    k = ALL_K_UP_TO * 2
    while k < max_k:
        ks.append(k)
        k *= 2
    if max_k > ALL_K_UP_TO:
        ks.append(max_k)
    return ks


def _fpr(group: pd.DataFrame):
    """Human FPR of the answer-correct traces, stratified by step-check suspicion, with the
    labellers whose verdicts it rests on."""
    correct = group[group["correct"] == True]  # noqa: E712
    strata = []
    for _, stratum in correct.groupby("suspect"):
        verdicts = stratum["human_verdict"]
        strata.append(Stratum(len(stratum),
                              int(verdicts.isin(["correct", "false_positive"]).sum()),
                              int((verdicts == "false_positive").sum())))
    decisive = correct[correct["human_verdict"].isin(["correct", "false_positive"])]
    return fpr_estimate(strata).with_labellers(
        decisive["human_labeller"].value_counts().items())


def _rate(fpr) -> float:
    return np.nan if fpr.rate is None else fpr.rate


def _curves(traces: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    rows = []
    for gen, group in traces.groupby("generator"):
        rng = np.random.default_rng([SEED, zlib.crc32(gen.encode())])  # its own: see compute
        per_problem = group.groupby("problem_id")
        n = per_problem.size()
        c = per_problem["correct"].sum()
        max_k = int(n.min())
        if n.max() > max_k:
            notes.append(f"{gen}: problems have {max_k}–{int(n.max())} samples; curves stop at "
                         f"k = {max_k}")
        counts = (group[group["correct"] == True]  # noqa: E712
                  .groupby(["problem_id", "signature"]).size().rename("m").reset_index())
        counts["n"] = counts["problem_id"].map(n)
        nm = counts.groupby(["n", "m"]).size()          # how many (problem, signature) share n, m
        nc = pd.DataFrame({"n": n, "c": c}).value_counts()
        maj_problems = _sample(sorted(n.index), MAJ_PROBLEMS)
        answers = {p: (g["answer_raw"].tolist(), g["correct"].fillna(False).tolist())
                   for p, g in group[group["problem_id"].isin(maj_problems)]
                   .groupby("problem_id")}
        fpr = _fpr(group)
        flops_per_sample = group["flops_per_sample"].mean()
        n_problems = len(n)
        for k in _k_grid(max_k):
            coverage = sum(w * pass_at_k(nn, cc, k) for (nn, cc), w in nc.items()) / n_problems
            diversity = sum(w * diversity_at_k(nn, [m], k) for (nn, m), w in nm.items()) \
                / n_problems
            maj = np.mean([maj_at_k(a, ok, k, rng) for a, ok in answers.values()])
            rows.append({"generator": gen, "k": k, "problems": n_problems,
                         "flops": flops_per_sample * k * n_problems, "coverage": coverage,
                         "maj": maj, "diversity": diversity, "fpr": _rate(fpr),
                         "fpr_low": fpr.low, "fpr_high": fpr.high, "fpr_n": fpr.reviewed})
    return pd.DataFrame(rows)


def _generator_table(store: Store, traces: pd.DataFrame, dispersion: pd.DataFrame,
                     vectors: dict[str, np.ndarray]) -> pd.DataFrame:
    rows = []
    for gen, group in traces.groupby("generator"):
        correct = group[group["correct"] == True]  # noqa: E712
        disp = dispersion[dispersion["generator"] == gen]
        lexical = store.traces.texts(_sample(correct["trace_id"], LEXICAL_TEXTS))["text"].tolist()
        ids = [t for t in _sample(correct["trace_id"], ID_POINTS) if t in vectors]
        rows.append({
            "generator": gen, "params": group["params"].iloc[0],
            "problems": group["problem_id"].nunique(),
            "samples_per_problem": group.groupby("problem_id").size().median(),
            "flops": group["flops_per_sample"].sum(),
            **_slice_metrics(group, disp, problem_level=True),
            "distinct_2": distinct_ngrams(lexical, 2) if lexical else np.nan,
            "compression_ratio": compression_ratio(lexical) if lexical else np.nan,
            "intrinsic_dim": mle_intrinsic_dimension(np.array([vectors[t] for t in ids]))
            if len(ids) > 20 else np.nan,
        })
    return pd.DataFrame(rows)


def _slice_metrics(group: pd.DataFrame, dispersion: pd.DataFrame, problem_level: bool) -> dict:
    """The metrics every slice gets. Coverage and diversity need whole problems: they are
    left out (NaN) for slices of traces, such as step-count buckets."""
    correct = group[group["correct"] == True]  # noqa: E712
    fpr = _fpr(group)
    per_problem = group.groupby("problem_id")
    row = {
        "traces": len(group), "accuracy": group["correct"].mean(),
        "fpr_human": _rate(fpr), "fpr_low": fpr.low, "fpr_high": fpr.high,
        "fpr_n": fpr.reviewed, "fpr_basis": fpr.basis(),
        "suspect_share": correct["suspect"].mean() if len(correct) else np.nan,
        "static_errors": (group["error_kind"] == "static").mean(),
        "dynamic_errors": (group["error_kind"] == "dynamic").mean(),
        "coverage": np.nan, "unique_correct": np.nan, "cosine_distance": np.nan,
        "vendi": np.nan, **{near_duplicate_column(t): np.nan for t in NEAR_DUPLICATES},
        "steps": group["n_steps"].mean(), "tokens": group["n_tokens"].mean(),
        "operations": group["operations"].mean(),
    }
    if problem_level:
        n, c = per_problem.size(), per_problem["correct"].sum()
        k = int(n.min())
        unique = correct.groupby("problem_id")["signature"].nunique()
        disp = dispersion[dispersion["problem_id"].isin(n.index)]
        unique = unique.reindex(n.index, fill_value=0)
        solved = (unique > 0).mean()  # the merged counts exist for solved problems only
        row.update({
            "coverage": float(np.mean([pass_at_k(int(a), int(b), k) for a, b in zip(n, c)])),
            "unique_correct": unique.mean(),
            "cosine_distance": disp["cosine_distance"].mean(), "vendi": disp["vendi"].mean(),
            **{near_duplicate_column(t): disp[near_duplicate_column(t)].mean() * solved
               if len(disp) else np.nan for t in NEAR_DUPLICATES}})
    return row


def _slices(traces: pd.DataFrame, dispersion: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for dimension, problem_level in (("source", True), ("run_id", True), ("level", True),
                                     ("topic", True), ("steps_bucket", False)):
        for (value, gen), group in traces.dropna(subset=[dimension]).groupby(
                [dimension, "generator"]):
            disp = dispersion[dispersion["generator"] == gen]
            rows.append({"slice": dimension.replace("_id", "").replace("_", " "),
                         "value": str(value),
                         "generator": gen, **_slice_metrics(group, disp, problem_level)})
    return pd.DataFrame(rows)
