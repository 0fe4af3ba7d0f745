"""Serve a local model as an OpenAI-compatible completions and chat endpoint (CPU or GPU).

    python -m synthqa.sampling.serve MODEL_DIR [--port 8000]

For machines without vLLM: the same endpoint shape, backed by the transformers sampler, so any
OpenAI-compatible client (SynthQA's sampler and critic judge included) can use a local model
over HTTP: `/v1/completions` and `/v1/chat/completions` (messages through the model's own chat
template, or their contents one per line for a model without one).
"""
from __future__ import annotations

import argparse

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from synthqa.sampling.base import SamplingSpec
from synthqa.sampling.hf import HFSampler


def tokens_of(sampler: HFSampler, completion) -> list[str]:
    """The generated tokens as strings; those that decode to nothing (EOS) as the EOS string."""
    tokens = sampler.tokenizer.tokenize(completion.text)[: completion.n_tokens]
    return tokens + [sampler.tokenizer.eos_token] * (completion.n_tokens - len(tokens))


def _spec(body: dict) -> SamplingSpec:
    stop = body.get("stop") or ()
    return SamplingSpec(temperature=float(body.get("temperature", 1.0)),
                        top_p=float(body.get("top_p", 1.0)),
                        max_tokens=int(body.get("max_tokens") or 16),
                        stop=tuple([stop] if isinstance(stop, str) else stop))


def chat_prompt(sampler: HFSampler, messages: list[dict]) -> str:
    turns = [{"role": str(m.get("role", "user")), "content": str(m.get("content", ""))}
             for m in messages]
    if sampler.tokenizer.chat_template:
        return sampler.tokenizer.apply_chat_template(turns, add_generation_prompt=True,
                                                     tokenize=False)
    return "\n".join(t["content"] for t in turns) + "\n"


def make_app(sampler: HFSampler) -> Starlette:
    async def chat(request: Request) -> JSONResponse:
        body = await request.json()
        n = int(body.get("n", 1))
        prompt = chat_prompt(sampler, body.get("messages") or [])
        out = sampler.complete([prompt], _spec(body), n, int(body.get("seed", 0)))[0]
        choices = [{"index": j, "finish_reason": "stop",
                    "message": {"role": "assistant", "content": c.text}}
                   for j, c in enumerate(out)]
        return JSONResponse({"object": "chat.completion", "model": sampler.name,
                             "choices": choices,
                             "usage": {"completion_tokens": sum(c.n_tokens for c in out)}})

    async def completions(request: Request) -> JSONResponse:
        body = await request.json()
        prompts = body["prompt"] if isinstance(body["prompt"], list) else [body["prompt"]]
        n = int(body.get("n", 1))
        out = sampler.complete(prompts, _spec(body), n, int(body.get("seed", 0)))
        choices = [{"index": i * n + j, "text": c.text, "finish_reason": "stop",
                    "logprobs": {"tokens": tokens_of(sampler, c)}}
                   for i, row in enumerate(out) for j, c in enumerate(row)]
        used = sum(c.n_tokens for row in out for c in row)
        return JSONResponse({"object": "text_completion", "model": sampler.name,
                             "choices": choices, "usage": {"completion_tokens": used}})

    return Starlette(routes=[Route("/v1/completions", completions, methods=["POST"]),
                             Route("/v1/chat/completions", chat, methods=["POST"])])


def main(args) -> None:
    import uvicorn

    uvicorn.run(make_app(HFSampler(args.model_dir)), host=args.host, port=args.port)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
