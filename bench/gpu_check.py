"""The GPU check: SynthQA's own GPU paths on models of real shapes, against the hardware.

    python -m bench.gpu_check [--tiny] [--sections peak,sft,prm,rollouts,generate,vllm,train]

Models are built from configs with random weights (nothing is downloaded): SmolLM2-135M's
shape and a Qwen2.5-1.5B-shaped Llama (1.4B parameters without its tied embeddings counted
twice). Each section runs the project's code — SFT through synthqa.train.sft (TRL, padded
batches of similar lengths and padding-free packing), LoRA SFT, DPO and PRM training
(synthqa.train), PRM scoring through synthqa.judges.prm against a plain batched forward pass,
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
import json
import random
import tempfile
import time
from dataclasses import replace
from functools import partial
from statistics import mean
from pathlib import Path

import torch

from synthqa.judges.base import JudgeInput
from synthqa.judges.prm import PrmJudge, tokenize_row
from synthqa.lab.model import make_tokenizer
from synthqa.sampling.base import SamplingSpec
from synthqa.sampling.hf import HFSampler, local_params
from synthqa.train import common, sft

SHAPES = {  # LlamaConfig fields
    "135m": dict(vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                 num_attention_heads=9, num_key_value_heads=3, tie_word_embeddings=True),
    "1.4b": dict(vocab_size=151936, hidden_size=1536, intermediate_size=8960,
                 num_hidden_layers=28, num_attention_heads=12, num_key_value_heads=2,
                 tie_word_embeddings=True),
    "tiny": dict(vocab_size=64, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                 num_attention_heads=2, num_key_value_heads=2, tie_word_embeddings=True),
}
DATASHEET_BF16 = {"H100": 989e12, "H200": 989e12, "A100": 312e12}   # dense, FLOP/s
CUDA = torch.cuda.is_available()


def say(section: str, figure: str, value, unit: str = "", **extra) -> dict:
    line = {"section": section, "figure": figure, "value": value, "unit": unit, **extra}
    print(json.dumps(line), flush=True)
    return line


def peak() -> tuple[float, str]:
    """The card's dense bf16 peak from its datasheet, else a measured matmul rate."""
    name = torch.cuda.get_device_name() if CUDA else "cpu"
    for key, flops in DATASHEET_BF16.items():
        if key in name:
            return flops, f"{name} datasheet"
    return matmul_rate(), f"{name} measured matmul"


def matmul_rate(n: int | None = None, reps: int = 10) -> float:
    n = n or (8192 if CUDA else 512)
    dtype = torch.bfloat16 if CUDA else torch.float32
    a = torch.randn(n, n, dtype=dtype, device="cuda" if CUDA else "cpu")
    a @ a
    sync()
    start = time.perf_counter()
    for _ in range(reps):
        a @ a
    sync()
    return 2 * n ** 3 * reps / (time.perf_counter() - start)


def sync() -> None:
    if CUDA:
        torch.cuda.synchronize()


def memory_gb() -> float:
    return round(torch.cuda.max_memory_allocated() / 2**30, 2) if CUDA else 0.0


def profile(section: str, shape: str, work) -> None:
    """Where one more run of a section's work spends its time: the share of the wall time the
    GPU ran kernels (low: the device waits on Python) and the kernels that took the most; on a
    CPU, the operators."""
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if CUDA else [])
    sync()
    start = time.perf_counter()
    with torch_profile(activities=activities) as prof:
        work()
        sync()
    wall = (time.perf_counter() - start) * 1e6
    spent: dict[str, float] = {}
    for event in prof.events():
        if CUDA and event.device_type == DeviceType.CUDA:
            spent[event.name] = spent.get(event.name, 0.0) + event.time_range.elapsed_us()
        elif not CUDA and event.device_type == DeviceType.CPU:
            spent[event.name] = spent.get(event.name, 0.0) + event.self_cpu_time_total
    top = sorted(spent.items(), key=lambda kv: -kv[1])[:6]
    say(section, "GPU busy share (profiled)" if CUDA else "CPU operator share (profiled)",
        round(sum(spent.values()) / wall, 3), "", shape=shape)
    say(section, "most time in", [[name[:70], round(us / wall, 3)] for name, us in top],
        "share of wall", shape=shape)


