"""Agreement of SynthQA's answer check with each file's own answer verdicts.

    .venv/bin/python -m bench.answer_agreement FILE [FILE ...]

Reads each file with its adapter (format detected), checks every trace that has a gold answer
and a verdict of the source's, prints the agreement and the first disagreements.
"""
from __future__ import annotations

import sys
from pathlib import Path

from synthqa.checks.answers import extract_answer, is_equivalent
from synthqa.ingest.adapters import FORMATS, detect_format
from synthqa.ingest.readers import reader_for
from synthqa.ingest.records import RecordError

MAX_LINE = 16 << 20


def agreement(path: Path, shown: int = 8) -> tuple[int, int]:
    adapt = FORMATS[detect_format(path, MAX_LINE)][0]
    n = agree = 0
    for where, obj in reader_for(path)(path, MAX_LINE):
        try:
            records = adapt(obj)
        except RecordError:
            continue
        for r in records:
            if r.is_correct is None or r.gold_answer is None:
                continue
            answer = r.answer if r.answer is not None else \
                extract_answer(r.text if r.text is not None else "\n".join(r.steps))[0]
            ours = is_equivalent(answer, r.gold_answer)
            n, agree = n + 1, agree + (ours == r.is_correct)
            if ours != r.is_correct and n - agree <= shown:
                print(f"  {where}: answer {answer!r}, gold {r.gold_answer!r}: "
                      f"source says {r.is_correct}, SynthQA {ours}")
    return agree, n


def main(argv: list[str]) -> int:
    for name in argv:
        agree, n = agreement(Path(name))
        print(f"{Path(name).name}: {agree:,} / {n:,} = {agree / max(n, 1):.2%}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
