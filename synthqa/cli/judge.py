"""`python -m synthqa judge run | eval | train-prm`: automatic judges of the reasoning.

Verbs import what they need inside them, so `--help` and quick verbs start fast."""
from __future__ import annotations

import sys
from contextlib import closing
from pathlib import Path

from synthqa.cli.codes import EXIT_FAILED, EXIT_OK, EXIT_USAGE


def cmd_judge_run(args, workspace) -> int:
    from synthqa.jobs import batch
    from synthqa.judges import job as judge_job

    ws = workspace.init()
    if args.resume:
        return _resume(ws, args.resume)
    run_id = batch.new_run_id(f"judge-{args.backend}")
    prompt = Path(args.prompt_file).read_text() if args.prompt_file else ""
    job = judge_job.JudgeJob(run_id, args.backend, policy=args.policy or "", mode=args.mode,
                             base_url=args.url or "", model=args.model or "", n=args.n,
                             temperature=args.temperature, max_tokens=args.max_tokens,
                             prompt=prompt, model_dir=args.model_dir or "",
                             prm_format=args.prm_format)
    try:
        with closing(ws.open_store()) as store:
            n = judge_job.prepare(ws, store, job, args.generator, not args.all, args.limit)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{run_id}: {n:,} traces to judge ({args.backend})")
    return _judge_and_ingest(ws, run_id)


def _judge_and_ingest(ws, run_id: str) -> int:
    from synthqa.ingest.inbox import ingest_inbox
    from synthqa.judges import job as judge_job

    n = judge_job.run(ws, run_id)
    print(f"{run_id}: judged {n:,} traces now")
    with closing(ws.open_store()) as store:
        ingest_inbox(store, ws)
        summary = store.judges.summary()
    print(summary.to_string(index=False))
    return EXIT_OK


def _resume(ws, run_id: str) -> int:
    """Go on with a judge run (a killed or failed one): the traces it has done are skipped."""
    from synthqa.jobs import batch

    folder = batch.RunFolder(ws, run_id)
    if "/" in run_id or run_id.startswith(".") or not (folder.folder / batch.INPUT).is_file():
        print(f"error: no judge run {run_id!r} in {ws.runs}", file=sys.stderr)
        return EXIT_USAGE
    left = len(folder.items()) - len(folder.done())
    print(f"{run_id}: {left:,} traces left to judge")
    return _judge_and_ingest(ws, run_id)


def cmd_judge_eval(args, workspace) -> int:
    import json

    from synthqa.judges import evaluate

    with workspace.reader() as store:
        pairs = store.judges.against_humans(args.judge)
    rows = evaluate.table(pairs)
    if args.json:
        for row in rows[list(evaluate.FIELDS)].to_dict("records"):
            print(json.dumps(evaluate.json_safe(row)))
        return EXIT_OK
    if rows.empty:
        print("no judge verdicts on human-labelled traces yet: python -m synthqa judge run")
        return EXIT_OK
    print(rows.to_string(index=False, float_format="%.3f"))
    return EXIT_OK


def cmd_judge_train_prm(args, workspace) -> int:
    from synthqa.jobs import batch
    from synthqa.jobs.runner import Jobs
    from synthqa.judges.prm_data import training_records
    from synthqa.lab.model import model_choice
    from synthqa.train.prm import PrmConfig

    ws = workspace.init()
    run_id = batch.new_run_id("prm")
    run_dir = ws.runs / run_id
    run_dir.mkdir(parents=True)
    with closing(ws.open_store()) as store:
        records = training_records(store, args.policy, args.mode, args.lab_exact)
    if records.empty:
        print("no stepwise labels yet: import or review human labels, or roll out pits",
              file=sys.stderr)
        return EXIT_FAILED
    records.drop(columns="origin").to_json(run_dir / "prm.jsonl", orient="records", lines=True)
    config = PrmConfig(model_choice(args.base).path,
                       str((run_dir / "prm.jsonl").resolve()), args.steps, args.lr,
                       args.batch_size)
    config.save(run_dir)
    print(f"{run_id}: {len(records):,} examples (" + ", ".join(
        f"{n:,} {o}" for o, n in records["origin"].value_counts().items()) + ")")
    job = Jobs(ws).start("train-prm", "synthqa.train.prm", run_id,
                       args=["--run-dir", str(run_dir.resolve())])
    if not args.wait:
        print(f"{job.job_id}: {job.status}; the PRM will be in {run_dir / 'model'}")
        return EXIT_OK
    job = Jobs(ws).wait(job.job_id)
    print(f"{job.job_id}: {job.status}; model in {run_dir / 'model'}")
    return EXIT_OK if job.status == "SUCCEEDED" else EXIT_FAILED


