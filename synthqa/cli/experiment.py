"""`python -m synthqa experiment`: the lab's fine-tuning experiments (SE vs WC data, SFT / RFT /
DPO / per-step DPO over data sizes) in one command, then their tables
(synthqa.train.experiment).

Verbs import what they need inside them, so `--help` and quick verbs start fast."""
from __future__ import annotations

import json
import sys
import time
from contextlib import closing, redirect_stdout
from dataclasses import asdict
from pathlib import Path

EXIT_OK, EXIT_FAILED = 0, 1


def cmd_experiment(args, workspace) -> int:
    from synthqa.train import experiment
    from synthqa.train import experiment_plan as plans

    if args.resume:
        folder = Path(args.resume).resolve()
        if not (folder / "plan.json").is_file():
            print(f"error: {folder}: no experiment there (no plan.json)", file=sys.stderr)
            return EXIT_FAILED
    else:
        plan = plans.Plan(seeds=args.seeds, epochs=args.epochs,
                               fractions=tuple(args.fractions), students=tuple(args.students),
                               learning_rates=tuple(args.lr), betas=tuple(args.beta),
                               pairs=tuple(args.pairs),
                               eval_problems=args.eval_problems, negatives=args.negatives)
        folder = experiment.folder_for(workspace)
        try:
            with closing(workspace.open_store()) as store:
                experiment.prepare(store, folder, plan)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_FAILED
    print(f"experiment in {folder}: {plans.planned(plans.load_plan(folder))} "
          "models to train; stopped, it goes on with --resume " + str(folder), file=sys.stderr)
    t0 = time.time()
    with redirect_stdout(sys.stderr):     # the trainers' logs; stdout is for the tables
        experiment.run(folder)
    show(folder, args.json, time.time() - t0)
    return EXIT_OK


def show(folder: Path, as_json: bool, seconds: float) -> None:
    from synthqa.train import experiment
    from synthqa.train import experiment_plan as plans
    from synthqa.train import experiment_report as report

    plan = plans.load_plan(folder)
    results = report.frame(experiment.results_of(folder))
    tables = {"se_vs_wc": report.se_vs_wc(results, plan), "methods": report.methods(results),
              "tuning": report.tuning(results)}
    if as_json:
        print(json.dumps({"folder": str(folder), "plan": asdict(plan), "seconds": round(seconds),
                          **{k: v.to_dict(orient="records") for k, v in tables.items()},
                          "multipliers": report.multipliers(results),
                          "findings": report.findings(results, plan)}, default=str))
        return
    for title, table in tables.items():
        rates = {c: "{:g}".format for c in ("lr", "beta", "sft_lr", "pairs") if c in table}
        print(f"\n{title}\n" + table.to_string(index=False, float_format="%.3f", na_rep="—",
                                               formatters=rates))
    print()
    for line in report.findings(results, plan):
        print(line)
    print(f"wall time {seconds / 60:.1f} min")


def add_parser(sub, workspace_of) -> None:
    from synthqa.train.experiment_plan import Plan

    d = Plan()
    exp = sub.add_parser("experiment", help="the lab's fine-tuning experiments: one student "
                         "on SE vs WC data at matched compute, SFT/RFT/DPO/per-step DPO over "
                         "data sizes, with seeds, tuned first (needs the demo's traces)")
    exp.add_argument("--seeds", type=int, default=d.seeds)
    exp.add_argument("--epochs", type=float, default=d.epochs, help="passes over each data set")
    exp.add_argument("--fractions", type=float, nargs="+", default=list(d.fractions),
                     help="data sizes: fractions of the problems")
    exp.add_argument("--students", nargs="+", default=list(d.students),
                     choices=["tiny", "wc", "se"], help="lab models fine-tuned on SE vs WC data")
    exp.add_argument("--lr", type=float, nargs="+", default=list(d.learning_rates),
                     help="learning rates tried (SFT; the best is used throughout)")
    exp.add_argument("--beta", type=float, nargs="+", default=list(d.betas),
                     help="DPO betas tried (per DPO kind)")
    exp.add_argument("--pairs", type=int, nargs="+", default=list(d.pairs),
                     help="DPO pairs kept per problem tried (per DPO kind; 0: every one)")
    exp.add_argument("--eval-problems", type=int, default=d.eval_problems,
                     help="held-out test (and validation) problems, greedy")
    exp.add_argument("--negatives", choices=["own", "data"], default=d.negatives,
                     help="DPO kinds: the SFT model's own wrong samples (own) or the WC "
                     "generator's wrong traces (data)")
    exp.add_argument("--resume", help="an experiment folder to go on with")
    exp.add_argument("--json", action="store_true", help="the tables as one JSON object")
    exp.set_defaults(fn=lambda a: cmd_experiment(a, workspace_of(a)))
