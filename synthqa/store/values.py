"""Monte Carlo step values, their rollouts and first pits."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from synthqa.store.part import Part


class Values(Part):
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

    def insert_shard(self, cur, path: Path) -> int:
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

    def of_trace(self, trace_id: str) -> pd.DataFrame:
        return self.df("SELECT * FROM step_values WHERE trace_id = ? "
                       "ORDER BY policy, mode, prefix_steps", [trace_id])

    def rollouts_of(self, trace_id: str, policy: str, mode: str,
                    prefix_steps: int) -> pd.DataFrame:
        return self.df("SELECT rollout_index, text, answer, correct, n_tokens FROM rollouts "
                       "WHERE trace_id = ? AND policy = ? AND mode = ? AND prefix_steps = ? "
                       "ORDER BY rollout_index", [trace_id, policy, mode, prefix_steps])

    def policies(self) -> list[str]:
        """Rollout policies that have pits (for choosing per-step training sets)."""
        with self.cursor() as cur:
            return [r[0] for r in cur.execute(
                "SELECT DISTINCT policy FROM pits ORDER BY 1").fetchall()]

    def pits_frame(self) -> pd.DataFrame:
        """Every pit with its trace's generator and the latest first-error label (and whose)."""
        return self.df("""
            SELECT pt.*, t.generator, t.n_steps, fe.value AS human_first_error,
                   fe.who AS first_error_by
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
