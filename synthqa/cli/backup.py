"""`python -m synthqa backup | restore`: a consistent copy of the store, and putting one back."""
from __future__ import annotations

import sys
from pathlib import Path

from synthqa.cli.codes import EXIT_FAILED, EXIT_OK
from synthqa.workspace import Workspace


def cmd_backup(args, ws: Workspace) -> int:
    try:
        target = ws.backup(args.out)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"backup written: {target} ({target.stat().st_size / 2**20:,.1f} MB); "
          f"restore it with: python -m synthqa restore {target}")
    return EXIT_OK


def cmd_restore(args, ws: Workspace) -> int:
    try:
        kept = ws.restore(args.backup)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}; the store is unchanged", file=sys.stderr)
        return EXIT_FAILED
    print(f"restored {args.backup} as {ws.store_path}"
          + (f"; the file it replaced is kept as {kept}" if kept else ""))
    return EXIT_OK


def add_parser(sub, workspace_of) -> None:
    """Its verbs; `workspace_of(args)` gives the chosen workspace."""
    back = sub.add_parser("backup", help="copy the store into one new file, consistent also "
                          "while the dashboard writes (default: backups/ in the workspace)")
    back.add_argument("out", nargs="?", type=Path, help="the backup file to write (new)")
    back.set_defaults(fn=lambda a: cmd_backup(a, workspace_of(a)))
    res = sub.add_parser("restore", help="put a backup in the store's place (stop the "
                         "dashboard first); the replaced file is kept beside it")
    res.add_argument("backup", type=Path, help="a file `backup` wrote")
    res.set_defaults(fn=lambda a: cmd_restore(a, workspace_of(a)))
