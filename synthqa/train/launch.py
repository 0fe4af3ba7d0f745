"""Starting a training run from the dashboard or the CLI: its data set is written from the
store into the run folder, its settings validated and saved, and the job submitted."""
from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from synthqa.config import Settings
from synthqa.jobs.runner import Jobs, argv
from synthqa.jobs.table import Job
from synthqa.metrics.coverage import coverage_at_k, majority_vote
from synthqa.store import Store
from synthqa.train import parallel
from synthqa.train.common import TrainConfig, latest_checkpoint, sampled_generator
from synthqa.train.pairs import PairChoices, export, export_problems
from synthqa.workspace import Workspace

METHOD_OF = {"sft": "sft", "rft": "rft", "dpo": "dpo", "step-dpo": "dpo", "self-explore": "dpo"}


KIND = "train"


def module(config: TrainConfig) -> str:
    return f"synthqa.train.{config.method}"


def gpus_of(backend: str | None) -> int | None:
    """The GPUs a job on `backend` will have: a Ray job's SYNTHQA_RAY_GPUS; None: this
    machine's (a local job)."""
    settings = Settings.from_env()
    return settings.ray_gpus if (backend or settings.job_backend) == "ray" else None


def entry(config: TrainConfig, run_dir: Path | str,
          backend: str | None = None) -> tuple[str, list[str]]:
    """(module, arguments) of the job: the method's entry point, under torchrun where it runs
    on several processes (train.parallel)."""
    return parallel.entry(module(config), config, run_dir, gpus_of(backend))


def command(config: TrainConfig, run_dir: Path | str, backend: str | None = None) -> list[str]:
    """What the job runs (shown in the page before it starts)."""
    return argv(*entry(config, run_dir, backend))


def submit(workspace: Workspace, config: TrainConfig, run_dir: Path, submit_key: str,
           backend: str | None = None) -> Job:
    """Start the training job whose settings are saved in `run_dir`."""
    name, args = entry(config, run_dir, backend)
    return Jobs(workspace).start(KIND, name, run_dir.name, args=args, submit_key=submit_key,
                                 backend=backend)


def what_will_run(choices: PairChoices, config: TrainConfig,
                  backend: str | None = None) -> dict:
    """The data choices and training settings that apply to this kind of run (an SFT run
    shows no pit policy, DPO beta or RFT sampling fields)."""
    data = asdict(choices)
    if choices.kind not in ("step-dpo", "self-explore"):
        data.pop("policy"), data.pop("mode")
    train = asdict(config)
    unused = {"sft": ("beta", "problems", "rft_samples", "rft_rounds"),
              "dpo": ("problems", "rft_samples", "rft_rounds", "packing"),
              "rft": ("beta", "fsdp")}[config.method]
    unused += ("temperature",) if config.method != "rft" and not config.eval_samples else ()
    unused += ("resume_from",) if not config.resume_from else ()
    train = {k: v for k, v in train.items() if k not in unused}
    train["batches"] = ("packed rows as long as the longest example, padding-free, a step "
                        "holding about batch_size examples' tokens" if config.packing else
                        "padded, examples of similar lengths together")
    train["precision"] = "on a GPU bf16 matmuls over " + (
        "a bf16 frozen base and float32 adapters" if config.lora else "float32 weights") + \
        "; float32 on a CPU"                                   # common.weights_dtype
    train["parallel"] = parallel.describe(config, gpus_of(backend))
    return {"data": data, "train": train}


def intent_key(workspace: Workspace, choices: PairChoices, config: TrainConfig,
               fraction: float = 1.0, backend: str | None = None) -> str:
    """The submit key of one intent: the form's settings, so that however often Train is
    clicked with them, one job runs; after a failed or stopped run, the same settings start
    a new one."""
    return Jobs(workspace).intent_key("train", [asdict(choices), asdict(config), fraction,
                                                backend])


def unused_name(workspace: Workspace, store: Store, name: str) -> str:
    """`name`, or name-2, name-3, ... when a run or a generator already has it."""
    taken = {r.config.name for r in runs(workspace, limit=500) if r.config}
    taken |= set(store.traces.filter_options()["generators"])
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}-{n}"
    return candidate


def sampling_note(scores: dict, temperature: float) -> str | None:
    """Why pass@k can fall below greedy accuracy, shown when it does."""
    greedy = scores.get("greedy")
    below = [m for m, v in scores.items() if m.startswith("pass@") and greedy is not None
             and v < greedy]
    if not below:
        return None
    return (f"{below[0]} is below the greedy accuracy: the k samples are drawn at temperature "
            f"{temperature:g}, and a small model's sampled solutions are each less likely "
            "right than its single most likely one; at k this small, that can outweigh the "
            "extra tries. A lower sampling temperature or a larger k closes the gap.")


SWEEP = (1 / 8, 1 / 4, 1 / 2, 1.0)   # data-efficiency sweep: growing subsets of one set


