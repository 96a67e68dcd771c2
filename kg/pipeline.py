"""The main job, stage by stage: load -> extract -> resolve -> write.

Everything streams: records are read, extracted and written in batches, so memory stays
bounded however large the input. spaCy is imported only when a paper needs extracting
(facts files, the output of ``kg extract``, skip extraction entirely).
"""

from __future__ import annotations

import os
import sys
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Mapping, Sequence, TextIO

from kg.record_stream import MergeReport, merge_stream
from kg.schema import Paper, PaperFacts

if TYPE_CHECKING:
    from kg.cluster import DaskOptions
    from kg.loaders import LoadStats
from kg.store.base import GraphStore, WriteSummary

Warn = Callable[[str], None]


@dataclass
class RunReport:
    """What a run read, skipped and produced."""

    papers: int = 0
    #: stored papers resolved (and written) again because the input changed their entities
    reresolved: int = 0
    #: stored papers extracted (and written) again because the input changed the corpus knowledge
    reextracted: int = 0
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
    """Paper (or facts) records from files and directories, each within ``kg.limits``, the
    records of one paper merged into one (``kg.record_stream``: across the input, and with the
    papers ``store`` keeps).

    The inputs are read twice: the merge stage plans, then merges. The first read says nothing
    and, with ``strict``, checks the inputs completely, so a bad record stops the run before
    anything is extracted or written. An input that can be read only once (a named pipe,
    standard input) is copied once to an unnamed temporary file and read from there.
    """
    inputs = list(inputs)
    kept = _Kept(inputs)

    def read(quiet: bool) -> Iterator[Paper | PaperFacts]:
        if quiet:
            return bounded(kept.records(format, strict, _quiet, None), strict)
        return bounded(kept.records(format, strict, warn, stats), strict, warn, stats)

    try:
        records = merge_stream(read, store=store, report=merged, check_first=strict)
    except BaseException:
        kept.close()
        raise

    def closing() -> Iterator[Paper | PaperFacts]:
        try:
            yield from records
        finally:
            kept.close()

    return closing()


class _Kept:
    """The inputs, with each one that cannot be read twice (not a regular file or a directory)
    copied to an unnamed temporary file on its first read."""

    def __init__(self, inputs: list[str | os.PathLike[str]]):
        import stat

        self.inputs = inputs
        self.once: dict[int, object] = {}  # input index -> its temporary file, once copied
        self.pipes = set()
        for i, name in enumerate(inputs):
            try:
                mode = os.stat(name).st_mode
            except OSError:
                continue  # the loaders say what is wrong with it
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                self.pipes.add(i)

    def records(self, format: str | None, strict: bool, warn: Warn | None,
                stats: "LoadStats | None") -> Iterator[Paper | PaperFacts]:
        from kg import loaders

        for i, name in enumerate(self.inputs):
            if i not in self.pipes:
                yield from loaders.iter_records([os.fspath(name)], format=format, strict=strict, warn=warn, stats=stats)
                continue
            with self._open(i) as raw:
                yield from loaders.read_stream(raw, os.fspath(name), format, strict, warn, stats)

    def _open(self, i: int):
        import shutil
        import tempfile

        copy = self.once.get(i)
        if copy is None:
            from kg.errors import InputNotFound

            name = os.fspath(self.inputs[i])
            copy = tempfile.TemporaryFile(prefix="kg-input-")
            try:
                with open(name, "rb") as src:
                    shutil.copyfileobj(src, copy, 1 << 20)
                copy.flush()
            except OSError as exc:
                copy.close()
                raise InputNotFound(f"{name}: cannot read ({exc.strerror or exc})") from None
            self.once[i] = copy
        raw = os.fdopen(os.dup(copy.fileno()), "rb")  # type: ignore[attr-defined]
        raw.seek(0)
        return raw

    def close(self) -> None:
        for copy in self.once.values():
            copy.close()  # type: ignore[attr-defined]
        self.once = {}


def _quiet(message: str) -> None:
    pass


def bounded(records: Iterable[Paper | PaperFacts], strict: bool = False, warn: Warn | None = None,
            stats: "LoadStats | None" = None) -> Iterator[Paper | PaperFacts]:
    """The records with their texts, titles and identifiers within ``kg.limits`` (a warning
    ``FILE:LINE: what was cut`` for each cut; ``strict``: ``BadRecord`` instead). A facts
    record whose title or id is over the limit is skipped (its evidence refers to that text)."""
    from kg.errors import BadRecord
    from kg.limits import MAX_ID, MAX_TITLE, bound_paper, location

    def problem(source: str, reason: str, skipped: bool) -> None:
        if strict:
            raise BadRecord(location(source), reason)
        if stats is not None:
            stats.warnings += 1
            stats.skipped += skipped
        if warn is not None:
            warn(f"{location(source)}: {reason}")

    for rec in records:
        if isinstance(rec, PaperFacts):
            p = rec.paper
            if len(p.title) > MAX_TITLE or len(p.id) > MAX_ID:
                what = "title" if len(p.title) > MAX_TITLE else "paper id"
                problem(p.source, f"{what} longer than {MAX_TITLE if what == 'title' else MAX_ID:,} characters; "
                                  "facts record skipped", True)
                continue
            yield rec
            continue
        paper, cuts = bound_paper(rec)
        for cut in cuts:
            problem(rec.source, cut, False)
        yield paper


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


