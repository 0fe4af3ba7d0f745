"""A process reward model as a judge: a token-classification model over the steps, in the form
TRL's PRMTrainer trained (and its stepwise-supervision data stores): the prompt, then each step
followed by a separator, one label per step on the separator's last token (1 = correct)."""
from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import chain
from pathlib import Path

from synthqa.judges.base import JudgeInput, Judgement
from synthqa.sampling.batches import token_batches

SEPARATOR = "\n"
THRESHOLD = 0.5  # a step with P(correct) below it is the predicted first wrong step
META = "synthqa_prm.json"  # written beside a PRM trained here: separator and what it learned


def tokenize_row(prompt: str, completions: Sequence[str], labels: Sequence[bool | int],
                 tokenizer, separator: str = SEPARATOR, max_length: int | None = None) -> dict:
    """input_ids and labels as TRL's PRMTrainer.tokenize_row builds them: -100 everywhere but
    the last token of each step (its separator), which carries the step's label."""
    return tokenize_rows([(prompt, completions, labels)], tokenizer, separator, max_length)[0]


def tokenize_rows(rows: Sequence[tuple[str, Sequence[str], Sequence[bool | int]]], tokenizer,
                  separator: str = SEPARATOR, max_length: int | None = None) -> list[dict]:
    """`tokenize_row` of many (prompt, steps, labels) rows, with one tokenizer call for all
    the prompts and one for all the steps (a fast tokenizer encodes a list in parallel; a
    call per step was most of a judge run's time beside the model)."""
    texts = [prompt for prompt, _, _ in rows]
    steps = [step for _, completions, _ in rows for step in completions]
    encoded = iter(tokenizer(texts + steps, add_special_tokens=False)["input_ids"]
                   if texts + steps else [])
    sep = tokenizer.encode(separator, add_special_tokens=False)
    bos = [] if tokenizer.bos_token_id is None else [tokenizer.bos_token_id]
    prompt_ids = [bos + next(encoded) for _ in texts]
    out = []
    for (_, completions, labels), ids in zip(rows, prompt_ids):
        step_ids = [next(encoded) + sep for _ in completions]
        input_ids = ids + list(chain(*step_ids))
        out_labels = [-100] * len(ids) + [x for s, label in zip(step_ids, labels)
                                          for x in [-100] * (len(s) - 1) + [int(label)]]
        if max_length is not None:
            input_ids, out_labels = input_ids[:max_length], out_labels[:max_length]
        out.append({"input_ids": input_ids, "labels": out_labels})
    return out


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
        token do not depend on the padding after it). Every batch is queued before any
        result is read back: on a GPU the forward passes run back to back, one transfer at
        the end."""
        import torch

        rows = tokenize_rows([(item.problem, item.steps, [1] * len(item.steps))
                              for item in items], self.tokenizer, self.separator,
                             self.max_length)
        batches = token_batches([len(r["input_ids"]) for r in rows], self.batch_tokens)
        queued = [self._queue([rows[i] for i in batch]) for batch in batches]
        probs = torch.cat([p for p, _ in queued]).cpu().tolist() if queued else []
        scores: list[list[float]] = [[] for _ in rows]
        start = 0
        for batch, (_, counts) in zip(batches, queued):
            for i, n in zip(batch, counts):
                scores[i], start = probs[start: start + n], start + n
        return scores

    def _queue(self, rows: list[dict]):
        """One batch's forward pass queued on the device: P(correct) at each step's
        separator (a device tensor, in row order) and the rows' step counts."""
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
        counts = steps.sum(1).tolist()
        at = steps.flatten().nonzero().squeeze(1)  # positions known here: a mask on the
        cuda = self.device == "cuda"               # device would wait for its count
        ids, mask, at = (t.pin_memory().to(self.device, non_blocking=True) if cuda else t
                         for t in (ids, mask, at))   # pinned, asynchronous copies
        with torch.inference_mode():
            logits = self.model(input_ids=ids, attention_mask=mask).logits
            return logits.float().softmax(-1)[..., -1].flatten().index_select(0, at), counts

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
