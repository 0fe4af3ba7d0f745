"""`python -m synthqa init | import | verify | stats | export | metrics | compare | problems | index | rollouts | pairs | train | experiment | judge | demo` (exit codes: EXIT_CODES)."""
from __future__ import annotations

import argparse
import sys
from contextlib import closing
from datetime import datetime
from pathlib import Path

from tqdm import tqdm

from synthqa.adapters import FORMATS
from synthqa.cli_cluster import add_parser as add_cluster_parser
from synthqa.cli_experiment import add_parser as add_experiment_parser
from synthqa.cli_judge import add_parser as add_judge_parsers
from synthqa.cli_problems import add_parser as add_problem_parsers
from synthqa.config import Settings
from synthqa.store import StoreBusy
from synthqa.workspace import Workspace

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL, EXIT_BUSY = 0, 1, 2, 3, 4
EXIT_CODES = """exit codes:
  0  done (an import queued into a busy workspace's inbox counts as done)
  1  failed: nothing imported (missing or empty file, every record bad)
  2  usage error
  3  partly done: some records were bad and skipped (each is named with file and line)
  4  the store is held by another process (e.g. the dashboard); import queues instead"""


def _workspace(args) -> Workspace:
    return Workspace(Settings.from_env(args.workspace).home)


def cmd_init(args) -> int:
    ws = _workspace(args)
    with closing(ws.open_store()) as store:
        print(f"workspace {ws.root} ready (schema v{store.schema_version()})")
    return EXIT_OK


def cmd_import(args) -> int:
    from synthqa.ingest import import_or_queue

    settings = Settings.from_env(args.workspace)
    worst = EXIT_OK
    for path in args.files:
        with tqdm(desc=f"import {path}", unit=" traces", disable=args.quiet) as bar:
            try:
                result = import_or_queue(Workspace(settings.home), path, args.format, settings,
                                         bar.update)
            except (OSError, ValueError) as exc:
                print(f"error: {exc}", file=sys.stderr)
                worst = max(worst, EXIT_FAILED)
                continue
        print(result.summary())
        for error in result.errors:
            print(f"  {error}", file=sys.stderr)
        if result.n_errors > len(result.errors):
            print(f"  … and {result.n_errors - len(result.errors)} more", file=sys.stderr)
        if not result.ok:
            code = EXIT_PARTIAL if result.n_traces else EXIT_FAILED
            worst = code if worst == EXIT_OK else max(worst, code)
    return worst


def cmd_verify(args) -> int:
    from synthqa.verdicts import recheck_steps, reverify

    settings = Settings.from_env(args.workspace)
    with closing(Workspace(settings.home).open_store()) as store:
        with tqdm(desc="answers", unit=" traces", disable=args.quiet) as bar:
            n = reverify(store, args.all, settings.verify_workers, bar.update)
        with tqdm(desc="step checks", unit=" traces", disable=args.quiet) as bar:
            m = recheck_steps(store, args.all, bar.update)
    print(f"checked {n:,} answers and the steps of {m:,} traces")
    return EXIT_OK


def cmd_stats(args) -> int:
    import json

    from synthqa.agreement import first_error_agreement
    from synthqa.review import fpr

    with closing(_workspace(args).open_store()) as store:
        stats, checks = store.summaries.generator_stats(), store.labels.step_check_vs_human()
        estimates = {g: fpr(store, g) for g in stats["generator"]}
    if args.json:
        for row in stats.itertuples():
            e = estimates[row.generator]
            print(json.dumps({
                "generator": row.generator, "traces": int(row.traces),
                "accuracy": None if row.accuracy != row.accuracy else float(row.accuracy),
                "fpr_human": e.rate, "fpr_low": e.low if e.reviewed else None,
                "fpr_high": e.high if e.reviewed else None, "fpr_n": e.reviewed,
                "fpr_method": e.method, "fpr_labellers": dict(e.labellers)}))
        return EXIT_OK
    if stats.empty:
        print("no traces yet: python -m synthqa import FILE")
        return EXIT_OK
    stats["accuracy"] = stats["accuracy"].map(lambda a: "" if a != a else f"{a:.3f}")
    print(stats.to_string(index=False))
    labelled = {g: e for g, e in estimates.items() if e.reviewed}
    if labelled:
        print("\nhuman FPR of answer-correct traces, from every label (95% CI, n, whose):")
        for g, e in labelled.items():
            print(f"  {g}: {e.describe()}")
    if checks:
        print("\nfirst failed step check vs human first-error label:")
        for source, pairs in checks.items():
            a = first_error_agreement(pairs)
            print(f"  {source}: {a['traces']} labelled traces, {a['flagged']} flagged, "
                  f"precision {a['precision']:.3f}, recall {a['recall']:.3f}, "
                  f"flagged traces humans call wrong {a['flag_precision']:.3f}")
    return EXIT_OK


