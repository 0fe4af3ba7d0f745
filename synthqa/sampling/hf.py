"""The transformers backend: batched sampling with the KV cache, on CPU or GPU."""
from __future__ import annotations

from pathlib import Path

from synthqa.sampling.base import Completion, SamplingSpec, cut_at_stop


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
                 batch_size: int | None = None, chat: bool = False):
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
        # sequences per generate() call: a GPU decodes hundreds at the cost of a few
        self.batch_size = batch_size or (256 if self.device == "cuda" else 32)
        # chat: each prompt becomes a user turn in the model's own chat template
        self.chat = chat and bool(self.tokenizer.chat_template)

    def complete(self, prompts: list[str], spec: SamplingSpec, n: int,
                 seed: int) -> list[list[Completion]]:
        """Length-sorted batches of `batch_size` sequences (prompts of similar length share a
        call, so little of it is padding), answers in the prompts' order."""
        import torch

        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
        out: list[list[Completion]] = [[] for _ in prompts]
        per_batch = max(1, self.batch_size // n)  # prompts per generate() call
        for start in range(0, len(order), per_batch):
            torch.manual_seed(seed + start)
            batch = order[start: start + per_batch]
            for i, completions in zip(batch, self._generate([prompts[i] for i in batch],
                                                            spec, n)):
                out[i] = completions
        return out

    def _generate(self, prompts: list[str], spec: SamplingSpec, n: int) -> list[list[Completion]]:
        import torch

        if self.chat:
            prompts = [self.tokenizer.apply_chat_template(
                [{"role": "user", "content": p}], add_generation_prompt=True, tokenize=False)
                for p in prompts]
        enc = self.tokenizer(prompts, return_tensors="pt", padding=True,
                             add_special_tokens=not self.chat).to(self.device)
        sampling = spec.temperature > 0
        # Never generate past the model's context (a long prefix leaves less room).
        context = getattr(self.model.config, "max_position_embeddings", None) or 1 << 30
        room = min(spec.max_tokens, context - enc["input_ids"].shape[1])
        if room < 1:
            return [[Completion("", 0)] * n for _ in prompts]
        with torch.inference_mode():
            ids = self.model.generate(
                **enc, max_new_tokens=room, num_return_sequences=n if sampling else 1,
                do_sample=sampling, temperature=spec.temperature if sampling else None,
                top_p=spec.top_p if sampling else None, top_k=0 if sampling else None,
                pad_token_id=self.tokenizer.pad_token_id, use_cache=True)
        completions = [self._completion(row, spec) for row in
                       ids[:, enc["input_ids"].shape[1]:].tolist()]
        if not sampling:  # greedy decoding is deterministic: one generation serves all n
            completions = [c for c in completions for _ in range(n)]
        return [completions[i * n: (i + 1) * n] for i in range(len(prompts))]

    def _completion(self, row: list[int], spec: SamplingSpec) -> Completion:
        eos, pad = self.tokenizer.eos_token_id, self.tokenizer.pad_token_id
        if eos in row:
            row = row[: row.index(eos) + 1]
        elif pad != eos and pad in row:
            row = row[: row.index(pad)]
        text = self.tokenizer.decode(row, skip_special_tokens=True)
        return Completion(cut_at_stop(text, spec.stop), len(row))
