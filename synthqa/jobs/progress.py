"""A run's progress file (`runs/<id>/progress.json`), written atomically by the run."""
from __future__ import annotations

import json
import os
from pathlib import Path


def write(folder: Path, done: int, total: int) -> None:
    tmp = folder / ".progress.json"
    tmp.write_text(json.dumps({"done": done, "total": total}))
    os.replace(tmp, folder / "progress.json")


def read(folder: Path) -> dict:
    path = folder / "progress.json"
    return json.loads(path.read_text()) if path.exists() else {"done": 0, "total": None}
