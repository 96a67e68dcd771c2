"""Records of one paper, linked and merged: pure functions, the same result in any order.

A *record* is one :class:`kg.schema.Paper` as a loader read it. The same paper often comes
as several records: an arXiv harvest, a Semantic Scholar response, a BibTeX export of a
citation list, read in one run or in several. Records are **linked** when

* they share an identifier (arXiv id, DOI, Semantic Scholar id, CorpusId, OpenAlex id, ...), or
* they have the same normalised title (``kg.ids.title_key``) and at least one of them has
  no identifier at all (a BibTeX entry without ``doi``/``eprint``, a page-text paper).

The records of one paper are a connected component of that relation, so which records
form a paper does not depend on the order they are read in, nor on how they are split
into runs.

Every record contributes **link keys**: ``id:KIND:VALUE`` per identifier, ``t:KEY`` for its
title, and ``o:KEY`` when it has no identifier. Two records are linked exactly when one's
key matches the other's *partner* key (``id:`` matches itself, ``t:`` matches ``o:``):
``link_keys`` and ``partner_keys``.

The **merged paper** is field by field the most complete value, by a fixed rule:

========================  ======================================================
identifiers               the union; per kind the smallest value (all of them stay
                          link keys, so a later record with any of them still links);
                          a source's local key (``id``: a row number) is dropped
title                     from a record with an identifier over a title-only one; then
                          the longest; then the one with more capitals; then by text
abstract                  the longest (ties: by text)
year                      the earliest
authors                   the longest list (then the longest names; then by text)
url                       an arXiv abs page over a DOI link over other https over
                          anything else (ties: by text)
source                    the smallest ``FORMAT:FILE:LINE``
id                        ``kg.ids.paper_id`` of the merged identifiers and title
========================  ======================================================

Each rule is a maximum (or minimum, or union) over a fixed total order, so ``join`` is
commutative, associative and idempotent: merging records one at a time, in any order, or a
merged paper with more records later, gives the same paper. A merged paper keeps the link
keys of all its records (``Paper.links`` holds the ones its own fields do not give), which
is all a later run needs to merge into it exactly as one run over every record would.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Iterator, Sequence

from kg.ids import paper_id, title_key
from kg.schema import Paper

#: identifier kinds that never link records (a source's own row number, a local key)
NOT_LINKING = frozenset({"id"})


def identifiers(paper: Paper) -> dict[str, str]:
    """The identifiers that link records (``external_ids`` without local keys)."""
    return {k: v for k, v in paper.external_ids.items() if k not in NOT_LINKING and v}


def has_identifier(paper: Paper) -> bool:
    return bool(identifiers(paper))


def own_links(paper: Paper) -> frozenset[str]:
    """The link keys a paper's own fields give."""
    keys = {f"id:{k}:{v}" for k, v in identifiers(paper).items()}
    tk = title_key(paper.title)
    if tk:
        keys.add(f"t:{tk}")
        if not keys - {f"t:{tk}"}:
            keys.add(f"o:{tk}")
    return frozenset(keys)


def link_keys(paper: Paper) -> frozenset[str]:
    """Every link key of a record or merged paper: its own and those of the records merged into it."""
    return own_links(paper) | frozenset(paper.links)


def partner(key: str) -> str:
    """The key another record must have to link with a record having ``key``."""
    if key.startswith("t:"):
        return "o:" + key[2:]
    if key.startswith("o:"):
        return "t:" + key[2:]
    return key


def partner_keys(keys: Iterable[str]) -> set[str]:
    return {partner(k) for k in keys}


def ids_from_links(keys: Iterable[str]) -> dict[str, str]:
    """Per identifier kind, the smallest value among ``id:KIND:VALUE`` keys."""
    out: dict[str, str] = {}
    for k in keys:
        if k.startswith("id:"):
            kind, _, value = k[3:].partition(":")
            if kind and value and (kind not in out or value < out[kind]):
                out[kind] = value
    return out


# -- the field rules: each a key whose maximum wins ---------------------------------------

def _title_rank(p: Paper) -> tuple:
    return (has_identifier(p), len(p.title), sum(c.isupper() for c in p.title), p.title)


def _authors_rank(authors: tuple[str, ...]) -> tuple:
    return (len(authors), sum(len(a) for a in authors), authors)


def url_rank(url: str | None) -> tuple:
    if not url:
        return (-1, "")
    low = url.lower()
    if low.startswith("https://arxiv.org/abs/"):
        rank = 4
    elif low.startswith(("https://doi.org/", "http://doi.org/", "https://dx.doi.org/")):
        rank = 3
    elif low.startswith("https://"):
        rank = 2
    elif low.startswith("http://"):
        rank = 1
    else:
        rank = 0
    return (rank, url)


def join(a: Paper, b: Paper) -> Paper:
    """The merge of two records (or merged papers) of one paper; commutative, associative,
    idempotent."""
    return merge((a, b))


def merge(papers: Iterable[Paper]) -> Paper:
    """The one paper of these records (at least one): each field the maximum (or minimum, or
    union) over the records by its rule, which is what joining them one by one gives."""
    items = list(papers)
    if not items:
        raise ValueError("nothing to merge")
    links: set[str] = set()
    for p in items:
        links |= link_keys(p)
    ids = ids_from_links(links)  # a local key ("id": a row number in its file) names no paper
    title = max(items, key=_title_rank).title
    abstract = max((p.abstract for p in items), key=lambda t: (len(t), t))
    years = [p.year for p in items if p.year is not None]
    authors = max((p.authors for p in items), key=_authors_rank)
    url = max((p.url for p in items), key=url_rank) or None
    sources = [p.source for p in items if p.source]
    merged = Paper(
        id=paper_id(ids, title),
        title=title,
        abstract=abstract,
        year=min(years) if years else None,
        authors=authors,
        url=url,
        external_ids=dict(sorted(ids.items())),
        source=min(sources) if sources else "",
    )
    extra = tuple(sorted(links - own_links(merged)))
    return replace(merged, links=extra) if extra else merged


def normalized(paper: Paper) -> Paper:
    """A lone record as the merge would give it."""
    return join(paper, paper)


def groups(records: Sequence[Paper]) -> list[list[int]]:
    """The records of each paper: connected components of the link relation, each a sorted
    list of indices into ``records``; groups sorted by their first index."""
    uf = UnionFind()
    first: dict[str, int] = {}
    for i, rec in enumerate(records):
        uf.add()
        for key in link_keys(rec):
            first.setdefault(key, i)
        for key in link_keys(rec):
            j = first.get(partner(key))
            if j is not None:
                uf.union(i, j)
    # a "t:" key first seen before its partner "o:" key: link the rest as well
    for i, rec in enumerate(records):
        for key in link_keys(rec):
            j = first.get(partner(key))
            if j is not None:
                uf.union(i, j)
    out: dict[int, list[int]] = {}
    for i in range(len(records)):
        out.setdefault(uf.find(i), []).append(i)
    return sorted(out.values(), key=lambda g: g[0])


def merge_all(records: Sequence[Paper]) -> list[Paper]:
    """Every paper of these records, merged (in the order of each group's first record)."""
    return [merge(records[i] for i in g) for g in groups(records)]


class UnionFind:
    """Disjoint sets over 0..n-1 (path halving, union by size)."""

    def __init__(self) -> None:
        self.parent: list[int] = []
        self.size: list[int] = []

    def add(self) -> int:
        self.parent.append(len(self.parent))
        self.size.append(1)
        return len(self.parent) - 1

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> int:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return ra

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.parent)))
