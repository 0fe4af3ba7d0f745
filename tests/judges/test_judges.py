"""Judges: the protocol's backends end to end as jobs, and the metrics against humans."""
import json
import math

import pandas as pd
import pytest

from synthqa.ingest.commit import import_file
from synthqa.ingest.inbox import ingest_inbox
from synthqa.jobs import batch
from synthqa.judges import evaluate
from synthqa.judges import job as judge_job
from synthqa.judges.critic import parse_index
from tests.http_server import serving


def _write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _labelled(tmp_path, store):
    """Four answer-correct traces (two flawed at step 1) and one wrong one, labelled by ann."""
    records = []
    for i, (a, first) in enumerate([(3, -1), (4, -1), (5, 1), (6, 1)]):
        wrong = a + 1 if first == 1 else a
        records.append({"problem": f"What is {a} + {a} - {a}?", "generator": "gen",
                        "gold_answer": str(a), "labeller": "ann", "first_error_step": first,
                        "steps": [f"{a} + {a} = {2 * a}", f"{2 * a} - {a} = {wrong}",
                                  f"#### {a}"]})
    records.append({"problem": "What is 2 + 2?", "generator": "gen", "gold_answer": "4",
                    "labeller": "ann", "first_error_step": 0,
                    "steps": ["2 + 2 = 5", "#### 5"]})
    import_file(store, _write(tmp_path / "labelled.jsonl", records))


def _run(workspace, store, job, generator="gen", **kw):
    assert judge_job.prepare(workspace, store, job, generator, **kw) > 0
    judge_job.run(workspace, job.run_id)
    ingest_inbox(store, workspace)


def test_the_stepcheck_judge_runs_as_a_job_and_stores_its_verdicts(workspace, store, tmp_path):
    _labelled(tmp_path, store)
    _run(workspace, store, judge_job.JudgeJob("j1", "stepcheck"), answer_correct_only=False)
    rows = store.df("SELECT judge, version, score, first_step FROM judge_scores "
                    "ORDER BY first_step NULLS FIRST, score")
    assert len(rows) == 5 and set(rows.judge) == {"stepcheck"}
    assert rows.first_step.isna().sum() == 2 and sorted(rows.first_step.dropna()) == [0, 1, 1]
    # restarting a finished run judges nothing again
    assert judge_job.run(workspace, "j1") == 0


def _critic_app(replies: dict[str, list[str]], seen: list):
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def chat(request):
        body = await request.json()
        seen.append(body)
        text = body["messages"][0]["content"]
        key = next(k for k in replies if k in text)
        return JSONResponse({"choices": [{"index": i, "message": {"content": r}}
                                         for i, r in enumerate(replies[key][: body["n"]])]})
    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])


def test_the_critic_votes_counts_unparsed_replies_and_stores_exact_scores(
        workspace, store, tmp_path):
    _labelled(tmp_path, store)
    replies = {"3 + 3": ["fine. \\boxed{-1}", "\\boxed{-1}", "\\boxed{-1}", "\\boxed{-1}"],
               "4 + 4": ["\\boxed{1}", "\\boxed{-1}", "\\boxed{-1}", "I cannot tell"],
               "5 + 5": ["\\boxed{1}", "Paragraph 0 ok. \\boxed{1}", "\\boxed{0}", "\\boxed{9}"],
               "6 + 6": ["no idea", "none", "?", "..."]}
    seen = []
    with serving(_critic_app(replies, seen)) as url:
        _run(workspace, store, judge_job.JudgeJob("c1", "critic", base_url=url, model="m", n=4))
    got = {r.problem: r for r in store.df("""
        SELECT left(p.text, 13) AS problem, j.* FROM judge_scores j JOIN traces t
        USING (trace_id) JOIN problems p USING (problem_id)""").itertuples()}
    assert len(seen) == 4 and all(b["n"] == 4 and b["model"] == "m" for b in seen)
    assert "<paragraph_1>" in seen[0]["messages"][0]["content"]
    three, four, five, six = (got[f"What is {a} + {a}"] for a in (3, 4, 5, 6))
    assert (three.score, three.unparsed) == (0.0, 0) and pd.isna(three.first_step)
    assert (four.votes_flawed, four.unparsed) == (1, 1) and pd.isna(four.first_step)
    assert math.isclose(four.score, 1 / 3)
    # \\boxed{9} is out of range for 3 paragraphs: unparsed, never guessed
    assert (five.votes_flawed, five.unparsed, five.first_step) == (3, 1, 1)
    assert five.score == 1.0 and five.judge == "critic:m"
    assert pd.isna(six.score) and six.unparsed == 4 and six.votes == 4


