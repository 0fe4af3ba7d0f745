"""Export -> import is lossless for everything the store holds, over generated workspaces:
labels of every kind from several labellers (imported and given on the Review page), meta of
any type, given and split steps, long solutions, problems scoped to their source (issue 27, 5)."""
import json
import random

import pytest

from synthqa.checks.steps import split_steps
from synthqa.export import export_file
from synthqa.ingest.commit import import_file
from synthqa.labels.fpr import human as fpr
from synthqa.labels.review import answer_label, first_error_label, verdict_labels
from synthqa.store import Store

LINE_CAP = 200_000    # SYNTHQA_MAX_LINE_BYTES in these tests: a long solution is 60% of it
REVIEWERS = ["ann", "bob", "Zoë"]


def _meta(rng: random.Random) -> dict | None:
    values = [1, 2.5, "x", None, True, [1, "a", None], {"k": {"deep": [1, 2]}}, "ünïcode \\(x\\)"]
    return rng.choice([None, {"id": rng.choice([7, "7", 7.5]), "v": rng.choice(values)}])


def _solution(rng: random.Random, i: int) -> dict:
    answer = rng.choice([str(i), str(i + 1)])
    if rng.random() < 0.5:
        return {"steps": [f"We have \\({i} + 1\\).", "So it is", f"\\[\\boxed{{{answer}}}\\]"]}
    return {"solution": f"First, {i} + 0 = {i}.\n\nThen {i} + 1 = {i + 1}.\n\n"
                        f"The answer is {answer}."}


