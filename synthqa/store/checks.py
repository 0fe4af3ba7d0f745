"""Answer verdicts and step checks: what to re-check and the updates."""
from __future__ import annotations

import duckdb
import pandas as pd

from synthqa.schema import TABLE_COLUMNS
from synthqa.store.part import Part

# verdicts from a source `v` (a registered frame, or a job's shard) replace the stored ones
_SET_VERDICTS = ("UPDATE traces SET answer_raw = v.answer_raw, answer_method = v.answer_method, "
                 "is_correct = v.is_correct, verifier = v.verifier FROM {source} v "
                 "WHERE traces.trace_id = v.trace_id")


def _to_verify(verifier: str | None) -> tuple[str, list]:
    """Traces whose verdict came from another verifier (all of them when verifier is None)."""
    where = "" if verifier is None else "WHERE t.verifier IS DISTINCT FROM ?"
    return (f"SELECT t.trace_id, t.answer_raw, t.answer_method, t.text, p.gold_answer "
            f"FROM traces t JOIN problems p USING (problem_id) {where}",
            [] if verifier is None else [verifier])


class Checks(Part):
    def to_verify(self, verifier: str | None) -> pd.DataFrame:
        return self.df(*_to_verify(verifier))

    def export_to_verify(self, verifier: str | None, folder: str) -> int:
        """What to_verify returns, as Parquet files in `folder` for a cluster job."""
        return self.export(*_to_verify(verifier), folder)

    def insert_shard(self, cur, path) -> int:
        """One shard of a cluster verification run: its verdicts replace the stored ones."""
        cur.execute(_SET_VERDICTS.format(source="read_parquet(?)"), [str(path)])
        return cur.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0]

    def update_verdicts(self, frame: pd.DataFrame) -> None:
        with self.transaction() as cur:
            cur.register("_v", frame[["trace_id", "answer_raw", "answer_method", "is_correct",
                                      "verifier"]])
            cur.execute(_SET_VERDICTS.format(source="_v"))
            cur.unregister("_v")

    def to_recheck(self, checker: str | None) -> pd.DataFrame:
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

    def put_features(self, frame: pd.DataFrame) -> bool:
        """Store traces' signatures and operations (columns of trace_features). False when a
        concurrent write got in the way: they are computed again next time."""
        try:
            with self.transaction() as cur:
                cur.register("_f", frame[TABLE_COLUMNS["trace_features"]])
                cur.execute("INSERT OR REPLACE INTO trace_features SELECT * FROM _f")
                cur.unregister("_f")
            return True
        except duckdb.TransactionException:
            return False
