"""The three public labelled files import with their counts and their human labels."""
import json

from synthqa.ingest.commit import import_file
from synthqa.judges.evaluate import first_error_agreement
from tests.conftest import shared_file


def test_openai_gsm8k_imports_1319_problems_by_4_generators(store):
    path = shared_file("gsm8k_example_model_solutions.jsonl")
    result = import_file(store, path)
    assert result.fmt == "gsm8k-openai" and result.ok
    assert store.count("problems") == 1319 and store.count("traces") == 4 * 1319
    params = dict(store.df("SELECT name, params FROM generators").values.tolist())
    assert params["6b_finetuning"] == 6e9 and params["175b_verification"] == 175e9


def test_openai_gsm8k_verdicts_agree_with_the_file(store):
    import_file(store, shared_file("gsm8k_example_model_solutions.jsonl"))
    agree = store.scalar("SELECT avg(CASE WHEN is_correct = source_is_correct THEN 1.0 ELSE 0 END)"
                         " FROM traces")
    assert agree >= 0.99
    accuracy = dict(store.df("SELECT generator, avg(is_correct::INT) FROM traces GROUP BY 1")
                    .values.tolist())
    assert round(accuracy["6b_finetuning"], 3) == 0.217  # the README's figures
    assert round(accuracy["175b_verification"], 3) == 0.563


def test_mr_gsm8k_first_error_is_stored_0_based(store):
    path = shared_file("mr_gsm8k_Claude_eval_results.json")
    assert import_file(store, path).n_traces == 326
    first = json.loads(path.read_text())[0]
    row = store.df("""SELECT l.value, l.who, l.note, t.n_steps FROM labels l JOIN traces t
                      USING (trace_id) WHERE t.text LIKE ?""",
                   [first["model_output_steps"][0] + "%"]).iloc[0]
    assert int(row.value) == first["model_output_solution_first_error_step"] - 1
    assert row.n_steps == len(first["model_output_steps"]) and row.who == "MR-GSM8K annotators"
    assert row.note == first["model_output_solution_first_error_reason"]
    # The file marks 9 answers correct. The verifier agrees on 8; the 9th is a program-of-thought
    # solution whose answer is what its program prints, which SynthQA does not execute.
    assert store.scalar("SELECT count(*) FROM traces WHERE is_correct AND source_is_correct") == 8


def test_bigbench_mistake_keeps_0_based_index_and_none(store):
    path = shared_file("bigbench_mistake_multistep_arithmetic.jsonl")
    assert import_file(store, path).n_traces == 300
    values = store.df("SELECT value FROM labels WHERE kind = 'first_error_step'").value
    assert (values == "none").sum() == 62 and len(values) == 300
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    expected = sorted(str(r["mistake_index"]) for r in rows if r["mistake_index"] is not None)
    assert sorted(values[values != "none"]) == expected


def test_step_checks_find_most_human_first_errors_in_bigbench_mistake(store):
    import_file(store, shared_file("bigbench_mistake_multistep_arithmetic.jsonl"))
    agreement = first_error_agreement(store.labels.step_check_vs_human()["bigbench-mistake"])
    assert agreement["precision"] > 0.9 and agreement["recall"] > 0.9


def test_each_public_file_reimports_as_a_no_op(store):
    for name in ("gsm8k_example_model_solutions.jsonl", "mr_gsm8k_Claude_eval_results.json",
                 "bigbench_mistake_multistep_arithmetic.jsonl"):
        import_file(store, shared_file(name))
    before = store.count("traces"), store.count("labels")
    for name in ("gsm8k_example_model_solutions.jsonl", "mr_gsm8k_Claude_eval_results.json"):
        assert import_file(store, shared_file(name)).skipped
    assert (store.count("traces"), store.count("labels")) == before == (5902, 626)
