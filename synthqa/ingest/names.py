"""Inbox file names: a producer's file is `<stamp>-<id>-<name>.<format>.<ext>`, a job's shard
`<run>-<start>-<id>.<format>.parquet`; the format tells the writer how to take it."""
from __future__ import annotations

import re
from pathlib import Path

INBOX_SUFFIXES = (".jsonl", ".json", ".parquet")
SHARD_NAME = r"^(.+)-\d{6,}-[0-9a-f]{8}\.([\w-]+)\.parquet$"


def display_name(path: str | Path) -> str:
    """A file's name as its producer knew it: inbox names lose their stamp, id and format."""
    path = Path(path)
    match = re.fullmatch(r"\d{8}T\d{6}-[0-9a-f]{8}-(.*)\.[\w-]+(\.\w+)", path.name)
    return f"{match.group(1)}{match.group(2)}" if match else path.name


def inbox_format(inbox_file: Path) -> str:
    """The format named in an inbox file's name (`…-<id>.<format>.<ext>`), else auto."""
    parts = inbox_file.name.split(".")
    return parts[-2] if len(parts) >= 3 else "auto"
