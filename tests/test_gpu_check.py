"""The GPU check runs on a CPU with tiny shapes and prints every figure it promises."""
import json
import subprocess
import sys

from tests.conftest import REPO

FIGURES = {
    ("peak", "device"), ("peak", "bf16 peak for MFU"), ("peak", "measured fp32 matmul"),
    ("sft", "parameters"), ("sft", "train tokens/s (padded)"), ("sft", "train tokens/s (packed)"),
    ("sft", "MFU (padded)"), ("sft", "MFU (packed)"), ("sft", "pad share (padded)"),
    ("sft", "pad share (packed)"), ("sft", "GPU memory (padded)"), ("sft", "GPU memory (packed)"),
    ("sft", "examples a step (padded)"), ("sft", "examples a step (packed)"),
    ("prm", "traces/s (synthqa.judges.prm)"),
    ("prm", "traces/s (plain forward, length-sorted, batch 64)"),
    ("prm", "cost over the plain forward"), ("prm", "GPU memory"),
    ("generate", "sampled tokens/s (synthqa.sampling.hf, 256 a call)"),
    ("generate", "sampled tokens/s (synthqa.sampling.hf, device-sized calls)"),
    ("generate", "sampled tokens/s (synthqa.sampling.hf, continuous batching)"),
    ("generate", "GPU memory"), ("vllm", "vLLM"),
    *((what, figure) for what in ("lora", "dpo", "prm-train")
      for figure in ("train tokens/s", "MFU (6·N)", "GPU memory")),
    ("rollouts", "rollouts/s (synthqa.values.rollouts, exhaustive)"),
    ("rollouts", "sampled tokens/s"), ("rollouts", "GPU memory"),
    ("fsdp", "job"), ("fsdp", "train tokens/s"), ("fsdp", "MFU (6·N)"),
    ("fsdp", "saved parameters / base parameters"),
    *((what, figure) for what in ("sft", "prm", "generate")    # where the time goes
      for figure in ("CPU operator share (profiled)", "most time in")),
}


def test_the_gpu_check_runs_on_a_cpu_and_prints_every_figure():
    out = subprocess.run([sys.executable, "-m", "bench.gpu_check", "--tiny"], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    lines = [json.loads(x) for x in out.splitlines() if x.startswith('{"section"')]
    assert {(x["section"], x["figure"]) for x in lines} == FIGURES
    figures = {x["figure"]: x["value"] for x in lines}
    assert figures["pad share (packed)"] == 0.0 < figures["pad share (padded)"]
    assert figures["train tokens/s (packed)"] > 0 and figures["train tokens/s (padded)"] > 0
    assert figures["traces/s (synthqa.judges.prm)"] > 0
    trained = {(x["section"], x["figure"]): x["value"] for x in lines}
    assert all(trained[(what, "train tokens/s")] > 0 for what in ("lora", "dpo", "prm-train"))
    assert figures["rollouts/s (synthqa.values.rollouts, exhaustive)"] > 0
    # `train --fsdp` as a job under torchrun (a CPU runs it as DDP), its whole model saved
    assert trained[("fsdp", "job")] == "SUCCEEDED" and trained[("fsdp", "train tokens/s")] > 0
    assert trained[("fsdp", "saved parameters / base parameters")] == 1.0
    profiled = [x for x in lines if x["figure"] == "most time in"]
    assert all(x["value"] and x["value"][0][0].startswith("aten::") for x in profiled)


def test_the_gpu_checks_vllm_section_runs_the_adapter(monkeypatch, capsys):
    """Where vllm is installed the check samples through SynthQA's adapter (here vLLM's
    interface on a CPU: tests/sampling/fake_vllm.py), and ends the engine before the
    training sections that follow."""
    from bench import gpu_check
    from tests.sampling import fake_vllm

    monkeypatch.setitem(sys.modules, "vllm", fake_vllm)
    fake_vllm.LLM.cores.clear()
    gpu_check.main(["--tiny", "--sections", "vllm"])
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()
             if x.startswith('{"section"')]
    figures = {x["figure"]: x["value"] for x in lines if x["section"] == "vllm"}
    assert figures["sampled tokens/s (synthqa.sampling.vllm, offline engine)"] > 0
    assert len(fake_vllm.LLM.calls[-1]["prompts"]) == 16     # the whole set in one call
    assert len(fake_vllm.LLM.cores) == 1 and fake_vllm.LLM.running() == 0


def test_an_sft_batch_the_card_cannot_hold_is_halved_until_it_fits(monkeypatch, tmp_path):
    """The 1.4B shape runs at 32 examples a step where that fits (an H200), fewer elsewhere."""
    import torch

    from bench import gpu_training
    from synthqa.train.common import TrainConfig

    tried = []

    def fit(config, run_dir, data):
        tried.append(config.batch_size)
        if config.batch_size > 8:
            raise torch.OutOfMemoryError("CUDA out of memory")
        return "trainer", "tokenizer"

    monkeypatch.setattr(gpu_training.sft, "fit", fit)
    config = TrainConfig("sft", "m", "d", "x", str(tmp_path), batch_size=32)
    trainer, fitted = gpu_training.fit_in_memory(config, tmp_path, tmp_path / "d")
    assert (trainer, fitted.batch_size, tried) == ("trainer", 8, [32, 16, 8])


def test_a_variant_loads_its_models_with_the_attention_it_names(tmp_path):
    """The check's flex-attention packing variant (GPU only) goes through synthqa.train's own
    loading; afterwards models load as before."""
    from bench.gpu_measure import build
    from bench.gpu_training import attention_as
    from synthqa.train import common

    config = common.TrainConfig("sft", str(build("tiny", tmp_path / "m")), "d", "x", "")
    with attention_as("eager"):
        model, _ = common.load_model(config)
    assert model.config._attn_implementation == "eager"
    assert common.load_model(config)[0].config._attn_implementation == "sdpa"
