"""Embedding and answer checks as Ray Data jobs (synthqa.cluster.job): the run's batches give
what the local path gives, and its shards come back through inbox/; opt-in, on a Ray head on
127.0.0.1 (SYNTHQA_TEST_RAY=/path/to/ray pytest -m ray tests/cluster/test_cluster_job.py)."""
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthqa.checks.answers import VERIFIER
from synthqa.checks.recheck import verify_frame
from synthqa.cluster import job as cluster_job
from synthqa.embeddings import models as embeddings
from synthqa.ingest.commit import import_file
from synthqa.ingest.inbox import ingest_inbox
from synthqa.jobs.batch import RunFolder
from tests.conftest import EXAMPLE, PATIENCE_S

STATIC = embeddings.EMBEDDERS["static"].model


def _stale_verdicts(store) -> pd.DataFrame:
    """Forget every verdict (an older verifier's, none kept); returns the right ones."""
    right = store.df("SELECT trace_id, is_correct FROM traces ORDER BY trace_id")
    with store.transaction() as cur:
        cur.execute("UPDATE traces SET is_correct = NULL, verifier = 'old-verifier'")
    return right


def _run_without_ray(workspace, run_id) -> None:
    """What the cluster does, on this machine: the same batch functions, the same shards."""
    folder = workspace.runs / run_id
    job = cluster_job.ClusterJob(**json.loads((folder / "job.json").read_text()))
    frame = pd.read_parquet(folder / "input")
    udf = (cluster_job.EmbedBatch(job.embedder) if job.task == "embed"
           else verify_frame)
    for start in range(0, len(frame), 3):                    # several shards
        out = udf(frame.iloc[start: start + 3])
        batch = out if isinstance(out, dict) else {c: out[c].to_numpy() for c in out}
        RunFolder(workspace, run_id).shard(start, cluster_job.shard_table(batch),
                          cluster_job.TASKS[job.task])


def test_the_cluster_batches_store_what_the_local_path_stores(workspace, store):
    import_file(store, EXAMPLE)
    job = cluster_job.ClusterJob("cluster-embed-t", "embed")
    assert cluster_job.prepare(workspace, store, job) == store.count("traces")
    _run_without_ray(workspace, job.run_id)
    results = ingest_inbox(store, workspace)
    assert {r.fmt for r in results} == {"embeddings"} and all(r.ok for r in results)
    stored = store.embeddings.of(STATIC).sort_values("trace_id")
    texts = store.df("SELECT trace_id, text FROM traces ORDER BY trace_id")
    assert stored.trace_id.tolist() == texts.trace_id.tolist()
    assert np.allclose(embeddings.matrix(stored), embeddings.encode(texts.text.tolist()),
                       atol=1e-6)
    assert cluster_job.prepare(workspace, store, cluster_job.ClusterJob("again", "embed")) == 0

    right = _stale_verdicts(store)
    job = cluster_job.ClusterJob("cluster-verify-t", "verify")
    assert cluster_job.prepare(workspace, store, job) == len(right)
    _run_without_ray(workspace, job.run_id)
    ingest_inbox(store, workspace)
    after = store.df("SELECT trace_id, is_correct, verifier FROM traces ORDER BY trace_id")
    assert after.is_correct.tolist() == right.is_correct.tolist()
    assert set(after.verifier) == {VERIFIER}


def test_a_bad_job_is_refused_before_anything_is_written(workspace, store):
    with pytest.raises(ValueError, match="task"):
        cluster_job.prepare(workspace, store, cluster_job.ClusterJob("x", "train"))
    with pytest.raises(ValueError, match="embedder"):
        cluster_job.prepare(workspace, store, cluster_job.ClusterJob("x", "embed", "word2vec"))
    assert not (workspace.runs / "x").exists()


@pytest.mark.ray
def test_on_a_ray_cluster_embeddings_and_verdicts_come_back_through_the_inbox(
        workspace, store, ray_head, monkeypatch):
    from synthqa.jobs.runner import Jobs

    python = str(Path(os.environ["SYNTHQA_TEST_RAY"]).parent / "python")
    monkeypatch.setenv("SYNTHQA_RAY_ADDRESS", ray_head)
    import_file(store, EXAMPLE)
    right = _stale_verdicts(store)
    for task in ("embed", "verify"):
        job, n = cluster_job.start(workspace, store, cluster_job.ClusterJob(
            f"cluster-{task}-ray", task, batch_size=4, max_actors=2), python)
        assert n == len(right) and job.backend == "ray"
        runner, deadline = Jobs(workspace), time.monotonic() + PATIENCE_S
        while not runner.status(job.job_id).final and time.monotonic() < deadline:
            time.sleep(0.5)
        assert runner.status(job.job_id).status == "SUCCEEDED", runner.log(job.job_id)[0][-3000:]
    ingest_inbox(store, workspace)
    texts = store.df("SELECT trace_id, text FROM traces ORDER BY trace_id")
    stored = store.embeddings.of(STATIC).sort_values("trace_id")
    assert stored.trace_id.tolist() == texts.trace_id.tolist()
    assert np.allclose(embeddings.matrix(stored), embeddings.encode(texts.text.tolist()),
                       atol=1e-6)
    after = store.df("SELECT trace_id, is_correct FROM traces ORDER BY trace_id")
    assert after.is_correct.tolist() == right.is_correct.tolist()
