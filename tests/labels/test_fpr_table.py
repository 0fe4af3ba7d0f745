from synthqa.ingest.commit import import_file
from synthqa.ingest.inbox import ingest_inbox
from synthqa.judges import job as judge_job
from synthqa.labels import fpr
from tests.conftest import EXAMPLE


def test_a_judge_that_scored_another_generator_gives_no_rows_not_none(workspace, store):
    import_file(store, EXAMPLE)
    assert judge_job.prepare(workspace, store, judge_job.JudgeJob("j1", "stepcheck"), "se-16b",
                             answer_correct_only=False) > 0
    judge_job.run(workspace, "j1")
    ingest_inbox(store, workspace)
    assert fpr.table(store, "wc-2b", "stepcheck").empty
    scored = fpr.table(store, "se-16b", "stepcheck")
    assert list(scored["method"]) == ["labels only", "labels + judge stepcheck (PPI++)",
                                      "labels + judge stepcheck (active)"]
