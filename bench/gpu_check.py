"""The GPU check: SynthQA's own GPU paths on models of real shapes, against the hardware.

    python -m bench.gpu_check [--tiny] [--sections peak,sft,prm,rollouts,generate,vllm,train,flex,fsdp]

Models are built from configs with random weights (nothing is downloaded): SmolLM2-135M's
shape and a Qwen2.5-1.5B-shaped Llama (1.4B parameters without its tied embeddings counted
twice). Each section runs the project's code — SFT through synthqa.train.sft (TRL, padded
batches of similar lengths and padding-free packing, on a GPU packing under flex attention
too), LoRA SFT, DPO and PRM training
(synthqa.train), SFT sharded by FSDP as a job of `python -m synthqa train --fsdp`, PRM scoring through synthqa.judges.prm against a plain batched forward pass,
exhaustive rollouts through synthqa.values.rollouts, sampling through synthqa.sampling.hf (256
a call, calls sized to the device, continuous batching) and, where it is installed, vLLM's
offline engine — and prints one JSON line per figure: tokens/s, MFU (6·params·tokens/s over
the card's bf16 peak), traces/s, the padding share, GPU memory, and for SFT, PRM scoring and
sampling where one more run spends its time (the share of the wall time the GPU ran kernels,
the kernels that took most: what to speed up next).
`--tiny` runs the same paths with tiny shapes on a CPU (tests/test_gpu_check.py).
"""
from __future__ import annotations

import argparse
import importlib.util
import random
import tempfile
import time
from contextlib import closing
from dataclasses import replace
from functools import partial
from pathlib import Path

import torch

from bench.gpu_measure import CUDA, build, causal, device_used_gb, guarded, matmul_rate, \
    memory_gb, peak, profile, say, sync, trace_text
from bench.gpu_training import FLEX, fsdp_section, sft_section, trainer_sections
from synthqa.judges.base import JudgeInput
from synthqa.judges.prm import PrmJudge, tokenize_row
from synthqa.sampling.base import SamplingSpec
from synthqa.sampling.hf import HFSampler


def rollouts_section(tmp: Path, shape: str, traces: int, k: int, max_tokens: int) -> None:
    """Exhaustive rollouts through synthqa.values.rollouts: a shard's prefixes in one call."""
    from synthqa.values import rollouts

    rng = random.Random(4)
    policy = rollouts.RolloutPolicy(HFSampler(causal(shape, tmp)),
                                    SamplingSpec(temperature=0.8, max_tokens=max_tokens), k=k)
    shard = [rollouts.Trace(f"t{i}", trace_text(rng, 20, 60), "1",
                            tuple(trace_text(rng, 10, 30).strip() for _ in range(4)), False)
             for i in range(traces)]
    rollouts.run_many(policy, "exhaustive", shard[:2])      # warm-up
    sync()
    start = time.perf_counter()
    values = rollouts.run_many(policy, "exhaustive", shard)
    sync()
    seconds = time.perf_counter() - start
    done = [r for v in values for r in v.rollouts]
    say("rollouts", "rollouts/s (synthqa.values.rollouts, exhaustive)",
        round(len(done) / seconds, 1), "rollouts/s", shape=shape)
    say("rollouts", "sampled tokens/s", round(sum(r.n_tokens for r in done) / seconds),
        "tok/s", shape=shape)
    say("rollouts", "GPU memory", memory_gb(), "GiB", shape=shape)


def prm_section(tmp: Path, shape: str, traces: int) -> None:
    rng = random.Random(1)
    items = [JudgeInput(f"t{i}", trace_text(rng, 20, 80), None,
                        tuple(trace_text(rng, 20, 80).strip() for _ in range(rng.randint(3, 10))))
             for i in range(traces)]
    judge = PrmJudge(str(build(shape, tmp / f"prm-{shape}", classify=True)))
    judge.judge(items[:8])                                    # warm-up
    sync()
    start = time.perf_counter()
    verdicts = judge.judge(items)
    sync()
    ours = time.perf_counter() - start
    rows = [tokenize_row(t.problem, t.steps, [1] * len(t.steps), judge.tokenizer,
                         judge.separator) for t in items]
    start = time.perf_counter()
    plain_forward(judge, rows, 64)
    sync()
    plain = time.perf_counter() - start
    assert len(verdicts) == traces
    say("prm", "traces/s (synthqa.judges.prm)", round(traces / ours, 1), "traces/s", shape=shape)
    say("prm", "traces/s (plain forward, length-sorted, batch 64)", round(traces / plain, 1),
        "traces/s", shape=shape)
    say("prm", "cost over the plain forward", round(ours / plain, 2), "x", shape=shape)
    guarded("prm", lambda: profile("prm", shape, lambda: judge.judge(items[:512])))
    say("prm", "GPU memory", memory_gb(), "GiB", shape=shape)


