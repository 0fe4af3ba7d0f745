"""Judge verdicts: each judge's score and predicted first wrong step per trace, and what the
judges are compared with (human labels)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from synthqa.store.part import Part


class Judges(Part):
    def insert_shard(self, cur, path: Path) -> int:
        """One shard of a judge run (a row per trace); a later run of a judge replaces it."""
        cur.execute("""INSERT OR REPLACE INTO judge_scores
            SELECT trace_id, judge, version, settings, score, first_step, votes, votes_flawed,
                   unparsed, detail, run_id, computed_at FROM read_parquet(?)""", [str(path)])
        return cur.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0]

    def names(self) -> list[str]:
        with self.cursor() as cur:
            return [r[0] for r in cur.execute(
                "SELECT DISTINCT judge FROM judge_scores ORDER BY 1").fetchall()]

    def summary(self) -> pd.DataFrame:
        """Per judge: version, traces scored, unparsed replies, last run."""
        return self.df("""SELECT judge, any_value(version) AS version, count(*) AS traces,
                                 count(*) FILTER (WHERE score IS NULL) AS no_score,
                                 sum(unparsed)::BIGINT AS unparsed,
                                 sum(votes)::BIGINT AS votes,
                                 max(computed_at) AS computed_at
                          FROM judge_scores GROUP BY judge ORDER BY judge""")

    def inputs(self, generators: str | Sequence[str] | None, answer_correct_only: bool,
               limit: int, trace_ids: Sequence[str] | None = None,
               per_generator: bool = False) -> pd.DataFrame:
        """Traces to judge: id, problem, gold answer, steps (answer-correct ones by default),
        of one generator, a list of them or (None) every one; at most `limit` in all, or of
        each generator."""
        chosen = [generators] if isinstance(generators, str) else \
            (None if generators is None else list(generators))
        ids = None if trace_ids is None else list(trace_ids)
        return self.df(f"""
            SELECT t.trace_id, t.generator, p.text AS problem,
                   p.gold_answer AS gold, list(s.text ORDER BY s.step_index) AS steps
            FROM traces_effective t JOIN problems p USING (problem_id)
            JOIN steps s USING (trace_id)
            WHERE (?::VARCHAR[] IS NULL OR t.generator IN (SELECT unnest(?::VARCHAR[])))
              AND (NOT ? OR t.correct)
              AND (?::VARCHAR[] IS NULL OR t.trace_id IN (SELECT unnest(?::VARCHAR[])))
            GROUP BY t.trace_id, t.generator, p.text, p.gold_answer
            QUALIFY row_number() OVER ({'PARTITION BY t.generator'
                                        if per_generator else ''}
                                       ORDER BY hash(t.trace_id)) <= ?
            ORDER BY hash(t.trace_id)""",
            [chosen, chosen, answer_correct_only, ids, ids, limit])

    def step_values(self, trace_ids: Sequence[str], policy: str, mode: str) -> pd.DataFrame:
        """(trace_id, values: [(prefix_steps, q_mean)]) of one rollout policy and search."""
        return self.df("""
            SELECT trace_id, list([prefix_steps::DOUBLE, q_mean] ORDER BY prefix_steps)
                   AS "values"
            FROM step_values WHERE policy = ? AND mode = ?
              AND trace_id IN (SELECT unnest(?)) GROUP BY trace_id""",
            [policy, mode, list(trace_ids)])

    def against_humans(self, judge: str | None = None) -> pd.DataFrame:
        """Every (judge verdict, human verdict) on the same trace, one row per labeller: the
        labeller's latest verdict and first wrong step (-1 = none, NULL = not located)."""
        return self.df("""
            SELECT j.judge, v.who AS labeller, t.generator, t.trace_id, t.correct,
                   t.n_steps, j.score, j.first_step AS judge_step, v.verdict,
                   CASE WHEN v.verdict = 'correct' THEN -1
                        ELSE TRY_CAST(fe.value AS INTEGER) END AS human_step
            FROM judge_scores j JOIN traces_effective t USING (trace_id)
            JOIN human_verdicts v ON v.trace_id = j.trace_id
            LEFT JOIN labels_by_reviewer fe ON fe.trace_id = v.trace_id AND fe.who = v.who
                 AND fe.kind = 'first_error_step' AND fe.step_index IS NULL
            WHERE v.verdict IN ('correct', 'false_positive') AND (? IS NULL OR j.judge = ?)
              AND j.score IS NOT NULL  -- a judge that could not tell is not a "no error"
            ORDER BY j.judge, v.who, t.generator, t.trace_id""", [judge, judge])

    def scores(self, judge: str, generator: str) -> pd.DataFrame:
        """The judge's scores on the generator's answer-correct traces, with the FPR's human
        verdict where there is one (what prediction-powered inference reads)."""
        return self.df("""
            SELECT t.trace_id, t.suspect, j.score, v.verdict, v.who AS labeller
            FROM traces_effective t LEFT JOIN judge_scores j
                 ON j.trace_id = t.trace_id AND j.judge = ?
            LEFT JOIN trace_verdicts v ON v.trace_id = t.trace_id
            WHERE t.generator = ? AND t.correct ORDER BY hash(t.trace_id)""",
            [judge, generator])
