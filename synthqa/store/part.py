"""The base of the store's parts: each reads and writes one family of tables."""
from __future__ import annotations

from collections.abc import Sequence
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

    def export(self, sql: str, params: Sequence, folder: str,
               rows_per_file: int = 100_000) -> int:
        """The query's rows as Parquet files of at most `rows_per_file` rows in `folder`
        (streamed: a 10M-row answer is never held at once); returns the rows written."""
        Path(folder).mkdir(parents=True, exist_ok=True)
        written = 0
        with self.cursor() as cur:
            reader = cur.sql(sql, params=params).to_arrow_reader(rows_per_file)
            for i, batch in enumerate(reader):
                pq.write_table(pa.Table.from_batches([batch]),
                               Path(folder) / f"part-{i:05d}.parquet")
                written += batch.num_rows
        return written
