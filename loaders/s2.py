"""Semantic Scholar Graph API papers: one paper object, a list, ``{"data": [...]}``
(search and batch responses), or JSON Lines. Fields: ``paperId``, ``externalIds``
(``ArXiv``, ``DOI``, ``CorpusId``, ``PubMed``, ``DBLP``, ``ACL``, ``MAG``), ``title``,
``abstract``, ``year``, ``authors`` (``[{"authorId", "name"}]``), ``url``. Citation and
reference lists (``{"citingPaper": {...}}``) are unwrapped.

A batch response's ``null`` entries (ids Semantic Scholar does not know) are counted apart
from bad records (one note per file). The ``citations`` / ``references`` a paper object may
carry are other papers, not this one: they are not loaded, and one note per file says how
many were left out (a citation export, ``/paper/{id}/citations``, loads them as papers).
"""

from __future__ import annotations

from typing import Any, BinaryIO, Iterator, Mapping

from kg.schema import Paper

from ._base import Source, TextReader
from .fields import authors_of, make_paper, year_of
from .generic import map_records
from .jsonstream import iter_json

#: externalIds key → our external_ids key
_EXTERNAL = {"arxiv": "arxiv", "doi": "doi", "corpusid": "corpusid", "pubmed": "pmid", "pubmedcentral": "pmcid",
             "dblp": "dblp", "acl": "acl", "mag": "mag"}


def paper_from(obj: Mapping[str, Any], source: str) -> Paper:
    for wrapper in ("citingPaper", "citedPaper", "paper"):
        if isinstance(obj.get(wrapper), Mapping) and "title" not in obj:
            obj = obj[wrapper]
    d = {str(k).lower(): v for k, v in obj.items()}
    ids: dict[str, Any] = {}
    ext = d.get("externalids")
    if isinstance(ext, Mapping):
        for key, value in ext.items():
            ours = _EXTERNAL.get(str(key).lower())
            if ours and isinstance(value, (str, int)) and not isinstance(value, bool):
                ids[ours] = str(value)
    if isinstance(d.get("paperid"), str):
        ids["s2"] = d["paperid"]
    if d.get("corpusid") is not None and "corpusid" not in ids:
        ids["corpusid"] = str(d["corpusid"])
    year = year_of(d.get("year")) if d.get("year") is not None else year_of(d.get("publicationdate"))
    return make_paper(
        title=d.get("title"),
        abstract=d.get("abstract"),
        year=year,
        authors=authors_of(d.get("authors")),
        url=d.get("url"),
        ids=ids,
        source=source,
    )


def _nested(obj: Any) -> int:
    if not isinstance(obj, Mapping):
        return 0
    return sum(len(obj[k]) for k in ("citations", "references") if isinstance(obj.get(k), list))


def parse(raw: BinaryIO, src: Source, line_mode: bool = False) -> Iterator[Paper]:
    nested = 0
    first = 0

    def counted() -> Iterator[tuple[int, Any]]:
        nonlocal nested, first
        for line, obj in iter_json(TextReader(raw, src), line_mode):
            n = _nested(obj)
            if n:
                nested += n
                first = first or line
            yield line, obj

    yield from map_records(counted(), src, paper_from)
    if nested:
        src.note(first, f"{nested} nested citation/reference paper{'s' if nested != 1 else ''} not loaded "
                        "(they are other papers; load a citations or references export to add them)")
