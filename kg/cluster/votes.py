"""Resolution's votes over partitions: which papers' votes count, and their sums (pure functions).

One ``kg extract`` resolves every paper with the decisions of the whole input
(``kg.resolve.stream``: each paper's votes saved as a ``ResolutionState`` keeps them, summed,
decided per key). Over partitions the same sums are an order-free reduce, once we know whose
votes the one run would have kept:

* a paper id read more than once counts once, with its **last** record (input order: a later
  partition, else later in its partition);
* a paper whose id is derived from its title (``title:…``) does not count when a paper with a
  real id (arXiv, DOI, …) has the same title: the stores merge the two (the rule of
  ``kg.store.rows.plan_records``, whose ``title_derived`` and ``real_titles`` the claims hold).

Each partition sums the votes of its last record of each id (``partition_sums``) and reports
its ids (``claims_of``); one small reduce over the claims finds the records another partition
supersedes or a real id shadows (``exclusions``: usually none); those partitions subtract
them (``subtract_votes``); the sums then add up in any order (``add_sums``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, NamedTuple

from kg.ids import title_paper_id
from kg.resolve.core import paper_votes
from kg.schema import PaperFacts
from kg.store.rows import real_titles, title_derived

if TYPE_CHECKING:
    from kg.cluster.work import Record, Sums


class Claims(NamedTuple):
    """The paper ids a partition holds, for finding duplicates across partitions."""

    index: int  # type: ignore[assignment]  # a field named like tuple.index (NamedTuple allows it)
    ids: frozenset[str]
    #: ids derived from the paper's own title
    title_ids: frozenset[str]
    #: title ids of papers that have a real id
    real_titles: frozenset[str]


def records_of(facts: Iterable[PaperFacts]) -> "list[Record]":
    from kg.cluster.work import Record

    return [Record(f.paper.id, title_paper_id(f.paper.title)) for f in facts]


def _last(records: "list[Record]") -> dict[str, int]:
    return {r.paper_id: i for i, r in enumerate(records)}


def _add(sums: "Sums", facts: PaperFacts, sign: int) -> None:
    for v in paper_votes(facts):
        s = sums.setdefault((v.key, v.kind, v.value), [0, 0])
        s[0] += sign
        s[1] += sign * v.weight


def partition_sums(facts: list[PaperFacts]) -> "tuple[list[Record], Sums]":
    """The partition's records, and the vote sums of the last record of each paper id."""
    records = records_of(facts)
    sums: Sums = {}
    for i in sorted(_last(records).values()):
        _add(sums, facts[i], +1)
    return records, sums


def claims_of(index: int, records: "list[Record]") -> Claims:
    return Claims(index, frozenset(r.paper_id for r in records), frozenset(title_derived(records)),
                  frozenset(real_titles(records)))


def exclusions(*claims: Claims) -> dict[int, frozenset[str]]:
    """Per partition, the paper ids whose votes must not count there (see the module doc)."""
    last: dict[str, int] = {}
    real: set[str] = set()
    for c in sorted(claims, key=lambda c: c.index):
        for pid in c.ids:
            last[pid] = c.index
        real |= c.real_titles
    out: dict[int, frozenset[str]] = {}
    for c in claims:
        gone = {pid for pid in c.ids if last[pid] != c.index} | (c.title_ids & real)
        if gone:
            out[c.index] = frozenset(gone)
    return out


def subtract_votes(sums: "Sums", records: "list[Record]", facts: list[PaperFacts],
                   gone: frozenset[str]) -> "Sums":
    """``sums`` without the votes of the (last) records of the ``gone`` paper ids."""
    out: Sums = {k: list(v) for k, v in sums.items()}
    last = _last(records)
    for pid in sorted(gone):
        if pid in last:
            _add(out, facts[last[pid]], -1)
    return {k: v for k, v in out.items() if v[0] > 0}


def add_sums(parts: Iterable["Sums"]) -> "Sums":
    """Vote sums added up (order free)."""
    total: Sums = {}
    for part in parts:
        for k, (n, w) in part.items():
            s = total.setdefault(k, [0, 0])
            s[0] += n
            s[1] += w
    return total


def same_as_one_run(parts: list[list[PaperFacts]]) -> "Sums":
    """The sums of the whole input from its partitions, as the cluster computes them (for tests)."""
    got = [partition_sums(p) for p in parts]
    gone = exclusions(*(claims_of(i, r) for i, (r, _) in enumerate(got)))
    return add_sums(subtract_votes(s, r, parts[i], gone[i]) if i in gone else s
                    for i, (r, s) in enumerate(got))

