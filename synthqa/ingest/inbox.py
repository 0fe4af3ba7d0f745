"""The inbox: where producers drop files for the store's single writer (temporary name, then
rename), how the writer drains it, and the names and paths around it.

An inbox file is named `<stamp>-<id>-<name>.<format>.<ext>` (a producer's upload or copy) or
`<run>-<start>-<id>.<format>.parquet` (a job's shard); the format tells the writer how to take
it. What became of each file lands in `inbox/done/<file>.result.json`.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from synthqa.config import Settings
from synthqa.ingest.commit import SHARDS, commit, file_format, import_file, import_shard
from synthqa.ingest.names import INBOX_SUFFIXES, SHARD_NAME, display_name, inbox_format
from synthqa.ingest.staging import ImportResult, file_sha256, stage, stage_in_worker
from synthqa.store import Store, StoreBusy
from synthqa.workspace import Workspace, staging_dir

_INBOX_LOCK = threading.Lock()  # two dashboard sessions must not ingest one file twice


@dataclass(frozen=True)
class Inbox:
    """A workspace's inbox/ folder."""
    workspace: Workspace

    @property
    def folder(self) -> Path:
        return self.workspace.inbox

    def drop_file(self, path: str | os.PathLike, fmt: str) -> Path:
        """Copy a file into inbox/ atomically (temporary name, then rename) for the writer."""
        src = Path(path)
        return self._drop(src.stem, src.suffix, fmt, lambda tmp: shutil.copyfile(src, tmp))

    def drop_bytes(self, data: bytes, name: str, fmt: str = "auto") -> Path:
        """Put uploaded bytes into inbox/ the same way."""
        stem, suffix = os.path.splitext(os.path.basename(name))
        return self._drop(stem, suffix, fmt, lambda tmp: tmp.write_bytes(data))

    def _drop(self, stem: str, suffix: str, fmt: str, write) -> Path:
        self.workspace.init()
        ext = suffix.lower() if suffix.lower() in INBOX_SUFFIXES else ".jsonl"  # X.PARQUET too
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        safe = re.sub(r"[^A-Za-z0-9_-]+", "_", stem)[:60]
        final = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}-{safe}.{fmt}{ext}"
        tmp = self.folder / f".tmp-{final.name}"
        write(tmp)
        os.replace(tmp, final)
        return final

    def pending(self) -> list[Path]:
        """Inbox files ready to ingest, oldest first (dot-files are still being written)."""
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.iterdir()
                      if p.is_file() and not p.name.startswith(".") and p.suffix in INBOX_SUFFIXES)

    def result_path(self, inbox_file: Path) -> Path:
        return self.workspace.done / f"{inbox_file.name}.result.json"

    def finish(self, inbox_file: Path, result: dict) -> None:
        """Record the outcome beside the file in done/ (the store already remembers its hash);
        a file nothing could be imported from is not kept."""
        tmp = self.workspace.done / f".tmp-{inbox_file.name}.result.json"
        tmp.write_text(json.dumps(result, indent=1, default=str))
        os.replace(tmp, self.result_path(inbox_file))
        if result.get("n_traces") or result.get("skipped"):
            os.replace(inbox_file, self.workspace.done / inbox_file.name)
        else:
            inbox_file.unlink(missing_ok=True)


def importable(path: str | os.PathLike, settings: Settings) -> Path:
    """The resolved path when a path typed in a form may be imported (it is untrusted): a
    regular file of a supported format under the size cap, below a folder of
    SYNTHQA_IMPORT_ROOT (default: the workspace's); else ValueError saying why."""
    src = Path(path).expanduser().resolve()
    roots = settings.import_roots
    if not any(src.is_relative_to(root) for root in roots):
        raise ValueError(f"{path}: a path typed here must lie below "
                         f"{', '.join(map(str, roots))} (SYNTHQA_IMPORT_ROOT); upload the file "
                         "instead, or import it with python -m synthqa import")
    if src.suffix.lower() not in INBOX_SUFFIXES:
        raise ValueError(f"{path}: not a trace file ({', '.join(INBOX_SUFFIXES)})")
    try:
        info = src.stat()
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path}: not a regular file")
    if info.st_size > settings.max_import_bytes:
        raise ValueError(f"{path}: {info.st_size:,} bytes, over the "
                         f"{settings.max_import_bytes:,} of SYNTHQA_MAX_IMPORT_BYTES")
    return src


