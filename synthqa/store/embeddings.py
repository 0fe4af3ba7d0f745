"""Solution embeddings, one unit vector per trace and model."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from synthqa.store.part import Part

# the traces without a vector of the model (the one parameter)
_MISSING = ("SELECT t.trace_id, t.text FROM traces t WHERE NOT EXISTS (SELECT 1 FROM "
            "embeddings e WHERE e.trace_id = t.trace_id AND e.model = ?)")


class Embeddings(Part):
    def missing(self, model: str, limit: int) -> pd.DataFrame:
        return self.df(f"{_MISSING} ORDER BY t.trace_id LIMIT ?", [model, limit])

    def export_missing(self, model: str, folder: str) -> int:
        """The traces without a vector of this model (trace_id, text) as Parquet files in
        `folder`, for a cluster job; returns how many."""
        return self.export(_MISSING, [model], folder)

    def insert_shard(self, cur, path) -> int:
        """One shard of a cluster embedding run (trace_id, model, vector); kept vectors stay."""
        cur.execute("INSERT OR IGNORE INTO embeddings SELECT trace_id, model, vector::FLOAT[] "
                    "FROM read_parquet(?)", [str(path)])
        return cur.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0]

    def count(self, model: str) -> int:
        return self.scalar("SELECT count(*) FROM embeddings WHERE model = ?", [model])

    def add(self, model: str, trace_ids: Sequence[str], vectors) -> None:
        """Store unit vectors (rows of a float32 array) for the traces, in one transaction."""
        frame = pd.DataFrame({"trace_id": list(trace_ids), "vector": list(vectors)})
        with self.transaction() as cur:
            cur.register("_e", frame)
            cur.execute("INSERT OR IGNORE INTO embeddings SELECT trace_id, ?, "
                        "vector::FLOAT[] FROM _e", [model])
            cur.unregister("_e")

    def of(self, model: str, trace_ids: Sequence[str] | None = None) -> pd.DataFrame:
        where = "" if trace_ids is None else "AND trace_id IN (SELECT unnest(?))"
        return self.df(f"SELECT trace_id, vector FROM embeddings WHERE model = ? {where}",
                       [model] if trace_ids is None else [model, list(trace_ids)])
