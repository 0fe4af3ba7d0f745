"""Stage an import: read, adapt, split, check answers and steps, write Parquet parts.

This is the CPU-heavy half of an import. The CLI runs it in its own process; the dashboard runs
it in a worker process (`python -m synthqa.staging`, JSON over pipes), so that no record can hold
the server's GIL while pages are served. The store then takes the parts in one transaction
(synthqa.ingest.commit).
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from synthqa.adapters import FORMATS, detect_format, reader_for
from synthqa.answers import VERIFIER, extract_answer, verify_many
from synthqa.config import Settings
from synthqa.records import NO_ERROR, RecordError, TraceRecord, meta_json
from synthqa.schema import TABLE_COLUMNS
from synthqa.stepcheck import CHECKER, check_trace
from synthqa.steps import split_steps, splitter_name
from synthqa.workspace import display_name

CHUNK_RECORDS = 20_000
MAX_ERRORS_KEPT = 200


@dataclass
class ImportResult:
    path: str
    fmt: str
    sha256: str = ""
    n_records: int = 0       # valid source records
    n_traces: int = 0        # traces they hold
    n_traces_new: int = 0    # traces the store did not have yet
    n_errors: int = 0
    errors: list[str] = field(default_factory=list)  # "file:line N: message", first 200
    skipped: bool = False    # this exact file was imported before
    queued: str | None = None  # inbox file, when another process holds the store

    @property
    def ok(self) -> bool:
        return self.n_errors == 0 and (self.n_traces > 0 or self.skipped or bool(self.queued))

    def summary(self) -> str:
        name = display_name(self.path)
        if self.queued:
            queued = Path(self.queued)
            return (f"{name}: the store is held by another process (a running dashboard); "
                    f"queued as {queued}. The dashboard ingests it within seconds; the outcome "
                    f"lands in {queued.parent / 'done' / (queued.name + '.result.json')} and "
                    "in the Workspace page's imports")
        if self.skipped:
            return f"{name}: already imported ({self.fmt}); nothing to do"
        text = (f"{name} ({self.fmt}): {self.n_records:,} records, {self.n_traces:,} traces, "
                f"{self.n_traces_new:,} new")
        return text + (f", {self.n_errors:,} bad records skipped" if self.n_errors else "")

    def to_dict(self) -> dict:
        return asdict(self)

    def add_error(self, message: str) -> None:
        self.n_errors += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(message)


@dataclass
class Staged:
    """One file's staged import: its result so far and what the transaction will insert."""
    result: ImportResult
    import_id: str = ""
    started: datetime | None = None
    folder: str | None = None   # the staging folder the parts lie in (removed after commit)
    parts: dict[str, list[str]] = field(default_factory=dict)
    generators: dict[str, int | None] = field(default_factory=dict)
    runs: dict[str, dict] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "started": self.started and self.started.isoformat()})

    @classmethod
    def from_json(cls, line: str) -> "Staged":
        data = json.loads(line)
        started = data.pop("started")
        return cls(**{**data, "result": ImportResult(**data["result"]),
                      "started": started and datetime.fromisoformat(started)})


def stable_id(*parts) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()[:16]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def estimate_tokens(text: str) -> int:
    """Words and punctuation marks: a tokenizer-free estimate, flagged as such in the store."""
    return len(re.findall(r"\w+|[^\w\s]", text))


