"""Papers with Code ``papers-with-abstracts.json``: a JSON array of papers with
``paper_url``, ``arxiv_id``, ``title``, ``abstract``, ``url_abs``, ``url_pdf``,
``proceeding``, ``authors``, ``tasks``, ``date``, ``methods``. The paper's PwC slug is
kept as the ``pwc`` external id; tasks and methods are not part of a Paper.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from kg.schema import Paper

from .fields import arxiv_in_text, authors_of, make_paper, year_of
from .generic import json_parser

_SLUG = re.compile(r"paperswithcode\.com/paper/([^/?#]+)")


def paper_from(obj: Mapping[str, Any], source: str) -> Paper:
    ids: dict[str, Any] = {}
    if isinstance(obj.get("arxiv_id"), str):
        ids["arxiv"] = obj["arxiv_id"]
    elif isinstance(obj.get("url_abs"), str) and arxiv_in_text(obj["url_abs"]):
        ids["arxiv"] = arxiv_in_text(obj["url_abs"])
    paper_url = obj.get("paper_url")
    if isinstance(paper_url, str):
        m = _SLUG.search(paper_url)
        if m:
            ids["pwc"] = m.group(1)
    year = None
    if obj.get("date"):
        year = year_of(obj["date"])
    elif isinstance(obj.get("proceeding"), str) and re.search(r"(?<!\d)(19|20)\d\d(?!\d)", obj["proceeding"]):
        year = year_of(obj["proceeding"])
    url = obj.get("url_abs") if isinstance(obj.get("url_abs"), str) else paper_url
    return make_paper(
        title=obj.get("title"),
        abstract=obj.get("abstract"),
        year=year,
        authors=authors_of(obj.get("authors")),
        url=url if isinstance(url, str) else None,
        ids=ids,
        source=source,
    )


parse = json_parser(paper_from)
