"""A run's progress file (`runs/<id>/progress.json`), written atomically by the run."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path


def write(folder: Path, done: int, total: int, started: float | None = None,
          base: int = 0) -> None:
    """`started`: when this process began (epoch seconds) and `base` how many units were done
    before it (a resumed run), from which readers estimate the time left."""
    tmp = folder / ".progress.json"
    state = {"done": done, "total": total}
    if started is not None:
        state |= {"started": started, "base": base}
    tmp.write_text(json.dumps(state))
    os.replace(tmp, folder / "progress.json")


def seconds_left(progress: dict, now: float | None = None) -> float | None:
    """The time left at the pace so far; None before the first unit is done."""
    done, total, started = progress.get("done"), progress.get("total"), progress.get("started")
    base = progress.get("base") or 0
    if not done or not total or started is None or done <= base:
        return None
    elapsed = (now or time.time()) - started
    return elapsed / (done - base) * max(0, total - done)


def eta_text(progress: dict, now: float | None = None) -> str:
    """' · about 3 min left' while a run goes on, '' when that is not known yet."""
    left = seconds_left(progress, now)
    if left is None or progress.get("done", 0) >= (progress.get("total") or 0):
        return ""
    return f" · about {duration(left)} left"


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:,.0f} s"
    return f"{seconds / 60:,.0f} min" if seconds < 5400 else f"{seconds / 3600:,.1f} h"


def read(folder: Path) -> dict:
    path = folder / "progress.json"
    return json.loads(path.read_text()) if path.exists() else {"done": 0, "total": None}
