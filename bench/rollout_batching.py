"""Rollouts through SynthQA's inference layer against plain batched `generate`, same sequences.

    python -m bench.rollout_batching [--traces 64] [--k 5] [--max-tokens 80] [--policy lab-wc]

Exhaustive rollouts (every prefix of every trace, K continuations each) of lab problems' chain
solutions by the lab policy, through `synthqa.values.rollouts.run_many` (one sampler call per
shard; the transformers backend splits it into calls of its batch size), against the same
prompts sent straight to `model.generate` in batches of 256 sequences (K return sequences per
prompt), the same model, sampling settings and max tokens. Prints seconds, sequences and
generated tokens per second of each, and the ratio.
"""
from __future__ import annotations

import argparse
import time

import torch

from synthqa.lab.model import LAB_MODELS
from synthqa.lab.problems import make_problems
from synthqa.sampling.base import SamplingSpec
from synthqa.sampling.hf import HFSampler
from synthqa.values import rollouts


def plain_generate(sampler: HFSampler, prompts: list[str], spec: SamplingSpec, k: int,
                   batch: int = 256) -> tuple[float, int]:
    """(seconds, generated tokens): `generate` over the prompts, `batch` sequences a call."""
    tokenizer, model = sampler.tokenizer, sampler.model
    context = model.config.max_position_embeddings        # as the sampler: never past it
    per_call, tokens = max(1, batch // k), 0
    start = time.perf_counter()
    for i in range(0, len(prompts), per_call):
        enc = tokenizer(prompts[i: i + per_call], return_tensors="pt", padding=True)
        room = min(spec.max_tokens, context - enc["input_ids"].shape[1])
        with torch.inference_mode():
            ids = model.generate(**enc, max_new_tokens=room, do_sample=True,
                                 temperature=spec.temperature, top_p=1.0, top_k=0,
                                 num_return_sequences=k, pad_token_id=tokenizer.pad_token_id)
        new = ids[:, enc["input_ids"].shape[1]:]
        tokens += int((new != tokenizer.pad_token_id).sum())
    return time.perf_counter() - start, tokens


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=64)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=80)
    parser.add_argument("--policy", default="lab-wc")
    parser.add_argument("--batch-size", type=int, help="the sampler's sequences a call")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    sampler = HFSampler(LAB_MODELS.get(args.policy, args.policy), device="cpu",
                        batch_size=args.batch_size)
    spec = SamplingSpec(temperature=0.7, max_tokens=args.max_tokens,
                        prompt_template="{problem}\n")
    policy = rollouts.RolloutPolicy(sampler, spec, k=args.k)
    traces = [rollouts.Trace(f"t{i}", p.text, str(p.answer), p.steps, False)
              for i, p in enumerate(make_problems(args.traces, seed=11))]
    prompts = [policy.prompt(t.problem, t.steps, i) for t in traces for i in range(len(t.steps))]
    sequences = len(prompts) * args.k
    print(f"{len(traces)} traces, {len(prompts)} prefixes x K={args.k} = {sequences} sequences,"
          f" max {args.max_tokens} tokens; {sampler.batch_size} sequences a sampler call; "
          f"torch threads {torch.get_num_threads()}")
    plain_s, plain_tokens = plain_generate(sampler, prompts, spec, args.k)
    start = time.perf_counter()
    values = rollouts.run_many(policy, "exhaustive", traces)
    layer_s = time.perf_counter() - start
    layer_tokens = sum(r.n_tokens for v in values for r in v.rollouts)
    assert sum(v.rollouts_used for v in values) == sequences
    start = time.perf_counter()          # before: one sampler call per trace
    each = [rollouts.run(policy, "exhaustive", t.trace_id, t.problem, t.gold, t.steps, False)
            for t in traces]
    each_s = time.perf_counter() - start
    each_tokens = sum(r.n_tokens for v in each for r in v.rollouts)
    for what, seconds, tokens in (("plain generate, 256 a call", plain_s, plain_tokens),
                                  ("rollouts.run_many (exhaustive)", layer_s, layer_tokens),
                                  ("one sampler call per trace", each_s, each_tokens)):
        print(f"{what:32} {seconds:7.2f} s {sequences / seconds:8.1f} seq/s "
              f"{tokens / seconds:9.0f} tok/s")
    print(f"rollouts cost {layer_s / plain_s:.2f}x the plain batched generate "
          f"(one call per trace: {each_s / plain_s:.2f}x)")


if __name__ == "__main__":
    main()
