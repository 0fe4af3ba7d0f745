"""The lab's fine-tuning experiments as one job (Bansal et al. 2024; Setlur et al. 2024).

- **SE vs WC data** at matched sampling compute (the demo samples both lab models so): the same
  student fine-tuned (SFT) on the SE model's answer-correct traces and on the WC model's, for
  three students: a model smaller than both (knowledge distillation), the WC model itself
  (self-improvement on WC data) and the SE model (weak-to-strong on WC data).
- **Data efficiency**: SFT, RFT, DPO and per-step DPO on growing subsets of one generator's
  problems, with seeds. RFT, DPO and per-step DPO start from the SFT model of the same subset
  and seed (Setlur et al.'s pipeline); the DPO kinds' negatives are that SFT model's own wrong
  samples, per-step DPO's cut after their exact first wrong step (or, with negatives="data",
  the generator's wrong traces and their first-error labels).
- **Tuning first**: each method's learning rate (RFT keeps SFT's) and, when several are given,
  DPO's beta are chosen by greedy accuracy on validation problems drawn apart from the test
  problems; the search is in the results, beside each student's accuracy before fine-tuning.

`prepare` writes the data sets from the store into the run folder; `run` (this module's
`__main__`, a job) reads only files and appends one line per trained model to results.jsonl,
so a stopped experiment goes on where it was.

    python -m synthqa experiment [--seeds 3] [--epochs 3]     (prepare, run, print the tables)
"""
from __future__ import annotations

import json
import math
import random
import shutil
import sys
import time
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path

from synthqa.checks.answers import extract_answer, is_equivalent
from synthqa.jobs import progress as progress_file
from synthqa.jobs.runner import Jobs
from synthqa.lab.model import DATA_DIR
from synthqa.lab.sample_sets import problems_for
from synthqa.sampling.base import SamplingSpec
from synthqa.sampling.hf import HFSampler
from synthqa.train import dpo, rft, sft
from synthqa.train.common import TrainConfig
from synthqa.train.experiment_pairs import own_pairs, per_problem
from synthqa.train.experiment_plan import (DPO_KINDS, EVAL_SET, TEST_SEED, VALIDATION_SEED, Plan,
                                           Run, base_runs, load_plan, main_runs, planned,
                                           tuning_runs)
from synthqa.train.pairs import LABELLED, PairChoices, export, export_problems


def prepare(store, folder: Path, plan: Plan) -> Path:
    """Every data set the plan needs, whole, from the store (the runs take subsets by problem),
    and plan.json with the generators' sampling FLOPs."""
    plan.validate()
    folder.mkdir(parents=True, exist_ok=True)
    for gen in {plan.se, plan.wc}:
        if export(store, PairChoices("sft", gen), folder / f"sft-{gen}.jsonl") == 0:
            raise ValueError(f"{gen} has no answer-correct traces: build the demo first "
                             "(python -m synthqa demo)")
    gen = plan.sweep_data
    export(store, PairChoices("dpo", gen), folder / f"dpo-{gen}.jsonl")
    export(store, PairChoices("step-dpo", gen, LABELLED), folder / f"step-dpo-{gen}.jsonl")
    export_problems(store, PairChoices("rft", gen), folder / f"problems-{gen}.jsonl")
    flops = {g: store.scalar("SELECT sum(flops) FROM runs WHERE generator = ?", [g])
             for g in (plan.se, plan.wc)}
    (folder / "plan.json").write_text(json.dumps(asdict(replace(plan, flops=flops)), indent=1))
    return folder


def folder_for(workspace) -> Path:
    """A new experiment's folder (its job's run folder when the dashboard starts it)."""
    return workspace.init().runs / f"experiment-{datetime.now():%Y%m%dT%H%M%S}"


def folders(workspace) -> list[Path]:
    """The workspace's experiments, newest first."""
    return sorted((p.parent for p in workspace.runs.glob("experiment-*/plan.json")),
                  reverse=True)


def start(workspace, store, plan: Plan, submit_key: str):
    """For the dashboard: prepare a new experiment and run it as a background job (kind
    "experiment", its run folder the experiment's); a second call with the key returns it."""
    existing = Jobs(workspace).by_key(submit_key)
    if existing:
        return existing
    folder = prepare(store, folder_for(workspace), plan)
    return Jobs(workspace).start("experiment", "synthqa.train.experiment", folder.name,
                        args=[str(folder)], submit_key=submit_key, backend="local")


def run(folder: Path) -> list[dict]:
    """Train and score every run of the plan not already in results.jsonl."""
    plan, started = load_plan(folder), time.time()
    done = {r["name"]: r for r in results_of(folder)}
    base = len(done)
    if done:           # drop a line a kill cut off, so that the next one starts a line
        _write(folder / "results.jsonl", list(done.values()))

    def do(r: Run) -> dict:
        if r.name not in done:
            done[r.name] = train_and_score(folder, plan, r)
            with open(folder / "results.jsonl", "a") as f:
                f.write(json.dumps(done[r.name]) + "\n")
            progress_file.write(folder, len(done), planned(plan), started, base)
        return done[r.name]

    progress_file.write(folder, len(done), planned(plan), started, base)
    for r in base_runs(plan):
        do(r)
    lr = {"sft": _best([do(r) for r in tuning_runs(plan)], "lr", plan.learning_rates[0])}
    rows = [do(r) for r in tuning_runs(plan, lr["sft"])]
    lr |= {m: _best([r for r in rows if r["method"] == m], "lr", plan.learning_rates[0])
           for m in DPO_KINDS}
    rows = [do(r) for r in tuning_runs(plan, lr["sft"], lr)]
    beta = {m: _best([r for r in rows if r["method"] == m], "beta", plan.betas[0])
            for m in DPO_KINDS}
    rows = [do(r) for r in tuning_runs(plan, lr["sft"], lr, beta)]
    pairs = {m: _best([r for r in rows if r["method"] == m], "pairs", plan.pairs[0])
             for m in DPO_KINDS}
    for r in main_runs(plan, lr, beta, pairs):
        do(r)
    _discard(folder)
    return list(done.values())


