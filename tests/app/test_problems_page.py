"""AppTest for the Problems page: generate a set from lab seeds, check it against the lab test
problems, see which problems are contaminated and why."""
from streamlit.testing.v1 import AppTest

from synthqa.lab.problems import make_problems
from synthqa.problem_sets import generate as synthetic
from tests.conftest import REPO


def _page(store):
    seeds = [synthetic.NewProblem(p.text, str(p.answer), "writer") for p in
             make_problems(40, seed=2, ops=(1, 2), digits=(1, 1))]
    synthetic.add_set(store, "lab", seeds, "test", "none")
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/problems.py")
    return at.run()


def test_generate_then_check_flags_copies_of_the_test_problems(store):
    at = _page(store)
    at.text_input(key="gen_name").input("syn")
    at.number_input(key="gen_n").set_value(100)
    next(b for b in at.button if b.label == "Generate").click().run()
    assert not at.exception
    assert "syn: 100 problems written" in at.success[0].value
    at.multiselect(key="check_against").set_value(["lab"])
    next(b for b in at.button if b.label == "Check").click().run()
    assert not at.exception
    message = at.success[0].value
    assert "contaminated" in message and "only 13-gram overlap flags" in message
    table = next(d.value for d in at.dataframe if "ngram_match" in d.value.columns)
    copies = table[table["contaminated"] == True]  # noqa: E712
    assert len(copies) > 0 and (copies["text"] == copies["ngram_match"]).all()
    assert (table.loc[table["contaminated"] == False, "ngram_overlap"] == 0).all()  # noqa: E712
    assert at.metric[1].value == f"{len(copies)}"


def test_a_set_without_lab_seeds_says_why_it_cannot_be_written(store):
    synthetic.add_set(store, "gsm", [synthetic.NewProblem("What is two plus two?", "4",
                                                          "writer")], "test", "none")
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/problems.py")
    at.run()
    at.selectbox(key="gen_seeds").set_value("gsm")
    next(b for b in at.button if b.label == "Generate").click().run()
    assert not at.exception and "needs lab chains" in at.error[0].value
