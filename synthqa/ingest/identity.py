"""Problem identity: a problem id a file gives is scoped to its source.

Files from different sources reuse ids ("0", "1", …); a reused id must never put one file's
traces under another file's problem (graded against its gold answer). So a given id names one
(source, text): the same id from another source is kept as "SOURCE:ID"; the same id and source
with a different text is an error named per record, never merged. Within a file this is settled
while it is read (`ProblemIds`); against the workspace, in the import's transaction
(`resolve`, over the collisions the store finds).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from synthqa.ingest.records import RecordError, TraceRecord


def scoped(source: str, problem_id: str) -> str:
    return f"{source}:{problem_id}"


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


class ProblemIds:
    """The ids a file has given so far: id -> (source, stripped text, where first given)."""

    def __init__(self) -> None:
        self.seen: dict[str, tuple[str, int, str]] = {}

    def claim(self, rec: TraceRecord, where: str) -> str | None:
        """Settle `rec.problem_id` (kept, or scoped to its source: then a note saying so), or
        raise RecordError."""
        if rec.problem_id is None:
            return None
        given, text = rec.problem_id, hash(rec.problem.strip())
        for candidate in (given, scoped(rec.source, given)):
            first = self.seen.setdefault(candidate, (rec.source, text, where))
            if first[:2] == (rec.source, text):
                rec.problem_id = candidate
                return None if candidate == given or first[2] != where else (
                    f"problem_id {given!r} names another source's problem in this file "
                    f"({self.seen[given][2]}); this source's problem is kept as {candidate!r}")
            if first[0] == rec.source:
                raise RecordError(f"problem_id {candidate!r} names a different problem of "
                                  f"source {rec.source!r} at {first[2]}; give this one its "
                                  "own problem_id")
        raise RecordError(f"problem_id {rec.problem_id!r} is used by other problems of "
                          f"this file ({first[2]})")


@dataclass
class Collision:
    """A staged problem whose id the workspace holds for another problem, and what the
    workspace holds under the scoped id."""
    problem_id: str
    source: str
    text: str
    located: str | None
    n_traces: int
    stored_source: str
    stored_text: str
    scoped_source: str | None = None
    scoped_text: str | None = None


@dataclass
class Resolution:
    renamed: dict[str, str] = field(default_factory=dict)   # staged id -> scoped id
    dropped: list[str] = field(default_factory=list)        # staged ids not imported
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _same(source: str, text: str, other_source: str | None, other_text: str | None) -> bool:
    return source == other_source and text.strip() == (other_text or "").strip()


def resolve(collisions: list[Collision]) -> Resolution:
    """What to do with each collision: scope it to its source where the scoped id is free or
    already this problem; else leave its traces out, naming it."""
    out = Resolution()
    for c in collisions:
        if _same(c.source, c.text, c.stored_source, c.stored_text):
            continue
        where = f"{c.located}: " if c.located else ""
        other = f"(source {c.stored_source!r}: {_short(c.stored_text)!r})"
        new = scoped(c.source, c.problem_id)
        if c.source != c.stored_source and (
                c.scoped_source is None or _same(c.source, c.text, c.scoped_source,
                                                 c.scoped_text)):
            out.renamed[c.problem_id] = new
            out.notes.append(f"{where}problem_id {c.problem_id!r} names another problem in the "
                             f"workspace {other}; this source's problem is kept as {new!r}")
            continue
        out.dropped.append(c.problem_id)
        out.errors.append(f"{where}problem_id {c.problem_id!r} names another problem in the "
                          f"workspace {other}; its {c.n_traces:,} trace(s) were not imported. "
                          "Give it its own problem_id (or the same text)")
    return out