def cmd_export(args) -> int:
    from synthqa.export import export_file

    with closing(_workspace(args).open_store()) as store:
        n = export_file(store, args.out, args.generator, args.source, args.labelled, args.format)
    print(f"wrote {n:,} {'examples' if args.format == 'prm' else 'traces'} to {args.out}")
    return EXIT_OK


def cmd_metrics(args) -> int:
    from synthqa.metrics import report

    with closing(_workspace(args).open_store()) as store, \
            tqdm(total=100, desc="metrics", unit="%", disable=args.quiet) as bar:
        def progress(fraction: float, message: str) -> None:
            bar.set_postfix_str(message, refresh=False)
            bar.update(round(100 * fraction) - bar.n)
        result = report.recompute(store, progress, embed=not args.no_embed,
                                  embedder=args.embedder)
    if result.generators.empty:
        print("no traces yet: python -m synthqa import FILE")
        return EXIT_OK
    columns = ["generator", "traces", "accuracy", "coverage", "unique_correct", "vendi",
               "intrinsic_dim", "suspect_share", "fpr_human", "fpr_n"]
    print(result.generators[columns].to_string(index=False, float_format="%.3f"))
    for note in result.notes:
        print(f"note: {note}")
    return EXIT_OK


def cmd_rollouts(args) -> int:
    from synthqa import pits, rollout_job
    from synthqa.ingest import ingest_inbox

    ws = _workspace(args)
    name = args.policy_name or Path(args.policy).name
    job = rollout_job.RolloutJob(
        f"rollouts-{name}-{args.mode}-{datetime.now():%Y%m%dT%H%M%S}",
        policy_choice(args.policy, name), args.mode, args.k, args.temperature,
        args.max_tokens, args.prompt_template)
    with closing(ws.open_store()) as store:
        n = rollout_job.prepare(ws, store, job, args.generator, not args.all, args.limit)
        print(f"{job.run_id}: {n:,} traces, K = {job.k}, {job.mode}")
        rollout_job.run(ws, job.run_id)
        ingest_inbox(store, ws)
        frame = store.values.pits_frame()
        frame = frame[(frame["policy"] == job.policy.name) & (frame["mode"] == job.mode)]
        traces = store.values.rollout_inputs(args.generator, not args.all, args.limit)
    run_pits = frame[frame["trace_id"].isin(traces["trace_id"])]
    print(f"rollouts per trace {run_pits['rollouts_used'].mean():.1f}; "
          f"pits found {run_pits['pit_step'].notna().sum():,} of "
          f"{(~traces['correct']).sum():,} wrong traces")
    for name, pairs in (("lab exact first wrong step", pits.lab_pairs(run_pits, traces)),
                        ("human first-error labels", pits.human_pairs(run_pits))):
        a = pits.agreement(pairs)
        if a["traces"]:
            print(f"pit vs {name}: {a['traces']} traces, exact {a['exact']:.3f}, "
                  f"within ±1 {a['within_1']:.3f}, mean offset {a['mean_offset']:+.2f}")
    return EXIT_OK


def cmd_pairs(args) -> int:
    from synthqa.pairs import PairChoices, export, export_problems

    choices = PairChoices(args.kind, args.generator, args.policy, args.mode,
                          exclude_suspects=args.exclude_suspects)
    with closing(_workspace(args).open_store()) as store:
        n = export(store, choices, args.out)
        if args.kind == "rft":
            problems = Path(f"{args.out}.problems.jsonl")
            k = export_problems(store, choices, problems)
            print(f"wrote {k:,} problems with gold answers to {problems} (for train --method rft)")
    print(f"wrote {n:,} {args.kind} examples to {args.out} (choices in "
          f"{args.out}.manifest.json)")
    if n == 0 and args.kind not in ("sft", "rft"):
        print("note: a pair needs an answer-correct solution of the same problem as its wrong "
              "one (and, per step, a pit); none of the chosen traces has both", file=sys.stderr)
    return EXIT_OK


