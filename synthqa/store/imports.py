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

    def problem_collisions(self, cur, parts: dict[str, list[Path]]) -> list[dict]:
        """Staged problems whose id the store holds with another source or text, with what
        it holds under the id scoped to their source ("SOURCE:ID") and their traces' count."""
        problems, traces = parts.get("problems"), parts.get("traces")
        if not problems or not traces:
            return []
        rows = cur.execute("""
            WITH s AS (SELECT DISTINCT ON (problem_id) problem_id, source, text, located
                       FROM read_parquet(?, union_by_name = true)),
                 n AS (SELECT problem_id, count(*) AS n FROM read_parquet(?) GROUP BY ALL)
            SELECT s.problem_id, s.source, s.text, s.located, coalesce(n.n, 0) AS n_traces,
                   p.source AS stored_source, p.text AS stored_text,
                   q.source AS scoped_source, q.text AS scoped_text
            FROM s JOIN problems p ON p.problem_id = s.problem_id
            LEFT JOIN problems q ON q.problem_id = s.source || ':' || s.problem_id
            LEFT JOIN n ON n.problem_id = s.problem_id
            WHERE p.source <> s.source OR p.text <> s.text""",
                           [[str(p) for p in problems], [str(p) for p in traces]])
        names = [d[0] for d in rows.description]
        return [dict(zip(names, row)) for row in rows.fetchall()]

    def insert_files(self, cur, parts: dict[str, list[Path]], renamed: dict[str, str] | None = None,
                     dropped: Sequence[str] = ()) -> int:
        """Insert staged Parquet parts; rows already present are kept; problems `renamed` are
        inserted under their new id, and `dropped` ones left out with their traces. Returns
        new traces."""
        before = cur.execute("SELECT count(*) FROM traces").fetchone()[0]
        settled = [*(renamed or {}).items(), *((old, None) for old in dropped)]
        if settled:
            _settle(cur, settled, [str(p) for p in parts.get("traces", [])])
        for table in ("problems", "traces", "steps", "labels", "trace_features"):
            cols = ", ".join(TABLE_COLUMNS[table])
            source = _staged_rows(table) if settled else "SELECT * FROM read_parquet(?)"
            for part in parts.get(table, []):
                cur.execute(f"INSERT OR IGNORE INTO {table} ({cols}) SELECT DISTINCT ON "
                            f"({PRIMARY_KEYS[table]}) {cols} FROM ({source})", [str(part)])
        if settled:
            cur.execute("DROP TABLE staged_ids")
            cur.execute("DROP TABLE dropped_traces")
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


def _settle(cur, settled: list[tuple[str, str | None]], traces: list[str]) -> None:
    """Temporary tables of the problem ids an import renames (new id) or drops (none), and of
    the dropped problems' staged traces."""
    cur.execute("CREATE OR REPLACE TEMP TABLE staged_ids (old VARCHAR, new VARCHAR)")
    cur.executemany("INSERT INTO staged_ids VALUES (?, ?)", settled)
    cur.execute("CREATE OR REPLACE TEMP TABLE dropped_traces AS SELECT trace_id FROM "
                "read_parquet(?) WHERE problem_id IN (SELECT old FROM staged_ids WHERE new IS "
                "NULL)", [traces])


def _staged_rows(table: str) -> str:
    """A staged part's rows as the store takes them: problem ids renamed or dropped as the
    import settled (staged_ids), a dropped problem's traces and their rows left out."""
    if table in ("problems", "traces"):
        return ("SELECT s.* REPLACE (coalesce(m.new, s.problem_id) AS problem_id) FROM "
                "read_parquet(?) s LEFT JOIN staged_ids m ON m.old = s.problem_id "
                "WHERE m.old IS NULL OR m.new IS NOT NULL")
    return ("SELECT * FROM read_parquet(?) WHERE trace_id NOT IN "
            "(SELECT trace_id FROM dropped_traces)")
