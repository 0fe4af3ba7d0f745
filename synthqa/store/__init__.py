"""The DuckDB store, the only package that imports duckdb: `Store` and its parts by domain."""
from synthqa.store.backup import StoreDamaged, damage_of
from synthqa.store.core import Store, StoreBusy

__all__ = ["Store", "StoreBusy", "StoreDamaged", "damage_of"]
