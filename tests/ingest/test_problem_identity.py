"""A problem id a file gives is scoped to its source: a reused id never puts one file's traces
under another file's problem (issue 27, item 1)."""
import json

from synthqa.ingest.commit import import_file


def _write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _record(source, problem, gold, solution, generator, problem_id="p1"):
    return {"problem_id": problem_id, "source": source, "problem": problem,
            "gold_answer": gold, "solution": solution, "generator": generator}


def _accuracy(store, generator):
    return store.scalar("SELECT avg(correct::INT) FROM traces_effective WHERE generator = ?",
                        [generator])


def test_another_source_reusing_an_id_keeps_its_own_problem(store, tmp_path):
    first = _write(tmp_path / "a.jsonl", [
        _record("alpha", "What is 2 + 3?", "5", "2 + 3 = 5. The answer is 5.", "gen-a")])
    second = _write(tmp_path / "b.jsonl", [
        _record("beta", "What is 10 * 4?", "40", "10 * 4 = 40. The answer is 40.", "gen-b"),
        _record("beta", "What is 10 * 4?", "40", "10 * 4 = 40, so 40.", "gen-b")])
    assert import_file(store, first).ok
    result = import_file(store, second)

    assert result.n_errors == 0 and result.n_traces_new == 2
    assert "b.jsonl:line 1" in result.notes[0] and "'beta:p1'" in result.notes[0]
    shown = store.df("SELECT p.problem_id, p.source, p.text FROM traces t "
                     "JOIN problems p USING (problem_id) WHERE t.generator = 'gen-b'")
    assert set(shown["problem_id"]) == {"beta:p1"} and set(shown["source"]) == {"beta"}
    assert set(shown["text"]) == {"What is 10 * 4?"}
    assert _accuracy(store, "gen-b") == 1.0 and _accuracy(store, "gen-a") == 1.0
    assert store.scalar("SELECT text FROM problems WHERE problem_id = 'p1'") == "What is 2 + 3?"

    # more traces of beta's problem, in a later file, join it (not a third problem)
    third = _write(tmp_path / "c.jsonl", [
        _record("beta", "What is 10 * 4?", "40", "Forty: 40.", "gen-c")])
    assert import_file(store, third).n_traces_new == 1
    assert store.scalar("SELECT problem_id FROM traces WHERE generator = 'gen-c'") == "beta:p1"
    assert store.count("problems") == 2


def test_the_same_source_and_id_with_another_text_is_named_and_left_out(store, tmp_path):
    import_file(store, _write(tmp_path / "a.jsonl", [
        _record("alpha", "What is 2 + 3?", "5", "The answer is 5.", "gen-a")]))
    result = import_file(store, _write(tmp_path / "b.jsonl", [
        _record("alpha", "What is 7 - 1?", "6", "The answer is 6.", "gen-b"),
        _record("alpha", "What is 9 - 1?", "8", "The answer is 8.", "gen-b", "p2")]))

    assert result.n_errors == 1 and "b.jsonl:line 1" in result.errors[0]
    assert "'p1'" in result.errors[0] and "1 trace(s) were not imported" in result.errors[0]
    assert result.n_traces_new == 1
    assert store.df("SELECT problem_id FROM traces WHERE generator = 'gen-b'")[
        "problem_id"].tolist() == ["p2"]
    assert store.count("steps") == store.scalar("SELECT sum(n_steps) FROM traces")


def test_collisions_inside_one_file(store, tmp_path):
    result = import_file(store, _write(tmp_path / "mixed.jsonl", [
        _record("alpha", "What is 2 + 3?", "5", "The answer is 5.", "g"),
        _record("beta", "What is 10 * 4?", "40", "The answer is 40.", "g"),
        _record("alpha", "What is 6 + 6?", "12", "The answer is 12.", "g"),
        _record("alpha", "What is 2 + 3?", "5", "So 5.", "g")]))

    assert result.n_errors == 1 and "mixed.jsonl:line 3:" in result.errors[0]
    assert "at line 1" in result.errors[0]
    assert len(result.notes) == 1 and "mixed.jsonl:line 2" in result.notes[0]
    rows = store.df("SELECT problem_id, text FROM problems ORDER BY problem_id")
    assert rows.values.tolist() == [["beta:p1", "What is 10 * 4?"], ["p1", "What is 2 + 3?"]]
    assert _accuracy(store, "g") == 1.0 and store.count("traces") == 3
