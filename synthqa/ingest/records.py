"""The generic trace record (see data/README.md) and its validation."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

NO_ERROR = -1  # first_error_step of a trace labelled as having no wrong step
REASONING_VERDICTS = ("correct", "false_positive", "unsure")  # as the Review page writes them


class RecordError(ValueError):
    """A record that cannot be imported; the reader adds file and line."""


MAX_DEPTH = 100  # nesting of a record (in meta): every reader and the worker processes agree


def too_deep(obj: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether lists and objects nest past `limit`, found without recursion."""
    stack = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        stack.extend((v, depth + 1) for v in value if isinstance(v, (dict, list)))
    return False


def deep_error() -> RecordError:
    return RecordError(f"invalid JSON: nested deeper than {MAX_DEPTH} levels")


@dataclass
class TraceRecord:
    problem: str
    generator: str
    text: str | None = None          # the solution as one text
    steps: list[str] | None = None   # or its steps, kept as given
    gold_answer: str | None = None
    source: str = "import"
    split: str | None = None
    problem_id: str | None = None
    gold_solution: str | None = None
    level: str | None = None
    topic: str | None = None
    run: str | None = None
    sample_index: int | None = None
    temperature: float | None = None
    params: int | None = None        # generator parameter count (for FLOPs = 2·params·tokens)
    n_tokens: int | None = None
    answer: str | None = None        # the final answer, when the producer extracted it itself
    is_correct: bool | None = None   # the source's own verdict, kept beside SynthQA's
    first_error_step: int | None = None  # 0-based first wrong step; -1 none; None unlabelled
    first_error_note: str | None = None
    step_labels: list[int] | None = None  # per step: 1 good, 0 neutral, -1 bad (PRM800K)
    reasoning: str | None = None     # a reviewer's verdict: correct / false_positive / unsure
    labels: list[dict] | None = None  # several labellers' labels (what export writes for them)
    labeller: str = "import"
    meta: dict = field(default_factory=dict)
    located: str | None = None       # "file:line N", for messages about it after staging

    @property
    def solution(self) -> str:
        return self.text if self.text is not None else "\n".join(self.steps or [])


INT32 = 2 ** 31        # the store's INTEGER columns (sample_index, n_tokens, steps)
INT64 = 2 ** 63        # BIGINT (params)
# field -> (lowest, highest + 1) accepted
RANGES = {"sample_index": (0, INT32), "n_tokens": (0, INT32), "params": (1, INT64),
          "first_error_step": (NO_ERROR, INT32), "temperature": (0.0, 1000.0)}


def _get(obj: dict, name: str, kind: type | tuple, required: bool = False,
         numeric_text: bool = False):
    """Field `name` of type `kind`, in its range; numeric_text accepts numbers as text."""
    value = _typed(obj, name, kind, required, numeric_text)
    bounds = RANGES.get(name)
    if value is not None and bounds and not bounds[0] <= value < bounds[1]:
        raise RecordError(f"field '{name}' = {value!r} is out of range "
                          f"[{bounds[0]}, {bounds[1]})")
    return value


def _typed(obj: dict, name: str, kind: type | tuple, required: bool, numeric_text: bool):
    value = obj.get(name)
    if isinstance(value, float) and math.isnan(value):   # pandas' missing value (Parquet)
        value = None
    if value is None:
        if required:
            raise RecordError(f"missing required field '{name}'")
        return None
    if isinstance(value, float) and not math.isfinite(value):  # Parquet can hold inf
        raise RecordError(f"field '{name}' must be a finite number, got {value}")
    if numeric_text and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, float) and value.is_integer():
        return int(value)  # Parquet written by pandas stores nullable integers as floats
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise RecordError(f"field '{name}' must be {names}, got {type(value).__name__}")
    if kind is str and not value.strip() and required:
        raise RecordError(f"field '{name}' is empty")
    return value


def _str_list(obj: dict, name: str) -> list[str] | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise RecordError(f"field '{name}' must be a list of strings")
    if not value:
        raise RecordError(f"field '{name}' is empty")
    if not any(s.strip() for s in value):
        raise RecordError(f"field '{name}' holds only blank steps")
    return value


def _int_list(obj: dict, name: str, length: int | None) -> list[int] | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(
            v is None or (isinstance(v, int) and not isinstance(v, bool) and -1 <= v <= 1)
            for v in value):
        raise RecordError(f"field '{name}' must be a list of ratings 1, 0, -1 or null")
    if length is not None and len(value) != length:
        raise RecordError(f"field '{name}' has {len(value)} labels for {length} steps")
    return [None if v is None else int(v) for v in value]


LABEL_KINDS = ("first_error_step", "reasoning", "step_rating", "answer_correct")


