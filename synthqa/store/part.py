"""The base of the store's parts: each reads and writes one family of tables."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

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
