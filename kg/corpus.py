"""Corpus knowledge over a run and across runs: the same facts whatever the order of the
papers and however they are split into runs.

Extraction knows, in every paper, the names any paper of the corpus introduces with a strong
cue (``kg.extract.knowledge``). Every command that extracts (``kg ingest``, ``kg extract``,
``kg knowledge``) decides that knowledge here, the same way: each paper votes once for the
names its own text introduces (``kg.extract.knowledge.collect`` of the paper alone), a paper
read twice votes once (its last version; a paper with a real id replaces its title id, as
the stores do), and a name's type is decided from its votes (``reduce_names``).

``kg ingest`` into a store that keeps corpus knowledge (``GraphStore.knowledge_*``, the
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
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

from kg.schema import Paper, PaperFacts

if TYPE_CHECKING:
    from kg.store.base import GraphStore


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


class Spool:
    """The input between the two passes, in SQLite's self-deleting temporary database."""

    def __init__(self) -> None:
        from kg.resolve.stream import temporary_db

        self.db = temporary_db()
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE spool(seq INTEGER PRIMARY KEY, facts INTEGER NOT NULL, data BLOB NOT NULL)")
        self._rows: list[tuple[int, int, bytes]] = []
        self.count = 0

    def add(self, rec: Paper | PaperFacts) -> None:
        if isinstance(rec, PaperFacts):
            data, is_facts = rec.to_json(), 1
        else:
            data, is_facts = json.dumps(rec.to_dict(), ensure_ascii=False), 0
        self._rows.append((self.count, is_facts, zlib.compress(data.encode("utf-8"), 1)))
        self.count += 1
        if len(self._rows) >= 2000:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT INTO spool(seq, facts, data) VALUES(?,?,?)", self._rows)
            self.db.execute("COMMIT")
            self._rows = []

    def __iter__(self) -> Iterator[Paper | PaperFacts]:
        self._flush()
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
        self.db.close()


def keeps_knowledge(store: "GraphStore | None") -> bool:
    """Whether ``store`` implements the knowledge methods (asked without opening it)."""
    from kg.store.base import GraphStore

    if store is None:
        return False
    impl = getattr(type(store), "knowledge_tracked", None)
    if impl is None:  # a proxy of a store: ask it
        try:
            store.knowledge_tracked()
        except (NotImplementedError, AttributeError):
            return False
        return True
    return impl is not GraphStore.knowledge_tracked


