"""Train a lab model from scratch on lab traces (loss on the solution only).

    python -m synthqa.train.lab --size wc --steps 2500 --out data/lab/wc
    python -m synthqa.train.lab --size se --steps 1200 --out data/lab/se

Pretraining from nothing, so a plain loop: fine-tuning methods (SFT, DPO, …) use TRL.
Every batch is fresh problems (ops 1-4, digits 1-2), so there is no epoch and no overfitting;
the held-out evaluation uses another seed.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from pathlib import Path

import torch

from synthqa.lab.model import make_model, make_tokenizer, training_text
from synthqa.lab.tasks import make_problem


def batch(tokenizer, rng: random.Random, size: int) -> dict[str, torch.Tensor]:
    """Right-padded sequences `<bos> prompt solution <eos>`; labels only on the solution."""
    rows, targets = [], []
    for _ in range(size):
        prompt, solution = training_text(make_problem(rng, rng.randint(1, 4), rng.randint(1, 2)))
        p = [tokenizer.bos_token_id] + tokenizer.encode(prompt, add_special_tokens=False)
        s = tokenizer.encode(solution, add_special_tokens=False) + [tokenizer.eos_token_id]
        rows.append(p + s)
        targets.append([-100] * len(p) + s)
    width = max(map(len, rows))
    pad = tokenizer.pad_token_id
    ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows])
    labels = torch.tensor([t + [-100] * (width - len(t)) for t in targets])
    return {"input_ids": ids, "attention_mask": (ids != pad).long(), "labels": labels}


def lr_at(step: int, steps: int, peak: float, warmup: int = 100) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))  # cosine to 10%


def main(args) -> dict:
    torch.manual_seed(args.seed)
    torch.set_num_threads(os.cpu_count() or 1)
    rng = random.Random(args.seed)
    tokenizer = make_tokenizer()
    model = make_model(args.size, tokenizer)
    params = sum(p.numel() for p in model.parameters())
    optim = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    start, losses = time.time(), []
    model.train()
    for step in range(args.steps):
        for group in optim.param_groups:
            group["lr"] = lr_at(step, args.steps, args.lr)
        loss = model(**batch(tokenizer, rng, args.batch)).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optim.step()
        optim.zero_grad()
        losses.append(loss.item())
        if step % 100 == 0 or step == args.steps - 1:
            print(f"step {step:5d}  loss {sum(losses[-100:]) / len(losses[-100:]):.4f}  "
                  f"{time.time() - start:6.0f} s", flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model.eval()
    model.half().save_pretrained(out)  # fp16 on disk: a few MB
    tokenizer.save_pretrained(out)
    record = {"size": args.size, "params": params, "steps": args.steps, "batch": args.batch,
              "lr": args.lr, "seed": args.seed, "seconds": round(time.time() - start),
              "final_loss": round(sum(losses[-100:]) / len(losses[-100:]), 4),
              "command": f"python -m synthqa.train.lab --size {args.size} --steps {args.steps}"
                         f" --batch {args.batch} --lr {args.lr} --seed {args.seed}"
                         f" --out {args.out}"}
    (out / "training.json").write_text(json.dumps(record, indent=1))
    print(json.dumps(record))
    return record


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["wc", "se"], required=True)
    parser.add_argument("--steps", type=int, default=2000, help="optimizer steps")
    parser.add_argument("--batch", type=int, default=64, help="problems per step")
    parser.add_argument("--lr", type=float, default=3e-3, help="peak learning rate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="folder for model and tokenizer")
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
