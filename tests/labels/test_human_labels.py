"""Every human label counts: imported first-error labels are reviews, adapters, round trips."""
import json

from synthqa.export import export_file
from synthqa.ingest.commit import import_file
from synthqa.labels.fpr import human as fpr
from synthqa.labels.review import reviewer_agreement, verdict_labels
from tests.conftest import shared_file

FIXTURES = __import__("pathlib").Path(__file__).parents[1] / "fixtures"


def _write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _trace(i, correct=True, first_error=None, labeller="ann", **extra):
    gold = "4"
    record = {"problem": f"What is {i} + 0 + 4 - {i}?", "generator": "gen", "gold_answer": gold,
              "steps": [f"{i} + 0 = {i}", f"{i} + 4 - {i} = 4", f"#### {gold if correct else 5}"],
              "labeller": labeller, **extra}
    if first_error is not None:
        record["first_error_step"] = first_error
    return record


def test_imported_first_error_labels_give_the_generator_a_human_fpr(store, tmp_path):
    records = [_trace(i, first_error=1 if i < 3 else -1) for i in range(10)]
    records += [_trace(10 + i, correct=False, first_error=2) for i in range(4)]
    import_file(store, _write(tmp_path / "labelled.jsonl", records))
    estimate = fpr(store, "gen")
    # 3 of the 10 answer-correct traces are flawed; wrong answers do not enter the FPR
    assert estimate.reviewed == 10 and abs(estimate.rate - 0.3) < 1e-9
    assert estimate.labellers == (("ann", 10),)
    assert estimate.describe().endswith(" · labels only, by ann (10)")


def test_a_review_page_verdict_and_an_imported_label_count_alike(store, tmp_path):
    import_file(store, _write(tmp_path / "a.jsonl", [_trace(i) for i in range(4)]))
    ids = store.df("SELECT trace_id FROM traces ORDER BY trace_id").trace_id.tolist()
    store.labels.add_many(verdict_labels(ids[0], "bob", "false_positive", 1))
    store.labels.add_many(verdict_labels(ids[1], "bob", "correct", None))
    import_file(store, _write(tmp_path / "b.jsonl", [_trace(2, first_error=-1)]))
    estimate = fpr(store, "gen")
    assert estimate.reviewed == 3 and abs(estimate.rate - 1 / 3) < 1e-9
    assert dict(estimate.labellers) == {"bob": 2, "ann": 1}


def test_kappa_between_an_imported_labeller_and_a_reviewer(store, tmp_path):
    import_file(store, _write(tmp_path / "a.jsonl",
                              [_trace(i, first_error=1 if i % 2 else -1) for i in range(6)]))
    for trace_id, value in store.df("""SELECT trace_id, value FROM labels
                                       WHERE kind = 'first_error_step'""").values:
        verdict = "correct" if value == "none" else "false_positive"
        store.labels.add_many(verdict_labels(trace_id, "bob", verdict, 1))
    (pair,) = reviewer_agreement(store, "gen")
    assert pair.reviewers == ("ann", "bob") and pair.overlap == 6 and pair.kappa == 1.0


def test_processbench_items_import_with_their_labels_and_answer_verdicts(store):
    result = import_file(store, FIXTURES / "processbench_sample.json")
    assert result.fmt == "processbench" and result.ok and result.n_traces == 3
    labels = dict(store.df("""SELECT t.meta->>'id', l.value FROM labels l JOIN traces t
                              USING (trace_id) WHERE l.kind = 'first_error_step'""").values)
    assert labels == {"gsm8k-0": "none", "gsm8k-1": "1", "math-7": "1"}
    assert set(store.df("SELECT source FROM problems").source) == {
        "processbench-gsm8k", "processbench-math"}
    # no gold answers: the file's final_answer_correct is the verdict the FPR uses
    estimate = fpr(store, "Qwen2-7B-Instruct")
    assert estimate.reviewed == 2 and estimate.rate == 0.5
    assert estimate.labellers == (("ProcessBench annotators", 2),)


