"""Training on several processes: how many (one per visible GPU by default), and how the model
is spread over them. DDP keeps a whole copy of the weights, gradients and optimizer state on
every GPU; FSDP (PyTorch's fully sharded data parallel, through accelerate) shards all three,
for full fine-tunes that do not fit one GPU (a 7B model's float32 weights, gradients and Adam
moments take 112 GB). torchrun starts the processes (gloo on a CPU, where accelerate runs DDP
only: FSDP is for GPUs)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from synthqa.train.common import TrainConfig

TRAINING_BYTES = 16   # a full fine-tune's float32 weight, gradient and two Adam moments


def world_size() -> int:
    """Processes training together (set by torchrun)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def processes(config: TrainConfig, gpus: int | None = None) -> int:
    """Data-parallel processes: as configured, else one per GPU where the method and batch
    size allow it (RFT samples in its own process: one). `gpus`: those the job will have (a
    Ray job's, SYNTHQA_RAY_GPUS); None: this machine's."""
    if config.processes:
        return config.processes
    if gpus is None:
        import torch

        gpus = torch.cuda.device_count()
    return gpus if gpus > 1 and config.method != "rft" and config.batch_size % gpus == 0 else 1


def entry(module: str, config: TrainConfig, run_dir: Path | str,
          gpus: int | None = None) -> tuple[str, list[str]]:
    """(module, arguments) of the job: the method's entry point, under torchrun when it runs
    on several processes or sharded (FSDP runs under a launcher, one process too)."""
    args = ["--run-dir", str(run_dir)]
    n = processes(config, gpus)
    if n == 1 and not config.fsdp:
        return module, args
    return "torch.distributed.run", ["--standalone", "--nproc_per_node", str(n),
                                     "-m", module, *args]


def shards(config: TrainConfig, parameters: int) -> bool:
    """FSDP for this run: on GPUs, for a full fine-tune (a LoRA base is frozen, its adapters
    small), when asked (--fsdp) or when several processes train a model whose weights,
    gradients and Adam state would take more than half of one GPU."""
    import torch

    if not torch.cuda.is_available() or config.lora or config.method == "rft":
        return False
    memory = torch.cuda.get_device_properties(0).total_memory
    return config.fsdp or (world_size() > 1 and parameters * TRAINING_BYTES > memory / 2)


def trainer_args(config: TrainConfig, parameters: int) -> dict:
    """The trainer's arguments for FSDP (FSDP2, each decoder layer a shard unit, the whole
    state dict gathered for saving), activation checkpointing done by FSDP itself; none for
    DDP or one process."""
    if not shards(config, parameters):
        return {}
    return {"fsdp": True, "gradient_checkpointing": False,
            "fsdp_config": {"version": 2, "state_dict_type": "FULL_STATE_DICT",
                            "activation_checkpointing": config.checkpointing}}


def describe(config: TrainConfig, gpus: int | None = None) -> str:
    """How the run is spread, for *What will run*."""
    n = processes(config, gpus)
    if config.fsdp:              # never with LoRA or RFT: TrainConfig.validate, the form
        return f"FSDP over {n} process(es): weights, gradients and optimizer state sharded " \
               "(on GPUs; a CPU runs DDP)"
    if n > 1:
        return f"DDP over {n} processes, the batch split among them" + (
            "; FSDP instead where a full fine-tune would take more than half of one GPU"
            if not config.lora else "")
    return "one process"


def announce(trainer) -> None:
    """How the run is spread, in the job's log (rank 0)."""
    if trainer.is_world_process_zero():
        how = "FSDP" if trainer.is_fsdp_enabled else "DDP" if world_size() > 1 else "one process"
        print(f"training on {world_size()} process(es): {how}", flush=True)
