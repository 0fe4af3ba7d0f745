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


class PrmJudge:
    version = "prm-1"

    def __init__(self, model_dir: str, threshold: float = THRESHOLD, device: str | None = None):
        import torch
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        self.model_dir, self.threshold = str(model_dir), threshold
        meta_path = Path(model_dir) / META
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        self.separator = meta.get("separator", SEPARATOR)
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        self.model = AutoModelForTokenClassification.from_pretrained(
            model_dir, local_files_only=True).to(self.device).eval()
        self.max_length = getattr(self.model.config, "max_position_embeddings", None)
        self.name = f"prm:{Path(model_dir).name}"

    def settings(self) -> dict:
        return {"model_dir": self.model_dir, "separator": self.separator,
                "threshold": self.threshold}

    def step_scores(self, item: JudgeInput) -> list[float]:
        """P(step correct) for each step that fits in the model's context."""
        import torch

        row = tokenize_row(item.problem, item.steps, [1] * len(item.steps), self.tokenizer,
                           self.separator, self.max_length)
        ids = torch.tensor([row["input_ids"]], device=self.device)
        with torch.inference_mode():
            probs = self.model(input_ids=ids).logits[0].softmax(-1)[:, -1]
        return [float(probs[i]) for i, label in enumerate(row["labels"]) if label != -100]

    def judge(self, items: Sequence[JudgeInput]) -> list[Judgement]:
        out = []
        for item in items:
            p = self.step_scores(item)
            if not p:
                out.append(Judgement(item.trace_id, None, None, votes=0, detail="no step fits"))
                continue
            first = next((i for i, v in enumerate(p) if v < self.threshold), None)
            out.append(Judgement(item.trace_id, 1.0 - min(p), first,
                                 votes_flawed=int(first is not None),
                                 detail=json.dumps([round(v, 4) for v in p])))
        return out
