"""A stand-in for the `vllm` package on a CPU, with vLLM's documented offline interface
(`LLM(model=..., ...)`; `LLM.generate(prompts, sampling_params, use_tqdm=...)` taking texts or
TokensPrompts (`{"prompt_token_ids": [...]}`) and one SamplingParams or one per prompt, and
returning one RequestOutput per prompt, in order, with `outputs[i].text` / `.token_ids`;
`LLM.get_tokenizer()`; `LLM.llm_engine.model_config.max_model_len`;
`LLM.llm_engine.engine_core.shutdown()`, which ends vLLM 0.32's engine process and so frees its
GPU memory), decoding with transformers. It refuses what vLLM would (an argument it does not
have, a params list of another length, a prompt that fills the context, max_tokens past it)
and records every call, so the adapter's conformance and its use of the engine can be checked.
Install it as `sys.modules["vllm"]`."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SamplingParams:
    n: int = 1
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = -1
    max_tokens: int | None = 16
    stop: str | list[str] | None = None
    seed: int | None = None
    include_stop_str_in_output: bool = False


@dataclass
class CompletionOutput:
    index: int
    text: str
    token_ids: list[int]
    finish_reason: str | None = None
    stop_reason: str | None = None


@dataclass
class RequestOutput:
    request_id: str
    prompt: str
    prompt_token_ids: list[int]
    outputs: list[CompletionOutput] = field(default_factory=list)
    finished: bool = True


class EngineCoreClient:
    """vLLM's client of its engine process: `shutdown` ends the process (and its memory)."""

    def __init__(self):
        self.running = True

    def shutdown(self, timeout: float | None = None) -> None:
        self.running = False


@dataclass
class ModelConfig:
    max_model_len: int     # prompt + new tokens (vLLM: the config's max_position_embeddings)


@dataclass
class LLMEngine:
    model_config: ModelConfig
    engine_core: EngineCoreClient = field(default_factory=EngineCoreClient)


class LLM:
    calls: list[dict] = []        # every generate call: prompts and their params
    engines: list[dict] = []      # every engine built: its settings
    cores: list[EngineCoreClient] = []   # every engine's process, to ask which still run

    @classmethod
    def running(cls) -> int:
        """Engines whose process still holds the GPU."""
        return sum(core.running for core in cls.cores)

    def __init__(self, model: str, dtype: str = "auto", enable_prefix_caching: bool = False,
                 gpu_memory_utilization: float = 0.9, trust_remote_code: bool = False,
                 seed: int = 0):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        LLM.engines.append({"model": model, "dtype": dtype,
                            "enable_prefix_caching": enable_prefix_caching,
                            "trust_remote_code": trust_remote_code})
        self.tokenizer = AutoTokenizer.from_pretrained(model, local_files_only=True)
        self.model = AutoModelForCausalLM.from_pretrained(model, local_files_only=True).eval()
        self.llm_engine = LLMEngine(ModelConfig(self.model.config.max_position_embeddings))
        LLM.cores.append(self.llm_engine.engine_core)

    def get_tokenizer(self):
        return self.tokenizer

    def generate(self, prompts, sampling_params=None, *, use_tqdm=True,
                 lora_request=None) -> list[RequestOutput]:
        prompts = [prompts] if isinstance(prompts, str) else list(prompts)
        params = sampling_params or SamplingParams()
        if isinstance(params, SamplingParams):
            params = [params] * len(prompts)
        if len(params) != len(prompts):
            raise ValueError("The lengths of prompts and sampling_params must be the same.")
        if not self.llm_engine.engine_core.running:
            raise RuntimeError("Engine core proc EngineCore_DP0 died unexpectedly")
        for prompt, sp in zip(prompts, params):    # vLLM refuses the whole call
            self._validate(len(self._ids(prompt)), sp)
        LLM.calls.append({"prompts": prompts, "params": list(params)})
        return [self._request(str(i), p, sp) for i, (p, sp) in enumerate(zip(prompts, params))]

    def _ids(self, prompt) -> list[int]:
        """A text prompt (tokenized with special tokens, as vLLM does) or a TokensPrompt."""
        if isinstance(prompt, dict):
            return list(prompt["prompt_token_ids"])
        return self.tokenizer(prompt)["input_ids"]

    def _validate(self, prompt_len: int, params: SamplingParams) -> None:
        """vLLM 0.32's checks (vllm/renderers/params.py, v1/engine/input_processor.py)."""
        limit = self.llm_engine.model_config.max_model_len
        if params.max_tokens is not None and params.max_tokens > limit:
            raise ValueError(f"max_tokens={params.max_tokens} cannot be greater than "
                             f"max_model_len={limit}. Please request fewer output tokens.")
        if prompt_len >= limit:
            raise ValueError(f"The decoder prompt (length {prompt_len}) is longer than the "
                             f"maximum model length of {limit}.")

    def _request(self, request_id: str, prompt, params: SamplingParams) -> RequestOutput:
        import torch

        enc = {"input_ids": torch.tensor([self._ids(prompt)])}
        enc["attention_mask"] = torch.ones_like(enc["input_ids"])
        greedy = params.temperature == 0
        if params.seed is not None:
            torch.manual_seed(params.seed)
        with torch.inference_mode():
            ids = self.model.generate(
                **enc, max_new_tokens=params.max_tokens, do_sample=not greedy,
                num_return_sequences=params.n, temperature=None if greedy else params.temperature,
                top_p=None if greedy else params.top_p, top_k=None if greedy else 0,
                pad_token_id=self.tokenizer.eos_token_id)
        outputs = [self._output(i, row) for i, row in
                   enumerate(ids[:, enc["input_ids"].shape[1]:].tolist())]
        stops = [params.stop] if isinstance(params.stop, str) else params.stop or []
        return RequestOutput(request_id, prompt if isinstance(prompt, str) else None,
                             enc["input_ids"][0].tolist(),
                             [self._stopped(o, stops) for o in outputs])

    def _output(self, index: int, row: list[int]) -> CompletionOutput:
        eos = self.tokenizer.eos_token_id
        if eos in row:      # vLLM stops at EOS; the EOS token counts as generated
            return CompletionOutput(index, self.tokenizer.decode(row[: row.index(eos)]),
                                    row[: row.index(eos) + 1], "stop")
        return CompletionOutput(index, self.tokenizer.decode(row), row, "length")

    def _stopped(self, out: CompletionOutput, stops: list[str]) -> CompletionOutput:
        """As vLLM does: the text ends before the first stop string, the tokens after it."""
        for n in range(1, len(out.token_ids) + 1):
            text = self.tokenizer.decode(out.token_ids[:n], skip_special_tokens=True)
            hit = min((text.find(s) for s in stops if s in text), default=-1)
            if hit >= 0:
                return CompletionOutput(out.index, text[:hit], out.token_ids[:n], "stop", None)
        return out
