"""New problems from seed problems (the first stage of Setlur et al. 2024's pipeline), with
their gold answers and their contamination checks against chosen test sets.

Writers: in the lab, a chain writer fitted to the seeds (how many operations, operand sizes
and operators they use) that writes new left-to-right chains and knows their answers; for any
sampler backend (a local model, an OpenAI-compatible endpoint), a few-shot prompt with seed
problems. Gold answers come from the writer or from the majority vote of k samples of an SE
model (recorded per problem as `gold_method`, with the vote's agreement).
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from synthqa.checks.answers import extract_answer
from synthqa.embeddings import models as embeddings
from synthqa.ingest.rows import stable_id
from synthqa.lab.problems import OPS, LabProblem, make_problem, problem_from_text
from synthqa.problem_sets import contamination
from synthqa.sampling.base import Sampler, SamplingSpec
from synthqa.store import Store

WRITE_PROMPT = ("Here are some math problems:\n\n{seeds}\n\nWrite one new problem of the same "
                "kind and difficulty. Write only the problem.\nProblem:")


@dataclass(frozen=True)
class NewProblem:
    text: str
    gold: str | None
    gold_method: str                # "writer", "majority of <SE> ×k (agreement a)" or "none"
    level: str | None = None


class ChainWriter:
    """Writes lab chains like the seeds: their operation counts, operand sizes and operators,
    drawn with the seeds' frequencies. The answer is exact (the writer evaluates the chain)."""
    name = "lab chain writer"

    def __init__(self, seeds: list[str]):
        parsed = [p for p in (_lab(s) for s in seeds) if p is not None]
        if not parsed:
            raise ValueError("no seed is a lab chain (e.g. 12+7*3-5)")
        self.shapes = [(p.n_ops, p.digits) for p in parsed]
        ops = Counter(t for p in parsed for t in p.text if t in OPS)
        self.ops = "".join(op * ops[op] for op in OPS) or OPS

    def write(self, n: int, seed: int = 0) -> list[NewProblem]:
        rng = random.Random(seed)
        out = []
        for _ in range(n):
            n_ops, digits = rng.choice(self.shapes)
            problem = make_problem(_WithOps(rng, self.ops), n_ops, digits)
            out.append(NewProblem(problem.text, str(problem.answer), "writer", problem.level))
        return out


class _WithOps(random.Random):
    """A Random whose choice among the operators follows the seeds' operator frequencies."""

    def __init__(self, rng: random.Random, ops: str):
        super().__init__(rng.random())
        self.ops = ops

    def choice(self, seq):
        return super().choice(self.ops) if seq == OPS else super().choice(seq)


def write_with_model(sampler: Sampler, seeds: list[str], n: int, spec: SamplingSpec,
                     shots: int = 4, seed: int = 0) -> list[str]:
    """n new problem texts from a model, each prompt showing `shots` random seeds."""
    rng = random.Random(seed)
    prompts = [WRITE_PROMPT.format(seeds="\n\n".join(
        f"Problem: {s}" for s in rng.sample(seeds, min(shots, len(seeds))))) for _ in range(n)]
    completions = sampler.complete(prompts, spec, 1, seed)
    return [c[0].text.strip().split("\n\n")[0].strip() for c in completions]


def majority_gold(sampler: Sampler, texts: list[str], spec: SamplingSpec, k: int,
                  seed: int = 0) -> list[NewProblem]:
    """Gold answers by the majority vote of k SE samples per problem; no gold without one
    answer that more than half the samples give."""
    outputs = sampler.complete([spec.prompt(t) for t in texts], spec, k, seed)
    out = []
    for text, completions in zip(texts, outputs):
        votes = Counter(a for a in (extract_answer(c.text)[0] for c in completions) if a)
        answer, count = votes.most_common(1)[0] if votes else (None, 0)
        agreement = count / k
        keep = answer is not None and agreement > 0.5
        out.append(NewProblem(text, answer if keep else None,
                              f"majority of {sampler.name} ×{k} (agreement {agreement:.2f})"
                              if keep else f"none: no majority of {sampler.name} ×{k}"))
    return out


