"""The job table: SQLite next to the store, because several processes write it (the dashboard,
the CLI, the job wrappers). A job's run folder holds its log, exit code and metrics."""
from __future__ import annotations

import json
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

STATES = ("QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "STOPPED", "LOST")
FINAL = ("SUCCEEDED", "FAILED", "STOPPED", "LOST")

SCHEMA = """CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY, submit_key TEXT UNIQUE NOT NULL, kind TEXT NOT NULL,
    backend TEXT NOT NULL, argv TEXT NOT NULL, run_dir TEXT NOT NULL, status TEXT NOT NULL,
    pid INTEGER, created_at REAL NOT NULL, started_at REAL, finished_at REAL,
    exit_code INTEGER, note TEXT)"""


@dataclass
class Job:
    job_id: str
    submit_key: str
    kind: str
    backend: str
    argv: list[str]
    run_dir: str
    status: str
    pid: int | None = None
    created_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    exit_code: int | None = None
    note: str | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL


class JobTable:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        with closing(self._connect()) as con, con:
            con.execute(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.row_factory = sqlite3.Row
        return con

    def insert(self, job: Job) -> tuple[Job, bool]:
        """Add a job unless one with the same submit key exists: (the job, whether new)."""
        with closing(self._connect()) as con:
            cur = con.execute(
                "INSERT OR IGNORE INTO jobs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [job.job_id, job.submit_key, job.kind, job.backend, json.dumps(job.argv),
                 job.run_dir, job.status, job.pid, job.created_at or time.time(),
                 job.started_at, job.finished_at, job.exit_code, job.note])
            new = cur.rowcount == 1
            row = con.execute("SELECT * FROM jobs WHERE submit_key = ?",
                              [job.submit_key]).fetchone()
        return _job(row), new

    def requeue(self, job_id: str) -> bool:
        """A failed, stopped or lost job back in the queue (its run folder kept: a batch run
        goes on from its done shards); False unless it was one of those (a double click)."""
        with closing(self._connect()) as con:
            cur = con.execute(
                "UPDATE jobs SET status = 'QUEUED', pid = NULL, started_at = NULL, "
                "finished_at = NULL, exit_code = NULL, note = 'resumed' WHERE job_id = ? AND "
                "status IN ('FAILED', 'STOPPED', 'LOST')", [job_id])
            return cur.rowcount == 1

    def update(self, job_id: str, **fields) -> None:
        names = ", ".join(f"{k} = ?" for k in fields)
        with closing(self._connect()) as con:
            con.execute(f"UPDATE jobs SET {names} WHERE job_id = ?", [*fields.values(), job_id])

    def start_queued(self, backend: str, limit: int, start) -> None:
        """Start the oldest QUEUED jobs of `backend` while fewer than `limit` run. `start(job)`
        returns the pid, or raises OSError (the job is then FAILED with the reason). Under
        SQLite's write lock, so two processes dispatching at once never overfill."""
        with closing(self._connect()) as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                running = con.execute("SELECT count(*) FROM jobs WHERE backend = ? AND "
                                      "status = 'RUNNING'", [backend]).fetchone()[0]
                rows = con.execute("SELECT * FROM jobs WHERE backend = ? AND status = 'QUEUED' "
                                   "ORDER BY created_at LIMIT ?",
                                   [backend, max(0, limit - running)]).fetchall()
                for job in map(_job, rows):
                    try:
                        con.execute("UPDATE jobs SET status = 'RUNNING', pid = ?, started_at = ? "
                                    "WHERE job_id = ?", [start(job), time.time(), job.job_id])
                    except OSError as e:
                        con.execute("UPDATE jobs SET status = 'FAILED', note = ?, finished_at = ? "
                                    "WHERE job_id = ?", [f"could not start: {e}", time.time(),
                                                         job.job_id])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def stop_queued(self, job_id: str) -> bool:
        """A QUEUED job becomes STOPPED without ever running; False when it already started."""
        with closing(self._connect()) as con:
            cur = con.execute("UPDATE jobs SET status = 'STOPPED', finished_at = ? "
                              "WHERE job_id = ? AND status = 'QUEUED'", [time.time(), job_id])
            return cur.rowcount == 1

    def get(self, job_id: str) -> Job | None:
        with closing(self._connect()) as con:
            row = con.execute("SELECT * FROM jobs WHERE job_id = ?", [job_id]).fetchone()
        return None if row is None else _job(row)

    def by_key(self, submit_key: str) -> Job | None:
        with closing(self._connect()) as con:
            row = con.execute("SELECT * FROM jobs WHERE submit_key = ?",
                              [submit_key]).fetchone()
        return None if row is None else _job(row)

    def running(self, backend: str) -> list[Job]:
        with closing(self._connect()) as con:
            rows = con.execute("SELECT * FROM jobs WHERE backend = ? AND status = 'RUNNING'",
                               [backend]).fetchall()
        return [_job(r) for r in rows]

    def all(self, limit: int = 100, kind: str | None = None) -> list[Job]:
        """The newest jobs (of one kind)."""
        with closing(self._connect()) as con:
            rows = con.execute("SELECT * FROM jobs WHERE ? IS NULL OR kind = ? "
                               "ORDER BY created_at DESC LIMIT ?", [kind, kind, limit]).fetchall()
        return [_job(r) for r in rows]


def _job(row: sqlite3.Row) -> Job:
    data = dict(row)
    data["argv"] = json.loads(data["argv"])
    return Job(**data)
