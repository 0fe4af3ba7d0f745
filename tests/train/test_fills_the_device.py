"""Training that fills the device: SFT data-parallel in two processes (torchrun, DDP, gloo on
a CPU) gives the model one process gives and logs each step once; long runs log less often;
activation checkpointing (issue 26)."""
import json
from dataclasses import replace
from pathlib import Path

from safetensors.torch import load_file

from synthqa.cli.main import main
from synthqa.jobs.runner import Jobs
from synthqa.lab.model import LAB_MODELS
from synthqa.lab.problems import make_problems
from synthqa.workspace import Workspace


def _train(tmp_path, data, processes: int):
    ws = tmp_path / f"ws{processes}"
    assert main(["-q", "--workspace", str(ws), "train", "--data", str(data), "--name",
                 f"dp{processes}", "--steps", "4", "--lr", "1e-3", "--batch-size", "8",
                 "--eval-problems", "0", "--processes", str(processes), "--wait"]) == 0
    (run,) = (ws / "runs").glob("train-sft-*")
    return load_file(run / "model" / "model.safetensors"), run


def test_two_processes_train_the_model_one_process_trains(tmp_path):
    data = tmp_path / "sft.jsonl"    # 8 examples, batch 8: each step sees all of them
    data.write_text("".join(json.dumps({"prompt": p.text + "\n", "completion": p.solution})
                            + "\n" for p in make_problems(8, seed=3)))
    one, _ = _train(tmp_path, data, 1)
    two, run = _train(tmp_path, data, 2)
    base = load_file(LAB_MODELS["lab-wc"] / "model.safetensors")
    moved = max((one[k] - base[k]).abs().max().item() for k in one)
    apart = max((one[k] - two[k]).abs().max().item() for k in one)
    assert moved > 1e-3 and apart < 1e-3 * moved
    job = Jobs(Workspace(run.parents[1])).status(run.name)
    assert job.argv[1:6] == ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
                             "2"]
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()
             if "loss" in json.loads(line)]
    assert steps == [1, 2, 3, 4]                        # rank 0 alone writes the metrics


def test_metric_lines_thin_out_on_long_runs_and_checkpointing_trains(tmp_path):
    """A long run logs every 10th step (each metric line waits for the device); activation
    checkpointing is passed to the trainer and a run with it finishes (issue 26)."""

    from synthqa.train.common import TrainConfig, common_args

    data = tmp_path / "sft.jsonl"
    data.write_text("".join(json.dumps({"prompt": p.text + "\n", "completion": p.solution})
                            + "\n" for p in make_problems(8, seed=3)))
    config = TrainConfig("sft", str(LAB_MODELS["lab-wc"]), str(data), "x", str(tmp_path))
    assert common_args(config, tmp_path)["logging_steps"] == 1
    assert common_args(replace(config, max_steps=1000), tmp_path)["logging_steps"] == 10
    assert common_args(replace(config, log_every=5), tmp_path)["logging_steps"] == 5
    assert not common_args(config, tmp_path)["logging_nan_inf_filter"]   # no per-step sync
    assert common_args(replace(config, checkpointing=True), tmp_path)["gradient_checkpointing"]
    ws = tmp_path / "ws"
    assert main(["-q", "--workspace", str(ws), "train", "--data", str(data), "--name", "ckpt",
                 "--steps", "2", "--eval-problems", "0", "--checkpointing", "--wait"]) == 0
    (run,) = (ws / "runs").glob("train-sft-*")
    assert json.loads((run / "train.json").read_text())["checkpointing"] is True


def test_data_parallel_only_where_the_method_and_batch_allow(monkeypatch, tmp_path):
    import torch

    from synthqa.train import launch, parallel
    from synthqa.train.common import TrainConfig

    monkeypatch.setattr(torch.cuda, "device_count", lambda: 4)      # four GPUs visible
    base = str(LAB_MODELS["lab-wc"])
    assert parallel.processes(TrainConfig("sft", base, "d", "x", ".", batch_size=8)) == 4
    assert parallel.processes(TrainConfig("sft", base, "d", "x", ".", batch_size=6)) == 1
    assert parallel.processes(TrainConfig("rft", base, "d", "x", ".", batch_size=8)) == 1
    assert launch.command(TrainConfig("dpo", base, "d", "x", ".", batch_size=8), "r")[2:7] == [
        "torch.distributed.run", "--standalone", "--nproc_per_node", "4", "-m"]