def _labels(value: Any, n_steps: int | None) -> list[dict] | None:
    """`labels`: [{kind, value, labeller, step?, note?, at?}], each checked like its field."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise RecordError("field 'labels' must be a list of objects")
    out = []
    for n, label in enumerate(value):
        where = f"labels[{n}]"
        if not isinstance(label, dict) or label.get("kind") not in LABEL_KINDS:
            raise RecordError(f"{where}: 'kind' must be one of {', '.join(LABEL_KINDS)}")
        for key in ("value", "labeller"):
            if not isinstance(label.get(key), str) or not label[key].strip():
                raise RecordError(f"{where}: '{key}' must be a non-empty string")
        step = label.get("step")
        if step is not None and (not isinstance(step, int) or isinstance(step, bool) or step < 0
                                 or (n_steps is not None and step >= n_steps)):
            raise RecordError(f"{where}: 'step' {step!r} is not a step index")
        value = _label_value(where, label["kind"], label["value"].strip(), step, n_steps)
        at = _labelled_at(where, label.get("at"))
        note = label.get("note")
        out.append({"kind": label["kind"], "value": value, "labeller": label["labeller"],
                    "step": step, "note": note if isinstance(note, str) else None, "at": at})
    return out


FUTURE_SLACK = timedelta(days=1)   # clocks differ; a label from the far future would win forever


def _labelled_at(where: str, at: Any) -> datetime | None:
    """An ISO date-time in UTC (an offset converted, none meaning UTC), not in the future."""
    if at is None:
        return None
    try:
        when = datetime.fromisoformat(at)
    except (TypeError, ValueError):
        raise RecordError(f"{where}: 'at' must be an ISO date-time") from None
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    if when > datetime.now(timezone.utc).replace(tzinfo=None) + FUTURE_SLACK:
        raise RecordError(f"{where}: 'at' {at!r} is in the future")
    return when


LABEL_VALUES = {"reasoning": REASONING_VERDICTS, "answer_correct": ("true", "false"),
                "step_rating": ("-1", "0", "1")}


def _label_value(where: str, kind: str, value: str, step: int | None,
                 n_steps: int | None) -> str:
    """A label's value as its kind allows (what the store's readers and exports rely on), in
    the store's spelling: a first error of -1 (no error, as the field says it) is 'none'."""
    if kind == "first_error_step":
        if value == "none" or value == str(NO_ERROR):
            return "none"
        if value.isdigit() and (n_steps is None or int(value) < n_steps):
            return str(int(value))
        raise RecordError(f"{where}: a first_error_step value is 'none', -1 or a step index, "
                          f"not {value!r}")
    if value not in LABEL_VALUES[kind]:
        raise RecordError(f"{where}: a {kind} value is one of "
                          f"{', '.join(LABEL_VALUES[kind])}, not {value!r}")
    if kind == "step_rating" and step is None:
        raise RecordError(f"{where}: a step_rating label needs its 'step'")
    return value


def _meta(value: Any) -> dict:
    """`meta`: an object, or (as a Parquet export writes it) the object as JSON text."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise RecordError("field 'meta' is text but not a JSON object") from None
        if too_deep(value):
            raise deep_error()
    value = value or {}
    if not isinstance(value, dict):
        raise RecordError("field 'meta' must be an object")
    return value


def from_generic(obj: Any) -> TraceRecord:
    """Validate one generic record; raises RecordError naming the field at fault."""
    if not isinstance(obj, dict):
        raise RecordError(f"a record must be a JSON object, got {type(obj).__name__}")
    text = _get(obj, "solution", str)
    steps = _str_list(obj, "steps")
    if text is None and steps is None:
        raise RecordError("a record needs 'solution' (text) or 'steps' (list of strings)")
    meta = _meta(obj.get("meta"))
    record = TraceRecord(
        problem=_get(obj, "problem", str, required=True),
        generator=_get(obj, "generator", str, required=True),
        text=text, steps=steps,
        gold_answer=_get(obj, "gold_answer", str, numeric_text=True),
        source=_get(obj, "source", str) or "import",
        split=_get(obj, "split", str),
        problem_id=_get(obj, "problem_id", str, numeric_text=True),
        gold_solution=_get(obj, "gold_solution", str),
        level=_get(obj, "level", str, numeric_text=True), topic=_get(obj, "topic", str),
        run=_get(obj, "run", str),
        sample_index=_get(obj, "sample_index", int),
        temperature=_get(obj, "temperature", float),
        params=_get(obj, "params", int),
        n_tokens=_get(obj, "n_tokens", int),
        answer=_get(obj, "answer", str, numeric_text=True),
        is_correct=_get(obj, "is_correct", bool),
        first_error_step=_get(obj, "first_error_step", int),
        first_error_note=_get(obj, "first_error_note", str),
        reasoning=_get(obj, "reasoning", str),
        labeller=_get(obj, "labeller", str) or "import",
        meta=meta,
    )
    if record.reasoning is not None and record.reasoning not in REASONING_VERDICTS:
        raise RecordError(f"reasoning {record.reasoning!r} is not one of "
                          f"{', '.join(REASONING_VERDICTS)}")
    n_steps = len(steps) if steps is not None else None
    record.step_labels = _int_list(obj, "step_labels", n_steps)
    record.labels = _labels(obj.get("labels"), n_steps)
    first = record.first_error_step
    if first is not None and (first < NO_ERROR or (n_steps is not None and first >= n_steps)):
        raise RecordError(f"first_error_step {first} is not -1 (no error) or a step index")
    return record


def meta_json(meta: dict) -> str | None:
    return json.dumps(meta, ensure_ascii=False, default=str) if meta else None