def test_prm800k_first_minus_one_is_the_first_error(store):
    result = import_file(store, FIXTURES / "prm800k_sample.jsonl")
    assert result.fmt == "prm800k" and result.ok and result.n_traces == 2
    rows = store.df("""SELECT l.who, l.value, t.n_steps, t.meta->>'quality_control' AS qc
                       FROM labels l JOIN traces t USING (trace_id)
                       WHERE l.kind = 'first_error_step' ORDER BY l.who""")
    assert rows.values.tolist() == [
        ["340d89bc-f5b7-45e9-b272-909ba68ee363", "none", 3, "false"],
        ["e90a38f3-3135-4465-87af-3e6322e3d772", "1", 2, "true"]]
    ratings = store.df("""SELECT step_index, value FROM labels WHERE kind = 'step_rating'
                          AND who LIKE 'e90a%' ORDER BY step_index""").value.tolist()
    assert ratings == ["0", "-1"]
    steps = store.df("SELECT text FROM steps ORDER BY trace_id, step_index").text.tolist()
    assert "Then $12 + 1 = 14$." in steps  # the rated -1 completion, where labelling stopped


def test_export_then_import_keeps_ids_verdicts_meta_and_labels(workspace, tmp_path):
    from synthqa.store import Store

    source = workspace.open_store()
    records = [_trace(i, first_error=1 if i == 0 else -1, is_correct=i != 3,
                      meta={"uid": f"u{i}", "nested": {"k": [1, 2]}}) for i in range(4)]
    import_file(source, _write(tmp_path / "in.jsonl", records))
    first = source.df("SELECT trace_id FROM traces ORDER BY trace_id").trace_id[0]
    source.labels.add_many(verdict_labels(first, "bob", "unsure", None))
    export_file(source, tmp_path / "out.jsonl")

    def snapshot(store):
        return (store.df("SELECT trace_id, problem_id, source_is_correct, meta::VARCHAR AS m "
                         "FROM traces ORDER BY trace_id").values.tolist(),
                store.df("SELECT trace_id, kind, value, who FROM labels_latest "
                         "ORDER BY ALL").values.tolist(),
                fpr(store, "gen").rate)
    before = snapshot(source)
    source.close()
    target = Store(tmp_path / "target.duckdb")
    assert import_file(target, tmp_path / "out.jsonl").ok
    assert snapshot(target) == before
    target.close()


def test_the_public_labelled_files_give_human_fprs(store):
    import_file(store, shared_file("bigbench_mistake_multistep_arithmetic.jsonl"))
    import_file(store, shared_file("mr_gsm8k_Claude_eval_results.json"))
    bigbench, mr = fpr(store, "palm-2-l"), fpr(store, "mr-gsm8k-model")
    assert bigbench.reviewed == 45 and bigbench.labellers[0][0] == "BIG-Bench Mistake annotators"
    # MR-GSM8K holds only process-wrong solutions: each answer-correct one is a false positive
    assert mr.rate == 1.0 and mr.reviewed == store.scalar(
        "SELECT count(*) FROM traces_effective WHERE generator = 'mr-gsm8k-model' AND correct")


def test_quality_control_mixes_gold_traces_in_and_measures_each_reviewer(store, tmp_path):
    import random

    from synthqa.labels.review import QualityControl, ReviewQueue

    import_file(store, _write(tmp_path / "gold.jsonl",
                              [_trace(i, first_error=1 if i < 2 else -1, labeller="expert")
                               for i in range(4)]))
    import_file(store, _write(tmp_path / "rest.jsonl", [_trace(10 + i) for i in range(20)]))
    gold = set(store.df("SELECT trace_id FROM labels WHERE who = 'expert'").trace_id)
    queue, qc = ReviewQueue(), QualityControl("expert", 1.0)
    queue._rng = random.Random(0)
    seen = []
    for _ in range(4):  # rate 1: every trace handed out is a gold one, until none is left
        trace = queue.next_trace(store, "gen", "bob", "random sample", qc=qc)
        seen.append(trace)
        is_flawed = store.scalar("SELECT value FROM labels WHERE trace_id = ? AND "
                                 "who = 'expert'", [trace]) != "none"
        # bob agrees with the expert on the first three and not on the fourth
        verdict = "false_positive" if is_flawed != (len(seen) == 4) else "correct"
        store.labels.add_many(verdict_labels(trace, "bob", verdict, 1))
    assert set(seen) == gold
    assert queue.next_trace(store, "gen", "bob", "random sample", qc=qc) not in gold
    (row,) = qc.accuracy(reviewer_agreement(store, "gen"))
    assert row["reviewer"] == "bob" and row["quality-control items"] == 4
    assert row["accuracy"] == 0.75
    off = QualityControl("expert", 0.0)
    assert not off.draw(random.Random(0))
