"""Fine-tuning entry points for a few steps on the lab WC model, on CPU."""
import json
import time

import pytest

from synthqa.jobs.runner import Jobs
from synthqa.lab.demo import available
from synthqa.lab.model import DATA_DIR
from synthqa.lab.problems import make_problems
from synthqa.train import common, dpo, rft, sft
from synthqa.train.common import TrainConfig
from synthqa.train.launch import command, resume, runs

pytestmark = pytest.mark.skipif(not available(), reason="lab models not built (data/lab)")


def data_file(tmp_path, kind):
    rows = []
    for p in make_problems(16, seed=11):
        wrong = p.solution.replace(p.steps[0], p.steps[0][:-1] + "9", 1)
        rows.append({"prompt": f"{p.text}\n", "completion": p.solution} if kind == "sft" else
                    {"prompt": f"{p.text}\n", "chosen": p.solution, "rejected": wrong})
    path = tmp_path / f"{kind}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def problems_file(tmp_path):
    rows = [{"prompt": f"{p.text}\n", "answer": str(p.answer)}
            for p in make_problems(8, seed=12, ops=(1, 1), digits=(1, 1))]
    path = tmp_path / "problems.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


@pytest.mark.parametrize("method,entry,lora", [("sft", sft, False), ("dpo", dpo, False),
                                              ("sft", sft, True), ("rft", rft, False)])
def test_a_method_trains_saves_and_queues_its_evaluation(workspace, tmp_path, method, entry,
                                                         lora):
    run_dir = workspace.runs / f"train-{method}-{lora}"
    config = TrainConfig(method, str(DATA_DIR / "tiny"),
                         str(data_file(tmp_path, "dpo" if method == "dpo" else "sft")),
                         f"lab-wc-{method}", str(workspace.root), max_steps=3, batch_size=4,
                         lora=lora, eval_problems=4,
                         problems=problems_file(tmp_path) if method == "rft" else "")
    config.save(run_dir)
    out = entry.train(run_dir)
    steps = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [s["step"] for s in steps if "loss" in s] == [1, 2, 3]
    assert all(s["max_steps"] == 3 for s in steps if "step" in s)
    assert (out / "model.safetensors").is_file() and (out / "tokenizer.json").is_file()
    shards = list(workspace.inbox.glob(f"lab-wc-{method}_eval-greedy-*.parquet"))
    assert shards                                     # the evaluation lands as traces


@pytest.mark.parametrize("bad", [{"name": "x; rm -rf /"}, {"method": "ppo"},
                                 {"base_model": "/nowhere"}, {"data": "/no/such.jsonl"},
                                 {"learning_rate": 5.0}, {"eval_set": "../etc"}])
def test_bad_settings_are_refused(tmp_path, bad):
    good = dict(method="sft", base_model=str(DATA_DIR / "tiny"),
                data=str(data_file(tmp_path, "sft")), name="ok", workspace=str(tmp_path))
    with pytest.raises(ValueError):
        TrainConfig(**{**good, **bad}).save(tmp_path / "run")
    assert not (tmp_path / "run" / "train.json").exists()


def test_rft_adds_the_models_own_distinct_correct_solutions(workspace, tmp_path):
    run_dir = workspace.runs / "train-rft-rounds"
    seed = data_file(tmp_path, "sft")
    config = TrainConfig("rft", str(DATA_DIR / "tiny"), str(seed), "lab-wc-rft",
                         str(workspace.root), max_steps=2, batch_size=4, eval_problems=0,
                         problems=problems_file(tmp_path), rft_samples=4, rft_rounds=2)
    config.save(run_dir)
    rft.train(run_dir)
    lines = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    rounds = [x for x in lines if "round" in x]
    assert [r["round"] for r in rounds] == [1, 2] and all(r["sampled"] == 32 for r in rounds)
    assert rounds[0]["correct"] > 0                # the lab WC solves most 1-op problems
    assert rounds[0]["examples"] == 16 + rounds[0]["added"]
    assert 0 < rounds[0]["added"] <= rounds[0]["correct"]   # distinct ones only
    assert [x["step"] for x in lines if "loss" in x] == [1, 2, 3, 4]   # counted over rounds
    assert all(x["max_steps"] == 4 for x in lines if "loss" in x)
    kept = [json.loads(x) for x in (run_dir / "rft-round1.jsonl").read_text().splitlines()]
    assert len(kept) == rounds[0]["examples"]
    assert (run_dir / "round1" / "model" / "config.json").is_file()   # round 2 sampled from it


