"""Trace filters: what the traces page and the CLI can slice by, turned into SQL."""
from __future__ import annotations

from dataclasses import dataclass

# "source disagrees": the answer check and the source file's own verdict differ
CORRECTNESS = ("any", "correct", "wrong", "unverified", "source disagrees")
LABEL_STATES = ("any", "labelled", "unlabelled", "disagreement")
SUSPECT_STATES = ("any", "suspects", "clean")

# Human verdicts on a trace (Review page or imported labels), latest per labeller; "disagreement" = reviewers differ.
_LABELLED = ("EXISTS (SELECT 1 FROM labels l WHERE l.trace_id = t.trace_id "
             "AND l.origin = 'human')")
_DISAGREE = ("(SELECT count(DISTINCT verdict) FROM human_verdicts r WHERE r.trace_id = "
             "t.trace_id AND r.verdict <> 'unsure') > 1")


@dataclass(frozen=True)
class TraceFilter:
    """Every field narrows the traces; defaults select everything."""
    sources: tuple[str, ...] = ()
    splits: tuple[str, ...] = ()
    generators: tuple[str, ...] = ()
    runs: tuple[str, ...] = ()
    correctness: str = "any"
    label_state: str = "any"
    suspect: str = "any"
    steps: tuple[int, int] | None = None    # inclusive range of step counts
    tokens: tuple[int, int] | None = None   # inclusive range of token counts
    text: str = ""                          # substring of problem or solution, any case

    def where(self) -> tuple[str, list]:
        """SQL condition over `traces_effective t` (or `traces_auto t`), and its parameters.

        Problem fields are tested through `t.problem_id IN (…)`, so counting and paging never
        join the problems of a million traces; the page joins them for its own rows only.
        """
        clauses: list[str] = []
        params: list = []
        problem_clauses, problem_params = [], []
        for column, values, into, args in (
                ("source", self.sources, problem_clauses, problem_params),
                ("split", self.splits, problem_clauses, problem_params),
                ("t.generator", self.generators, clauses, params),
                ("t.run_id", self.runs, clauses, params)):
            if values:
                into.append(f"{column} IN ({', '.join('?' * len(values))})")
                args.extend(values)
        if problem_clauses:
            clauses.append("t.problem_id IN (SELECT problem_id FROM problems WHERE "
                           + " AND ".join(problem_clauses) + ")")
            params.extend(problem_params)
        clauses.extend({"any": [], "correct": ["t.correct"], "wrong": ["NOT t.correct"],
                        "unverified": ["t.correct IS NULL"],
                        "source disagrees": ["t.correct <> t.source_is_correct"]}
                       [self.correctness])
        clauses.extend({"any": [], "labelled": [_LABELLED], "unlabelled": [f"NOT {_LABELLED}"],
                        "disagreement": [_DISAGREE]}[self.label_state])
        clauses.extend({"any": [], "suspects": ["t.suspect"], "clean": ["NOT t.suspect"]}
                       [self.suspect])
        for column, bounds in (("t.n_steps", self.steps), ("t.n_tokens", self.tokens)):
            if bounds is not None:
                clauses.append(f"{column} BETWEEN ? AND ?")
                params.extend(bounds)
        if self.text.strip():
            clauses.append("(t.text ILIKE ? ESCAPE '\\' OR t.problem_id IN (SELECT problem_id "
                           "FROM problems WHERE text ILIKE ? ESCAPE '\\'))")
            pattern = contains_pattern(self.text.strip())
            params.extend([pattern, pattern])
        return (" AND ".join(clauses) or "TRUE"), params


def contains_pattern(text: str) -> str:
    """An ILIKE pattern (ESCAPE '\\') matching any text that contains `text` literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
