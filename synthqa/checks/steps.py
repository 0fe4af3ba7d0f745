"""Split a solution into steps: GSM8K lines, `Step k:` markers, or MATH-style paragraphs."""
from __future__ import annotations

import re
from dataclasses import dataclass

SPLITTER_VERSION = 1
STYLES = ("auto", "lines", "step-k", "paragraphs")

# "Step k:" at a line start, or inline after a sentence end ("… 2. Step 2: …").
# Only horizontal space before the marker: `\s*` there rescans every newline run from each of
# its lines, quadratic in newlines (20,000 blank lines: 6 s).
_STEP_MARKER = re.compile(
    r"(?m)(?:^|(?<=[.!?]\s))[ \t]*(?:\*\*)?[Ss]tep[ \t]*(\d+)[ \t]*[:.)](?:\*\*)?\s*")
# Display math that a sentence split must never cut through.
_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$|\\\[.*?\\\]|\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S)
# A sentence ends at . ! ? followed by space and a capital (or math), not after "e.g." / "i.e.";
# shielded display math (\x00n\x00) stands as a sentence of its own.
_SENTENCE_END = re.compile(r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<=[.!?\x00])\s+(?=[A-Z\\$\x00])")


@dataclass(frozen=True)
class SplitConfig:
    style: str = "auto"
    min_chars: int = 12  # shorter fragments are merged into the step before (MATH style)

    def __post_init__(self):
        if self.style not in STYLES:
            raise ValueError(f"unknown split style {self.style!r}; choose from {STYLES}")


def splitter_name(style: str) -> str:
    """What is stored with each step: the style actually used and the splitter version."""
    return f"{style}@{SPLITTER_VERSION}"


def detect_style(text: str) -> str:
    if len(_STEP_MARKER.findall(text)) >= 2:
        return "step-k"
    if re.search(r"\n\s*\n", text):
        return "paragraphs"
    if "\n" in text.strip():
        return "lines"
    return "paragraphs"


def split_steps(text: str, config: SplitConfig = SplitConfig()) -> tuple[list[str], str]:
    """Return (steps, style used); never an empty list for non-empty text."""
    style = detect_style(text) if config.style == "auto" else config.style
    if style == "step-k":
        steps = _split_markers(text)
    elif style == "lines":
        steps = [line.strip() for line in text.splitlines() if line.strip()]
    else:
        steps = _merge_short(_split_paragraphs(text), config.min_chars)
    steps = steps or ([text.strip()] if text.strip() else [])
    return steps, style


def _split_markers(text: str) -> list[str]:
    marks = list(_STEP_MARKER.finditer(text))
    if not marks:
        return [line.strip() for line in text.splitlines() if line.strip()]
    head = text[: marks[0].start()].strip()
    steps = [head] if head else []
    for mark, nxt in zip(marks, marks[1:] + [None]):
        body = text[mark.end(): nxt.start() if nxt else len(text)].strip()
        if body:
            steps.append(body)
    return steps


def _split_paragraphs(text: str) -> list[str]:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    if len(paragraphs) > 1:
        return paragraphs
    return _split_sentences(text.strip())


def _split_sentences(text: str) -> list[str]:
    # Shield display math from the sentence regex, then restore it.
    shields: list[str] = []

    def shield(match: re.Match) -> str:
        shields.append(match.group(0))
        return f"\x00{len(shields) - 1}\x00"

    masked = _DISPLAY_MATH.sub(shield, text)
    parts = [p.strip() for p in _SENTENCE_END.split(masked) if p and p.strip()]
    return [re.sub(r"\x00(\d+)\x00", lambda m: shields[int(m.group(1))], p) for p in parts]


def _merge_short(parts: list[str], min_chars: int) -> list[str]:
    merged: list[str] = []
    for part in parts:
        if merged and (len(part) < min_chars or len(merged[-1]) < min_chars):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged
