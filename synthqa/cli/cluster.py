"""`python -m synthqa cluster embed | verify`: embedding and answer checks as Ray Data jobs.

Verbs import what they need inside them, so `--help` and quick verbs start fast."""
from __future__ import annotations

import sys
from contextlib import closing

from synthqa.cli.codes import EXIT_FAILED, EXIT_OK, EXIT_USAGE


def cmd_cluster(args, workspace) -> int:
    from synthqa.cluster import job as cluster_job
    from synthqa.config import Settings
    from synthqa.ingest.inbox import ingest_inbox
    from synthqa.jobs import batch
    from synthqa.jobs.runner import Jobs

    ws = workspace.init()
    job = cluster_job.ClusterJob(batch.new_run_id(f"cluster-{args.task}"),
                                 args.task, embedder=args.embedder, everything=args.all,
                                 batch_size=args.batch_size, max_actors=args.max_actors)
    try:
        with closing(ws.open_store()) as store:
            submitted, n = cluster_job.start(ws, store, job, Settings.from_env().ray_python)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if submitted is None:
        print("nothing to do: every trace is done")
        return EXIT_OK
    print(f"{job.run_id}: {n:,} traces sent to the Ray cluster ({submitted.status})")
    if not args.wait:
        print("results arrive in inbox/: the dashboard ingests them (or run this with --wait)")
        return EXIT_OK
    runner = Jobs(ws)
    done = runner.wait(submitted.job_id)
    with closing(ws.open_store()) as store:
        results = ingest_inbox(store, ws)
    rows = sum(r.n_records for r in results if r.fmt == cluster_job.TASKS[args.task])
    print(f"{done.job_id}: {done.status}; {rows:,} results ingested")
    if done.status != "SUCCEEDED":
        print(runner.log(done.job_id)[0][-2000:], file=sys.stderr)
    return EXIT_OK if done.status == "SUCCEEDED" else EXIT_FAILED


def add_parser(sub, workspace_of) -> None:
    from synthqa.embeddings.models import DEFAULT, EMBEDDERS

    cluster = sub.add_parser("cluster", help="embed or check answers on a Ray cluster "
                             "(Ray Data jobs at SYNTHQA_RAY_ADDRESS; results back via inbox/)")
    cluster.add_argument("task", choices=["embed", "verify"],
                         help="embed: traces without a vector of the embedder; verify: traces "
                         "checked by another verifier version (--all: every trace)")
    cluster.add_argument("--embedder", choices=list(EMBEDDERS), default=DEFAULT)
    cluster.add_argument("--all", action="store_true", help="verify: every trace")
    cluster.add_argument("--batch-size", type=int, default=1024)
    cluster.add_argument("--max-actors", type=int, default=8,
                         help="embed: at most this many model replicas on the cluster")
    cluster.add_argument("--wait", action="store_true", help="wait, then ingest the results")
    cluster.set_defaults(fn=lambda a: cmd_cluster(a, workspace_of(a)))
