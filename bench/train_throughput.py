"""SFT training throughput: SynthQA's entry point against a plain TRL script, same settings.

    python -m bench.train_throughput [--steps 200] [--base data/lab/tiny]

Both train the same model on the same prompt/completion examples (lab problems with their gold
solutions) with the same TRL SFTConfig values; tokens/s = tokens in the batches / training
time (TRL's own `train_runtime` and `num_tokens`), so model loading and evaluation are left out.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from synthqa.lab.problems import make_problems
from synthqa.train import sft
from synthqa.train.common import TrainConfig


def data(folder: Path, n: int) -> Path:
    path = folder / "sft.jsonl"
    path.write_text("".join(json.dumps({"prompt": f"{p.text}\n", "completion": p.solution})
                            + "\n" for p in make_problems(n, seed=3)))
    return path


def plain_trl(base: str, data_file: Path, out: Path, steps: int, batch: int) -> dict:
    """What a user would write by hand with TRL."""
    import torch
    from datasets import load_dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    # float32 as the entry point uses on a CPU; without it transformers 5 keeps the shipped
    # fp16 weights in fp16, which trains about 9x slower on this CPU
    model = AutoModelForCausalLM.from_pretrained(base, local_files_only=True,
                                                 dtype=torch.float32)
    args = SFTConfig(output_dir=str(out), max_steps=steps, per_device_train_batch_size=batch,
                     learning_rate=3e-5, warmup_steps=10, lr_scheduler_type="constant_with_warmup",
                     logging_steps=1, save_strategy="no", report_to=[], use_cpu=True,
                     bf16=False, gradient_checkpointing=False, completion_only_loss=True,
                     max_length=model.config.max_position_embeddings)
    trainer = SFTTrainer(model=model, args=args, processing_class=tokenizer,
                         train_dataset=load_dataset("json", data_files=str(data_file),
                                                    split="train"))
    trainer.train()
    return _rate(trainer.state.log_history)


def _rate(history: list[dict]) -> dict:
    tokens = max(h.get("num_tokens", 0) for h in history)
    seconds = next(h["train_runtime"] for h in history if "train_runtime" in h)
    return {"tokens": tokens, "seconds": seconds, "tokens_per_s": tokens / seconds}


def main(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data_file = data(tmp, 2000)
        plain = plain_trl(args.base, data_file, tmp / "plain", args.steps, args.batch)
        run_dir = tmp / "ws" / "runs" / "bench"
        TrainConfig("sft", args.base, str(data_file), "bench-sft", str(tmp / "ws"),
                    max_steps=args.steps, batch_size=args.batch, eval_problems=0).save(run_dir)
        sft.train(run_dir)
        ours = _rate([json.loads(line) for line in
                      (run_dir / "metrics.jsonl").read_text().splitlines()])
    print(f"SFT of {args.base}, {args.steps} steps of batch {args.batch}, CPU; dev machine")
    print(f"{'path':34} {'tokens':>8} {'seconds':>8} {'tokens/s':>9}")
    for name, r in (("plain TRL SFTTrainer script", plain), ("python -m synthqa.train.sft", ours)):
        print(f"{name:34} {r['tokens']:8.0f} {r['seconds']:8.2f} {r['tokens_per_s']:9.0f}")
    print(f"overhead: {100 * (plain['tokens_per_s'] / ours['tokens_per_s'] - 1):+.1f}%")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--base", default="data/lab/tiny")
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
