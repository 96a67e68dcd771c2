"""OpenAlex works: one work, a list, ``{"results": [...]}`` (API pages) or JSON Lines
(snapshot files). The abstract is rebuilt from ``abstract_inverted_index``; ids come
from ``ids`` / ``doi`` / ``id`` (W...), an arXiv id from an arXiv location or DOI.
"""

from __future__ import annotations

from typing import Any, Mapping

from kg.schema import Paper

from ._base import RecordError
from .fields import arxiv_in_text, make_paper, year_of
from .generic import json_parser

#: an inverted index claiming more words than this is refused
MAX_WORDS = 200_000


def abstract_from_index(index: Any) -> str:
    """``{"word": [positions]}`` → the text, words joined by single spaces in position order."""
    if index is None:
        return ""
    if not isinstance(index, Mapping):
        raise RecordError("abstract_inverted_index is not an object")
    at: dict[int, str] = {}
    for word, positions in index.items():
        if not isinstance(positions, list):
            raise RecordError("abstract_inverted_index positions are not a list")
        for p in positions:
            if isinstance(p, bool) or not isinstance(p, int) or p < 0:
                raise RecordError("abstract_inverted_index has a bad position")
            at[p] = str(word)
        if len(at) > MAX_WORDS:
            raise RecordError("abstract_inverted_index is too large")
    return " ".join(at[p] for p in sorted(at))


def paper_from(obj: Mapping[str, Any], source: str) -> Paper:
    ids: dict[str, Any] = {}
    raw_ids = obj.get("ids") if isinstance(obj.get("ids"), Mapping) else {}
    for key in ("openalex", "doi", "pmid", "mag"):
        value = raw_ids.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            ids[key] = str(value)
    if isinstance(obj.get("doi"), str):
        ids.setdefault("doi", obj["doi"])
    if isinstance(obj.get("id"), str):
        ids.setdefault("openalex", obj["id"])
    if "pmid" in ids:
        ids["pmid"] = ids["pmid"].rstrip("/").rpartition("/")[2]
    arxiv = None
    locations = obj.get("locations") if isinstance(obj.get("locations"), list) else []
    for loc in [obj.get("primary_location"), obj.get("best_oa_location"), *locations]:
        if isinstance(loc, Mapping):
            for key in ("landing_page_url", "pdf_url"):
                if isinstance(loc.get(key), str) and arxiv_in_text(loc[key]):
                    arxiv = arxiv_in_text(loc[key])
                    break
        if arxiv:
            break
    if arxiv:
        ids["arxiv"] = arxiv
    authors = []
    for a in obj.get("authorships") or []:
        if not isinstance(a, Mapping):
            continue
        author = a.get("author") if isinstance(a.get("author"), Mapping) else {}
        name = author.get("display_name") or a.get("raw_author_name")
        if isinstance(name, str) and name.strip():
            authors.append(" ".join(name.split()))
    year = obj.get("publication_year")
    year = year_of(year) if year is not None else year_of(obj.get("publication_date"))
    url = None
    primary = obj.get("primary_location")
    if isinstance(primary, Mapping) and isinstance(primary.get("landing_page_url"), str):
        url = primary["landing_page_url"]
    url = url or (obj.get("doi") if isinstance(obj.get("doi"), str) else None) or obj.get("id")
    title = obj.get("title") if obj.get("title") is not None else obj.get("display_name")
    return make_paper(
        title=title,
        abstract=abstract_from_index(obj.get("abstract_inverted_index")),
        year=year,
        authors=tuple(authors),
        url=url if isinstance(url, str) else None,
        ids=ids,
        source=source,
    )


parse = json_parser(paper_from)
