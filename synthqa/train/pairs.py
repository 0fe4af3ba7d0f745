"""Training sets from the store, in TRL's formats: SFT, RFT, DPO and per-step DPO pairs.

- SFT: answer-correct traces (minus human-flagged false positives), prompt/completion.
- RFT: the same, one per distinct reasoning signature per problem (RFT's deduplication).
- DPO: (problem, a correct solution, a wrong solution) of the same problem.
- Per-step DPO, Setlur et al. 2024 (default): (problem, a correct solution, the wrong trace cut
  at and including its first pit); Self-Explore (Hwang et al. 2024): prompt = problem + the
  steps before the pit, chosen = the shortest correct rollout from there, rejected = the pit step.
Every export writes a manifest next to it with the choices and counts.
"""
from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from synthqa import prompts
from synthqa.checks.stepcheck import reasoning_signature
from synthqa.store import Store

KINDS = ("sft", "rft", "dpo", "step-dpo", "self-explore")
LABELLED = "first-error labels"   # a per-step policy: pits from labels instead of rollouts


@dataclass(frozen=True)
class PairChoices:
    kind: str = "step-dpo"
    generator: str | None = None          # whose traces (None: all)
    policy: str | None = None             # rollout policy of the pits (per-step kinds)
    mode: str = "exhaustive"              # search that found the pits
    prompt_template: str = "{problem}\n"
    joiner: str = "\n"
    exclude_suspects: bool = False        # leave out step-check suspects from the positives
    exclude_contaminated: bool = True     # leave out problems flagged against a test set
    seed: int = 0

    def validate(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind {self.kind!r}: choose from {', '.join(KINDS)}")
        if self.kind in ("step-dpo", "self-explore") and not self.policy:
            raise ValueError(f"{self.kind} needs the rollout policy whose pits it uses")
        if self.kind == "self-explore" and self.policy == LABELLED:
            raise ValueError("self-explore needs rollouts from the pit, not only labels")
        prompts.validate_problem_template(self.prompt_template)


def build(store: Store, choices: PairChoices) -> list[dict]:
    choices.validate()
    prompt = lambda problem: prompts.problem_prompt(choices.prompt_template, problem)  # noqa: E731
    clean = _clean(store, choices)
    if choices.kind in ("sft", "rft"):
        pos = clean(store.training_sets.positives(choices.generator, choices.exclude_suspects))
        if choices.kind == "rft":
            keys = [reasoning_signature(list(s)) or (t,) for s, t in zip(pos["steps"],
                                                                         pos["trace_id"])]
            pos = pos.assign(key=keys).drop_duplicates(["problem_id", "key"])
        return [{"prompt": prompt(p), "completion": t} for p, t in zip(pos["problem"],
                                                                        pos["text"])]
    rng = random.Random(choices.seed)
    positives = _by_problem(clean(store.training_sets.positives(None,
                                                                choices.exclude_suspects)))
    if choices.kind == "dpo":
        neg = clean(store.training_sets.negatives(choices.generator))
        return [{"prompt": prompt(p), "chosen": rng.choice(positives[q]), "rejected": t}
                for q, p, t in zip(neg["problem_id"], neg["problem"], neg["text"])
                if q in positives]
    pits = clean(store.labels.labelled_pits(choices.generator) if choices.policy == LABELLED
                 else store.values.pit_inputs(choices.policy, choices.mode))
    if choices.kind == "step-dpo":
        return [{"prompt": prompt(r.problem), "chosen": rng.choice(positives[r.problem_id]),
                 "rejected": choices.joiner.join(list(r.steps)[: int(r.pit_step) + 1])}
                for r in pits.itertuples() if r.problem_id in positives]
    return _self_explore(store, pits, choices, prompt)


def _clean(store: Store, choices: PairChoices):
    """A filter that drops contaminated problems' rows (when the choices ask for it)."""
    banned = store.problem_sets.contaminated() if choices.exclude_contaminated else set()
    return lambda frame: frame[~frame["problem_id"].isin(banned)] if banned else frame


def _by_problem(frame: pd.DataFrame) -> dict[str, list[str]]:
    return frame.groupby("problem_id")["text"].apply(list).to_dict()


def _self_explore(store: Store, pits: pd.DataFrame, choices: PairChoices, prompt) -> list[dict]:
    out = []
    for r in pits.itertuples():
        pit = int(r.pit_step)
        rollouts = store.values.rollouts_of(r.trace_id, choices.policy, choices.mode, pit)
        good = rollouts[rollouts["correct"] == True]  # noqa: E712
        if good.empty:
            continue
        steps = list(r.steps)
        shared = "".join(s + choices.joiner for s in steps[:pit])
        shortest = min(good["text"], key=len)
        out.append({"prompt": prompt(r.problem) + shared, "chosen": shortest,
                    "rejected": steps[pit] + choices.joiner})
    return out


def export_problems(store: Store, choices: PairChoices, out: Path, fraction: float = 1.0) -> int:
    """The problems (prompt, gold answer) of the chosen traces, for methods that sample their
    own solutions (RFT); the same seeded `fraction` rule as the data set."""
    frame = _clean(store, choices)(store.training_sets.problems_with_answers(choices.generator))
    rows = [{"prompt": prompts.problem_prompt(choices.prompt_template, p), "answer": a}
            for p, a in zip(frame["problem"], frame["gold"])]
    if fraction < 1 and rows:
        rows = random.Random(choices.seed).sample(rows, max(1, round(fraction * len(rows))))
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return len(rows)


def export(store: Store, choices: PairChoices, out: str | Path, fraction: float = 1.0) -> int:
    """Write the set (or a seeded random `fraction` of it) as JSONL (or Parquet by extension)
    and `<out>.manifest.json`."""
    rows, out = build(store, choices), Path(out)
    if fraction < 1 and rows:
        rows = random.Random(choices.seed).sample(rows, max(1, round(fraction * len(rows))))
    frame = pd.DataFrame(rows)
    tmp = out.with_name(f".tmp-{out.name}")
    if out.suffix == ".parquet":
        frame.to_parquet(tmp, index=False)
    else:
        frame.to_json(tmp, orient="records", lines=True, force_ascii=False)
    tmp.replace(out)
    manifest = {"choices": asdict(choices), "examples": len(rows), "fraction": fraction,
                "file": out.name,
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "format": "prompt/completion" if choices.kind in ("sft", "rft")
                else "prompt/chosen/rejected"}
    out.with_name(out.name + ".manifest.json").write_text(json.dumps(manifest, indent=1))
    return len(rows)