def cmd_train(args) -> int:
    import time

    from synthqa.jobs.runner import Jobs
    from synthqa.train.common import TrainConfig
    from synthqa.train.launch import command

    ws = _workspace(args).init()
    base = policy_choice(args.base, args.base).path
    config = TrainConfig(
        args.method, base, str(Path(args.data).resolve()), args.name, str(ws.root),
        max_steps=args.steps, learning_rate=args.lr, batch_size=args.batch_size, beta=args.beta,
        lora=args.lora, chat=args.chat, eval_problems=args.eval_problems, eval_samples=args.eval_samples,
        problems=str(Path(args.problems).resolve()) if args.problems else "",
        rft_samples=args.rft_samples, rft_rounds=args.rft_rounds, temperature=args.temperature)
    job_id = f"train-{args.method}-{args.name}-{datetime.now():%Y%m%dT%H%M%S}".replace(":", "_")
    config.save(ws.runs / job_id)
    runner = Jobs(ws)
    job, _ = runner.submit("train", command(config, ws.runs / job_id), submit_key=job_id,
                           job_id=job_id, backend=args.backend)
    print(f"{job.job_id}: {job.status} (log and metrics in {job.run_dir})")
    if not args.wait:
        return EXIT_OK
    while not runner.status(job.job_id).final:
        time.sleep(1)
    job = runner.status(job.job_id)
    print(f"{job.job_id}: {job.status}")
    if job.status != "SUCCEEDED":
        print(runner.log(job.job_id)[0][-2000:], file=sys.stderr)
        return EXIT_FAILED
    from synthqa.ingest import ingest_inbox
    from synthqa.train.launch import held_out_scores

    with closing(ws.open_store()) as store:
        ingest_inbox(store, ws)
        scores = held_out_scores(store, config)
    if scores:
        print(f"{args.name} on {args.eval_problems} held-out problems: " + ", ".join(
            f"{'greedy accuracy' if m == 'greedy' else m} {v:.3f}" for m, v in scores.items()))
    return EXIT_OK


def policy_choice(policy: str, name: str):
    """A lab preset (`lab-wc`, `lab-se`) or a local model folder."""
    from synthqa.lab.model import DATA_DIR
    from synthqa.sampling.job import ModelChoice

    presets = {"lab-wc": DATA_DIR / "wc", "lab-se": DATA_DIR / "se",
               "lab-tiny": DATA_DIR / "tiny"}
    return ModelChoice(name, path=str(presets.get(policy, policy)))


def cmd_index(args) -> int:
    with closing(_workspace(args).open_store()) as store:
        n = store.rebuild_search()
    print(f"full-text index rebuilt: {n:,} traces")
    return EXIT_OK


def cmd_compare(args) -> int:
    from synthqa.compare import CompareError, compare

    with closing(_workspace(args).open_store()) as store:
        try:
            result = compare(store, args.se, args.wc)
            print(result.to_json() if args.json else result.text())
        except CompareError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_FAILED
    return EXIT_OK


