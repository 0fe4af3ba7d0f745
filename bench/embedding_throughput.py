"""Embedding throughput: SynthQA's stored embeddings against sentence-transformers directly.

    python -m bench.embedding_throughput [--n 2000]

Texts: the solutions of OpenAI's public GSM8K file when ../shared/data has it, else generated
GSM8K-style solutions. Three timings on the same texts, after one warm-up: the model's own
`encode`, `synthqa.embeddings.models.encode`, and `embed_missing` (read from the store, encode, write
FLOAT[384] rows back in chunks).
"""
from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from bench.gen_traces import make_record
from synthqa.embeddings import models as embeddings
from synthqa.ingest.commit import import_file
from synthqa.workspace import Workspace

GSM8K = Path(__file__).resolve().parents[2] / "shared" / "data" / \
    "gsm8k_example_model_solutions.jsonl"


def texts_file(folder: Path, n: int) -> tuple[Path, str]:
    out = folder / "traces.jsonl"
    if GSM8K.is_file():
        with GSM8K.open() as src, out.open("w") as dst:
            for line in src:
                dst.write(line)
        return out, "GSM8K model solutions (public file)"
    rng = random.Random(0)
    with out.open("w") as dst:
        for i in range(n):
            dst.write(json.dumps(make_record(i, rng)) + "\n")
    return out, "generated GSM8K-style solutions"


def rate(n: int, fn) -> float:
    start = time.perf_counter()
    fn()
    return n / (time.perf_counter() - start)


def main(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path, what = texts_file(Path(tmp), args.n)
        store = Workspace(Path(tmp) / "ws").init().open_store()
        import_file(store, path)
        texts = store.df("SELECT trace_id, text FROM traces ORDER BY trace_id LIMIT ?",
                         [args.n])
        store.df("DELETE FROM traces WHERE trace_id NOT IN (SELECT unnest(?))",
                 [texts["trace_id"].tolist()])
        items = texts["text"].tolist()
        start = time.perf_counter()
        model = embeddings.model()
        print(f"model load {time.perf_counter() - start:.1f} s; {len(items):,} texts: {what}, "
              f"mean {sum(map(len, items)) / len(items):.0f} characters")
        model.encode(items[:64], batch_size=64)                       # warm-up
        direct = rate(len(items), lambda: model.encode(items, batch_size=64))
        ours = rate(len(items), lambda: embeddings.encode(items))
        stored = rate(len(items), lambda: embeddings.embed_missing(store))
        assert store.embeddings.count(embeddings.MODEL) == len(items)
        store.close()
    print(f"{'path':52} {'texts/s':>8} {'vs direct':>9}")
    for name, value in (("sentence-transformers encode (batch 64)", direct),
                        ("synthqa.embeddings.models.encode (unit vectors)", ours),
                        ("embed_missing: read, encode, write to the store", stored)):
        print(f"{name:52} {value:8.1f} {value / direct:9.2f}")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
