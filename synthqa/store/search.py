"""A full-text index of every trace (its problem and its solution) with tantivy.

Why tantivy: DuckDB's fts extension is not in the wheel and cannot be installed offline, and
an ILIKE scan reads every solution (about 0.8 s per million). The index answers which traces
hold the query's words as a phrase (the last word may be the start of a longer one); the
store then keeps those whose problem or solution contains the query (ILIKE), so every result is
an ILIKE result. The one difference from ILIKE: a query that begins inside a word of the text
is not found there ("old" does not find "sold", "lips" does not find "clips"). A query with no
letters or digits, a word longer than 40 characters or more than CAP hits falls back to the
ILIKE scan (tests/store/test_search_index.py).

The index lives beside the store (`search/`); the store's one writer adds each import's traces
right after its transaction. An index that does not hold exactly the store's traces (a crash
between the two, an older workspace) is rebuilt (`python -m synthqa index`, or the dashboard's
watcher at start) and is not used until then.
"""
from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pandas as pd

CAP = 200_000          # more hits than this: the ILIKE scan is as fast as shipping the ids
_WORD = re.compile(r"[^\W_]+")
_BATCH = 50_000


class Search:
    def __init__(self, folder: Path):
        self.folder = folder
        self._index = None
        self._lock = threading.Lock()

    def _open(self):
        import tantivy

        if self._index is None:
            builder = tantivy.SchemaBuilder()
            builder.add_text_field("trace_id", stored=True, tokenizer_name="raw")
            builder.add_text_field("body", stored=False)
            self.folder.mkdir(parents=True, exist_ok=True)
            self._index = tantivy.Index(builder.build(), path=str(self.folder))
        return self._index

    def size(self) -> int:
        """Traces in the index; -1 when it cannot be read (then it is not used). Readers take
        the writers' lock: a searcher opened while a merge removes segments failed with
        FileDoesNotExist (seen in the demo build's log)."""
        with self._lock:
            try:
                index = self._open()
                index.reload()
                return index.searcher().num_docs
            except ValueError:
                return -1

    def add(self, rows: pd.DataFrame) -> None:
        """Index traces (columns trace_id, problem, text) and commit."""
        import tantivy

        with self._lock:
            writer = self._open().writer(heap_size=128_000_000, num_threads=1)
            for trace_id, problem, text in zip(rows["trace_id"], rows["problem"], rows["text"]):
                writer.add_document(tantivy.Document(trace_id=trace_id,
                                                     body=f"{problem}\n{text}"))
            writer.commit()
            writer.wait_merging_threads()

    def clear(self) -> None:
        with self._lock:
            self._index = None
            shutil.rmtree(self.folder, ignore_errors=True)

    def candidates(self, query: str, cap: int = CAP) -> list[str] | None:
        """Traces that may contain `query` (a superset of the ILIKE matches among whole-word
        queries), or None where the index cannot answer and the caller scans."""
        words = _WORD.findall(query.lower())
        if not words or max(map(len, words)) > 40:  # tantivy's tokenizer drops longer ones
            return None
        import tantivy

        with self._lock:
            index = self._open()
            index.reload()
            searcher = index.searcher()

        # regex terms, not PhrasePrefixQuery: that one expands a prefix to 50 terms at most
        pattern = [*words[:-1], f"{words[-1]}.*"]
        q = tantivy.Query.regex_query(index.schema, "body", pattern[0]) if len(words) == 1 \
            else tantivy.Query.regex_phrase_query(index.schema, "body", pattern)
        result = searcher.search(q, cap + 1)
        if result.count > cap:
            return None
        return [searcher.doc(address)["trace_id"][0] for _, address in result.hits]

