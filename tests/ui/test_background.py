import threading

import pytest

from synthqa.ui.background import BackgroundTask


def test_a_task_reports_progress_and_runs_once_at_a_time():
    gate = threading.Event()

    def work(progress):
        progress(0.5, "half way")
        gate.wait(5)

    task = BackgroundTask("t", work)
    assert task.start()
    assert not task.start()                  # already running
    gate.set()
    task.wait(5)
    assert not task.running and task.error is None
    assert (task.fraction, task.message) == (0.5, "half way")
    assert task.finished_at >= task.started_at


def test_a_failing_task_keeps_its_error():
    def work(progress):
        raise ValueError("no embeddings model")

    task = BackgroundTask("t", work)
    task.start()
    task.wait(5)
    assert task.error == "ValueError: no embeddings model"
    assert task.start()                      # can be started again
    task.wait(5)


def test_a_task_estimates_the_time_left_from_its_pace():
    task = BackgroundTask("t", lambda progress: None)
    task.started_at, task.fraction = 100.0, 0.25      # a quarter done in 30 s
    assert task.seconds_left(now=130.0) == 90.0
    task.fraction = 0.0
    assert task.seconds_left(now=130.0) is None       # no pace yet


def test_the_pace_starts_at_the_first_progress_report_not_at_the_model_load():
    task = BackgroundTask("t", lambda progress: None)
    task.started_at = 100.0
    task._pace_from = (160.0, 0.01)                   # 60 s loading, then 1% done
    task.fraction = 0.11                              # 10% more in the next 10 s
    assert task.seconds_left(now=170.0) == pytest.approx(89.0)   # not 70 s / 0.11 * 0.89