def test_a_critic_prompt_may_only_use_its_placeholders():
    bad = judge_job.JudgeJob("x", "critic", base_url="http://127.0.0.1:1", model="m",
                             prompt="{paragraphs} {problem.__class__.__mro__}")
    with pytest.raises(ValueError, match="unknown placeholder"):
        bad.validate()
    with pytest.raises(ValueError, match="http"):
        judge_job.JudgeJob("x", "critic", base_url="file:///etc/passwd", model="m").validate()


def test_parse_index_reads_the_last_box_and_refuses_out_of_range():
    assert parse_index("\\boxed{2} no wait \\boxed{ 1 }", 3) == 1
    assert parse_index("The earliest error index is 0.", 3) == 0
    assert parse_index("\\boxed{3}", 3) is None and parse_index("maybe", 3) is None


def test_processbench_f1_precision_recall_auroc_on_a_hand_made_set():
    # human -1 = no error; judge NaN = none found. 4 error traces, 4 clean ones.
    pairs = pd.DataFrame({
        "judge": "j", "labeller": "h", "generator": ["a"] * 4 + ["b"] * 4,
        "human_step": [2, 1, 0, 3, -1, -1, -1, -1],
        "judge_step": [2, 1, 1, None, None, None, 0, None],
        "score": [0.9, 0.8, 0.7, 0.2, 0.1, 0.3, 0.6, 0.4],
        "correct": [True, True, False, True, True, True, True, False],
    })
    pairs["verdict"] = ["false_positive"] * 4 + ["correct"] * 4
    table = evaluate.table(pairs).set_index("generator")
    everything = table.loc["all"]
    # error accuracy 2/4, correct accuracy 3/4, F1 = 2·0.5·0.75/1.25 = 0.6
    assert (everything.error_accuracy, everything.correct_accuracy) == (0.5, 0.75)
    assert math.isclose(everything.f1, 0.6)
    # answer-correct: flawed {0.9, 0.8, 0.2}, clean {0.1, 0.3, 0.6}; flagged = idx 0, 1, 6
    assert math.isclose(everything.precision, 2 / 3) and math.isclose(everything.recall, 2 / 3)
    assert math.isclose(everything.auroc, 7 / 9) and everything.n == 8
    assert math.isnan(table.loc["a"].correct_accuracy) and table.loc["b"].correct_accuracy == 0.75
    confusion = evaluate.position_confusion(pairs)
    assert confusion.loc["none", "none"] == 3 and confusion.loc["1", "2"] == 1  # from 1
    assert confusion.loc["4", "none"] == 1


def test_judge_eval_prints_one_json_object_per_judge_labeller_generator(
        workspace, store, tmp_path, capsys):
    from synthqa.cli.main import main

    _labelled(tmp_path, store)
    _run(workspace, store, judge_job.JudgeJob("j1", "stepcheck"), answer_correct_only=False)
    store.close()
    assert main(["--workspace", str(workspace.root), "judge", "eval", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["judge"], r["labeller"], r["generator"]) for r in lines] == [
        ("stepcheck", "ann", "gen"), ("stepcheck", "ann", "all")]
    assert set(lines[0]) == set(evaluate.FIELDS) and lines[0]["n"] == 5
    # the two flawed answer-correct traces have a wrong equation at step 1: found exactly
    assert lines[0]["error_accuracy"] == 1.0 and lines[0]["recall"] == 1.0


