"""PRM scoring through `judge run` against a plain batched forward pass of the same model over
the same rows (length-sorted, batch 64), on this machine.

    python -m bench.prm_scoring [--traces 2000] [--shape wc]

The PRM is the lab model of that size (data/lab/<shape>/config.json) as a token classifier
with random weights; the traces are the public GSM8K solutions when ../shared/data has them,
else lab traces. Prints both times, their ratio and the largest score difference.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

from bench.gpu_check import plain_forward
from synthqa.ingest.commit import import_file
from synthqa.ingest.inbox import ingest_inbox
from synthqa.jobs.batch import RunFolder
from synthqa.judges import job as judge_job
from synthqa.judges.base import JudgeInput
from synthqa.judges.prm import PrmJudge, tokenize_row
from synthqa.lab.model import DATA_DIR, make_tokenizer
from synthqa.workspace import Workspace

GSM8K = Path(__file__).resolve().parents[2] / "shared" / "data" / \
    "gsm8k_example_model_solutions.jsonl"


def prm_folder(shape: str, out: Path) -> Path:
    from transformers import AutoConfig, LlamaForTokenClassification

    torch.manual_seed(0)
    config = AutoConfig.from_pretrained(DATA_DIR / shape, num_labels=2)
    config.max_position_embeddings = 4096        # public solutions run past the lab's 96
    LlamaForTokenClassification(config).save_pretrained(out)
    make_tokenizer().save_pretrained(out)
    return out


def lab_file(folder: Path, n: int) -> Path:
    from synthqa.lab.problems import make_problems

    path = folder / "lab.jsonl"
    path.write_text("".join(json.dumps({"problem": p.text, "generator": "lab", "steps":
                                        list(p.steps), "gold_answer": str(p.answer)}) + "\n"
                            for p in make_problems(n, seed=9)))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=2000)
    parser.add_argument("--shape", default="wc", choices=["tiny", "wc", "se"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp, ws = Path(tmp), Workspace(Path(tmp) / "ws").init()
        model = prm_folder(args.shape, tmp / "prm")
        store = ws.open_store()
        import_file(store, GSM8K if GSM8K.is_file() else lab_file(tmp, args.traces))
        job = judge_job.JudgeJob("prm-bench", "prm", model_dir=str(model))
        n = judge_job.prepare(ws, store, job, None, answer_correct_only=False,
                              limit=args.traces)
        start = time.perf_counter()
        judge_job.run(ws, job.run_id)                 # the job's whole run, shards written
        ours = time.perf_counter() - start
        ingest_inbox(store, ws)
        stored = {t: json.loads(d) for t, d in store.df(
            "SELECT trace_id, detail FROM judge_scores").itertuples(index=False)}
        items = RunFolder(ws, job.run_id).items()
        judge = PrmJudge(str(model))
        rows = [tokenize_row(r.problem, list(r.steps), [1] * len(r.steps), judge.tokenizer,
                             judge.separator, judge.max_length) for r in items.itertuples()]
        start = time.perf_counter()
        plain_forward(judge, rows, 64)
        plain = time.perf_counter() - start
        one_by_one = [judge.step_scores_many([JudgeInput(r.trace_id, r.problem, None,
                                                         tuple(r.steps))])[0]
                      for r in items[:50].itertuples()]
        gap = max(abs(a - b) for r, alone in zip(items.trace_id[:50], one_by_one)
                  for a, b in zip(stored[r], alone))
        store.close()
    print(f"{n:,} traces, lab-{args.shape} as a PRM, {torch.get_num_threads()} threads")
    print(f"judge run (prm backend): {ours:.2f} s = {n / ours:,.0f} traces/s")
    print(f"plain forward, length-sorted, batch 64: {plain:.2f} s = {n / plain:,.0f} traces/s")
    print(f"judge run / plain forward: {ours / plain:.2f}x; largest score difference from one "
          f"trace at a time (50 traces, scores rounded to 1e-4 in the store): {gap:.1e}")


if __name__ == "__main__":
    main()
