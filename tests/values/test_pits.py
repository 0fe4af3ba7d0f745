import pandas as pd
import pytest

from synthqa.values.pits import confusion_by_position, human_pairs, lab_pairs, pit_agreement


def test_agreement_counts_exact_and_off_by_one():
    a = pit_agreement([(2, 2), (3, 2), (0, 2), (None, 1), (1, None)])
    assert a["traces"] == 3
    assert a["exact"] == pytest.approx(1 / 3) and a["within_1"] == pytest.approx(2 / 3)
    assert a["mean_offset"] == pytest.approx((0 + 1 - 2) / 3)


def test_confusion_is_by_one_based_position():
    frame = confusion_by_position([(2, 2), (2, 2), (0, 1)])
    assert frame.set_index(["reference step", "pit step"])["traces"].to_dict() == {
        (3, 3): 2, (2, 1): 1}


def test_human_labels_none_are_not_first_errors():
    pits = pd.DataFrame({"pit_step": [1, 2, 0], "human_first_error": ["1", "none", None]})
    assert human_pairs(pits) == [(1, 1)]


def test_lab_pairs_use_the_exact_first_wrong_step():
    traces = pd.DataFrame({"trace_id": ["a", "b"], "problem": ["2+3*4", "5-1"],
                           "steps": [["2+3=5", "5*4=21", "#### 21"], ["5-1=3", "#### 3"]]})
    pits = pd.DataFrame({"trace_id": ["a", "b"], "pit_step": [1, 1]})
    assert lab_pairs(pits, traces) == [(1, 1), (1, 0)]
