"""Browsing traces: filters, pages, one trace with its problem, steps and siblings, exports."""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

import pandas as pd

from synthqa.store.filters import contains_pattern
from synthqa.store.part import Part

STEP_WINDOW = 20_000   # traces either side whose steps may lie among a trace's: a staged part's
                       # (synthqa.ingest.staging.CHUNK_RECORDS)
_TESTS_CORRECTNESS = re.compile(r"\bt\.(correct|suspect)\b")   # in synthqa.store.filters' SQL


def _among(ids: list[str], column: str = "t.trace_id") -> tuple[str, list]:
    """`column` (a primary key) is one of `ids`: as a list of values DuckDB looks up in the
    key's index (up to its index_scan_max_count, 2048), as one list parameter (a hash join
    over the whole table) past that."""
    if len(ids) <= 2048:
        return f"{column} IN ({', '.join('?' * len(ids)) or 'NULL'})", ids
    return f"{column} IN (SELECT unnest(?::VARCHAR[]))", [ids]


class Traces(Part):
    def generators(self) -> list[str]:
        """Every generator's name, in name order."""
        return [r[0] for r in self.df("SELECT name FROM generators ORDER BY 1").itertuples(
            index=False)]

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
                "generators": self.generators(),
                "runs": distinct("SELECT run_id FROM runs ORDER BY 1"),
                "max_steps": bounds[0], "max_tokens": bounds[1],
            }

    def where(self, flt) -> tuple[str, list]:
        """The filter's SQL condition; a text query answered by the full-text index
        (synthqa.store.search) when it is in sync: the ILIKE test runs on its candidates only,
        and the rest of the filter on the traces that pass it."""
        text = flt.text.strip()
        if text and self.store.search_in_sync():
            ids = self.store.search.candidates(text)
            if ids is not None:
                where, params = replace(flt, text="").where()
                among, ids = _among(self._containing(ids, text))
                return f"{among} AND {where}", [*ids, *params]
        return flt.where()

    def _containing(self, ids: list[str], text: str) -> list[str]:
        """Of these traces, those whose solution or problem contains `text` (any case). The
        rows are read first (MATERIALIZED: an ILIKE beside the key test would turn the index
        lookup into a scan), then tested."""
        pattern = contains_pattern(text)
        among, params = _among(ids)
        with self.cursor() as cur:
            rows = cur.execute(f"""
                WITH c AS MATERIALIZED (SELECT t.trace_id, t.problem_id, t.text FROM traces t
                                        WHERE {among})
                SELECT trace_id, problem_id, text ILIKE ? ESCAPE '\\' FROM c""",
                [*params, pattern]).fetchall()
            problems = list({problem for _, problem, found in rows if not found})
            among, params = _among(problems, "p.problem_id")
            found = {r[0] for r in cur.execute(f"""
                WITH c AS MATERIALIZED (SELECT p.problem_id, p.text FROM problems p
                                        WHERE {among})
                SELECT problem_id FROM c WHERE text ILIKE ? ESCAPE '\\'""",
                [*params, pattern]).fetchall()} if problems else set()
        return [trace for trace, problem, hit in rows if hit or problem in found]

    def index_rows(self, import_id: str | None = None, batch: int = 50_000):
        """(trace_id, problem, text) frames of every trace, or of one import's, for the index."""
        with self.cursor() as cur:
            reader = cur.sql("""
                SELECT t.trace_id, p.text AS problem, t.text FROM traces t
                JOIN problems p USING (problem_id) WHERE $1::VARCHAR IS NULL
                  OR t.import_id = $1""", params=[import_id]).to_arrow_reader(batch)
            for chunk in reader:
                yield chunk.to_pandas()

    def count(self, where: str, params: list) -> int:
        return self.scalar(f"SELECT count(*) FROM {self._source(where)} t WHERE {where}", params)

    def page(self, where: str, params: list, limit: int, offset: int) -> pd.DataFrame:
        """One page of traces in import order; problems and labels joined for its rows only.
        Without a join, DuckDB keeps the table's order (preserve_insertion_order) and skips
        to the offset without sorting: the last of 200,000 pages costs what the first does."""
        source = self._source(where)
        order = "" if source == "traces_auto" else "ORDER BY t.row_id"
        return self.df(f"""
            WITH page AS (
                SELECT t.row_id, t.trace_id, t.problem_id, t.generator, t.answer_raw,
                       t.correct, t.suspect, t.error_kind, t.n_steps, t.n_tokens
                FROM {source} t WHERE {where} {order} LIMIT ? OFFSET ?)
            SELECT page.trace_id, p.source, page.generator, left(p.text, 120) AS problem,
                   page.answer_raw AS answer, p.gold_answer AS gold, page.correct,
                   page.suspect, page.error_kind, page.n_steps, page.n_tokens,
                   (SELECT count(*) FROM labels l WHERE l.trace_id = page.trace_id
                    AND l.origin = 'human') AS labels
            FROM page JOIN problems p USING (problem_id) ORDER BY page.row_id""",
            [*params, limit, offset])

    def _source(self, where: str) -> str:
        """traces_effective where a filter tests correctness and a reviewer's answer label
        exists (its join costs ~0.1 s per 10M traces), else traces_auto."""
        if not _TESTS_CORRECTNESS.search(where):
            return "traces_auto"
        overridden = self.scalar("SELECT EXISTS (SELECT 1 FROM labels WHERE kind = "
                                 "'answer_correct' AND step_index IS NULL)")
        return "traces_effective" if overridden else "traces_auto"

    def problem_of(self, trace_id: str) -> dict:
        frame = self.df("SELECT p.* FROM problems p JOIN traces t USING (problem_id) "
                        "WHERE t.trace_id = ?", [trace_id])
        return frame.iloc[0].to_dict()

    def siblings(self, trace_id: str, limit: int = 8) -> pd.DataFrame:
        """Other traces of the same problem (how did other generators solve it?)."""
        return self.df("""
            SELECT o.trace_id, o.generator, o.sample_index, o.answer_raw, o.correct, o.suspect,
                   o.text FROM traces_effective o
            WHERE o.problem_id = (SELECT problem_id FROM traces WHERE trace_id = ?)
              AND o.trace_id <> ? ORDER BY o.generator, o.sample_index LIMIT ?""",
            [trace_id, trace_id, limit])

    def get(self, trace_id: str) -> dict | None:
        frame = self.df("SELECT * FROM traces_effective WHERE trace_id = ?", [trace_id])
        return None if frame.empty else frame.iloc[0].to_dict()

    def steps_of(self, trace_id: str) -> pd.DataFrame:
        """A trace's steps. DuckDB has no index on steps.trace_id, and a scan of 50M steps
        takes ~0.4 s. An import inserts its traces, then its steps, part by part (the rows of
        a part in any order), so a trace's steps lie among those of the traces within a part's
        length of it: that window is read first, the whole table only when it lacks some."""
        sql = "SELECT * FROM steps WHERE trace_id = ? {} ORDER BY step_index"
        with self.cursor() as cur:
            me = cur.execute("SELECT rowid, n_steps FROM traces WHERE trace_id = ?",
                             [trace_id]).fetchone()
            if me and me[1]:
                start, end = cur.execute(
                    "SELECT coalesce(sum(n_steps) FILTER (WHERE rowid < $1 - $2), 0), "
                    "coalesce(sum(n_steps) FILTER (WHERE rowid <= $1 + $2), 0) FROM traces",
                    [me[0], STEP_WINDOW]).fetchone()
                near = cur.execute(sql.format("AND rowid BETWEEN ? AND ?"),
                                   [trace_id, start, end - 1]).df()
                if len(near) == me[1]:
                    return near
            return cur.execute(sql.format(""), [trace_id]).df()

    def step_texts(self, trace_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """(trace_id, steps as a list) for the given traces, or for all."""
        where = "" if trace_ids is None else "WHERE trace_id IN (SELECT unnest(?))"
        return self.df(f"SELECT trace_id, list(text ORDER BY step_index) AS steps FROM steps "
                       f"{where} GROUP BY trace_id", [] if trace_ids is None else [list(trace_ids)])

    def problem_texts(self, problem_ids: Sequence[str]) -> dict[str, str]:
        with self.cursor() as cur:
            return dict(cur.execute("SELECT problem_id, text FROM problems WHERE problem_id IN "
                                    "(SELECT unnest(?))", [list(problem_ids)]).fetchall())

    def texts(self, trace_ids: Sequence[str]) -> pd.DataFrame:
        return self.df("SELECT trace_id, text FROM traces WHERE trace_id IN (SELECT unnest(?))",
                       [list(trace_ids)])

    def export_rows(self, generator: str | None = None, source: str | None = None,
                    labelled_only: bool = False, batch: int = 10_000) -> Iterator[list[dict]]:
        """Traces with their problem, generator, run and latest human labels, for export; with
        every labeller's latest labels as a list (`labels`) and how many labellers there are.
        In batches of rows (streamed: a workspace of millions of traces is never held)."""
        params = [generator, generator, source, source, labelled_only]
        for rows in self.batches(EXPORT_SQL, params, batch):
            yield rows.to_pylist()


# Every trace with its problem, run and human labels, as the trace format has them.
EXPORT_SQL = """
WITH human AS (SELECT * FROM labels_latest WHERE origin = 'human'),
ratings AS (SELECT trace_id, list(TRY_CAST(value AS INTEGER) ORDER BY step_index)
                   AS step_labels, any_value(who) AS who, count(*) AS n
            FROM human WHERE kind = 'step_rating' GROUP BY trace_id),
steps_of AS (SELECT trace_id, list(text ORDER BY step_index) AS steps, count(*) AS n,
                    any_value(splitter) AS splitter
             FROM steps GROUP BY trace_id),
every AS (SELECT trace_id, count(DISTINCT who) AS labellers,
                 list({'kind': kind, 'value': value, 'labeller': who,
                       'step': step_index, 'note': note,
                       'at': strftime(labelled_at, '%Y-%m-%dT%H:%M:%S.%f')}
                      ORDER BY labelled_at, kind, step_index, who) AS labels
          FROM labels_by_reviewer WHERE origin = 'human' GROUP BY trace_id)
SELECT p.problem_id, p.source, p.split, p.text AS problem, p.gold_answer,
       p.gold_solution, p.level, p.topic, t.generator, g.params, t.run_id AS run,
       r.temperature, t.sample_index, t.text AS solution, s.steps, s.splitter,
       t.answer_raw AS answer, t.source_is_correct AS is_correct,
       t.correct AS verified_correct, t.meta, rv.value AS reasoning,
       CASE WHEN t.tokens_estimated THEN NULL ELSE t.n_tokens END AS n_tokens,
       fe.value AS first_error_step, fe.note AS first_error_note,
       CASE WHEN rt.n = s.n THEN rt.step_labels END AS step_labels,
       coalesce(rv.who, fe.who, rt.who) AS labeller, ev.labels,
       coalesce(ev.labellers, 0) AS labellers
FROM traces_effective t JOIN problems p USING (problem_id)
JOIN steps_of s USING (trace_id)
LEFT JOIN generators g ON g.name = t.generator
LEFT JOIN runs r ON r.run_id = t.run_id
LEFT JOIN human fe ON fe.trace_id = t.trace_id AND fe.kind = 'first_error_step'
     AND fe.step_index IS NULL
LEFT JOIN ratings rt ON rt.trace_id = t.trace_id
LEFT JOIN human rv ON rv.trace_id = t.trace_id AND rv.kind = 'reasoning'
     AND rv.step_index IS NULL
LEFT JOIN every ev ON ev.trace_id = t.trace_id
WHERE (? IS NULL OR t.generator = ?) AND (? IS NULL OR p.source = ?)
  AND (NOT ? OR EXISTS (SELECT 1 FROM human h WHERE h.trace_id = t.trace_id))
ORDER BY p.problem_id, t.generator, t.sample_index"""
