"""Human labels: writing, undoing, the review queue's reads, agreement and PRM exports."""
from __future__ import annotations

import pandas as pd

from synthqa.schema import TABLE_COLUMNS
from synthqa.store.part import Part


class Labels(Part):
    def add(self, label: dict) -> None:
        self.add_many([label])

    def add_many(self, labels: list[dict]) -> list[str]:
        """Several labels given by one action: all committed together, or none. A label that
        says what its reviewer's latest one on that trace, step and kind says (value and note)
        is that label, not a new row: a click delivered twice (a resent request, a reconnected
        tab under load) writes once. Returns the ids that hold the labels."""
        cols = TABLE_COLUMNS["labels"]
        ids = []
        with self.transaction() as cur:
            for label in labels:
                same = cur.execute("""
                    SELECT label_id FROM (
                        SELECT label_id, value, note FROM labels
                        WHERE trace_id = ? AND kind = ? AND who = ?
                          AND step_index IS NOT DISTINCT FROM ?
                        ORDER BY labelled_at DESC, label_id DESC LIMIT 1)
                    WHERE value = ? AND note IS NOT DISTINCT FROM ?""",
                    [label["trace_id"], label["kind"], label["who"], label.get("step_index"),
                     label["value"], label.get("note")]).fetchone()
                if same:
                    ids.append(same[0])
                    continue
                cur.execute(f"INSERT INTO labels ({', '.join(cols)}) VALUES "
                            f"({', '.join('?' * len(cols))})", [label.get(c) for c in cols])
                ids.append(label["label_id"])
        return ids

    def delete(self, label_ids: list[str], who: str) -> int:
        """Undo: remove labels this reviewer just gave (never somebody else's)."""
        with self.transaction() as cur:
            before = cur.execute("SELECT count(*) FROM labels").fetchone()[0]
            cur.execute("DELETE FROM labels WHERE label_id IN (SELECT unnest(?)) AND who = ?",
                        [label_ids, who])
            return before - cur.execute("SELECT count(*) FROM labels").fetchone()[0]

    def of_trace(self, trace_id: str) -> pd.DataFrame:
        return self.df("SELECT * FROM labels WHERE trace_id = ? ORDER BY labelled_at", [trace_id])

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
                LEFT JOIN human_verdicts r ON r.trace_id = t.trace_id
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
                       count(*) FILTER (WHERE l.verdict IN ('correct', 'false_positive')),
                       count(*) FILTER (WHERE l.verdict = 'false_positive')
                FROM traces_effective t LEFT JOIN trace_verdicts l USING (trace_id)
                WHERE t.generator = ? AND t.correct
                GROUP BY t.suspect ORDER BY t.suspect DESC""", [generator]).fetchall()

    def reviewer_verdicts(self, generator: str) -> list[tuple[str, str, str]]:
        """(trace, reviewer, verdict): each labeller's latest verdict on the generator's traces
        (a Review-page verdict or an imported first-error label alike)."""
        with self.cursor() as cur:
            return cur.execute("""
                SELECT r.trace_id, r.who, r.verdict FROM human_verdicts r
                JOIN traces t USING (trace_id) WHERE t.generator = ?
                ORDER BY r.trace_id, r.who""", [generator]).fetchall()

    def verdict_labellers(self, generator: str | None = None) -> dict[str, list[tuple[str, int]]]:
        """generator -> [(labeller, decisive verdicts on its answer-correct traces)], the
        labels an FPR rests on (the latest verdict of each trace counts)."""
        with self.cursor() as cur:
            rows = cur.execute("""
                SELECT t.generator, v.who, count(*) FROM traces_effective t
                JOIN trace_verdicts v USING (trace_id)
                WHERE t.correct AND v.verdict IN ('correct', 'false_positive')
                  AND (? IS NULL OR t.generator = ?)
                GROUP BY ALL ORDER BY 1, 3 DESC, 2""", [generator, generator]).fetchall()
        out: dict[str, list[tuple[str, int]]] = {}
        for gen, who, n in rows:
            out.setdefault(gen, []).append((who, n))
        return out

    def fpr_inputs(self, generator: str) -> pd.DataFrame:
        """The generator's answer-correct traces: id, suspect, the FPR's verdict (or None) and
        its labeller: what the FPR estimators (labels only, labels + judge) read."""
        return self.df("""
            SELECT t.trace_id, t.suspect, v.verdict, v.who AS labeller
            FROM traces_effective t LEFT JOIN trace_verdicts v USING (trace_id)
            WHERE t.generator = ? AND t.correct ORDER BY hash(t.trace_id)""", [generator])

    def labelled_pits(self, generator: str | None = None) -> pd.DataFrame:
        """Traces whose latest first-error label names a step (a reviewer's, an imported one,
        or the lab's exact one), in the columns of Values.pit_inputs: the label as the pit."""
        return self.df("""
            SELECT t.trace_id, t.problem_id, p.text AS problem,
                   TRY_CAST(fe.value AS INTEGER) AS pit_step,
                   list(s.text ORDER BY s.step_index) AS steps
            FROM labels_latest fe JOIN traces t USING (trace_id)
            JOIN problems p USING (problem_id) JOIN steps s USING (trace_id)
            WHERE fe.kind = 'first_error_step' AND fe.step_index IS NULL
              AND fe.origin = 'human' AND TRY_CAST(fe.value AS INTEGER) >= 0
              AND (? IS NULL OR t.generator = ?)
            GROUP BY ALL ORDER BY t.trace_id""", [generator, generator])

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
