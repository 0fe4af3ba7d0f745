"""Any OpenAI-compatible completions endpoint (what `vllm serve` exposes)."""
from __future__ import annotations

from synthqa.sampling.base import Completion, SamplingSpec, cut_at_stop


class OpenAISampler:
    """POST {base_url}/v1/completions. Per-sample token counts come from `logprobs.tokens`
    (requested with logprobs = 0); an endpoint without them gets the usage total split by
    text length."""
    backend = "openai"

    def __init__(self, base_url: str, model: str, api_key: str | None = None,
                 batch_size: int = 32, timeout_s: float = 600.0):
        import requests

        self.name, self.model, self.batch_size = model, model, batch_size
        self.url = base_url.rstrip("/") + "/v1/completions"
        self.session = requests.Session()
        if api_key:
            self.session.headers["Authorization"] = f"Bearer {api_key}"
        self.timeout_s = timeout_s

    def complete(self, prompts: list[str], spec: SamplingSpec, n: int,
                 seed: int) -> list[list[Completion]]:
        out: list[list[Completion]] = []
        per_call = max(1, self.batch_size // n)
        for start in range(0, len(prompts), per_call):
            out.extend(self._call(prompts[start: start + per_call], spec, n, seed + start))
        return out

    def _call(self, prompts: list[str], spec: SamplingSpec, n: int,
              seed: int) -> list[list[Completion]]:
        body = {"model": self.model, "prompt": prompts, "n": n, "temperature": spec.temperature,
                "top_p": spec.top_p, "max_tokens": spec.max_tokens, "seed": seed,
                "logprobs": 0}
        if spec.stop:
            body["stop"] = list(spec.stop)
        response = self.session.post(self.url, json=body, timeout=self.timeout_s)
        response.raise_for_status()
        data = response.json()
        choices = sorted(data["choices"], key=lambda c: c["index"])
        if len(choices) != len(prompts) * n:
            raise ValueError(f"{self.url} returned {len(choices)} choices for "
                             f"{len(prompts)} prompts x {n}")
        counts = _token_counts(choices, data.get("usage", {}))
        flat = [Completion(cut_at_stop(c["text"], spec.stop), k) for c, k in zip(choices, counts)]
        return [flat[i * n: (i + 1) * n] for i in range(len(prompts))]


def _token_counts(choices: list[dict], usage: dict) -> list[int]:
    if all((c.get("logprobs") or {}).get("tokens") is not None for c in choices):
        return [len(c["logprobs"]["tokens"]) for c in choices]
    total, chars = usage.get("completion_tokens", 0), [len(c["text"]) for c in choices]
    return [round(total * k / max(1, sum(chars))) for k in chars]
