"""The transformers backend: batched sampling with the KV cache, on CPU or GPU."""
from __future__ import annotations

from pathlib import Path

from synthqa.sampling.base import Completion, SamplingSpec, cut_at_stop, prompt_ids
from synthqa.sampling.batches import token_batches


def local_params(model_dir: str | Path) -> int:
    """Parameter count read from the safetensors headers, without loading the weights."""
    from math import prod

    from safetensors import safe_open

    total = 0
    for file in sorted(Path(model_dir).glob("*.safetensors")):
        with safe_open(file, framework="numpy") as weights:  # shapes only: no torch import
            total += sum(prod(weights.get_slice(k).get_shape()) for k in weights.keys())
    if total == 0:
        raise FileNotFoundError(f"{model_dir}: no safetensors weights")
    return total


class HFSampler:
    """A local model folder (never a hub id; trust_remote_code is never enabled)."""
    backend = "transformers"

    def __init__(self, model_dir: str | Path, device: str | None = None,
                 batch_size: int | None = None, chat: bool = False, continuous: bool = False):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        model_dir = Path(model_dir)
        if not (model_dir / "config.json").is_file():
            raise FileNotFoundError(f"{model_dir}: not a local model folder (no config.json)")
        self.name = model_dir.name
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = torch.bfloat16 if self.device == "cuda" else torch.float32
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        self.tokenizer.padding_side = "left"  # generation continues at the right edge
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = AutoModelForCausalLM.from_pretrained(
            model_dir, dtype=dtype, local_files_only=True).to(self.device).eval()
        self.params = sum(p.numel() for p in self.model.parameters())
        # sequences per generate() call at most: a GPU decodes a thousand small-model
        # sequences at the cost of a few (fewer where their KV cache would not fit)
        self.batch_size = batch_size or (1024 if self.device == "cuda" else 32)
        # chat: each prompt becomes a user turn in the model's own chat template
        self.chat = chat and bool(self.tokenizer.chat_template)
        # continuous batching (transformers' generate_batch, a paged KV cache): the whole call
        # is scheduled at once instead of in fixed batches
        self.continuous = continuous

    @property
    def sequences_per_call(self) -> int:
        return self.batch_size

    def close(self) -> None:
        """The weights and the allocator's cached blocks given back to the device."""
        import gc

        import torch

        self.model = None
        gc.collect()
        if self.device == "cuda":
            torch.cuda.empty_cache()

    def complete(self, prompts: list[str], spec: SamplingSpec, n: int,
                 seed: int) -> list[list[Completion]]:
        """Length-sorted batches of at most `batch_size` sequences whose KV cache fits the
        device (prompts of similar length share a call, so little of it is padding),
        answers in the prompts' order."""
        import torch

        if self.continuous:
            return self._continuous(prompts, spec, n, seed)
        copies = n if spec.temperature > 0 else 1      # greedy: one generation serves all n
        ids = prompt_ids(self.tokenizer, prompts, self.chat)
        lengths = [(len(row) + spec.max_tokens) * copies for row in ids]
        per_batch = max(1, self.batch_size // copies)  # prompts per generate() call
        out: list[list[Completion]] = [[] for _ in prompts]
        for k, batch in enumerate(token_batches(lengths, self.kv_tokens(), per_batch)):
            torch.manual_seed(seed + k * per_batch)
            for i, completions in zip(batch, self._generate([ids[i] for i in batch], spec, n)):
                out[i] = completions
        return out

    def kv_tokens(self) -> int | None:
        """Tokens of KV cache that half the GPU's free memory holds now (what this process's
        allocator keeps cached counts as free); None on a CPU, where the batch size bounds a
        call."""
        import torch

        if self.device != "cuda":
            return None
        config = self.model.config.get_text_config()
        heads = getattr(config, "num_key_value_heads", None) or config.num_attention_heads
        head_dim = (getattr(config, "head_dim", None)
                    or config.hidden_size // config.num_attention_heads)
        per_token = 2 * config.num_hidden_layers * heads * head_dim * self.model.dtype.itemsize
        free = torch.cuda.mem_get_info()[0] + torch.cuda.memory_reserved() \
            - torch.cuda.memory_allocated()
        return max(1, free // 2 // per_token)

    def _continuous(self, prompts: list[str], spec: SamplingSpec, n: int,
                    seed: int) -> list[list[Completion]]:
        """Every sequence of the call to `generate_batch` at once (n copies of a sampled
        prompt, one of a greedy one), answers in the prompts' order."""
        import torch
        from transformers import GenerationConfig

        ids = prompt_ids(self.tokenizer, prompts, self.chat)
        sampling = spec.temperature > 0
        room = self._room(spec, max(map(len, ids), default=0))
        if room < 1 or not ids:
            return [[Completion("", 0)] * n for _ in prompts]
        copies = n if sampling else 1
        config = GenerationConfig(
            max_new_tokens=room, do_sample=sampling,
            temperature=spec.temperature if sampling else None,
            top_p=spec.top_p if sampling else None, top_k=0 if sampling else None,
            eos_token_id=self.tokenizer.eos_token_id, pad_token_id=self.tokenizer.pad_token_id)
        torch.manual_seed(seed)
        results = self.model.generate_batch(    # its own no-grad worker thread
            [x for x in ids for _ in range(copies)], generation_config=config,
            progress_bar=False, warmup=self.device == "cuda")   # CUDA graphs only on a GPU
        if failed := [out.error for out in results.values() if out.error]:
            raise RuntimeError(f"continuous batching failed: {failed[0]}")
        # generate_batch names the requests req_<input index>
        rows = [out.generated_tokens for _, out in
                sorted(results.items(), key=lambda item: int(item[0].rsplit("_", 1)[-1]))]
        completions = [self._completion(row, spec) for row in rows]
        return [completions[i * copies: (i + 1) * copies] * (n // copies)
                for i in range(len(prompts))]

    def _room(self, spec: SamplingSpec, prompt_tokens: int) -> int:
        """New tokens a call may generate: never past the model's context."""
        context = getattr(self.model.config, "max_position_embeddings", None) or 1 << 30
        return min(spec.max_tokens, context - prompt_tokens)

    def _generate(self, ids: list[list[int]], spec: SamplingSpec,
                  n: int) -> list[list[Completion]]:
        """n completions of each of the (token id) prompts in one generate() call."""
        import torch

        enc = self.tokenizer.pad({"input_ids": ids}, return_tensors="pt").to(self.device)
        sampling = spec.temperature > 0
        room = self._room(spec, enc["input_ids"].shape[1])
        if room < 1:
            return [[Completion("", 0)] * n for _ in ids]
        with torch.inference_mode():
            generated = self.model.generate(
                **enc, max_new_tokens=room, num_return_sequences=n if sampling else 1,
                do_sample=sampling, temperature=spec.temperature if sampling else None,
                top_p=spec.top_p if sampling else None, top_k=0 if sampling else None,
                pad_token_id=self.tokenizer.pad_token_id, use_cache=True)
        completions = [self._completion(row, spec) for row in
                       generated[:, enc["input_ids"].shape[1]:].tolist()]
        if not sampling:  # greedy decoding is deterministic: one generation serves all n
            completions = [c for c in completions for _ in range(n)]
        return [completions[i * n: (i + 1) * n] for i in range(len(ids))]

    def _completion(self, row: list[int], spec: SamplingSpec) -> Completion:
        eos, pad = self.tokenizer.eos_token_id, self.tokenizer.pad_token_id
        if eos in row:
            row = row[: row.index(eos) + 1]
        elif pad != eos and pad in row:
            row = row[: row.index(pad)]
        text = self.tokenizer.decode(row, skip_special_tokens=True)
        return Completion(cut_at_stop(text, spec.stop), len(row))
