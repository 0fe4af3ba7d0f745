"""The endpoint backend keeps several requests in flight (bounded), and the answers come back
in the prompts' order (issue 26)."""
import asyncio

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from synthqa.sampling.base import SamplingSpec
from synthqa.sampling.openai import OpenAISampler
from tests.conftest import PATIENCE_S
from tests.http_server import serving


def test_requests_are_in_flight_together_and_answers_keep_their_order():
    in_flight, most = 0, []
    four = asyncio.Event()

    async def completions(request):
        nonlocal in_flight
        body = await request.json()
        in_flight += 1
        most.append(in_flight)
        if in_flight == 4:
            four.set()
        await asyncio.wait_for(four.wait(), PATIENCE_S)   # answer once 4 are waiting
        in_flight -= 1
        choices = [{"index": i * body["n"] + j, "text": f"{p}->{j}",
                    "logprobs": {"tokens": ["x"] * (j + 1)}}
                   for i, p in enumerate(body["prompt"]) for j in range(body["n"])]
        return JSONResponse({"choices": choices})

    app = Starlette(routes=[Route("/v1/completions", completions, methods=["POST"])])
    with serving(app) as url:
        sampler = OpenAISampler(url, "m", batch_size=4, concurrency=4)
        prompts = [f"p{i}" for i in range(16)]                 # 2 a request: 8 requests
        out = sampler.complete(prompts, SamplingSpec(), n=2, seed=0)
    assert max(most) == 4                                      # bounded by `concurrency`
    assert [[c.text for c in row] for row in out] == [[f"{p}->0", f"{p}->1"] for p in prompts]
    assert [c.n_tokens for c in out[0]] == [1, 2]
