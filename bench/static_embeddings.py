"""The static embedding model against all-MiniLM-L6-v2: speed, and how far diversity moves.

    python -m bench.static_embeddings [--minilm-texts 2000]

Texts: the solutions of OpenAI's public GSM8K file (../shared/data). Speed: texts/s of each
model's `synthqa.embeddings.models.encode` on the same texts after a warm-up (MiniLM on the first
--minilm-texts, the static model on all). Agreement: for every problem with at least two
answer-correct solutions, the Vendi score and the mean pairwise cosine distance under each model,
and Spearman's rank correlation between the two models' per-problem figures (issue 13's goal:
>= 0.9), as the Data quality page computes them.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from synthqa.embeddings import models as embeddings
from synthqa.ingest.commit import import_file
from synthqa.metrics.diversity import mean_pairwise_cosine_distance, vendi_score
from synthqa.workspace import Workspace

GSM8K = Path(__file__).resolve().parents[2] / "shared" / "data" / \
    "gsm8k_example_model_solutions.jsonl"


def rate(texts: list[str], key: str) -> float:
    embeddings.encode(texts[:64], key)                              # warm-up
    start = time.perf_counter()
    embeddings.encode(texts, key)
    return len(texts) / (time.perf_counter() - start)


def per_problem(groups: list[list[str]], key: str) -> tuple[np.ndarray, np.ndarray]:
    flat = [t for g in groups for t in g]
    vectors, out_vendi, out_dist, at = embeddings.encode(flat, key), [], [], 0
    for group in groups:
        x = vectors[at: at + len(group)]
        at += len(group)
        out_vendi.append(vendi_score(x))
        out_dist.append(mean_pairwise_cosine_distance(x))
    return np.array(out_vendi), np.array(out_dist)


def main(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Workspace(Path(tmp) / "ws").init().open_store()
        import_file(store, GSM8K)
        texts = store.df("SELECT text FROM traces ORDER BY trace_id")["text"].tolist()
        correct = store.df("SELECT problem_id, list(text ORDER BY trace_id) AS texts FROM "
                           "traces_effective WHERE correct GROUP BY problem_id "
                           "HAVING count(*) >= 2 ORDER BY problem_id")
        store.close()
    static = rate(texts, "static")
    minilm = rate(texts[: args.minilm_texts], "minilm")
    print(f"{len(texts):,} GSM8K solutions, mean {sum(map(len, texts)) / len(texts):.0f} chars")
    print(f"static (model2vec, 256 dims): {static:,.0f} texts/s")
    print(f"all-MiniLM-L6-v2 (384 dims):  {minilm:,.1f} texts/s (first {args.minilm_texts:,})")
    print(f"static / MiniLM: {static / minilm:,.0f}x")
    groups = [list(t) for t in correct["texts"]]
    started = time.perf_counter()
    v_static, d_static = per_problem(groups, "static")
    v_minilm, d_minilm = per_problem(groups, "minilm")
    print(f"{len(groups):,} problems with >= 2 correct solutions "
          f"({sum(map(len, groups)):,} solutions, {time.perf_counter() - started:.0f} s)")
    print(f"Spearman, per-problem Vendi score:          {spearmanr(v_static, v_minilm)[0]:.3f}")
    print(f"Spearman, per-problem mean cosine distance: {spearmanr(d_static, d_minilm)[0]:.3f}")
    print(f"mean Vendi static {v_static.mean():.3f} vs MiniLM {v_minilm.mean():.3f}; "
          f"mean distance static {d_static.mean():.3f} vs MiniLM {d_minilm.mean():.3f}")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minilm-texts", type=int, default=2000)
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