def bound_names(facts: Iterable, warn: Warn | None = None, report: "RunReport | None" = None) -> Iterator:
    """Facts (or ``kg.resolve.stream.Prepared`` facts) with every entity name, alias and mention
    within ``kg.limits.MAX_NAME``, as both stores need; a warning ``FILE:LINE`` for each cut."""
    from kg.limits import bound_facts, location
    from kg.resolve.stream import Prepared, prepare

    for item in facts:
        f = item.facts if isinstance(item, Prepared) else item
        cut, cuts = bound_facts(f)
        if cuts:
            for c in cuts:
                if report is not None and report.load is not None:
                    report.load.warnings += 1
                if warn is not None:
                    warn(f"{location(f.paper.source)}: {c}")
            item = prepare(cut) if isinstance(item, Prepared) and isinstance(cut, PaperFacts) else cut
        yield item


def workers_for(workers: int, papers: int | None) -> int:
    """Extraction processes: ``workers``, or (0) as many as ``papers`` papers are worth."""
    if workers > 0:
        return workers
    from kg.extract import auto_workers

    return auto_workers(papers)


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
    from kg.corpus import RunKnowledge

    report = _report()
    if dask is not None:
        from kg.cluster.run import extract_to_dir

        report.papers = extract_to_dir(inputs, os.fspath(out), dask, format, strict, warn, report.load, knowledge,
                                       progress, say, rules_only=rules_only)
        return report
    run = RunKnowledge(None, external=knowledge)
    facts = run.records(load(inputs, format, strict, warn, report.load, merged=report.merge),
                        lambda records, known, count: extract(records, workers_for(workers, count), known,
                                                              rules_only=rules_only),
                        workers=workers_for(workers, None))
    stream = _progress(resolve(bound_names(facts, warn, report)), progress, "extract")
    try:
        if str(out) == "-":
            for f in stream:
                sys.stdout.write(f.to_json() + "\n")
                report.papers += 1
            return report
        with _atomic_text_out(out, compress=str(out).endswith(".gz")) as fp:
            for f in stream:
                fp.write(f.to_json() + "\n")
                report.papers += 1
    finally:
        run.close()
    return report


@contextmanager
def _atomic_text_out(out: str | os.PathLike[str], compress: bool = False) -> Iterator[TextIO]:
    """A text stream whose content replaces ``out`` only when the block ends without error
    (``kg.atomic``); gzip with no name or time in the header (same facts, same bytes)."""
    import io

    from kg.atomic import atomic_file

    with atomic_file(out, parents=True) as raw:
        if not compress:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
            try:
                yield text
                text.flush()
            finally:
                text.detach()  # the raw file is atomic_file's to close
            return
        import gzip

        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz, \
                io.TextIOWrapper(gz, encoding="utf-8", newline="\n") as zipped:
            yield zipped


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
    from kg.corpus import RunKnowledge
    from kg.resolve import resolve_chunks

    report = _report()
    run = RunKnowledge(store, external=knowledge, batch_size=batch_size)

    def extracted(records: Iterable[Paper | PaperFacts], known: Mapping[str, str], count: int) -> Iterator:
        return extract(records, workers_for(workers, count), known, prepare=True, rules_only=rules_only)

    def counted(items: Iterable) -> Iterator:
        for f in items:
            pid = (f.facts if hasattr(f, "facts") else f).paper.id
            if pid in run.again_ids:
                report.reextracted += 1
            else:
                report.papers += 1
            yield f

    bar = _bar(progress, "ingest")
    written = 0

    def write_all(facts: Iterable) -> None:
        nonlocal written
        # each chunk is written before the next is asked for (resolve_chunks' contract)
        for chunk in resolve_chunks(facts, store, chunk_size=batch_size):
            report.write += store.write(chunk)
            run.written(f.paper.id for f in chunk)
            written += len(chunk)
            if bar is not None:
                bar.update(len(chunk))

    try:
        if dask is not None:  # read and extracted on the cluster (with its own corpus knowledge)
            from kg.cluster.run import extract_stream

            store.begin_writing()
            write_all(counted(bound_names(extract_stream(inputs, dask, format, strict, warn, report.load, knowledge,
                                                         progress, say, rules_only=rules_only), warn, report)))
        else:
            # --strict has checked the whole input here, before the store is touched
            records = load(inputs, format, strict, warn, report.load, store=store, merged=report.merge)
            store.begin_writing()
            write_all(counted(bound_names(run.records(records, extracted, workers_for(workers, None)), warn, report)))
            for _ in range(3):  # the knowledge the written input changed (rarely more than once)
                again = run.settle_again()
                if not again:
                    break
                write_all(counted(bound_names(extracted(again, run.state.knowledge(), len(again)), warn, report)))
    finally:
        run.close()
        if bar is not None:
            bar.close()
    report.reresolved = max(0, written - report.papers - report.reextracted)
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
    from kg.corpus import RunKnowledge
    from kg.extract.knowledge import write_knowledge

    report = _report()
    if dask is not None:
        from kg.cluster.run import collect_knowledge as on_cluster

        known, report.papers = on_cluster(inputs, dask, format, strict, warn, report.load, progress, say)
        with _atomic_text_out(out) as fp:
            fp.write(known.text)  # written by write_knowledge on the cluster
        report.names = len(known.names)
        return report
    run = RunKnowledge(None)
    try:
        for rec in load(inputs, format, strict, warn, report.load, merged=report.merge):
            if isinstance(rec, Paper):
                report.papers += 1
                run.note(rec)
        run.flush()
        knowledge = run.knowledge()
    finally:
        run.close()
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
    from kg.loaders import LoadStats

    return RunReport(load=LoadStats())
