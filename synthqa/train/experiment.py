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
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

from synthqa.jobs import progress as progress_file
from synthqa.lab.model import DATA_DIR
from synthqa.pairs import LABELLED, PairChoices, export, export_problems
from synthqa.train.experiment_pairs import own_pairs, per_problem
from synthqa.train.common import TrainConfig

EVAL_SET = "lab arithmetic"
TEST_SEED, VALIDATION_SEED = 7_000, 8_000   # held-out problems (the demo draws seed 0)
METHODS = ("sft", "rft", "dpo", "step-dpo")
ROLES = {"tiny": "student smaller than both (distillation)",
         "wc": "the WC model (self-improvement on WC data)",
         "se": "the SE model (weak-to-strong on WC data)"}


@dataclass(frozen=True)
class Plan:
    se: str = "lab-se"
    wc: str = "lab-wc"
    students: tuple[str, ...] = ("tiny", "wc", "se")     # lab model sizes (data/lab/<size>)
    sweep_student: str = "tiny"
    sweep_data: str = "lab-wc"                             # whose traces the method sweep uses
    fractions: tuple[float, ...] = (1 / 8, 1 / 4, 1 / 2, 1.0)
    seeds: int = 3
    epochs: float = 3.0
    batch_size: int = 16
    # Tried for each method. A first run's DPO kinds chose 1e-5, the smallest then tried: the
    # grid now goes lower (docs/benchmarks.md, "The fine-tuning experiments").
    learning_rates: tuple[float, ...] = (3e-6, 1e-5, 3e-5, 1e-4)
    betas: tuple[float, ...] = (0.1, 0.03, 0.3)   # DPO's: Setlur et al.'s 0.1 first, then around
    pairs: tuple[int, ...] = (0, 1, 2)   # DPO pairs kept per problem tried (0: every one)
    rft_samples: int = 4         # own samples per problem (RFT's, and DPO's own negatives)
    negatives: str = "own"       # DPO kinds: the SFT model's own wrong samples (Setlur et al.)
                                 # or "data": the sweep generator's wrong traces
    eval_problems: int = 200
    flops: dict = field(default_factory=dict)            # sampling FLOPs per generator

    def validate(self) -> None:
        if not set(self.students) | {self.sweep_student} <= set(ROLES):
            raise ValueError(f"students: lab sizes {', '.join(ROLES)}")
        if self.sweep_data not in (self.se, self.wc):
            raise ValueError("the method sweep uses the SE or the WC generator's traces")
        if not (all(0 < f <= 1 for f in self.fractions) and 1 <= self.seeds <= 20
                and 0 < self.epochs <= 100 and 1 <= self.batch_size <= 1024
                and self.learning_rates and all(0 < lr < 1 for lr in self.learning_rates)
                and self.betas and all(0 < b <= 10 for b in self.betas)
                and self.pairs and all(0 <= p <= 1_000 for p in self.pairs)
                and 1 <= self.rft_samples <= 64 and 10 <= self.eval_problems <= 5_000
                and self.negatives in ("own", "data")):
            raise ValueError("fractions, seeds, epochs, batch, learning rates, betas, pairs "
                             "per problem, RFT samples, evaluation problems or negatives out "
                             "of range")


@dataclass(frozen=True)
class Run:
    part: str            # base (not fine-tuned) | tuning | se-vs-wc | methods
    student: str
    method: str          # none (base) | sft | rft | dpo | step-dpo
    data: str            # the generator whose traces it trains on
    fraction: float
    seed: int
    lr: float
    beta: float = 0.1
    sft_lr: float = 0.0  # the learning rate of the SFT model an RFT / DPO run starts from
    pairs: int = 0       # DPO kinds: pairs kept per problem (0: every one)

    @property
    def name(self) -> str:
        if self.method == "none":
            return f"base-{self.student}"
        return (f"{self.part}-{self.student}-{self.method}-{self.data}-f{round(1 / self.fraction)}"
                f"-s{self.seed}-lr{self.lr:g}" + (f"-b{self.beta:g}" if "dpo" in self.method
                                                  else "") + (f"-p{self.pairs}" if self.pairs
                                                              else ""))

    @property
    def sft_base(self) -> "Run":
        """The SFT run an RFT / DPO run starts from (same part, data subset and seed)."""
        return replace(self, method="sft", lr=self.sft_lr or self.lr, beta=0.1, sft_lr=0.0,
                       pairs=0)


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
    from synthqa.jobs.runner import Jobs

    jobs = Jobs(workspace)
    existing = jobs.table.by_key(submit_key)
    if existing:
        return existing
    folder = prepare(store, folder_for(workspace), plan)
    job, _ = jobs.submit("experiment", [sys.executable, "-m", __name__, str(folder)],
                         submit_key, job_id=folder.name, backend="local")
    return job


