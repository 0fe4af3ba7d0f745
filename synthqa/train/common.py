"""What every fine-tuning method shares: the run's validated config, the model, live metrics,
the saved result, and its evaluation ingested as a new generator.

A training run reads `runs/<id>/train.json` and writes only into its run folder and inbox/
(never the store): `metrics.jsonl` (one JSON line per logged step), `model/`, and the
evaluation's samples as an inbox shard, so the result shows up as a generator and a run.
"""
from __future__ import annotations

import json
import re
import signal
import threading
import time
from contextlib import closing
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from synthqa.lab.model import lab_label
from synthqa.lab.sample_sets import PROBLEM_SETS, problems_for
from synthqa.sampling.base import SamplingSpec
from synthqa.sampling.models import ModelChoice
from synthqa.sampling.run import run_sampling
from synthqa.train import parallel
from synthqa.workspace import Workspace

METHODS = ("sft", "rft", "dpo")
EVAL_SETS = PROBLEM_SETS


@dataclass(frozen=True)
class TrainConfig:
    method: str               # sft: prompt/completion data; rft: the same plus problems to
                              # sample from; dpo: prompt/chosen/rejected
    base_model: str           # a local model folder (config.json + weights)
    data: str                 # JSONL in TRL's format (python -m synthqa pairs)
    name: str                 # the trained model's generator name in the store
    workspace: str            # where the evaluation's samples land (inbox/)
    max_steps: int = 100      # optimiser steps
    learning_rate: float = 3e-5  # 1e-4 made the lab models' loss jump 30x within 3 steps
    batch_size: int = 8
    beta: float = 0.1         # DPO temperature (Self-Explore and Setlur et al. use 0.1)
    packing: bool = False     # sft: sequences packed into max-length rows, padding-free
                              # (TRL's best-fit decreasing): no step computes on padding
    lora: bool = False        # LoRA adapters (merged into the saved model) instead of full
    chat: bool = False        # prompts and answers go through the base model's chat template,
                              # in training and evaluation (instruct models)
    eval_set: str = EVAL_SETS[0]
    eval_problems: int = 100  # held-out problems, greedy decoding
    eval_samples: int = 8     # and k samples of each at `temperature` for pass@k and maj@k
    max_tokens: int = 80      # for the evaluation's solutions
    seed: int = 0
    problems: str = ""        # rft: JSONL of {"prompt", "answer"} to sample own solutions for
    rft_samples: int = 4      # rft: samples per problem from the model, each round
    rft_rounds: int = 1       # rft: sample, keep own positives, train; again from the result
    temperature: float = 0.8  # sampling temperature (RFT's samples, the evaluation's k)
    resume_from: str = ""     # a checkpoint of a stopped run to go on from (sft and dpo)
    processes: int = 0        # data-parallel processes (torchrun, DDP; gloo on a CPU);
                              # 0: one per visible GPU. batch_size is split among them
    log_every: int = 0        # steps between metric lines (each waits for the device);
                              # 0: every step up to 200 steps, else every 10th
    checkpointing: bool = False  # activation checkpointing: less memory, ~30% more compute
    fsdp: bool = False        # sft / dpo full fine-tunes: weights, gradients and optimizer
                              # state sharded over the processes (on GPUs; train.parallel)

    def validate(self, data_written: bool = True) -> None:
        """Refuse bad values; `data_written=False` checks all but the data file (not
        written yet when a run is being set up)."""
        if self.method not in METHODS:
            raise ValueError(f"method {self.method!r}: choose from {', '.join(METHODS)}")
        if not re.fullmatch(r"[\w.:+-]{1,80}", self.name):
            raise ValueError(f"name {self.name!r}: letters, digits and ._:+- only")
        if not (Path(self.base_model) / "config.json").is_file():
            raise ValueError(f"{self.base_model}: not a local model folder (no config.json)")
        if data_written and not Path(self.data).is_file():
            raise ValueError(f"{self.data}: no such data file")
        if self.method == "rft" and data_written and not Path(self.problems).is_file():
            raise ValueError(f"{self.problems!r}: rft needs a problems file")
        if self.resume_from and (self.method == "rft" or not
                                 (Path(self.resume_from) / "trainer_state.json").is_file()):
            raise ValueError(f"{self.resume_from!r}: not a checkpoint an sft or dpo run can "
                             "resume from")
        if not (1 <= self.rft_samples <= 256 and 1 <= self.rft_rounds <= 10
                and 0 < self.temperature <= 2):
            raise ValueError("rft samples 1..256, rounds 1..10 and temperature in (0, 2]")
        if not 0 <= self.log_every <= 10_000:
            raise ValueError(f"log every {self.log_every} steps: between 0 and 10,000")
        if not 0 <= self.processes <= 64 or (self.processes > 1 and (
                self.method == "rft" or self.batch_size % self.processes)):
            raise ValueError(f"{self.processes} processes: sft and dpo only, 64 at most, "
                             "and the batch size a multiple of them")
        if self.fsdp and (self.lora or self.method == "rft"):
            raise ValueError("fsdp: sft and dpo full fine-tunes only (not LoRA, not RFT)")
        if self.eval_set not in EVAL_SETS:
            raise ValueError(f"eval set {self.eval_set!r}: choose from {', '.join(EVAL_SETS)}")
        if not (1 <= self.max_steps <= 1_000_000 and 1 <= self.batch_size <= 4096
                and 0 < self.learning_rate < 1 and 0 < self.beta <= 10
                and 0 <= self.eval_problems <= 100_000 and 0 <= self.eval_samples <= 256
                and 1 <= self.max_tokens <= 8192):
            raise ValueError("steps, batch size, learning rate, beta, evaluation problems or "
                             "max tokens out of range")

    @property
    def planned_steps(self) -> int:
        """Optimizer steps of the whole run (RFT trains max_steps in each round)."""
        return self.max_steps * (self.rft_rounds if self.method == "rft" else 1)

    def save(self, run_dir: Path) -> None:
        self.validate()
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "train.json").write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, run_dir: Path) -> "TrainConfig":
        raw = json.loads((run_dir / "train.json").read_text())
        config = cls(**{f.name: raw[f.name] for f in fields(cls) if f.name in raw})
        config.validate()
        return config


