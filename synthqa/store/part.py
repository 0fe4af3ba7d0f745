"""The base of the store's parts: each reads and writes one family of tables."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from synthqa.store.core import Store


class Part:
    """A family of queries over the store's one connection (a cursor per call)."""

    def __init__(self, store: Store):
        self.store = store

    def cursor(self):
        return self.store.cursor()

    def transaction(self):
        return self.store.transaction()

    def df(self, sql: str, params: Sequence | None = None) -> pd.DataFrame:
        return self.store.df(sql, params)

    def scalar(self, sql: str, params: Sequence | None = None):
        return self.store.scalar(sql, params)

    def batches(self, sql: str, params: Sequence, rows: int) -> Iterator[pa.RecordBatch]:
        """The query's answer in Arrow batches of at most `rows` rows (streamed: a 10M-row
        answer is never held at once)."""
        with self.cursor() as cur:
            yield from cur.sql(sql, params=params).to_arrow_reader(rows)

    def export(self, sql: str, params: Sequence, folder: str,
               rows_per_file: int = 100_000) -> int:
        """The query's rows as Parquet files of at most `rows_per_file` rows in `folder`;
        returns the rows written."""
        Path(folder).mkdir(parents=True, exist_ok=True)
        written = 0
        for i, batch in enumerate(self.batches(sql, params, rows_per_file)):
            pq.write_table(pa.Table.from_batches([batch]), Path(folder) / f"part-{i:05d}.parquet")
            written += batch.num_rows
        return written
