"""Final answers: extract them from a solution and decide equivalence with math-verify.

math-verify's timeouts use SIGALRM, which only works on a process's main thread; Streamlit runs
scripts on other threads. So timeouts are on only on the main thread (CLI, worker processes), and
everywhere a cheap guard rejects inputs that make sympy hang (power towers, huge exponents).
"""
from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import threading
from fractions import Fraction
from functools import lru_cache
from importlib.metadata import version

ANSWERS_VERSION = 2  # 2: LaTeX number formats, units in \text{}, stated final answers
VERIFIER = f"math-verify {version('math-verify')} / synthqa-answers {ANSWERS_VERSION}"
MAX_ANSWER_CHARS = 300
POOL_THRESHOLD = 512  # unique non-numeric pairs before worker processes pay off (start ~2 s)

logging.getLogger("math_verify").setLevel(logging.ERROR)  # "timeout disabled" on every call

# Thousands separators only in groups of three: "0,1" is the set {0, 1}, not 1 (it matched 1).
_NUMBER = r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|-?\.\d+"
_STEP_LABEL = re.compile(r"(?i)\bstep\s*\d+\s*[:.)]")  # "Step 5:" is no candidate answer
_PATHOLOGICAL = re.compile(
    r"\^\s*\{?[^}]*\^"            # power towers 10^{10^{10}}
    r"|(?:\^|\*\*)\s*\{?\s*\(?\d{4,}"  # exponents with 4+ digits
    r"|\d{4,}\s*!"                # factorial of a big number
    r"|(?:\\left|[({\[]){30,}")   # absurd nesting


MAX_TAIL_CHARS = 20_000  # final answers are at the end: the text patterns read this much of it
_BLANKS = re.compile(r"[ \t]{2,}")


def extract_answer(text: str) -> tuple[str | None, str]:
    """Return (raw answer, method) using the first method that matches, most explicit first.
    The patterns read the end of the text only, runs of blanks as one, so that no text can
    make them slow (an answer followed by 20,000 spaces took 1.2 s)."""
    text = _BLANKS.sub(" ", text.rstrip())[-MAX_TAIL_CHARS:]
    for method, finder in _EXTRACTORS:
        found = finder(text)
        if found is not None and found.strip():
            return _clean(found), method
    return None, "none"


def _last_boxed(text: str) -> str | None:
    start = max(text.rfind("\\boxed{"), text.rfind("\\fbox{"))
    if start < 0:
        return None
    i = text.index("{", start) + 1
    depth, begin = 1, i
    while i < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[begin: i - 1] if depth == 0 else None


def _last_match(pattern: str, flags: int = 0):
    regex = re.compile(pattern, flags)

    def find(text: str) -> str | None:
        matches = regex.findall(text)
        return matches[-1] if matches else None
    return find


# An expression a final sentence ends on: a LaTeX fraction, a/b, a number (with % or a unit).
_EXPRESSION = re.compile(r"\\[dt]?frac\{[^{}]{1,40}\}\{[^{}]{1,40}\}"
                         rf"|(?:{_NUMBER})(?:\s*/\s*(?:{_NUMBER}))?")
_INLINE_MATH = re.compile(r"\$([^$\n]{1,%d})\$|\\\((.{1,%d}?)\\\)" % (MAX_ANSWER_CHARS,
                                                                   MAX_ANSWER_CHARS))
_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=\S)|\n+")
_COPULA = re.compile(r"(?i)\b(?:is|are|was|were|equals|be)\b|[:=]")
_PREPOSITION = re.compile(r"(?i)\b(?:in|per|for|of|over|within|by|every|each)\s*$")


def final_expression(text: str) -> str | None:
    """The whole expression the last sentence with a number ends on (a guess, named so): what
    its last '=', 'is', ':' … states ("the expansion of \\(\\frac{1}{37}\\) is 7" is 7); else
    its last inline math that holds a number; else its last number that is not the object of a
    preposition ("34 hours in 4 weeks" is 34, not 4)."""
    text = _STEP_LABEL.sub(" ", text)
    sentence = next((s for s in reversed(_SENTENCES.split(text)) if any(c.isdigit() for c in s)),
                    None)
    if sentence is None:
        return None
    stated = _stated(sentence)
    if stated is not None:
        return stated
    maths = [m for m in _INLINE_MATH.finditer(sentence) if any(c.isdigit() for c in m.group(0))]
    if maths:
        return _math_body(maths[-1])
    found = list(_EXPRESSION.finditer(sentence))
    kept = [m for m in found if not _PREPOSITION.search(  # the words just before it (a
        sentence, max(0, m.start() - 40), m.start())] or found  # prefix each: quadratic)
    return kept[-1].group(0) if kept else None


