"""A workspace folder: the store file, inbox/ for producers, runs/ for jobs."""
from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from synthqa.config import Settings
from synthqa.store import Store

STORE_FILE = "synthqa.duckdb"


@dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> "Workspace":
        return cls((settings or Settings.from_env()).home)

    @property
    def store_path(self) -> Path:
        return self.root / STORE_FILE

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def done(self) -> Path:
        return self.inbox / "done"

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    @property
    def staging(self) -> Path:
        """Where an import stages its Parquet parts before its one transaction."""
        return staging_dir(self.store_path)

    def store_bytes(self) -> int:
        """The store on disk: its file and its write-ahead log (not checkpointed yet)."""
        files = (self.store_path, self.store_path.with_name(self.store_path.name + ".wal"))
        return sum(f.stat().st_size for f in files if f.exists())

    def init(self) -> "Workspace":
        for folder in (self.root, self.inbox, self.done, self.runs):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    def open_store(self) -> Store:
        """Open (creating if needed) the store; raises StoreBusy if another process holds it.
        The writer that opens it is the only one staging imports, so what is left in staging/
        was left by a killed import: it goes."""
        self.init()
        store = Store(self.store_path)
        if self.staging.is_dir():
            for stale in self.staging.iterdir():
                shutil.rmtree(stale, ignore_errors=True)
        return store



_STORES: dict[Path, Store] = {}
_STORES_LOCK = threading.Lock()


def process_store(home: Path) -> Store:
    """This process's store of the workspace, opened once: the dashboard's pages and its inbox
    watcher share it (the process is the store's single writer). Raises StoreBusy."""
    home = Path(home).resolve()
    with _STORES_LOCK:
        if home not in _STORES:
            _STORES[home] = Workspace(home).open_store()
        return _STORES[home]


def staging_dir(store_path: Path) -> Path:
    return Path(store_path).parent / "staging"
