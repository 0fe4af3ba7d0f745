"""The store's connection, transactions, migrations and generic reads; its parts by domain."""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from synthqa.schema import MIGRATIONS
from synthqa.store.backup import StoreDamaged, copy_database, damage_of
from synthqa.store.cache import Cache
from synthqa.store.checks import Checks
from synthqa.store.embeddings import Embeddings
from synthqa.store.imports import Imports
from synthqa.store.judges import Judges
from synthqa.store.labels import Labels
from synthqa.store.problem_sets import ProblemSets
from synthqa.store.search import Search
from synthqa.store.summaries import Summaries
from synthqa.store.traces import Traces
from synthqa.store.training_sets import TrainingSets
from synthqa.store.values import Values


class StoreBusy(RuntimeError):
    """Another process holds the store file (DuckDB allows one writer process)."""


class Store:
    """One DuckDB connection per process; a cursor per call, so any thread may use it."""

    def __init__(self, path: str | Path, migrations: Sequence[Sequence[str]] = MIGRATIONS):
        self.path = Path(path)
        try:
            self._con = duckdb.connect(str(self.path), config={
                "autoinstall_known_extensions": "false", "autoload_known_extensions": "false"})
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreBusy(_busy_message(self.path, str(exc))) from exc
            if damage := damage_of(exc):
                raise StoreDamaged(damage) from exc
            raise
        self._write_lock = threading.RLock()
        self.generation = 0      # committed transactions: the data changes only with one
        try:
            self.migrate(migrations)
        except duckdb.Error as exc:
            if damage := damage_of(exc):
                self._con.close()
                raise StoreDamaged(damage) from exc
            raise
        self.imports, self.checks, self.traces = Imports(self), Checks(self), Traces(self)
        self.summaries, self.training_sets = Summaries(self), TrainingSets(self)
        self.labels, self.values, self.embeddings = Labels(self), Values(self), Embeddings(self)
        self.cache, self.judges = Cache(self), Judges(self)
        self.problem_sets = ProblemSets(self)
        self.search = Search(self.path.parent / "search")

    def search_in_sync(self) -> bool:
        """The full-text index holds exactly the store's traces (else it is not used)."""
        return self.search.size() == self.count("traces")

    def rebuild_search(self, batch: int = 50_000) -> int:
        """Index every trace anew (an older workspace, or a crash between an import's
        transaction and its indexing); returns how many."""
        self.search.clear()
        done = 0
        for rows in self.traces.index_rows(batch=batch):
            self.search.add(rows)
            done += len(rows)
        return done

    def close(self) -> None:
        self._con.close()

    def copy_to(self, target: Path) -> None:
        """A backup in a new file `target`, taken under the writer's lock (a consistent one)."""
        with self._write_lock, self.cursor() as cur:
            copy_database(cur, target)

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All writes go through here: one writer at a time, all or nothing."""
        with self._write_lock, self.cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")
            self.generation += 1

    # -- schema ---------------------------------------------------------------------------
    def schema_version(self) -> int:
        with self.cursor() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS schema_version "
                        "(version INTEGER PRIMARY KEY, applied_at TIMESTAMP)")
            return cur.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]

    def migrate(self, migrations: Sequence[Sequence[str]]) -> int:
        current = self.schema_version()
        for version, statements in enumerate(migrations, start=1):
            if version <= current:
                continue
            with self.transaction() as cur:
                for sql in statements:
                    cur.execute(sql)
                cur.execute("INSERT INTO schema_version VALUES (?, now())", [version])
        return self.schema_version()

    # -- generic reads --------------------------------------------------------------------
    def df(self, sql: str, params: Sequence | None = None) -> pd.DataFrame:
        with self.cursor() as cur:
            return cur.execute(sql, params or []).df()

    def scalar(self, sql: str, params: Sequence | None = None):
        with self.cursor() as cur:
            return cur.execute(sql, params or []).fetchone()[0]

    def count(self, table: str) -> int:
        if table not in {"problems", "generators", "runs", "traces", "steps", "labels", "imports"}:
            raise ValueError(f"unknown table {table!r}")
        return self.scalar(f"SELECT count(*) FROM {table}")


def _busy_message(path: Path, detail: str) -> str:
    pid = re.search(r"PID (\d+)", detail)
    who = f"process {pid.group(1)}" if pid else "another process"
    return f"{path} is held by {who} (DuckDB allows one writer per file)"
