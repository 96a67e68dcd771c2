"""Corpus knowledge over a run and across runs: the same facts whatever the order of the
papers and however they are split into runs.

Extraction knows, in every paper, the names any paper of the corpus introduces with a strong
cue (``kg.extract.knowledge``). Every command that extracts (``kg ingest``, ``kg extract``,
``kg knowledge``) decides that knowledge here, the same way: each paper votes once for the
names its own text introduces (``kg.extract.knowledge.collect`` of the paper alone), a paper
read twice votes once (its last version; a paper with a real id replaces its title id, as
the stores do), and a name's type is decided from its votes (``reduce_names``).

``kg ingest`` into a store that keeps corpus knowledge (``GraphStore.knowledge_state``, the
embedded store) makes it span runs: a first pass over the input saves what each paper
introduces (and spools the input); the store settles the knowledge and marks every stored
paper that mentions a name whose decision changed (found through its full-text index); the
second pass extracts the input, and those stored papers again, with the whole store's
knowledge. Papers loaded from facts files (or extracted with ``--knowledge``) contribute
nothing and are never extracted again. A run killed at any moment leaves pending marks that
the next run finishes. Without such a store, the knowledge spans the run (a temporary state).
"""

from __future__ import annotations

import json
import zlib
from itertools import chain
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, NamedTuple

from kg.schema import Paper, PaperFacts

if TYPE_CHECKING:
    from kg.store.base import GraphStore, KnowledgeState


def paper_votes(paper: Paper) -> list[tuple[str, str]]:
    """The names one paper introduces, with each type its text gives (``""``: none): the votes
    ``kg.extract.knowledge.reduce_names`` counts for it (as ``collect`` and the Dask path do)."""
    from kg.extract.knowledge import load_lexicon, strong_names, usable

    lexicon = load_lexicon()
    return sorted({(name, typ) for name, typ in strong_names(paper) if usable(name) and name not in lexicon})


def decide(counts: Mapping[str, Mapping[str, int]]) -> dict[str, str]:
    """The knowledge from vote counts {name: {type: papers}}: ``reduce_names`` over as many
    one-name papers as the counts say (its decision depends on the counts alone)."""
    from kg.extract.knowledge import reduce_names

    per_paper = ([(name, typ)] for name in sorted(counts) for typ, n in sorted(counts[name].items())
                 for _ in range(n))
    return reduce_names(per_paper)


def paper_text(paper: Paper) -> str:
    return f"{paper.title} {paper.abstract}"


class Packed(NamedTuple):
    """One input record as the spool keeps it."""
    is_facts: int
    blob: bytes


def pack(rec: Paper | PaperFacts) -> Packed:
    if isinstance(rec, PaperFacts):
        return Packed(1, zlib.compress(rec.to_json().encode("utf-8"), 1))
    return Packed(0, zlib.compress(json.dumps(rec.to_dict(), ensure_ascii=False).encode("utf-8"), 1))


class FirstPass(NamedTuple):
    """What the first pass makes of one input record: its knowledge votes (``None``: not a
    paper, or the run's knowledge is given) and its spool form (``None``: not made, the spool
    keeps the record in memory)."""
    votes: list[tuple[str, str]] | None
    packed: Packed | None


def first_pass(records: list[Paper | PaperFacts], vote: bool, packs: bool) -> list[FirstPass]:
    """The first pass over a chunk of records (pure; run in the extraction workers)."""
    return [FirstPass(paper_votes(r) if vote and isinstance(r, Paper) else None, pack(r) if packs else None)
            for r in records]


#: records the first pass reads in this process before it starts a pool for the rest: small
#: inputs never pay for a pool
PARALLEL_AFTER = 500
#: records per chunk sent to a first-pass worker
FIRST_PASS_CHUNK = 256
#: records the spool keeps in memory; the rest of a longer input it packs into SQLite
SPOOL_IN_MEMORY = 20_000


