"""`python -m synthqa rollouts`: per-step values and first pits from Monte Carlo rollouts.

The command line imports what a verb needs inside it, so `--help` and quick verbs start fast."""
from __future__ import annotations

from contextlib import closing
from pathlib import Path

from synthqa.cli.codes import EXIT_OK
from synthqa.workspace import Workspace


def cmd_rollouts(args, ws: Workspace) -> int:
    from synthqa.ingest.inbox import ingest_inbox
    from synthqa.jobs import batch
    from synthqa.lab.model import model_choice
    from synthqa.values import job as rollout_job
    from synthqa.values import pits

    name = args.policy_name or Path(args.policy).name
    job = rollout_job.RolloutJob(
        batch.new_run_id(f"rollouts-{name}-{args.mode}"),
        model_choice(args.policy, name), args.mode, args.k, args.temperature,
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
        a = pits.pit_agreement(pairs)
        if a["traces"]:
            print(f"pit vs {name}: {a['traces']} traces, exact {a['exact']:.3f}, "
                  f"within ±1 {a['within_1']:.3f}, mean offset {a['mean_offset']:+.2f}")
    return EXIT_OK



def add_parser(sub, workspace_of) -> None:
    """Its verbs; `workspace_of(args)` gives the chosen workspace."""
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
    rol.set_defaults(fn=lambda a: cmd_rollouts(a, workspace_of(a)))
