"""One chunk of records -> the rows of problems, traces, steps and labels the store takes.

This is the CPU-heavy part of an import (splitting, answer extraction and verification, step
checks). A large import builds its chunks in worker processes (synthqa.ingest.staging), so whatever
depends on the whole file is settled outside a chunk: each record's problem id and sample index
before (`number_records`, in file order), each generator's first parameter count and each run's
first temperature after (merged in chunk order).
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from synthqa.checks.answers import VERIFIER, extract_answer, verify_many
from synthqa.checks.complexity import check_features
from synthqa.checks.stepcheck import CHECKER, StepCheck, TraceCheck, check_trace
from synthqa.checks.steps import split_steps, splitter_name
from synthqa.config import Settings
from synthqa.ingest.budget import OverBudget, time_budget
from synthqa.ingest.records import NO_ERROR, TraceRecord, meta_json
from synthqa.schema import TABLE_COLUMNS


def stable_id(*parts) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()[:16]


def estimate_tokens(text: str) -> int:
    """Words and punctuation marks: a tokenizer-free estimate, flagged as such in the store."""
    return len(re.findall(r"\w+|[^\w\s]", text))


def run_id_of(rec: TraceRecord) -> str:
    return rec.run or f"{rec.generator}:{rec.source}"


def number_records(records: Iterable[TraceRecord]) -> Iterator[TraceRecord]:
    """Give each record its problem id and, where the file gives none, its sample index: the
    how-many-th copy of the same solution to the same problem by the same run, in file order."""
    occurrences: Counter = Counter()  # keyed on a hash: 10M solutions' texts would not fit
    for rec in records:
        rec.problem_id = rec.problem_id or stable_id(rec.source, rec.problem.strip())
        key = hash((rec.problem_id, rec.generator, run_id_of(rec), rec.solution))
        if rec.sample_index is None:
            rec.sample_index = occurrences[key]
        occurrences[key] += 1
        yield rec


@dataclass
class ChunkRows:
    """What one built chunk left behind: its Parquet files and what the file-wide merge needs."""
    paths: dict[str, str] = field(default_factory=dict)  # table -> Parquet file
    generators: dict[str, int | None] = field(default_factory=dict)
    runs: dict[str, dict] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    n_traces: int = 0


def build_part(import_id: str, settings: Settings, now: datetime, folder: Path, n: int,
               records: list[TraceRecord]) -> ChunkRows:
    """Build chunk `n` of numbered records and write its tables as Parquet under `folder`.
    A module-level function, so that worker processes can run it."""
    builder = FrameBuilder(import_id, settings, now)
    part = ChunkRows(n_traces=len(records))
    for table, frame in builder.build(records).items():
        if not frame.empty:
            path = folder / f"{table}-{n:05d}.parquet"
            frame.to_parquet(path, index=False)
            part.paths[table] = str(path)
    part.generators, part.runs, part.notes = builder.generators, builder.runs, builder.notes
    return part


def in_worker(settings: Settings) -> Settings:
    """The settings of a chunk built in a worker process: the workers are the parallelism, so
    answer checks do not start processes of their own."""
    return replace(settings, verify_workers=1)


class FrameBuilder:
    """Turns numbered TraceRecords into rows of problems, traces, steps and labels."""

    def __init__(self, import_id: str, settings: Settings, now: datetime):
        self.import_id, self.settings, self.now = import_id, settings, now
        self.generators: dict[str, int | None] = {}
        self.runs: dict[str, dict] = {}
        self.notes: list[str] = []

    def build(self, records: list[TraceRecord]) -> dict[str, pd.DataFrame]:
        problems, traces, steps, labels, features = [], [], [], [], []
        for rec in records:
            problems.append({"problem_id": rec.problem_id, "source": rec.source,
                             "split": rec.split, "text": rec.problem,
                             "gold_answer": rec.gold_answer,
                             "gold_solution": rec.gold_solution, "level": rec.level,
                             "topic": rec.topic, "located": rec.located})
            traces.append(self._trace_row(rec, steps, labels, features))
        pairs = [(t["answer_raw"], r.gold_answer) for t, r in zip(traces, records)]
        for trace, (answer, gold), ok in zip(traces, pairs, verify_many(
                pairs, self.settings.verify_workers)):
            trace["is_correct"] = ok if answer is not None and gold is not None else None
        return {"problems": _frame("problems", problems, ["located"]), "traces": _frame("traces", traces),
                "steps": _frame("steps", steps), "labels": _frame("labels", labels),
                "trace_features": _frame("trace_features", features)}

    def _trace_row(self, rec: TraceRecord, steps: list, labels: list, features: list) -> dict:
        run_id = run_id_of(rec)
        self.generators.setdefault(rec.generator, rec.params)
        self.runs.setdefault(run_id, {"generator": rec.generator, "temperature": rec.temperature})
        text = rec.solution
        parsed = self._parsed(rec)
        trace_id = stable_id(rec.problem_id, rec.generator, run_id, rec.sample_index, text)
        for i, (step, result) in enumerate(zip(parsed.steps, parsed.check.steps)):
            steps.append({"trace_id": trace_id, "step_index": i, "text": step,
                          "splitter": parsed.splitter, "check_status": result.status,
                          "check_detail": result.detail, "error_kind": result.error_kind})
        labels.extend(self._on_steps(rec, self._label_rows(rec, trace_id), len(parsed.steps)))
        features.append((trace_id, *check_features(parsed.check), CHECKER))
        return {"trace_id": trace_id, "problem_id": rec.problem_id, "generator": rec.generator,
                "run_id": run_id, "sample_index": rec.sample_index, "text": text,
                "answer_raw": parsed.answer, "answer_method": parsed.method,
                "verifier": VERIFIER, "source_is_correct": rec.is_correct,
                "n_tokens": rec.n_tokens if rec.n_tokens is not None else parsed.n_tokens,
                "tokens_estimated": rec.n_tokens is None, "n_steps": len(parsed.steps),
                "first_failed_step": parsed.check.first_failed,
                "error_kind": parsed.check.error_kind, "step_checker": CHECKER,
                "import_id": self.import_id, "meta": meta_json(rec.meta)}

    def _parsed(self, rec: TraceRecord) -> "Parsed":
        """Steps, answer and step checks within the record's time budget; past it the trace is
        kept unchecked and the import says so."""
        try:
            with time_budget(self.settings.record_seconds):
                return parse(rec)
        except OverBudget:
            self.notes.append(f"{rec.located or 'a record'}: its steps and answer took over "
                              f"{self.settings.record_seconds:g} s to check "
                              "(SYNTHQA_RECORD_SECONDS); kept unchecked")
            return unchecked(rec)

    def _on_steps(self, rec: TraceRecord, rows: Iterator[dict], n_steps: int) -> list[dict]:
        """The labels that name a step the trace has (its solution split here, so the file
        could not be checked against it); the others are named in the import's notes."""
        kept = []
        for row in rows:
            step = row["step_index"] if row["kind"] != "first_error_step" else (
                int(row["value"]) if row["value"].isdigit() else None)
            if step is None or step < n_steps:
                kept.append(row)
            else:
                self.notes.append(f"{rec.located or 'a record'}: a {row['kind']} label names "
                                  f"step index {step}, past the trace's {n_steps} steps; left out")
        return kept

    def _label_rows(self, rec: TraceRecord, trace_id: str) -> Iterator[dict]:
        def row(step, kind, value, note=None, who=rec.labeller, at=None):
            return {"label_id": stable_id(trace_id, step, kind, value, who),
                    "trace_id": trace_id, "step_index": step, "kind": kind, "value": value,
                    "who": who, "origin": "human", "labelled_at": at or self.now, "note": note}

        rows = [row(label["step"], label["kind"], label["value"], label["note"],
                    label["labeller"], label["at"]) for label in rec.labels or []]
        if rec.reasoning is not None:
            rows.append(row(None, "reasoning", rec.reasoning))
        if rec.first_error_step is not None:
            value = "none" if rec.first_error_step == NO_ERROR else str(rec.first_error_step)
            rows.append(row(None, "first_error_step", value, rec.first_error_note))
        for i, rating in enumerate(rec.step_labels or []):
            if rating is not None:
                rows.append(row(i, "step_rating", str(rating)))
        # an export writes one labeller's labels twice (`labels` and the plain fields): once,
        # with the time `labels` gives
        unique: dict[str, dict] = {}
        for r in rows:
            unique.setdefault(r["label_id"], r)
        yield from unique.values()


