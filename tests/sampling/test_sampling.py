"""Sampler conformance: every installed backend answers the same contract."""
import sys

import pytest

from synthqa.ingest.inbox import ingest_inbox
from synthqa.lab.model import make_model, make_tokenizer
from synthqa.sampling.base import Completion, Problem, SamplingSpec, cut_at_stop
from synthqa.sampling.hf import HFSampler
from synthqa.sampling.openai import OpenAISampler
from synthqa.sampling.run import run_sampling


@pytest.fixture(scope="module")
def tiny_lab_model(tmp_path_factory):
    """An untrained lab-sized model: the contract does not need a good one."""
    import torch

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny")
    tokenizer = make_tokenizer()
    make_model("wc", tokenizer).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def local_server(tiny_lab_model):
    """A real HTTP server on 127.0.0.1 serving the tiny model, OpenAI-style."""
    import socket
    import threading

    import uvicorn

    from synthqa.sampling.serve import make_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(make_app(HFSampler(tiny_lab_model, device="cpu")),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join()


def _vllm_with_gpu() -> bool:
    import importlib.util

    import torch

    return importlib.util.find_spec("vllm") is not None and torch.cuda.is_available()


@pytest.fixture
def fake_vllm(monkeypatch):
    """vLLM's offline interface on a CPU (tests/sampling/fake_vllm.py) as `vllm`."""
    from tests.sampling import fake_vllm as module

    monkeypatch.setitem(sys.modules, "vllm", module)
    module.LLM.calls.clear()
    module.LLM.engines.clear()
    module.LLM.cores.clear()
    return module


@pytest.fixture(params=["transformers", "transformers-continuous", "transformers-smollm2",
                        "openai", "vllm-fake", "vllm"])
def sampler(request, tiny_lab_model):
    from synthqa.sampling.vllm import VLLMSampler

    if request.param == "transformers-continuous":
        return HFSampler(tiny_lab_model, device="cpu", continuous=True)
    if request.param == "vllm-fake":
        request.getfixturevalue("fake_vllm")
        return VLLMSampler(tiny_lab_model)
    if request.param == "vllm":
        if not _vllm_with_gpu():
            pytest.skip("vllm and a GPU are needed for the vLLM backend")
        return VLLMSampler(tiny_lab_model)
    if request.param == "openai":
        return OpenAIClientWithTokenizer(request.getfixturevalue("local_server"),
                                         tiny_lab_model)
    if request.param == "transformers-smollm2":
        return HFSampler(request.getfixturevalue("smollm2_model"), device="cpu", chat=True)
    return HFSampler(tiny_lab_model, device="cpu", batch_size=8)


class OpenAIClientWithTokenizer(OpenAISampler):
    """The HTTP client, plus the model's tokenizer so tests can re-count tokens."""

    def __init__(self, url, model_dir):
        from transformers import AutoTokenizer

        super().__init__(url, "tiny", batch_size=8)
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)


SPEC = SamplingSpec(samples_per_problem=3, temperature=1.0, max_tokens=12, seed=5)


def test_n_completions_per_prompt_with_real_token_counts(sampler):
    out = sampler.complete(["12+7\n", "3*4-1\n"], SPEC, n=3, seed=1)
    assert [len(c) for c in out] == [3, 3]
    for completions in out:
        for c in completions:  # every generated token counts, EOS and special tokens too
            assert len(sampler.tokenizer.encode(c.text, add_special_tokens=False)) <= \
                c.n_tokens <= SPEC.max_tokens


def test_the_same_seed_gives_the_same_samples(sampler):
    assert sampler.complete(["12+7\n"], SPEC, 3, seed=9) == sampler.complete(["12+7\n"], SPEC,
                                                                             3, seed=9)


def test_greedy_samples_agree(sampler):
    greedy = SamplingSpec(temperature=0.0, max_tokens=8)
    (a, b), = sampler.complete(["12+7\n"], greedy, 2, seed=0)
    assert a == b


