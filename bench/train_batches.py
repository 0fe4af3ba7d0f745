"""Padding in SFT and DPO batches, and what it costs: length-grouped batches (SynthQA's
default), the library's random batches, and padding-free packing, on the same examples.

    python -m bench.train_batches [--examples 512] [--batch 16]

The examples are the public GSM8K model solutions (../shared/data; lab problems where the file
is absent), one token per character with the lab tokenizer; the model is the lab WC shape with
random weights and a 1,024-token context. Each variant trains through synthqa.train (sft.fit,
dpo.fit) for one epoch (padded variants see the same examples; a length-grouped epoch starts
with its longest batches); printed: the share of the positions of every batch that is padding,
the epoch's training time (the trainer's own, loading left out) and real (non-pad) tokens per
second. A packed step holds about as many tokens as a padded one (synthqa.train.sft.packed_rows:
rows as long as the longest example).
"""
from __future__ import annotations

import argparse
import json
import random
import tempfile
from contextlib import contextmanager
from pathlib import Path

from bench.gpu_training import pad_share
from synthqa.lab.model import DATA_DIR, make_tokenizer
from synthqa.train import common, dpo, sft

GSM8K = Path(__file__).resolve().parents[2] / "shared" / "data" / \
    "gsm8k_example_model_solutions.jsonl"


def model_folder(out: Path) -> Path:
    import torch
    from transformers import AutoConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = AutoConfig.from_pretrained(DATA_DIR / "wc", max_position_embeddings=1024)
    LlamaForCausalLM(config).save_pretrained(out)
    make_tokenizer().save_pretrained(out)
    return out


def examples(n: int) -> list[dict]:
    """prompt / completion / chosen / rejected rows: a problem, a right and a wrong solution."""
    if GSM8K.is_file():
        rows = [json.loads(line) for line in GSM8K.read_text().splitlines()]
        out = []
        for row in rows:
            solutions = [row[k]["solution"] for k in ("6b_finetuning", "175b_finetuning")
                         if isinstance(row.get(k), dict)]
            out += [{"prompt": row["question"] + "\n", "completion": s,
                     "chosen": row["ground_truth"], "rejected": s} for s in solutions]
        return out[:n]
    from synthqa.lab.problems import make_problems

    rng = random.Random(0)
    return [{"prompt": p.text + "\n", "completion": p.solution, "chosen": p.solution,
             "rejected": p.solution * rng.randint(1, 4)} for p in make_problems(n, seed=5)]


@contextmanager
def batches(strategy: str):
    """Training with the given sampler for padded batches."""
    kept = common.sampling_strategy
    common.sampling_strategy = lambda packing: "random" if packing else strategy
    try:
        yield
    finally:
        common.sampling_strategy = kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=512)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    rows = examples(args.examples)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model = model_folder(tmp / "model")
        files = {}
        for method, keys in (("sft", ("prompt", "completion")),
                             ("dpo", ("prompt", "chosen", "rejected"))):
            files[method] = tmp / f"{method}.jsonl"
            files[method].write_text("".join(json.dumps({k: r[k] for k in keys}) + "\n"
                                             for r in rows))
        steps = len(rows) // args.batch                       # one epoch
        print(f"{len(rows):,} examples ({'GSM8K model solutions' if GSM8K.is_file() else 'lab'}),"
              f" batch {args.batch}, {steps} steps, lab-wc shape, 1,024-token context")
        variants = [("sft", "random", False), ("sft", "group_by_length", False),
                    ("sft", "random", True), ("dpo", "random", False),
                    ("dpo", "group_by_length", False)]
        for method, strategy, packing in variants:
            config = common.TrainConfig(method, str(model), str(files[method]), "bench",
                                        str(tmp), max_steps=steps,
                                        batch_size=args.batch,
                                        eval_problems=0, packing=packing)
            run = tmp / f"{method}-{strategy}-{packing}"
            with batches(strategy):
                trainer, _ = (sft.fit(config, run, config.data) if method == "sft"
                              else dpo.fit(config, run))
            seconds = trainer.state.log_history[-1]["train_runtime"]
            tokens = max(x.get("num_tokens", 0) for x in trainer.state.log_history)
            how = "packed, padding-free" if packing else f"padded, {strategy} batches"
            print(f"{method} {how}: pad share {pad_share(trainer, None):.3f}, training "
                  f"{seconds:.1f} s, {tokens / seconds:,.0f} real tok/s")

if __name__ == "__main__":
    main()
