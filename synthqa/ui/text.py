"""Show solution text as Markdown: LaTeX math stays math, everything else stays literal.

GSM8K text is full of `$18` (money) and `3 * 12` (Markdown emphasis); MATH text is full of
`$\\frac{1}{2}$`. Math spans are kept when their content looks like math; all other
Markdown punctuation is escaped.
"""
from __future__ import annotations

import re

_SPAN = re.compile(r"\$\$.+?\$\$|\\\[.+?\\\]|\\\(.+?\\\)|\$[^$\n]+?\$", re.S)
_MATHY = re.compile(r"[\\^_{}=]|^[\s\d+\-*/().,xyzabcn]+$")
_WORD = re.compile(r"[A-Za-z]{3,}")
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|$~])")


def is_math(span: str, after: str = "") -> bool:
    """Whether a $...$ (or \\(...\\), $$...$$) span is math; `after`: the text that follows."""
    body = span.strip("$") if span.startswith("$") else span[2:-2]
    if body != body.strip() and span.startswith("$") and not span.startswith("$$"):
        return False  # "$5 and $" : a space inside the dollars is money, not math
    if span.startswith("$") and not span.startswith("$$") and "\\" not in body and (
            body[-1] in "=+-*/" or after[:1].isdigit() or after.startswith("<<")):
        return False  # "3*$500=$<<3*500=1500>>1500", "$5+$3": the second $ opens money
    return bool(_MATHY.search(body)) and not (_WORD.search(re.sub(r"\\[a-zA-Z]+", "", body))
                                            and "\\" not in body)


def escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


# What can turn a user's value (a name, an answer, a file name) into a link, an image, HTML,
# code, emphasis, math or a Streamlit directive; an underscore inside a word is harmless.
_ACTIVE = re.compile(r"([\\`*\[\]<>!$~|#])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def plain(value) -> str:
    """A user value as literal text inside Markdown, readable where it is harmless."""
    return _ACTIVE.sub(lambda m: "\\" + m.group(0), str(value))


def markdown_safe(text: str) -> str:
    out, pos = [], 0
    for match in _SPAN.finditer(text):
        if not is_math(match.group(0), text[match.end():match.end() + 2]):
            continue
        out.append(escape(text[pos: match.start()]))
        out.append(match.group(0))
        pos = match.end()
    out.append(escape(text[pos:]))
    return "".join(out).replace("\n", "  \n")