def add_parser(sub, workspace_of) -> None:
    """`judge` and its verbs; `workspace_of(args)` gives the chosen workspace."""
    from synthqa.judges.job import API_KEY_ENV, BACKENDS

    judge = sub.add_parser("judge", help="automatic judges of the reasoning: run one, or "
                           "compare every judge with the human labels")
    verbs = judge.add_subparsers(dest="verb", required=True)
    run = verbs.add_parser("run", help="score traces with a judge (P(flawed), first wrong step)")
    run.add_argument("--backend", choices=BACKENDS, default="stepcheck")
    run.add_argument("--resume", metavar="RUN_ID", help="go on with this judge run (killed or "
                     "failed): the traces it has done are not judged again")
    run.add_argument("--generator", action="append", help="this generator's traces "
                     "(repeat for several; default: every generator); --limit applies to each")
    run.add_argument("--all", action="store_true", help="answer-wrong traces too")
    run.add_argument("--limit", type=int, default=500, help="traces (default 500)")
    run.add_argument("--policy", help="rollouts: the rollout policy whose values are read")
    run.add_argument("--mode", choices=["exhaustive", "binary"], default="exhaustive")
    run.add_argument("--url", help="critic: an OpenAI-compatible server; prm-endpoint: a "
                     "server with vLLM's pooling API (http://host:port)")
    run.add_argument("--model", help="critic, prm-endpoint: the model name the server serves")
    run.add_argument("--prm-format", choices=["qwen", "math-shepherd"], default="qwen",
                     help="prm-endpoint: the served PRM's input format (default qwen: "
                     "Qwen2.5-Math-PRM's <extra_0> after each step)")
    run.add_argument("-n", type=int, default=4, help="critic: samples per trace (default 4)")
    run.add_argument("--temperature", type=float, default=0.7)
    run.add_argument("--max-tokens", type=int, default=1024)
    run.add_argument("--prompt-file", help="critic: a prompt template with {problem}, "
                     "{paragraphs} (required) and {gold}; default ProcessBench's")
    run.add_argument("--model-dir", help="prm: a local token-classification model folder; "
                     "critic: a local causal model folder instead of --url (sampled by vLLM's "
                     "offline engine where it is installed, else transformers; its chat "
                     "template where it has one)")
    run.set_defaults(fn=lambda a: cmd_judge_run(a, workspace_of(a)))
    run.epilog = f"the critic's API key, if any, is read from ${API_KEY_ENV}"
    prm = verbs.add_parser("train-prm", help="train a process reward model from the "
                           "workspace's human labels (and MC pits, lab exact errors) as a job")
    prm.add_argument("--base", default="lab-wc", help="lab-wc, lab-se or a local model folder")
    prm.add_argument("--policy", help="also the first pits of this rollout policy")
    prm.add_argument("--mode", choices=["exhaustive", "binary"], default="exhaustive")
    prm.add_argument("--lab-exact", action="store_true",
                     help="also lab traces with their exact first wrong step")
    prm.add_argument("--steps", type=int, default=200)
    prm.add_argument("--lr", type=float, default=1e-4)
    prm.add_argument("--batch-size", type=int, default=8)
    prm.add_argument("--wait", action="store_true", help="wait for the job to end")
    prm.set_defaults(fn=lambda a: cmd_judge_train_prm(a, workspace_of(a)))
    ev = verbs.add_parser("eval", help="every judge against every labeller, per generator: "
                          "ProcessBench F1, precision / recall / AUROC on answer-correct traces")
    ev.add_argument("--judge", help="only this judge")
    ev.add_argument("--json", action="store_true", help="one JSON object per line")
    ev.set_defaults(fn=lambda a: cmd_judge_eval(a, workspace_of(a)))