def history_by_source(store: Store) -> pd.DataFrame:
    """The history with a run's inbox shards (`<run>-<start>-<id>.<fmt>.parquet`) grouped
    into one row, newest first."""
    history = store.imports.history()
    if history.empty:
        return history.assign(files=[])
    name = history["path"].map(lambda p: Path(p).name)
    shard = name.str.extract(SHARD_NAME)

    history["source"] = (shard[0] + " (" + shard[1] + " shards)").fillna(
        name.map(display_name))
    grouped = history.groupby("source", sort=False).agg(
        fmt=("fmt", "first"), files=("import_id", "size"), finished_at=("finished_at", "max"),
        n_records=("n_records", "sum"), n_traces_new=("n_traces_new", "sum"),
        n_errors=("n_errors", "sum"))
    return grouped.reset_index().sort_values("finished_at", ascending=False,
                                             ignore_index=True)


def ingest_inbox(store: Store, workspace: Workspace, settings: Settings | None = None,
                 worker: bool = False, wait: bool = True) -> list[ImportResult]:
    """Import every file waiting in inbox/, once each, and move it to inbox/done/.

    `worker`: stage trace files in a worker process (the dashboard: no record may hold the
    GIL of the process that serves pages). `wait=False`: return [] at once while another thread
    of this process is ingesting (a page must not wait for an import).
    """
    settings = settings or Settings.from_env()
    if not _INBOX_LOCK.acquire(blocking=wait):
        return []
    try:
        results, to_stage = [], []
        for inbox_file in Inbox(workspace).pending():
            fmt = inbox_format(inbox_file)
            if fmt in SHARDS:
                results.append(_finish(workspace, inbox_file, _shard_or_error(store, inbox_file,
                                                                              fmt)))
            else:
                to_stage.append(_stage_spec(store, inbox_file, fmt))
        staging = staging_dir(store.path)
        staged = stage_in_worker(to_stage, settings, staging) if worker and to_stage else (
            stage(Path(s["path"]), s["name"], s["fmt"], settings, staging, s["done_formats"],
                  s["sha256"]) for s in to_stage)
        for spec, one in zip(to_stage, staged):
            results.append(_finish(workspace, Path(spec["path"]), commit(store, one)))
        return results
    finally:
        _INBOX_LOCK.release()


def _stage_spec(store: Store, inbox_file: Path, fmt: str) -> dict:
    sha256 = file_sha256(inbox_file)
    return {"path": str(inbox_file), "name": display_name(inbox_file), "fmt": fmt,
            "sha256": sha256, "done_formats": store.imports.formats_done(sha256)}


def _shard_or_error(store: Store, inbox_file: Path, fmt: str) -> ImportResult:
    try:
        return import_shard(store, inbox_file, fmt)
    except (OSError, ValueError) as exc:
        result = ImportResult(path=str(inbox_file), fmt=fmt)
        result.add_error(f"{display_name(inbox_file)}: {exc}")
        return result


def _finish(workspace: Workspace, inbox_file: Path, result: ImportResult) -> ImportResult:
    Inbox(workspace).finish(inbox_file, result.to_dict())
    return result


def import_or_queue(workspace: Workspace, path: str | Path, fmt: str = "auto",
                    settings: Settings | None = None,
                    progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import directly when this process can hold the store, else queue through the inbox."""
    path, settings = Path(path), settings or Settings.from_env()
    fmt = file_format(path, fmt, settings)
    try:
        store = workspace.open_store()
    except StoreBusy:
        queued = Inbox(workspace).drop_file(path, fmt)
        return ImportResult(path=str(path), fmt=fmt, queued=str(queued))
    try:
        ingest_inbox(store, workspace, settings)
        return import_file(store, path, fmt, settings, progress)
    finally:
        store.close()
