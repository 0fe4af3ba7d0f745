"""Import history and the tables an import writes (problems, traces, steps, labels, runs)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from synthqa.schema import PRIMARY_KEYS, TABLE_COLUMNS
from synthqa.store.part import Part


class Imports(Part):
    def done(self, sha256: str, fmt: str) -> bool:
        return self.scalar("SELECT count(*) FROM imports WHERE sha256 = ? AND fmt = ?",
                           [sha256, fmt]) > 0

    def formats_done(self, sha256: str) -> list[str]:
        """The formats this exact file was imported as."""
        return self.df("SELECT DISTINCT fmt FROM imports WHERE sha256 = ?",
                       [sha256])["fmt"].tolist()

    def history(self) -> pd.DataFrame:
        return self.df("SELECT import_id, fmt, path, finished_at, n_records, n_traces_new, "
                       "n_errors FROM imports ORDER BY finished_at DESC")

    def insert_files(self, cur, parts: dict[str, list[Path]]) -> int:
        """Insert staged Parquet parts; rows already present are kept. Returns new traces."""
        before = cur.execute("SELECT count(*) FROM traces").fetchone()[0]
        for table in ("problems", "traces", "steps", "labels", "trace_features"):
            cols = ", ".join(TABLE_COLUMNS[table])
            for part in parts.get(table, []):
                cur.execute(f"INSERT OR IGNORE INTO {table} ({cols}) SELECT DISTINCT ON "
                            f"({PRIMARY_KEYS[table]}) {cols} FROM read_parquet(?)", [str(part)])
        return cur.execute("SELECT count(*) FROM traces").fetchone()[0] - before

    def upsert_generators(self, cur, generators: dict[str, int | None]) -> None:
        """Add generators; a known parameter count fills a missing one, never overwrites it."""
        for name, params in generators.items():
            cur.execute("INSERT INTO generators (name, params) VALUES (?, ?) ON CONFLICT (name) "
                        "DO UPDATE SET params = coalesce(generators.params, excluded.params)",
                        [name, params])

    def set_params(self, generator: str, params: int) -> None:
        """A generator's parameter count given by a person (it had none), and its runs' FLOPs."""
        with self.transaction() as cur:
            cur.execute("UPDATE generators SET params = ? WHERE name = ?", [params, generator])
            runs = [r[0] for r in cur.execute("SELECT run_id FROM runs WHERE generator = ?",
                                              [generator]).fetchall()]
            self.refresh_run_totals(cur, runs)

    def upsert_runs(self, cur, runs: dict[str, dict]) -> None:
        for run_id, spec in runs.items():
            cur.execute(
                "INSERT INTO runs (run_id, generator, temperature, top_p, max_tokens, created_at,"
                " meta) VALUES (?, ?, ?, ?, ?, now(), ?) ON CONFLICT (run_id) DO NOTHING",
                [run_id, spec["generator"], spec.get("temperature"), spec.get("top_p"),
                 spec.get("max_tokens"), spec.get("meta")])

    def refresh_run_totals(self, cur, run_ids: Sequence[str]) -> None:
        """Recompute traces, tokens, samples per problem and FLOPs (2·params·tokens) per run."""
        if not run_ids:
            return
        cur.execute("""
            UPDATE runs SET n_traces = t.n, tokens = t.tok, samples_per_problem = t.spp,
                   flops = 2.0 * g.params * t.tok
            FROM (SELECT run_id, count(*) AS n, sum(n_tokens) AS tok,
                         max(per_problem) AS spp
                  FROM (SELECT run_id, n_tokens, count(*) OVER (PARTITION BY run_id, problem_id)
                               AS per_problem FROM traces WHERE run_id IN (SELECT unnest(?)))
                  GROUP BY run_id) t, generators g
            WHERE runs.run_id = t.run_id AND g.name = runs.generator""", [list(run_ids)])

    def record(self, cur, row: dict) -> None:
        cur.execute(
            "INSERT INTO imports VALUES (?, ?, ?, ?, ?, now(), ?, ?, ?, ?)",
            [row["import_id"], row["sha256"], row["fmt"], row["path"], row["started_at"],
             row["n_records"], row["n_traces_new"], row["n_errors"], row["errors"]])
