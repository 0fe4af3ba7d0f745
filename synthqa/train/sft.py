"""Supervised fine-tuning on positive data (prompt/completion JSONL) with TRL's SFTTrainer.

    python -m synthqa.train.sft --run-dir runs/<id>      (settings: runs/<id>/train.json)
"""
from __future__ import annotations

from pathlib import Path

from synthqa.train import common


def train(run_dir: Path) -> Path:
    from datasets import load_dataset
    from trl import SFTConfig, SFTTrainer

    config = common.TrainConfig.load(run_dir)
    model, tokenizer = common.load_model(config)
    data = load_dataset("json", data_files=config.data, split="train")
    args = SFTConfig(**common.common_args(config, run_dir), completion_only_loss=True,
                     max_length=getattr(model.config, "max_position_embeddings", None))
    trainer = SFTTrainer(model=model, args=args, train_dataset=data, processing_class=tokenizer,
                         peft_config=common.lora_config(config),
                         callbacks=[common.metrics_callback(run_dir)])
    trainer.train()
    out = common.save_model(trainer, tokenizer, run_dir)
    common.evaluate(config, out)
    return out


if __name__ == "__main__":
    common.main(train, __doc__)
