"""`python -m synthqa.judges.prm_serve MODEL_DIR --tag TAG`: a token-classification PRM from a
local folder behind vLLM's pooling API (POST /pooling, `input` a text or a list of them; per
text the softmax over the labels at every position of the step tag), so that a PRM trained
here, or any such model, judges through the same backend as one served by `vllm serve`."""
from __future__ import annotations

import argparse
import time
import uuid
from pathlib import Path


def make_app(model_dir: str | Path, tag: str, name: str | None = None):
    import torch
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModelForTokenClassification.from_pretrained(model_dir,
                                                            local_files_only=True).eval()
    tag_id = tokenizer.convert_tokens_to_ids(tag)
    if tag_id is None or tag_id == tokenizer.unk_token_id:
        raise ValueError(f"{tag!r} is not one token of {model_dir}'s vocabulary")
    name = name or Path(model_dir).name

    def pool(text: str) -> tuple[list[list[float]], int]:
        ids = tokenizer(text, return_tensors="pt")["input_ids"]
        with torch.inference_mode():
            probs = model(input_ids=ids).logits[0].float().softmax(-1)
        return probs[ids[0] == tag_id].tolist(), ids.shape[1]

    async def pooling(request):
        body = await request.json()
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        pooled = [pool(t) for t in texts]
        tokens = sum(n for _, n in pooled)
        return JSONResponse({
            "id": f"pool-{uuid.uuid4().hex}", "object": "list", "created": int(time.time()),
            "model": name, "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            "data": [{"index": i, "object": "pooling", "data": data}
                     for i, (data, _) in enumerate(pooled)]})

    async def models(request):
        return JSONResponse({"object": "list", "data": [{"id": name, "object": "model"}]})

    return Starlette(routes=[Route("/pooling", pooling, methods=["POST"]),
                             Route("/v1/models", models)])


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("--tag", required=True, help="the step tag token, e.g. <extra_0>")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    uvicorn.run(make_app(args.model_dir, args.tag), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
