"""`python -m synthqa pairs | train`: training sets in TRL's formats, and fine-tuning jobs.

The command line imports what a verb needs inside it, so `--help` and quick verbs start fast."""
from __future__ import annotations

import sys
from contextlib import closing
from datetime import datetime
from pathlib import Path

from synthqa.cli.codes import EXIT_FAILED, EXIT_OK
from synthqa.workspace import Workspace


def cmd_pairs(args, ws: Workspace) -> int:
    from synthqa.train.pairs import PairChoices, export, export_problems

    choices = PairChoices(args.kind, args.generator, args.policy, args.mode,
                          exclude_suspects=args.exclude_suspects)
    with closing(ws.open_store()) as store:
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


def cmd_train(args, ws: Workspace) -> int:
    from synthqa.jobs.runner import Jobs
    from synthqa.lab.model import model_choice
    from synthqa.train.common import TrainConfig
    from synthqa.train.launch import submit

    ws = ws.init()
    base = model_choice(args.base).path
    config = TrainConfig(
        args.method, base, str(Path(args.data).resolve()), args.name, str(ws.root),
        max_steps=args.steps, learning_rate=args.lr, batch_size=args.batch_size, beta=args.beta,
        lora=args.lora, chat=args.chat, packing=args.packing, eval_problems=args.eval_problems,
        eval_samples=args.eval_samples,
        problems=str(Path(args.problems).resolve()) if args.problems else "",
        rft_samples=args.rft_samples, rft_rounds=args.rft_rounds, temperature=args.temperature,
        processes=args.processes, log_every=args.log_every, checkpointing=args.checkpointing,
        fsdp=args.fsdp)
    job_id = f"train-{args.method}-{args.name}-{datetime.now():%Y%m%dT%H%M%S}".replace(":", "_")
    config.save(ws.runs / job_id)
    job = submit(ws, config, ws.runs / job_id, job_id, args.backend)
    print(f"{job.job_id}: {job.status} (log and metrics in {job.run_dir})")
    if not args.wait:
        return EXIT_OK
    runner = Jobs(ws)
    job = runner.wait(job.job_id)
    print(f"{job.job_id}: {job.status}")
    if job.status != "SUCCEEDED":
        print(runner.log(job.job_id)[0][-2000:], file=sys.stderr)
        return EXIT_FAILED
    from synthqa.ingest.inbox import ingest_inbox
    from synthqa.train.launch import held_out_scores

    with closing(ws.open_store()) as store:
        ingest_inbox(store, ws)
        scores = held_out_scores(store, config)
    if scores:
        print(f"{args.name} on {args.eval_problems} held-out problems: " + ", ".join(
            f"{'greedy accuracy' if m == 'greedy' else m} {v:.3f}" for m, v in scores.items()))
    return EXIT_OK



def add_parser(sub, workspace_of) -> None:
    """Its verbs; `workspace_of(args)` gives the chosen workspace."""
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
    pai.set_defaults(fn=lambda a: cmd_pairs(a, workspace_of(a)))
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
    tra.add_argument("--packing", action="store_true", help="sft / rft: pack examples into "
                     "full-length rows without padding (TRL's padding-free packing)")
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
    tra.add_argument("--processes", type=int, default=0, help="sft / dpo: data-parallel "
                     "processes (torchrun, DDP; gloo on a CPU; default one per visible GPU); "
                     "--batch-size is split among them")
    tra.add_argument("--fsdp", action="store_true", help="sft / dpo full fine-tunes: shard "
                     "weights, gradients and optimizer state over the processes (FSDP, on "
                     "GPUs; chosen by itself when several GPUs train a model that would take "
                     "more than half of one)")
    tra.add_argument("--log-every", type=int, default=0, help="steps between metric lines "
                     "(default: every step up to 200 steps, else every 10th)")
    tra.add_argument("--checkpointing", action="store_true",
                     help="activation checkpointing: less memory for a larger model or batch")
    tra.add_argument("--backend", choices=["local", "ray"],
                     help="where the job runs (default: SYNTHQA_JOB_BACKEND)")
    tra.add_argument("--wait", action="store_true", help="wait, ingest, print the accuracy")
    tra.set_defaults(fn=lambda a: cmd_train(a, workspace_of(a)))
