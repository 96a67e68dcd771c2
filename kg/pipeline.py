"""The main job, stage by stage: load -> extract -> resolve -> write.

Everything streams: records are read, extracted and written in batches, so memory stays
bounded however large the input. spaCy is imported only when a paper needs extracting
(facts files, the output of ``kg extract``, skip extraction entirely).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Mapping, Sequence, TextIO

from kg.record_stream import MergeReport, merge_stream
from kg.schema import Paper, PaperFacts

if TYPE_CHECKING:
    from kg.cluster import DaskOptions
    from loaders import LoadStats
from kg.store.base import GraphStore, WriteSummary

Warn = Callable[[str], None]


@dataclass
class RunReport:
    """What a run read, skipped and produced."""

    papers: int = 0
    #: stored papers resolved (and written) again because the input changed their entities
    reresolved: int = 0
    write: WriteSummary = field(default_factory=WriteSummary)
    #: names in the corpus knowledge (``run_knowledge``)
    names: int = 0
    #: the loaders' counts (files, records, skipped, warnings)
    load: "LoadStats | None" = None
    #: the merge stage's counts (records, papers, papers merged from several records)
    merge: MergeReport = field(default_factory=MergeReport)

    @property
    def skipped(self) -> int:
        return self.load.skipped if self.load else 0

    @property
    def warnings(self) -> int:
        return self.load.warnings if self.load else 0


def load(inputs: Sequence[str | os.PathLike[str]], format: str | None = None, strict: bool = False,
         warn: Warn | None = None, stats: "LoadStats | None" = None, store: GraphStore | None = None,
         merged: MergeReport | None = None) -> Iterator[Paper | PaperFacts]:
    """Paper (or facts) records from files and directories, the records of one paper merged
    into one (``kg.record_stream``: across the input, and with the papers ``store`` keeps).

    With ``strict`` the inputs are checked completely first, so a bad record stops the
    run before anything is extracted or written. The inputs are read twice (the merge
    stage plans, then merges); the first read says nothing.
    """
    import loaders

    if strict:
        for _ in loaders.iter_records(inputs, format=format, strict=True, warn=warn):
            pass

    def read(quiet: bool) -> Iterator[Paper | PaperFacts]:
        if quiet:
            return loaders.iter_records(inputs, format=format, strict=False, warn=_quiet)
        return loaders.iter_records(inputs, format=format, strict=strict, warn=warn, stats=stats)

    return merge_stream(read, store=store, report=merged)


def _quiet(message: str) -> None:
    pass


def extract(records: Iterable[Paper | PaperFacts], workers: int = 1,
            knowledge: Mapping[str, str] | None = None, prepare: bool = False,
            rules_only: bool = False) -> Iterator[PaperFacts]:
    """Facts for every record: papers are extracted, facts records pass through.

    ``knowledge`` (a whole corpus's, when the records are one shard of it) replaces the
    knowledge extraction would gather from the records themselves. With ``prepare``,
    extracted papers come ``kg.resolve.stream.prepare``d by the extraction workers. With
    ``rules_only`` the rule cues decide without the learned model.
    """
    it = iter(records)
    pending: deque[PaperFacts] = deque()
    for rec in it:
        if isinstance(rec, PaperFacts):
            yield rec
            continue
        # the first paper: from here on, feed papers to the extractor lazily
        def papers(first: Paper = rec) -> Iterator[Paper]:
            yield first
            for r in it:
                if isinstance(r, PaperFacts):
                    pending.append(r)
                else:
                    yield r

        from kg.extract import extract_papers  # spaCy is imported here, and only here

        for facts in extract_papers(papers(), workers=workers, knowledge=knowledge, prepare=prepare,
                                    rules_only=rules_only):
            while pending:
                yield pending.popleft()
            yield facts
        while pending:
            yield pending.popleft()
        return


def resolve(facts: Iterable[PaperFacts], store: GraphStore | None = None) -> Iterator[PaperFacts]:
    """Canonical entity ids across papers (and the papers already in ``store``)."""
    from kg.resolve import resolve_stream

    return resolve_stream(facts, store=store)


def _progress(items: Iterable[PaperFacts], show: bool, desc: str) -> Iterator[PaperFacts]:
    if not show:
        return iter(items)
    from tqdm import tqdm

    return iter(tqdm(items, desc=desc, unit=" papers", file=sys.stderr, dynamic_ncols=True))


def show_progress(quiet: bool) -> bool:
    """A progress bar only for a person watching: stderr is a terminal and not --quiet."""
    return not quiet and sys.stderr.isatty()


def run_extract(inputs: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str], format: str | None = None,
                strict: bool = False, workers: int = 1, warn: Warn | None = None,
                progress: bool = False, knowledge: Mapping[str, str] | None = None,
                dask: "DaskOptions | None" = None, say: Warn | None = None, rules_only: bool = False) -> RunReport:
    """Load and extract, writing one facts line per paper to ``out`` (``-`` for stdout).

    The file is written atomically: a temporary file renamed into place at the end;
    gzip-compressed when its name ends with ``.gz`` (the loaders read both).

    With ``dask``, the work runs on a Dask cluster and ``out`` is a directory of facts parts
    (``kg.cluster``); ``say`` gets notes such as the dashboard's address.
    """
    report = _report()
    if dask is not None:
        from kg.cluster.run import extract_to_dir

        report.papers = extract_to_dir(inputs, os.fspath(out), dask, format, strict, warn, report.load, knowledge,
                                       progress, say, rules_only=rules_only)
        return report
    stream = _progress(resolve(extract(load(inputs, format, strict, warn, report.load, merged=report.merge),
                                       workers, knowledge, rules_only=rules_only)), progress, "extract")
    if str(out) == "-":
        for f in stream:
            sys.stdout.write(f.to_json() + "\n")
            report.papers += 1
        return report
    with _atomic_text_out(out, compress=str(out).endswith(".gz")) as fp:
        for f in stream:
            fp.write(f.to_json() + "\n")
            report.papers += 1
    return report


@contextmanager
def _atomic_text_out(out: str | os.PathLike[str], compress: bool = False) -> Iterator[TextIO]:
    """A text stream whose content replaces ``out`` only when the block ends without error
    (a temporary file beside it, renamed into place)."""
    out_path = Path(out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=str(out_path.parent))
    try:
        with _open_text_out(fd, compress) as fp:
            yield fp
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _open_text_out(fd: int, compress: bool) -> Iterator[TextIO]:
    """A text stream on ``fd``; gzip with no name or time in the header (same facts, same bytes)."""
    if not compress:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fp:
            yield fp
        return
    import gzip
    import io

    with os.fdopen(fd, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz, \
            io.TextIOWrapper(gz, encoding="utf-8", newline="\n") as text:
        yield text


def run_ingest(inputs: Sequence[str | os.PathLike[str]], store: GraphStore, format: str | None = None,
               strict: bool = False, workers: int = 1, warn: Warn | None = None, progress: bool = False,
               batch_size: int = 3000, knowledge: Mapping[str, str] | None = None,
               dask: "DaskOptions | None" = None, say: Warn | None = None, rules_only: bool = False) -> RunReport:
    """Load, extract, resolve and write into ``store``, one transaction per batch.

    ``report.papers`` counts the papers read; ``report.reresolved`` the stored papers
    resolved again because the input changed what their entities are. With ``dask``, the
    papers are read and extracted on a Dask cluster (``kg.cluster``) and resolved and
    written here.
    """
    from kg.resolve import resolve_chunks

    report = _report()

    def counted(items: Iterable[PaperFacts]) -> Iterator[PaperFacts]:
        for f in items:
            report.papers += 1
            yield f

    if dask is not None:
        from kg.cluster.run import extract_stream

        facts = counted(extract_stream(inputs, dask, format, strict, warn, report.load, knowledge, progress, say,
                                       rules_only=rules_only))
    else:
        facts = counted(extract(load(inputs, format, strict, warn, report.load, store=store, merged=report.merge),
                                workers, knowledge, prepare=True, rules_only=rules_only))
    bar = _bar(progress, "ingest")
    written = 0
    try:
        # each chunk is written before the next is asked for (resolve_chunks' contract)
        for chunk in resolve_chunks(facts, store, chunk_size=batch_size):
            report.write += store.write(chunk)
            written += len(chunk)
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()
    report.reresolved = max(0, written - report.papers)
    return report


def _bar(show: bool, desc: str):
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(desc=desc, unit=" papers", file=sys.stderr, dynamic_ncols=True)


def run_knowledge(inputs: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str], format: str | None = None,
                  strict: bool = False, warn: Warn | None = None, dask: "DaskOptions | None" = None,
                  progress: bool = False, say: Warn | None = None) -> RunReport:
    """The corpus knowledge of the inputs' papers (the cheap first pass of extraction: text
    rules, no spaCy pipeline), written atomically to ``out`` for ``kg extract --knowledge``;
    computed on a Dask cluster with ``dask``."""
    report = _report()
    if dask is not None:
        from kg.cluster.run import collect_knowledge as on_cluster

        known, report.papers = on_cluster(inputs, dask, format, strict, warn, report.load, progress, say)
        with _atomic_text_out(out) as fp:
            fp.write(known.text)  # written by write_knowledge on the cluster
        report.names = len(known.names)
        return report
    from kg.extract import collect_knowledge
    from kg.extract.knowledge import write_knowledge

    def papers() -> Iterator[Paper]:
        for rec in load(inputs, format, strict, warn, report.load, merged=report.merge):
            if isinstance(rec, Paper):
                report.papers += 1
                yield rec

    knowledge = collect_knowledge(papers())
    with _atomic_text_out(out) as fp:
        write_knowledge(knowledge, fp)
    report.names = len(knowledge)
    return report


def read_knowledge_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """A knowledge file written by ``kg knowledge``; a clear error when missing or bad."""
    from kg.errors import InputNotFound
    from kg.extract.knowledge import read_knowledge

    try:
        with open(path, encoding="utf-8") as fp:
            return read_knowledge(fp, str(path))
    except FileNotFoundError:
        raise InputNotFound(f"{path}: no such knowledge file") from None
    except UnicodeDecodeError:
        from kg.errors import BadInput

        raise BadInput(f"{path}: not a knowledge file (not UTF-8 text)") from None


def _report() -> RunReport:
    from loaders import LoadStats

    return RunReport(load=LoadStats())
