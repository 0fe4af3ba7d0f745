"""Stage an import: read, adapt, split, check answers and steps, write Parquet parts.

This is the CPU-heavy half of an import. The CLI runs it in its own process; the dashboard runs
it in a worker process (`python -m synthqa.ingest.staging`, JSON over pipes), so that no record can hold
the server's GIL while pages are served. Either way a file over 16 MB is read here and built
in chunks by one worker process per core (synthqa.ingest.rows). The store then takes the parts in
one transaction (synthqa.ingest.commit.commit).
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import multiprocessing
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import psutil

from synthqa.config import Settings
from synthqa.ingest.adapters import FORMATS, detect_format
from synthqa.ingest.readers import reader_for
from synthqa.ingest.identity import ProblemIds
from synthqa.ingest.names import display_name
from synthqa.ingest.records import RecordError, TraceRecord
from synthqa.ingest.rows import ChunkRows, build_part, in_worker, number_records

__all__ = ["ImportResult", "Staged", "stage", "stage_in_worker", "file_sha256"]
CHUNK_RECORDS = 20_000
PARALLEL_MIN_BYTES = 16 * 2**20  # smaller files: worker processes cost more than they save
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
    notes: list[str] = field(default_factory=list)   # what was kept otherwise than given
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
        if self.notes:
            text += f", {len(self.notes):,} note{'s' if len(self.notes) > 1 else ''}"
        return text + (f", {self.n_errors:,} bad records skipped" if self.n_errors else "")

    def to_dict(self) -> dict:
        return asdict(self)

    def add_error(self, message: str) -> None:
        self.n_errors += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(message)

    def add_note(self, message: str) -> None:
        if len(self.notes) < MAX_ERRORS_KEPT:
            self.notes.append(message)


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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


# -- whole files -----------------------------------------------------------------------------
def _records(path: Path, name: str, fmt: str, settings: Settings,
             result: ImportResult) -> Iterator[TraceRecord]:
    adapt, problem_ids = FORMATS[fmt][0], ProblemIds()
    for location, obj in reader_for(path)(path, settings.max_line_bytes):
        try:
            if isinstance(obj, RecordError):
                raise obj
            records = adapt(obj)
            for rec in records:
                rec.located = f"{name}:{location}"
                if note := problem_ids.claim(rec, location):
                    result.add_note(f"{name}:{location}: {note}")
        except RecordError as exc:
            result.add_error(f"{name}:{location}: {exc}")
            continue
        result.n_records += 1
        yield from records


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
    staging.mkdir(parents=True, exist_ok=True)
    staged.folder = tempfile.mkdtemp(prefix="import-", dir=staging)  # in the workspace, not /tmp
    records = number_records(_records(path, name, result.fmt, settings, result))
    chunks = enumerate(_chunks(records, CHUNK_RECORDS))
    workers = settings.import_workers if path.stat().st_size >= PARALLEL_MIN_BYTES else 1
    build = partial(build_part, staged.import_id, settings if workers == 1 else
                    in_worker(settings), staged.started, Path(staged.folder))
    for part in _built(chunks, build, workers):
        _merge(staged, part)
        if progress:
            progress(part.n_traces)
    if result.n_traces == 0 and result.n_errors == 0:
        result.add_error(f"{name}: empty file, nothing to import")


def _merge(staged: Staged, part: ChunkRows) -> None:
    """Add a built chunk to the file's import, chunks in file order (first seen wins)."""
    for table, path in part.paths.items():
        staged.parts.setdefault(table, []).append(path)
    for generator, params in part.generators.items():
        staged.generators.setdefault(generator, params)
    for run_id, spec in part.runs.items():
        staged.runs.setdefault(run_id, spec)
    staged.result.n_traces += part.n_traces
    for note in part.notes:
        staged.result.add_note(note)


def _built(chunks: Iterable[tuple[int, list]], build: Callable[..., ChunkRows],
           workers: int) -> Iterator[ChunkRows]:
    """Build each chunk, here or in `workers` processes, and yield them in file order. This
    process reads and numbers the records meanwhile; at most two chunks per worker wait."""
    if workers <= 1:
        yield from (build(n, chunk) for n, chunk in chunks)
        return
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"))
    try:
        waiting: deque = deque()
        for n, chunk in chunks:
            waiting.append(pool.submit(build, n, chunk))
            if len(waiting) >= 2 * workers:
                yield waiting.popleft().result()
        while waiting:
            yield waiting.popleft().result()
    except BrokenProcessPool as exc:
        raise OSError(f"an import worker process died ({exc}); nothing was imported") from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# -- the same in a worker process ----------------------------------------------------------------
def stage_in_worker(files: list[dict], settings: Settings, staging: Path) -> Iterator[Staged]:
    """Stage files (dicts of stage()'s path, name, fmt, sha256, done_formats) in one worker
    process, yielding each as it is done. A file the worker died on gets that as its error;
    the files after it are not yielded (they stay in the inbox for the next look)."""
    request = {"settings": {"max_line_bytes": settings.max_line_bytes,
                            "verify_workers": settings.verify_workers,
                            "import_workers": settings.import_workers},
               "staging": str(staging), "files": files, "parent": os.getpid()}
    proc = subprocess.Popen([sys.executable, "-m", "synthqa.ingest.staging"], stdin=subprocess.PIPE,
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
    """`python -m synthqa.ingest.staging`: a request on stdin, one Staged JSON line per file out."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr  # nothing a library prints may corrupt the protocol
    request = json.load(sys.stdin)
    threading.Thread(target=_leave_with, args=(request["parent"],), daemon=True).start()
    settings = dataclasses.replace(Settings.from_env(), **request["settings"])
    for spec in request["files"]:
        staged = stage(Path(spec["path"]), spec["name"], spec["fmt"], settings,
                       Path(request["staging"]), spec.get("done_formats", ()), spec.get("sha256"))
        out.write(staged.to_json() + "\n")
        out.flush()


def _leave_with(parent: int) -> None:
    """End this worker and its chunk builders when the process that asked is gone (a killed
    dashboard): nobody would read the answer, and an orphan would hold the cores."""
    try:
        pidfd = os.pidfd_open(parent)
        select.select([pidfd], [], [])      # readable once the parent has exited
    except (AttributeError, OSError):   # no pidfds (not Linux) or the parent is gone already
        while psutil.pid_exists(parent) and os.getppid() == parent:
            time.sleep(1)
    for child in psutil.Process().children(recursive=True):
        child.kill()
    os._exit(1)


if __name__ == "__main__":
    _worker_main()