def _label(rng: random.Random, n_steps: int | None) -> dict:
    kind = rng.choice(["first_error_step", "reasoning", "step_rating", "answer_correct"])
    label = {"kind": kind, "labeller": rng.choice(REVIEWERS),
             "at": f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:00:0{rng.randint(0, 9)}"}
    if kind == "first_error_step":
        label["value"] = rng.choice(["none", "-1", "0"] + (["1"] if n_steps else []))
    elif kind == "reasoning":
        label["value"] = rng.choice(["correct", "false_positive", "unsure"])
        label["note"] = rng.choice([None, "a note with <b>html</b>"])
    elif kind == "step_rating":
        label["value"], label["step"] = rng.choice(["-1", "0", "1"]), 0
    else:
        label["value"] = rng.choice(["true", "false"])
    return {k: v for k, v in label.items() if v is not None}


def _records(rng: random.Random) -> list[dict]:
    records = []
    for i in range(12):
        source, n = rng.choice(["gsm8k", "math"]), i % 6   # an id in two sources: scoped
        record = {"problem": f"[{source}] What is {n} + 1?", "problem_id": str(n),
                  "source": source, "gold_answer": str(n + 1),
                  "generator": rng.choice(["se", "wc"]),
                  "params": 1000, "temperature": 0.7, "level": "Level 3" if n % 2 else None,
                  "is_correct": rng.choice([None, True, False]), "meta": _meta(rng),
                  **_solution(rng, n)}
        n_steps = len(record["steps"]) if "steps" in record else None
        pick = rng.random()
        if pick < 0.3:      # one labeller's fields
            record.update(labeller=rng.choice(REVIEWERS), reasoning="false_positive",
                          first_error_step=rng.choice([-1, 0]), step_labels=(
                              [1, -1, None] if n_steps else None))
        elif pick < 0.7:    # several labellers' labels
            record["labels"] = [_label(rng, n_steps) for _ in range(rng.randint(1, 4))]
        records.append({k: v for k, v in record.items() if v is not None})
    records.append({"problem": "A long one?", "generator": "se", "gold_answer": "1",
                    "steps": ["x = 1. " * (LINE_CAP * 6 // 10 // 7), "The answer is 1."],
                    "labeller": "ann", "first_error_step": -1})
    return records


def _review(store: Store, rng: random.Random) -> None:
    """Labels given on the Review page: verdicts with notes, pits, answer overrides."""
    ids = store.df("SELECT trace_id FROM traces ORDER BY trace_id").trace_id.tolist()
    for trace_id in rng.sample(ids, 5):
        who = rng.choice(REVIEWERS)
        store.labels.add_many(verdict_labels(trace_id, who, "false_positive", None,
                                             note="odd", cannot_locate=True))
        store.labels.add_many([rng.choice([answer_label(trace_id, who, False, "wrong unit"),
                                           first_error_label(trace_id, who, 0)])])


def snapshot(store: Store) -> dict:
    queries = {
        "problems": "SELECT * FROM problems",
        "traces": "SELECT trace_id, problem_id, generator, run_id, sample_index, text, answer_raw,"
                  " source_is_correct, correct, n_tokens, tokens_estimated, meta::VARCHAR "
                  "FROM traces_effective",
        "steps": "SELECT trace_id, step_index, text, splitter FROM steps",
        "labels": "SELECT trace_id, step_index, kind, value, who, origin, labelled_at, note "
                  "FROM labels_by_reviewer",
        "generators": "SELECT name, params FROM generators",
        "runs": "SELECT run_id, generator, temperature FROM runs",
    }
    shot = {name: sorted(map(repr, store.df(sql).values.tolist()))
            for name, sql in queries.items()}
    shot["fpr"] = [fpr(store, g).describe() for g in store.df(
        "SELECT name FROM generators ORDER BY name").name]
    return shot


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_export_then_import_holds_everything_the_store_held(workspace, tmp_path, monkeypatch,
                                                           seed, suffix):
    monkeypatch.setenv("SYNTHQA_MAX_LINE_BYTES", str(LINE_CAP))
    rng = random.Random(seed)
    source = workspace.open_store()
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _records(rng)))
    first = import_file(source, path)
    assert first.ok, first.errors
    _review(source, rng)
    export_file(source, tmp_path / f"out{suffix}")
    before = snapshot(source)
    source.close()

    target = Store(tmp_path / "target.duckdb")
    again = import_file(target, tmp_path / f"out{suffix}")
    assert again.ok and not again.notes, (again.errors, again.notes)
    after = snapshot(target)
    for table in before:
        assert after[table] == before[table], table
    target.close()


def test_a_label_past_the_split_steps_is_named_and_the_export_reimports(store, tmp_path):
    """Without `steps` the file cannot say how many steps the solution has: the labels are
    checked once it is split, and a label past them is named, not stored."""
    record = {"problem": "What is 1 + 1?", "generator": "se", "gold_answer": "2",
              "solution": "Step 1: 1 + 1 = 2.\nStep 2: The answer is 2.", "labeller": "ann",
              "first_error_step": 7, "step_labels": [1, 1, -1, 1, 1]}
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(record) + "\n")
    result = import_file(store, path, name="in.jsonl")
    assert len(split_steps(record["solution"])[0]) == 2
    assert result.n_traces == 1 and result.notes == [
        f"in.jsonl:line 1: a {kind} label names step index {n}, past the trace's 2 steps; "
        "left out" for kind, n in [("first_error_step", 7), ("step_rating", 2),
                                   ("step_rating", 3), ("step_rating", 4)]]
    export_file(store, tmp_path / "out.jsonl")
    target = Store(tmp_path / "target.duckdb")
    assert import_file(target, tmp_path / "out.jsonl").ok
    assert snapshot(target)["labels"] == snapshot(store)["labels"]
    target.close()


def test_a_first_error_of_minus_one_in_labels_means_no_error(store, tmp_path):
    records = [{"problem": f"What is {i} + 1?", "generator": "se", "gold_answer": str(i + 1),
                "solution": f"The answer is {i + 1}.",
                "labels": [{"kind": "first_error_step", "value": "-1", "labeller": "ann"}]}
               for i in range(3)]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert import_file(store, path).ok
    estimate = fpr(store, "se")
    assert estimate.reviewed == 3 and estimate.rate == 0.0
    assert store.df("SELECT DISTINCT value FROM labels").value.tolist() == ["none"]


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_the_public_labelled_files_survive_export_and_import(store, tmp_path, suffix):
    from tests.conftest import shared_file

    for name in ("bigbench_mistake_multistep_arithmetic.jsonl",
                 "mr_gsm8k_Claude_eval_results.json"):
        assert import_file(store, shared_file(name)).ok
    export_file(store, tmp_path / f"out{suffix}")
    target = Store(tmp_path / "target.duckdb")
    again = import_file(target, tmp_path / f"out{suffix}")
    assert again.ok and not again.notes and snapshot(target) == snapshot(store)
    target.close()
