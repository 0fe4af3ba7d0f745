"""Supervised fine-tuning on positive data (prompt/completion JSONL) with TRL's SFTTrainer.

    python -m synthqa.train.sft --run-dir runs/<id>      (settings: runs/<id>/train.json)
"""
from __future__ import annotations

from pathlib import Path

from synthqa.train import common


def fit(config: common.TrainConfig, run_dir: Path, data: str, done_before: int = 0,
        planned: int | None = None):
    """SFT of the base model on `data`; (trainer, tokenizer)."""
    from trl import SFTConfig, SFTTrainer

    model, tokenizer = common.load_model(config)
    dataset = common.load_dataset(config, data)
    args = SFTConfig(**common.common_args(config, run_dir), completion_only_loss=True,
                     max_length=getattr(model.config, "max_position_embeddings", None),
                     packing=config.packing)
    trainer = SFTTrainer(model=model, args=args, train_dataset=dataset,
                         processing_class=tokenizer, peft_config=common.lora_config(config),
                         callbacks=common.callbacks(run_dir, done_before, planned))
    trainer.train(resume_from_checkpoint=config.resume_from or None)
    return trainer, tokenizer


def train(run_dir: Path) -> Path:
    config = common.TrainConfig.load(run_dir)
    trainer, tokenizer = fit(config, run_dir, config.data)
    return common.finish(trainer, tokenizer, config, run_dir)


if __name__ == "__main__":
    common.main(train, __doc__)
