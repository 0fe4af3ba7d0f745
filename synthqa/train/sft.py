"""Supervised fine-tuning on positive data (prompt/completion JSONL) with TRL's SFTTrainer.

    python -m synthqa.train.sft --run-dir runs/<id>      (settings: runs/<id>/train.json)
"""
from __future__ import annotations

from pathlib import Path

from synthqa.train import common, parallel


def fit(config: common.TrainConfig, run_dir: Path, data: str, done_before: int = 0,
        planned: int | None = None):
    """SFT of the base model on `data`; (trainer, tokenizer)."""
    from trl import SFTConfig, SFTTrainer

    model, tokenizer = common.load_model(config)
    dataset = common.load_dataset(config, data)
    context = getattr(model.config, "max_position_embeddings", None)
    shape = {"max_length": context}
    if config.packing:
        length, rows = packed_rows(example_lengths(dataset, tokenizer), config.batch_size,
                                   context, parallel.world_size())
        shape = {"max_length": length, "per_device_train_batch_size": rows}
    args = SFTConfig(**(common.common_args(config, run_dir, model.num_parameters()) | shape),
                     completion_only_loss=True, packing=config.packing)
    trainer = SFTTrainer(model=model, args=args, train_dataset=dataset,
                         processing_class=tokenizer, peft_config=common.lora_config(config),
                         callbacks=common.callbacks(run_dir, done_before, planned))
    parallel.announce(trainer)
    trainer.train(resume_from_checkpoint=config.resume_from or None)
    return trainer, tokenizer


def example_lengths(dataset, tokenizer) -> list[int]:
    """Tokens of each prompt with its completion (and its end-of-sequence token), through the
    chat template for chat rows."""
    pairs = zip(dataset["prompt"], dataset["completion"])
    if dataset.num_rows and isinstance(dataset[0]["prompt"], list):
        texts = [tokenizer.apply_chat_template(p + c, tokenize=False) for p, c in pairs]
        return [len(x) for x in tokenizer(texts, add_special_tokens=False)["input_ids"]]
    return [len(x) + 1 for x in tokenizer([p + c for p, c in pairs])["input_ids"]]


def packed_rows(lengths: list[int], batch_size: int, context: int | None,
                world: int = 1) -> tuple[int, int]:
    """(row length, rows a step on each process) for packing: rows as long as the longest
    example (no example is cut that padding would keep), as many a step as hold the tokens of
    `batch_size` average examples. TRL's padding-free step is the rows laid end to end in one
    sequence, so rows of the model's whole context (131k tokens for Llama 3.1) would make
    one step of millions of tokens; the Packing toggle changes how a step's examples are
    laid out, not how many it learns from."""
    longest = max(lengths, default=1)
    length = min(longest, context) if context else longest
    rows = max(world, round(batch_size * sum(lengths) / max(1, len(lengths)) / length))
    return length, max(1, rows // world)


def train(run_dir: Path) -> Path:
    config = common.TrainConfig.load(run_dir)
    trainer, tokenizer = fit(config, run_dir, config.data)
    return common.finish(trainer, tokenizer, config, run_dir)


if __name__ == "__main__":
    common.main(train, __doc__)
