"""The vLLM backend (GPU): `vllm.LLM`, its offline engine, with automatic prefix caching;
imported only when chosen.

A whole run's requests go to the engine in one `generate` call, which schedules them itself
(continuous batching); the n samples of a prompt are one request (`n`), and every request has
its own seed, so that the same prompt twice (two rollouts of one prefix) gives different
samples while a run stays reproducible. vllm pins its own torch and needs CUDA, so it is a
separate install (see README); tests/sampling/fake_vllm.py holds it to vLLM's documented
interface on a CPU.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from synthqa.sampling.base import Completion, SamplingSpec, cut_at_stop, prompt_ids
from synthqa.sampling.hf import local_params


def available() -> bool:
    """vllm is installed and a CUDA device is visible: local folders sample through it."""
    if importlib.util.find_spec("vllm") is None:
        return False
    import torch

    return torch.cuda.is_available()


class VLLMSampler:
    backend = "vllm"
    sequences_per_call = 4096    # the engine schedules them; a shard of a run is one call

    def __init__(self, model_dir: str | Path, dtype: str = "bfloat16",
                 gpu_memory_utilization: float = 0.85, chat: bool = False):
        from vllm import LLM  # only here: importing vllm needs its own torch and a GPU

        model_dir = Path(model_dir)
        if not (model_dir / "config.json").is_file():
            raise FileNotFoundError(f"{model_dir}: not a local model folder (no config.json)")
        self.name = model_dir.name
        self.params = local_params(model_dir)
        # Prefix caching: rollouts of one prefix and few-shot prompts share their tokens.
        self.llm = LLM(model=str(model_dir), dtype=dtype, enable_prefix_caching=True,
                       gpu_memory_utilization=gpu_memory_utilization, trust_remote_code=False)
        self.tokenizer = self.llm.get_tokenizer()
        self.chat = chat and bool(getattr(self.tokenizer, "chat_template", None))
        self.context = self.llm.llm_engine.model_config.max_model_len   # prompt + new tokens

    def complete(self, prompts: list[str], spec: SamplingSpec, n: int,
                 seed: int) -> list[list[Completion]]:
        """The prompts' token ids in one `generate` call, each asking no more new tokens than
        the model's context leaves (vLLM refuses the whole call for one prompt that fills it,
        or for max_tokens past it); a prompt that fills the context gets empty completions,
        as from the transformers sampler."""
        from vllm import SamplingParams

        greedy = spec.temperature <= 0    # one greedy sample serves all n
        ids = prompt_ids(self.tokenizer, prompts, self.chat)   # as ids: lengths known here
        room = [min(spec.max_tokens, self.context - len(row)) for row in ids]
        sent = [i for i, r in enumerate(room) if r >= 1]
        params = [SamplingParams(n=1 if greedy else n, temperature=max(spec.temperature, 0.0),
                                 top_p=spec.top_p, max_tokens=room[i],
                                 stop=list(spec.stop) or None, seed=seed + i) for i in sent]
        outputs = self.llm.generate([{"prompt_token_ids": ids[i]} for i in sent], params,
                                    use_tqdm=False) if sent else []
        completions = [[Completion("", 0)] * n for _ in prompts]
        for i, request in zip(sent, outputs):
            got = [Completion(cut_at_stop(o.text, spec.stop), len(o.token_ids))
                   for o in request.outputs]
            completions[i] = got * n if greedy else got
        return completions

    def close(self) -> None:
        """Give the GPU back now. vLLM's engine runs in a process of its own, and vllm 0.32's
        LLM has no shutdown: deleting it frees the memory only when the garbage collector
        gets to it, too late for a trainer that starts next in this process (RFT). Ending the
        engine process frees it at once."""
        if self.llm is not None:
            self.llm.llm_engine.engine_core.shutdown()
            self.llm = None
