"""What the GPU check's sections share: models of real shapes built from configs (random
weights, the lab's character tokenizer), the card's peak, timing, memory, profiles and one JSON
line per figure (bench/gpu_check.py)."""
from __future__ import annotations

import gc
import json
import random
import time
from pathlib import Path

import torch

from synthqa.lab.model import make_tokenizer

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


def device_used_gb() -> float:
    """Memory in use on the device by every process (vLLM's engine runs in its own)."""
    if not CUDA:
        return 0.0
    free, total = torch.cuda.mem_get_info()
    return round((total - free) / 2**30, 2)


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


def guarded(name: str, run) -> None:
    """A section that fails (out of memory on a smaller card, a missing kernel) says so and
    the check goes on with the next: one short GPU session gives every figure it can."""
    if CUDA:                            # each section's memory figure is its own peak
        torch.cuda.reset_peak_memory_stats()
    try:
        run()
    except Exception as exc:            # reported, not hidden: the figure is the error
        say(name, "error", f"{type(exc).__name__}: {str(exc)[:300]}")
    finally:   # the section's models freed and the allocator's cache given back: the next
        gc.collect()       # section (vLLM's engine, a process of its own) finds the memory
        if CUDA:
            torch.cuda.empty_cache()
