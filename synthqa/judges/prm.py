"""A process reward model as a judge: a token-classification model over the steps, in the form
TRL's PRMTrainer trained (and its stepwise-supervision data stores): the prompt, then each step
followed by a separator, one label per step on the separator's last token (1 = correct)."""
from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import chain
from pathlib import Path

from synthqa.judges.base import JudgeInput, Judgement

SEPARATOR = "\n"
THRESHOLD = 0.5  # a step with P(correct) below it is the predicted first wrong step
META = "synthqa_prm.json"  # written beside a PRM trained here: separator and what it learned


def tokenize_row(prompt: str, completions: Sequence[str], labels: Sequence[bool | int],
                 tokenizer, separator: str = SEPARATOR, max_length: int | None = None) -> dict:
    """input_ids and labels as TRL's PRMTrainer.tokenize_row builds them: -100 everywhere but
    the last token of each step (its separator), which carries the step's label."""
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    sep = tokenizer.encode(separator, add_special_tokens=False)
    steps = [tokenizer(c, add_special_tokens=False)["input_ids"] + sep for c in completions]
    step_labels = [[-100] * (len(s) - 1) + [int(label)] for s, label in zip(steps, labels)]
    if tokenizer.bos_token_id is not None:
        prompt_ids = [tokenizer.bos_token_id] + prompt_ids
    input_ids = prompt_ids + list(chain(*steps))
    out_labels = [-100] * len(prompt_ids) + list(chain(*step_labels))
    if max_length is not None:
        input_ids, out_labels = input_ids[:max_length], out_labels[:max_length]
    return {"input_ids": input_ids, "labels": out_labels}


def token_batches(lengths: Sequence[int], budget: int) -> list[list[int]]:
    """Indices of the rows, longest first, in batches whose padded size (rows x longest row)
    stays within `budget` tokens: similar lengths share a batch, so little is padding."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    for i in order:
        if batches and len(batches[-1]) + 1 <= budget // max(1, lengths[batches[-1][0]]):
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


class PrmJudge:
    version = "prm-1"

    def __init__(self, model_dir: str, threshold: float = THRESHOLD, device: str | None = None,
                 batch_tokens: int | None = None):
        import torch
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        self.model_dir, self.threshold = str(model_dir), threshold
        meta_path = Path(model_dir) / META
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        self.separator = meta.get("separator", SEPARATOR)
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        dtype = torch.bfloat16 if self.device == "cuda" else torch.float32
        self.model = AutoModelForTokenClassification.from_pretrained(
            model_dir, local_files_only=True, dtype=dtype).to(self.device).eval()
        self.max_length = getattr(self.model.config, "max_position_embeddings", None)
        # tokens per forward pass: a GPU takes hundreds of traces at once, a CPU a few
        self.batch_tokens = batch_tokens or (1 << 17 if self.device == "cuda" else 1 << 13)
        pad = self.tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else (self.tokenizer.eos_token_id or 0)
        self.name = f"prm:{Path(model_dir).name}"

    def settings(self) -> dict:
        return {"model_dir": self.model_dir, "separator": self.separator,
                "threshold": self.threshold}

    def step_scores_many(self, items: Sequence[JudgeInput]) -> list[list[float]]:
        """P(step correct) per step of each item, read at the separators in one forward pass
        per length-sorted, token-budgeted batch (right padding: a causal model's scores at a
        token do not depend on the padding after it)."""
        rows = [tokenize_row(item.problem, item.steps, [1] * len(item.steps), self.tokenizer,
                             self.separator, self.max_length) for item in items]
        scores: list[list[float]] = [[] for _ in rows]
        for batch in token_batches([len(r["input_ids"]) for r in rows], self.batch_tokens):
            for i, probs in zip(batch, self._forward([rows[i] for i in batch])):
                scores[i] = probs
        return scores

    def _forward(self, rows: list[dict]) -> list[list[float]]:
        import torch

        width = max(len(r["input_ids"]) for r in rows)
        ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        steps = torch.zeros((len(rows), width), dtype=torch.bool)   # where a step's score is
        for k, row in enumerate(rows):
            n = len(row["input_ids"])
            ids[k, :n] = torch.tensor(row["input_ids"])
            mask[k, :n] = 1
            steps[k, :n] = torch.tensor([label != -100 for label in row["labels"]])
        with torch.inference_mode():
            logits = self.model(input_ids=ids.to(self.device),
                                attention_mask=mask.to(self.device)).logits
            probs = logits.float().softmax(-1)[..., -1][steps.to(self.device)].cpu().tolist()
        counts = steps.sum(1).tolist()                     # one transfer per batch
        out, start = [], 0
        for n in counts:
            out.append(probs[start: start + n])
            start += n
        return out

    def judge(self, items: Sequence[JudgeInput]) -> list[Judgement]:
        return [verdict(item.trace_id, p, self.threshold)
                for item, p in zip(items, self.step_scores_many(items))]


def verdict(trace_id: str, p: Sequence[float], threshold: float = THRESHOLD) -> Judgement:
    """A PRM's judgement from P(step correct) per step: P(flawed) = 1 - the lowest, the first
    step below the threshold as the first wrong one."""
    if not p:
        return Judgement(trace_id, None, None, votes=0, detail="no step fits")
    first = next((i for i, v in enumerate(p) if v < threshold), None)
    return Judgement(trace_id, 1.0 - min(p), first, votes_flawed=int(first is not None),
                     detail=json.dumps([round(v, 4) for v in p]))