def first_passed(records: Iterable[Paper | PaperFacts], vote: bool, workers: int,
                 pack_from: int = SPOOL_IN_MEMORY) -> Iterator[tuple[Paper | PaperFacts, FirstPass]]:
    """``records`` with their ``first_pass``, in input order: the first ``PARALLEL_AFTER`` in
    this process, the rest in ``workers`` processes (when more than one) while this process
    reads the input. Records from the ``pack_from``-th on come packed for the spool. The same
    result whatever the number of workers."""
    from collections import deque

    from kg.batch import chunked

    it = iter(records)
    read = 0
    for rec in it:
        yield rec, first_pass([rec], vote, read >= pack_from)[0]
        read += 1
        if read >= PARALLEL_AFTER and workers > 1:
            break
    else:
        return
    from kg.extract import IN_FLIGHT, _pool_context

    with _pool_context().Pool(workers) as pool:
        pending: deque = deque()
        for chunk in chunked(it, FIRST_PASS_CHUNK):
            pending.append((chunk, pool.apply_async(first_pass, (chunk, vote, read + len(chunk) > pack_from))))
            read += len(chunk)
            if len(pending) >= IN_FLIGHT * workers:
                done, result = pending.popleft()
                yield from zip(done, result.get())
        while pending:
            done, result = pending.popleft()
            yield from zip(done, result.get())


