"""Export traces in the SynthQA trace format (JSONL or Parquet), human labels included."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from synthqa.records import NO_ERROR
from synthqa.store import Store


def export_records(store: Store, generator: str | None = None,
                   source: str | None = None) -> list[dict]:
    frame = store.export_frame(generator, source)
    records = []
    for row in frame.to_dict("records"):
        row = {k: _plain(v) for k, v in row.items()}
        label = row.pop("first_error_step")
        if label is not None:
            row["first_error_step"] = NO_ERROR if label == "none" else int(label)
        records.append({k: v for k, v in row.items() if v is not None})
    return records


def _plain(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    return None if value is pd.NA or (isinstance(value, float) and value != value) else value


def export_file(store: Store, out: str | Path, generator: str | None = None,
                source: str | None = None) -> int:
    """Write the file atomically (temporary name, then rename); returns records written."""
    out = Path(out)
    records = export_records(store, generator, source)
    tmp = out.with_name(f".tmp-{out.name}")
    if out.suffix == ".parquet":
        columns = list(dict.fromkeys(key for record in records for key in record))
        # from_pylist takes its columns from the first record: give every record all of them
        table = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in records])
        pq.write_table(table, tmp)  # unlike pandas, keeps nullable integers as integers
    else:
        with open(tmp, "w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    os.replace(tmp, out)
    return len(records)