def _varied_rows(n: int, seed: int = 5) -> list[dict]:
    """Prompts of 20-40 characters, answers of 20-400 (one token a character)."""
    import random

    rng = random.Random(seed)
    text = lambda low, high: "".join(rng.choice("0123456789+=*\n")  # noqa: E731
                                     for _ in range(rng.randint(low, high)))
    return [{"prompt": text(20, 40), "completion": text(20, 400), "chosen": text(20, 400),
             "rejected": text(20, 400)} for _ in range(n)]


def test_padded_batches_hold_examples_of_similar_lengths(tmp_path, monkeypatch):
    """Without packing, a padded batch takes examples of similar lengths (the library's
    length-grouped sampler): SFT batches carry under 10% padding where random batches of the
    same rows carry about 40%; DPO pairs pad less too; the 2-process test above still
    matches one process with it on (issue 26)."""
    from bench.gpu_measure import build
    from bench.gpu_training import pad_share
    from synthqa.train import common, dpo, sft

    assert common.sampling_strategy(packing=False) == "group_by_length"
    assert common.sampling_strategy(packing=True) == "random"     # packed rows: one length
    model = build("tiny", tmp_path / "model", context=1024)
    rows = _varied_rows(256)
    data = {kind: tmp_path / f"{kind}.jsonl" for kind in ("sft", "dpo")}
    data["sft"].write_text("".join(json.dumps({k: r[k] for k in ("prompt", "completion")})
                                   + "\n" for r in rows))
    data["dpo"].write_text("".join(json.dumps({k: r[k] for k in ("prompt", "chosen",
                                                                  "rejected")}) + "\n"
                                   for r in rows))
    shares = {}
    for strategy in ("random", "group_by_length"):
        monkeypatch.setattr(common, "sampling_strategy", lambda packing, s=strategy: s)
        for kind in ("sft", "dpo"):
            config = common.TrainConfig(kind, str(model), str(data[kind]), "x", str(tmp_path),
                                        max_steps=1, batch_size=8, eval_problems=0)
            run = tmp_path / f"{kind}-{strategy}"
            trainer, _ = (sft.fit(config, run, config.data) if kind == "sft"
                          else dpo.fit(config, run))
            shares[kind, strategy] = pad_share(trainer, None)
    print(shares)
    assert shares["sft", "group_by_length"] < 0.1 < 0.3 < shares["sft", "random"]
    assert shares["dpo", "group_by_length"] < 0.75 * shares["dpo", "random"]


def test_weights_the_optimiser_updates_load_in_float32_on_a_gpu_too(monkeypatch):
    """On a GPU the trainer's bf16 is autocast over float32 master weights: in bf16 weights one
    Adam step at the default learning rate leaves an RMSNorm's 1.0s where they were. A frozen
    LoRA base loads in bf16 there (half the memory)."""

    import torch

    from synthqa.train.common import TrainConfig, load_model

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    config = TrainConfig("sft", str(LAB_MODELS["lab-wc"]), "", "x", "")
    full, _ = load_model(config)                  # the lab checkpoint is stored in float16
    assert {p.dtype for p in full.parameters()} == {torch.float32}
    frozen, _ = load_model(replace(config, lora=True))
    assert {p.dtype for p in frozen.parameters()} == {torch.bfloat16}
    moved = {}
    for dtype in (torch.float32, torch.bfloat16):
        norm = torch.nn.Parameter(torch.ones(64, dtype=dtype))
        norm.grad = torch.randn(64, dtype=dtype)
        torch.optim.AdamW([norm], lr=config.learning_rate, weight_decay=0.0).step()
        moved[dtype] = int((norm.detach() != 1).sum())
    assert moved == {torch.float32: 64, torch.bfloat16: 0}


