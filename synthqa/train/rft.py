"""Rejection-sampling fine-tuning (Yuan et al. 2023): sample solutions of the training problems
from the model, keep its own correct ones with distinct reasoning (by the arithmetic they write),
add them to the data set's positives, and fine-tune the base model on the union. With several
rounds the next round samples from the model the last one trained (ReST-EM style).

    python -m synthqa.train.rft --run-dir runs/<id>      (settings: runs/<id>/train.json)
"""
from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

from synthqa.checks.answers import extract_answer, is_equivalent
from synthqa.checks.stepcheck import reasoning_signature
from synthqa.checks.steps import split_steps
from synthqa.sampling.base import SamplingSpec
from synthqa.train import common
from synthqa.train.sft import fit


def own_positives(model_dir: str | Path, problems: list[dict], config: common.TrainConfig,
                  round_: int) -> tuple[list[dict], int]:
    """The model's answer-correct samples as prompt/completion rows; (rows, samples drawn)."""
    spec = SamplingSpec(temperature=config.temperature, max_tokens=config.max_tokens)
    with closing(common.sampler_for(model_dir, config.chat)) as sampler:  # the trainer is next
        samples = sampler.complete([p["prompt"] for p in problems], spec, config.rft_samples,
                                   seed=config.seed + 1000 * round_)
    rows = [{"prompt": p["prompt"], "completion": c.text}
            for p, completions in zip(problems, samples) for c in completions
            if is_equivalent(extract_answer(c.text)[0], p["answer"])]
    return rows, len(problems) * config.rft_samples


def distinct(rows: list[dict]) -> list[dict]:
    """One row per (prompt, reasoning signature); rows without arithmetic count by text."""
    seen, out = set(), []
    for row in rows:
        key = (row["prompt"], reasoning_signature(split_steps(row["completion"])[0])
               or row["completion"].strip())
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def train(run_dir: Path) -> Path:
    config = common.TrainConfig.load(run_dir)
    problems = _read(Path(config.problems))
    rows, model_dir = distinct(_read(Path(config.data))), config.base_model
    planned = config.planned_steps
    for round_ in range(config.rft_rounds):
        common.append_metrics(run_dir, {"phase": f"RFT round {round_ + 1}: sampling "
                                        f"{config.rft_samples} solutions of each of "
                                        f"{len(problems):,} problems"})
        own, drawn = own_positives(model_dir, problems, config, round_)
        before = len(rows)
        rows = distinct(rows + own)
        if not rows:
            raise SystemExit("no correct solutions, neither in the data set nor sampled: "
                             "nothing to train on")
        data = run_dir / f"rft-round{round_ + 1}.jsonl"
        data.write_text("".join(json.dumps(r) + "\n" for r in rows))
        common.append_metrics(run_dir, {"round": round_ + 1, "sampled": drawn,
                                        "correct": len(own), "added": len(rows) - before,
                                        "examples": len(rows)})
        common.stop_if_cancelled()

        trainer, tokenizer = fit(config, run_dir, str(data), round_ * config.max_steps, planned)
        common.stop_if_cancelled(trainer)
        if round_ + 1 < config.rft_rounds:
            model_dir = common.save_model(trainer, tokenizer, run_dir / f"round{round_ + 1}")
            common.release_device(trainer)        # the next round samples from the device
    return common.finish(trainer, tokenizer, config, run_dir)


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


if __name__ == "__main__":
    common.main(train, __doc__)
