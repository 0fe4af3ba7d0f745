"""First pits on the lab: exhaustive rollouts against binary search.

    python -m bench.rollouts [--traces 100] [--k 5] [--policy lab-wc]

Builds the lab demo workspace in a temporary folder (or uses --workspace), takes wrong traces of
the WC lab model, and for each search mode reports rollouts per trace, wall time, and how often
the pit equals the lab's exact first wrong step (and is within one step of it); then how often
the two modes find the same pit.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from synthqa.lab.demo import build_demo
from synthqa.lab.model import model_choice
from synthqa.sampling.base import SamplingSpec
from synthqa.values import pits, rollouts
from synthqa.workspace import Workspace


def main(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(args.workspace or Path(tmp) / "ws")).init()
        store = ws.open_store()
        if store.count("traces") == 0:
            store.close()
            build_demo(ws, say=lambda _: None)
            store = ws.open_store()
        traces = store.values.rollout_inputs("lab-wc", True, args.traces)
        store.close()
    sampler = model_choice(args.policy).sampler()
    policy = rollouts.RolloutPolicy(sampler, SamplingSpec(temperature=0.7, max_tokens=80,
                                                          prompt_template="{problem}\n"),
                                    k=args.k)
    print(f"{len(traces)} wrong lab-wc traces, mean {traces['steps'].map(len).mean():.1f} "
          f"steps; policy {args.policy}, K = {args.k}, T = 0.7; dev machine, CPU")
    print(f"{'mode':11} {'rollouts/trace':>14} {'s/trace':>8} {'no pit':>6} "
          f"{'pit = exact':>11} {'within ±1':>9} {'offset':>7}")
    found = {}
    for mode in rollouts.MODES:
        start = time.perf_counter()
        results = [rollouts.run(policy, mode, t.trace_id, t.problem, t.gold, list(t.steps),
                                False) for t in traces.itertuples()]
        seconds = time.perf_counter() - start
        found[mode] = [rollouts.first_pit(r) for r in results]
        frame = traces.assign(pit_step=found[mode])
        a = pits.pit_agreement(pits.lab_pairs(frame[["trace_id", "pit_step"]], traces))
        used = sum(r.rollouts_used for r in results) / len(results)
        none = sum(p is None for p in found[mode])
        print(f"{mode:11} {used:14.1f} {seconds / len(results):8.2f} {none:6d} "
              f"{a['exact']:11.3f} {a['within_1']:9.3f} {a['mean_offset']:+7.2f}")
    same = sum(a == b for a, b in zip(found["exhaustive"], found["binary"])) / len(traces)
    print(f"the two modes find the same pit on {same:.1%} of the traces")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=100)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--policy", default="lab-wc")
    parser.add_argument("--workspace", help="a lab demo workspace (default: build one)")
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
