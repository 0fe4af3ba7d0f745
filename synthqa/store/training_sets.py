"""Solutions and problems that training sets are built from."""
from __future__ import annotations

import pandas as pd

from synthqa.store.part import Part


class TrainingSets(Part):
    def positives(self, generator: str | None = None, exclude_suspects: bool = False) -> pd.DataFrame:
        """Answer-correct traces nobody judged a false positive (latest verdict), with steps."""
        return self.df("""
            SELECT t.trace_id, t.problem_id, p.text AS problem, t.generator, t.text,
                   list(s.text ORDER BY s.step_index) AS steps
            FROM traces_effective t JOIN problems p USING (problem_id)
            JOIN steps s USING (trace_id)
            LEFT JOIN trace_verdicts l ON l.trace_id = t.trace_id
            WHERE t.correct AND l.verdict IS DISTINCT FROM 'false_positive'
              AND (? IS NULL OR t.generator = ?) AND (NOT ? OR NOT t.suspect)
            GROUP BY ALL ORDER BY t.problem_id, t.trace_id""",
            [generator, generator, exclude_suspects])

    def negatives(self, generator: str | None = None) -> pd.DataFrame:
        return self.df("""
            SELECT t.trace_id, t.problem_id, p.text AS problem, t.text
            FROM traces_effective t JOIN problems p USING (problem_id)
            WHERE t.correct = false AND (? IS NULL OR t.generator = ?)
            ORDER BY t.problem_id, t.trace_id""", [generator, generator])

    def problems_with_answers(self, generator: str | None = None) -> pd.DataFrame:
        """Problems with a gold answer that `generator` (or anyone) attempted."""
        return self.df("""
            SELECT DISTINCT p.problem_id, p.text AS problem, p.gold_answer AS gold
            FROM traces_effective t JOIN problems p USING (problem_id)
            WHERE p.gold_answer IS NOT NULL AND (? IS NULL OR t.generator = ?)
            ORDER BY p.problem_id""", [generator, generator])
