"""Readers (JSONL, JSON array, Parquet) and adapters from public formats to TraceRecords."""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from synthqa.checks.answers import extract_answer
from synthqa.ingest.records import (MAX_DEPTH, NO_ERROR, RecordError, TraceRecord, deep_error,
                                    from_generic, too_deep)

# A reader yields (location, object or RecordError); the location is "line N" or "row N".
Reader = Callable[[Path, int], Iterator[tuple[str, Any]]]


BOM = b"\xef\xbb\xbf"
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def read_jsonl(path: Path, max_line_bytes: int) -> Iterator[tuple[str, Any]]:
    with open(path, "rb") as handle:
        line_no = 0
        while raw := handle.readline(max_line_bytes + 1):
            line_no += 1
            if line_no == 1 and raw.startswith(BOM):
                raw = raw[len(BOM):]  # a UTF-8 byte-order mark is not part of the record
            if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass  # skip the rest of the over-long line without holding it
                yield f"line {line_no}", RecordError(
                    f"line is longer than {max_line_bytes:,} bytes (SYNTHQA_MAX_LINE_BYTES)")
                continue
            if not raw.strip():
                continue
            yield f"line {line_no}", _decode_json(raw)


def _decode_json(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return RecordError(f"invalid UTF-8 at byte {exc.start}")
    return loads(text, check_surrogates=bool(_SURROGATE_ESCAPE.search(raw)))


def _no_constant(name: str):
    """NaN (as pandas and Python's json write a missing value) means missing; Infinity is an
    error."""
    if name == "NaN":
        return None
    raise ValueError(f"{name} is not a JSON number")


def loads(text: str, check_surrogates: bool = True) -> Any:
    """One JSON value (NaN read as null), or a RecordError saying why not: malformed, Infinity,
    nested too deeply, a number too long for Python's int conversion, or a lone surrogate."""
    try:
        obj = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        return RecordError(f"invalid JSON: {exc.msg} at column {exc.colno}")
    except RecursionError:
        return deep_error()
    except ValueError as exc:  # NaN / Infinity, or an integer past 4,300 digits
        return RecordError(f"invalid JSON: {str(exc).split(';')[0]}")
    if _brackets(text) > MAX_DEPTH and too_deep(obj):
        return deep_error()
    if check_surrogates:
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return RecordError("invalid text: a lone UTF-16 surrogate (\\ud800-\\udfff)")
    return obj


def _brackets(text: str) -> int:
    return text.count("[") + text.count("{")


MAX_JSON_ARRAY_BYTES = 256 * 2**20  # read whole; larger files come as JSON Lines


def read_json_array(path: Path, max_line_bytes: int) -> Iterator[tuple[str, Any]]:
    """A JSON file holding one array of records; each record is located by its first line and
    may be as long as a JSONL line."""
    if (size := path.stat().st_size) > MAX_JSON_ARRAY_BYTES:
        yield "file", RecordError(
            f"a JSON array of {size:,} bytes is over the {MAX_JSON_ARRAY_BYTES:,} SynthQA reads "
            "at once: write it as JSON Lines, one record per line (e.g. `jq -c '.[]' FILE > "
            "FILE.jsonl`)")
        return
    try:
        text = path.read_bytes().decode("utf-8-sig")  # a byte-order mark is not JSON
    except UnicodeDecodeError as exc:
        yield "byte %d" % exc.start, RecordError(f"invalid UTF-8 at byte {exc.start}")
        return
    pos = _skip_ws(text, 0)
    if not text.startswith("[", pos):
        yield "line 1", RecordError("expected a JSON array of records")
        return
    pos, line, counted = pos + 1, 1, 0
    while True:
        pos = _skip_ws(text, pos)
        if text.startswith("]", pos):
            return
        line, counted = line + text.count("\n", counted, pos), pos
        end = _value_end(text, pos)
        if end is None:
            yield f"line {line}", RecordError("invalid JSON: a record never ends; stopped "
                                              "reading")
            return
        obj = loads(text[pos:end]) if end - pos <= max_line_bytes else RecordError(
            f"record is longer than {max_line_bytes:,} bytes (SYNTHQA_MAX_LINE_BYTES)")
        if isinstance(obj, RecordError) and str(obj).startswith("invalid JSON: Extra data"):
            obj = RecordError("invalid JSON: expected ',' or ']' between records")
        yield f"line {line}", obj
        pos = end
        pos = _skip_ws(text, pos)
        if text.startswith(",", pos):
            pos += 1
        elif not text.startswith("]", pos):
            yield f"line {text.count(chr(10), 0, pos) + 1}", RecordError(
                "expected ',' or ']' between records; stopped reading")
            return


def _value_end(text: str, pos: int) -> int | None:
    """Where the JSON value starting at `pos` ends: a linear scan of brackets and strings, so a
    bad record is skipped without parsing it (its nesting can be 100,000 deep)."""
    if pos >= len(text) or text[pos] not in "[{":
        match = re.compile(r'"(?:[^"\\]|\\.)*"|[^,\]\s]+').match(text, pos)
        return match.end() if match else None
    depth, i, n = 0, pos, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i = _string_end(text, i)
            if i is None:
                return None
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _string_end(text: str, i: int) -> int | None:
    i += 1
    while i < len(text):
        j = text.find('"', i)
        if j < 0:
            return None
        k = j - 1
        while k >= i and text[k] == "\\":
            k -= 1
        if (j - 1 - k) % 2 == 0:  # an even number of backslashes: the quote is not escaped
            return j + 1
        i = j + 1
    return None


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


MAX_EXPANSION = 200      # uncompressed / compressed: text compresses 3-20x; a bomb 10,000x
MAX_CHUNK_BYTES = 2**31  # one column of one row group, uncompressed
BATCH_BYTES = 64 * 2**20  # rows read at a time, by the row group's average row


def read_parquet(path: Path, max_line_bytes: int) -> Iterator[tuple[str, Any]]:
    """Row by row, row group by row group. A row group whose metadata says it expands past
    the caps is named and skipped unread; a row past `max_line_bytes` is named and skipped
    before it becomes Python objects."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        yield "file", RecordError(f"not a readable Parquet file: {exc}")
        return
    first = 1
    for n in range(parquet.metadata.num_row_groups):
        group = parquet.metadata.row_group(n)
        where = f"rows {first}-{first + group.num_rows - 1}"
        if problem := _row_group_problem(group, max_line_bytes):
            yield where, RecordError(f"row group {n + 1}: {problem}; skipped unread")
        else:
            yield from _rows(parquet, n, group, first, max_line_bytes)
        first += group.num_rows


def _row_group_problem(group, max_line_bytes: int) -> str | None:
    for c in range(group.num_columns):
        column = group.column(c)
        size, packed = column.total_uncompressed_size, max(column.total_compressed_size, 1)
        if size > MAX_CHUNK_BYTES:
            return (f"column '{column.path_in_schema}' holds {size:,} bytes uncompressed (at "
                    f"most {MAX_CHUNK_BYTES:,} a row group: write the file with smaller row "
                    "groups)")
        if size > max_line_bytes and size / packed > MAX_EXPANSION:
            return (f"column '{column.path_in_schema}' expands from {packed:,} to {size:,} "
                    f"bytes ({size // packed:,}x; at most {MAX_EXPANSION}x): a compression "
                    "bomb, not text")
    return None


def _rows(parquet, n: int, group, first: int, max_line_bytes: int):
    per_row = group.total_byte_size / max(group.num_rows, 1)
    batch_rows = int(min(10_000, max(1, BATCH_BYTES // max(per_row, 1))))
    row = first
    for batch in parquet.iter_batches(batch_size=batch_rows, row_groups=[n]):
        rows = [batch] if batch.nbytes <= max_line_bytes else \
            [batch.slice(i, 1) for i in range(batch.num_rows)]
        for part in rows:
            if part.nbytes > max_line_bytes:  # one row, past the cap: never made Python
                yield f"row {row}", RecordError(f"row holds {part.nbytes:,} bytes, over "
                                                f"{max_line_bytes:,} (SYNTHQA_MAX_LINE_BYTES)")
                row += 1
                continue
            for obj in part.to_pylist():
                yield f"row {row}", obj
                row += 1


# -- adapters: one source object -> TraceRecords --------------------------------------------
GSM8K_GENERATORS = {  # OpenAI's grade-school-math example solutions (Cobbe et al. 2021)
    "6b_finetuning": 6_000_000_000, "6b_verification": 6_000_000_000,
    "175b_finetuning": 175_000_000_000, "175b_verification": 175_000_000_000,
}


def adapt_gsm8k_openai(obj: Any) -> list[TraceRecord]:
    if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
        raise RecordError("expected an object with a 'question' string")
    reference = obj.get("ground_truth")
    if not isinstance(reference, str):
        raise RecordError("field 'ground_truth' must be a string")
    gold, _ = extract_answer(reference)
    records = []
    for generator, params in GSM8K_GENERATORS.items():
        entry = obj.get(generator)
        if not isinstance(entry, dict) or not isinstance(entry.get("solution"), str):
            raise RecordError(f"field '{generator}' must hold a 'solution' string")
        records.append(TraceRecord(
            problem=obj["question"], generator=generator, text=entry["solution"],
            gold_answer=gold, gold_solution=reference, source="gsm8k", split="test",
            params=params, is_correct=entry.get("is_correct"),
            run=f"{generator}:gsm8k-example-solutions"))
    return records


def adapt_mr_gsm8k(obj: Any) -> list[TraceRecord]:
    if not isinstance(obj, dict):
        raise RecordError("expected an object")
    steps = _steps(obj.get("model_output_steps"), "model_output_steps")
    first = obj.get("model_output_solution_first_error_step")
    if first is not None and (not isinstance(first, int) or not 1 <= first <= len(steps)):
        raise RecordError(f"first_error_step {first!r} is not a step number 1..{len(steps)}")
    question = obj.get("question")
    if not isinstance(question, str):
        raise RecordError("field 'question' must be a string")
    correct = obj.get("model_output_answer_correctness")
    return [TraceRecord(
        problem=question, generator="mr-gsm8k-model", steps=steps,
        gold_answer=_mr_gold(obj.get("ground_truth_answer"), obj.get("ground_truth_solution")),
        gold_solution=obj.get("ground_truth_solution"), source="mr-gsm8k", split="test",
        topic=obj.get("question_type"), problem_id=None,
        is_correct=None if correct is None else correct == "correct",
        first_error_step=None if first is None else first - 1,  # 1-based in the file
        first_error_note=obj.get("model_output_solution_first_error_reason"),
        labeller="MR-GSM8K annotators", run="mr-gsm8k-model:mr-gsm8k",
        meta={"uuid": obj.get("uuid"),
              "solution_correctness": obj.get("model_output_solution_correctness")})]


def _mr_gold(answer: Any, solution: Any) -> str | None:
    """Some "reversed" items hold "Let's think step by step." as their answer: use the solution."""
    if answer is not None and any(ch.isdigit() for ch in str(answer)):
        return str(answer)
    return extract_answer(solution)[0] if isinstance(solution, str) else None


def adapt_bigbench_mistake(obj: Any) -> list[TraceRecord]:
    if not isinstance(obj, dict) or not isinstance(obj.get("input"), str):
        raise RecordError("expected an object with an 'input' string")
    steps = _steps(obj.get("steps"), "steps")
    mistake = obj.get("mistake_index")
    if mistake is not None and (not isinstance(mistake, int) or not 0 <= mistake < len(steps)):
        raise RecordError(f"mistake_index {mistake!r} is not a step index 0..{len(steps) - 1}")
    return [TraceRecord(
        problem=obj["input"], generator="palm-2-l", steps=steps,
        gold_answer=None if obj.get("target") is None else str(obj["target"]),
        source="bigbench-mistake", split="test", topic="multistep_arithmetic",
        first_error_step=NO_ERROR if mistake is None else mistake,  # 0-based; null = none
        labeller="BIG-Bench Mistake annotators", run="palm-2-l:bigbench-mistake",
        meta={"model_answer": obj.get("answer")})]


def adapt_processbench(obj: Any) -> list[TraceRecord]:
    """ProcessBench (Zheng et al. 2024): `label` = earliest wrong step, 0-based, -1 = none; no
    gold answer, so the file's `final_answer_correct` is the answer verdict."""
    if not isinstance(obj, dict) or not isinstance(obj.get("problem"), str):
        raise RecordError("expected an object with a 'problem' string")
    steps = _steps(obj.get("steps"), "steps")
    label = obj.get("label")
    if not isinstance(label, int) or isinstance(label, bool) or not -1 <= label < len(steps):
        raise RecordError(f"label {label!r} is not -1 (no error) or a step index "
                          f"0..{len(steps) - 1}")
    item_id, generator = obj.get("id"), obj.get("generator")
    if not isinstance(generator, str) or not generator.strip():
        raise RecordError("field 'generator' must be a non-empty string")
    correct = obj.get("final_answer_correct")
    if correct is not None and not isinstance(correct, bool):
        raise RecordError("field 'final_answer_correct' must be true or false")
    source = str(item_id).rsplit("-", 1)[0] if isinstance(item_id, str) and "-" in item_id \
        else "processbench"
    return [TraceRecord(
        problem=obj["problem"], generator=generator, steps=steps, source=f"processbench-{source}",
        split="test", is_correct=correct, first_error_step=label,
        labeller="ProcessBench annotators", run=f"{generator}:processbench-{source}",
        meta={"id": item_id})]


def adapt_prm800k(obj: Any) -> list[TraceRecord]:
    """PRM800K (Lightman et al. 2023): per step the chosen completion (or the labeller's own)
    with its rating -1 / 0 / +1; labelling stops at the first -1, the first error."""
    if not isinstance(obj, dict) or not isinstance(obj.get("question"), dict) \
            or not isinstance(obj.get("label"), dict):
        raise RecordError("expected an object with 'question' and 'label' objects")
    question, label = obj["question"], obj["label"]
    if not isinstance(question.get("problem"), str):
        raise RecordError("field 'question.problem' must be a string")
    steps, ratings = _prm800k_steps(label.get("steps"))
    first = next((i for i, r in enumerate(ratings) if r == -1), None)
    finish = label.get("finish_reason")
    if first is None and finish == "solution":
        first = NO_ERROR
    gold = question.get("ground_truth_answer")
    return [TraceRecord(
        problem=question["problem"], generator="prm800k-generator", steps=steps,
        gold_answer=None if gold is None else str(gold),
        gold_solution=question.get("ground_truth_solution"), source="prm800k",
        split=f"phase{obj['generation']}" if isinstance(obj.get("generation"), int) else None,
        answer=None if question.get("pre_generated_answer") is None
        else str(question["pre_generated_answer"]),
        first_error_step=first, step_labels=ratings,
        labeller=str(obj.get("labeler") or "PRM800K labellers"), run="prm800k-generator:prm800k",
        meta={"finish_reason": finish, "timestamp": obj.get("timestamp"),
              "quality_control": bool(obj.get("is_quality_control_question")),
              "initial_screening": bool(obj.get("is_initial_screening_question"))})]


def _prm800k_steps(raw: Any) -> tuple[list[str], list[int | None]]:
    if not isinstance(raw, list) or not raw:
        raise RecordError("field 'label.steps' must be a non-empty list")
    steps, ratings = [], []
    for n, step in enumerate(raw):
        if not isinstance(step, dict):
            raise RecordError(f"label.steps[{n}] must be an object")
        chosen, human = step.get("chosen_completion"), step.get("human_completion")
        completions = step.get("completions") or []
        if isinstance(human, dict) and isinstance(human.get("text"), str):
            pick = human
        elif chosen is not None:
            if isinstance(chosen, bool) or not isinstance(chosen, int) \
                    or not 0 <= chosen < len(completions):
                raise RecordError(f"label.steps[{n}]: chosen_completion {chosen!r} is not one "
                                  f"of its {len(completions)} completions")
            pick = completions[chosen]
        elif completions:
            pick = completions[0]  # the step labelling stopped at (rated -1, none chosen)
        else:
            raise RecordError(f"label.steps[{n}] has no completion")
        if not isinstance(pick, dict) or not isinstance(pick.get("text"), str):
            raise RecordError(f"label.steps[{n}]: a completion needs a 'text' string")
        rating = pick.get("rating")
        if rating is not None and (isinstance(rating, bool) or rating not in (-1, 0, 1)):
            raise RecordError(f"label.steps[{n}]: rating {rating!r} is not -1, 0 or 1")
        rating = None if rating is None else int(rating)   # 1.0 is 1; true is no rating
        steps.append(pick["text"])
        ratings.append(rating)
        if rating == -1:
            break
    return steps, ratings


def _steps(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(s, str) for s in value):
        raise RecordError(f"field '{name}' must be a non-empty list of strings")
    if not any(s.strip() for s in value):
        raise RecordError(f"field '{name}' holds only blank steps")
    return value


def adapt_generic(obj: Any) -> list[TraceRecord]:
    return [from_generic(obj)]


FORMATS: dict[str, tuple[Callable[[Any], list[TraceRecord]], str]] = {
    "generic": (adapt_generic, "the SynthQA trace format (data/README.md)"),
    "gsm8k-openai": (adapt_gsm8k_openai, "OpenAI grade-school-math example_model_solutions"),
    "mr-gsm8k": (adapt_mr_gsm8k, "MR-GSM8K eval results (human first error step, 1-based)"),
    "bigbench-mistake": (adapt_bigbench_mistake, "BIG-Bench Mistake (mistake_index, 0-based)"),
    "processbench": (adapt_processbench, "ProcessBench (label = earliest wrong step, 0-based)"),
    "prm800k": (adapt_prm800k, "PRM800K (per-step ratings -1/0/+1; first -1 = first error)"),
}


def reader_for(path: Path) -> Reader:
    suffix = path.suffix.lower()      # DATA.PARQUET is Parquet too
    if suffix == ".parquet":
        return read_parquet
    if suffix == ".json":
        return read_json_array
    return read_jsonl


SNIFF_RECORDS = 20   # a junk first record does not make a ProcessBench file generic


def detect_format(path: Path, max_line_bytes: int) -> str:
    """Sniff the keys of the first records (up to SNIFF_RECORDS, skipping ones that are not
    objects); nothing recognised is the generic format."""
    for n, (_, obj) in enumerate(reader_for(path)(path, max_line_bytes)):
        if n >= SNIFF_RECORDS:
            break
        found = _format_of(obj) if isinstance(obj, dict) else None
        if found is not None:
            return found
    return "generic"


def _format_of(obj: dict) -> str | None:
    if "model_output_steps" in obj:
        return "mr-gsm8k"
    if "mistake_index" in obj and "steps" in obj and "input" in obj:
        return "bigbench-mistake"
    if "ground_truth" in obj and any(g in obj for g in GSM8K_GENERATORS):
        return "gsm8k-openai"
    if {"final_answer_correct", "label", "steps", "problem"} <= obj.keys():
        return "processbench"
    if isinstance(obj.get("question"), dict) and isinstance(obj.get("label"), dict) \
            and "steps" in obj["label"]:
        return "prm800k"
    if {"problem", "generator"} <= obj.keys():
        return "generic"
    return None
