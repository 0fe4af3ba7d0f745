"""Sampling throughput (generated tokens/s) of the transformers backend on this machine.

    python -m bench.sampling_throughput [--model data/lab/se] [--prompts 64]
"""
from __future__ import annotations

import argparse
import os
import time

from synthqa.lab.model import DATA_DIR, prompt_of
from synthqa.lab.sample_sets import lab_problems
from synthqa.sampling.base import SamplingSpec
from synthqa.sampling.hf import HFSampler


def main(args) -> None:
    prompts = [prompt_of(p.text) for p in lab_problems(args.prompts, seed=5)]
    spec = SamplingSpec(temperature=0.8, max_tokens=80)
    print(f"{os.cpu_count()} cores; {args.prompts} prompts, 1 sample each, T=0.8")
    for model in args.models:
        sampler = HFSampler(model, device="cpu")
        for batch in (1, 8, 32):
            sampler.batch_size = batch
            sampler.complete(prompts[:batch], spec, 1, seed=0)  # warm up
            start = time.perf_counter()
            out = sampler.complete(prompts, spec, 1, seed=1)
            seconds = time.perf_counter() - start
            tokens = sum(c.n_tokens for row in out for c in row)
            print(f"{model.name:4} ({sampler.params:>9,} params) batch {batch:2}: "
                  f"{tokens / seconds:8.0f} tokens/s ({tokens} tokens in {seconds:.1f} s)")


def make_parser() -> argparse.ArgumentParser:
    from pathlib import Path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", type=Path,
                        default=[DATA_DIR / "tiny", DATA_DIR / "wc", DATA_DIR / "se"])
    parser.add_argument("--prompts", type=int, default=64)
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
