"""Train a process reward model from stepwise supervision (prompt, completions, labels).

    python -m synthqa.train.prm --run-dir runs/<id>      (settings: runs/<id>/prm.json)

The data and tokenization are TRL's PRMTrainer's (TRL's stepwise-supervision format; rows as
`synthqa.judges.prm.tokenize_rows` builds them): a token-classification head on the base model,
one label per step on the separator's last token. TRL 1.16 no longer ships PRMTrainer; it was
a transformers Trainer over exactly these rows, which is what runs here. The result,
`runs/<id>/model`, is a folder the prm judge reads.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from synthqa.judges.prm import META, SEPARATOR, tokenize_rows
from synthqa.train import common


@dataclass(frozen=True)
class PrmConfig:
    base_model: str           # a local model folder (config.json): the PRM's backbone
    data: str                 # JSONL of {prompt, completions, labels} (stepwise supervision)
    max_steps: int = 100      # optimiser steps
    learning_rate: float = 1e-4
    batch_size: int = 8
    separator: str = SEPARATOR
    seed: int = 0

    def validate(self) -> None:
        if not (Path(self.base_model) / "config.json").is_file():
            raise ValueError(f"{self.base_model}: not a local model folder (no config.json)")
        if not Path(self.data).is_file():
            raise ValueError(f"{self.data}: no such data file")
        if not (1 <= self.max_steps <= 1_000_000 and 1 <= self.batch_size <= 4096
                and 0 < self.learning_rate < 1 and 1 <= len(self.separator) <= 8):
            raise ValueError("steps, batch size, learning rate or separator out of range")

    def save(self, run_dir: Path) -> None:
        self.validate()
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "prm.json").write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, run_dir: Path) -> PrmConfig:
        config = cls(**json.loads((run_dir / "prm.json").read_text()))
        config.validate()
        return config


def dataset(config: PrmConfig, tokenizer, max_length: int | None):
    from datasets import Dataset

    rows = [json.loads(line) for line in Path(config.data).read_text().splitlines() if line]
    return Dataset.from_list(tokenize_rows([(r["prompt"], r["completions"], r["labels"])
                                            for r in rows], tokenizer, config.separator,
                                           max_length))


def train(run_dir: Path) -> Path:
    from transformers import (AutoModelForTokenClassification, AutoTokenizer,
                              DataCollatorForTokenClassification, Trainer, TrainingArguments)

    config = PrmConfig.load(run_dir)
    tokenizer = AutoTokenizer.from_pretrained(config.base_model, local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForTokenClassification.from_pretrained(
        config.base_model, num_labels=2, local_files_only=True,
        dtype=common.weights_dtype(lora=False),
        id2label={0: "wrong", 1: "correct"}, label2id={"wrong": 0, "correct": 1})
    model.config.pad_token_id = tokenizer.pad_token_id
    data = dataset(config, tokenizer, getattr(model.config, "max_position_embeddings", None))
    args = TrainingArguments(
        output_dir=str(run_dir / "checkpoints"), max_steps=config.max_steps,
        per_device_train_batch_size=config.batch_size, learning_rate=config.learning_rate,
        warmup_steps=min(10, config.max_steps), logging_steps=common.log_every(config),
        save_strategy="no", seed=config.seed, **common.runtime_args(),
        train_sampling_strategy=common.sampling_strategy(packing=False))
    trainer = Trainer(model=model, args=args, train_dataset=data,
                      data_collator=DataCollatorForTokenClassification(tokenizer),
                      callbacks=common.callbacks(run_dir))
    trainer.train()
    common.stop_if_cancelled(trainer)
    out = run_dir / "model"
    trainer.model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    (out / META).write_text(json.dumps({"separator": config.separator, "data": config.data,
                                        "examples": len(data), "steps": config.max_steps}))
    return out


if __name__ == "__main__":
    common.main(train, __doc__)
