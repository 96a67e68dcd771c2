"""Semantic Scholar Graph API papers: one paper object, a list, ``{"data": [...]}``
(search and batch responses), or JSON Lines. Fields: ``paperId``, ``externalIds``
(``ArXiv``, ``DOI``, ``CorpusId``, ``PubMed``, ``DBLP``, ``ACL``, ``MAG``), ``title``,
``abstract``, ``year``, ``authors`` (``[{"authorId", "name"}]``), ``url``. Citation and
reference lists (``{"citingPaper": {...}}``) are unwrapped.
"""

from __future__ import annotations

from typing import Any, Mapping

from kg.schema import Paper

from .fields import authors_of, make_paper, year_of
from .generic import json_parser

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


parse = json_parser(paper_from)
