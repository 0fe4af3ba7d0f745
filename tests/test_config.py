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
