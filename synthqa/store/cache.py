"""The metrics cache and the version of its inputs."""
from __future__ import annotations

from synthqa.store.part import Part


class Cache(Part):
    _memo: tuple[int, str] | None = None

    def inputs_version(self) -> str:
        """Changes whenever traces, verdicts, labels or embeddings change. Read once per
        committed write (Store.generation; a pass over the traces, ~0.1 s at 10M)."""
        generation = self.store.generation
        if self._memo is not None and self._memo[0] == generation:
            return self._memo[1]
        with self.cursor() as cur:
            row = cur.execute("""SELECT (SELECT count(*) FROM traces),
                                        (SELECT max(finished_at) FROM imports),
                                        (SELECT count(*) FROM labels),
                                        (SELECT max(labelled_at) FROM labels),
                                        (SELECT count(*) FROM embeddings),
                                        (SELECT count(*) FILTER (WHERE is_correct)
                                         + 7 * count(*) FILTER (WHERE first_failed_step >= 0)
                                         FROM traces),
                                        (SELECT sum(params) FROM generators)""").fetchone()
        self._memo = (generation, "/".join(str(v) for v in row))
        return self._memo[1]

    def put(self, key: str, value: str, inputs_version: str) -> None:
        with self.transaction() as cur:
            cur.execute("INSERT OR REPLACE INTO metrics_cache VALUES (?, ?, ?, now())",
                        [key, value, inputs_version])

    def get(self, key: str) -> tuple[str, str, object] | None:
        """(value, inputs_version, computed_at), or None."""
        with self.cursor() as cur:
            return cur.execute("SELECT value, inputs_version, computed_at FROM metrics_cache "
                               "WHERE key = ?", [key]).fetchone()