def cmd_demo(args) -> int:
    from synthqa.lab.demo import build_demo, build_smollm2_demo, tracked

    settings = Settings.from_env(args.workspace)
    ws = Workspace(settings.home).init()
    if args.source == "smollm2":
        n_problems = args.problems or 36
        with tqdm(desc="SmolLM2 sampling", unit=" problems", disable=args.quiet) as bar:
            n = build_smollm2_demo(ws, n_problems, settings.cache,
                                   progress=tracked(ws, "smollm2", n_problems, bar.update))
        print(f"workspace {ws.root}: {n:,} traces" if n else
              f"the store is held by the dashboard: it ingests the samples from {ws.inbox}")
        return EXIT_OK
    n_problems = args.problems or 300
    with tqdm(desc="sampling", unit=" problems", disable=args.quiet) as bar:  # SE, then WC
        result = build_demo(ws, n_problems, args.se_samples,
                            tracked(ws, "lab", 2 * n_problems, bar.update))
    if result.ingested:
        print(f"demo workspace {ws.root}: {result.traces:,} traces")
        for row in result.summary:
            print("  " + ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                                   for k, v in row.items()))
    else:
        print(f"the store is held by the dashboard: it ingests the samples from {ws.inbox}")
    return EXIT_OK


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m synthqa", description="SynthQA workspace commands.", epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", help="workspace folder (default: $SYNTHQA_HOME or "
                        "./workspace)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("init", help="create the workspace and its store").set_defaults(fn=cmd_init)

    imp = sub.add_parser("import", help="import trace files (queued via inbox/ if the store "
                         "is held by the dashboard)", epilog=EXIT_CODES,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    imp.add_argument("files", nargs="+", help="JSONL, JSON or Parquet files")
    imp.add_argument("--format", default="auto", choices=["auto", *FORMATS],
                     help="source format (default: detect from the first record)")
    imp.set_defaults(fn=cmd_import)

    ver = sub.add_parser("verify", help="re-check answers and step checks with the current "
                         "verifier and checker")
    ver.add_argument("--all", action="store_true", help="every trace, not only those checked "
                     "by another version")
    ver.set_defaults(fn=cmd_verify)

    sta = sub.add_parser("stats", help="per generator: traces, accuracy, suspects, labelled, "
                         "the human FPR from every label (95%% CI, n, whose labels)")
    sta.add_argument("--json", action="store_true", help="one JSON object per generator")
    sta.set_defaults(fn=cmd_stats)

    exp = sub.add_parser("export", help="write traces in the SynthQA trace format")
    exp.add_argument("out", help="output file: .jsonl or .parquet")
    exp.add_argument("--generator", help="only this generator")
    exp.add_argument("--source", help="only this source (e.g. gsm8k)")
    exp.add_argument("--labelled", action="store_true", help="only traces with human labels")
    exp.add_argument("--format", choices=["traces", "prm"], default="traces",
                     help="traces: the SynthQA trace format; prm: TRL's stepwise supervision "
                     "(prompt, completions, labels) from human first-error labels")
    exp.set_defaults(fn=cmd_export)
    met = sub.add_parser("metrics", help="embed new solutions and recompute the cached "
                         "quality / diversity / complexity / coverage report")
    met.add_argument("--embedder", choices=["static", "minilm"], default="static",
                     help="static: model2vec distilled from MiniLM, thousands of texts/s "
                          "(default); minilm: all-MiniLM-L6-v2 itself, the accurate choice")
    met.add_argument("--no-embed", action="store_true", help="skip embedding new solutions "
                     "(diversity from embeddings then covers the embedded ones only)")
    met.set_defaults(fn=cmd_metrics)
    rol = sub.add_parser("rollouts", help="per-step values and first pits from Monte Carlo "
                         "rollouts of a policy (Setlur et al. 2024)")
    rol.add_argument("--policy", default="lab-wc",
                     help="lab-wc, lab-se or a local model folder (default lab-wc)")
    rol.add_argument("--policy-name", help="how the policy is recorded (default: --policy)")
    rol.add_argument("--generator", help="roll out this generator's traces (default: all)")
    rol.add_argument("--all", action="store_true", help="correct traces too (spurious steps)")
    rol.add_argument("--limit", type=int, default=50, help="traces (default 50)")
    rol.add_argument("--mode", choices=["exhaustive", "binary"], default="exhaustive",
                     help="every step (the paper), or binary search for the first zero value")
    rol.add_argument("-k", type=int, default=5, help="rollouts per prefix (default 5)")
    rol.add_argument("--temperature", type=float, default=0.7)
    rol.add_argument("--max-tokens", type=int, default=256)
    rol.add_argument("--prompt-template", default="{problem}\n",
                     help="what the policy sees before the steps (default: the lab's)")
    rol.set_defaults(fn=cmd_rollouts)
    pai = sub.add_parser("pairs", help="training sets in TRL's formats: sft, rft "
                         "(prompt/completion), dpo, step-dpo, self-explore "
                         "(prompt/chosen/rejected)")
    pai.add_argument("out", help="output file: .jsonl or .parquet")
    pai.add_argument("--kind", choices=["sft", "rft", "dpo", "step-dpo", "self-explore"],
                     default="step-dpo")
    pai.add_argument("--generator", help="only this generator's traces")
    pai.add_argument("--policy", help="rollout policy whose pits the per-step kinds use, "
                     "or 'first-error labels' for the traces' labels")
    pai.add_argument("--mode", choices=["exhaustive", "binary"], default="exhaustive")
    pai.add_argument("--exclude-suspects", action="store_true",
                     help="leave step-check suspects out of the correct solutions")
    pai.set_defaults(fn=cmd_pairs)
    tra = sub.add_parser("train", help="fine-tune a model on a training set (SFT, RFT or DPO, "
                         "TRL) as a background job; its evaluation is ingested as a generator")
    tra.add_argument("--method", choices=["sft", "rft", "dpo"], default="sft")
    tra.add_argument("--base", default="lab-wc", help="lab-wc, lab-se or a local model folder")
    tra.add_argument("--data", required=True, help="JSONL from `python -m synthqa pairs`")
    tra.add_argument("--name", required=True, help="the trained model's generator name")
    tra.add_argument("--steps", type=int, default=100)
    tra.add_argument("--lr", type=float, default=3e-5)
    tra.add_argument("--batch-size", type=int, default=8)
    tra.add_argument("--beta", type=float, default=0.1, help="DPO beta")
    tra.add_argument("--lora", action="store_true", help="LoRA adapters instead of all weights")
    tra.add_argument("--chat", action="store_true",
                     help="train and evaluate through the base model's chat template")
    tra.add_argument("--eval-problems", type=int, default=100,
                     help="held-out problems for the greedy evaluation")
    tra.add_argument("--eval-samples", type=int, default=8,
                     help="samples per held-out problem for pass@k and maj@k (0: greedy only)")
    tra.add_argument("--problems", help="rft: problems JSONL (pairs --kind rft writes one)")
    tra.add_argument("--rft-samples", type=int, default=4, help="rft: samples per problem")
    tra.add_argument("--rft-rounds", type=int, default=1, help="rft: sample-and-train rounds")
    tra.add_argument("--temperature", type=float, default=0.8, help="rft: sampling temperature")
    tra.add_argument("--backend", choices=["local", "ray"],
                     help="where the job runs (default: SYNTHQA_JOB_BACKEND)")
    tra.add_argument("--wait", action="store_true", help="wait, ingest, print the accuracy")
    tra.set_defaults(fn=cmd_train)
    add_judge_parsers(sub, _workspace)
    com = sub.add_parser("compare", help="SE vs WC at matched sampling compute: samples, "
                         "FLOPs, coverage, diversity and FPR (95%% interval) of each, deltas; "
                         "default: the demo's lab pair")
    com.add_argument("--se", help="the strong-expensive generator (default lab-se)")
    com.add_argument("--wc", help="the weak-cheap generator (default lab-wc)")
    com.add_argument("--json", action="store_true", help="one JSON object: the matched point "
                     "at the largest SE k that WC has samples for")
    com.set_defaults(fn=cmd_compare)
    add_problem_parsers(sub, _workspace)
    add_experiment_parser(sub, _workspace)
    add_cluster_parser(sub, _workspace)
    sub.add_parser("index", help="rebuild the full-text search index of the traces (after a "
                   "crash between an import and its indexing, or for an older workspace)"
                   ).set_defaults(fn=cmd_index)
    demo = sub.add_parser("demo", help="fill the workspace with lab problems sampled by the "
                          "weak-cheap and strong-expensive lab models at matched compute")
    demo.add_argument("--source", choices=["lab", "smollm2"], default="lab",
                      help="lab: the two lab models at matched compute; smollm2: "
                      "SmolLM2-135M-Instruct on GSM8K-style word problems (slow on a CPU)")
    demo.add_argument("--problems", type=int, help="problems to sample (lab 300, smollm2 36)")
    demo.add_argument("--se-samples", type=int, default=1,
                      help="SE samples per problem; the WC model gets (P_SE/P_WC) times more")
    demo.set_defaults(fn=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return args.fn(args)
    except StoreBusy as exc:
        print(f"error: {exc}; stop it or use its dashboard", file=sys.stderr)
        return EXIT_BUSY