@dataclass
class Parsed:
    """What SynthQA reads from one solution: its steps, final answer and step checks."""
    steps: list[str]
    splitter: str
    answer: str | None
    method: str
    check: TraceCheck
    n_tokens: int


def parse(rec: TraceRecord) -> Parsed:
    text = rec.solution
    if rec.steps is not None:
        step_texts, splitter = rec.steps, "given"
    else:
        step_texts, style = split_steps(text)
        splitter = splitter_name(style)
    answer, method = (rec.answer, "given") if rec.answer else extract_answer(text)
    return Parsed(step_texts, splitter, answer, method, check_trace(step_texts, answer),
                  estimate_tokens(text))


def unchecked(rec: TraceRecord) -> Parsed:
    """A trace kept as given: its steps if it gave them, else one; no answer found; no checks."""
    step_texts = rec.steps if rec.steps is not None else [rec.solution]
    return Parsed(step_texts, "given" if rec.steps is not None else "none", rec.answer,
                  "given" if rec.answer else "unchecked",
                  TraceCheck([StepCheck(unchecked=True) for _ in step_texts]),
                  estimate_tokens(rec.solution))


def _frame(table: str, rows: list[dict], extra: list[str] = ()) -> pd.DataFrame:
    """A table's rows; `extra` columns travel with them to the commit but are not stored."""
    frame = pd.DataFrame(rows, columns=TABLE_COLUMNS[table] + list(extra))
    return frame.astype({column: "string" for column in extra})
