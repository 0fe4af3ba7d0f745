"""Train a lab model from scratch on lab traces (loss on the solution only).

    python -m synthqa.train.lab --size wc --steps 2000 --save-every 250 --out OUT  # OUT/step-1000
    python -m synthqa.train.lab --size se --steps 1400 --out data/lab/se
    python -m synthqa.train.lab --size tiny --steps 800 --out data/lab/tiny

Pretraining from nothing, so a plain loop: fine-tuning methods (SFT, DPO, …) use TRL.
Every batch is fresh problems (ops 1-4, digits 1-2), so there is no epoch and no overfitting;
the held-out evaluation uses another seed.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
import random
import time
from pathlib import Path

import torch

from synthqa.lab.model import SIZES, make_model, make_tokenizer, training_text
from synthqa.lab.problems import make_problem


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
        if args.save_every and (step + 1) % args.save_every == 0 and step + 1 < args.steps:
            save(model, tokenizer, Path(args.out) / f"step-{step + 1}", args, params, step + 1,
                 start, losses)
    return save(model, tokenizer, Path(args.out), args, params, args.steps, start, losses)


def save(model, tokenizer, out: Path, args, params: int, steps: int, start: float,
         losses: list[float]) -> dict:
    """fp16 weights (a few MB), the tokenizer and training.json with the rebuild command."""
    out.mkdir(parents=True, exist_ok=True)
    copy.deepcopy(model).eval().half().save_pretrained(out)  # training goes on in fp32
    tokenizer.save_pretrained(out)
    record = {"size": args.size, "params": params, "steps": steps, "batch": args.batch,
              "lr": args.lr, "seed": args.seed, "seconds": round(time.time() - start),
              "final_loss": round(sum(losses[-100:]) / len(losses[-100:]), 4),
              "command": f"python -m synthqa.train.lab --size {args.size} --steps {args.steps}"
                         f" --batch {args.batch} --lr {args.lr} --seed {args.seed}"
                         + (f" --save-every {args.save_every}" if args.save_every else "")
                         + f" --out {args.out}"}
    if steps < args.steps:  # a checkpoint of that run: the schedule is the whole run's
        record["checkpoint"] = f"{args.out}/step-{steps}"
    (out / "training.json").write_text(json.dumps(record, indent=1))
    print(json.dumps(record), flush=True)
    return record


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), required=True)
    parser.add_argument("--steps", type=int, default=2000, help="optimizer steps")
    parser.add_argument("--batch", type=int, default=64, help="problems per step")
    parser.add_argument("--lr", type=float, default=3e-3, help="peak learning rate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="folder for model and tokenizer")
    parser.add_argument("--save-every", type=int, default=0, help="also save a checkpoint to "
                        "OUT/step-N every N steps (to choose the step count by measurement)")
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