def test_a_tiny_prm_trained_on_lab_labels_scores_traces_as_a_judge(workspace, store, tmp_path):
    import random

    import torch
    from transformers import LlamaConfig, LlamaForTokenClassification

    from synthqa.judges.prm_data import training_records
    from synthqa.lab.model import make_tokenizer
    from synthqa.lab.problems import make_problems
    from synthqa.train import prm

    rng, records = random.Random(0), []
    for p in make_problems(24, seed=3):
        steps = list(p.steps)
        if rng.random() < 0.5:  # a wrong intermediate value at a random step
            k = rng.randrange(len(steps) - 1)
            steps[k] = steps[k].split("=")[0] + f"={rng.randint(100, 999)}"
        records.append({"problem": p.text, "generator": "lab-x", "source": "lab",
                        "gold_answer": str(p.answer), "steps": steps})
    import_file(store, _write(tmp_path / "lab.jsonl", records))
    data = training_records(store, lab_exact=True)
    assert set(data["origin"]) == {"lab exact"} and len(data) == 24
    assert any(not all(labels) for labels in data["labels"])
    data.drop(columns="origin").to_json(tmp_path / "prm.jsonl", orient="records", lines=True)

    torch.manual_seed(0)
    tokenizer = make_tokenizer()
    base = tmp_path / "base"
    LlamaForTokenClassification(LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, max_position_embeddings=256, num_labels=2)).save_pretrained(base)
    tokenizer.save_pretrained(base)
    run_dir = tmp_path / "run"
    prm.PrmConfig(str(base), str(tmp_path / "prm.jsonl"), max_steps=3, batch_size=4).save(run_dir)
    model_dir = prm.train(run_dir)
    assert (model_dir / "config.json").is_file()
    assert [json.loads(line)["step"] for line in
            (run_dir / "metrics.jsonl").read_text().splitlines()][:3] == [1, 2, 3]

    _run(workspace, store, judge_job.JudgeJob("p1", "prm", model_dir=str(model_dir)),
         "lab-x", answer_correct_only=False)
    scores = store.df("SELECT judge, score, detail FROM judge_scores")
    assert len(scores) == 24 and set(scores.judge) == {"prm:model"}
    assert scores.score.between(0, 1).all()
    assert all(len(json.loads(d)) >= 2 for d in scores.detail)  # a probability per step


def test_the_critic_runs_against_synthqa_serve_over_a_real_model(workspace, store, tmp_path):
    """The plumbing with a real (tiny, untrained) model: whatever it writes is counted, a
    reply without an index is unparsed, and the chat endpoint answers n choices."""
    import torch

    from synthqa.lab.model import make_model, make_tokenizer
    from synthqa.sampling.hf import HFSampler
    from synthqa.sampling.serve import make_app

    torch.manual_seed(0)
    folder, tokenizer = tmp_path / "tiny", make_tokenizer()
    make_model("wc", tokenizer).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    _labelled(tmp_path, store)
    with serving(make_app(HFSampler(folder, device="cpu"))) as url:
        _run(workspace, store, judge_job.JudgeJob("c2", "critic", base_url=url, model="tiny",
                                                 n=2, max_tokens=8))
    rows = store.df("SELECT votes, votes_flawed, unparsed, detail FROM judge_scores")
    assert len(rows) == 4 and (rows.votes == 2).all()
    assert ((rows.votes_flawed + rows.unparsed) <= 2).all()
    assert all(len(json.loads(d)["replies"]) == 2 for d in rows.detail)


class _ScriptedEngine:
    """A local engine answering each prompt from a script; it records its calls."""
    backend, sequences_per_call = "scripted", 64

    def __init__(self, replies: dict[str, list[str]]):
        self.replies, self.calls = replies, []

    def complete(self, prompts, spec, n, seed):
        from synthqa.sampling.base import Completion

        self.calls.append((len(prompts), n, spec.temperature, spec.max_tokens))
        return [[Completion(r, 3) for r in self.replies[next(k for k in self.replies
                                                             if k in p)][:n]]
                for p in prompts]


def test_a_local_critic_judges_a_whole_batch_in_one_engine_call():
    """A critic from a model folder: every trace's n samples in one call of the engine,
    voted like an endpoint's replies."""
    from synthqa.judges.base import JudgeInput
    from synthqa.judges.critic import CriticJudge

    engine = _ScriptedEngine({"3 + 3": ["\\boxed{-1}"] * 2, "5 + 5": ["\\boxed{1}", "?"]})
    judge = CriticJudge("", "local", n=2, temperature=0.5, max_tokens=64, sampler=engine)
    items = [JudgeInput(f"t{a}", f"What is {a} + {a} - {a}?", str(a),
                        (f"{a} + {a} = {2 * a}", f"{2 * a} - {a} = {a}")) for a in (3, 5)]
    clean, flawed = judge.judge(items)
    assert engine.calls == [(2, 2, 0.5, 64)]
    assert (clean.score, clean.first_step) == (0.0, None)
    assert (flawed.score, flawed.first_step, flawed.unparsed) == (1.0, 1, 1)
    assert judge.settings()["engine"] == "scripted" and judge.traces_per_call == 32


