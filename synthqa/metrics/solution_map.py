"""The report's 2-D map of solutions: an equal share of embedded solutions per generator,
projected with PCA and t-SNE (cosine)."""
from __future__ import annotations

import pandas as pd

from synthqa.checks.stepcheck import CHECKER
from synthqa.embeddings import models as embeddings
from synthqa.metrics.seeded import SEED, sample, sample_rows
from synthqa.store import Store

MAP_POINTS = 2000          # solutions on the 2-D map (stratified by generator)


def solution_map(store: Store, model: str) -> pd.DataFrame:
    """Up to MAP_POINTS embedded solutions (an equal share per generator), projected to 2-D with
    PCA and t-SNE (cosine), with what the map colours by and what opens on a click."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    ids = store.summaries.trace_generators()
    candidates = None if len(ids) <= MAP_POINTS else map_candidates(ids)
    embedded = store.embeddings.of(model, candidates)
    traces = store.summaries.metric_inputs(CHECKER, trace_ids=embedded["trace_id"].tolist())
    embedded = embedded.merge(traces, on="trace_id").sort_values("trace_id")
    if len(embedded) < 3:
        return pd.DataFrame()
    share = max(1, MAP_POINTS // embedded["generator"].nunique())
    picked = pd.concat(sample_rows(g, share) for _, g in embedded.groupby("generator"))
    x = embeddings.matrix(picked)
    pca = PCA(n_components=2, random_state=SEED).fit_transform(x)
    tsne = TSNE(n_components=2, metric="cosine", init="pca", random_state=SEED,
                perplexity=min(30.0, (len(x) - 1) / 3)).fit_transform(x)
    problems = store.traces.problem_texts(picked["problem_id"].unique().tolist())
    out = picked[["trace_id", "generator", "correct", "suspect", "human_verdict",
                  "problem_id"]].copy()
    out["correct"] = out["correct"].map({True: "correct", False: "wrong"}).fillna("unchecked")
    out["label"] = out["human_verdict"].fillna("unreviewed")
    out["problem"] = out["problem_id"].map(problems).str.slice(0, 100)
    out["pca_x"], out["pca_y"] = pca[:, 0], pca[:, 1]
    out["tsne_x"], out["tsne_y"] = tsne[:, 0], tsne[:, 1]
    return out.drop(columns=["human_verdict", "problem_id"]).reset_index(drop=True)


def map_candidates(traces: pd.DataFrame) -> list[str]:
    """A few times MAP_POINTS trace ids per generator, so that enough of them are embedded."""
    share = 4 * MAP_POINTS // traces["generator"].nunique()
    return [t for _, g in traces.groupby("generator") for t in sample(g["trace_id"], share)]
