"""`python -m synthqa compare`: the SE vs WC page's matched-compute table on the command line."""
import json

import pytest

from synthqa.cli.main import main
from synthqa.labels.review import verdict_labels
from tests.toy import fill


@pytest.fixture
def toy(workspace, tmp_path):
    store = fill(workspace.open_store(), tmp_path)
    wc_correct = store.df("SELECT trace_id FROM traces_effective WHERE generator = 'wc' AND "
                          "correct ORDER BY trace_id")["trace_id"].tolist()
    store.labels.add_many(verdict_labels(wc_correct[0], "alice", "false_positive", 0))
    store.labels.add_many(verdict_labels(wc_correct[1], "alice", "correct", None))
    store.close()
    return workspace


def test_json_is_the_matched_point_with_both_fprs(toy, capsys):
    assert main(["compare", "--se", "se", "--wc", "wc", "--json"]) == 0
    point = json.loads(capsys.readouterr().out)
    assert (point["se"], point["wc"], point["k_se"], point["k_wc"]) == ("se", "wc", 1, 4)
    assert point["flops"] == pytest.approx(2 * 4e9 * 10 * 1 * 3)     # 2·P·tokens·k·problems
    assert point["coverage_se"] == pytest.approx(2 / 3)
    assert point["coverage_wc"] == pytest.approx(2 / 3)              # P1, P2 of 3 (tests/toy)
    assert point["diversity_wc"] == pytest.approx(1.0)               # (2 + 1 + 0) / 3
    assert point["fpr_wc"] == pytest.approx(0.5) and point["fpr_n_wc"] == 2
    low, high = point["fpr_wc_ci"]
    assert 0 < low < 0.5 < high < 1
    assert point["fpr_se"] is None and point["fpr_n_se"] == 0      # nobody reviewed SE


def test_the_table_names_both_sides_and_the_sample_ratio(toy, capsys):
    assert main(["compare", "--se", "se", "--wc", "wc"]) == 0
    out = capsys.readouterr().out
    assert "WC gets ≈ 4.0× the samples" in out and "3 shared problems" in out
    assert "0.500 [" in out and "— (no labels)" in out          # WC's FPR interval, SE none


def test_without_a_pair_it_asks_for_the_demo_and_names_what_exists(toy, capsys):
    assert main(["compare"]) == 1
    err = capsys.readouterr().err
    assert "lab-se" in err and "python -m synthqa demo" in err and "generators: se, wc" in err


def test_a_generator_compared_with_itself_is_refused(toy, capsys):
    assert main(["compare", "--se", "wc", "--wc", "wc"]) == 1
    assert "two different generators" in capsys.readouterr().err
