"""A trained model's held-out scores from the store: greedy accuracy, pass@k and maj@k."""
import json

import pytest

from synthqa.ingest.commit import import_file
from synthqa.train.common import TrainConfig
from synthqa.train.launch import held_out_scores

# problem -> (greedy answer, the k = 3 sampled answers); every gold answer is 1; None: the
# solution gives no answer at all
OUTCOMES = {"A": ("1", ["1", "1", "2"]), "B": ("2", ["2", "2", "1"]), "C": (None, ["3", "4", "5"])}


def test_greedy_accuracy_pass_at_k_and_majority_at_k(store, tmp_path):
    path = tmp_path / "eval.jsonl"
    rows = [(p, "m", g) for p, (g, _) in OUTCOMES.items()] + \
        [(p, "m:k3", a) for p, (_, s) in OUTCOMES.items() for a in s]
    path.write_text("".join(json.dumps({"problem_id": p, "problem": f"Problem {p}",
                                        "gold_answer": "1", "generator": gen,
                                        "solution": "I do not know." if a is None else
                                        f"So the answer is {a}.\n#### {a}"}) + "\n"
                            for p, gen, a in rows))
    assert import_file(store, path).n_errors == 0
    config = TrainConfig("sft", "/m", "/d", "m", "/w", eval_samples=3)
    scores = held_out_scores(store, config)
    assert scores["greedy"] == pytest.approx(1 / 3)             # A only; C's counts as wrong
    assert scores["pass@3"] == pytest.approx(2 / 3)             # A and B have a right sample
    assert scores["maj@3"] == pytest.approx(1 / 3)              # A's majority is right, B's not