# -- one chunk of records -> table frames --------------------------------------------------
class FrameBuilder:
    """Turns TraceRecords into rows of problems, traces, steps and labels."""

    def __init__(self, import_id: str, settings: Settings):
        self.import_id, self.settings = import_id, settings
        self.occurrences: Counter = Counter()
        self.generators: dict[str, int | None] = {}
        self.runs: dict[str, dict] = {}
        self.now = datetime.now(timezone.utc).replace(tzinfo=None)

    def build(self, records: list[TraceRecord]) -> dict[str, pd.DataFrame]:
        problems, traces, steps, labels = [], [], [], []
        for rec in records:
            problem_id = rec.problem_id or stable_id(rec.source, rec.problem.strip())
            problems.append({"problem_id": problem_id, "source": rec.source, "split": rec.split,
                             "text": rec.problem, "gold_answer": rec.gold_answer,
                             "gold_solution": rec.gold_solution, "level": rec.level,
                             "topic": rec.topic})
            traces.append(self._trace_row(rec, problem_id, steps, labels))
        pairs = [(t["answer_raw"], r.gold_answer) for t, r in zip(traces, records)]
        for trace, (answer, gold), ok in zip(traces, pairs, verify_many(
                pairs, self.settings.verify_workers)):
            trace["is_correct"] = ok if answer is not None and gold is not None else None
        return {"problems": _frame("problems", problems), "traces": _frame("traces", traces),
                "steps": _frame("steps", steps), "labels": _frame("labels", labels)}

    def _trace_row(self, rec: TraceRecord, problem_id: str, steps: list, labels: list) -> dict:
        run_id = rec.run or f"{rec.generator}:{rec.source}"
        self.generators.setdefault(rec.generator, rec.params)
        self.runs.setdefault(run_id, {"generator": rec.generator, "temperature": rec.temperature})
        text = rec.solution
        if rec.steps is not None:
            step_texts, splitter = rec.steps, "given"
        else:
            step_texts, style = split_steps(text)
            splitter = splitter_name(style)
        answer, method = (rec.answer, "given") if rec.answer else extract_answer(text)
        key = (problem_id, rec.generator, run_id, text)
        sample = rec.sample_index if rec.sample_index is not None else self.occurrences[key]
        self.occurrences[key] += 1
        trace_id = stable_id(problem_id, rec.generator, run_id, sample, text)
        check = check_trace(step_texts, answer)
        for i, (step, result) in enumerate(zip(step_texts, check.steps)):
            steps.append({"trace_id": trace_id, "step_index": i, "text": step,
                          "splitter": splitter, "check_status": result.status,
                          "check_detail": result.detail, "error_kind": result.error_kind})
        labels.extend(self._label_rows(rec, trace_id))
        return {"trace_id": trace_id, "problem_id": problem_id, "generator": rec.generator,
                "run_id": run_id, "sample_index": sample, "text": text, "answer_raw": answer,
                "answer_method": method, "verifier": VERIFIER,
                "source_is_correct": rec.is_correct,
                "n_tokens": rec.n_tokens if rec.n_tokens is not None else estimate_tokens(text),
                "tokens_estimated": rec.n_tokens is None, "n_steps": len(step_texts),
                "first_failed_step": check.first_failed, "error_kind": check.error_kind,
                "step_checker": CHECKER, "import_id": self.import_id, "meta": meta_json(rec.meta)}

    def _label_rows(self, rec: TraceRecord, trace_id: str) -> Iterator[dict]:
        def row(step, kind, value, note=None, who=rec.labeller, at=None):
            return {"label_id": stable_id(trace_id, step, kind, value, who),
                    "trace_id": trace_id, "step_index": step, "kind": kind, "value": value,
                    "who": who, "origin": "human", "labelled_at": at or self.now, "note": note}

        for label in rec.labels or []:
            yield row(label["step"], label["kind"], label["value"], label["note"],
                      label["labeller"], label["at"])

        if rec.reasoning is not None:
            yield row(None, "reasoning", rec.reasoning)
        if rec.first_error_step is not None:
            value = "none" if rec.first_error_step == NO_ERROR else str(rec.first_error_step)
            yield row(None, "first_error_step", value, rec.first_error_note)
        for i, rating in enumerate(rec.step_labels or []):
            if rating is not None:
                yield row(i, "step_rating", str(rating))


def _frame(table: str, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=TABLE_COLUMNS[table])


# -- whole files -----------------------------------------------------------------------------
def _records(path: Path, name: str, fmt: str, settings: Settings,
             result: ImportResult) -> Iterator[TraceRecord]:
    adapt = FORMATS[fmt][0]
    for location, obj in reader_for(path)(path, settings.max_line_bytes):
        try:
            if isinstance(obj, RecordError):
                raise obj
            records = adapt(obj)
            for rec in records:
                _check_first_error(rec)
        except RecordError as exc:
            result.add_error(f"{name}:{location}: {exc}")
            continue
        result.n_records += 1
        yield from records