def test_distinct_keeps_one_row_per_prompt_and_reasoning():
    rows = [{"prompt": "p", "completion": "2+3=5\nThe answer is 5"},
            {"prompt": "p", "completion": "2 + 3 = 5\nSo 5"},          # same arithmetic
            {"prompt": "p", "completion": "3+2=5\nThe answer is 5"},   # different order
            {"prompt": "q", "completion": "2+3=5\nThe answer is 5"}]
    assert [r["completion"][:5] for r in rft.distinct(rows)] == ["2+3=5", "3+2=5", "2+3=5"]


def test_cancel_saves_a_checkpoint_and_a_new_run_resumes_from_it(workspace, tmp_path):
    run_dir = workspace.runs / "train-cancel"
    config = TrainConfig("sft", str(DATA_DIR / "tiny"), str(data_file(tmp_path, "sft")),
                         "lab-wc-cancelled", str(workspace.root), max_steps=200,
                         batch_size=4, eval_problems=2, eval_samples=0)
    config.save(run_dir)
    jobs = Jobs(workspace, grace_s=60)
    job, _ = jobs.submit("train", command(config, run_dir), "cancel-me", job_id=run_dir.name)
    metrics = run_dir / "metrics.jsonl"
    # wait on states, not on the clock (a loaded machine is slow, not wrong)
    while not jobs.status(job.job_id).final and not (
            metrics.exists() and len(metrics.read_text().splitlines()) >= 2):
        time.sleep(0.2)
    stopped = jobs.cancel(job.job_id)
    assert (stopped.status, stopped.exit_code) == ("STOPPED", 128 + 15)
    checkpoints = list((run_dir / "checkpoints").glob("checkpoint-*"))
    assert checkpoints and (checkpoints[0] / "trainer_state.json").is_file()
    assert not (run_dir / "model").exists()           # cancelled: not saved as a result
    assert not list(workspace.inbox.glob("lab-wc-cancelled*"))    # nor evaluated

    stopped_run, = [r for r in runs(workspace) if r.job.job_id == job.job_id]
    at = int(stopped_run.checkpoint.name.split("-")[1])
    assert 0 < at < 200
    resumed = resume(workspace, stopped_run, "resume-it")
    assert resume(workspace, stopped_run, "resume-it").job_id == resumed.job_id   # one job
    while not jobs.status(resumed.job_id).final:
        time.sleep(0.5)
    assert jobs.status(resumed.job_id).status == "SUCCEEDED"
    steps = [m["step"] for m in jobs.metrics(resumed.job_id) if "loss" in m]
    assert steps[0] == at + 1 and steps[-1] == 200          # on from the checkpoint
    assert list(workspace.inbox.glob("lab-wc-cancelled*"))  # this time evaluated


@pytest.mark.parametrize("chat", [False, True])
def test_the_converted_smollm2_is_a_plain_model_that_trains(workspace, tmp_path, smollm2_model,
                                                            chat):
    config = json.loads((smollm2_model / "config.json").read_text())
    assert "quantization_config" not in config          # else trainers refuse to fine-tune it
    run_dir = workspace.runs / f"train-smollm2-{chat}"
    data = tmp_path / "word.jsonl"
    data.write_text(json.dumps({"prompt": "Ana has 3 apples and gets 4 more. How many?",
                                "completion": "3 + 4 = 7\nThe answer is 7."}) + "\n")
    config = TrainConfig("sft", str(smollm2_model), str(data), "smollm2-sft",
                         str(workspace.root), max_steps=1, batch_size=1, eval_problems=0,
                         chat=chat)
    config.save(run_dir)
    trainer, tokenizer = sft.fit(config, run_dir, str(data))
    steps = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [s["step"] for s in steps if "loss" in s] == [1] and steps[0]["loss"] > 0
    seen = tokenizer.decode(trainer.train_dataset[0]["input_ids"])
    assert ("<|im_start|>user\nAna has 3 apples" in seen) == chat   # SmolLM2's template
    assert ("<|im_start|>assistant\n3 + 4 = 7" in seen) == chat
    # what packing sizes its rows by: the tokens TRL trains on, template and all
    rows = common.load_dataset(config, str(data))
    assert sft.example_lengths(rows, tokenizer) == [len(trainer.train_dataset[0]["input_ids"])]


