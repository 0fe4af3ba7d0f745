"""Jobs on a Ray cluster ask for GPUs (the Jobs API's entrypoint_num_gpus): SYNTHQA_RAY_GPUS
each, a data-parallel training job one per process, run there as that many processes. Against a
server speaking the Jobs REST API's submit call (a real cluster: tests/jobs/test_jobs.py with
SYNTHQA_TEST_RAY)."""
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from synthqa.jobs.runner import Jobs
from synthqa.lab.model import LAB_MODELS
from synthqa.train import launch
from synthqa.train.common import TrainConfig
from tests.http_server import serving


def _jobs_api(submitted: list):
    async def submit(request):
        body = await request.json()
        submitted.append(body)
        return JSONResponse({"job_id": body["submission_id"],
                             "submission_id": body["submission_id"]})
    return Starlette(routes=[Route("/api/jobs/", submit, methods=["POST"])])


def test_ray_jobs_ask_for_the_gpus_their_processes_run_on(workspace, monkeypatch, tmp_path):
    config = TrainConfig("sft", str(LAB_MODELS["lab-wc"]), "d", "x", ".", batch_size=8)
    monkeypatch.setenv("SYNTHQA_RAY_GPUS", "4")
    # a training run on the cluster: a process on each of its 4 GPUs (not this machine's none)
    ray_command = launch.command(config, "r", backend="ray")
    assert ray_command[1:7] == ["-m", "torch.distributed.run", "--standalone",
                                "--nproc_per_node", "4", "-m"]
    assert "torch.distributed.run" not in launch.command(config, "r", backend="local")
    assert launch.what_will_run(launch.PairChoices("sft"), config, "ray")["train"][
        "parallel"].startswith("DDP over 4 processes")
    submitted = []
    with serving(_jobs_api(submitted)) as url:
        runner = Jobs(workspace, ray_address=url)
        runner.submit("train", ray_command, "t", backend="ray")
        runner.submit("judge", [ray_command[0], "-m", "synthqa.judges.job", "ws", "j"], "j",
                      backend="ray")
        monkeypatch.setenv("SYNTHQA_RAY_GPUS", "0")      # a CPU cluster: none asked for
        Jobs(workspace, ray_address=url).submit("judge", [ray_command[0], "-m", "x"], "k",
                                                backend="ray")
    assert [body.get("entrypoint_num_gpus") for body in submitted] == [4, 4, None]
