"""A time budget for one record's checks: no record can hold an import (and the inbox behind it)
for long, whatever its text makes the splitters, answer patterns and step checks do.

SIGALRM interrupts Python code and regular expressions alike, but only on a process's main
thread: the CLI, the dashboard's import worker process and the import's chunk workers. Off the
main thread the budget is off (the caps on line, step and answer sizes still hold).
"""
from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class OverBudget(Exception):
    """The record's checks ran past their budget."""


def _on_alarm(signum, frame):
    raise OverBudget


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise OverBudget in the block once `seconds` have passed (0 or off the main thread:
    no budget)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