def plain_forward(judge: PrmJudge, rows: list[dict], batch: int) -> None:
    order = sorted(range(len(rows)), key=lambda i: -len(rows[i]["input_ids"]))
    for start in range(0, len(order), batch):
        chunk = [rows[i] for i in order[start: start + batch]]
        width = max(len(r["input_ids"]) for r in chunk)
        ids = torch.tensor([r["input_ids"] + [judge.pad_id] * (width - len(r["input_ids"]))
                            for r in chunk], device=judge.device)
        mask = torch.tensor([[1] * len(r["input_ids"]) + [0] * (width - len(r["input_ids"]))
                             for r in chunk], device=judge.device)
        with torch.inference_mode():
            judge.model(input_ids=ids, attention_mask=mask).logits.softmax(-1)


def generate_section(tmp: Path, shape: str, prompts: int, max_tokens: int) -> None:
    rng = random.Random(2)
    folder = causal(shape, tmp)
    texts = [trace_text(rng, 40, 120) for _ in range(prompts)]
    spec = SamplingSpec(temperature=0.8, max_tokens=max_tokens)
    for how, sampler in (("256 a call", HFSampler(folder, batch_size=256)),
                         ("device-sized calls", HFSampler(folder)),   # KV-bounded, <= 1,024
                         ("continuous batching", HFSampler(folder, continuous=True))):
        sampler.complete(texts[:4], spec, 1, 0)               # warm-up
        sync()
        start = time.perf_counter()
        out = sampler.complete(texts, spec, 1, 0)
        sync()
        tokens = sum(c.n_tokens for row in out for c in row)
        say("generate", f"sampled tokens/s (synthqa.sampling.hf, {how})",
            round(tokens / (time.perf_counter() - start)), "tok/s", shape=shape)
        if how == "device-sized calls":
            short = replace(spec, max_tokens=min(32, max_tokens))
            call = partial(sampler.complete, texts[:256], short, 1, 0)
            guarded("generate", lambda: profile("generate", shape, call))
        del sampler
    say("generate", "GPU memory", memory_gb(), "GiB", shape=shape)


def vllm_section(tmp: Path, shape: str, prompts: int, max_tokens: int) -> None:
    """SynthQA's vLLM backend (synthqa.sampling.vllm): the whole set in one engine call."""
    if importlib.util.find_spec("vllm") is None:
        say("vllm", "vLLM", "not installed")
        return
    from synthqa.sampling.vllm import VLLMSampler

    rng = random.Random(2)
    texts = [trace_text(rng, 40, 120) for _ in range(prompts)]
    spec = SamplingSpec(temperature=0.8, max_tokens=max_tokens)
    with closing(VLLMSampler(causal(shape, tmp))) as sampler:   # the sections after it train
        sampler.complete(texts[:4], spec, 1, 0)               # warm-up
        start = time.perf_counter()
        out = sampler.complete(texts, spec, 1, 0)
        tokens = sum(c.n_tokens for row in out for c in row)
        say("vllm", "sampled tokens/s (synthqa.sampling.vllm, offline engine)",
            round(tokens / (time.perf_counter() - start)), "tok/s", shape=shape)
        say("vllm", "GPU memory in use (the engine's process too)", device_used_gb(), "GiB",
            shape=shape)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny shapes (a CPU, the test)")
    parser.add_argument("--sections",
                        default="peak,sft,prm,rollouts,generate,vllm,train,flex,fsdp")
    args = parser.parse_args(argv)
    sections = set(args.sections.split(","))
    flops, basis = peak()
    say("peak", "device", torch.cuda.get_device_name() if CUDA else "cpu")
    say("peak", "bf16 peak for MFU", flops, "FLOP/s", basis=basis)
    if "peak" in sections:
        say("peak", "measured bf16 matmul" if CUDA else "measured fp32 matmul",
            round(matmul_rate()), "FLOP/s")
    small, large = ("tiny", None) if args.tiny else ("135m", "1.4b")
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:
        tmp = Path(tmp)
        runs = {   # the goal figures first: a run cut short still has them
            "sft": lambda: [sft_section(shape, tmp, flops, steps, batch,
                                        256 if args.tiny else 1024,
                                        (20, 120) if args.tiny else (100, 600))
                            for shape, batch, steps in ((small, 64, 4 if args.tiny else 30),
                                                        (large, 32, 20)) if shape],
            "prm": lambda: prm_section(tmp, small, 32 if args.tiny else 4096),
            "rollouts": lambda: rollouts_section(tmp, small, 8 if args.tiny else 128, 4,
                                                 8 if args.tiny else 128),
            "generate": lambda: generate_section(tmp, small, 16 if args.tiny else 1024,
                                                 8 if args.tiny else 128),
            "vllm": lambda: vllm_section(tmp, small, 16 if args.tiny else 512,
                                         8 if args.tiny else 128),
            "train": lambda: trainer_sections(large or small, tmp, flops, 4 if args.tiny else 12,
                                              4, 256 if args.tiny else 1024,
                                              (20, 60) if args.tiny else (60, 300)),
            "flex": lambda: CUDA and sft_section(small, tmp, flops, 30, 64, 1024, (100, 600),
                                                 FLEX),
            "fsdp": lambda: fsdp_section(large or small, tmp, flops, 4 if args.tiny else 20,
                                         4 if args.tiny else 16,
                                         (20, 60) if args.tiny else (100, 600))}
        for name, run in runs.items():
            if name in sections:
                guarded(name, run)


if __name__ == "__main__":
    main()
