"""Extraction: papers in, per-paper facts out.

``extract_papers`` runs two passes over the input. The first (cheap, no spaCy) collects the
names papers introduce with a strong cue (see ``knowledge``); the second runs the spaCy
pipeline on each paper with those names known. Knowledge is gathered over the *whole* input,
so the facts of a paper depend on the set of papers in the run, never on their order or on
the number of workers. (Knowledge per chunk of the input would bound the first pass too, but
then a paper's facts would depend on which papers share its chunk, i.e. on input order.)
A stream is kept in memory between the passes up to ``IN_MEMORY`` papers and spilled to a
temporary file beyond that, so memory stays bounded on 100k+ paper inputs; the knowledge
itself is one small dict of names.

Pipeline (``nlp.build_nlp``): a blank English pipeline whose tokenizer keeps the text whole
(``nlp.TextOnly``), then our components
``kg_sentences``, ``kg_acronyms``, ``kg_mentions``, ``kg_proposes``, ``kg_evaluates``,
``kg_lineage``, ``kg_compares``, ``kg_uses``, ``kg_addresses``; ``assemble`` turns the
Doc into a PaperFacts record.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections import deque
from typing import Any, Iterable, Iterator, Mapping, Sequence

from kg.batch import chunked
from kg.schema import Paper, PaperFacts

__all__ = ["collect_knowledge", "extract_papers", "extract_one"]

DEFAULT_BATCH = 256
_NLP = None


def _init_worker(known: Mapping[str, str], rules_only: bool = False) -> None:
    global _NLP
    from kg.extract.nlp import build_nlp

    _NLP = build_nlp(known, rules_only=rules_only)


def _run_chunk(papers: list[Paper]) -> list[PaperFacts]:
    from kg.extract.nlp import extract_batch

    assert _NLP is not None, "_init_worker runs first"
    return extract_batch(_NLP, papers)


def _run_chunk_prepared(papers: list[Paper]) -> list:
    from kg.resolve.stream import prepare

    return [prepare(f) for f in _run_chunk(papers)]


#: papers kept in memory between the two passes; longer streams are spilled to a temp file
IN_MEMORY = 20_000
#: chunks per worker submitted ahead of the consumer (bounds memory; order is kept). Enough
#: for the workers to go on while the consumer writes a batch of ``kg ingest`` (3000 papers)
IN_FLIGHT = 6


class _Buffer:
    """Holds the input between the passes: in memory, then on disk past ``IN_MEMORY`` papers."""

    def __init__(self, limit: int | None = None):
        self.limit = IN_MEMORY if limit is None else limit
        self.papers: list[Paper] = []
        self.path: str | None = None
        self._file: Any = None
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def add(self, paper: Paper) -> None:
        self.count += 1
        if self._file is None and len(self.papers) < self.limit:
            self.papers.append(paper)
            return
        if self._file is None:
            fd, self.path = tempfile.mkstemp(prefix="kg-extract-", suffix=".pkl")
            self._file = os.fdopen(fd, "wb")
            for p in self.papers:
                pickle.dump(p, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self.papers = []
        pickle.dump(paper, self._file, protocol=pickle.HIGHEST_PROTOCOL)

    def __iter__(self) -> Iterator[Paper]:
        if self._file is None:
            yield from self.papers
            return
        self._file.close()
        assert self.path is not None
        with open(self.path, "rb") as f:
            while True:
                try:
                    yield pickle.load(f)
                except EOFError:
                    return

    def close(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.close()
        if self.path and os.path.exists(self.path):
            os.unlink(self.path)


#: papers per worker below which ``auto_workers`` does not start another process
PAPERS_PER_WORKER = 1000
MAX_AUTO_WORKERS = 8


def auto_workers(papers: int | None) -> int:
    """Processes for ``workers=0``: one per available CPU (at most 8), but none beyond one per
    ``PAPERS_PER_WORKER`` papers (a pool costs more than it saves on a small input)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    n = min(cpus, MAX_AUTO_WORKERS)
    if papers is not None:
        n = min(n, papers // PAPERS_PER_WORKER)
    return max(1, n)


#: papers the first pass reads in this process before it starts a pool for the rest (when
#: extraction may use several processes): small inputs never pay for a pool
PARALLEL_KNOWLEDGE_AFTER = 2 * PAPERS_PER_WORKER


def _strong_chunk(papers: list[Paper]) -> list[list[tuple[str, str]]]:
    from kg.extract.knowledge import strong_names

    return [strong_names(p) for p in papers]


def _pool_context():
    import multiprocessing as mp

    return mp.get_context("spawn" if os.name == "nt" else "fork")


def collect_knowledge(papers: Iterable[Paper], workers: int = 0, batch_size: int = DEFAULT_BATCH) -> dict[str, str]:
    """``knowledge.collect``, in several processes when ``workers`` allows it (0: as many as
    ``auto_workers`` gives a long input) and the input is long; the same result either way
    (``reduce_names`` does not depend on the order of the papers)."""
    from kg.extract.knowledge import collect, reduce_names, strong_names

    n = auto_workers(None) if workers <= 0 else workers
    if n <= 1:
        return collect(papers)
    it = iter(papers)

    def per_paper() -> Iterator[list[tuple[str, str]]]:
        read = 0
        for p in it:
            yield strong_names(p)
            read += 1
            if read >= PARALLEL_KNOWLEDGE_AFTER:
                break
        else:
            return
        with _pool_context().Pool(n) as pool:
            yield from _ordered_map(pool, _strong_chunk, chunked(it, batch_size), n)

    return reduce_names(per_paper())


def _ordered_map(pool, fn, chunks: Iterable[list], workers: int) -> Iterator:
    """``fn`` over ``chunks`` in ``pool``, results flattened in input order, with at most
    ``IN_FLIGHT`` chunks per worker submitted and not yet consumed."""
    pending: deque = deque()
    for chunk in chunks:
        pending.append(pool.apply_async(fn, (chunk,)))
        if len(pending) >= IN_FLIGHT * workers:
            yield from pending.popleft().get()
    while pending:
        yield from pending.popleft().get()


def extract_papers(papers: Iterable[Paper], workers: int = 1, batch_size: int = DEFAULT_BATCH,
                   known: Mapping[str, str] | None = None,
                   knowledge: Mapping[str, str] | None = None, prepare: bool = False,
                   rules_only: bool = False) -> Iterator[PaperFacts]:
    """One PaperFacts per paper, in input order (papers without findings give empty lists).

    ``workers`` > 1 runs the pipeline in that many processes with identical output; 0 chooses
    (``auto_workers``, once the first pass has counted the papers).
    ``known`` adds names to the corpus knowledge (mostly for tests). ``knowledge`` replaces
    the corpus knowledge (``kg.extract.knowledge.collect`` over a whole corpus, when this
    input is one shard of it): no first pass is made. With ``prepare`` each paper comes as
    ``kg.resolve.stream.Prepared`` (made in the workers) instead. ``rules_only``: the rule cues
    decide without the learned model (``kg.extract.model``).
    """
    from kg.extract.knowledge import merge

    buffer = None
    items: Iterable[Paper]
    if knowledge is not None:
        items = papers
        knowledge = dict(knowledge)
    elif isinstance(papers, Sequence):
        items = papers
        knowledge = collect_knowledge(papers, workers, batch_size)
    else:
        buffer = _Buffer()

        def keep(stream: Iterable[Paper]) -> Iterator[Paper]:
            for p in stream:
                buffer.add(p)
                yield p

        try:
            knowledge = collect_knowledge(keep(papers), workers, batch_size)
        except BaseException:
            buffer.close()
            raise
        items = buffer
    knowledge = merge(knowledge, known or {})
    if workers <= 0:
        workers = auto_workers(len(buffer) if buffer is not None else
                               len(items) if isinstance(items, Sequence) else None)
    run = _run_chunk_prepared if prepare else _run_chunk
    try:
        if workers <= 1:
            _init_worker(knowledge, rules_only)
            for chunk in chunked(items, batch_size):
                yield from run(chunk)
        else:
            with _pool_context().Pool(workers, initializer=_init_worker, initargs=(knowledge, rules_only)) as pool:
                # at most IN_FLIGHT chunks per worker submitted and not yet consumed: Pool.imap
                # keeps every finished result until it is consumed, so a consumer slower than
                # the workers (resolution and the store share the two cores) would hold a
                # growing backlog (~0.5 GB at 100k papers)
                yield from _ordered_map(pool, run, chunked(items, batch_size), workers)
    finally:
        if buffer is not None:
            buffer.close()


def extract_one(paper: Paper, known: Mapping[str, str] | None = None, rules_only: bool = False) -> PaperFacts:
    """The facts of one paper on its own (its own knowledge only)."""
    return next(extract_papers([paper], known=known, rules_only=rules_only))
