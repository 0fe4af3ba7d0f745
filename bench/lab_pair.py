"""Choose the lab's WC model by measurement: the demo at matched compute with each candidate.

    python -m bench.lab_pair --wc data/lab/wc /tmp/labtrain/wc/step-500 ... [--problems 300]

For each WC folder: a fresh workspace, the demo (SE 1 sample, WC P_SE/P_WC samples per
problem, T = 0.8), then `compare`: coverage, diversity and the exact FPR (every lab trace
carries its exact first error) of both at the matched point. The paper's direction (Bansal et
al. 2024): WC ahead on coverage and diversity, with a higher FPR.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from contextlib import closing
from pathlib import Path

from synthqa.lab.demo import build_demo
from synthqa.metrics.compare import compare
from synthqa.workspace import Workspace


def measure(wc: Path, problems: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws").init()
        start = time.perf_counter()
        result = build_demo(ws, n_problems=problems, say=lambda _: None, wc_path=wc)
        seconds = time.perf_counter() - start
        assert result.ingested
        with closing(ws.open_store()) as store:
            point = compare(store).point()
        accuracy = {row["generator"]: row["accuracy per sample"] for row in result.summary}
    return {"wc": str(wc), "demo_s": round(seconds, 1), "acc_se": accuracy["lab-se"],
            "acc_wc": accuracy["lab-wc"], **point}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wc", nargs="+", type=Path, required=True, help="WC model folders")
    parser.add_argument("--problems", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    print("| WC | k_se / k_wc | accuracy SE / WC | coverage SE / WC | diversity SE / WC | "
          "FPR SE / WC (exact) | demo |")
    print("|---|---|---|---|---|---|---|")
    for wc in args.wc:
        row = measure(wc, args.problems)
        if args.json:
            print(json.dumps(row))
            continue
        print(f"| {wc} | {row['k_se']} / {row['k_wc']} | {row['acc_se']:.3f} / "
              f"{row['acc_wc']:.3f} | {row['coverage_se']:.3f} / {row['coverage_wc']:.3f} | "
              f"{row['diversity_se']:.3f} / {row['diversity_wc']:.3f} | "
              f"{row['fpr_se']:.3f} / {row['fpr_wc']:.3f} | {row['demo_s']:.0f} s |",
              flush=True)


if __name__ == "__main__":
    main()
