"""A run's progress file (`runs/<id>/progress.json`), written atomically by the run."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path


def write(folder: Path, done: int, total: int, started: float | None = None) -> None:
    """`started`: the run's start (epoch seconds), from which readers estimate the time left."""
    tmp = folder / ".progress.json"
    state = {"done": done, "total": total}
    tmp.write_text(json.dumps(state if started is None else {**state, "started": started}))
    os.replace(tmp, folder / "progress.json")


def seconds_left(progress: dict, now: float | None = None) -> float | None:
    """The time left at the pace so far; None before the first unit is done."""
    done, total, started = progress.get("done"), progress.get("total"), progress.get("started")
    if not done or not total or started is None:
        return None
    elapsed = (now or time.time()) - started
    return elapsed / done * max(0, total - done)


def read(folder: Path) -> dict:
    path = folder / "progress.json"
    return json.loads(path.read_text()) if path.exists() else {"done": 0, "total": None}
