"""The streaming driver: resolve facts chunk by chunk against the store's state.

With a store that keeps resolution state, each chunk of papers

1. saves its raw facts and votes (replacing what those papers had stored), and marks the
   keys whose votes changed *dirty*, with their decisions before (one transaction);
2. *settles* the dirty keys: those whose decision changed mark every stored paper that
   depends on them *pending* (one transaction);
3. comes out resolved with the current decisions; the consumer writes it, and its papers'
   pending marks are cleared.

After the input, every pending paper is resolved again once, from its raw facts, with the
final decisions (the store replaces its relations, so entities merge or split as the
corpus says). So the graph after any sequence of runs equals the graph of one run over the
same papers, and a paper is resolved again at most once per run however many chunks
change its keys. A run killed at any moment leaves dirty keys and pending marks that the
next run finishes first.

The store keeps that state in its ``resolution_state()`` (``kg.store.base.ResolutionState``).
Without a store (``kg extract``) — or with one that keeps no state — the input is spooled
to a temporary SQLite file: pass one collects every vote, pass two yields each paper
resolved with the decisions of the whole input. Memory stays bounded either way.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, NamedTuple

from kg.batch import chunked
from kg.ids import title_paper_id
from kg.resolve.core import (NO_DECISION, VOTES_VERSION, Decision, ResolutionRecord, Vote, decisions, pack_facts,
                             paper_votes, resolve_paper, unpack_facts)
from kg.resolve.keys import canonical_key, family_chain
from kg.schema import PaperFacts

if TYPE_CHECKING:
    from kg.resolve.core import VoteSum
    from kg.store.base import GraphStore, ResolutionState

CHUNK = 500


class DecisionCache:
    """Decisions about keys, fetched from a vote source in batches and kept for one chunk."""

    def __init__(self, votes: "Callable[[list[str]], Iterable[VoteSum]]") -> None:
        self._votes = votes
        self._cache: dict[str, Decision] = {}

    def prefetch(self, keys: Iterable[str]) -> None:
        missing = sorted(set(keys) - self._cache.keys())
        if not missing:
            return
        got = decisions(self._votes(missing))
        for k in missing:
            self._cache[k] = got.get(k, NO_DECISION)

    def __len__(self) -> int:
        return len(self._cache)

    def __call__(self, key: str) -> Decision:
        if key not in self._cache:
            self.prefetch([key])
        return self._cache[key]


def _keys_read(facts: PaperFacts) -> set[str]:
    """The keys resolving a paper reads first: names, aliases and family ancestors."""
    keys: set[str] = set()
    for e in facts.entities:
        for name in (e.name, *e.aliases, *family_chain(e.name)):
            keys.add(canonical_key(name))
    return keys


class Prepared(NamedTuple):
    """A paper's facts with what resolving them needs from them alone (``prepare``): made
    where the facts are made, in extraction's worker processes, so the one process that
    resolves and writes does less per paper."""

    facts: PaperFacts
    #: the facts JSON, packed as the stores keep it
    raw: bytes
    votes: list[Vote]
    #: ``kg.ids.title_paper_id`` of the title
    title_id: str
    #: the keys resolving the paper reads first
    keys: frozenset[str]


def prepare(facts: PaperFacts) -> Prepared:
    return Prepared(facts, pack_facts(facts.to_json()), paper_votes(facts), title_paper_id(facts.paper.title),
                    frozenset(_keys_read(facts)))


def record_of(p: Prepared) -> ResolutionRecord:
    """What the store keeps to resolve a prepared paper again."""
    return ResolutionRecord(p.facts.paper.id, p.raw, p.votes, p.title_id)


def _prefetch(cache: DecisionCache, papers: list[PaperFacts], read: list[frozenset[str]] | None = None) -> None:
    keys: set[str] = set()
    for k in (read if read is not None else (_keys_read(f) for f in papers)):
        keys |= k
    cache.prefetch(keys)
    # more rounds: the expansions those keys point to; the acronyms an id may use for any of
    # them (``id_key``), and where those acronyms point
    expansions = {x for k in keys for x in cache(k).expansions}
    cache.prefetch(expansions)
    abbreviations = {a for k in keys | expansions for a in cache(k).abbreviations}
    cache.prefetch(abbreviations)
    cache.prefetch(x for a in abbreviations for x in cache(a).expansions)


def resolve_chunks(facts: Iterable[PaperFacts | Prepared], store: "GraphStore | None" = None,
                   chunk_size: int = CHUNK) -> Iterator[list[PaperFacts]]:
    """Chunks of facts with canonical entity ids, across the input and the papers in ``store``
    (facts may come ``prepare``d).

    With a store, write each chunk before asking for the next: asking for the next chunk
    tells the store that the last one is written. Papers come out in input order, then the
    stored papers whose entities the input merged (or split), resolved again.
    """
    state = store.resolution_state() if store is not None else None
    if state is not None:
        yield from _incremental(facts, state, chunk_size)
    else:
        yield from _two_pass(facts, chunk_size)


def resolve_stream(facts: Iterable[PaperFacts | Prepared], store: "GraphStore | None" = None,
                   chunk_size: int = CHUNK) -> Iterator[PaperFacts]:
    """``resolve_chunks``, one paper at a time."""
    for chunk in resolve_chunks(facts, store, chunk_size):
        yield from chunk


def encode_decision(d: Decision) -> str:
    """A decision as the string the store keeps for a dirty key."""
    return f"{d.type or ''}|{' '.join(d.expansions)}|{' '.join(d.abbreviations)}"  # keys have no spaces, types no "|"


def _settle(state: "ResolutionState") -> None:
    """Mark pending the papers depending on dirty keys whose decision changed; forget the keys."""
    dirty = state.dirty()
    if not dirty:
        return
    now = decisions(state.votes(dirty))
    changed = sorted(k for k, before in dirty.items() if before != encode_decision(now.get(k, NO_DECISION)))
    state.settle(dirty, state.dependents(changed) if changed else [])


def _resolve_all(state: "ResolutionState", papers: list[PaperFacts], voted: dict[str, set[str]] | None = None,
                 read: list[frozenset[str]] | None = None) -> list[PaperFacts]:
    """The papers resolved with the current decisions; saves the keys each one read.

    A paper's own vote keys are left out of its saved dependencies: the state finds it
    through its votes already (``ResolutionState.dependents``).
    """
    cache = DecisionCache(state.votes)
    _prefetch(cache, papers, read)
    out: list[PaperFacts] = []
    deps: dict[str, set[str]] = {}
    for f in papers:
        resolved, d = resolve_paper(f, cache)
        own = voted[f.paper.id] if voted is not None else {v.key for v in paper_votes(f)}
        deps[f.paper.id] = d - own
        out.append(resolved)
    state.save_deps(deps)
    return out


def revote(state: "ResolutionState", chunk_size: int = CHUNK) -> int:
    """Cast every stored paper's votes again from its raw facts (a state whose votes are older
    than ``VOTES_VERSION``); the keys whose decisions that changes are settled, so the papers
    depending on them are resolved again in this run. Returns the number of papers."""
    ids = sorted({row.paper_id for row in state.rows()})
    for i in range(0, len(ids), chunk_size):
        prepared = [prepare(PaperFacts.from_json(raw)) for _, raw in state.raw(ids[i:i + chunk_size])]
        records = [record_of(p) for p in prepared]
        touched = state.keys_of({r.paper_id for r in records}) | {v.key for r in records for v in r.votes}
        before = decisions(state.votes(touched))
        state.save(records, {k: encode_decision(before.get(k, NO_DECISION)) for k in touched})
        _settle(state)
    return len(ids)


def _incremental(facts: Iterable[PaperFacts | Prepared], state: "ResolutionState",
                 chunk_size: int) -> Iterator[list[PaperFacts]]:
    if state.version() < VOTES_VERSION:  # a store made before: its votes again
        revote(state, chunk_size)
    state.set_version(VOTES_VERSION)  # (a new store says so too: its votes are made the current way)
    _settle(state)  # what a killed run left
    for items in chunked(facts, chunk_size):
        prepared = [f if isinstance(f, Prepared) else prepare(f) for f in items]
        chunk = [p.facts for p in prepared]
        records = [record_of(p) for p in prepared]
        ids = {f.paper.id for f in chunk}
        # stored papers merged into papers of this chunk: their state goes (their votes too)
        gone = sorted({a for f in chunk for a in f.paper.absorbs} - ids)
        touched = state.keys_of(ids | {r.title_id for r in records} | set(gone)) | {
            v.key for r in records for v in r.votes}
        before = decisions(state.votes(touched))
        state.save(records + [ResolutionRecord(g, None, [], g) for g in gone],
                   {k: encode_decision(before.get(k, NO_DECISION)) for k in touched})
        _settle(state)
        voted = {r.paper_id: {v.key for v in r.votes} for r in records}  # the last of a repeated id
        yield _resolve_all(state, chunk, voted, [p.keys for p in prepared])
        state.done(ids)
    # every paper whose keys changed, once, with the final decisions
    pending = state.pending()
    for batch in (pending[i:i + chunk_size] for i in range(0, len(pending), chunk_size)):
        raws = [PaperFacts.from_json(raw) for _, raw in state.raw(batch)]
        if raws:
            yield _resolve_all(state, raws)
        state.done(batch)


#: papers ``kg extract`` keeps in memory between its two passes; more are spooled to disk
IN_MEMORY = 20_000


def _two_pass(facts: Iterable[PaperFacts | Prepared], chunk_size: int) -> Iterator[list[PaperFacts]]:
    from kg.store.sqlite_resolution import SQLiteResolution

    # SQLite's private temporary database (an empty file name): a file in the temporary
    # directory that SQLite unlinks as soon as it is open, so no ending leaves it behind
    db = temporary_db()
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("CREATE TABLE spool(seq INTEGER PRIMARY KEY, facts BLOB NOT NULL)")
        state = SQLiteResolution(db)
        held: list[PaperFacts] | None = []  # the input, while it fits in memory
        seq = 0

        def spool(items: list[PaperFacts]) -> None:
            nonlocal seq
            db.execute("BEGIN")
            db.executemany("INSERT INTO spool(seq, facts) VALUES(?,?)",
                           [(seq + i, pack_facts(f.to_json())) for i, f in enumerate(items)])
            db.execute("COMMIT")
            seq += len(items)

        for chunk in chunked((f.facts if isinstance(f, Prepared) else f for f in facts), chunk_size):
            state.save([ResolutionRecord(f.paper.id, "", paper_votes(f), title_paper_id(f.paper.title))
                        for f in chunk])
            if held is not None and len(held) + len(chunk) <= IN_MEMORY:
                held.extend(chunk)
                continue
            if held is not None:
                spool(held)
                held = None
            spool(chunk)

        def spooled() -> Iterator[list[PaperFacts]]:
            last = -1
            while True:
                rows = db.execute("SELECT seq, facts FROM spool WHERE seq>? ORDER BY seq LIMIT ?",
                                  (last, chunk_size)).fetchall()
                if not rows:
                    return
                last = rows[-1][0]
                yield [PaperFacts.from_json(unpack_facts(blob)) for _, blob in rows]

        chunks = chunked(held, chunk_size) if held is not None else spooled()
        cache = DecisionCache(state.votes)
        for chunk in chunks:
            if len(cache) > 200_000:  # bounded memory on huge inputs
                cache = DecisionCache(state.votes)
            _prefetch(cache, chunk)
            yield [resolve_paper(f, cache)[0] for f in chunk]
    finally:
        db.close()


def temporary_db() -> sqlite3.Connection:
    """A private on-disk SQLite database that no process ending can leave behind (SQLite
    unlinks its file right after opening it); its page cache spills to disk, so memory stays
    bounded."""
    db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA temp_store=FILE")
    return db
