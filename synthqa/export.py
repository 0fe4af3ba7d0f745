"""Export traces in the SynthQA trace format (JSONL or Parquet), human labels included, and
human step labels in the stepwise-supervision format of TRL's PRM trainer."""
from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from synthqa.ingest.records import NO_ERROR
from synthqa.store import Store

SINGLE_LABELLER_FIELDS = ("first_error_step", "first_error_note", "step_labels", "reasoning",
                          "labeller")


def iter_records(store: Store, generator: str | None = None, source: str | None = None,
                 labelled_only: bool = False) -> Iterator[dict]:
    """Every trace as a record of the trace format, streamed from the store."""
    for rows in store.traces.export_rows(generator, source, labelled_only):
        yield from map(_record, rows)


def export_records(store: Store, generator: str | None = None, source: str | None = None,
                   labelled_only: bool = False) -> list[dict]:
    return list(iter_records(store, generator, source, labelled_only))


def _record(row: dict) -> dict:
    if row.get("meta"):
        row["meta"] = json.loads(row["meta"])
    _text_once(row)
    # every labeller's latest label of every kind, with its time and note; for a single
    # labeller also the plain fields (one labeller's fields would misattribute others')
    row["labels"] = [{k: v for k, v in label.items() if v is not None}
                     for label in row["labels"] or []] or None
    if row.pop("labellers") > 1:
        for key in SINGLE_LABELLER_FIELDS:
            row.pop(key)
    else:
        row["first_error_step"] = _step_or_none(row["first_error_step"])
    return {k: v for k, v in row.items() if v is not None}


def _text_once(row: dict) -> None:
    """A solution written once: as the text where the import splits it into the same steps,
    as the steps where they were given and join to the text, both only where they differ."""
    if row["splitter"] != "given":
        del row["steps"]
    elif row["solution"] == "\n".join(row["steps"]):
        del row["solution"]
    del row["splitter"]


def _meta_text(record: dict) -> str | None:
    meta = record.get("meta")
    return None if meta is None else json.dumps(meta, ensure_ascii=False)


def _step_or_none(label) -> int | None:
    """A stored first-error value as the trace format writes it; a value no reader can take
    (written before labels were checked on import) is left out, not a crash."""
    if label == "none":
        return NO_ERROR
    text = str(label).strip() if label is not None else ""
    return int(text) if text.lstrip("-").isdigit() else None


def prm_records(store: Store, generator: str | None = None) -> list[dict]:
    """{prompt, completions, labels}: steps up to the first wrong one (PRM800K style), each
    labelled True (correct) or False (the first wrong step); all True for a clean trace."""
    records = []
    for row in store.labels.prm_frame(generator).itertuples():
        steps, k = list(row.steps), _step_or_none(row.first_error)
        if k is None or k >= len(steps):
            continue
        if k == NO_ERROR:
            completions, labels = steps, [True] * len(steps)
        else:
            completions, labels = steps[: k + 1], [True] * k + [False]
        records.append({"prompt": row.prompt, "completions": completions, "labels": labels})
    return records


def jsonl_line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def jsonl_bytes(records: list[dict]) -> bytes:
    return "".join(map(jsonl_line, records)).encode()


def export_file(store: Store, out: str | Path, generator: str | None = None,
                source: str | None = None, labelled_only: bool = False,
                fmt: str = "traces") -> int:
    """Write the file atomically (temporary name, then rename), streamed; returns records
    written."""
    out = Path(out)
    records = (iter(prm_records(store, generator)) if fmt == "prm"
               else iter_records(store, generator, source, labelled_only))
    tmp = out.with_name(f".tmp-{out.name}")
    try:
        n = (_write_parquet(tmp, records, PRM_SCHEMA if fmt == "prm" else TRACE_SCHEMA)
             if out.suffix == ".parquet" else _write_jsonl(tmp, records))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return n


def _write_jsonl(path: Path, records: Iterator[dict]) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as handle:
        for n, record in enumerate(records, start=1):
            handle.write(jsonl_line(record))
    return n


def _write_parquet(path: Path, records: Iterator[dict], schema: pa.Schema,
                   batch: int = 10_000) -> int:
    """Row groups of `batch` records, every column of the format in every file (a field a
    record lacks is null); `meta` as JSON text, since its values may differ in type between
    traces."""
    n = 0
    with pq.ParquetWriter(path, schema) as writer:
        while chunk := list(itertools.islice(records, batch)):
            rows = [{**r, "meta": _meta_text(r)} if "meta" in r else r for r in chunk]
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
            n += len(chunk)
    return n


_LABEL = pa.struct([("kind", pa.string()), ("value", pa.string()), ("labeller", pa.string()),
                    ("step", pa.int32()), ("note", pa.string()), ("at", pa.string())])
TRACE_SCHEMA = pa.schema([
    ("problem_id", pa.string()), ("source", pa.string()), ("split", pa.string()),
    ("problem", pa.string()), ("gold_answer", pa.string()), ("gold_solution", pa.string()),
    ("level", pa.string()), ("topic", pa.string()), ("generator", pa.string()),
    ("params", pa.int64()), ("run", pa.string()), ("temperature", pa.float64()),
    ("sample_index", pa.int32()), ("solution", pa.string()), ("steps", pa.list_(pa.string())),
    ("answer", pa.string()), ("is_correct", pa.bool_()), ("verified_correct", pa.bool_()),
    ("meta", pa.string()), ("reasoning", pa.string()), ("n_tokens", pa.int32()),
    ("first_error_step", pa.int32()), ("first_error_note", pa.string()),
    ("step_labels", pa.list_(pa.int32())), ("labeller", pa.string()),
    ("labels", pa.list_(_LABEL))])
PRM_SCHEMA = pa.schema([("prompt", pa.string()), ("completions", pa.list_(pa.string())),
                        ("labels", pa.list_(pa.bool_()))])
