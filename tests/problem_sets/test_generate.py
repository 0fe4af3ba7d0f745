"""Synthetic problems from seeds: the lab writer, gold answers, contamination checks, and the
training sets that leave contaminated problems out."""
import json

import pandas as pd
import pytest

from synthqa.cli.main import main
from synthqa.ingest.commit import import_file
from synthqa.lab.problems import make_problems, problem_from_text
from synthqa.problem_sets import contamination
from synthqa.problem_sets import generate as synthetic
from synthqa.sampling.base import Completion
from synthqa.train import pairs

TEST_SET = [  # GSM8K-style test problems written for this test
    "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips "
    "in May. How many clips did Natalia sell altogether in April and May?",
    "Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of "
    "babysitting. How much did she earn?",
    "James writes a 3-page letter to 2 different friends twice a week. How many pages does he "
    "write a year?",
]
COPY = ("A new one: Natalia sold clips to 48 of her friends in April, and then she sold half "
        "as many clips in May. How many clips did Natalia sell altogether in April and May?")
PARAPHRASE = ("James writes a 3-page letter to 2 different friends twice a week. How many "
              "pages does James write in a year?")
FRESH = "A farmer has 17 cows and buys 5 more each month. How many cows after 6 months?"


def _source(store, name, texts, gold=None):
    return synthetic.add_set(store, name, [synthetic.NewProblem(t, gold, "writer")
                                           for t in texts], "test", "none")


def test_a_copied_test_problem_is_flagged_and_a_fresh_one_is_not(store):
    _source(store, "gsm-test", TEST_SET)
    _source(store, "generated", [COPY, PARAPHRASE, FRESH])
    checks, notes = synthetic.check_set(store, "generated", ["gsm-test"])
    by_text = dict(zip(store.problem_sets.of_source("generated")["problem_id"],
                       store.problem_sets.of_source("generated")["text"]))
    flagged = {by_text[p]: c for p, c in zip(checks["problem_id"], checks["contaminated"])}
    assert flagged[COPY] and flagged[PARAPHRASE] and not flagged[FRESH]
    rows = checks.set_index(checks["problem_id"].map(by_text))
    assert rows.loc[COPY, "ngram_overlap"] > 0.5          # 13-grams of the copied sentence
    assert rows.loc[PARAPHRASE, "nn_similarity"] >= contamination.SIMILAR  # caught by meaning
    assert rows.loc[FRESH, "ngram_overlap"] == 0 and not notes


def test_short_chains_compare_whole_and_embeddings_that_cannot_separate_them_do_not_flag(store):
    tests = [p.text for p in make_problems(50, seed=3)]
    _source(store, "lab-test", tests)
    fresh = next(p.text for p in make_problems(400, seed=9, ops=(4, 4), digits=(2, 2))
                 if p.text not in tests)
    _source(store, "generated", [tests[0], fresh])
    checks, notes = synthetic.check_set(store, "generated", ["lab-test"])
    flags = dict(zip(checks["problem_id"].map(dict(zip(
        store.problem_sets.of_source("generated")["problem_id"],
        store.problem_sets.of_source("generated")["text"]))), checks["contaminated"]))
    assert flags == {tests[0]: True, fresh: False}
    assert notes and "only 13-gram overlap flags" in notes[0]


def test_ngrams_are_13_tokens_and_short_texts_are_one_gram():
    assert contamination.tokens("12+7*3") == ["12", "+", "7", "*", "3"]
    assert contamination.ngrams("12+7*3") == {("12", "+", "7", "*", "3")}
    assert len(contamination.ngrams(" ".join("x" * i for i in range(1, 21)))) == 20 - 13 + 1


def test_near_duplicates_inside_a_set_point_at_the_first():
    texts = [TEST_SET[0], FRESH, TEST_SET[0].replace("Natalia", "Maria"), FRESH]
    assert contamination.near_duplicates(texts) == [None, None, 0, 1]


def test_the_chain_writer_follows_the_seeds_shape_and_knows_the_answers():
    seeds = [p.text for p in make_problems(100, seed=1, ops=(2, 2), digits=(1, 1))]
    written = synthetic.ChainWriter([*seeds, "not a chain"]).write(50, seed=4)
    for p in written:
        chain = problem_from_text(p.text)
        assert chain.n_ops == 2 and chain.digits == 1 and p.gold == str(chain.answer)
        assert p.gold_method == "writer"
    with pytest.raises(ValueError):
        synthetic.ChainWriter(["What is 2 + 2?"])


class Voters:
    """A scripted SE model: per prompt, answers in the given order."""
    name = "voters"

    def __init__(self, answers):
        self.answers = answers

    def complete(self, prompts, spec, n, seed):
        return [[Completion(f"#### {a}", 2) for a in self.answers[p][:n]] for p in prompts]


def test_majority_gold_needs_more_than_half_the_votes():
    spec = synthetic.SamplingSpec(prompt_template="{problem}")
    voters = Voters({"A": ["4", "4", "5"], "B": ["1", "2", "3"]})
    a, b = synthetic.majority_gold(voters, ["A", "B"], spec, 3)
    assert (a.gold, a.gold_method) == ("4", "majority of voters ×3 (agreement 0.67)")
    assert b.gold is None and b.gold_method.startswith("none")


def test_contaminated_problems_are_left_out_of_training_sets(store, tmp_path):
    _source(store, "gsm-test", TEST_SET)
    _source(store, "generated", [COPY, FRESH], gold="7")
    ids = store.problem_sets.of_source("generated").set_index("text")["problem_id"]
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps({
        "problem_id": ids[text], "problem": text, "source": "generated", "gold_answer": "7",
        "generator": "g", "solution": "3 + 4 = 7\n#### 7"}) + "\n" for text in (COPY, FRESH)))
    assert import_file(store, path).n_errors == 0
    synthetic.check_set(store, "generated", ["gsm-test"])
    kept = pairs.build(store, pairs.PairChoices(kind="sft"))
    assert [r["prompt"] for r in kept] == [FRESH + "\n"]
    everything = pairs.build(store, pairs.PairChoices(kind="sft", exclude_contaminated=False))
    assert len(everything) == 2


def test_the_cli_generates_checks_and_lists_a_lab_set(workspace, capsys):
    store = workspace.open_store()
    _source(store, "lab", [p.text for p in make_problems(60, seed=5)])
    store.close()
    assert main(["problems", "generate", "--name", "syn", "--seeds", "lab", "-n", "80"]) == 0
    assert "80 problems written by lab chain writer" in capsys.readouterr().out
    assert main(["problems", "check", "--set", "syn", "--against", "lab"]) == 0
    out = capsys.readouterr().out
    assert "80 problems checked against lab" in out and "note:" in out
    assert main(["problems", "list", "--set", "syn", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 80 and all(r["gold_method"] == "writer" for r in rows)
    copied = [r for r in rows if r["contaminated"]]
    assert all(r["text"] == r["ngram_match"] for r in copied)   # short chains: exact copies
    assert main(["problems", "list"]) == 0
    sources = pd.read_fwf(__import__("io").StringIO(capsys.readouterr().out))
    assert set(sources["source"]) == {"lab", "syn"}