def _math_body(match: re.Match) -> str:
    return match.group(1) or match.group(2)


def _stated(sentence: str) -> str | None:
    """What the sentence's last '=', 'is', ':' … is followed by, when that holds a number: the
    rest of the inline math it sits in, else the inline math or expression right after it."""
    copulas = list(_COPULA.finditer(sentence))
    if not copulas:
        return None
    at = copulas[-1].end()
    maths = list(_INLINE_MATH.finditer(sentence))
    inside = next((m for m in maths if m.start() < at < m.end()), None)
    if inside is not None:
        rest = sentence[at: inside.end()].rstrip("$").removesuffix("\\)").strip()
        return rest if any(c.isdigit() for c in rest) else None
    after = next((m for m in maths if m.start() >= at), None)
    expression = _EXPRESSION.search(sentence, at)
    if after is not None and (expression is None or after.start() <= expression.start()):
        body = _math_body(after)
        return body if any(c.isdigit() for c in body) else None
    return expression.group(0) if expression else None


_EXTRACTORS = [
    ("boxed", _last_boxed),
    ("####", _last_match(r"####\s*(.+)")),
    ("answer-is", _last_match(r"(?i)(?:the (?:final )?answer is|\b(?:final )?answer[ \t]*:)"
                              r"[ \t]*:?[ \t]*(.{1,%d}?)"
                              r"(?:\.?[ \t]*$|\.\s|\n)" % MAX_ANSWER_CHARS, re.M)),
    ("A:", _last_match(r"(?m)^A:\s*(.+?)\s*$")),
    ("guess: final sentence", final_expression),
]


def _clean(answer: str) -> str:
    answer = answer.strip().rstrip(".").strip()
    if answer.startswith("$") and answer.endswith("$") and len(answer) > 1:
        answer = answer.strip("$").strip()
    for opening, closing in (("\\(", "\\)"), ("\\[", "\\]")):
        if answer.startswith(opening) and answer.endswith(closing) and len(answer) > 3:
            answer = answer[2:-2].strip()
    return answer


# LaTeX's ways of writing a number: 5,\!866,\!608 · 115{,}000 · 1\,000 · \$5 · 50\% · 30^\circ
_LATEX_NUMBER = [(re.compile(r"\{,\}"), ","), (re.compile(r"(?<=\d)\\[!,;: ]\s*(?=\d)|\\!"), ""),
                 (re.compile(r"\\([$%])"), r"\1"), (re.compile(r"\^\s*\{?\\circ\}?"), "")]
# A unit spelled out after the math: 8\sqrt{3} \text{ square inches}, 5\mbox{ cm}
_UNIT = re.compile(r"(?<=\S)\s*\\(?:text|mbox|textrm|mathrm)\s*\{\s*[A-Za-z][A-Za-z .]*\}\s*$")


def plain_latex(answer: str) -> str:
    """An answer with LaTeX's number formats and a trailing unit taken away."""
    for pattern, replacement in _LATEX_NUMBER:
        answer = pattern.sub(replacement, answer)
    return _UNIT.sub("", answer).strip()


def numeric_value(answer: str) -> Fraction | None:
    """A plain number, allowing $, thousands commas, a trailing % or unit words ("18 dollars"),
    written plainly or the LaTeX way."""
    match = re.fullmatch(rf"\$?\s*({_NUMBER})\s*(?:%|[A-Za-z][A-Za-z ./]*)?", plain_latex(answer))
    if not match:
        return None
    digits = match.group(1).replace(",", "")
    try:
        return Fraction(digits)
    except (ValueError, ZeroDivisionError):
        return None


def is_pathological(answer: str) -> bool:
    return len(answer) > MAX_ANSWER_CHARS or bool(_PATHOLOGICAL.search(answer))


