"""The FPR flow in a real browser: import labelled traces, see each generator's human FPR at
once, run a judge, see how it agrees with the humans, review ten traces in the active order and
watch the judge-corrected interval shrink."""
import json
import re

from playwright.sync_api import Page, expect

from tests.conftest import PATIENCE_MS
from tests.e2e.conftest import Server, import_into, wait_for_app_run


def _labelled_file(path):
    """40 answer-correct traces of 'gen', every 4th flawed at step 1; ann labelled 8 of them."""
    rows = []
    for i in range(40):
        a, flawed = 3 + i, i % 4 == 0
        row = {"problem": f"What is {a} + {a} - {a}?", "generator": "gen", "gold_answer": str(a),
               "labeller": "ann", "steps": [f"{a} + {a} = {2 * a}",
                                            f"{2 * a} - {a} = {a + 1 if flawed else a}",
                                            f"#### {a}"]}
        if i < 8:
            row["first_error_step"] = 1 if flawed else -1
        rows.append(row)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _active_labels(page: Page) -> int:
    """The labels behind the active estimate in the review page's table of methods."""
    text = page.get_by_test_id("stDataFrame").first.text_content()  # the grid's a11y table
    cells = text.split("(active)", 1)[1]            # "—0" or "12.5%–30.0%17.35" + labels
    return int(re.findall(r"\d+", cells)[-1]) if "%" in cells else int(cells.lstrip("—"))


def test_labels_fpr_judge_agreement_and_an_active_review(page: Page, tmp_path):
    home = tmp_path / "ws"
    import_into(home, _labelled_file(tmp_path / "labelled.jsonl"))
    srv = Server(home, tmp_path)
    try:
        page.set_viewport_size({"width": 1400, "height": 1000})
        page.goto(f"{srv.url}/review?review_generator=gen")
        wait_for_app_run(page)
        expect(page.get_by_text("n = 8)")).to_be_visible()          # the imported labels count
        expect(page.get_by_text("Rests on labels only, by ann (8)")).to_be_visible()

        page.goto(f"{srv.url}/judges")
        wait_for_app_run(page)
        page.get_by_role("button", name="Run judge").click()
        # the job runs in its own process; the inbox watcher ingests it and reruns the page
        # (which drops the "Started judge-stepcheck" note: a fast job's results replace it)
        expect(page.get_by_role("heading", name="Against human labels")).to_be_visible(
            timeout=PATIENCE_MS)
        wait_for_app_run(page)
        page.screenshot(path=tmp_path / "judges.png", full_page=True)

        page.goto(f"{srv.url}/review?review_generator=gen")
        wait_for_app_run(page)
        page.get_by_text("active (judge)", exact=True).click()
        wait_for_app_run(page)
        page.get_by_label("Your name (stored with every label)").fill("bob")
        page.get_by_role("button", name="Start reviewing").click()
        wait_for_app_run(page)
        expect(page.get_by_test_id("stDataFrame").first).to_contain_text("(active)",
                                                                        timeout=PATIENCE_MS)
        before = _active_labels(page)
        expect(page.get_by_text("8 of 40 answer-correct traces reviewed")).to_be_visible()
        for n in range(1, 11):
            page.get_by_role("button", name="Reasoning correct").click()
            # each click is one more reviewed trace (a click on a trace no longer shown is
            # dropped, so the next one waits until this one's run is over)
            expect(page.get_by_text(f"{8 + n} of 40 answer-correct traces reviewed")
                   ).to_be_visible(timeout=PATIENCE_MS)
            wait_for_app_run(page)
        expect(page.get_by_text("n = 18)")).to_be_visible()
        assert _active_labels(page) >= before + 10
        page.screenshot(path=tmp_path / "review.png", full_page=True)
    finally:
        srv.stop()


def test_a_critic_endpoint_off_the_allow_list_is_refused_and_gets_nothing(page: Page, tmp_path,
                                                                          monkeypatch):
    """Another address (127.0.0.2: loopback, so reachable here, but not on the default list)
    typed on the Judges page: a clear refusal, and not one request reaches it (issue 27, 2)."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from tests.http_server import serving

    seen = []

    async def record(request):
        seen.append((request.url.path, request.headers.get("authorization")))
        return JSONResponse({"choices": []})

    app = Starlette(routes=[Route("/{path:path}", record, methods=["GET", "POST"])])
    home = tmp_path / "ws"
    import_into(home, _labelled_file(tmp_path / "labelled.jsonl"))
    with serving(app, host="127.0.0.2") as url:
        monkeypatch.setenv("SYNTHQA_CRITIC_API_KEY", "sk-secret")
        monkeypatch.setenv("SYNTHQA_CRITIC_KEY_ORIGIN", url)
        srv = Server(home, tmp_path)
        try:
            page.goto(f"{srv.url}/judges")
            wait_for_app_run(page)
            page.get_by_test_id("stSelectbox").first.click()
            page.get_by_role("option", name="critic").click()
            wait_for_app_run(page)
            page.get_by_role("textbox", name="Endpoint").fill(f"{url}/v1")
            page.get_by_role("textbox", name="Model", exact=True).fill("any")
            page.get_by_role("textbox", name="Model", exact=True).press("Enter")
            wait_for_app_run(page)
            page.get_by_role("button", name="Run judge").click()
            wait_for_app_run(page)
            expect(page.get_by_text(f"endpoint {url} is not allowed on this server")
                   ).to_be_visible(timeout=PATIENCE_MS)
            page.screenshot(path=tmp_path / "refused.png", full_page=True)
        finally:
            srv.stop()
    assert seen == []
