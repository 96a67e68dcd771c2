"""The merge stage: records of one paper become one paper before extraction.

``merge_stream(read, store)`` reads the input twice:

1. **Plan.** Every record's link keys (``kg.records``) go into a union-find, 8-byte hashes
   rather than the keys themselves, so memory stays small however large the input; a store
   that keeps papers is asked, a batch at a time, which stored papers the records link to
   (``GraphStore.papers_by_links``). The connected components are the papers; each knows
   how many of its records are in the input and which stored papers it takes in.
2. **Merge.** The input is read again. A record alone in its component (the common case)
   passes through untouched. The others are held until their component's last record has
   been read; then the component's records and its stored papers (``GraphStore.stored_papers``)
   are merged (``kg.records.merge``) and the paper comes out, with ``Paper.absorbs`` naming
   the stored papers it takes the place of.

Extraction then runs on the merged text; the store writes the merged paper, deletes the
absorbed ones and keeps the link keys, so a record read by a later run merges into it
exactly as one run over all the records would have merged them.

A facts record (``kg extract`` output) is a record too: when the merged paper has its
title and abstract, its facts are kept (renamed to the merged id when that changed);
otherwise the merged paper is extracted again.
"""

from __future__ import annotations

import hashlib
from array import array
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Iterator, NamedTuple

from kg.errors import BadInput
from kg.records import UnionFind, link_keys, merge, partner
from kg.schema import Paper, PaperFacts

Record = Paper | PaperFacts
#: records asked about together, and merged papers fetched from the store together
BATCH = 2000


@dataclass
class MergeReport:
    """What the merge stage did."""

    #: records read
    records: int = 0
    #: papers they make (after merging, stored papers taken in counted once)
    papers: int = 0
    #: papers combined from several records (in the input, or with a stored paper) whose
    #: merged value differs from each of them
    merged: int = 0
    #: stored papers taken into another paper (their ids are gone)
    absorbed: int = 0


