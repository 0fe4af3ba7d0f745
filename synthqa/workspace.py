"""A workspace folder: the store file, inbox/ for producers, runs/ for jobs."""
from __future__ import annotations

import json
import os
import re
import shutil
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from synthqa.config import Settings
from synthqa.store import Store

STORE_FILE = "synthqa.duckdb"
# An inbox file is named <stamp>-<id>.<format>.<ext>; the format tells the ingester which adapter.
INBOX_SUFFIXES = (".jsonl", ".json", ".parquet")


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

    def drop_into_inbox(self, path: str | os.PathLike, fmt: str) -> Path:
        """Copy a file into inbox/ atomically (temporary name, then rename) for the writer."""
        src = Path(path)
        return self._drop(src.stem, src.suffix, fmt, lambda tmp: shutil.copyfile(src, tmp))

    def drop_bytes(self, data: bytes, name: str, fmt: str = "auto") -> Path:
        """Put uploaded bytes into inbox/ the same way."""
        stem, suffix = os.path.splitext(os.path.basename(name))
        return self._drop(stem, suffix, fmt, lambda tmp: tmp.write_bytes(data))

    def _drop(self, stem: str, suffix: str, fmt: str, write) -> Path:
        self.init()
        ext = suffix if suffix in INBOX_SUFFIXES else ".jsonl"
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        safe = re.sub(r"[^A-Za-z0-9_-]+", "_", stem)[:60]
        final = self.inbox / f"{stamp}-{uuid.uuid4().hex[:8]}-{safe}.{fmt}{ext}"
        tmp = self.inbox / f".tmp-{final.name}"
        write(tmp)
        os.replace(tmp, final)
        return final

    def pending(self) -> list[Path]:
        """Inbox files ready to ingest, oldest first (dot-files are still being written)."""
        if not self.inbox.is_dir():
            return []
        return sorted(p for p in self.inbox.iterdir()
                      if p.is_file() and not p.name.startswith(".") and p.suffix in INBOX_SUFFIXES)

    def result_path(self, inbox_file: Path) -> Path:
        return self.done / f"{inbox_file.name}.result.json"

    def finish_inbox_file(self, inbox_file: Path, result: dict) -> None:
        """Record the outcome beside the file in done/ (the store already remembers its hash);
        a file nothing could be imported from is not kept."""
        tmp = self.done / f".tmp-{inbox_file.name}.result.json"
        tmp.write_text(json.dumps(result, indent=1, default=str))
        os.replace(tmp, self.result_path(inbox_file))
        if result.get("n_traces") or result.get("skipped"):
            os.replace(inbox_file, self.done / inbox_file.name)
        else:
            inbox_file.unlink(missing_ok=True)


def importable(path: str | os.PathLike, settings: Settings) -> Path:
    """The resolved path when a path typed in a form may be imported (it is untrusted): a
    regular file of a supported format under the size cap, below SYNTHQA_IMPORT_ROOT when that
    is set; else ValueError saying why."""
    import stat

    src = Path(path).expanduser().resolve()
    root = settings.import_root
    if root is not None and not src.is_relative_to(root):
        raise ValueError(f"{path}: only files below SYNTHQA_IMPORT_ROOT ({root}) can be imported")
    if src.suffix not in INBOX_SUFFIXES:
        raise ValueError(f"{path}: not a trace file ({', '.join(INBOX_SUFFIXES)})")
    try:
        info = src.stat()
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path}: not a regular file")
    if info.st_size > settings.max_import_bytes:
        raise ValueError(f"{path}: {info.st_size:,} bytes, over the "
                         f"{settings.max_import_bytes:,} of SYNTHQA_MAX_IMPORT_BYTES")
    return src


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


def display_name(path: str | Path) -> str:
    """A file's name as its producer knew it: inbox names lose their stamp, id and format."""
    path = Path(path)
    match = re.fullmatch(r"\d{8}T\d{6}-[0-9a-f]{8}-(.*)\.[\w-]+(\.\w+)", path.name)
    return f"{match.group(1)}{match.group(2)}" if match else path.name


def inbox_format(inbox_file: Path) -> str:
    """The format named in an inbox file's name (`…-<id>.<format>.<ext>`), else auto."""
    parts = inbox_file.name.split(".")
    return parts[-2] if len(parts) >= 3 else "auto"