class RunKnowledge:
    """The corpus knowledge of one run: kept in ``store`` across runs when it can, else in a
    temporary state of the run's own. ``external``: knowledge given (``--knowledge``); the
    run's papers are then extracted with it and contribute nothing."""

    def __init__(self, store: "GraphStore | None" = None, external: Mapping[str, str] | None = None,
                 batch_size: int = 3000):
        self.external = dict(external) if external is not None else None
        self.batch_size = batch_size
        self.persistent = keeps_knowledge(store)
        #: the store, when it keeps the knowledge across runs
        self.store = store if self.persistent else None
        self.state: GraphStore | _TemporaryKnowledge
        if store is not None and self.persistent:
            self.state = store
        else:
            from kg.resolve.stream import temporary_db
            from kg.store.sqlite_knowledge import SQLiteKnowledge

            self._db = temporary_db()
            self.state = _TemporaryKnowledge(SQLiteKnowledge(self._db, index=False))
        #: ids of the run's papers extracted here, and of stored papers extracted again
        self.run_ids: set[str] = set()
        self.again_ids: set[str] = set()
        self._ops: list[tuple[str, Any]] = []
        self._tracked: bool | None = None
        self.spool: Spool | None = None
        self.papers = 0

    # -- the first pass ----------------------------------------------------------------
    def _tracked_now(self) -> bool:
        if self._tracked is None:
            self._tracked = self.state.knowledge_tracked()
        return self._tracked

    def note(self, rec: Paper | PaperFacts) -> None:
        """What one input record means for the knowledge (saved in batches)."""
        if isinstance(rec, Paper) and self.external is None:
            self.run_ids.add(rec.id)
            self._tracked = True
            from kg.ids import title_paper_id

            self._ops.append(("save", (rec.id, title_paper_id(rec.title), paper_text(rec), paper_votes(rec))))
        elif self._tracked_now():
            self._ops.append(("forget", rec.paper.id if isinstance(rec, PaperFacts) else rec.id))
        if len(self._ops) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        ops, self._ops = self._ops, []
        i = 0
        while i < len(ops):  # runs of one kind, in input order
            kind = ops[i][0]
            j = i
            while j < len(ops) and ops[j][0] == kind:
                j += 1
            items = [op[1] for op in ops[i:j]]
            if kind == "save":
                self.state.knowledge_save(items)
            else:
                self.state.knowledge_forget(items)
            i = j

    def knowledge(self) -> dict[str, str]:
        """The knowledge to extract with, once the first pass is done."""
        if self.external is not None:
            return dict(self.external)
        self.state.knowledge_settle(decide)
        return self.state.knowledge()

    def records(self, records: Iterable[Paper | PaperFacts],
                extract: Callable[[Iterable[Paper | PaperFacts], Mapping[str, str], int], Iterator]) -> Iterator:
        """Facts for ``records``: facts records before the first paper pass straight through;
        from the first paper on, the rest of the input is read (and spooled) first, then
        extracted with the decided knowledge, followed by the stored papers to extract again."""
        it = iter(records)
        for rec in it:
            self.note(rec)
            if isinstance(rec, PaperFacts):
                self.papers += 1
                yield rec
                continue
            self.spool = Spool()
            self.spool.add(rec)
            for r in it:
                self.note(r)
                self.spool.add(r)
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
        return [p for p in self.state.knowledge_pending() if p not in exclude]

    def stored_again(self, pending: list[str]) -> Iterator[Paper]:
        """These stored papers, from their raw facts (to extract again)."""
        missing = set(pending)
        resolution = self.store.resolution_state() if self.store is not None else None
        for i in range(0, len(pending), 500):
            for pid, raw in (resolution.raw(pending[i:i + 500]) if resolution is not None else ()):
                missing.discard(pid)
                self.again_ids.add(pid)
                yield PaperFacts.from_json(raw).paper
        if missing:  # nothing to extract them from: their marks go
            self.state.knowledge_done(missing)

    def written(self, paper_ids: Iterable[str]) -> None:
        """These papers are written: the ones extracted here with the current knowledge lose
        their pending marks."""
        if self.persistent:
            ids = [p for p in paper_ids if p in self.run_ids or p in self.again_ids]
            if ids:
                self.state.knowledge_done(ids)

    def settle_again(self) -> list[Paper]:
        """After the input is written: the stored papers a change of knowledge made during the
        run (a paper now loaded from facts, ...) asks to extract again."""
        if not self.persistent:
            return []
        if self.run_ids:
            self.state.knowledge_done(self.run_ids)
        self.state.knowledge_settle(decide)
        self.again_ids = set()
        return list(self.stored_again(self.pending_ids(exclude=set())))

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()
        if not self.persistent:
            self._db.close()


class _TemporaryKnowledge:
    """``SQLiteKnowledge`` with the ``GraphStore`` method names (one run's state)."""

    def __init__(self, state):
        self._s = state

    def knowledge_save(self, papers):
        self._s.save(papers)

    def knowledge_forget(self, ids):
        self._s.forget(ids)

    def knowledge_settle(self, decide):
        return self._s.settle(decide)

    def knowledge(self):
        return self._s.knowledge()

    def knowledge_pending(self):
        return []

    def knowledge_done(self, ids):
        pass

    def knowledge_tracked(self):
        return self._s.has_papers()