def _best(rows: list[dict], key: str, only):
    """The setting with the best validation accuracy (the first listed on a tie); `only`
    where nothing was tried."""
    scored = [r for r in rows if r.get("validation_accuracy") is not None]
    return max(scored, key=lambda r: r["validation_accuracy"])[key] if scored else only


def train_and_score(folder: Path, plan: Plan, r: Run) -> dict:
    """One model: its data subset, training in this process, greedy accuracy on the test
    problems (and on the validation problems when tuning)."""
    if r.method == "none":
        return {"name": r.name, **asdict(r), "examples": 0, "trained_on": 0, "steps": 0,
                "accuracy": accuracy(DATA_DIR / r.student, plan.eval_problems, TEST_SEED)}
    run_dir, t0 = folder / "runs" / r.name, time.time()
    shutil.rmtree(run_dir, ignore_errors=True)        # a run cut off half-way starts over
    run_dir.mkdir(parents=True)
    keep = problem_subset(folder, plan, r)
    examples = len(_rows(folder / f"sft-{r.data}.jsonl", keep))
    data = _rows(folder / f"{r.method if r.method != 'rft' else 'sft'}-{r.data}.jsonl", keep)
    row = {"name": r.name, **asdict(r), "examples": examples, "trained_on": len(data)}
    base = folder / "runs" / r.sft_base.name / "model" if r.method != "sft" \
        else DATA_DIR / r.student
    if r.method in DPO_KINDS and plan.negatives == "own" and base.is_dir():
        data = own_pairs(base, _rows(folder / f"problems-{r.data}.jsonl", keep),
                         _rows(folder / f"sft-{r.data}.jsonl", keep), r.method,
                         plan.rft_samples, r.seed)
        row["trained_on"] = len(data)
    if r.pairs:
        data = per_problem(data, r.pairs, r.seed)
        row["trained_on"] = len(data)
    if not data or not base.is_dir():   # e.g. no labelled wrong trace among a few problems
        return row | {"steps": 0, "accuracy": None,
                      "note": "its SFT model is missing" if data else "no data in the subset"}
    _write(run_dir / "data.jsonl", data)
    problems = ""
    if r.method == "rft":
        problems = str(_write(run_dir / "problems.jsonl",
                              _rows(folder / f"problems-{r.data}.jsonl", keep)))
    config = TrainConfig(
        "sft" if r.method == "sft" else "rft" if r.method == "rft" else "dpo", str(base),
        str(run_dir / "data.jsonl"), r.name.replace("/", "_")[:80], str(folder),
        max_steps=max(1, math.ceil(plan.epochs * len(data) / plan.batch_size)),
        learning_rate=r.lr, batch_size=plan.batch_size, beta=r.beta, eval_problems=0,
        seed=r.seed, problems=problems, rft_samples=plan.rft_samples)
    config.save(run_dir)
    {"sft": sft, "rft": rft, "dpo": dpo}[config.method].train(run_dir)
    model = run_dir / "model"
    row |= {"steps": config.max_steps,
            "accuracy": accuracy(model, plan.eval_problems, TEST_SEED)}
    if r.part == "tuning":
        row["validation_accuracy"] = accuracy(model, plan.eval_problems, VALIDATION_SEED)
    shutil.rmtree(run_dir / "checkpoints", ignore_errors=True)
    if r.method != "sft":
        shutil.rmtree(model, ignore_errors=True)      # only SFT models are bases of others
    return row | {"seconds": round(time.time() - t0, 1)}


def problem_subset(folder: Path, plan: Plan, r: Run) -> set[str] | None:
    """The prompts of a seeded random `fraction` of the generator's problems (None: all)."""
    if r.fraction >= 1:
        return None
    prompts = sorted({row["prompt"] for row in _rows(folder / f"problems-{r.data}.jsonl")})
    return set(random.Random(r.seed).sample(prompts, max(1, round(r.fraction * len(prompts)))))


def accuracy(model_dir: Path, n: int, seed: int) -> float:
    """Greedy accuracy on `n` lab problems drawn with `seed` (exact gold answers)."""
    problems, template = problems_for(EVAL_SET, n, seed)
    sampler = HFSampler(model_dir, batch_size=64)
    out = sampler.complete([template.format(problem=p.text) for p in problems],
                           SamplingSpec(temperature=0, max_tokens=80), 1, seed)
    return sum(is_equivalent(extract_answer(c[0].text)[0], p.gold_answer)
               for p, c in zip(problems, out)) / len(problems)


def results_of(folder: Path) -> list[dict]:
    path = folder / "results.jsonl"
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            pass             # a line cut off by a kill: that run is trained again
    return rows


def _discard(folder: Path) -> None:
    """The SFT models kept as bases, once every run is done (a few MB each)."""
    shutil.rmtree(folder / "runs", ignore_errors=True)


def _rows(path: Path, keep: set[str] | None = None) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return rows if keep is None else [r for r in rows if r["prompt"] in keep]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path


if __name__ == "__main__":
    run(Path(sys.argv[1]).resolve())
