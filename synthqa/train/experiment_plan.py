"""The lab experiment's plan: its settings (`Plan`), every model it trains (`Run`) stage by
stage, and how many that is (synthqa.train.experiment runs them)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

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
