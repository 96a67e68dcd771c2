"""Hugging Face Papers page text: a copied search/listing page.

Two header lines ("Get trending papers in your email inbox..."), the button text
``Subscribe`` glued to the first title, then title and abstract on alternating lines.
No ids, years or authors: ids come from the titles.

A line too long to be a title where a title is due means the alternation broke (a
line is missing or extra): when the paper before took a title-sized line as its
abstract, that line was the next title, so the pair is redone (the paper before
keeps no abstract, with a warning); otherwise the long line is skipped as a bad record.
"""

from __future__ import annotations

import re
from typing import BinaryIO, Iterator

from kg.schema import Paper

from ._base import RecordError, Source, TextReader
from .fields import make_paper

HEADER = re.compile(r"^\s*Get trending papers\b.*$", re.IGNORECASE)
SUBSCRIBE = "Subscribe"
#: no real title is this long (the sample's longest: 174 characters; its shortest abstract: 507)
MAX_TITLE = 300


def looks_like(text: str) -> bool:
    """Content check used by format detection."""
    first = text.lstrip("\ufeff \t\r\n").split("\n", 1)[0]
    return bool(HEADER.match(first)) or first.startswith(SUBSCRIBE)


def _content(raw: BinaryIO, src: Source) -> Iterator[tuple[int, str]]:
    """Non-blank lines after the header, with ``Subscribe`` cut from the first title."""
    in_header = True
    for line, text in TextReader(raw, src).lines():
        text = text.strip()
        if not text:
            continue
        if in_header:
            if HEADER.match(text):
                continue
            in_header = False
            if text.startswith(SUBSCRIBE):
                text = text[len(SUBSCRIBE):].strip()
                if not text:
                    continue
        yield line, text


def parse(raw: BinaryIO, src: Source) -> Iterator[Paper]:
    title: tuple[int, str] | None = None  # a title waiting for its abstract
    held: tuple[int, str, int, str] | None = None  # the last pair, yielded once the next title looks right
    for line, text in _content(raw, src):
        if title is not None:
            held, title = (title[0], title[1], line, text), None
            continue
        if len(text) > MAX_TITLE:
            if held is not None and len(held[3]) <= MAX_TITLE:
                src.warn(held[0], "no abstract after this title (the next line is a title)")
                yield from _paper(src, held[0], held[1], "")
                held = (held[2], held[3], line, text)
            else:
                src.skip(line, "a line too long for a title where a title should be (no title for this abstract?)")
            continue
        if held is not None:
            yield from _paper(src, held[0], held[1], held[3])
            held = None
        title = (line, text)
    if held is not None:
        yield from _paper(src, held[0], held[1], held[3])
    if title is not None:  # a last title without an abstract is kept
        yield from _paper(src, title[0], title[1], "")


def _paper(src: Source, line: int, title: str, abstract: str) -> Iterator[Paper]:
    try:
        yield make_paper(title=title, abstract=abstract, source=src.origin(line))
    except RecordError as exc:
        src.skip(line, str(exc))
