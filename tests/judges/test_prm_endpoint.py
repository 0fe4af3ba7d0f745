"""A PRM behind vLLM's pooling API judges traces in its own format (Qwen2.5-Math-PRM's
<extra_0> after each step, Math-Shepherd's ки): against the project's pooling server over a
small token-classification model, exactly the scores the model gives (issue 26)."""
import pytest
import torch
from transformers import LlamaConfig, LlamaForTokenClassification

from synthqa.judges.base import JudgeInput
from synthqa.judges.prm import verdict
from synthqa.judges.prm_endpoint import FORMATS, EndpointPrmJudge
from synthqa.judges.prm_serve import make_app
from synthqa.lab.model import make_tokenizer
from tests.http_server import serving

TAGS = {"qwen": "<extra_0>", "math-shepherd": "ки"}


@pytest.fixture(scope="module", params=list(FORMATS))
def served(request, tmp_path_factory):
    """(format, model folder, URL): a tiny PRM whose vocabulary has the format's step tag."""
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp(request.param)
    tokenizer = make_tokenizer()
    tokenizer.add_special_tokens({"additional_special_tokens": [TAGS[request.param]]})
    LlamaForTokenClassification(LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, max_position_embeddings=1024, num_labels=2)).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    with serving(make_app(folder, TAGS[request.param], name="tiny-prm")) as url:
        yield request.param, folder, url


def _traces(n: int) -> list[JudgeInput]:
    return [JudgeInput(f"t{i}", f"What is {i} + {i}?", None,
                       tuple(f"{i} + {i} = {2 * i + (k == 1)}" for k in range(1 + i % 4)))
            for i in range(n)]


def _direct(folder, fmt: str, item: JudgeInput) -> list[float]:
    """P(step correct) at each step tag, from the model itself."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForTokenClassification.from_pretrained(folder).eval()
    ids = tokenizer(FORMATS[fmt].text(item.problem, item.steps), return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        probs = model(input_ids=ids).logits[0].softmax(-1)
    tag = tokenizer.convert_tokens_to_ids(TAGS[fmt])
    return probs[ids[0] == tag][:, FORMATS[fmt].positive].tolist()


def test_a_served_prm_judges_exactly_as_the_model_scores(served):
    fmt, folder, url = served
    items = _traces(11)
    judge = EndpointPrmJudge(url, "tiny-prm", fmt, batch=3, concurrency=4)   # 4 requests
    got = judge.judge(items)
    assert [j.trace_id for j in got] == [i.trace_id for i in items]
    for item, judgement in zip(items, got):
        expected = verdict(item.trace_id, _direct(folder, fmt, item))
        assert judgement.first_step == expected.first_step
        assert judgement.score == pytest.approx(expected.score, abs=1e-6)
        assert judgement.detail == expected.detail
    assert judge.settings()["format"] == fmt and judge.name == "prm:tiny-prm"


def test_the_formats_are_the_models_own():
    steps = ("2 + 2 = 4", "The answer is 4.")
    assert FORMATS["qwen"].text("What is 2 + 2?", steps) == (
        "<|im_start|>system\nPlease reason step by step, and put your final answer within "
        "\\boxed{}.<|im_end|>\n<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n"
        "<|im_start|>assistant\n2 + 2 = 4<extra_0>The answer is 4.<extra_0><|im_end|>\n")
    assert FORMATS["math-shepherd"].text("What is 2 + 2?", steps) == (
        "What is 2 + 2? 2 + 2 = 4 ки\nThe answer is 4. ки\n")


def test_a_judge_run_through_the_endpoint_lands_in_the_store(served, workspace, store,
                                                              monkeypatch):
    """`judge run --backend prm-endpoint` end to end, the server on the allow-list."""
    import json

    from synthqa.cli.main import main
    from synthqa.ingest.commit import import_file

    fmt, _, url = served
    path = workspace.root / "t.jsonl"
    path.write_text("".join(json.dumps({"problem": t.problem, "generator": "g",
                                        "gold_answer": "0", "steps": list(t.steps)}) + "\n"
                            for t in _traces(6)))
    import_file(store, path)
    store.close()
    monkeypatch.setenv("SYNTHQA_CRITIC_ENDPOINTS", url)
    assert main(["-q", "--workspace", str(workspace.root), "judge", "run", "--backend",
                 "prm-endpoint", "--url", url, "--model", "tiny-prm", "--prm-format", fmt,
                 "--all"]) == 0
    again = workspace.open_store()
    scores = again.df("SELECT judge, score FROM judge_scores")
    again.close()
    assert len(scores) == 6 and set(scores.judge) == {"prm:tiny-prm"}
    assert scores.score.notna().all()


def test_the_judges_page_runs_a_served_prm(served, workspace, store):
    """From the page: the backend, the endpoint (loopback is on the default allow-list), the
    model and the format; the run is a job whose scores land in the store."""
    import time

    from streamlit.testing.v1 import AppTest

    from synthqa.ingest.commit import import_file
    from synthqa.ingest.inbox import ingest_inbox
    from synthqa.jobs.runner import Jobs
    from tests.conftest import REPO

    fmt, _, url = served
    path = workspace.root / "t.jsonl"
    path.write_text("".join(
        '{"problem": "%s", "generator": "g", "gold_answer": "0", "steps": %s}\n'
        % (t.problem, str(list(t.steps)).replace("'", '"')) for t in _traces(5)))
    import_file(store, path)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/judges.py")
    at.run()
    at.selectbox(key="jd_backend").select("prm-endpoint").run()
    at.text_input(key="jd_prm_url").input(url)
    at.text_input(key="jd_prm_model").input("tiny-prm")
    at.selectbox(key="jd_prm_format").select(fmt)
    at.toggle(key="jd_all").set_value(True).run()
    next(b for b in at.button if b.label == "Run judge").click().run()
    assert not at.exception and any("Started judge-prm-endpoint" in s.value for s in at.success)
    (job,) = [j for j in Jobs(workspace).jobs() if j.kind == "judge"]
    while not Jobs(workspace).status(job.job_id).final:   # a real process: wait on its state
        time.sleep(0.2)
    assert Jobs(workspace).status(job.job_id).status == "SUCCEEDED"
    ingest_inbox(store, workspace)
    assert store.scalar("SELECT count(*) FROM judge_scores WHERE judge = 'prm:tiny-prm'") == 5