def is_equivalent(pred: str | None, gold: str | None) -> bool:
    """True when pred and gold are the same mathematical answer."""
    if pred is None or gold is None:
        return False
    return _equivalent(pred.strip(), gold.strip())


@lru_cache(maxsize=200_000)
def _equivalent(pred: str, gold: str) -> bool:
    if pred == gold:
        return True
    a, b = numeric_value(pred), numeric_value(gold)
    if a is not None and b is not None:
        return a == b
    if is_pathological(pred) or is_pathological(gold) or _normalise(pred) == _normalise(gold):
        return _normalise(pred) == _normalise(gold)
    pred, gold = plain_latex(pred) or pred, plain_latex(gold) or gold
    if _items(pred) != _items(gold):  # "1" is not the set "0,1" (math-verify said it was)
        return False
    return _math_verify(pred, gold)


def _items(answer: str) -> int:
    """How many top-level, comma-separated items an answer lists (brackets keep theirs)."""
    depth, items = 0, 1
    for c in answer:
        depth += (c in "([{") - (c in ")]}")
        items += c == "," and depth == 0
    return items


_TEXT_WRAPPER = re.compile(r"\\(?:text|textbf|textrm|mathrm|mbox)\{([^{}]*)\}")


def _normalise(answer: str) -> str:
    """Spacing, math-mode and text wrappers away: "\\text{A,D}" is "A, D"."""
    return re.sub(r"\s+|\\[,;!]|\$", "", _TEXT_WRAPPER.sub(r"\1", answer)).lower()


def _as_latex(answer: str) -> str:
    return answer if "$" in answer or "\\boxed" in answer else f"${answer}$"


def _math_verify(pred: str, gold: str) -> bool:
    from math_verify import parse, verify  # sympy import is slow: pay for it only when needed

    timeout = 5 if threading.current_thread() is threading.main_thread() else None
    try:
        gold_parsed = parse(_as_latex(gold), parsing_timeout=timeout)
        pred_parsed = parse(_as_latex(pred), parsing_timeout=timeout)
        if not gold_parsed or not pred_parsed:
            return _normalise(pred) == _normalise(gold)
        return bool(verify(gold_parsed, pred_parsed, timeout_seconds=timeout))
    except Exception:  # math-verify raises on malformed LaTeX and timeouts alike
        return _normalise(pred) == _normalise(gold)


def _check_pair(pair: tuple[str | None, str | None]) -> bool:
    return is_equivalent(*pair)


def verify_many(pairs: list[tuple[str | None, str | None]], workers: int = 1) -> list[bool]:
    """Equivalence for many (pred, gold) pairs; slow unique pairs go to worker processes."""
    unique = list(dict.fromkeys(pairs))
    slow = [p for p in unique if p[0] is not None and p[1] is not None
            and not _is_cheap(p[0].strip(), p[1].strip())]
    results: dict = {}
    if workers > 1 and len(slow) >= POOL_THRESHOLD:
        results.update(_verify_in_workers(slow, workers))
    return [results[p] if p in results else _check_pair(p) for p in pairs]


def _verify_in_workers(pairs: list, workers: int) -> dict:
    """Plain `python -m synthqa.checks.answers` processes: each checks its share on its main thread
    (so math-verify's timeouts work). Not multiprocessing: Streamlit swaps `__main__` for the
    page script, which multiprocessing's spawn would then re-run in every worker."""
    shares = [pairs[i::workers] for i in range(workers)]
    procs = [subprocess.Popen([sys.executable, "-m", "synthqa.checks.answers"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for _ in shares]
    results: dict = {}
    for proc, share in zip(procs, shares):
        out, _ = proc.communicate(json.dumps(share))
        if proc.returncode == 0:
            results.update(zip(share, json.loads(out)))
    return results  # a share whose worker failed is checked inline by the caller


def _worker_main() -> None:
    pairs = [tuple(p) for p in json.load(sys.stdin)]
    json.dump([_check_pair(p) for p in pairs], sys.stdout)


def _is_cheap(pred: str, gold: str) -> bool:
    return pred == gold or (numeric_value(pred) is not None and numeric_value(gold) is not None)


if __name__ == "__main__":
    _worker_main()
