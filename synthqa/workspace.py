"""A workspace folder: the store file, inbox/ for producers, runs/ for jobs."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from synthqa.config import Settings
from synthqa.store import Store, StoreBusy, StoreDamaged

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

    @property
    def store_files(self) -> tuple[Path, Path]:
        """The store file and its write-ahead log (what is not checkpointed yet)."""
        return self.store_path, self.store_path.with_name(self.store_path.name + ".wal")

    def store_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.store_files if f.exists())

    @contextmanager
    def reader(self, attempts: int = 50) -> Iterator[Store]:
        """The store for a command that only reads (stats, export, compare, ...): the file
        itself when it is free; while another process (the dashboard) holds it, a copy of the
        file and its log taken while neither changed, in a private folder removed afterwards.
        Every commit is in the log on disk, so the copy holds every committed change."""
        try:
            store = self.open_store()
        except StoreBusy:
            store = None
        if store is not None:
            try:
                yield store
            finally:
                store.close()
            return
        folder = Path(tempfile.mkdtemp(prefix="synthqa-read-"))
        try:
            store = self._snapshot(folder, attempts)
            try:
                yield store
            finally:
                store.close()
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _snapshot(self, folder: Path, attempts: int) -> Store:
        for attempt in range(attempts):
            before = [_signature(f) for f in self.store_files]
            for source in self.store_files:
                if source.exists():
                    shutil.copyfile(source, folder / source.name)
            if [_signature(f) for f in self.store_files] == before:
                return Store(folder / STORE_FILE)
            for copied in folder.iterdir():   # a write landed meanwhile: copy again
                copied.unlink()
            time.sleep(min(0.02 * (attempt + 1), 0.5))
        raise StoreBusy(f"{self.store_path} kept changing while it was copied for reading "
                        f"({attempts} tries); try again when the dashboard is quieter")

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    def backup_files(self) -> list[Path]:
        """The backups in backups/, oldest first."""
        return sorted(self.backups.glob("synthqa-*.duckdb")) if self.backups.is_dir() else []

    def backup(self, target: Path | None = None, store: Store | None = None) -> Path:
        """A consistent, compact copy of the store in one new file (default
        backups/synthqa-<UTC time>.duckdb): from `store` when this process holds it, else from
        the file, or from a copy of it while another process (the dashboard) holds it."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
        target = Path(target) if target else self.backups / f"synthqa-{stamp}.duckdb"
        if target.exists():
            raise FileExistsError(f"{target} exists; name a new file")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".partial-{target.name}")
        try:
            if store is not None:
                store.copy_to(partial)
            else:
                with self.reader() as held:
                    held.copy_to(partial)
            os.replace(partial, target)
        finally:
            for leftover in (partial, partial.with_name(partial.name + ".wal")):
                leftover.unlink(missing_ok=True)
        return target

    def restore(self, backup: Path) -> Path | None:
        """Put a backup in the store's place (refused while another process holds the store);
        the file it replaces stays beside it as synthqa.duckdb.replaced-<UTC time> (returned).
        The backup itself is not changed: a copy of it is checked and brought up to date."""
        self.init()
        candidate = self.root / f".restoring-{STORE_FILE}"
        shutil.copyfile(backup, candidate)
        try:
            try:
                Store(candidate).close()     # opens and migrates, or says what is wrong
            except StoreDamaged as exc:
                raise ValueError(f"{backup} is not a readable backup: {exc}") from None
            kept = None
            if self.store_path.exists():
                try:
                    Store(self.store_path).close()   # StoreBusy while a dashboard holds it
                except StoreDamaged:
                    pass                             # what the backup is for
                stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
                kept = self.store_path.with_name(f"{STORE_FILE}.replaced-{stamp}")
                for current in self.store_files:
                    if current.exists():
                        os.replace(current, kept.with_name(kept.name + current.name[
                            len(STORE_FILE):]))
            os.replace(candidate, self.store_path)
        finally:
            candidate.unlink(missing_ok=True)
        with contextlib.closing(self.open_store()) as store:
            store.rebuild_search()
        return kept

    def recovery(self, damage: str) -> str:
        """What to do about a damaged store, in the words of its workspace."""
        backups = self.backup_files()
        restore = (f"python -m synthqa restore {backups[-1]} (the newest of {len(backups)} "
                   f"in {self.backups})" if backups else "python -m synthqa restore BACKUP "
                   f"(none in {self.backups})")
        return (f"The store {self.store_path} is damaged and cannot be read: {damage}\n\n"
                "To recover: stop every SynthQA process of this workspace (dashboard, imports, "
                f"jobs), then put a backup in its place: {restore}; the damaged file is kept "
                f"beside it. Without a backup, move {self.store_path.name} aside and import the "
                f"files again (imported files are kept in {self.done}); labels given on the "
                "Review page live only in the store and its backups "
                "(python -m synthqa backup).")

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


def _signature(path: Path) -> tuple[int, int] | None:
    """Size and modification time: equal before and after a copy means no write between."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_size, info.st_mtime_ns