def start(workspace: Workspace, store: Store, choices: PairChoices, config: TrainConfig,
          submit_key: str, fraction: float = 1.0,
          backend: str | None = None) -> tuple[Job, int]:
    """Write the training set (or a seeded random `fraction` of it), save the settings,
    submit to `backend` (None: SYNTHQA_JOB_BACKEND); (the job, examples). A second call with
    the same submit key returns the first job. RFT also gets the problems to sample."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction {fraction}: in (0, 1]")
    choices.validate()
    config = replace(config, method=METHOD_OF[choices.kind])
    config.validate(data_written=False)   # before anything is written
    job_id = f"train-{config.name}-{datetime.now():%Y%m%dT%H%M%S}".replace(":", "_")
    run_dir = workspace.init().runs / job_id
    existing = Jobs(workspace).by_key(submit_key)
    if existing:
        return existing, 0
    run_dir.mkdir(parents=True)
    data = run_dir / "data.jsonl"
    n = export(store, choices, data, fraction)
    problems = run_dir / "problems.jsonl"
    sampled = config.method == "rft" and export_problems(store, choices, problems, fraction)
    if config.method == "rft" and not sampled:
        raise ValueError("RFT samples solutions of problems with a gold answer: the chosen "
                         "traces have none")
    if n == 0 and not sampled:
        raise ValueError("the training set is empty: nothing to train on")
    config = replace(config, data=str(data), workspace=str(workspace.root.resolve()),
                     problems=str(problems) if sampled else "")
    config.save(run_dir)
    return submit(workspace, config, run_dir, submit_key, backend), n


def resume(workspace: Workspace, run: "TrainingRun", submit_key: str) -> Job:
    """A new run that goes on from the latest checkpoint of a stopped one, with its settings,
    data set and manifest."""
    checkpoint = latest_checkpoint(Path(run.job.run_dir))
    if run.config is None or checkpoint is None:
        raise ValueError(f"{run.job.job_id}: no checkpoint to resume from")
    existing = Jobs(workspace).by_key(submit_key)
    if existing:
        return existing
    config = replace(run.config, resume_from=str(checkpoint))
    config.validate()
    run_dir = workspace.runs / f"{run.job.job_id}-resumed-{datetime.now():%H%M%S}"
    config.save(run_dir)
    manifest = Path(run.job.run_dir) / "data.jsonl.manifest.json"
    if manifest.is_file():
        shutil.copy(manifest, run_dir / manifest.name)
    return submit(workspace, config, run_dir, submit_key, run.job.backend)


@dataclass
class TrainingRun:
    job: Job
    config: TrainConfig | None
    metrics: list[dict]

    @property
    def steps(self) -> tuple[int, int | None]:
        """(steps done, steps planned) from the latest metrics line; before the first, the
        steps its settings plan."""
        logged = [m for m in self.metrics if "max_steps" in m]
        if logged:
            return logged[-1]["step"], logged[-1]["max_steps"]
        return 0, self.config.planned_steps if self.config else None

    @property
    def progress(self) -> float:
        done, planned = self.steps
        return done / planned if planned else 0.0

    @property
    def checkpoint(self) -> Path | None:
        """Where a stopped run can go on from."""
        if self.job.status != "STOPPED" or self.config is None or self.config.method == "rft":
            return None
        return latest_checkpoint(Path(self.job.run_dir))

    @property
    def rounds(self) -> list[dict]:
        """RFT: per round, solutions sampled, correct, new distinct ones, examples trained on."""
        return [m for m in self.metrics if "round" in m]

    @property
    def phase(self) -> str | None:
        """What a run that is not training right now is doing (RFT sampling)."""
        return self.metrics[-1].get("phase") if self.metrics else None

    @property
    def losses(self) -> list[tuple[int, float]]:
        return [(m["step"], m["loss"]) for m in self.metrics if "loss" in m]


def runs(workspace: Workspace, limit: int = 20) -> list[TrainingRun]:
    runner = Jobs(workspace)
    out = []
    for job in runner.jobs(limit, KIND):
        try:
            config = TrainConfig.load(Path(job.run_dir))
        except (OSError, ValueError, KeyError):
            config = None
        out.append(TrainingRun(job, config, runner.metrics(job.job_id)))
    return out


def held_out_scores(store: Store, config: TrainConfig) -> dict:
    """The evaluation of a trained model from the store: greedy accuracy, and pass@k and
    maj@k over its k samples per held-out problem (what has been ingested so far)."""
    sampled = sampled_generator(config)
    outcomes = store.summaries.answer_outcomes([config.name, sampled])
    scores = {}
    greedy = outcomes[outcomes["generator"] == config.name]
    if len(greedy):
        # no answer at all (correct is NULL) counts as wrong: every held-out problem has a gold
        scores["greedy"] = float(greedy["correct"].fillna(False).astype(bool).mean())
    per_problem = [(g["answer_raw"].tolist(), g["correct"].fillna(False).tolist())
                   for _, g in outcomes[outcomes["generator"] == sampled].groupby("problem_id")]
    k = config.eval_samples
    if k and per_problem and all(len(a) == k for a, _ in per_problem):
        scores[f"pass@{k}"] = coverage_at_k([(k, sum(ok)) for _, ok in per_problem], k)
        scores[f"maj@{k}"] = sum(majority_vote(a, ok) for a, ok in per_problem) / len(per_problem)
    return scores


def efficiency_runs(workspace: Workspace, store: Store) -> pd.DataFrame:
    """Succeeded training runs with their data kind, examples, base model and held-out
    accuracy (the points of the data-efficiency curves)."""
    accuracy = store.summaries.generator_stats().set_index("generator")["accuracy"]
    rows = []
    for run in runs(workspace, limit=500):
        manifest = Path(run.job.run_dir) / "data.jsonl.manifest.json"
        if run.job.status != "SUCCEEDED" or run.config is None or not manifest.is_file():
            continue
        info = json.loads(manifest.read_text())
        if run.config.name in accuracy.index:
            rows.append({"kind": info["choices"]["kind"], "examples": info["examples"],
                         "accuracy": accuracy[run.config.name], "name": run.config.name,
                         "base_model": Path(run.config.base_model).name,
                         "eval_set": run.config.eval_set})
    return pd.DataFrame(rows, columns=["kind", "examples", "accuracy", "name", "base_model",
                                       "eval_set"])
