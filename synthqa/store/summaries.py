"""Per-generator summaries and the rows the metrics report reads."""
from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd

from synthqa.store.part import Part


class Summaries(Part):
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

    def quick_quality(self) -> pd.DataFrame:
        """Per generator, what needs no embeddings: accuracy, step-check suspects among the
        answer-correct traces, static and dynamic step errors, steps and tokens."""
        return self.df("""
            SELECT generator, count(*) AS traces, count(DISTINCT problem_id) AS problems,
                   avg(CASE WHEN correct THEN 1.0 WHEN correct = false THEN 0.0 END)
                       AS accuracy,
                   avg(CASE WHEN suspect THEN 1.0 ELSE 0.0 END) FILTER (WHERE correct)
                       AS suspect_share,
                   avg(CASE WHEN error_kind = 'dynamic' THEN 1.0 ELSE 0.0 END)
                       AS dynamic_errors,
                   avg(CASE WHEN error_kind = 'static' THEN 1.0 ELSE 0.0 END) AS static_errors,
                   avg(n_steps) AS steps, avg(n_tokens) AS tokens
            FROM traces_effective GROUP BY generator ORDER BY generator""")

    def generator_of_source(self, source: str, not_runs: str | None = None) -> str | None:
        """The generator with the most traces of problems from `source` (a model's domain,
        e.g. the lab models' "lab"), or None. Generators whose every run's id is LIKE
        `not_runs` (a trained model's evaluation) come after every other."""
        best = self.df("""
            SELECT t.generator FROM traces t JOIN problems p USING (problem_id)
            WHERE p.source = ? GROUP BY t.generator
            ORDER BY bool_and(coalesce(t.run_id LIKE ?, false)), count(*) DESC, t.generator
            LIMIT 1""", [source, not_runs])["generator"]
        return best.iloc[0] if len(best) else None

    def shared_problems(self) -> pd.DataFrame:
        """(a, b, problems): every pair of generators that answered common problems. Kept in
        the metrics cache until the traces change (6 s over 10M traces)."""
        version, hit = self.store.cache.inputs_version(), self.store.cache.get("shared_problems")
        if hit and hit[1] == version:
            return pd.DataFrame(json.loads(hit[0]), columns=["a", "b", "problems"])
        frame = self.df("""
            WITH gp AS (SELECT DISTINCT generator, problem_id FROM traces)
            SELECT x.generator AS a, y.generator AS b, count(*) AS problems
            FROM gp x JOIN gp y ON x.problem_id = y.problem_id AND x.generator < y.generator
            GROUP BY ALL ORDER BY problems DESC""")
        self.store.cache.put("shared_problems", frame.to_json(orient="records"), version)
        return frame

    def samples_per_problem(self, generator: str, source: str | None = None
                            ) -> list[tuple[int, int]]:
        """(samples, correct samples) of each problem the generator answered."""
        with self.cursor() as cur:
            return cur.execute("""
                SELECT count(*), count(*) FILTER (WHERE t.correct)
                FROM traces_effective t JOIN problems p USING (problem_id)
                WHERE t.generator = ? AND (? IS NULL OR p.source = ?)
                GROUP BY t.problem_id""", [generator, source, source]).fetchall()

    def metric_inputs(self, checker: str, generators: Sequence[str] | None = None,
                      trace_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per trace (of these generators, or these traces) with what the metrics
        need: problem, generator, run, verdicts, the latest human reasoning verdict,
        complexity, the run's FLOPs per sample, and the reasoning signature and operations
        found by this step `checker` (NULL where none yet)."""
        where, params = [], [checker]
        if generators is not None:
            where.append("list_contains(?, t.generator)")
            params.append(list(generators))
        if trace_ids is not None:
            where.append("t.trace_id IN (SELECT unnest(?))")
            params.append(list(trace_ids))
        return self.df(f"""
            SELECT t.trace_id, t.problem_id, t.generator, t.run_id, t.sample_index,
                   t.answer_raw, t.correct, t.suspect, t.error_kind, t.n_steps, t.n_tokens,
                   p.source, p.level, p.topic, g.params,
                   r.flops / nullif(r.n_traces, 0) AS flops_per_sample,
                   l.verdict AS human_verdict, l.who AS human_labeller,
                   f.signature, f.operations
            FROM traces_effective t JOIN problems p USING (problem_id)
            LEFT JOIN generators g ON g.name = t.generator
            LEFT JOIN runs r ON r.run_id = t.run_id
            LEFT JOIN trace_verdicts l ON l.trace_id = t.trace_id
            LEFT JOIN trace_features f ON f.trace_id = t.trace_id AND f.checker = ?
            {"WHERE " + " AND ".join(where) if where else ""}""", params)

    def generator_versions(self, model: str, checker: str) -> dict[str, str]:
        """Per generator, a version of everything its metrics read: its traces and their
        verdicts, answers, step checks and tokens, its reviewers' verdicts, its solutions
        embedded by `model`, its runs' FLOPs (and the step `checker`). One pass over the
        traces; equal versions mean equal figures."""
        rows = self.df("""
            WITH t AS (SELECT generator, count(*) AS n,
                              sum(hash(trace_id, correct, suspect, error_kind, answer_raw,
                                       n_tokens, n_steps, run_id)) AS h
                       FROM traces_effective GROUP BY generator),
                 v AS (SELECT t.generator, count(*) AS n, sum(hash(l.trace_id, l.verdict, l.who))
                              AS h FROM trace_verdicts l JOIN traces t USING (trace_id)
                       GROUP BY t.generator),
                 e AS (SELECT t.generator, count(*) AS n FROM embeddings e
                       JOIN traces t USING (trace_id) WHERE e.model = ? GROUP BY t.generator),
                 r AS (SELECT generator, sum(flops) AS flops FROM runs GROUP BY generator)
            SELECT t.generator, concat_ws('/', ?, t.n, t.h, coalesce(v.n, 0), coalesce(v.h, 0),
                                          coalesce(e.n, 0), coalesce(r.flops, 0)) AS version
            FROM t LEFT JOIN v USING (generator) LEFT JOIN e USING (generator)
            LEFT JOIN r USING (generator) ORDER BY t.generator""", [model, checker])
        return dict(zip(rows["generator"], rows["version"]))

    def trace_generators(self) -> pd.DataFrame:
        """(trace_id, generator) of every trace."""
        return self.df("SELECT trace_id, generator FROM traces")

    def answer_outcomes(self, generators: Sequence[str]) -> pd.DataFrame:
        """Per trace of these generators: problem, final answer, whether it is right."""
        return self.df("""
            SELECT generator, problem_id, answer_raw, correct FROM traces_effective
            WHERE list_contains(?, generator) ORDER BY generator, problem_id, trace_id""",
            [list(generators)])
