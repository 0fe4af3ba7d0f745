"""The vLLM backend (GPU): `vllm.LLM` with automatic prefix caching; imported only when chosen.

vllm pins its own torch and needs CUDA, so it is a separate install (see README).
"""
from __future__ import annotations

from pathlib import Path

from synthqa.sampling.base import Completion, SamplingSpec, cut_at_stop


class VLLMSampler:
    def __init__(self, model_dir: str | Path, dtype: str = "bfloat16",
                 gpu_memory_utilization: float = 0.85):
        from vllm import LLM  # only here: importing vllm needs its own torch and a GPU

        model_dir = Path(model_dir)
        if not (model_dir / "config.json").is_file():
            raise FileNotFoundError(f"{model_dir}: not a local model folder (no config.json)")
        self.name = model_dir.name
        # Prefix caching: rollouts and few-shot prompts share long prefixes.
        self.llm = LLM(model=str(model_dir), dtype=dtype, enable_prefix_caching=True,
                       gpu_memory_utilization=gpu_memory_utilization, trust_remote_code=False)

    def complete(self, prompts: list[str], spec: SamplingSpec, n: int,
                 seed: int) -> list[list[Completion]]:
        from vllm import SamplingParams

        params = SamplingParams(n=n, temperature=spec.temperature, top_p=spec.top_p,
                                max_tokens=spec.max_tokens, stop=list(spec.stop) or None,
                                seed=seed)
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        return [[Completion(cut_at_stop(o.text, spec.stop), len(o.token_ids))
                 for o in request.outputs] for request in outputs]
