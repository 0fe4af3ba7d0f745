"""The GPU check's training sections: SFT through synthqa.train.sft (padded batches of similar
lengths, padding-free packing and, on a GPU, packing under flex attention), LoRA SFT, DPO and
PRM training, and SFT sharded by FSDP as a job of the CLI, each as tokens/s and MFU
(6·params·tokens/s over the card's bf16 peak), padding share and memory (bench/gpu_check.py)."""
from __future__ import annotations

import json
import random
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from statistics import mean

import torch

from bench.gpu_measure import CUDA, build, causal, guarded, memory_gb, profile, say, trace_text
from synthqa.sampling.hf import local_params
from synthqa.train import common, sft


PADDED_AND_PACKED = (("padded", None), ("packed", None))
# packed under flex attention (a block mask over the step's one sequence instead of SDPA's
# dense one): a GPU only, it has no backward pass on a CPU
FLEX = (("packed, flex attention", "flex_attention"),)


def sft_section(shape: str, tmp: Path, flops: float, steps: int, batch: int, context: int,
                lengths: tuple[int, int], variants=PADDED_AND_PACKED) -> None:
    rng = random.Random(0)
    data = tmp / f"sft-{shape}.jsonl"
    data.write_text("".join(json.dumps({"prompt": trace_text(rng, 10, 40),
                                        "completion": trace_text(rng, *lengths)}) + "\n"
                            for _ in range(steps * batch * 4)))
    folder = build(shape, tmp / f"model-{shape}", context=context)
    n = local_params(folder)
    say("sft", "parameters", n, "", shape=shape)
    for how, attention in variants:
        packing = how != "padded"
        run_dir = tmp / f"sft-{shape}-{how.replace(', ', '-').replace(' ', '-')}"
        config = common.TrainConfig("sft", str(folder), str(data), "gpu-check", str(tmp),
                                    max_steps=steps, batch_size=batch,
                                    learning_rate=1e-5, eval_problems=0, packing=packing)
        try:
            with attention_as(attention):
                trainer, config = fit_in_memory(config, run_dir, data)
        except Exception as exc:        # a variant that fails says so; the others go on
            say("sft", f"error ({how})", f"{type(exc).__name__}: {str(exc)[:300]}", shape=shape)
            continue
        tokens_s = measured_rate(run_dir / "metrics.jsonl")
        pad = pad_share(trainer)
        say("sft", f"examples a step ({how})", config.batch_size, "", shape=shape)
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


@contextmanager
def attention_as(implementation: str | None):
    """Models that synthqa.train loads meanwhile use this attention implementation."""
    if implementation is None:
        yield
        return
    load = common.load_model

    def with_attention(config):
        model, tokenizer = load(config)
        model.set_attn_implementation(implementation)
        return model, tokenizer

    common.load_model = with_attention
    try:
        yield
    finally:
        common.load_model = load


def fit_in_memory(config: common.TrainConfig, run_dir: Path, data: Path):
    """sft.fit, the batch halved while the card runs out of memory (the 1.4B shape at 32
    examples a step fits an H200's memory, maybe not a smaller card's); (trainer, config)."""
    while True:
        if CUDA:
            torch.cuda.reset_peak_memory_stats()
        try:
            return sft.fit(config, run_dir, str(data))[0], config
        except torch.OutOfMemoryError:
            if config.batch_size == 1:
                raise
        torch.cuda.empty_cache()         # the failed trainer is gone with the exception
        (run_dir / "metrics.jsonl").unlink(missing_ok=True)
        config = replace(config, batch_size=config.batch_size // 2)
        say("sft", "out of memory: batch halved", config.batch_size)


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


def fsdp_section(shape: str, tmp: Path, flops: float, steps: int, batch: int,
                 lengths: tuple[int, int]) -> None:
    """The SFT as a person starts it with sharding asked for (`python -m synthqa train
    --fsdp`): a job under torchrun whose model FSDP shards. On one GPU one process holds every
    shard, yet the wrapping, the sharded optimizer and the save that gathers the shards run as
    on eight; a CPU runs it as DDP (accelerate's FSDP is for GPUs)."""
    from synthqa.cli.main import main as cli
    from synthqa.jobs.runner import Jobs
    from synthqa.workspace import Workspace

    if CUDA:                # the job is another process: give it what this one cached
        torch.cuda.empty_cache()
    rng = random.Random(5)
    data = tmp / f"fsdp-{shape}.jsonl"
    data.write_text("".join(json.dumps({"prompt": trace_text(rng, 10, 40),
                                        "completion": trace_text(rng, *lengths)}) + "\n"
                            for _ in range(steps * batch * 2)))
    folder, ws = causal(shape, tmp), tmp / "fsdp-workspace"
    code = cli(["-q", "--workspace", str(ws), "train", "--base", str(folder), "--data",
                str(data), "--name", "gpu-check-fsdp", "--steps", str(steps), "--batch-size",
                str(batch), "--lr", "1e-5", "--eval-problems", "0", "--fsdp", "--processes",
                "1", "--log-every", "1", "--wait"])
    runner = Jobs(Workspace(ws))
    (job,) = runner.jobs()
    log = runner.log(job.job_id)[0]
    ran = next((x.split(": ", 1)[1] for x in log.splitlines()
                if x.startswith("training on ")), "?")
    say("fsdp", "job", job.status, "", shape=shape, exit_code=code, run_as=ran)
    if job.status != "SUCCEEDED":
        say("fsdp", "error", log[-1500:], shape=shape)
        return
    tokens_s = measured_rate(Path(job.run_dir) / "metrics.jsonl")
    say("fsdp", "train tokens/s", round(tokens_s), "tok/s", shape=shape)
    n = local_params(folder)
    say("fsdp", "MFU (6·N)", round(6 * n * tokens_s / flops, 4), "", shape=shape)
    # the save gathered every shard: the saved model has every parameter of the base
    say("fsdp", "saved parameters / base parameters",
        local_params(Path(job.run_dir) / "model") / n, shape=shape)


def step_rate(metrics: Path, warmup: int = 2) -> float:
    """Optimiser steps per second between the warm-up's end and the last logged step."""
    lines = [json.loads(x) for x in metrics.read_text().splitlines()]
    lines = [x for x in lines if "loss" in x and "time" in x]
    first, last = lines[min(warmup, len(lines) - 2)], lines[-1]
    return (last["step"] - first["step"]) / (last["time"] - first["time"])


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