class Spool:
    """The input between the two passes: its first ``in_memory`` records as they are, the rest
    packed in SQLite's self-deleting temporary database."""

    def __init__(self, in_memory: int | None = None) -> None:
        self.in_memory = SPOOL_IN_MEMORY if in_memory is None else in_memory
        self.kept: list[Paper | PaperFacts] = []
        self.db: Any = None  # a sqlite3 connection once the first record past ``in_memory`` comes
        self._rows: list[tuple[int, int, bytes]] = []
        self.count = 0

    def _open(self):
        from kg.resolve.stream import temporary_db

        db = temporary_db()
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("CREATE TABLE spool(seq INTEGER PRIMARY KEY, facts INTEGER NOT NULL, data BLOB NOT NULL)")
        return db

    def add(self, rec: Paper | PaperFacts, packed: Packed | None = None) -> None:
        """Keep ``rec`` (``packed``: its ``pack``, when a worker made it)."""
        self.count += 1
        if self.count <= self.in_memory:
            self.kept.append(rec)
            return
        is_facts, blob = packed if packed is not None else pack(rec)
        self._rows.append((self.count, is_facts, blob))
        if len(self._rows) >= 2000:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            if self.db is None:
                self.db = self._open()
            self.db.execute("BEGIN")
            self.db.executemany("INSERT INTO spool(seq, facts, data) VALUES(?,?,?)", self._rows)
            self.db.execute("COMMIT")
            self._rows = []

    def __iter__(self) -> Iterator[Paper | PaperFacts]:
        yield from self.kept
        self._flush()
        if self.db is None:
            return
        last = -1
        while True:
            rows = self.db.execute("SELECT seq, facts, data FROM spool WHERE seq>? ORDER BY seq LIMIT 500",
                                   (last,)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            for _, is_facts, blob in rows:
                text = zlib.decompress(blob).decode("utf-8")
                yield PaperFacts.from_json(text) if is_facts else Paper.from_dict(json.loads(text))

    def close(self) -> None:
        self.kept = []
        if self.db is not None:
            self.db.close()


class RunKnowledge:
    """The corpus knowledge of one run: kept in ``store`` across runs when it can, else in a
    temporary state of the run's own. ``external``: knowledge given (``--knowledge``); the
    run's papers are then extracted with it and contribute nothing."""

    def __init__(self, store: "GraphStore | None" = None, external: Mapping[str, str] | None = None,
                 batch_size: int = 3000):
        self.external = dict(external) if external is not None else None
        self.batch_size = batch_size
        self._store = store
        self._state: "KnowledgeState | None" = None
        self._db: Any = None
        self._persistent = False
        #: ids of the run's papers extracted here, and of stored papers extracted again
        self.run_ids: set[str] = set()
        self.again_ids: set[str] = set()
        self._ops: list[tuple[str, Any]] = []
        self._tracked: bool | None = None
        self.spool: Spool | None = None
        self.papers = 0
        #: the store's knowledge ``watermark`` before the run saved anything
        self._watermark: int | None = None

    @property
    def state(self) -> "KnowledgeState":
        """The store's ``KnowledgeState``, else a temporary one of the run's own (asked on
        first use: a ``--strict`` run that stops at a bad record has not touched the store)."""
        if self._state is None:
            state = self._store.knowledge_state() if self._store is not None else None
            self._persistent = state is not None
            if state is None:
                from kg.resolve.stream import temporary_db
                from kg.store.sqlite_knowledge import SQLiteKnowledge

                self._db = temporary_db()
                state = SQLiteKnowledge(self._db, index=False)
            self._state = state
        return self._state

    @property
    def persistent(self) -> bool:
        """Whether the knowledge is kept in the store across runs."""
        self.state
        return self._persistent

    # -- the first pass ----------------------------------------------------------------
    def _tracked_now(self) -> bool:
        if self._tracked is None:
            self._tracked = self.state.tracked()
        return self._tracked

    def note(self, rec: Paper | PaperFacts, votes: list[tuple[str, str]] | None = None) -> None:
        """What one input record means for the knowledge (saved in batches); ``votes``: its
        ``paper_votes`` when already made."""
        if isinstance(rec, Paper) and self.external is None:
            self.run_ids.add(rec.id)
            self._tracked = True
            from kg.ids import title_paper_id

            self._ops.append(("save", (rec.id, title_paper_id(rec.title), paper_text(rec),
                                       paper_votes(rec) if votes is None else votes)))
        elif self._tracked_now():
            self._ops.append(("forget", rec.paper.id if isinstance(rec, PaperFacts) else rec.id))
        if len(self._ops) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        ops, self._ops = self._ops, []
        if ops and self._watermark is None and self.persistent:
            self._watermark = self.state.watermark()
        i = 0
        while i < len(ops):  # runs of one kind, in input order
            kind = ops[i][0]
            j = i
            while j < len(ops) and ops[j][0] == kind:
                j += 1
            items = [op[1] for op in ops[i:j]]
            if kind == "save":
                self.state.save(items)
            else:
                self.state.forget(items)
            i = j

    def knowledge(self) -> dict[str, str]:
        """The knowledge to extract with, once the first pass is done."""
        if self.external is not None:
            return dict(self.external)
        # the run's own papers are extracted with what this decides: only the papers stored
        # before the run are looked for (on a first load, none)
        self.state.settle(decide, saved_by=self._watermark)
        return self.state.knowledge()

    def records(self, records: Iterable[Paper | PaperFacts],
                extract: Callable[[Iterable[Paper | PaperFacts], Mapping[str, str], int], Iterator],
                workers: int = 1) -> Iterator:
        """Facts for ``records``: facts records before the first paper pass straight through;
        from the first paper on, the rest of the input is read (and spooled) first, then
        extracted with the decided knowledge, followed by the stored papers to extract again.
        ``workers``: processes for the first pass over a long input (``first_passed``)."""
        it = iter(records)
        for rec in it:
            self.note(rec)
            if isinstance(rec, PaperFacts):
                self.papers += 1
                yield rec
                continue
            self.spool = Spool()
            self.spool.add(rec)
            for r, done in first_passed(it, self.external is None, workers, self.spool.in_memory - 1):
                self.note(r, done.votes)
                self.spool.add(r, done.packed)
            self.flush()
            self.papers += self.spool.count
            knowledge = self.knowledge()
            again = self.pending_ids()
            yield from extract(chain(self.spool, self.stored_again(again)), knowledge, self.spool.count + len(again))
            self.spool.close()
            return
        self.flush()

    # -- stored papers ---------------------------------------------------------------------
    def pending_ids(self, exclude: set[str] | None = None) -> list[str]:
        """The stored papers marked pending (not among the run's)."""
        if not self.persistent:
            return []
        exclude = self.run_ids if exclude is None else exclude
        return [p for p in self.state.pending() if p not in exclude]

    def stored_again(self, pending: list[str]) -> Iterator[Paper]:
        """These stored papers, from their raw facts (to extract again)."""
        missing = set(pending)
        resolution = self._store.resolution_state() if self.persistent and self._store is not None else None
        for i in range(0, len(pending), 500):
            for pid, raw in (resolution.raw(pending[i:i + 500]) if resolution is not None else ()):
                missing.discard(pid)
                self.again_ids.add(pid)
                yield PaperFacts.from_json(raw).paper
        if missing:  # nothing to extract them from: their marks go
            self.state.done(missing)

    def written(self, paper_ids: Iterable[str]) -> None:
        """These papers are written: the ones extracted here with the current knowledge lose
        their pending marks."""
        if self.persistent:
            ids = [p for p in paper_ids if p in self.run_ids or p in self.again_ids]
            if ids:
                self.state.done(ids)

    def settle_again(self) -> list[Paper]:
        """After the input is written: the stored papers a change of knowledge made during the
        run (a paper now loaded from facts, ...) asks to extract again."""
        if not self.persistent:
            return []
        if self.run_ids:
            self.state.done(self.run_ids)
        self.state.settle(decide)
        self.again_ids = set()
        return list(self.stored_again(self.pending_ids(exclude=set())))

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()
        if self._db is not None:
            self._db.close()
