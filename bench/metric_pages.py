"""The metric pages on a large workspace: computing the report, and what a page visit costs.

    python -m bench.metric_pages --n 1000000 [--workspace DIR]

Builds (or reuses) the workspace of bench.page_queries, embeds the solutions the map can show
(the map's candidates only: embedding 1M solutions takes hours on a CPU), computes the report
once, then times what both metric pages run on each visit: the freshness check and loading
the cached report.
"""
from __future__ import annotations

import time

from bench.page_queries import make_parser, open_built, timed
from synthqa.embeddings import models as embeddings
from synthqa.metrics import report, solution_map


def embed_map_candidates(store) -> int:
    ids = solution_map.map_candidates(store.summaries.trace_generators())
    have = set(store.embeddings.of(embeddings.MODEL, ids)["trace_id"])
    todo = [t for t in ids if t not in have]
    texts = store.traces.texts(todo)
    if len(texts):
        store.embeddings.add(embeddings.MODEL, texts["trace_id"],
                             embeddings.encode(texts["text"].tolist()))
    return len(ids)


def main(args) -> None:
    store = open_built(args.workspace, args.n)
    print(f"{store.count('traces'):,} traces, {store.count('steps'):,} steps; dev machine")
    start = time.perf_counter()
    n = embed_map_candidates(store)
    print(f"embedded {n:,} map candidates in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    rep = report.recompute(store, embed=False)
    print(f"report computed and cached in {time.perf_counter() - start:.1f} s "
          f"({len(rep.to_json()) / 2**20:.2f} MB of JSON)")
    print(f"{'page visit, ' + str(args.repeat) + ' runs':34} {'median ms':>10} {'p95 ms':>8}")
    for name, fn in (("freshness check (inputs_version)", store.inputs_version),
                     ("cached report: load + freshness", lambda: report.cached(store))):
        median, p95 = timed(fn, args.repeat)
        print(f"{name:34} {median:10.1f} {p95:8.1f}")
    store.close()


if __name__ == "__main__":
    main(make_parser().parse_args())