def test_a_packed_step_holds_the_tokens_of_batch_size_examples(tmp_path):
    """Packed rows are as long as the longest example, not the model's context: TRL lays a
    step's rows end to end in one sequence, so 8 rows of a 64k context were one step of the
    whole data set; now a step holds about as many tokens as `batch_size` examples."""
    from statistics import mean

    from bench.gpu_measure import build
    from bench.gpu_training import pad_share
    from synthqa.train import common, sft

    assert sft.packed_rows([100] * 7 + [400], 8, 131_072) == (400, 3)
    assert sft.packed_rows([100] * 7 + [400], 8, 131_072, world=2) == (400, 1)
    assert sft.packed_rows([5000, 100], 2, 2048) == (2048, 2)   # cut where padding cuts
    model = build("tiny", tmp_path / "model", context=65_536)
    data = tmp_path / "sft.jsonl"
    data.write_text("".join(json.dumps({"prompt": r["prompt"], "completion": r["completion"]})
                            + "\n" for r in _varied_rows(256)))
    config = common.TrainConfig("sft", str(model), str(data), "x", str(tmp_path), max_steps=1,
                                batch_size=8, eval_problems=0, packing=True)
    trainer, tokenizer = sft.fit(config, tmp_path / "run", str(data))
    lengths = sft.example_lengths(common.load_dataset(config, str(data)), tokenizer)
    assert trainer.args.max_length == max(lengths) < 65_536
    step = next(iter(trainer.get_train_dataloader()))["input_ids"].numel()
    assert 0.5 * 8 * mean(lengths) < step < 8 * mean(lengths) + 2 * max(lengths)
    assert pad_share(trainer) == 0.0


def _gpus(monkeypatch, gib: int = 80):
    """CUDA reported, each GPU of `gib` GiB."""
    import types

    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_properties",
                        lambda _: types.SimpleNamespace(total_memory=gib << 30))


def test_fsdp_shards_full_fine_tunes_too_large_for_one_gpu(monkeypatch):
    """FSDP where asked, or where several processes train a model whose float32 weights,
    gradients and Adam state take more than half a GPU (7B: 112 GB); never for LoRA or RFT,
    nor on a CPU (accelerate runs DDP there)."""
    import pytest

    from synthqa.train import parallel
    from synthqa.train.common import TrainConfig, common_args

    base = str(LAB_MODELS["lab-wc"])
    sft = TrainConfig("sft", base, "d", "x", ".")
    assert parallel.trainer_args(replace(sft, fsdp=True), 10**6) == {}         # a CPU
    _gpus(monkeypatch)
    assert parallel.trainer_args(sft, 7 * 10**9) == {}                          # one process
    monkeypatch.setenv("WORLD_SIZE", "8")
    assert parallel.trainer_args(sft, 1_500_000_000) == {}       # 24 GB of 80: DDP
    sharded = parallel.trainer_args(replace(sft, checkpointing=True), 7 * 10**9)
    assert sharded["fsdp"] is True and sharded["gradient_checkpointing"] is False
    assert sharded["fsdp_config"]["activation_checkpointing"] is True  # FSDP's own
    assert parallel.trainer_args(replace(sft, lora=True), 7 * 10**9) == {}
    monkeypatch.setenv("WORLD_SIZE", "1")
    assert parallel.trainer_args(replace(sft, fsdp=True), 10**6)["fsdp"] is True
    args = common_args(replace(sft, fsdp=True), Path("run"), 10**6)
    assert args["fsdp"] is True and args["gradient_checkpointing"] is False
    # FSDP runs under a launcher, one process too; what will run says so
    assert parallel.entry("m", replace(sft, fsdp=True, processes=1), "r")[0] == \
        "torch.distributed.run"
    assert parallel.describe(replace(sft, fsdp=True)).startswith("FSDP over 1 process")
    for bad in (replace(sft, fsdp=True, lora=True), replace(sft, method="rft", fsdp=True)):
        with pytest.raises(ValueError, match="fsdp"):
            bad.validate(data_written=False)


def test_every_process_of_a_sharded_run_gives_its_shards_to_the_saved_model(tmp_path):
    """Gathering FSDP's shards takes every process (rank 0 alone would wait forever); with
    DDP only rank 0 saves. Other ranks never evaluate."""
    from synthqa.train import common

    class Trainer:
        def __init__(self, fsdp: bool, rank: int):
            self.is_fsdp_enabled, self.rank, self.saved = fsdp, rank, []

        def is_world_process_zero(self):
            return self.rank == 0

        def save_model(self, out):
            self.saved.append(out)

    config = common.TrainConfig("sft", str(LAB_MODELS["lab-wc"]), "d", "x", ".")
    for fsdp, saved in ((True, [str(tmp_path / "model")]), (False, [])):
        other = Trainer(fsdp, rank=1)
        assert common.finish(other, None, config, tmp_path) == tmp_path / "model"
        assert other.saved == saved
