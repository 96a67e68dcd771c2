"""Hugging Face Papers page text: a copied search/listing page.

Two header lines ("Get trending papers in your email inbox..."), the button text
``Subscribe`` glued to the first title, then title and abstract on alternating lines.
No ids, years or authors: ids come from the titles.
"""

from __future__ import annotations

import re
from typing import BinaryIO, Iterator

from kg.schema import Paper

from ._base import RecordError, Source, TextReader
from .fields import make_paper

HEADER = re.compile(r"^\s*Get trending papers\b.*$", re.IGNORECASE)
SUBSCRIBE = "Subscribe"


def looks_like(text: str) -> bool:
    """Content check used by format detection."""
    first = text.lstrip("\ufeff \t\r\n").split("\n", 1)[0]
    return bool(HEADER.match(first)) or first.startswith(SUBSCRIBE)


def parse(raw: BinaryIO, src: Source) -> Iterator[Paper]:
    pending: tuple[int, str] | None = None  # a title waiting for its abstract
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
        if pending is None:
            pending = (line, text)
            continue
        paper = _paper(src, pending[0], pending[1], text)
        pending = None
        if paper is not None:
            yield paper
    if pending is not None:  # a last title without an abstract is kept
        paper = _paper(src, pending[0], pending[1], "")
        if paper is not None:
            yield paper


def _paper(src: Source, line: int, title: str, abstract: str) -> Paper | None:
    try:
        return make_paper(title=title, abstract=abstract, source=src.origin(line))
    except RecordError as exc:
        src.skip(line, str(exc))
        return None
