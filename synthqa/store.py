"""The DuckDB store: connection, migrations, every query. The only module importing duckdb."""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from synthqa.schema import MIGRATIONS, PRIMARY_KEYS, TABLE_COLUMNS


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
            raise
        self._write_lock = threading.RLock()
        self.migrate(migrations)

    def close(self) -> None:
        self._con.close()

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

    # -- imports --------------------------------------------------------------------------
    def import_done(self, sha256: str, fmt: str) -> bool:
        return self.scalar("SELECT count(*) FROM imports WHERE sha256 = ? AND fmt = ?",
                           [sha256, fmt]) > 0

    def imports(self) -> pd.DataFrame:
        return self.df("SELECT import_id, fmt, path, finished_at, n_records, n_traces_new, "
                       "n_errors FROM imports ORDER BY finished_at DESC")

    def insert_files(self, cur, parts: dict[str, list[Path]]) -> int:
        """Insert staged Parquet parts; rows already present are kept. Returns new traces."""
        before = cur.execute("SELECT count(*) FROM traces").fetchone()[0]
        for table in ("problems", "traces", "steps", "labels"):
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

    def record_import(self, cur, row: dict) -> None:
        cur.execute(
            "INSERT INTO imports VALUES (?, ?, ?, ?, ?, now(), ?, ?, ?, ?)",
            [row["import_id"], row["sha256"], row["fmt"], row["path"], row["started_at"],
             row["n_records"], row["n_traces_new"], row["n_errors"], row["errors"]])

    # -- verification ---------------------------------------------------------------------
    def traces_to_verify(self, verifier: str | None) -> pd.DataFrame:
        """Traces whose verdict came from another verifier (all of them when verifier is None)."""
        where = "" if verifier is None else "WHERE t.verifier IS DISTINCT FROM ?"
        return self.df(f"SELECT t.trace_id, t.answer_raw, t.answer_method, t.text, p.gold_answer "
                       f"FROM traces t "
                       f"JOIN problems p USING (problem_id) {where}",
                       [] if verifier is None else [verifier])

    def update_verdicts(self, frame: pd.DataFrame) -> None:
        with self.transaction() as cur:
            cur.register("_v", frame[["trace_id", "answer_raw", "answer_method", "is_correct",
                                      "verifier"]])
            cur.execute("UPDATE traces SET answer_raw = v.answer_raw, "
                        "answer_method = v.answer_method, is_correct = v.is_correct, "
                        "verifier = v.verifier FROM _v v WHERE traces.trace_id = v.trace_id")
            cur.unregister("_v")

    def traces_to_recheck(self, checker: str | None) -> pd.DataFrame:
        """Traces (with their step texts) last checked by another step checker."""
        where = "" if checker is None else "WHERE t.step_checker IS DISTINCT FROM ?"
        return self.df(f"""SELECT t.trace_id, t.answer_raw,
                               list(s.text ORDER BY s.step_index) AS steps
                           FROM traces t JOIN steps s USING (trace_id) {where}
                           GROUP BY t.trace_id, t.answer_raw""",
                       [] if checker is None else [checker])

    def update_step_checks(self, traces: pd.DataFrame, steps: pd.DataFrame) -> None:
        with self.transaction() as cur:
            cur.register("_t", traces)
            cur.execute("UPDATE traces SET first_failed_step = t.first_failed_step, "
                        "error_kind = t.error_kind, step_checker = t.step_checker "
                        "FROM _t t WHERE traces.trace_id = t.trace_id")
            cur.register("_s", steps)
            cur.execute("UPDATE steps SET check_status = s.check_status, "
                        "check_detail = s.check_detail, error_kind = s.error_kind FROM _s s "
                        "WHERE steps.trace_id = s.trace_id AND steps.step_index = s.step_index")
            cur.unregister("_t")
            cur.unregister("_s")

    # -- labels ---------------------------------------------------------------------------
    def add_label(self, label: dict) -> None:
        self.add_labels([label])

    def add_labels(self, labels: list[dict]) -> None:
        """Several labels given by one action: all committed together, or none."""
        cols = TABLE_COLUMNS["labels"]
        with self.transaction() as cur:
            cur.executemany(f"INSERT INTO labels ({', '.join(cols)}) VALUES "
                            f"({', '.join('?' * len(cols))})",
                            [[label.get(c) for c in cols] for label in labels])

    def delete_labels(self, label_ids: list[str], who: str) -> int:
        """Undo: remove labels this reviewer just gave (never somebody else's)."""
        with self.transaction() as cur:
            before = cur.execute("SELECT count(*) FROM labels").fetchone()[0]
            cur.execute("DELETE FROM labels WHERE label_id IN (SELECT unnest(?)) AND who = ?",
                        [label_ids, who])
            return before - cur.execute("SELECT count(*) FROM labels").fetchone()[0]

    def labels_for(self, trace_id: str) -> pd.DataFrame:
        return self.df("SELECT * FROM labels WHERE trace_id = ? ORDER BY labelled_at", [trace_id])

    # -- summaries ------------------------------------------------------------------------
    def generator_stats(self) -> pd.DataFrame:
        """Per generator: traces, accuracy (human overrides win), suspects, labelled traces."""
        return self.df("""
            SELECT t.generator, any_value(g.params) AS params, count(*) AS traces,
                   avg(CASE WHEN t.correct THEN 1.0 WHEN t.correct = false THEN 0.0 END)
                       AS accuracy,
                   count(*) FILTER (WHERE t.suspect) AS suspects,
                   count(DISTINCT l.trace_id) AS labelled
            FROM traces_effective t
            LEFT JOIN generators g ON g.name = t.generator
            LEFT JOIN (SELECT DISTINCT trace_id FROM labels WHERE origin = 'human') l
                   ON l.trace_id = t.trace_id
            GROUP BY t.generator ORDER BY t.generator""")

    def step_check_vs_human(self) -> dict[str, list[tuple[int | None, int | None]]]:
        """Per source: (first failed step check, human first error) for human-labelled traces."""
        with self.cursor() as cur:
            rows = cur.execute("""
                SELECT p.source, t.first_failed_step, TRY_CAST(l.value AS INTEGER)
                FROM traces t JOIN problems p USING (problem_id)
                JOIN labels_latest l ON l.trace_id = t.trace_id AND l.step_index IS NULL
                     AND l.kind = 'first_error_step' AND l.origin = 'human'
                ORDER BY p.source""").fetchall()
        pairs: dict[str, list] = {}
        for source, predicted, human in rows:
            pairs.setdefault(source, []).append((predicted, human))
        return pairs

    # -- review ---------------------------------------------------------------------------
    def review_candidates(self, generator: str, who: str, suspects_first: bool,
                          limit: int = 200) -> list[tuple[str, int]]:
        """Answer-correct traces `who` has not judged, in queue order, with reviewer counts.

        The order is a fixed pseudo-random permutation (hash of the id), so the judged traces
        of each stratum are a random sample of it; "suspects first" puts suspects ahead.
        """
        with self.cursor() as cur:
            return cur.execute(f"""
                SELECT t.trace_id, count(DISTINCT r.who) AS reviewers
                FROM traces_effective t
                LEFT JOIN labels_by_reviewer r ON r.trace_id = t.trace_id
                     AND r.kind = 'reasoning' AND r.step_index IS NULL
                WHERE t.generator = ? AND t.correct
                GROUP BY t.trace_id, t.suspect
                HAVING count(*) FILTER (WHERE r.who = ?) = 0
                ORDER BY {"t.suspect DESC," if suspects_first else ""} hash(t.trace_id)
                LIMIT ?""", [generator, who, limit]).fetchall()

    def review_strata(self, generator: str) -> list[tuple[int, int, int]]:
        """(traces, decisively judged, false positives) for suspects and for the rest."""
        with self.cursor() as cur:
            return cur.execute("""
                SELECT count(*),
                       count(*) FILTER (WHERE l.value IN ('correct', 'false_positive')),
                       count(*) FILTER (WHERE l.value = 'false_positive')
                FROM traces_effective t
                LEFT JOIN labels_latest l ON l.trace_id = t.trace_id AND l.kind = 'reasoning'
                     AND l.step_index IS NULL
                WHERE t.generator = ? AND t.correct
                GROUP BY t.suspect ORDER BY t.suspect DESC""", [generator]).fetchall()

    def reviewer_verdicts(self, generator: str) -> list[tuple[str, str, str]]:
        """(trace, reviewer, verdict): each reviewer's latest verdict on the generator's traces."""
        with self.cursor() as cur:
            return cur.execute("""
                SELECT r.trace_id, r.who, r.value FROM labels_by_reviewer r
                JOIN traces t USING (trace_id)
                WHERE t.generator = ? AND r.kind = 'reasoning' AND r.step_index IS NULL
                ORDER BY r.trace_id, r.who""", [generator]).fetchall()

    # -- metrics --------------------------------------------------------------------------
    def samples_per_problem(self, generator: str, source: str | None = None
                            ) -> list[tuple[int, int]]:
        """(samples, correct samples) of each problem the generator answered."""
        with self.cursor() as cur:
            return cur.execute("""
                SELECT count(*), count(*) FILTER (WHERE t.correct)
                FROM traces_effective t JOIN problems p USING (problem_id)
                WHERE t.generator = ? AND (? IS NULL OR p.source = ?)
                GROUP BY t.problem_id""", [generator, source, source]).fetchall()

    def metric_inputs(self) -> pd.DataFrame:
        """One row per trace with what the metrics need: problem, generator, run, verdicts,
        the latest human reasoning verdict, complexity and the run's FLOPs per sample."""
        return self.df("""
            SELECT t.trace_id, t.problem_id, t.generator, t.run_id, t.sample_index,
                   t.answer_raw, t.correct, t.suspect, t.error_kind, t.n_steps, t.n_tokens,
                   p.source, p.level, p.topic, g.params,
                   r.flops / nullif(r.n_traces, 0) AS flops_per_sample,
                   l.value AS human_verdict
            FROM traces_effective t JOIN problems p USING (problem_id)
            LEFT JOIN generators g ON g.name = t.generator
            LEFT JOIN runs r ON r.run_id = t.run_id
            LEFT JOIN labels_latest l ON l.trace_id = t.trace_id AND l.kind = 'reasoning'
                 AND l.step_index IS NULL""")

    def step_texts(self, trace_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """(trace_id, steps as a list) for the given traces, or for all."""
        where = "" if trace_ids is None else "WHERE trace_id IN (SELECT unnest(?))"
        return self.df(f"SELECT trace_id, list(text ORDER BY step_index) AS steps FROM steps "
                       f"{where} GROUP BY trace_id", [] if trace_ids is None else [list(trace_ids)])

    def problem_texts(self, problem_ids: Sequence[str]) -> dict[str, str]:
        with self.cursor() as cur:
            return dict(cur.execute("SELECT problem_id, text FROM problems WHERE problem_id IN "
                                    "(SELECT unnest(?))", [list(problem_ids)]).fetchall())

    def trace_texts(self, trace_ids: Sequence[str]) -> pd.DataFrame:
        return self.df("SELECT trace_id, text FROM traces WHERE trace_id IN (SELECT unnest(?))",
                       [list(trace_ids)])

    # -- embeddings -----------------------------------------------------------------------
    def traces_without_embedding(self, model: str, limit: int) -> pd.DataFrame:
        return self.df("""SELECT t.trace_id, t.text FROM traces t WHERE NOT EXISTS (
                              SELECT 1 FROM embeddings e WHERE e.trace_id = t.trace_id
                              AND e.model = ?) ORDER BY t.trace_id LIMIT ?""", [model, limit])

    def count_embeddings(self, model: str) -> int:
        return self.scalar("SELECT count(*) FROM embeddings WHERE model = ?", [model])

    def add_embeddings(self, model: str, trace_ids: Sequence[str], vectors) -> None:
        """Store unit vectors (rows of a float32 array) for the traces, in one transaction."""
        frame = pd.DataFrame({"trace_id": list(trace_ids), "vector": list(vectors)})
        with self.transaction() as cur:
            cur.register("_e", frame)
            cur.execute("INSERT OR IGNORE INTO embeddings SELECT trace_id, ?, "
                        "vector::FLOAT[384] FROM _e", [model])
            cur.unregister("_e")

    def embeddings_of(self, model: str, trace_ids: Sequence[str] | None = None) -> pd.DataFrame:
        where = "" if trace_ids is None else "AND trace_id IN (SELECT unnest(?))"
        return self.df(f"SELECT trace_id, vector FROM embeddings WHERE model = ? {where}",
                       [model] if trace_ids is None else [model, list(trace_ids)])

    # -- rollouts -------------------------------------------------------------------------
    def rollout_inputs(self, generator: str | None, negatives_only: bool, limit: int,
                       trace_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """Traces to roll out (or the given ones): id, problem, gold answer, steps,
        correctness, source."""
        return self.df("""
            SELECT t.trace_id, p.text AS problem, p.gold_answer AS gold,
                   list(s.text ORDER BY s.step_index) AS steps, coalesce(t.correct, false)
                   AS correct, p.source
            FROM traces_effective t JOIN problems p USING (problem_id)
            JOIN steps s USING (trace_id)
            WHERE (? IS NULL OR t.generator = ?) AND (NOT ? OR t.correct = false)
              AND (?::VARCHAR[] IS NULL OR t.trace_id IN (SELECT unnest(?::VARCHAR[])))
            GROUP BY t.trace_id, p.text, p.gold_answer, t.correct, p.source
            ORDER BY hash(t.trace_id) LIMIT ?""",
            [generator, generator, negatives_only, None if trace_ids is None else
             list(trace_ids), None if trace_ids is None else list(trace_ids), limit])

    def insert_rollout_shard(self, cur, path: Path) -> int:
        """One shard of a rollout run (a row per trace with nested values and rollouts)."""
        src = "read_parquet(?)"
        cur.execute(f"""INSERT OR REPLACE INTO step_values
            SELECT trace_id, v.prefix_steps, policy, mode, v.k, v.q_mean, v.q_best, verifier,
                   computed_at FROM (SELECT *, unnest("values") AS v FROM {src})""",
                    [str(path)])
        cur.execute(f"""INSERT OR REPLACE INTO rollouts
            SELECT trace_id, r.prefix_steps, policy, mode, r."index", r.text, r.answer,
                   r.correct, r.n_tokens FROM (SELECT *, unnest(rollouts) AS r FROM {src})""",
                    [str(path)])
        cur.execute(f"""INSERT OR REPLACE INTO pits SELECT trace_id, policy, mode, pit_step,
                        spurious, rollouts_used, computed_at FROM {src}""", [str(path)])
        return cur.execute(f"SELECT count(*) FROM {src}", [str(path)]).fetchone()[0]

    def step_values_of(self, trace_id: str) -> pd.DataFrame:
        return self.df("SELECT * FROM step_values WHERE trace_id = ? "
                       "ORDER BY policy, mode, prefix_steps", [trace_id])

    def rollouts_of(self, trace_id: str, policy: str, mode: str,
                    prefix_steps: int) -> pd.DataFrame:
        return self.df("SELECT rollout_index, text, answer, correct, n_tokens FROM rollouts "
                       "WHERE trace_id = ? AND policy = ? AND mode = ? AND prefix_steps = ? "
                       "ORDER BY rollout_index", [trace_id, policy, mode, prefix_steps])

    def pit_policies(self) -> list[str]:
        """Rollout policies that have pits (for choosing per-step training sets)."""
        with self.cursor() as cur:
            return [r[0] for r in cur.execute(
                "SELECT DISTINCT policy FROM pits ORDER BY 1").fetchall()]

    def pits_frame(self) -> pd.DataFrame:
        """Every pit with its trace's generator and the latest human first-error label."""
        return self.df("""
            SELECT pt.*, t.generator, t.n_steps, fe.value AS human_first_error
            FROM pits pt JOIN traces t USING (trace_id)
            LEFT JOIN labels_latest fe ON fe.trace_id = pt.trace_id
                 AND fe.kind = 'first_error_step' AND fe.step_index IS NULL
                 AND fe.origin = 'human'
            ORDER BY pt.policy, pt.mode, pt.trace_id""")

    def pit_inputs(self, policy: str, mode: str) -> pd.DataFrame:
        """Wrong traces with a first pit: problem, steps and the pit, for preference pairs."""
        return self.df("""
            SELECT t.trace_id, t.problem_id, p.text AS problem, pt.pit_step,
                   list(s.text ORDER BY s.step_index) AS steps
            FROM pits pt JOIN traces t USING (trace_id) JOIN problems p USING (problem_id)
            JOIN steps s USING (trace_id)
            WHERE pt.policy = ? AND pt.mode = ? AND pt.pit_step IS NOT NULL
            GROUP BY ALL ORDER BY t.trace_id""", [policy, mode])

    def positive_solutions(self, generator: str | None = None,
                           exclude_suspects: bool = False) -> pd.DataFrame:
        """Answer-correct traces nobody judged a false positive (latest verdict), with steps."""
        return self.df("""
            SELECT t.trace_id, t.problem_id, p.text AS problem, t.generator, t.text,
                   list(s.text ORDER BY s.step_index) AS steps
            FROM traces_effective t JOIN problems p USING (problem_id)
            JOIN steps s USING (trace_id)
            LEFT JOIN labels_latest l ON l.trace_id = t.trace_id AND l.kind = 'reasoning'
                 AND l.step_index IS NULL
            WHERE t.correct AND l.value IS DISTINCT FROM 'false_positive'
              AND (? IS NULL OR t.generator = ?) AND (NOT ? OR NOT t.suspect)
            GROUP BY ALL ORDER BY t.problem_id, t.trace_id""",
            [generator, generator, exclude_suspects])

    def answer_outcomes(self, generators: Sequence[str]) -> pd.DataFrame:
        """Per trace of these generators: problem, final answer, whether it is right."""
        return self.df("""
            SELECT generator, problem_id, answer_raw, correct FROM traces_effective
            WHERE list_contains(?, generator) ORDER BY generator, problem_id, trace_id""",
            [list(generators)])

    def problems_with_answers(self, generator: str | None = None) -> pd.DataFrame:
        """Problems with a gold answer that `generator` (or anyone) attempted."""
        return self.df("""
            SELECT DISTINCT p.problem_id, p.text AS problem, p.gold_answer AS gold
            FROM traces_effective t JOIN problems p USING (problem_id)
            WHERE p.gold_answer IS NOT NULL AND (? IS NULL OR t.generator = ?)
            ORDER BY p.problem_id""", [generator, generator])

    def negative_solutions(self, generator: str | None = None) -> pd.DataFrame:
        return self.df("""
            SELECT t.trace_id, t.problem_id, p.text AS problem, t.text
            FROM traces_effective t JOIN problems p USING (problem_id)
            WHERE t.correct = false AND (? IS NULL OR t.generator = ?)
            ORDER BY t.problem_id, t.trace_id""", [generator, generator])

    # -- metrics cache --------------------------------------------------------------------
    def inputs_version(self) -> str:
        """Changes whenever traces, verdicts, labels or embeddings change (cheap to compute)."""
        with self.cursor() as cur:
            row = cur.execute("""SELECT (SELECT count(*) FROM traces),
                                        (SELECT max(finished_at) FROM imports),
                                        (SELECT count(*) FROM labels),
                                        (SELECT max(labelled_at) FROM labels),
                                        (SELECT count(*) FROM embeddings),
                                        (SELECT count(*) FILTER (WHERE is_correct)
                                         + 7 * count(*) FILTER (WHERE first_failed_step >= 0)
                                         FROM traces)""").fetchone()
        return "/".join(str(v) for v in row)

    def put_cached(self, key: str, value: str, inputs_version: str) -> None:
        with self.transaction() as cur:
            cur.execute("INSERT OR REPLACE INTO metrics_cache VALUES (?, ?, ?, now())",
                        [key, value, inputs_version])

    def get_cached(self, key: str) -> tuple[str, str, object] | None:
        """(value, inputs_version, computed_at), or None."""
        with self.cursor() as cur:
            return cur.execute("SELECT value, inputs_version, computed_at FROM metrics_cache "
                               "WHERE key = ?", [key]).fetchone()

    # -- browsing -------------------------------------------------------------------------
    def filter_options(self) -> dict:
        """Values the trace filters can take, and the ranges of steps and tokens."""
        with self.cursor() as cur:
            def distinct(sql):
                return [r[0] for r in cur.execute(sql).fetchall() if r[0] is not None]
            bounds = cur.execute("SELECT coalesce(max(n_steps), 0), coalesce(max(n_tokens), 0) "
                                 "FROM traces").fetchone()
            return {
                "sources": distinct("SELECT DISTINCT source FROM problems ORDER BY 1"),
                "splits": distinct("SELECT DISTINCT split FROM problems ORDER BY 1"),
                "generators": distinct("SELECT name FROM generators ORDER BY 1"),
                "runs": distinct("SELECT run_id FROM runs ORDER BY 1"),
                "max_steps": bounds[0], "max_tokens": bounds[1],
            }

    def count_traces(self, where: str, params: list) -> int:
        return self.scalar(f"SELECT count(*) FROM traces_effective t WHERE {where}", params)

    def trace_page(self, where: str, params: list, limit: int, offset: int) -> pd.DataFrame:
        """One page of traces in a stable order; problems and labels joined for its rows only."""
        return self.df(f"""
            WITH page AS (
                SELECT t.trace_id, t.problem_id, t.generator, t.sample_index, t.answer_raw,
                       t.correct, t.suspect, t.error_kind, t.n_steps, t.n_tokens
                FROM traces_effective t WHERE {where}
                ORDER BY t.problem_id, t.generator, t.sample_index, t.trace_id
                LIMIT ? OFFSET ?)
            SELECT page.trace_id, p.source, page.generator, left(p.text, 120) AS problem,
                   page.answer_raw AS answer, p.gold_answer AS gold, page.correct,
                   page.suspect, page.error_kind, page.n_steps, page.n_tokens,
                   (SELECT count(*) FROM labels l WHERE l.trace_id = page.trace_id
                    AND l.origin = 'human') AS labels
            FROM page JOIN problems p USING (problem_id)
            ORDER BY page.problem_id, page.generator, page.sample_index, page.trace_id""",
            [*params, limit, offset])

    def problem_of(self, trace_id: str) -> dict:
        frame = self.df("SELECT p.* FROM problems p JOIN traces t USING (problem_id) "
                        "WHERE t.trace_id = ?", [trace_id])
        return frame.iloc[0].to_dict()

    def sibling_traces(self, trace_id: str, limit: int = 8) -> pd.DataFrame:
        """Other traces of the same problem (how did other generators solve it?)."""
        return self.df("""
            SELECT o.trace_id, o.generator, o.sample_index, o.answer_raw, o.correct, o.suspect,
                   o.text FROM traces_effective o
            WHERE o.problem_id = (SELECT problem_id FROM traces WHERE trace_id = ?)
              AND o.trace_id <> ? ORDER BY o.generator, o.sample_index LIMIT ?""",
            [trace_id, trace_id, limit])

    def trace(self, trace_id: str) -> dict | None:
        frame = self.df("SELECT * FROM traces_effective WHERE trace_id = ?", [trace_id])
        return None if frame.empty else frame.iloc[0].to_dict()

    def steps_of(self, trace_id: str) -> pd.DataFrame:
        return self.df("SELECT * FROM steps WHERE trace_id = ? ORDER BY step_index", [trace_id])

    def export_frame(self, generator: str | None = None, source: str | None = None,
                     labelled_only: bool = False) -> pd.DataFrame:
        """Traces with their problem, generator, run and latest human labels, for export."""
        return self.df("""
            WITH human AS (SELECT * FROM labels_latest WHERE origin = 'human'),
            ratings AS (SELECT trace_id, list(TRY_CAST(value AS INTEGER) ORDER BY step_index)
                               AS step_labels, any_value(who) AS who, count(*) AS n
                        FROM human WHERE kind = 'step_rating' GROUP BY trace_id),
            steps_of AS (SELECT trace_id, list(text ORDER BY step_index) AS steps, count(*) AS n
                         FROM steps GROUP BY trace_id)
            SELECT p.problem_id, p.source, p.split, p.text AS problem, p.gold_answer,
                   p.gold_solution, p.level, p.topic, t.generator, g.params, t.run_id AS run,
                   r.temperature, t.sample_index, t.text AS solution, s.steps,
                   t.answer_raw AS answer, t.correct AS is_correct,
                   CASE WHEN t.tokens_estimated THEN NULL ELSE t.n_tokens END AS n_tokens,
                   fe.value AS first_error_step, fe.note AS first_error_note,
                   CASE WHEN rt.n = s.n THEN rt.step_labels END AS step_labels,
                   coalesce(fe.who, rt.who) AS labeller
            FROM traces_effective t JOIN problems p USING (problem_id)
            JOIN steps_of s USING (trace_id)
            LEFT JOIN generators g ON g.name = t.generator
            LEFT JOIN runs r ON r.run_id = t.run_id
            LEFT JOIN human fe ON fe.trace_id = t.trace_id AND fe.kind = 'first_error_step'
                 AND fe.step_index IS NULL
            LEFT JOIN ratings rt ON rt.trace_id = t.trace_id
            WHERE (? IS NULL OR t.generator = ?) AND (? IS NULL OR p.source = ?)
              AND (NOT ? OR EXISTS (SELECT 1 FROM human h WHERE h.trace_id = t.trace_id))
            ORDER BY p.problem_id, t.generator, t.sample_index""",
            [generator, generator, source, source, labelled_only])

    def prm_frame(self, generator: str | None = None) -> pd.DataFrame:
        """Traces with a human first-error label (latest wins): problem, steps, that label."""
        return self.df("""
            SELECT p.text AS prompt, list(s.text ORDER BY s.step_index) AS steps,
                   fe.value AS first_error, t.trace_id, t.generator
            FROM labels_latest fe JOIN traces t USING (trace_id)
            JOIN problems p USING (problem_id) JOIN steps s USING (trace_id)
            WHERE fe.kind = 'first_error_step' AND fe.step_index IS NULL
              AND fe.origin = 'human' AND (? IS NULL OR t.generator = ?)
            GROUP BY ALL ORDER BY t.trace_id""", [generator, generator])


def _busy_message(path: Path, detail: str) -> str:
    pid = re.search(r"PID (\d+)", detail)
    who = f"process {pid.group(1)}" if pid else "another process"
    return f"{path} is held by {who} (DuckDB allows one writer per file)"
