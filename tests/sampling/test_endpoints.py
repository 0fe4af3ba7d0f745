"""A critic endpoint from a form: normalised, on the operator's allow-list, the key kept home."""
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from synthqa.sampling import endpoints
from synthqa.judges import job as judge_job
from synthqa.judges.base import JudgeInput
from tests.http_server import serving


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8699/internal/admin?",        # a trailing ? made the path free
    "http://127.0.0.1:8699/internal/admin",
    "http://127.0.0.1:8699/#x", "http://user:pw@127.0.0.1:8699", "file:///etc/passwd",
    "gopher://127.0.0.1", "http://", "http://127.0.0.1:99999",
])
def test_malformed_or_path_bearing_endpoints_are_refused(url):
    with pytest.raises(ValueError):
        endpoints.normalise(url)


def test_normalised_and_checked_against_the_allow_list(monkeypatch):
    assert endpoints.normalise("HTTP://LocalHost:8000/v1/") == "http://localhost:8000"
    assert endpoints.check_allowed("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    with pytest.raises(ValueError, match="SYNTHQA_CRITIC_ENDPOINTS"):
        endpoints.check_allowed("http://169.254.169.254")
    monkeypatch.setenv("SYNTHQA_CRITIC_ENDPOINTS", "https://api.example.com")
    assert endpoints.check_allowed("https://api.example.com/v1") == "https://api.example.com"
    with pytest.raises(ValueError, match="not allowed"):
        endpoints.check_allowed("http://127.0.0.1:8000")
    with pytest.raises(ValueError, match="not allowed"):
        judge_job.JudgeJob("x", "critic", base_url="http://10.0.0.1", model="m").validate()


def _recorder(seen):
    async def chat(request):
        seen.append(request.headers.get("authorization"))
        return JSONResponse({"choices": [{"index": 0, "message": {"content": "\\boxed{-1}"}}]})
    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])


def test_the_key_goes_only_to_the_origin_it_was_configured_for(monkeypatch):
    seen = []
    item = JudgeInput("t", "What is 1 + 1?", "2", ("1 + 1 = 2",))
    monkeypatch.setenv("SYNTHQA_CRITIC_API_KEY", "sekrit")
    with serving(_recorder(seen)) as url:
        job = judge_job.JudgeJob("x", "critic", base_url=url, model="m", n=1)
        monkeypatch.setenv("SYNTHQA_CRITIC_KEY_ORIGIN", "https://api.example.com")
        job.judge().judge([item])
        monkeypatch.setenv("SYNTHQA_CRITIC_KEY_ORIGIN", url)
        job.judge().judge([item])
    assert seen == [None, "Bearer sekrit"]


def test_a_model_to_sample_from_behind_an_endpoint_takes_the_allow_list_too():
    """The Sampling page's endpoint is a URL from a form as well (issue 27, item 2)."""
    from synthqa.sampling.models import ModelChoice

    ModelChoice("m", url="http://127.0.0.1:8000/v1", params=10).validate()
    for url in ("http://10.0.0.5:8000", "http://127.0.0.1:8000/internal/admin?"):
        with pytest.raises(ValueError):
            ModelChoice("m", url=url, params=10).validate()
    assert ModelChoice("m", url="http://localhost:9000/v1/", params=10).sampler().url == \
        "http://localhost:9000/v1/completions"