def test_stop_strings_cut_the_text():
    assert cut_at_stop("12+7=19\n#### 19\nextra", ["\nextra", "####"]) == "12+7=19\n"
    assert cut_at_stop("abc", []) == "abc"


def test_a_sampling_run_lands_in_the_inbox_and_resumes(sampler, workspace):
    problems = [Problem(f"p{i}", f"{i}+1", str(i + 1), source="lab") for i in range(5)]
    first = run_sampling(workspace, sampler, problems[:3], SPEC, "tiny", 123, "tiny:t1",
                         batch_problems=2)
    assert first.problems_done == 3 and len(first.shards) == 2
    again = run_sampling(workspace, sampler, problems, SPEC, "tiny", 123, "tiny:t1",
                         batch_problems=2)
    assert again.problems_skipped == 3 and again.problems_done == 2  # finished ones skipped
    store = workspace.open_store()
    results = ingest_inbox(store, workspace)
    assert all(r.ok for r in results)
    run = store.df("SELECT * FROM runs").iloc[0]
    assert run.n_traces == 15 and run.samples_per_problem == 3
    assert run.tokens == first.tokens + again.tokens and run.flops == 2 * 123 * run.tokens
    assert not store.scalar("SELECT bool_or(tokens_estimated) FROM traces")
    store.close()


def test_a_hub_name_is_refused():
    with pytest.raises(FileNotFoundError, match="not a local model folder"):
        HFSampler("HuggingFaceTB/SmolLM2-135M-Instruct")


def test_the_vllm_adapter_hands_the_engine_a_whole_run_at_once(fake_vllm, tiny_lab_model):
    """One generate call for every prompt, prefix caching on, the n samples of a prompt as one
    request, a seed per request: the same prefix twice (two rollouts) gives different samples;
    greedy asks once per prompt."""
    from synthqa.sampling.vllm import VLLMSampler

    sampler = VLLMSampler(tiny_lab_model)
    prompts = ["12+7\n", "12+7\n", "3*4-1\n"]
    out = sampler.complete(prompts, SPEC, n=3, seed=4)
    (call,) = fake_vllm.LLM.calls
    assert [p["prompt_token_ids"] for p in call["prompts"]] == \
        sampler.tokenizer(prompts)["input_ids"]
    assert [p.n for p in call["params"]] == [3, 3, 3]
    assert [p.seed for p in call["params"]] == [4, 5, 6]
    assert fake_vllm.LLM.engines[0]["enable_prefix_caching"] is True
    assert fake_vllm.LLM.engines[0]["trust_remote_code"] is False
    assert out[0] != out[1] and sampler.params == HFSampler(tiny_lab_model).params
    greedy = sampler.complete(prompts, SamplingSpec(temperature=0.0, max_tokens=6), 4, seed=0)
    assert [p.n for p in fake_vllm.LLM.calls[-1]["params"]] == [1, 1, 1]
    assert [len(set(c)) for c in greedy] == [1, 1, 1] and [len(c) for c in greedy] == [4, 4, 4]


def test_the_vllm_adapter_asks_no_more_than_the_context_leaves(fake_vllm, tiny_lab_model):
    """vLLM refuses a whole call for one prompt that fills the model's context, or for
    max_tokens past it: such a prompt gets empty completions (as from HFSampler), the others
    as many new tokens as the context leaves them."""
    from synthqa.sampling.vllm import VLLMSampler

    sampler = VLLMSampler(tiny_lab_model)
    context = sampler.context                       # the lab's 96 tokens
    long, short = "1+" * context + "1\n", "12+7\n"
    out = sampler.complete([short, long, short], SamplingSpec(temperature=0.8,
                                                              max_tokens=2 * context), 2, 0)
    assert out[1] == [Completion("", 0)] * 2 and all(len(c) == 2 for c in out)
    (call,) = fake_vllm.LLM.calls
    assert len(call["prompts"]) == 2 and [p.seed for p in call["params"]] == [0, 2]
    assert [p.max_tokens for p in call["params"]] == [context - len(sampler.tokenizer(
        short)["input_ids"])] * 2
    assert sampler.complete([long], SPEC, 3, 0) == [[Completion("", 0)] * 3]


