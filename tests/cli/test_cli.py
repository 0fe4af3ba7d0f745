import json
import subprocess
import sys

import pytest

from synthqa.cli.main import main, make_parser
from tests.conftest import EXAMPLE, REPO


def run(*args):
    return subprocess.run([sys.executable, "-m", "synthqa", "-q", *args], cwd=REPO,
                          capture_output=True, text=True)


@pytest.mark.parametrize("command", ["init", "import", "verify", "stats", "export"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    assert "usage: python -m synthqa " + command in capsys.readouterr().out


def test_import_exit_codes(tmp_path):
    ws = str(tmp_path / "ws")
    assert run("--workspace", ws, "import", str(EXAMPLE)).returncode == 0
    partial = tmp_path / "partial.jsonl"
    partial.write_text('{"problem": "1+1?", "generator": "g", "solution": "2"}\n{"oops"\n')
    out = run("--workspace", ws, "import", str(partial))
    assert out.returncode == 3 and f"{partial}:line 2: invalid JSON" in out.stderr
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert run("--workspace", ws, "import", str(empty)).returncode == 1
    missing = run("--workspace", ws, "import", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 1 and "no such file" in missing.stderr
    assert run("--workspace", ws, "import", "--format", "csv", str(EXAMPLE)).returncode == 2


def test_stats_prints_traces_accuracy_and_suspects_per_generator(tmp_path, capsys):
    ws = str(tmp_path / "ws")
    assert main(["-q", "--workspace", ws, "import", str(EXAMPLE)]) == 0
    capsys.readouterr()
    assert main(["--workspace", ws, "stats"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["generator", "params", "traces", "accuracy", "suspects",
                                "labelled", "fpr", "fpr_ci", "fpr_n", "fpr_method", "fpr_by",
                                "judge", "judge_auroc"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:3]}
    assert rows["wc-2b"][:9] == ["2B", "3", "1.000", "1", "1", "1.000", "0.069-1.000", "1",
                                 "labels"]
    assert rows["se-16b"] == ["16B", "2", "0.500", "0", "2", "-", "-", "0", "-", "-", "-", "-"]
    assert main(["--workspace", ws, "stats", "--json"]) == 0
    wc = [json.loads(line) for line in capsys.readouterr().out.splitlines()][1]
    assert (wc["generator"], wc["traces"], wc["fpr"], wc["fpr_n"], wc["fpr_by"]) == (
        "wc-2b", 3, 1.0, 1, "alice (1)")


def test_workspace_comes_from_synthqa_home(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SYNTHQA_HOME", str(tmp_path / "home"))
    assert main(["init"]) == 0
    assert (tmp_path / "home" / "synthqa.duckdb").is_file()
    assert (tmp_path / "home" / "inbox").is_dir() and (tmp_path / "home" / "runs").is_dir()


def test_export_round_trips_traces_and_labels(tmp_path, capsys):
    first, second = str(tmp_path / "a"), str(tmp_path / "b")
    main(["-q", "--workspace", first, "import", str(EXAMPLE)])
    for out in (tmp_path / "x.jsonl", tmp_path / "x.parquet"):
        assert main(["--workspace", first, "export", str(out)]) == 0
    records = [json.loads(line) for line in (tmp_path / "x.jsonl").read_text().splitlines()]
    assert len(records) == 5 and sum(r.get("first_error_step") == 0 for r in records) == 2
    assert main(["-q", "--workspace", second, "import", str(tmp_path / "x.parquet")]) == 0
    capsys.readouterr()
    main(["--workspace", second, "stats"])
    exported_stats = capsys.readouterr().out
    main(["--workspace", first, "stats"])
    assert capsys.readouterr().out == exported_stats


def test_verify_rechecks_with_the_current_verifier(tmp_path, capsys):
    ws = str(tmp_path / "ws")
    main(["-q", "--workspace", ws, "import", str(EXAMPLE)])
    assert main(["-q", "--workspace", ws, "verify", "--all"]) == 0
    assert "checked 5 answers and the steps of 5 traces" in capsys.readouterr().out


def test_parser_lists_every_format():
    help_text = make_parser()._subparsers._group_actions[0].choices["import"].format_help()
    for fmt in ("generic", "gsm8k-openai", "mr-gsm8k", "bigbench-mistake"):
        assert fmt in help_text


def test_verify_rechecks_steps_checked_by_an_older_checker(tmp_path, capsys):
    from synthqa.store import Store

    ws = tmp_path / "ws"
    main(["-q", "--workspace", str(ws), "import", str(EXAMPLE)])
    store = Store(ws / "synthqa.duckdb")
    with store.transaction() as cur:  # pretend an old checker missed the static error
        cur.execute("UPDATE traces SET first_failed_step = NULL, error_kind = NULL, "
                    "step_checker = 'synthqa-stepcheck 0'")
        cur.execute("UPDATE steps SET check_status = 'ok', error_kind = NULL")
    store.close()
    assert main(["-q", "--workspace", str(ws), "verify"]) == 0
    store = Store(ws / "synthqa.duckdb")
    assert store.scalar("SELECT count(*) FROM traces_effective WHERE suspect") == 1
    assert store.scalar("SELECT count(*) FROM steps WHERE check_status = 'wrong'") == 2
    store.close()


def test_export_labelled_set_and_trl_prm_format(tmp_path, capsys):
    ws = str(tmp_path / "ws")
    main(["-q", "--workspace", ws, "import", str(EXAMPLE)])
    assert main(["--workspace", ws, "export", str(tmp_path / "l.jsonl"), "--labelled"]) == 0
    labelled = [json.loads(x) for x in (tmp_path / "l.jsonl").read_text().splitlines()]
    assert len(labelled) == 3  # two first-error labels and one set of step ratings
    assert main(["--workspace", ws, "export", str(tmp_path / "prm.jsonl"), "--format",
                 "prm"]) == 0
    prm = [json.loads(x) for x in (tmp_path / "prm.jsonl").read_text().splitlines()]
    assert sorted(len(r["completions"]) for r in prm) == [1, 1]
    assert all(r["labels"] == [False] for r in prm)  # both first errors are at step 0
    assert set(prm[0]) == {"prompt", "completions", "labels"}
