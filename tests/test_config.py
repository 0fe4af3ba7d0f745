from synthqa.config import SETTINGS, Settings
from tests.conftest import REPO


def test_every_setting_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text()
    for name, (default, _) in SETTINGS.items():
        assert f"`{name}`" in readme, f"{name} is not documented in README.md"


def test_settings_read_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SYNTHQA_HOME", str(tmp_path))
    monkeypatch.setenv("SYNTHQA_VERIFY_WORKERS", "3")
    settings = Settings.from_env()
    assert settings.home == tmp_path and settings.verify_workers == 3
    assert Settings.from_env(tmp_path / "other").home == tmp_path / "other"


def test_jobs_get_fewer_torch_threads_than_cores_unless_the_user_chose(monkeypatch):
    from synthqa.config import job_env

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    monkeypatch.setenv("SYNTHQA_MAX_JOBS", "2")
    assert Settings.from_env().job_threads == 3                 # (8 - 1) // 2
    assert job_env()["OMP_NUM_THREADS"] == "3"
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setenv("SYNTHQA_MAX_JOBS", "1")
    assert job_env()["OMP_NUM_THREADS"] == "1"                  # never 0
    monkeypatch.setenv("SYNTHQA_JOB_THREADS", "4")
    assert job_env()["OMP_NUM_THREADS"] == "4"
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert job_env()["OMP_NUM_THREADS"] == "2"                  # the user's own setting wins