def load_plan(folder: Path) -> Plan:
    raw = json.loads((folder / "plan.json").read_text())
    raw.setdefault("pairs", [0])          # planned before pairs per problem were tuned
    return Plan(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()})


DPO_KINDS = ("dpo", "step-dpo")


def base_runs(plan: Plan) -> list[Run]:
    """Each student as it is, not fine-tuned: what every fine-tuned model compares with."""
    return [Run("base", s, "none", "", 1.0, 0, 0.0)
            for s in dict.fromkeys((*plan.students, plan.sweep_student))]


def tuning_runs(plan: Plan, sft_lr: float | None = None, lr: dict[str, float] | None = None,
                beta: dict[str, float] | None = None) -> list[Run]:
    """Stage by stage, on all of the sweep's data with seed 0: SFT's learning rates; then,
    from the chosen SFT model, each DPO kind's learning rates (at the first beta and pairs per
    problem); then, at their chosen rates, the betas; then, at those, the pairs per problem. A
    stage with one value to try has no runs."""
    def tune(method, x, b=plan.betas[0], base=0.0, pairs=plan.pairs[0]):
        return Run("tuning", plan.sweep_student, method, plan.sweep_data, 1.0, 0, x, b, base,
                   pairs if method in DPO_KINDS else 0)

    if sft_lr is None:
        return [tune("sft", x) for x in plan.learning_rates] \
            if len(plan.learning_rates) > 1 else []
    if lr is None:
        return [tune(m, x, base=sft_lr) for m in DPO_KINDS for x in plan.learning_rates] \
            if len(plan.learning_rates) > 1 else []
    if beta is None:
        return [tune(m, lr[m], b, sft_lr) for m in DPO_KINDS for b in plan.betas] \
            if len(plan.betas) > 1 else []
    return [tune(m, lr[m], beta[m], sft_lr, p) for m in DPO_KINDS for p in plan.pairs] \
        if len(plan.pairs) > 1 else []


def main_runs(plan: Plan, lr: dict[str, float], beta: dict[str, float],
              pairs: dict[str, int]) -> list[Run]:
    """SE vs WC data for every student, then the method sweep, each SFT before what uses it;
    RFT is SFT on more data, so it keeps SFT's learning rate."""
    runs = [Run("se-vs-wc", s, "sft", gen, 1.0, seed, lr["sft"])
            for seed in range(plan.seeds) for s in plan.students for gen in (plan.se, plan.wc)]
    for seed in range(plan.seeds):
        for f in plan.fractions:
            runs += [Run("methods", plan.sweep_student, m, plan.sweep_data, f, seed,
                         lr.get(m, lr["sft"]), beta.get(m, plan.betas[0]), lr["sft"],
                         pairs.get(m, 0)) for m in METHODS]
    return runs


def planned(plan: Plan) -> int:
    rates, betas, pairs = len(plan.learning_rates), len(plan.betas), len(plan.pairs)
    # a stage repeats the chosen run of the stage before it, if one ran
    tuned = ((rates > 1) * 3 * rates + (betas > 1) * 2 * (betas - (rates > 1))
             + (pairs > 1) * 2 * (pairs - (rates > 1 or betas > 1)))
    return (len(base_runs(plan)) + tuned
            + plan.seeds * (2 * len(plan.students) + len(METHODS) * len(plan.fractions)))


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
    from synthqa.train import dpo, rft, sft

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
    from synthqa.answers import extract_answer, is_equivalent
    from synthqa.sampling.base import SamplingSpec
    from synthqa.sampling.hf import HFSampler
    from synthqa.sampling.job import problems_for

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