def _check_first_error(rec: TraceRecord) -> None:
    """A first-error label must name one of the trace's steps, also when SynthQA splits them."""
    first = rec.first_error_step
    if first is None or first == NO_ERROR or rec.steps is not None:
        return
    n_steps = len(split_steps(rec.solution)[0])
    if first >= n_steps:
        raise RecordError(f"first_error_step {first} is beyond the solution's {n_steps} steps "
                          "(0-based; -1 = no error)")


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# -- one file -> Parquet parts -----------------------------------------------------------------
def stage(path: Path, name: str, fmt: str, settings: Settings, staging: Path,
          done_formats: Iterable[str] = (), sha256: str | None = None,
          progress: Callable[[int], None] | None = None) -> Staged:
    """Read and check one file into Parquet parts under `staging`. A file already imported in
    one of `done_formats` is skipped; a file-level problem (format, I/O) is its result's error."""
    result = ImportResult(path=str(path), fmt=fmt, sha256=sha256 or "")
    staged = Staged(result)
    try:
        result.fmt = fmt = detect_format(path, settings.max_line_bytes) if fmt == "auto" else fmt
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
        result.sha256 = result.sha256 or file_sha256(path)
        if fmt in done_formats:
            result.skipped = True
            return staged
        _stage_records(staged, path, name, settings, staging, progress)
    except (OSError, ValueError) as exc:
        result.add_error(f"{name}: {exc}")
    return staged


def _stage_records(staged: Staged, path: Path, name: str, settings: Settings, staging: Path,
                   progress: Callable[[int], None] | None) -> None:
    result = staged.result
    staged.started = datetime.now(timezone.utc).replace(tzinfo=None)
    staged.import_id = f"{result.sha256[:12]}-{result.fmt}"
    builder = FrameBuilder(staged.import_id, settings)
    staging.mkdir(parents=True, exist_ok=True)
    staged.folder = tempfile.mkdtemp(prefix="import-", dir=staging)  # in the workspace, not /tmp
    records = _records(path, name, result.fmt, settings, result)
    for n, chunk in enumerate(_chunks(records, CHUNK_RECORDS)):
        for table, frame in builder.build(chunk).items():
            if not frame.empty:
                part = Path(staged.folder) / f"{table}-{n:05d}.parquet"
                frame.to_parquet(part, index=False)
                staged.parts.setdefault(table, []).append(str(part))
        result.n_traces += len(chunk)
        if progress:
            progress(len(chunk))
    staged.generators, staged.runs = builder.generators, builder.runs
    if result.n_traces == 0 and result.n_errors == 0:
        result.add_error(f"{name}: empty file, nothing to import")


# -- the same in a worker process ----------------------------------------------------------------
def stage_in_worker(files: list[dict], settings: Settings, staging: Path) -> Iterator[Staged]:
    """Stage files (dicts of stage()'s path, name, fmt, sha256, done_formats) in one worker
    process, yielding each as it is done. A file the worker died on gets that as its error;
    the files after it are not yielded (they stay in the inbox for the next look)."""
    request = {"settings": {"max_line_bytes": settings.max_line_bytes,
                            "verify_workers": settings.verify_workers},
               "staging": str(staging), "files": files}
    proc = subprocess.Popen([sys.executable, "-m", "synthqa.staging"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    n_done = 0
    try:
        with contextlib.suppress(BrokenPipeError):  # a worker that died at once: its first
            proc.stdin.write(json.dumps(request))  # file says so below
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
        for line in proc.stdout:  # one line per file, as the worker finishes it
            n_done += 1
            yield Staged.from_json(line)
        code = proc.wait()
        if n_done < len(files):
            spec = files[n_done]
            failed = Staged(ImportResult(path=spec["path"], fmt=spec["fmt"],
                                         sha256=spec.get("sha256") or ""))
            failed.result.add_error(f"{spec['name']}: the import worker stopped (exit code "
                                    f"{code}) while reading this file; nothing was imported")
            yield failed
    finally:
        if proc.poll() is None:  # the caller stopped early: no worker outlives the drain
            proc.kill()
        proc.wait()


def _worker_main() -> None:
    """`python -m synthqa.staging`: a request on stdin, one Staged JSON line per file out."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr  # nothing a library prints may corrupt the protocol
    request = json.load(sys.stdin)
    settings = dataclasses.replace(Settings.from_env(), **request["settings"])
    for spec in request["files"]:
        staged = stage(Path(spec["path"]), spec["name"], spec["fmt"], settings,
                       Path(request["staging"]), spec.get("done_formats", ()), spec.get("sha256"))
        out.write(staged.to_json() + "\n")
        out.flush()


if __name__ == "__main__":
    _worker_main()