def _h(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


def _paper(rec: Record) -> Paper:
    return rec.paper if isinstance(rec, PaperFacts) else rec


class _Plan:
    """Pass one: the components of the records (and of the stored papers they link to)."""

    def __init__(self, store, defer_store: bool = False) -> None:
        #: ask the store only once the whole input is read (so a --strict read that stops at a
        #: bad record has not touched it); the records' link keys are held until then
        self.defer_store = defer_store
        self.uf = UnionFind()
        self.rec_nodes = array("q")
        self.first: dict[int, int] = {}  # hashed key -> a node with it
        #: per title key (hashed): the nodes with "t:" seen before any "o:" (None once one was)
        self.titled: dict[int, list[int] | None] = {}
        self._store = store
        self.store = None if defer_store else self._linked_store()
        self.stored_nodes: dict[str, int] = {}
        self._pending: list[tuple[int, frozenset[str]]] = []

    def _linked_store(self):
        store = self._store
        return store if store is not None and store.has_papers() else None

    def add(self, rec: Record) -> None:
        node = self.uf.add()
        self.rec_nodes.append(node)
        keys = link_keys(_paper(rec))
        for key in keys:
            self._link(node, key)
        if self.defer_store and self._store is not None:
            self._pending.append((node, keys))
        elif self.store is not None:
            self._pending.append((node, keys))
            if len(self._pending) >= BATCH:
                self.flush()

    def _link(self, node: int, key: str) -> None:
        uf = self.uf
        if key.startswith("t:"):
            tk = _h(key[2:])
            members = self.titled.get(tk, [])
            if members is None:  # a title-only record has this title: all with it are one
                uf.union(node, self.first[_h("o:" + key[2:])])
            else:
                members.append(node)
                self.titled[tk] = members
            return
        h = _h(key)
        if key.startswith("o:"):
            tk = _h(key[2:])
            if h in self.first:
                uf.union(node, self.first[h])
            else:
                self.first[h] = node
            members = self.titled.get(tk)
            for other in members or ():
                uf.union(node, other)
            self.titled[tk] = None
            return
        if h in self.first:
            uf.union(node, self.first[h])
        else:
            self.first[h] = node

    def flush(self) -> None:
        """Ask the store which stored papers the pending records link to."""
        pending, self._pending = self._pending, []
        if not pending or self.store is None:
            return
        wanted = sorted({partner(k) for _, keys in pending for k in keys})
        found = self.store.papers_by_links(wanted)
        for node, keys in pending:
            for k in keys:
                for pid in found.get(partner(k), ()):
                    other = self.stored_nodes.get(pid)
                    if other is None:
                        other = self.stored_nodes[pid] = self.uf.add()
                    self.uf.union(node, other)

    def components(self) -> tuple[dict[int, int], dict[int, list[str]]]:
        """Per root: how many input records, and which stored papers."""
        if self.defer_store:
            self.store, self.defer_store = self._linked_store(), False
            pending, self._pending = self._pending, []
            for i in range(0, len(pending), BATCH):
                self._pending = pending[i:i + BATCH]
                self.flush()
        self.flush()
        counts: dict[int, int] = {}
        find = self.uf.find
        for node in self.rec_nodes:
            r = find(node)
            counts[r] = counts.get(r, 0) + 1
        stored: dict[int, list[str]] = {}
        for pid, node in sorted(self.stored_nodes.items()):
            stored.setdefault(find(node), []).append(pid)
        return counts, stored


def merge_stream(read: Callable[[bool], Iterable[Record]], store=None,
                 report: MergeReport | None = None, check_first: bool = False) -> Iterator[Record]:
    """The records of ``read(...)`` with the records of each paper merged (see the module doc).

    ``read(quiet)`` gives the input anew each time it is called; ``quiet=True`` for the first
    pass (its warnings were or will be given by the second). Both passes must give the same
    records in the same order. ``check_first``: the first pass runs now, before this returns
    (so what it raises, such as a ``--strict`` read's bad record, comes before the caller goes
    on), and asks the store only once it has read the whole input.
    """
    report = report if report is not None else MergeReport()
    if check_first:
        return _merged_pass(_first_pass(read, store, True), read, store, report)
    return _lazily(read, store, report)


def _lazily(read, store, report: MergeReport) -> Iterator[Record]:
    yield from _merged_pass(_first_pass(read, store, False), read, store, report)


class _Planned(NamedTuple):
    counts: dict[int, int]
    stored: dict[int, list[str]]
    find: Callable[[int], int]
    rec_nodes: array


def _first_pass(read: Callable[[bool], Iterable[Record]], store, defer_store: bool) -> _Planned:
    plan = _Plan(store, defer_store)
    for rec in read(True):
        plan.add(rec)
    counts, stored = plan.components()
    return _Planned(counts, stored, plan.uf.find, plan.rec_nodes)  # the hashes are no longer needed


def _merged_pass(planned: _Planned, read: Callable[[bool], Iterable[Record]], store,
                 report: MergeReport) -> Iterator[Record]:
    counts, stored, find, rec_nodes = planned
    held: dict[int, list[Record]] = {}
    ready: list[tuple[int, list[Record]]] = []  # components complete, in completion order
    i = -1
    for i, rec in enumerate(read(False)):
        if i >= len(rec_nodes):
            raise BadInput("the input changed while it was read (more records the second time): inputs are "
                           "read twice, so they must be files that stay as they are, not pipes")
        report.records += 1
        root = find(rec_nodes[i])
        if counts.get(root, 0) == 1 and root not in stored:
            ready.append((root, [rec]))
        else:
            group = held.setdefault(root, [])
            group.append(rec)
            if len(group) == counts[root]:
                ready.append((root, held.pop(root)))
        if len(ready) >= BATCH:
            yield from _emit(ready, stored, store, report)
            ready = []
    if i + 1 != len(rec_nodes) or held:
        raise BadInput("the input changed while it was read (fewer records the second time): inputs are "
                       "read twice, so they must be files that stay as they are, not pipes")
    yield from _emit(ready, stored, store, report)


def _emit(ready: list[tuple[int, list[Record]]], stored: dict[int, list[str]], store,
          report: MergeReport) -> Iterator[Record]:
    wanted = sorted({pid for root, _ in ready for pid in stored.get(root, ())})
    papers = {p.id: p for p in store.stored_papers(wanted)} if wanted else {}
    for root, recs in ready:
        report.papers += 1
        old = [papers[pid] for pid in stored.get(root, ()) if pid in papers]
        if len(recs) == 1 and not old:
            yield recs[0]
            continue
        yield _merged(recs, old, report)


def _content(p: Paper) -> dict:
    d = p.to_dict()
    d.pop("source", None)
    return d


def _merged(recs: list[Record], old: list[Paper], report: MergeReport) -> Record:
    inputs = [_paper(r) for r in recs] + old
    paper = merge(inputs)
    absorbs = tuple(sorted({p.id for p in old} - {paper.id}))
    report.absorbed += len(absorbs)
    content = _content(paper)
    if not any(_content(p) == content for p in inputs):
        report.merged += 1
    if absorbs:
        paper = replace(paper, absorbs=absorbs)
    for r in recs:  # facts of a record with the merged text are kept
        if isinstance(r, PaperFacts) and r.paper.title == paper.title and r.paper.abstract == paper.abstract:
            return PaperFacts(paper=paper, entities=r.entities,
                              relations=tuple(replace(x, source=paper.id) for x in r.relations),
                              unresolved=r.unresolved)
    return paper
