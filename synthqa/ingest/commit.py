"""Import files into the store: stage (synthqa.ingest.staging), then write once.

Records are staged as Parquet outside any lock, in this process or a worker process; the store
then takes them in one transaction with the file's hash, so an import is all or nothing and
never done twice.
"""
from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from synthqa.config import Settings
from synthqa.ingest.adapters import FORMATS, detect_format
from synthqa.ingest.identity import Collision, Resolution, resolve
from synthqa.ingest.staging import ImportResult, Staged, file_sha256, stage
from synthqa.store import Store
from synthqa.workspace import staging_dir

LOG = logging.getLogger(__name__)



def import_file(store: Store, path: str | Path, fmt: str = "auto",
                settings: Settings | None = None,
                progress: Callable[[int], None] | None = None,
                name: str | None = None) -> ImportResult:
    """Import one file in this process; bad records are reported with file and line and the
    rest imports. `name` is how errors call the file (an inbox copy is named as its producer
    knew it)."""
    path, settings = Path(path), settings or Settings.from_env()
    fmt = file_format(path, fmt, settings)
    sha256 = file_sha256(path)
    staged = stage(path, name or str(path), fmt, settings, staging_dir(store.path),
                   store.imports.formats_done(sha256), sha256, progress)
    return commit(store, staged)


def file_format(path: Path, fmt: str, settings: Settings) -> str:
    """The format of a file to import (detected when "auto"); errors when there is no file or
    no such format."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    fmt = detect_format(path, settings.max_line_bytes) if fmt == "auto" else fmt
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    return fmt


def commit(store: Store, staged: Staged) -> ImportResult:
    """Insert a staged file in one transaction (nothing when it was skipped or held nothing),
    then remove its staging folder."""
    result = staged.result
    try:
        if result.skipped or result.n_traces == 0:
            return result
        indexed = store.search_in_sync()
        with store.transaction() as cur:
            store.imports.upsert_generators(cur, staged.generators)
            store.imports.upsert_runs(cur, staged.runs)
            parts = {table: [Path(p) for p in paths] for table, paths in staged.parts.items()}
            collisions = store.imports.problem_collisions(cur, parts)
            settled = resolve([Collision(**c) for c in collisions])
            _report(result, settled)
            result.n_traces_new = store.imports.insert_files(cur, parts, settled.renamed,
                                                             settled.dropped)
            store.imports.refresh_run_totals(cur, list(staged.runs))
            store.imports.record(cur, {
                "import_id": staged.import_id, "sha256": result.sha256, "fmt": result.fmt,
                "path": result.path, "started_at": staged.started,
                "n_records": result.n_records, "n_traces_new": result.n_traces_new,
                "n_errors": result.n_errors, "errors": json.dumps(result.errors)})
        if indexed:  # else the index waits for a rebuild (`python -m synthqa index`)
            _index(store, staged.import_id)
        return result
    finally:
        if staged.folder:
            shutil.rmtree(staged.folder, ignore_errors=True)


def _report(result: ImportResult, settled: Resolution) -> None:
    for message in settled.errors:
        result.add_error(message)
    for message in settled.notes:
        result.add_note(message)


def _index(store: Store, import_id: str) -> None:
    """Add an import's traces to the full-text index. The import has landed whatever happens
    here: an index that fails to follow is out of step, unused and rebuilt later."""
    try:
        for rows in store.traces.index_rows(import_id):
            store.search.add(rows)
    except Exception:  # noqa: BLE001 - the search falls back to a scan meanwhile
        LOG.exception("indexing import %s for search failed; rebuild with "
                      "`python -m synthqa index`", import_id)


ROLLOUTS = "rollouts"  # inbox shards of a rollout run (synthqa.values.job), not traces
JUDGEMENTS = "judgements"  # inbox shards of a judge run (synthqa.judges.job)
EMBEDDINGS, VERDICTS = "embeddings", "verdicts"  # of a cluster run (synthqa.cluster.job)
SHARDS = (ROLLOUTS, JUDGEMENTS, EMBEDDINGS, VERDICTS)


def _shard_inserter(store: Store, fmt: str):
    return {ROLLOUTS: store.values.insert_shard, JUDGEMENTS: store.judges.insert_shard,
            EMBEDDINGS: store.embeddings.insert_shard, VERDICTS: store.checks.insert_shard}[fmt]


def import_shard(store: Store, path: Path, fmt: str = ROLLOUTS) -> ImportResult:
    """One result shard of a job (rollouts, judgements, embeddings, verdicts), in one
    transaction, once."""
    result = ImportResult(path=str(path), fmt=fmt, sha256=file_sha256(path))
    if store.imports.done(result.sha256, fmt):
        result.skipped = True
        return result
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    with store.transaction() as cur:
        result.n_records = _shard_inserter(store, fmt)(cur, path)
        store.imports.record(cur, {
            "import_id": f"{result.sha256[:12]}-{fmt}", "sha256": result.sha256,
            "fmt": fmt, "path": str(path), "started_at": started,
            "n_records": result.n_records, "n_traces_new": 0, "n_errors": 0, "errors": "[]"})
    result.n_traces = result.n_records
    return result
