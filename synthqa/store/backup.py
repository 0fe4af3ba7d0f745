"""Backups of the store, and the damage they recover from: a store file that cannot be read
(a crash of the disk or the machine mid-write, a full disk, a half-copied file)."""
from __future__ import annotations

from pathlib import Path

import duckdb

# What DuckDB says of a file it cannot read (on open, or on reading a damaged block later).
DAMAGE_SIGNS = ("not a valid DuckDB database file", "Could not read enough bytes",
                "Corrupt database file", "does not match stored checksum",
                "database file is in an invalid state")


class StoreDamaged(RuntimeError):
    """The store file is damaged: SynthQA cannot read it."""


def damage_of(exc: BaseException) -> str | None:
    """DuckDB's words for the damage when `exc` says the store file is damaged, else None."""
    if isinstance(exc, StoreDamaged):
        return str(exc)
    if isinstance(exc, duckdb.Error) and any(sign in str(exc) for sign in DAMAGE_SIGNS):
        return str(exc).strip()
    return None


def copy_database(cur: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Copy every table and view of the connection's database into a new file `target`: a
    compact copy (no log), and every block of the source is read, so a damaged one fails the
    copy instead of hiding in the backup."""
    source = cur.execute("SELECT current_database()").fetchone()[0]
    cur.execute(f"ATTACH {_quoted(target)} AS synthqa_backup")
    try:
        cur.execute(f"COPY FROM DATABASE {_identifier(source)} TO synthqa_backup")
    finally:
        cur.execute("DETACH synthqa_backup")


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