def chat_rows(row: dict) -> dict:
    """A prompt/completion or prompt/chosen/rejected row in TRL's conversational format: the
    prompt as the user's turn, each answer as the assistant's."""
    return {key: [{"role": "user" if key == "prompt" else "assistant", "content": text}]
            for key, text in row.items()}


def load_dataset(config: TrainConfig, path: str):
    """The JSONL training set, as chat turns when the config says so."""
    from datasets import load_dataset as load

    data = load("json", data_files=path, split="train")
    return data.map(chat_rows) if config.chat else data


def load_model(config: TrainConfig):
    """Model and tokenizer from the local folder (never a hub, never remote code)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(config.base_model, local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(config.base_model, local_files_only=True,
                                                 dtype=weights_dtype(config.lora))
    return model, tokenizer


def weights_dtype(lora: bool):
    """Weights the optimiser updates are float32, on a GPU too: there the trainer's bf16 is
    autocast (matmuls in bf16 over float32 master weights). In bf16 weights an Adam update of
    the default 3e-5 rounds away for every weight above ~0.01 (an RMSNorm's 1.0s never move).
    A base that LoRA keeps frozen loads in bf16 on a GPU: PEFT keeps its adapters in float32."""
    import torch

    return torch.bfloat16 if lora and torch.cuda.is_available() else torch.float32


def common_args(config: TrainConfig, run_dir: Path, parameters: int = 0) -> dict:
    """Trainer arguments both methods share (FSDP's where the model of `parameters` is
    sharded: train.parallel)."""
    import torch

    return {"output_dir": str(run_dir / "checkpoints"), "max_steps": config.max_steps,
            "per_device_train_batch_size": max(1, config.batch_size // parallel.world_size()),
            "learning_rate": config.learning_rate, "warmup_steps": min(10, config.max_steps),
            "lr_scheduler_type": "constant_with_warmup", "logging_steps": log_every(config),
            "save_strategy": "steps", "save_steps": max(50, config.max_steps // 4),
            "save_total_limit": 1, "seed": config.seed, **runtime_args(),
            # on a GPU, two worker processes collate the next batches while a step runs
            "dataloader_num_workers": 2 if torch.cuda.is_available() else 0,
            "gradient_checkpointing": config.checkpointing,
            "ddp_find_unused_parameters": False,   # every parameter takes part: no extra pass
            "train_sampling_strategy": sampling_strategy(config.packing),
            **parallel.trainer_args(config, parameters)}


def runtime_args() -> dict:
    """What every trainer here runs with (SFT, DPO, RFT, PRM training): bf16 autocast over
    the float32 weights on a GPU (weights_dtype), the CPU otherwise, no reporting service, and
    a NaN loss logged as NaN (the filter's test waited for the device every step)."""
    import torch

    cuda = torch.cuda.is_available()
    return {"bf16": cuda, "use_cpu": not cuda, "report_to": [],
            "logging_nan_inf_filter": False}


def sampling_strategy(packing: bool) -> str:
    """Padded batches of examples of similar lengths (the library's LengthGroupedSampler:
    random groups of 50 batches, sorted within): a third of a random batch was padding on
    the GPU check. Packed rows are all one length already."""
    return "random" if packing else "group_by_length"


def group_dpo_by_length(trainer) -> None:
    """DPO rows carry prompt_ids, chosen_ids and rejected_ids, not the input_ids the sampler
    measures: a length column (the prompt with its longer answer, the width its pair pads
    to), kept by the trainer's column filter."""
    if trainer.args.train_sampling_strategy != "group_by_length":
        return
    trainer.train_dataset = trainer.train_dataset.map(
        lambda rows: {"length": [len(p) + max(len(c), len(r)) for p, c, r in zip(
            rows["prompt_ids"], rows["chosen_ids"], rows["rejected_ids"])]}, batched=True)
    trainer.args.length_column_name = "length"
    trainer._set_signature_columns_if_needed()
    trainer._signature_columns = [*trainer._signature_columns, "length"]


def log_every(config) -> int:
    """Steps between metric lines: every step for a short run (its panel's curve), every 10th
    for a long one (a metric line waits for the device; logging every step kept small models
    far from the GPU's speed). A TrainConfig may set it; PRM training's config has no field."""
    return getattr(config, "log_every", 0) or (1 if config.max_steps <= 200 else 10)


def lora_config(config: TrainConfig):
    if not config.lora:
        return None
    from peft import LoraConfig

    return LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules="all-linear",
                      task_type="CAUSAL_LM")


_STOP = threading.Event()


def callbacks(run_dir: Path, done_before: int = 0, planned: int | None = None) -> list:
    """Each log line of the trainer as a JSON line in metrics.jsonl (step and planned steps
    counted over the whole run: RFT trains once per round), and cancel handling: SIGTERM
    finishes the current step, saves a checkpoint and stops (the runner's grace is for this)."""
    from transformers import TrainerCallback

    signal.signal(signal.SIGTERM, lambda *_: _STOP.set())

    class Metrics(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if not state.is_world_process_zero:      # data parallel: rank 0 writes
                return
            line = {"step": done_before + state.global_step,
                    "max_steps": planned or state.max_steps, "time": time.time(),
                    **(logs or {})}
            append_metrics(run_dir, line)

    class StopOnSigterm(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if _STOP.is_set():
                control.should_save = control.should_training_stop = True

    return [Metrics(), StopOnSigterm()]


def append_metrics(run_dir: Path, line: dict) -> None:
    with open(run_dir / "metrics.jsonl", "a") as f:
        f.write(json.dumps(line) + "\n")


def stop_if_cancelled(trainer=None) -> None:
    """After a cancel: exit with SIGTERM's status (the checkpoint is in checkpoints/)."""
    if _STOP.is_set():
        step = trainer.state.global_step if trainer else 0
        print(f"cancelled at step {step}; the checkpoint is in checkpoints/", flush=True)
        raise SystemExit(128 + signal.SIGTERM)


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The checkpoint with the most steps in a run's checkpoints/ folder."""
    found = [(int(p.name.rsplit("-", 1)[1]), p)
             for p in (run_dir / "checkpoints").glob("checkpoint-*")
             if p.name.rsplit("-", 1)[1].isdigit() and (p / "trainer_state.json").is_file()]
    return max(found)[1] if found else None


def finish(trainer, tokenizer, config: TrainConfig, run_dir: Path) -> Path:
    """Save the trained model and queue its evaluation, unless the run was cancelled."""
    stop_if_cancelled(trainer)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)   # from here on, cancel simply ends it
    out = run_dir / "model"
    if trainer.is_fsdp_enabled:      # every process gives its shards, the first one writes
        trainer.save_model(str(out))
    elif trainer.is_world_process_zero():
        save_model(trainer, tokenizer, run_dir)
    if trainer.is_world_process_zero():             # data parallel: rank 0 evaluates
        release_device(trainer)
        evaluate(config, out)
    return out


def release_device(trainer) -> None:
    """The trainer's model, optimizer and gradients let go of, and the device's cache
    emptied: the sampling engine that comes next (the evaluation, RFT's next round; vLLM
    takes most of a GPU's memory) gets the memory back. The trainer is done with."""
    import gc

    import torch

    trainer.accelerator.free_memory()
    trainer.model = trainer.model_wrapped = trainer.optimizer = trainer.lr_scheduler = None
    if hasattr(trainer, "ref_model"):               # DPO's frozen reference copy
        trainer.ref_model = None
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def sampler_for(model_dir: str | Path, chat: bool = False):
    """The engine a trained (or base) model folder samples with: vLLM's offline engine where
    vllm and a GPU are there, else transformers, as for every sampling job."""
    sampler = ModelChoice(Path(model_dir).name, path=str(model_dir), chat=chat).sampler()
    print(f"sampling {model_dir} with {sampler.backend}", flush=True)   # the job's log
    return sampler


def save_model(trainer, tokenizer, run_dir: Path) -> Path:
    """The trained model as a plain folder (LoRA adapters merged), ready for any sampler."""
    model = trainer.model
    if hasattr(model, "merge_and_unload"):
        model = model.merge_and_unload()
    out = run_dir / "model"
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


EVALUATION_RUNS = "%:eval-%"   # every evaluation_run id (a LIKE pattern)


def evaluation_run(config: TrainConfig, what: str) -> str:
    """The run id of the evaluation's greedy solutions or k samples."""
    return f"{config.name}:eval-{what}"


def sampled_generator(config: TrainConfig) -> str:
    """The generator name of the evaluation's k samples per problem."""
    return f"{config.name}:k{config.eval_samples}"


def evaluate(config: TrainConfig, model_dir: Path) -> None:
    """Greedy solutions of held-out problems, and k samples of each, as inbox shards: the
    store gets the trained model as a generator (greedy) and `<name>:k<k>` (samples), each
    with a run, scored by the same answer checker as everything else."""
    if config.eval_problems == 0:
        return

    # seed 7000+: problems neither the demo (seed 0) nor sampling jobs draw by default
    problems, template = problems_for(config.eval_set, config.eval_problems,
                                      7_000 + config.seed)
    with closing(sampler_for(model_dir, config.chat)) as sampler:   # vLLM: its engine ended
        _evaluate(config, sampler, problems, template)


def _evaluate(config: TrainConfig, sampler, problems, template: str) -> None:
    spec = SamplingSpec(temperature=0, max_tokens=config.max_tokens, prompt_template=template)
    workspace = Workspace(Path(config.workspace))
    # a shard fills one engine call (up to 1,024 sequences a generate on a GPU, 4,096 for
    # vLLM), not 16 problems
    run_sampling(workspace, sampler, problems, spec, config.name, sampler.params,
                 evaluation_run(config, "greedy"), batch_problems=sampler.sequences_per_call,
                 label=lab_label)
    if config.eval_samples:
        spec = replace(spec, samples_per_problem=config.eval_samples,
                       temperature=config.temperature, seed=config.seed)
        run_sampling(workspace, sampler, problems, spec, sampled_generator(config),
                     sampler.params, evaluation_run(config, f"k{config.eval_samples}"),
                     batch_problems=max(1, sampler.sequences_per_call
                                        // config.eval_samples),
                     label=lab_label)


def main(train, doc: str, argv: list[str] | None = None) -> None:
    """`python -m synthqa.train.<method> --run-dir runs/<id>`."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--run-dir", required=True, type=Path)
    train(parser.parse_args(argv).run_dir.resolve())