def test_the_vllm_adapter_cuts_at_stop_strings_and_counts_every_token(fake_vllm,
                                                                     tiny_lab_model):
    from synthqa.sampling.vllm import VLLMSampler

    sampler = VLLMSampler(tiny_lab_model)
    free = sampler.complete(["12+7\n"], SamplingSpec(temperature=0.0, max_tokens=12), 1, 0)
    text = free[0][0].text
    if len(text) < 2:
        pytest.skip("the untrained model stopped at once")
    stop = text[1]
    (cut,), = sampler.complete(["12+7\n"], SamplingSpec(temperature=0.0, max_tokens=12,
                                                         stop=(stop,)), 1, 0)
    assert cut.text == text[: text.find(stop)] and stop not in cut.text
    assert 1 <= cut.n_tokens <= free[0][0].n_tokens


def test_a_local_folder_samples_through_vllm_where_it_runs(fake_vllm, tiny_lab_model,
                                                           monkeypatch):
    from synthqa.sampling import vllm
    from synthqa.sampling.models import ModelChoice

    choice = ModelChoice("tiny", path=str(tiny_lab_model))
    assert choice.sampler().backend == "transformers"      # no GPU here
    monkeypatch.setattr(vllm, "available", lambda: True)   # vllm and a GPU
    assert choice.sampler().backend == "vllm" and fake_vllm.LLM.engines


def test_continuous_batching_answers_in_the_prompts_order():
    """Greedy lab answers through generate_batch: each prompt gets its own answer back."""
    from synthqa.lab.model import LAB_MODELS
    from synthqa.lab.problems import make_problems

    problems = make_problems(12, seed=5)
    greedy = SamplingSpec(temperature=0.0, max_tokens=60)
    prompts = [p.text + "\n" for p in problems]
    batched = HFSampler(LAB_MODELS["lab-wc"], device="cpu").complete(prompts, greedy, 2, 0)
    continuous = HFSampler(LAB_MODELS["lab-wc"], device="cpu", continuous=True).complete(
        prompts, greedy, 2, 0)
    assert [[c.text for c in row] for row in continuous] == \
        [[c.text for c in row] for row in batched]


def test_a_generate_call_holds_no_more_kv_cache_than_the_device_has(tiny_lab_model,
                                                                    monkeypatch):
    """On a GPU a call takes up to a thousand sequences, as many as half the free memory's KV
    cache holds: with room for 200 tokens of cache, every call's (longest prompt + max
    tokens) x sequences stays within it, and greedy answers are those of unbounded calls."""
    sampler = HFSampler(tiny_lab_model, device="cpu")
    prompts = ["1+1=", "12*3+4=", "7-2=", "100+200+300=", "9=", "2*2*2*2="] * 3
    spec = SamplingSpec(temperature=0, max_tokens=12)
    unbounded = sampler.complete(prompts, spec, 2, 0)
    calls, generate = [], sampler._generate

    def recorded(batch, spec, n):                    # token ids of the call's prompts
        calls.append(len(batch) * (max(map(len, batch)) + spec.max_tokens))
        return generate(batch, spec, n)

    monkeypatch.setattr(sampler, "_generate", recorded)
    monkeypatch.setattr(sampler, "kv_tokens", lambda: 200)
    assert sampler.complete(prompts, spec, 2, 0) == unbounded
    assert len(calls) > 1 and max(calls) <= 200
    assert HFSampler(tiny_lab_model, device="cpu").kv_tokens() is None   # a CPU: batch size
