"""Fine-tuning entry points for a few steps on the lab WC model, on CPU."""
import json

import pytest

from synthqa.lab.demo import available
from synthqa.lab.model import DATA_DIR
from synthqa.lab.tasks import make_problems
from synthqa.train import dpo, sft
from synthqa.train.common import TrainConfig

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


@pytest.mark.parametrize("method,entry,lora", [("sft", sft, False), ("dpo", dpo, False),
                                              ("sft", sft, True)])
def test_a_method_trains_saves_and_queues_its_evaluation(workspace, tmp_path, method, entry,
                                                         lora):
    run_dir = workspace.runs / f"train-{method}-{lora}"
    config = TrainConfig(method, str(DATA_DIR / "wc"), str(data_file(tmp_path, method)),
                         f"lab-wc-{method}", str(workspace.root), max_steps=3, batch_size=4,
                         lora=lora, eval_problems=4)
    config.save(run_dir)
    out = entry.train(run_dir)
    steps = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [s["step"] for s in steps if "loss" in s] == [1, 2, 3]
    assert all(s["max_steps"] == 3 for s in steps)
    assert (out / "model.safetensors").is_file() and (out / "tokenizer.json").is_file()
    shards = list(workspace.inbox.glob(f"lab-wc-{method}_eval-greedy-*.parquet"))
    assert shards                                     # the evaluation lands as traces


@pytest.mark.parametrize("bad", [{"name": "x; rm -rf /"}, {"method": "ppo"},
                                 {"base_model": "/nowhere"}, {"data": "/no/such.jsonl"},
                                 {"learning_rate": 5.0}, {"eval_set": "../etc"}])
def test_bad_settings_are_refused(tmp_path, bad):
    good = dict(method="sft", base_model=str(DATA_DIR / "wc"),
                data=str(data_file(tmp_path, "sft")), name="ok", workspace=str(tmp_path))
    with pytest.raises(ValueError):
        TrainConfig(**{**good, **bad}).save(tmp_path / "run")
    assert not (tmp_path / "run" / "train.json").exists()