def build(shape: str, folder: Path, classify: bool = False, context: int = 2048) -> Path:
    """A model folder of the shape with random weights, and the lab's character tokenizer."""
    from transformers import LlamaConfig, LlamaForCausalLM, LlamaForTokenClassification

    config = LlamaConfig(**SHAPES[shape], max_position_embeddings=context, num_labels=2)
    with torch.device("cuda" if CUDA else "cpu"):
        model = (LlamaForTokenClassification if classify else LlamaForCausalLM)(config)
    model.to(torch.bfloat16 if CUDA else torch.float32).save_pretrained(folder)
    make_tokenizer().save_pretrained(folder)
    del model
    return folder


def causal(shape: str, tmp: Path) -> Path:
    """The shape's causal model folder (the SFT section's, if it ran)."""
    folder = tmp / f"model-{shape}"
    return folder if folder.is_dir() else build(shape, folder)


def trace_text(rng: random.Random, low: int, high: int) -> str:
    """Arithmetic lines of about `low`..`high` characters (one token per character)."""
    lines, target = [], rng.randint(low, high)
    while sum(map(len, lines)) < target:
        a, b = rng.randint(1, 999), rng.randint(1, 99)
        lines.append(f"{a}*{b}={a * b}\n")
    return "".join(lines)


def sft_section(shape: str, tmp: Path, flops: float, steps: int, batch: int, context: int,
                lengths: tuple[int, int]) -> None:
    rng = random.Random(0)
    data = tmp / f"sft-{shape}.jsonl"
    data.write_text("".join(json.dumps({"prompt": trace_text(rng, 10, 40),
                                        "completion": trace_text(rng, *lengths)}) + "\n"
                            for _ in range(steps * batch * 4)))
    folder = build(shape, tmp / f"model-{shape}", context=context)
    n = local_params(folder)
    say("sft", "parameters", n, "", shape=shape)
    for packing in (False, True):
        run_dir = tmp / f"sft-{shape}-{packing}"
        config = common.TrainConfig("sft", str(folder), str(data), "gpu-check", str(tmp),
                                    max_steps=steps, batch_size=batch // 4 if packing else batch,
                                    learning_rate=1e-5, eval_problems=0, packing=packing)
        if CUDA:
            torch.cuda.reset_peak_memory_stats()
        trainer, _ = sft.fit(config, run_dir, str(data))
        tokens_s = measured_rate(run_dir / "metrics.jsonl")
        pad = pad_share(trainer)
        how = "packed" if packing else "padded"
        say("sft", f"train tokens/s ({how})", round(tokens_s), "tok/s", shape=shape)
        say("sft", f"MFU ({how})", round(6 * n * tokens_s / flops, 4), "", shape=shape)
        say("sft", f"pad share ({how})", round(pad, 3), "", shape=shape)
        say("sft", f"GPU memory ({how})", memory_gb(), "GiB", shape=shape)
        if not packing:                  # one more step's forward and backward, profiled
            inputs = next(iter(trainer.get_train_dataloader()))
            step = partial(trainer.training_step, trainer.model, inputs)
            guarded("sft", lambda: profile("sft", shape, step))
        del trainer
        if CUDA:
            torch.cuda.empty_cache()


def trainer_sections(shape: str, tmp: Path, flops: float, steps: int, batch: int,
                     context: int, lengths: tuple[int, int]) -> None:
    """LoRA SFT, DPO (synthqa.train.dpo) and PRM training (synthqa.train.prm) on the shape:
    tokens/s from the logged step times and the examples' token counts, MFU against 6·N."""
    from synthqa.train import dpo, prm

    rng = random.Random(3)
    folder = causal(shape, tmp)
    n = local_params(folder)
    sft_data, pairs, prm_data = tmp / "lora.jsonl", tmp / "dpo.jsonl", tmp / "prm.jsonl"
    rows = [(trace_text(rng, 10, 40), trace_text(rng, *lengths), trace_text(rng, *lengths))
            for _ in range(steps * batch * 2)]
    sft_data.write_text("".join(json.dumps({"prompt": p, "completion": c}) + "\n"
                                for p, c, _ in rows))
    pairs.write_text("".join(json.dumps({"prompt": p, "chosen": c, "rejected": r}) + "\n"
                             for p, c, r in rows))
    prm_data.write_text("".join(json.dumps({"prompt": p, "completions": c.splitlines(),
                                            "labels": [True] * len(c.splitlines())}) + "\n"
                                for p, c, _ in rows))
    per_example = {"lora": mean(len(p) + len(c) for p, c, _ in rows),
                   "dpo": mean(len(p) * 2 + len(c) + len(r) for p, c, r in rows),
                   "prm-train": mean(len(p) + len(c) + 1 for p, c, _ in rows)}
    for what in ("lora", "dpo", "prm-train"):
        run_dir = tmp / f"{what}-{shape}"
        if what == "prm-train":
            prm.PrmConfig(str(folder), str(prm_data), max_steps=steps,
                          batch_size=batch).save(run_dir)
        else:
            common.TrainConfig("sft" if what == "lora" else "dpo", str(folder),
                               str(sft_data if what == "lora" else pairs), "gpu-check", str(tmp),
                               max_steps=steps, batch_size=batch, learning_rate=1e-5,
                               eval_problems=0, lora=what == "lora").save(run_dir)
        if CUDA:
            torch.cuda.reset_peak_memory_stats()
        {"lora": sft.train, "dpo": dpo.train, "prm-train": prm.train}[what](run_dir)
        tokens_s = step_rate(run_dir / "metrics.jsonl") * batch * per_example[what]
        say(what, "train tokens/s", round(tokens_s), "tok/s", shape=shape)
        say(what, "MFU (6·N)", round(6 * n * tokens_s / flops, 4), "", shape=shape)
        say(what, "GPU memory", memory_gb(), "GiB", shape=shape)


