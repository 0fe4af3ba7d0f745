"""The lab experiment's DPO pairs (synthqa.train.experiment): from the SFT model's own samples,
and how many of each problem's are kept."""
from __future__ import annotations

import random
from pathlib import Path

from synthqa.checks.answers import extract_answer, is_equivalent
from synthqa.checks.steps import split_steps
from synthqa.lab.problems import exact_label
from synthqa.sampling.base import SamplingSpec
from synthqa.sampling.hf import HFSampler


def own_pairs(model_dir: Path, problems: list[dict], positives: list[dict], kind: str,
              k: int, seed: int) -> list[dict]:
    """Preference pairs from the SFT model's own samples, as Setlur et al. build them: k
    samples of each problem at T = 0.8; each wrong one is rejected, whole (dpo) or cut after
    its exact first wrong step (step-dpo), against a correct solution of the same problem (the
    data's or the model's own)."""
    good: dict[str, list[str]] = {}
    for row in positives:
        good.setdefault(row["prompt"], []).append(row["completion"])
    drawn = HFSampler(model_dir, batch_size=64).complete(
        [p["prompt"] for p in problems], SamplingSpec(temperature=0.8, max_tokens=80), k, seed)
    wrong = []
    for p, samples in zip(problems, drawn):
        for c in samples:
            if is_equivalent(extract_answer(c.text)[0], p["answer"]):
                good.setdefault(p["prompt"], []).append(c.text)
            else:
                wrong.append((p["prompt"], c.text))
    rng, pairs = random.Random(seed), []
    for prompt, text in wrong:
        if prompt not in good:
            continue
        if kind == "step-dpo":
            pit = exact_label(prompt.rstrip("\n"), text).get("first_error_step", -1)
            if pit < 0:
                continue
            text = "\n".join(split_steps(text)[0][: pit + 1])
        pairs.append({"prompt": prompt, "chosen": rng.choice(good[prompt]), "rejected": text})
    return pairs


def per_problem(pairs: list[dict], most: int, seed: int) -> list[dict]:
    """At most `most` of each problem's pairs, drawn with `seed`, in their order."""
    drawn: dict[str, list[int]] = {}
    for i, pair in enumerate(pairs):
        drawn.setdefault(pair["prompt"], []).append(i)
    rng = random.Random(seed)
    keep = {i for idx in drawn.values() for i in (rng.sample(idx, most) if len(idx) > most
                                                   else idx)}
    return [pair for i, pair in enumerate(pairs) if i in keep]
