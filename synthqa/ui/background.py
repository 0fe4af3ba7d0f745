"""Background tasks that need the store: run in a thread of the process that holds it (the
single writer), with progress the dashboard polls. Training and sampling jobs are processes."""
from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable

from synthqa.jobs.progress import seconds_left

Progress = Callable[[float, str], None]


class BackgroundTask:
    """One function at a time, in a daemon thread; progress(fraction, message) as it goes."""

    def __init__(self, name: str, fn: Callable[[Progress], object]):
        self.name, self._fn = name, fn
        self._thread: threading.Thread | None = None
        self.fraction, self.message = 0.0, ""
        self.error: str | None = None
        self.started_at = self.finished_at = None
        self._pace_from: tuple[float, float] | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> bool:
        """Start unless running already; False when it was."""
        if self.running:
            return False
        self.fraction, self.message, self.error = 0.0, "starting", None
        self.started_at, self.finished_at = time.time(), None
        self._pace_from: tuple[float, float] | None = None
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return True

    def seconds_left(self, now: float | None = None) -> float | None:
        """At the pace since the first progress report (loading a model before it is not
        pace); a rough guide: the stages differ in speed."""
        started, base = self._pace_from or (self.started_at, 0.0)
        return seconds_left({"done": self.fraction, "total": 1.0, "started": started,
                             "base": base}, now)

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _progress(self, fraction: float, message: str) -> None:
        self.fraction, self.message = min(max(fraction, 0.0), 1.0), message
        if self._pace_from is None and self.fraction > 0:
            self._pace_from = (time.time(), self.fraction)

    def _run(self) -> None:
        try:
            self._fn(self._progress)
        except Exception as exc:  # shown in the page; the dashboard keeps running
            self.error = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        finally:
            self.finished_at = time.time()
