"""Readers of trace files (JSONL, JSON array, Parquet): each yields (location, object or
RecordError), with caps on size and depth checked before a record becomes Python objects."""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from synthqa.ingest.records import MAX_DEPTH, RecordError, deep_error, too_deep

# A reader yields (location, object or RecordError); the location is "line N" or "row N".
Reader = Callable[[Path, int], Iterator[tuple[str, Any]]]


BOM = b"\xef\xbb\xbf"
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def read_jsonl(path: Path, max_line_bytes: int) -> Iterator[tuple[str, Any]]:
    with open(path, "rb") as handle:
        line_no = 0
        while raw := handle.readline(max_line_bytes + 1):
            line_no += 1
            if line_no == 1 and raw.startswith(BOM):
                raw = raw[len(BOM):]  # a UTF-8 byte-order mark is not part of the record
            if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass  # skip the rest of the over-long line without holding it
                yield f"line {line_no}", RecordError(
                    f"line is longer than {max_line_bytes:,} bytes (SYNTHQA_MAX_LINE_BYTES)")
                continue
            if not raw.strip():
                continue
            obj = _decode_json(raw)
            if isinstance(obj, RecordError) and _opens_pretty_record(raw, handle):
                yield f"line {line_no}", RecordError(
                    "a record spans several lines (pretty-printed JSON): write one record "
                    "per line (jq -c . FILE), or one JSON array; stopped reading")
                return
            yield f"line {line_no}", obj


def _opens_pretty_record(raw: bytes, handle) -> bool:
    """A line that is only '{' or '[' followed by an indented line: pretty-printed JSON."""
    if raw.strip() not in (b"{", b"["):
        return False
    at = handle.tell()
    following = handle.readline(4096)
    handle.seek(at)
    return following[:1] in (b" ", b"\t") and bool(following.strip())


