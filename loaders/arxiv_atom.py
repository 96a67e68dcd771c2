"""arXiv API search results: an Atom 1.0 feed with one ``<entry>`` per paper.

Per the arXiv API user manual: ``<id>`` is the abs URL with version, ``<title>`` and
``<summary>`` are hard-wrapped, ``<published>`` is the v1 date, ``<author><name>``,
``<arxiv:doi>``, ``<link rel="alternate">``. An error response is a feed whose single
entry has an ``.../api/errors...`` id and the message as summary: a bad record.
"""

from __future__ import annotations

import re
from typing import BinaryIO, Iterator

from kg.ids import normalize_arxiv
from kg.schema import Paper

from ._base import RecordError, Source, TextReader
from .fields import make_paper, year_of
from .xmlstream import El, iter_elements

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
_ABS = re.compile(r"(?i)arxiv\.org/abs/(.+?)/?$")


def parse(raw: BinaryIO, src: Source) -> Iterator[Paper]:
    entries = iter_elements(
        TextReader(raw, src),
        is_record=lambda tag: tag == ATOM + "entry",
        root_ok=lambda tag: tag == ATOM + "feed",
        root_desc="an Atom feed",
    )
    for el in entries:
        try:
            yield paper_from(el, src.origin(el.line))
        except RecordError as exc:
            src.skip(el.line, str(exc))


def paper_from(el: El, source: str) -> Paper:
    id_url = (el.findtext(ATOM + "id") or "").strip()
    if "/api/errors" in id_url:
        raise RecordError(f"arXiv API error: {' '.join((el.findtext(ATOM + 'summary') or '').split())}")
    ids: dict[str, str] = {}
    m = _ABS.search(id_url)
    arxiv = normalize_arxiv(m.group(1)) if m else None
    if arxiv:
        ids["arxiv"] = arxiv
    doi = el.findtext(ARXIV + "doi")
    if doi and doi.strip():
        ids["doi"] = doi.strip()
    url = None
    for link in el.findall(ATOM + "link"):
        if link.attrib.get("rel", "alternate") == "alternate" and link.attrib.get("href"):
            url = link.attrib["href"]
            break
    authors = tuple(
        " ".join((a.findtext(ATOM + "name") or "").split())
        for a in el.findall(ATOM + "author")
        if (a.findtext(ATOM + "name") or "").strip()
    )
    published = el.findtext(ATOM + "published")
    return make_paper(
        title=el.findtext(ATOM + "title"),
        abstract=el.findtext(ATOM + "summary"),
        year=year_of(published.strip()) if published and published.strip() else None,
        authors=authors,
        url=url or (id_url or None),
        ids=ids,
        source=source,
    )
