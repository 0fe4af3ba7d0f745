"""Runs one job's command and records how it ended, so status survives a dashboard restart.

    python -m synthqa.jobs.wrap RUN_DIR -- COMMAND [ARG ...]

The wrapper leads the job's process group (the runner starts it in a new session); SIGTERM is
passed on to the command, and its exit code is written to RUN_DIR/exit_code (atomically);
then the next queued local job of the workspace starts.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    run_dir, command = Path(argv[0]), argv[argv.index("--") + 1:]
    child = subprocess.Popen(command, cwd=run_dir)
    signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
    code = child.wait()
    tmp = run_dir / ".exit_code"
    tmp.write_text(str(code))
    os.replace(tmp, run_dir / "exit_code")
    from synthqa.jobs.runner import dispatch_after  # here: the command starts without waiting
                                                    # for the store's libraries to load

    dispatch_after(run_dir)      # a slot is free: start the next queued job
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