def test_a_critic_from_a_local_folder_runs_as_a_job(workspace, store, tmp_path):
    """`judge run --backend critic --model-dir DIR`: a real (tiny, untrained) model sampled
    by the engine, no endpoint; a critic names an endpoint or a folder, not both."""
    import torch

    from synthqa.lab.model import make_model, make_tokenizer

    torch.manual_seed(0)
    folder, tokenizer = tmp_path / "tiny", make_tokenizer()
    make_model("wc", tokenizer).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    _labelled(tmp_path, store)
    _run(workspace, store, judge_job.JudgeJob("c3", "critic", model_dir=str(folder), n=2,
                                             max_tokens=8))
    rows = store.df("SELECT judge, votes, settings FROM judge_scores")
    assert len(rows) == 4 and (rows.votes == 2).all() and set(rows.judge) == {"critic:tiny"}
    assert json.loads(rows.settings[0])["engine"] == "transformers"
    for both in ({"base_url": "http://127.0.0.1:1", "model_dir": str(folder)}, {}):
        with pytest.raises(ValueError, match="an endpoint or a local model folder"):
            judge_job.JudgeJob("x", "critic", model="m", **both).validate()
    with pytest.raises(ValueError, match="not a model folder"):
        judge_job.JudgeJob("x", "critic", model_dir=str(tmp_path / "nowhere")).validate()


def test_a_local_critic_samples_through_vllm_where_it_is_installed(workspace, store, tmp_path,
                                                                   monkeypatch, smollm2_model):
    """Where vllm and a GPU are there, a critic from a folder is vLLM's offline engine (here
    vLLM's documented interface on a CPU): the run's traces in one generate call, n each,
    through the model's chat template (ProcessBench's prompt: longer than a lab model's
    96-token context, which vLLM would refuse)."""
    import sys

    from transformers import AutoTokenizer

    from synthqa.sampling import vllm
    from tests.sampling import fake_vllm

    monkeypatch.setitem(sys.modules, "vllm", fake_vllm)
    monkeypatch.setattr(vllm, "available", lambda: True)
    fake_vllm.LLM.calls.clear()
    _labelled(tmp_path, store)
    _run(workspace, store, judge_job.JudgeJob("c4", "critic", model_dir=str(smollm2_model),
                                             n=3, max_tokens=8))
    calls = [(len(c["prompts"]), {p.n for p in c["params"]}) for c in fake_vllm.LLM.calls]
    assert calls == [(4, {3})]
    tokenizer = AutoTokenizer.from_pretrained(smollm2_model)
    first = tokenizer.decode(fake_vllm.LLM.calls[0]["prompts"][0]["prompt_token_ids"])
    assert first.startswith("<|im_start|>") and first.count("<|im_start|>user") == 1
    rows = store.df("SELECT votes, settings FROM judge_scores")
    assert (rows.votes == 3).all() and json.loads(rows.settings[0])["engine"] == "vllm"


def test_the_value_drop_judge_flags_the_step_after_which_the_value_falls():
    from synthqa.judges.base import JudgeInput
    from synthqa.judges.value_drop import ValueDropJudge

    judge = ValueDropJudge("lab-wc", "exhaustive")
    steps = ("a", "b", "c", "d")
    falls = JudgeInput("t1", "p", "1", steps, {"values": [(0, 0.8), (1, 0.8), (2, 0.2),
                                                          (3, 0.6), (4, 1.0)]})
    flat = JudgeInput("t2", "p", "1", steps, {"values": [(0, 0.6), (1, 0.7), (2, 0.7)]})
    none = JudgeInput("t3", "p", "1", steps, {})
    a, b, c = judge.judge([falls, flat, none])
    assert (a.first_step, round(a.score, 6)) == (1, 0.6)   # step 2 (index 1) loses 0.6
    assert (b.first_step, b.score) == (None, 0.0)
    assert c.score is None and c.votes == 0 and judge.name == "rollouts:lab-wc/exhaustive"


def test_one_judge_run_takes_every_generator_or_a_list_limit_each(workspace, store):
    from tests.conftest import EXAMPLE

    import_file(store, EXAMPLE)     # se-16b: 2 traces, wc-2b: 3
    for generators, expected in ((None, {"se-16b": 1, "wc-2b": 1}),
                                 (["se-16b", "wc-2b"], {"se-16b": 1, "wc-2b": 1}),
                                 ("wc-2b", {"wc-2b": 1})):
        job = judge_job.JudgeJob(f"j-{len(expected)}-{generators is None}", "stepcheck")
        judge_job.prepare(workspace, store, job, generators, answer_correct_only=False, limit=1)
        items = batch.RunFolder(workspace, job.run_id).items()
        assert items["generator"].value_counts().to_dict() == expected
    job = judge_job.JudgeJob("all", "stepcheck")
    assert judge_job.prepare(workspace, store, job, None, answer_correct_only=False, limit=9) == 5
