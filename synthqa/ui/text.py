"""Show solution text as Markdown: LaTeX math renders as math, everything else stays literal.

GSM8K text is full of `$18` (money) and `3 * 12` (Markdown emphasis); MATH-style text writes
math as `$…$`, `$$…$$`, `\\(…\\)`, `\\[…\\]`, bare environments (`\\begin{align*}…`)
and bare `\\boxed{…}`. Streamlit's Markdown renders only `$…$` (inline) and `$$…$$` fences
(display), so every math span is rewritten to one of those; money and all other Markdown
punctuation is escaped.
"""
from __future__ import annotations

import re

import pandas as pd

_ENVS = r"align\*?|aligned|equation\*?|gather\*?|gathered|multline\*?|eqnarray\*?|cases|array"
# Display spans first, then inline; at one position the first alternative that matches wins.
_SPAN = re.compile(r"\$\$(?P<dd>.+?)\$\$|\\\[(?P<bd>.+?)\\\]"
                   rf"|(?P<env>\\begin\{{(?P<name>{_ENVS})\}}.+?\\end\{{(?P=name)\}})"
                   r"|\\\((?P<bi>.+?)\\\)|\$(?P<di>[^$\n]+?)\$|(?P<box>\\boxed\{)", re.S)
_PROSE = re.compile(r"[A-Za-z]{3,}[,.;:]? +[A-Za-z]{3,}")
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|$~])")


def is_money(body: str, after: str = "") -> bool:
    """Whether a `$body$` span is two dollar amounts rather than math (Pandoc's rule and more).

    `after`: the text that follows the closing dollar."""
    if body != body.strip():
        return True  # "$5 and $3": a space inside the dollars is money, not math
    if "\\" in body:
        return False
    if body[-1] in "=+-*/" or after[:1].isdigit() or after.startswith("<<"):
        return True  # "3*$500=$<<3*500=1500>>1500", "$5+$3": the second $ opens money
    return bool(_PROSE.search(body))  # "$5 for the pens and 4$": words, not math


def escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


# What can turn a user's value (a name, an answer, a file name) into a link, an image, HTML,
# code, emphasis, math or a Streamlit directive; an underscore inside a word is harmless.
_ACTIVE = re.compile(r"([\\`*\[\]<>!$~|#])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


# What Streamlit's Markdown (remark-gfm) would turn into a link even when escaped: the
# autolink runs on the text after escapes are resolved, so a URL goes into a code span.
_URL = re.compile(r"(?i)\b(?:[a-z][a-z0-9+.-]*://|www\.)(?:[^\s`]*[^\s`.,;:!?)\]])?")


def plain(value) -> str:
    """A user value as literal text inside Markdown, readable where it is harmless; a URL in
    it is shown as code, never a link."""
    text, out, pos = str(value), [], 0
    for match in _URL.finditer(text):
        out.append(_ACTIVE.sub(lambda m: "\\" + m.group(0), text[pos:match.start()]))
        out.append(f"`{match.group(0)}`")
        pos = match.end()
    out.append(_ACTIVE.sub(lambda m: "\\" + m.group(0), text[pos:]))
    return "".join(out)


def around(body: str, before: str = "", after: str = "") -> str:
    """`body` (from markdown_safe) with a badge or a number before it and a flag after it: on
    the same line, or in a paragraph of their own where body starts or ends with display math
    (a `$$` fence must start its line)."""
    head = " " if not body.startswith("$$") else "\n\n"
    tail = " " if not body.endswith("$$") else "\n\n"
    return (before + head if before else "") + body + (tail + after if after else "")


def answer_markdown(value) -> str:
    """An answer or gold answer: math when it is LaTeX ("\\frac{1}{2}", "x^2"), else literal
    text; "—" when there is none."""
    if value is None or value != value or not str(value).strip():
        return "—"
    text = str(value).strip()
    if text.startswith("$") and text.endswith("$") and len(text) > 1:
        text = text.strip("$")
    if re.search(r"\\[A-Za-z]|[\^_{}]", text) and "\n" not in text:
        return _inline(text)
    return plain(text)


def _inline(body: str) -> str:
    """`$body$`, with a fence longer than any run of dollars inside (as for code spans)."""
    body = " ".join(body.split())
    longest = max((len(run) for run in re.findall(r"\$+", body)), default=0)
    fence = "$" * (1 if longest == 0 else longest + 1)
    return f"{fence}{body}{fence}"


def _display(body: str) -> str:
    body = "\n".join(line for line in body.strip().splitlines() if line.strip())
    return f"\n\n$$\n{body.replace('$$', '')}\n$$\n\n"


def _braced(text: str, start: int) -> int:
    """The end of the `{…}` group opening at text[start - 1]; -1 when it never closes."""
    depth = 1
    for pos in range(start, len(text)):
        if text[pos] == "{" and text[pos - 1] != "\\":
            depth += 1
        elif text[pos] == "}" and text[pos - 1] != "\\":
            depth -= 1
            if depth == 0:
                return pos + 1
    return -1


def _math(text: str):
    """(start, end, Markdown) for each math span of `text`, left to right."""
    pos = 0
    while (match := _SPAN.search(text, pos)) is not None:
        start, end = match.span()
        if match["box"] is not None:
            end = _braced(text, end)
            if end < 0:
                pos = match.end()
                continue
            yield start, end, _inline(text[start:end])
        elif match["dd"] is not None or match["bd"] is not None:
            yield start, end, _display(match["dd"] or match["bd"])
        elif match["env"] is not None:
            yield start, end, _display(match["env"])
        elif match["bi"] is not None:
            yield start, end, _inline(match["bi"])
        elif is_money(match["di"], text[end:end + 2]):
            pos = start + 1  # the closing dollar may open the next span
            continue
        else:
            yield start, end, _inline(match["di"])
        pos = end


def _prose(text: str) -> str:
    return escape(text).replace("\n", "  \n")


def markdown_safe(text: str) -> str:
    out, pos = [], 0
    for start, end, math in _math(text):
        out.append(_prose(text[pos:start]))
        out.append(math)
        pos = end
    out.append(_prose(text[pos:]))
    return "".join(out).strip()


MISSING = "—"


def percent_text(rate) -> str:
    """A rate as text that sorts as its number (" 2.2%" before "12.5%"), "—" when missing:
    for a grid column that may lack values (Streamlit's grid writes "None" for a NaN)."""
    return MISSING if rate is None or rate != rate else f"{100 * rate:5.1f}%"


def decimal_text(value, digits: int = 3) -> str:
    """A score in [0, 1] as text with fixed decimals (so the column sorts as its numbers),
    "—" when missing (the grid writes "None" for a NaN)."""
    return MISSING if value is None or value != value else f"{value:.{digits}f}"


def dashed(frame: pd.DataFrame) -> pd.DataFrame:
    """A table with "—" where a value is missing (Streamlit's grid writes "None"): in text
    columns, and in integer columns (the store's nullable ones), which become text; float
    columns keep their numbers (and their format)."""
    out = frame.copy()
    for column in out.columns[out.isna().any()]:
        values = out[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            out[column] = values.astype(object).where(values.notna(), MISSING)
        elif pd.api.types.is_integer_dtype(values):
            out[column] = [MISSING if pd.isna(v) else f"{int(v)}" for v in values]
    return out


def scientific(values: pd.Series) -> pd.Series:
    """Counts as large as FLOPs as text ("4.496e+17"): the data grid shows a whole number past
    2^53 unformatted and flagged as unsafe, whatever the column's format."""
    return values.map(lambda v: f"{v:.3e}", na_action="ignore")