def add_set(store: Store, name: str, problems: list[NewProblem], generated_by: str,
            seeds_from: str) -> int:
    """Store the problems as source `name` (split train); returns how many were new."""
    frame = pd.DataFrame({
        "problem_id": [stable_id(name, p.text) for p in problems], "source": name,
        "split": "train", "text": [p.text for p in problems],
        "gold_answer": [p.gold for p in problems], "level": [p.level for p in problems],
        "topic": None,
        "meta": [{"generated_by": generated_by, "seeds_from": seeds_from,
                  "gold_method": p.gold_method} for p in problems]})
    return store.problem_sets.add(frame.drop_duplicates("problem_id"))


def check_set(store: Store, name: str, test_sources: list[str],
              embedder: str = embeddings.DEFAULT, similar: float = contamination.SIMILAR
              ) -> tuple[pd.DataFrame, list[str]]:
    """Check every problem of `name` against each test source (13-gram overlap, nearest
    neighbour by embedding) and against the set itself (near-duplicates); store the checks,
    return them and notes (where the embeddings cannot tell problems apart)."""
    mine = store.problem_sets.of_source(name)
    if mine.empty:
        raise ValueError(f"no problems in source {name!r}")
    texts = mine["text"].tolist()
    vectors = embeddings.encode(texts, embedder)
    rows, notes = [], []
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    tests = {t: store.problem_sets.of_source(t) for t in test_sources}
    for test, frame in tests.items():
        if frame.empty:
            raise ValueError(f"no problems in test source {test!r}")
    test_vectors = {t: embeddings.encode(f["text"].tolist(), embedder) for t, f in tests.items()}
    usable = all(contamination.separates(v, similar) for v in test_vectors.values())
    if not usable:
        notes.append(f"{embedder} embeddings do not tell the test problems apart (more than "
                     f"5% have another at cosine ≥ {similar}): only 13-gram overlap flags; the "
                     "similarity is shown, not used")
    flag_at = similar if usable else float("inf")
    duplicate = contamination.near_duplicates(texts, vectors if usable else None, similar)
    for test, frame in tests.items():
        index = contamination.TestSet(frame["problem_id"].tolist(), frame["text"].tolist(),
                                      test_vectors[test])
        for i, (pid, text) in enumerate(zip(mine["problem_id"], texts)):
            c = index.check(text, vectors[i], flag_at)
            rows.append({"problem_id": pid, "test_set": test, "ngram_overlap": c.ngram_overlap,
                         "ngram_match": c.ngram_match, "nn_similarity": c.nn_similarity,
                         "nn_match": c.nn_match, "embedder": embedder,
                         "duplicate_of": None if duplicate[i] is None
                         else mine["problem_id"].iloc[duplicate[i]],
                         "contaminated": c.contaminated, "checked_at": now})
    frame = pd.DataFrame(rows)
    store.problem_sets.put_checks(frame)
    return frame, notes


def summary(checks: pd.DataFrame) -> dict:
    """Per set: problems, contaminated (any test set), near-duplicates, highest similarity."""
    per_problem = checks.groupby("problem_id").agg(
        contaminated=("contaminated", "any"), duplicate=("duplicate_of", lambda d: d.notna().any()),
        similarity=("nn_similarity", "max"))
    return {"problems": len(per_problem), "contaminated": int(per_problem["contaminated"].sum()),
            "near_duplicates": int(per_problem["duplicate"].sum()),
            "max_similarity": float(np.nanmax(per_problem["similarity"]))
            if per_problem["similarity"].notna().any() else None}


def _lab(text: str) -> LabProblem | None:
    try:
        return problem_from_text(text)
    except ValueError:
        return None
