"""The dashboard server's own work, with or without a browser open: `streamlit run app.py`
serves app.py's `st.App`, whose lifespan starts a thread that drains inbox/ every
SYNTHQA_INBOX_POLL_S seconds into the process's store (its single writer)."""
from __future__ import annotations

import contextlib
import itertools
import logging
import threading
from collections import deque

from synthqa.config import Settings
from synthqa.ingest.inbox import Inbox, ingest_inbox
from synthqa.ingest.staging import ImportResult
from synthqa.store import StoreBusy, StoreDamaged
from synthqa.workspace import Workspace, process_store

LOG = logging.getLogger("synthqa.inbox")
_SEQ = itertools.count(1)
_RECENT: deque[tuple[int, dict]] = deque(maxlen=200)  # (sequence, result) of recent imports
_LOCK = threading.Lock()


def drain(settings: Settings) -> list[ImportResult]:
    """Ingest what waits in inbox/ now (what the watcher does each tick). The server holds
    the store from its first tick on, so that CLI imports queue instead of competing."""
    store = process_store(settings.home)
    workspace = Workspace(settings.home)
    if not store.search_in_sync():  # an older workspace, or a crash after a commit
        LOG.info("rebuilding the full-text index: %s traces", f"{store.rebuild_search():,}")
    if not Inbox(workspace).pending():
        return []
    results = ingest_inbox(store, workspace, settings, worker=True)  # the GIL stays free
    note(results)
    return results


def note(results: list[ImportResult]) -> None:
    with _LOCK:
        for result in results:
            _RECENT.append((next(_SEQ), result.to_dict()))


def since(seen: int) -> tuple[int, list[dict]]:
    """(the latest sequence number, the results after `seen`): what a page has not shown."""
    with _LOCK:
        latest = max(seen, _RECENT[-1][0]) if _RECENT else seen
        return latest, [r for seq, r in _RECENT if seq > seen]


def _watch(stop: threading.Event) -> None:
    settings = Settings.from_env()
    delay = 0.0  # the first look at once: a queue may be waiting from before the start
    damaged = ""
    while not stop.wait(delay):
        delay = settings.inbox_poll_s
        try:
            drain(settings)
        except StoreBusy:
            continue  # another process holds the store for now
        except StoreDamaged as exc:  # said on every page; logged once
            if str(exc) != damaged:
                damaged = str(exc)
                LOG.error("the store is damaged: %s", damaged)
        except Exception:  # a watcher that dies silently is worse than a logged error
            LOG.exception("draining inbox/ failed")


@contextlib.asynccontextmanager
async def lifespan(app):
    stop = threading.Event()
    thread = threading.Thread(target=_watch, args=(stop,), name="synthqa-inbox", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
