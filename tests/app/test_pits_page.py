"""AppTest for the step-values page on the toy workspace with scripted rollouts."""
import pytest
from streamlit.testing.v1 import AppTest

from synthqa.review import first_error_label
from tests.conftest import REPO
from tests.toy import add_scripted_pits, fill

@pytest.fixture
def with_pits(store, workspace, tmp_path):
    fill(store, tmp_path)
    wrong = add_scripted_pits(store, workspace)
    store.add_label(first_error_label(wrong["trace_id"].iloc[0], "alice", 0))
    return store, wrong


def open_pits() -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/pits.py")
    return at.run()


def test_pits_meet_human_labels_in_a_table(with_pits):
    at = open_pits()
    assert not at.exception
    agreement = at.dataframe[0].value
    row = agreement.set_index("reference").loc["human first-error labels"]
    assert row["traces"] == 1 and row["exact"] == 1.0       # pit after step 1 = alice's step 1
    text = " ".join(m.value for m in at.markdown)
    assert "first pit" in text
    download = at.get("download_button")[0]
    assert "Download 2 step-dpo examples" in download.proto.label


def test_a_reviewer_accepts_a_pit_as_a_human_label(with_pits):
    store, wrong = with_pits
    at = open_pits()
    other = wrong["trace_id"].iloc[1]
    at.selectbox(key="pit_trace").set_value(other).run()
    at.text_input(key="reviewer_name").input("bob")
    at.button[-1].click().run()                              # Start reviewing
    accept = next(b for b in at.button if b.label == "Accept the pit")
    accept.click().run()
    labels = store.labels_for(other)
    assert labels[["kind", "value", "who"]].values.tolist() == [["first_error_step", "0", "bob"]]
    assert "from MC pit (scripted, exhaustive)" == labels["note"].iloc[0]
