"""Any OpenAI-compatible completions endpoint (what `vllm serve` exposes)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from synthqa.sampling.base import Completion, SamplingSpec, cut_at_stop


class OpenAISampler:
    """POST {base_url}/v1/completions, `concurrency` requests of `batch_size` sequences in
    flight at once (a server such as `vllm serve` batches them itself). Per-sample token counts
    come from `logprobs.tokens` (requested with logprobs = 0); an endpoint without them gets
    the usage total split by text length."""
    backend = "openai"

    def __init__(self, base_url: str, model: str, api_key: str | None = None,
                 batch_size: int = 32, timeout_s: float = 600.0, concurrency: int = 8):
        self.name, self.model, self.batch_size = model, model, batch_size
        self.url = base_url.rstrip("/") + "/v1/completions"
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout_s, self.concurrency = timeout_s, concurrency
        self.sequences_per_call = batch_size * concurrency
        self._local = threading.local()     # a session per thread (requests' are not shared)

    def close(self) -> None:
        """Nothing to give back: the model lives behind the endpoint."""

    def complete(self, prompts: list[str], spec: SamplingSpec, n: int,
                 seed: int) -> list[list[Completion]]:
        per_call = max(1, self.batch_size // n)
        starts = range(0, len(prompts), per_call)
        with ThreadPoolExecutor(self.concurrency) as pool:
            calls = pool.map(lambda start: self._call(prompts[start: start + per_call], spec, n,
                                                      seed + start), starts)
            return [completions for chunk in calls for completions in chunk]

    @property
    def session(self):
        if not hasattr(self._local, "session"):
            import requests

            self._local.session = requests.Session()
            self._local.session.headers.update(self.headers)
        return self._local.session

    def _call(self, prompts: list[str], spec: SamplingSpec, n: int,
              seed: int) -> list[list[Completion]]:
        body = {"model": self.model, "prompt": prompts, "n": n, "temperature": spec.temperature,
                "top_p": spec.top_p, "max_tokens": spec.max_tokens, "seed": seed,
                "logprobs": 0}
        if spec.stop:
            body["stop"] = list(spec.stop)
        response = self.session.post(self.url, json=body, timeout=self.timeout_s,
                                     allow_redirects=False)
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