def _decode_json(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return RecordError(f"invalid UTF-8 at byte {exc.start}")
    return loads(text, check_surrogates=bool(_SURROGATE_ESCAPE.search(raw)))


def _no_constant(name: str):
    """NaN (as pandas and Python's json write a missing value) means missing; Infinity is an
    error."""
    if name == "NaN":
        return None
    raise ValueError(f"{name} is not a JSON number")


class _DuplicateKey(ValueError):
    pass


def _object(pairs: list[tuple[str, Any]]) -> dict:
    """A JSON object; a key given twice is an error (json would keep the last silently)."""
    obj = dict(pairs)
    if len(obj) < len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise _DuplicateKey(f"key {twice!r} appears twice in one object")
    return obj


def loads(text: str, check_surrogates: bool = True) -> Any:
    """One JSON value (NaN read as null), or a RecordError saying why not: malformed, a key
    given twice, Infinity, nested too deeply, a number too long for Python's int conversion, or
    a lone surrogate."""
    try:
        obj = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        return RecordError(f"invalid JSON: {exc.msg} at column {exc.colno}")
    except _DuplicateKey as exc:
        return RecordError(f"invalid JSON: {exc}")
    except RecursionError:
        return deep_error()
    except ValueError as exc:  # NaN / Infinity, or an integer past 4,300 digits
        return RecordError(f"invalid JSON: {str(exc).split(';')[0]}")
    if _brackets(text) > MAX_DEPTH and too_deep(obj):
        return deep_error()
    if check_surrogates:
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return RecordError("invalid text: a lone UTF-16 surrogate (\\ud800-\\udfff)")
    return obj


def _brackets(text: str) -> int:
    return text.count("[") + text.count("{")


MAX_JSON_ARRAY_BYTES = 256 * 2**20  # read whole; larger files come as JSON Lines


def read_json_array(path: Path, max_line_bytes: int) -> Iterator[tuple[str, Any]]:
    """A JSON file holding one array of records; each record is located by its first line and
    may be as long as a JSONL line."""
    if (size := path.stat().st_size) > MAX_JSON_ARRAY_BYTES:
        yield "file", RecordError(
            f"a JSON array of {size:,} bytes is over the {MAX_JSON_ARRAY_BYTES:,} SynthQA reads "
            "at once: write it as JSON Lines, one record per line (e.g. `jq -c '.[]' FILE > "
            "FILE.jsonl`)")
        return
    try:
        text = path.read_bytes().decode("utf-8-sig")  # a byte-order mark is not JSON
    except UnicodeDecodeError as exc:
        yield "byte %d" % exc.start, RecordError(f"invalid UTF-8 at byte {exc.start}")
        return
    pos = _skip_ws(text, 0)
    if not text.startswith("[", pos):
        yield "line 1", RecordError("expected a JSON array of records")
        return
    pos, line, counted = pos + 1, 1, 0
    while True:
        pos = _skip_ws(text, pos)
        if text.startswith("]", pos):
            return
        line, counted = line + text.count("\n", counted, pos), pos
        end = _value_end(text, pos)
        if end is None:
            yield f"line {line}", RecordError("invalid JSON: a record never ends; stopped "
                                              "reading")
            return
        obj = loads(text[pos:end]) if end - pos <= max_line_bytes else RecordError(
            f"record is longer than {max_line_bytes:,} bytes (SYNTHQA_MAX_LINE_BYTES)")
        if isinstance(obj, RecordError) and str(obj).startswith("invalid JSON: Extra data"):
            obj = RecordError("invalid JSON: expected ',' or ']' between records")
        yield f"line {line}", obj
        pos = end
        pos = _skip_ws(text, pos)
        if text.startswith(",", pos):
            pos += 1
        elif not text.startswith("]", pos):
            yield f"line {text.count(chr(10), 0, pos) + 1}", RecordError(
                "expected ',' or ']' between records; stopped reading")
            return


def _value_end(text: str, pos: int) -> int | None:
    """Where the JSON value starting at `pos` ends: a linear scan of brackets and strings, so a
    bad record is skipped without parsing it (its nesting can be 100,000 deep)."""
    if pos >= len(text) or text[pos] not in "[{":
        match = re.compile(r'"(?:[^"\\]|\\.)*"|[^,\]\s]+').match(text, pos)
        return match.end() if match else None
    depth, i, n = 0, pos, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i = _string_end(text, i)
            if i is None:
                return None
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _string_end(text: str, i: int) -> int | None:
    i += 1
    while i < len(text):
        j = text.find('"', i)
        if j < 0:
            return None
        k = j - 1
        while k >= i and text[k] == "\\":
            k -= 1
        if (j - 1 - k) % 2 == 0:  # an even number of backslashes: the quote is not escaped
            return j + 1
        i = j + 1
    return None


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


MAX_EXPANSION = 200      # uncompressed / compressed: text compresses 3-20x; a bomb 10,000x
MAX_CHUNK_BYTES = 2**31  # one column of one row group, uncompressed
BATCH_BYTES = 64 * 2**20  # rows read at a time, by the row group's average row


def read_parquet(path: Path, max_line_bytes: int) -> Iterator[tuple[str, Any]]:
    """Row by row, row group by row group. A row group whose metadata says it expands past
    the caps is named and skipped unread; a row past `max_line_bytes` is named and skipped
    before it becomes Python objects."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        yield "file", RecordError(f"not a readable Parquet file: {exc}")
        return
    names = parquet.schema_arrow.names
    if twice := sorted({name for name in names if names.count(name) > 1}):
        yield "file", RecordError(f"column {twice[0]!r} appears twice; give each column one "
                                  "name")
        return
    first = 1
    for n in range(parquet.metadata.num_row_groups):
        group = parquet.metadata.row_group(n)
        where = f"rows {first}-{first + group.num_rows - 1}"
        if problem := _row_group_problem(group, max_line_bytes):
            yield where, RecordError(f"row group {n + 1}: {problem}; skipped unread")
        else:
            yield from _rows(parquet, n, group, first, max_line_bytes)
        first += group.num_rows


def _row_group_problem(group, max_line_bytes: int) -> str | None:
    for c in range(group.num_columns):
        column = group.column(c)
        size, packed = column.total_uncompressed_size, max(column.total_compressed_size, 1)
        if size > MAX_CHUNK_BYTES:
            return (f"column '{column.path_in_schema}' holds {size:,} bytes uncompressed (at "
                    f"most {MAX_CHUNK_BYTES:,} a row group: write the file with smaller row "
                    "groups)")
        if size > max_line_bytes and size / packed > MAX_EXPANSION:
            return (f"column '{column.path_in_schema}' expands from {packed:,} to {size:,} "
                    f"bytes ({size // packed:,}x; at most {MAX_EXPANSION}x): a compression "
                    "bomb, not text")
    return None


def _rows(parquet, n: int, group, first: int, max_line_bytes: int):
    per_row = group.total_byte_size / max(group.num_rows, 1)
    batch_rows = int(min(10_000, max(1, BATCH_BYTES // max(per_row, 1))))
    row = first
    for batch in parquet.iter_batches(batch_size=batch_rows, row_groups=[n]):
        rows = [batch] if batch.nbytes <= max_line_bytes else \
            [batch.slice(i, 1) for i in range(batch.num_rows)]
        for part in rows:
            if part.nbytes > max_line_bytes:  # one row, past the cap: never made Python
                yield f"row {row}", RecordError(f"row holds {part.nbytes:,} bytes, over "
                                                f"{max_line_bytes:,} (SYNTHQA_MAX_LINE_BYTES)")
                row += 1
                continue
            for obj in part.to_pylist():
                yield f"row {row}", obj
                row += 1


def reader_for(path: Path) -> Reader:
    """The reader for a file, by its first bytes, then its name: Parquet by its magic number
    (DATA.PARQUET or not), a JSON array by its '[', JSON Lines by its '{' (a .json file often
    holds JSON Lines); a compressed or UTF-16 file gets one error saying what to do."""
    head = _head(path)
    for magic, problem in FOREIGN:
        if head.startswith(magic):
            return _refusing(problem)
    suffix = path.suffix.lower()
    start = head.removeprefix(BOM).lstrip()
    if head.startswith(b"PAR1") or (suffix == ".parquet" and not start[:1] in (b"[", b"{")):
        return read_parquet
    if start.startswith(b"[") or (suffix == ".json" and not start.startswith(b"{")):
        return read_json_array
    return read_jsonl


FOREIGN = [
    (b"\x1f\x8b", "a gzip-compressed file: decompress it first (gunzip FILE)"),
    (b"PK\x03\x04", "a zip archive: unpack it and import the files inside"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file: decompress it first (zstd -d FILE)"),
    (b"BZh", "a bzip2-compressed file: decompress it first (bunzip2 FILE)"),
    (b"\xff\xfe", "UTF-16 text: save it as UTF-8 (iconv -f UTF-16 -t UTF-8 FILE)"),
    (b"\xfe\xff", "UTF-16 text: save it as UTF-8 (iconv -f UTF-16 -t UTF-8 FILE)"),
    (b"{\x00", "UTF-16 text: save it as UTF-8 (iconv -f UTF-16LE -t UTF-8 FILE)"),
    (b"[\x00", "UTF-16 text: save it as UTF-8 (iconv -f UTF-16LE -t UTF-8 FILE)"),
    (b"\x00{", "UTF-16 text: save it as UTF-8 (iconv -f UTF-16BE -t UTF-8 FILE)"),
    (b"\x00[", "UTF-16 text: save it as UTF-8 (iconv -f UTF-16BE -t UTF-8 FILE)"),
]


def _head(path: Path, n: int = 64) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(n)


def _refusing(problem: str) -> Reader:
    def read(path: Path, max_line_bytes: int) -> Iterator[tuple[str, Any]]:
        yield "file", RecordError(f"this is {problem}")
    return read
