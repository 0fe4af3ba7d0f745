"""Problem sets: generated problems, their gold's origin and their contamination checks."""
from __future__ import annotations

import json

import pandas as pd

from synthqa.store.part import Part

CHECK_COLUMNS = ["problem_id", "test_set", "ngram_overlap", "ngram_match", "nn_similarity",
                 "nn_match", "embedder", "duplicate_of", "contaminated", "checked_at"]


class ProblemSets(Part):
    def add(self, problems: pd.DataFrame) -> int:
        """New problems (problems table columns; meta as dicts); existing ids are kept."""
        rows = problems.assign(meta=[json.dumps(m) for m in problems["meta"]])
        cols = ["problem_id", "source", "split", "text", "gold_answer", "level", "topic", "meta"]
        with self.transaction() as cur:
            before = cur.execute("SELECT count(*) FROM problems").fetchone()[0]
            cur.executemany(f"INSERT OR IGNORE INTO problems ({', '.join(cols)}) VALUES "
                            f"({', '.join('?' * len(cols))})", rows[cols].values.tolist())
            return cur.execute("SELECT count(*) FROM problems").fetchone()[0] - before

    def sources(self) -> pd.DataFrame:
        """Every problem source with its size, generated or not, and how many are checked.
        One meta per source is parsed, and the checks are counted from their own (small)
        table: at 10M problems a parse per problem or a join per problem costs seconds."""
        return self.df("""
            WITH s AS (SELECT source, count(*) AS problems, any_value(meta) AS meta
                       FROM problems GROUP BY source),
                 c AS (SELECT p.source, count(DISTINCT c.problem_id) AS checked,
                              count(DISTINCT c.problem_id) FILTER (WHERE c.contaminated)
                                  AS contaminated,
                              count(DISTINCT c.problem_id) FILTER (
                                  WHERE c.duplicate_of IS NOT NULL) AS duplicates
                       FROM problem_checks c JOIN problems p USING (problem_id)
                       GROUP BY p.source)
            SELECT s.source, s.problems,
                   json_extract_string(s.meta, '$.generated_by') AS generated_by,
                   json_extract_string(s.meta, '$.gold_method') AS gold_method,
                   coalesce(c.checked, 0) AS checked, coalesce(c.contaminated, 0) AS contaminated,
                   coalesce(c.duplicates, 0) AS duplicates
            FROM s LEFT JOIN c USING (source) ORDER BY s.source""")

    def of_source(self, source: str) -> pd.DataFrame:
        return self.df("""SELECT problem_id, text, gold_answer, meta FROM problems
                          WHERE source = ? ORDER BY problem_id""", [source])

    def put_checks(self, checks: pd.DataFrame) -> None:
        """Replace these problems' checks against these test sets."""
        with self.transaction() as cur:
            cur.register("new_checks", checks[CHECK_COLUMNS])
            cur.execute("""DELETE FROM problem_checks WHERE (problem_id, test_set) IN
                           (SELECT (problem_id, test_set) FROM new_checks)""")
            cur.execute(f"INSERT INTO problem_checks SELECT {', '.join(CHECK_COLUMNS)} "
                        "FROM new_checks")
            cur.unregister("new_checks")

    def checks(self, source: str, limit: int | None = None) -> pd.DataFrame:
        """The source's problems with their checks (one row per problem and test set),
        contaminated and most similar first, then the unchecked ones in the order they came;
        the first `limit` rows if given. The checked rows are sorted, never all the source's
        (10M problems would take seconds)."""
        checked = self.df("""
            SELECT p.problem_id, p.text, p.gold_answer,
                   json_extract_string(p.meta, '$.gold_method') AS gold_method, c.test_set,
                   c.ngram_overlap, m.text AS ngram_match, c.nn_similarity,
                   n.text AS nn_match, c.embedder, c.duplicate_of, c.contaminated
            FROM problem_checks c JOIN problems p USING (problem_id)
            LEFT JOIN problems m ON m.problem_id = c.ngram_match
            LEFT JOIN problems n ON n.problem_id = c.nn_match
            WHERE p.source = ? ORDER BY c.contaminated DESC, c.nn_similarity DESC NULLS LAST,
                  p.problem_id LIMIT ?""", [source, limit])
        if limit is not None and len(checked) >= limit:
            return checked
        rest = self.df("""
            WITH r AS (SELECT problem_id, text, gold_answer, meta FROM problems
                       WHERE source = ? AND problem_id NOT IN (SELECT problem_id
                                                               FROM problem_checks) LIMIT ?)
            SELECT problem_id, text, gold_answer,
                   json_extract_string(meta, '$.gold_method') AS gold_method FROM r""",
            [source, None if limit is None else limit - len(checked)])
        return pd.concat([checked, rest.reindex(columns=checked.columns)], ignore_index=True) \
            if len(checked) else rest.reindex(columns=checked.columns)

    def contaminated(self) -> set[str]:
        """Problems flagged against any test set: left out of every training set."""
        with self.cursor() as cur:
            return {r[0] for r in cur.execute(
                "SELECT DISTINCT problem_id FROM problem_checks WHERE contaminated").fetchall()}
