"""Training sets on the toy workspace (tests/toy.py) with scripted pits."""
import json

import pandas as pd
import pytest

from synthqa.labels.review import verdict_labels
from synthqa.train.pairs import PairChoices, build, export
from tests.toy import add_scripted_pits, fill


@pytest.fixture
def toy(store, workspace, tmp_path):
    fill(store, tmp_path)
    add_scripted_pits(store, workspace)
    return store


def test_sft_keeps_correct_traces_and_drops_flagged_false_positives(toy):
    assert len(build(toy, PairChoices("sft", generator="wc"))) == 4
    flagged = toy.scalar("SELECT trace_id FROM traces_effective WHERE generator = 'wc' AND "
                         "correct ORDER BY trace_id")
    toy.labels.add_many(verdict_labels(flagged, "alice", "false_positive", 0))
    rows = build(toy, PairChoices("sft", generator="wc"))
    assert len(rows) == 3 and set(rows[0]) == {"prompt", "completion"}
    assert rows[0]["prompt"].startswith("Problem P") and rows[0]["prompt"].endswith("\n")


def test_rft_keeps_one_solution_per_distinct_reasoning(toy):
    rows = build(toy, PairChoices("rft", generator="wc"))
    assert len(rows) == 3          # P1: 20+6 (twice) and 13*2; P2: 5*2


def test_step_dpo_cuts_the_negative_at_and_including_the_pit(toy):
    rows = build(toy, PairChoices("step-dpo", policy="scripted"))
    assert len(rows) == 2
    for row in rows:
        assert row["prompt"] == "Problem P2\n"
        assert row["chosen"].endswith("#### 10")                    # a correct solution
        assert row["rejected"] == "We compute 5 * 3 = <<5*3=15>>15."  # up to the pit, step 1


def test_self_explore_takes_the_shortest_correct_rollout_before_the_pit(toy):
    rows = build(toy, PairChoices("self-explore", policy="scripted"))
    assert rows and all(r["prompt"] == "Problem P2\n" for r in rows)   # pit at the first step
    assert {r["chosen"] for r in rows} == {"#### 10"}
    assert {r["rejected"] for r in rows} == {"We compute 5 * 3 = <<5*3=15>>15.\n"}


def test_dpo_pairs_each_wrong_trace_with_a_correct_one_of_its_problem(toy):
    rows = build(toy, PairChoices("dpo", generator="wc"))
    assert len(rows) == 1 + 3      # P1 has 1 wrong, P2 3 wrong; P3 has no correct solution
    assert all(r["chosen"] != r["rejected"] for r in rows)


def test_export_writes_trl_jsonl_and_records_the_choices(toy, tmp_path):
    out = tmp_path / "pairs.jsonl"
    assert export(toy, PairChoices("step-dpo", policy="scripted"), out) == 2
    frame = pd.read_json(out, lines=True)
    assert list(frame.columns) == ["prompt", "chosen", "rejected"]
    manifest = json.loads((tmp_path / "pairs.jsonl.manifest.json").read_text())
    assert manifest["choices"]["kind"] == "step-dpo" and manifest["examples"] == 2


def test_per_step_kinds_need_a_policy():
    with pytest.raises(ValueError, match="needs the rollout policy"):
        PairChoices("step-dpo").validate()


def test_a_fraction_of_the_set_is_a_seeded_sample(toy, tmp_path):
    full = export(toy, PairChoices("sft"), tmp_path / "all.jsonl")
    half = export(toy, PairChoices("sft"), tmp_path / "half.jsonl", fraction=0.5)
    assert half == round(full / 2)
    again = export(toy, PairChoices("sft"), tmp_path / "again.jsonl", fraction=0.5)
    assert (tmp_path / "half.jsonl").read_text() == (tmp_path / "again.jsonl").read_text()
    manifest = json.loads((tmp_path / "half.jsonl.manifest.json").read_text())
    assert manifest["fraction"] == 0.5 and manifest["examples"] == half == again