def step_rate(metrics: Path, warmup: int = 2) -> float:
    """Optimiser steps per second between the warm-up's end and the last logged step."""
    lines = [json.loads(x) for x in metrics.read_text().splitlines()]
    lines = [x for x in lines if "loss" in x and "time" in x]
    first, last = lines[min(warmup, len(lines) - 2)], lines[-1]
    return (last["step"] - first["step"]) / (last["time"] - first["time"])


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


def measured_rate(metrics: Path, warmup: int = 3) -> float:
    """Real (non-pad) tokens per second between the warm-up's end and the last logged step."""
    lines = [json.loads(x) for x in metrics.read_text().splitlines()]
    lines = [x for x in lines if "num_tokens" in x and "time" in x]
    first, last = lines[min(warmup, len(lines) - 2)], lines[-1]
    return (last["num_tokens"] - first["num_tokens"]) / (last["time"] - first["time"])


def pad_share(trainer, batches: int | None = 8) -> float:
    """Share of the positions of the trainer's first `batches` batches (None: all) that are
    padding."""
    pad = total = 0
    for k, batch in enumerate(trainer.get_train_dataloader()):
        if k == batches:
            break
        total += batch["input_ids"].numel()
        if "attention_mask" in batch:
            pad += int((batch["attention_mask"] == 0).sum())
    return pad / max(1, total)


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
    sampler = VLLMSampler(causal(shape, tmp))
    texts = [trace_text(rng, 40, 120) for _ in range(prompts)]
    spec = SamplingSpec(temperature=0.8, max_tokens=max_tokens)
    sampler.complete(texts[:4], spec, 1, 0)               # warm-up
    start = time.perf_counter()
    out = sampler.complete(texts, spec, 1, 0)
    tokens = sum(c.n_tokens for row in out for c in row)
    say("vllm", "sampled tokens/s (synthqa.sampling.vllm, offline engine)",
        round(tokens / (time.perf_counter() - start)), "tok/s", shape=shape)
    say("vllm", "GPU memory", memory_gb(), "GiB", shape=shape)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny shapes (a CPU, the test)")
    parser.add_argument("--sections", default="peak,sft,prm,rollouts,generate,vllm,train")
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
                                                        (large, 16, 20)) if shape],
            "prm": lambda: prm_section(tmp, small, 32 if args.tiny else 4096),
            "rollouts": lambda: rollouts_section(tmp, small, 8 if args.tiny else 128, 4,
                                                 8 if args.tiny else 128),
            "generate": lambda: generate_section(tmp, small, 16 if args.tiny else 1024,
                                                 8 if args.tiny else 128),
            "vllm": lambda: vllm_section(tmp, small, 16 if args.tiny else 512,
                                         8 if args.tiny else 128),
            "train": lambda: trainer_sections(large or small, tmp, flops, 4 if args.tiny else 12,
                                              4, 256 if args.tiny else 1024,
                                              (20, 60) if args.tiny else (60, 300))}
        for name, run in runs.items():
            if name in sections:
                guarded(name, run)


def guarded(name: str, run) -> None:
    """A section that fails (out of memory on a smaller card, a missing kernel) says so and
    the check goes on with the next: one short GPU session gives every figure it can."""
    try:
        run()
    except Exception as exc:            # reported, not hidden: the figure is the error
        say(name, "error", f"{type(exc).__name__}: {str(exc)[:300]}")
        if CUDA:
            torch.cuda.empty_cache()

if __name__ == "__main__":
    main()
