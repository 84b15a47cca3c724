"""Plain-text layout for the terminal: display widths, wrapping and tables.

Chinese characters take two columns (``unicodedata.east_asian_width``), so widths are measured
in columns, not characters. Colour is used only on a terminal and never when ``NO_COLOR`` is set.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Sequence
from typing import TextIO

WIDTH = 100


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def wrap(text: str, columns: int) -> list[str]:
    """Wrap on spaces, measuring display width; words with no spaces (CJK) break anywhere."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if width(candidate) <= columns:
                line = candidate
                continue
            if line:
                lines.append(line)
            while width(word) > columns:
                head, word = _split_at(word, columns)
                lines.append(head)
            line = word
        lines.append(line)
    return lines


def _split_at(word: str, columns: int) -> tuple[str, str]:
    used = 0
    for index, ch in enumerate(word):
        used += width(ch)
        if used > columns:
            return word[:index], word[index:]
    return word, ""


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def indent(text: str, prefix: str = "  ", columns: int = WIDTH) -> str:
    """Wrap ``text`` after ``prefix``; continuation lines hang under the first line's text."""
    hanging = " " * width(prefix)
    lines = wrap(text, columns - width(prefix))
    return "\n".join((prefix if i == 0 else hanging) + line for i, line in enumerate(lines))


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    columns: int = WIDTH,
    flexible: Sequence[int] = (),
) -> str:
    """A table that fits ``columns``; the ``flexible`` columns wrap to make room."""
    ncol = len(headers)
    natural = [max([width(headers[i])] + [width(r[i]) for r in rows]) for i in range(ncol)]
    gaps = 2 * (ncol - 1)
    sizes = list(natural)
    flex = list(flexible) or [max(range(ncol), key=lambda i: natural[i])]
    excess = sum(sizes) + gaps - columns
    while excess > 0:  # take a column at a time from the widest flexible one
        widest = max(flex, key=lambda i: sizes[i])
        if sizes[widest] <= 12:
            break
        sizes[widest] -= 1
        excess -= 1
    out = [
        "  ".join(pad(h, sizes[i]) for i, h in enumerate(headers)).rstrip(),
        "  ".join("-" * sizes[i] for i in range(ncol)),
    ]
    for row in rows:
        cells = [wrap(str(cell), sizes[i]) for i, cell in enumerate(row)]
        for k in range(max(len(c) for c in cells)):
            out.append(
                "  ".join(
                    pad(c[k] if k < len(c) else "", sizes[i]) for i, c in enumerate(cells)
                ).rstrip()
            )
    return "\n".join(out)


def use_colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


_CODES = {"green": "32", "red": "31", "yellow": "33", "bold": "1", "dim": "2"}


def colour(text: str, name: str, stream: TextIO = sys.stdout) -> str:
    if not use_colour(stream):
        return text
    return f"\033[{_CODES[name]}m{text}\033[0m"
