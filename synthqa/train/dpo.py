"""DPO on preference pairs (prompt/chosen/rejected JSONL) with TRL's DPOTrainer: plain DPO
pairs, or per-step pairs built from first pits (python -m synthqa pairs --kind step-dpo).

    python -m synthqa.train.dpo --run-dir runs/<id>      (settings: runs/<id>/train.json)
"""
from __future__ import annotations

from pathlib import Path

from synthqa.train import common, parallel


def fit(config: common.TrainConfig, run_dir: Path):
    """DPO of the base model on the config's pairs (the reference model is a frozen copy of
    the base model); (trainer, tokenizer)."""
    from trl import DPOConfig, DPOTrainer

    model, tokenizer = common.load_model(config)
    data = common.load_dataset(config, config.data)
    args = DPOConfig(**common.common_args(config, run_dir, model.num_parameters()),
                     beta=config.beta,
                     max_length=getattr(model.config, "max_position_embeddings", None))
    trainer = DPOTrainer(model=model, args=args, train_dataset=data, processing_class=tokenizer,
                         peft_config=common.lora_config(config),
                         callbacks=common.callbacks(run_dir))
    common.group_dpo_by_length(trainer)
    parallel.announce(trainer)
    trainer.train(resume_from_checkpoint=config.resume_from or None)
    return trainer, tokenizer


def train(run_dir: Path) -> Path:
    config = common.TrainConfig.load(run_dir)
    trainer, tokenizer = fit(config, run_dir)
    return common.finish(trainer, tokenizer, config, run_dir)


if __name__ == "__main__":
    common.main(train, __doc__)
