"""Export traces in the SynthQA trace format (JSONL or Parquet), human labels included, and
human step labels in the stepwise-supervision format of TRL's PRM trainer."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from synthqa.ingest.records import NO_ERROR
from synthqa.store import Store

SINGLE_LABELLER_FIELDS = ("first_error_step", "first_error_note", "step_labels", "reasoning",
                          "labeller")


def export_records(store: Store, generator: str | None = None, source: str | None = None,
                   labelled_only: bool = False) -> list[dict]:
    frame = store.traces.export_frame(generator, source, labelled_only)
    records = []
    for row in frame.to_dict("records"):
        row = {k: _plain(v) for k, v in row.items()}
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
        records.append({k: v for k, v in row.items() if v is not None})
    return records


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


def _plain(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    return None if value is pd.NA or (isinstance(value, float) and value != value) else value


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


def jsonl_bytes(records: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def export_file(store: Store, out: str | Path, generator: str | None = None,
                source: str | None = None, labelled_only: bool = False,
                fmt: str = "traces") -> int:
    """Write the file atomically (temporary name, then rename); returns records written."""
    out = Path(out)
    records = (prm_records(store, generator) if fmt == "prm"
               else export_records(store, generator, source, labelled_only))
    tmp = out.with_name(f".tmp-{out.name}")
    if out.suffix == ".parquet":
        columns = list(dict.fromkeys(key for record in records for key in record))
        # from_pylist takes its columns from the first record: give every record all of them;
        # `meta` as JSON text, since its values may differ in type from trace to trace
        table = pa.Table.from_pylist([{c: _meta_text(r) if c == "meta" else r.get(c)
                                       for c in columns} for r in records])
        pq.write_table(table, tmp)  # unlike pandas, keeps nullable integers as integers
    else:
        tmp.write_bytes(jsonl_bytes(records))
    os.replace(tmp, out)
    return len(records)