def test_dpo_through_a_chat_template_trains_and_saves(workspace, tmp_path, smollm2_model):
    data = tmp_path / "pairs.jsonl"
    data.write_text(json.dumps({"prompt": "Ana has 3 apples and gets 4 more. How many?",
                                "chosen": "3 + 4 = 7\nThe answer is 7.",
                                "rejected": "3 + 4 = 8"}) + "\n")
    run_dir = workspace.runs / "train-smollm2-dpo"
    TrainConfig("dpo", str(smollm2_model), str(data), "smollm2-dpo", str(workspace.root),
                max_steps=1, batch_size=1, eval_problems=0, chat=True).save(run_dir)
    out = dpo.train(run_dir)
    steps = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [s["step"] for s in steps if "loss" in s] == [1]
    assert steps[0]["loss"] == pytest.approx(0.6931, abs=1e-3)    # log 2: policy = reference
    assert (out / "model.safetensors").is_file()


def test_rft_sampling_and_the_evaluation_use_the_chosen_engine(workspace, tmp_path,
                                                                monkeypatch):
    """Where vllm and a GPU are there, RFT's own samples and the held-out evaluation go
    through vLLM's offline engine like every sampling job (here vLLM's documented interface on
    a CPU, tests/sampling/fake_vllm.py), each round and the evaluation one engine call per
    shard, after the trainer has let go of the device, and each round's engine gone before
    its training starts (issue 26)."""
    import sys

    from synthqa.sampling import vllm
    from tests.sampling import fake_vllm

    monkeypatch.setitem(sys.modules, "vllm", fake_vllm)
    monkeypatch.setattr(vllm, "available", lambda: True)
    fake_vllm.LLM.calls.clear()
    fake_vllm.LLM.cores.clear()
    engines_at_fit = []        # vLLM engines still holding the GPU when a round's training starts

    def fit(*args):
        engines_at_fit.append(fake_vllm.LLM.running())
        return sft_fit(*args)

    sft_fit = rft.fit
    monkeypatch.setattr(rft, "fit", fit)
    run_dir = workspace.runs / "train-rft-vllm"
    TrainConfig("rft", str(DATA_DIR / "tiny"), str(data_file(tmp_path, "sft")), "lab-wc-rftv",
                str(workspace.root), max_steps=2, batch_size=4, eval_problems=4,
                eval_samples=2, problems=problems_file(tmp_path), rft_samples=3,
                rft_rounds=2).save(run_dir)
    rft.train(run_dir)
    calls = [(len(c["prompts"]), [p.n for p in c["params"]]) for c in fake_vllm.LLM.calls]
    assert calls == [(8, [3] * 8), (8, [3] * 8),     # two rounds of RFT samples, 8 problems
                     (4, [1] * 4), (4, [2] * 4)]     # evaluation: greedy, then k = 2
    assert engines_at_fit == [0, 0]      # each round's sampling engine ended before training
    assert len(fake_vllm.LLM.cores) == 3 and fake_vllm.LLM.running() == 0   # and the evaluation's
    lines = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [x["sampled"] for x in lines if "round" in x] == [24, 24]
    assert list(workspace.inbox.glob("lab-wc-rftv_eval-greedy-*.parquet"))


def test_a_run_counts_its_planned_steps_before_its_first_metric_line():
    """A queued or loading run's bar says what it will train (RFT: steps of every round)."""
    from synthqa.jobs.table import Job
    from synthqa.train.launch import TrainingRun

    job = Job("train-n", "k", "train", "local", [], "runs/train-n", "QUEUED")
    sft_config = TrainConfig("sft", "m", "d", "n", ".", max_steps=300)
    rft_config = TrainConfig("rft", "m", "d", "n", ".", max_steps=50, rft_rounds=3)
    assert TrainingRun(job, sft_config, []).steps == (0, 300)
    assert TrainingRun(job, rft_config, []).steps == (0, 150)
    assert TrainingRun(job, None, []).steps == (0, None)
    logged = [{"step": 20, "max_steps": 150, "loss": 1.0}]
    assert TrainingRun(job, rft_config, logged).steps == (20, 150)
