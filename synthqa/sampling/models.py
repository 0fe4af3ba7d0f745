"""A model to sample from, as a user names it: a local folder or an OpenAI-compatible endpoint."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from synthqa.sampling import endpoints, vllm
from synthqa.sampling.hf import HFSampler
from synthqa.sampling.openai import OpenAISampler


@dataclass(frozen=True)
class ModelChoice:
    """A local model folder, or a model behind an OpenAI-compatible endpoint."""
    name: str
    path: str | None = None
    url: str | None = None
    params: int | None = None  # needed for an endpoint; read from the weights of a folder
    chat: bool = False

    def validate(self) -> None:
        if not re.fullmatch(r"[\w.:/+-]{1,120}", self.name):
            raise ValueError(f"model name {self.name!r}: letters, digits and ._:/+- only")
        if (self.path is None) == (self.url is None):
            raise ValueError(f"{self.name}: give a local folder or an endpoint URL")
        if self.path is not None and not (Path(self.path) / "config.json").is_file():
            raise ValueError(f"{self.path}: not a local model folder (no config.json)")
        if self.url is not None:
            endpoints.check_allowed(self.url)     # a URL from a form: the operator's list
            if not self.params or self.params <= 0:
                raise ValueError(f"{self.name}: an endpoint needs its parameter count")

    def sampler(self):
        """The engine for this model: the endpoint's; for a local folder vLLM's offline
        engine where vllm and a GPU are there (a process of its own: it takes most of the
        GPU's memory), else transformers."""
        if self.url is not None:
            return OpenAISampler(endpoints.check_allowed(self.url), self.name)
        if vllm.available():
            return vllm.VLLMSampler(self.path, chat=self.chat)
        return HFSampler(self.path, chat=self.chat)
