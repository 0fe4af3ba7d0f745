"""Hostile input is normal input: each bad record is named with file and line and skipped, the
rest imports, and no record is slow (issue 12, items 1 and 2)."""
import json
from synthqa.answers import extract_answer
from synthqa.cli import main
from synthqa.ingest import import_file
from synthqa.stepcheck import check_trace
from synthqa.steps import split_steps

GOOD = {"problem": "What is 2 + 2?", "generator": "g", "gold_answer": "4",
        "solution": "2 + 2 = 4\n#### 4"}


def _line(**changes) -> str:
    record = {**GOOD, **changes}
    return json.dumps(record)


BAD_LINES = {
    "sample_index 2^31": (_line(sample_index=2 ** 31), "sample_index"),
    "sample_index 2^63": (_line(sample_index=2 ** 63), "sample_index"),
    "n_tokens 10^20": (_line(n_tokens=10 ** 20), "n_tokens"),
    "negative n_tokens": (_line(n_tokens=-1), "n_tokens"),
    "negative params": (_line(params=-5), "params"),
    "negative sample_index": (_line(sample_index=-1), "sample_index"),
    "NaN temperature": ('{"problem": "p", "generator": "g", "solution": "s", '
                        '"temperature": NaN}', "NaN is not a JSON number"),
    "Infinity gold": ('{"problem": "p", "generator": "g", "solution": "s", '
                      '"gold_answer": Infinity}', "Infinity is not a JSON number"),
    "nested 100,000 deep": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "4,301-digit number": ('{"problem": "p", "generator": "g", "solution": "s", '
                           '"n_tokens": ' + "9" * 4301 + "}", "invalid JSON"),
    "lone surrogate": ('{"problem": "p \\ud800", "generator": "g", "solution": "s"}',
                       "surrogate"),
    "first error past the steps": (_line(first_error_step=5), "beyond the solution's 2 steps"),
}


def test_each_bad_record_is_named_and_the_rest_imports(tmp_path, capsys):
    path = tmp_path / "hostile.jsonl"
    names = list(BAD_LINES)
    lines = [_line(problem=f"good {i}?") for i in range(3)] + [BAD_LINES[n][0] for n in names]
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode())  # with a BOM
    code = main(["-q", "--workspace", str(tmp_path / "ws"), "import", str(path)])
    out = capsys.readouterr()
    assert code == 3 and "Traceback" not in out.err
    assert "3 records, 3 traces, 3 new" in out.out   # the BOM line's record is kept
    for n, name in enumerate(names, start=4):
        assert f"{path}:line {n}: " in out.err, name
        line = next(x for x in out.err.splitlines() if f":line {n}: " in x)
        assert BAD_LINES[name][1] in line, (name, line)


def test_a_json_array_with_a_deep_record_skips_only_it(store, tmp_path):
    path = tmp_path / "array.json"
    path.write_text("\ufeff[" + json.dumps(GOOD) + ",\n" + "[" * 100_000 + "]" * 100_000
                    + ",\n" + json.dumps({**GOOD, "problem": "What is 3 + 1?"}) + "]")
    result = import_file(store, path)
    assert result.n_traces == 2 and result.n_errors == 1
    assert result.errors == [f"{path}:line 2: invalid JSON: nested too deeply"]


def test_texts_that_were_slow_give_plain_results():
    """Each took seconds before (the times are in bench/hostile_records.py, not asserted)."""
    steps, _ = split_steps("x" + "\n" * 20_000 + "y")
    assert steps == ["x y"]  # two paragraphs, each too short to stand alone
    assert extract_answer("The answer is 5" + " \t" * 10_000 + ".") == ("5", "answer-is")
    assert check_trace(split_steps(". " * 20_000)[0]).first_failed is None
    tower = check_trace(["(((9^64)^64)^64)^64 = 1"])   # too large to check: not a verdict
    assert tower.first_failed is None and tower.steps[0].status == "none"
    huge = check_trace(["9" * 100_000 + " = 1"])       # past Python's int-to-text limit
    assert huge.first_failed is None


def test_a_step_longer_than_the_cap_is_kept_unchecked():
    from synthqa.stepcheck import MAX_STEP_CHARS

    long_step = "1 + 1 = 3 " * (MAX_STEP_CHARS // 10 + 1)
    check = check_trace([long_step, "2 + 2 = 5"])
    assert check.steps[0].status == "unchecked" and check.steps[1].status == "wrong"
