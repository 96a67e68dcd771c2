"""The client side of ``--dask``: connect, submit the partitions' work, reduce on the cluster,
report warnings and progress, commit the facts parts. The only module that imports dask."""

from __future__ import annotations

import logging
import os
import sys
import uuid
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping, Sequence

from kg.cluster import DaskOptions, work
from kg.cluster.plan import Partition, needs_scan, plan, step
from kg.errors import ClusterError, KGError
from kg.schema import PaperFacts
from kg.loaders import LoadStats

Say = Callable[[str], None]
#: partial results merged per reduce task
FAN_IN = 8


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ClusterError("--dask needs Dask: pip install 'kg-research[dask]'") from None
    return distributed


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@contextmanager
def connect(opts: DaskOptions, say: Say | None = None):
    """A ``distributed.Client``: on a new ``LocalCluster`` (``local``) or an existing scheduler.
    Prints the dashboard link through ``say`` when the scheduler has one."""
    distributed = _distributed()
    if not os.environ.get("KG_DEBUG"):
        for name in ("distributed", "bokeh", "tornado"):
            logging.getLogger(name).setLevel(logging.ERROR)
    cluster = None
    try:
        if opts.address == "local":
            cluster = distributed.LocalCluster(n_workers=opts.workers or _cpus(), threads_per_worker=1,
                                               processes=True, silence_logs=logging.ERROR)
            client = distributed.Client(cluster)
        else:
            client = distributed.Client(opts.address)
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        where = "start a local Dask cluster" if opts.address == "local" else \
            f"reach the Dask scheduler at {opts.address}"
        raise ClusterError(f"cannot {where}: {_first_line(exc)}") from None
    try:
        if say is not None and "dashboard" in (client.scheduler_info().get("services") or {}):
            say(f"Dask dashboard: {client.dashboard_link}")
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class _Reports:
    """The partitions' warnings, printed in partition order as they arrive; their counts summed."""

    def __init__(self, warn: Callable[[str], None] | None, stats: LoadStats):
        self.warn = warn or logging.getLogger("kg.loaders").warning
        self.stats = stats
        self.next = 0
        self.held: dict[int, work.LoadReport] = {}

    def add(self, index: int, report: work.LoadReport) -> None:
        self.held[index] = report
        while self.next in self.held:
            r = self.held.pop(self.next)
            self.next += 1
            for message in r.warnings:
                self.warn(message)
            s = self.stats
            s.files += r.stats.files
            s.records += r.stats.records
            s.skipped += r.stats.skipped
            s.warnings += r.stats.warnings
            for fmt, n in r.stats.by_format.items():
                s.by_format[fmt] = s.by_format.get(fmt, 0) + n


class _Bar:
    """The local runs' progress bar (papers, papers/s), with the tasks done / total."""

    def __init__(self, show: bool, desc: str, tasks: int, papers: int | None = None):
        self.tasks = tasks
        self.done = 0
        self.bar = None
        if show:
            from tqdm import tqdm

            self.bar = tqdm(total=papers, desc=desc, unit=" papers", file=sys.stderr, dynamic_ncols=True)
            self.bar.set_postfix_str(f"tasks 0/{tasks}")

    def step(self, papers: int) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.set_postfix_str(f"tasks {self.done}/{self.tasks}", refresh=False)
            self.bar.update(papers)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Run:
    """One command's work on a cluster."""

    def __init__(self, client, opts: DaskOptions, format: str | None = None, strict: bool = False,
                 warn: Callable[[str], None] | None = None, stats: LoadStats | None = None,
                 progress: bool = False):
        self.client = client
        self.opts = opts
        self.format = format
        self.strict = strict
        self.stats = stats if stats is not None else LoadStats()
        self.reports = _Reports(warn, self.stats)
        self.progress = progress
        self.token = uuid.uuid4().hex[:8]
        self.papers: int | None = None

    # -- plumbing ------------------------------------------------------------------------
    def submit(self, fn, *args, name: str, index: int | str = "", **kwargs):
        return self.client.submit(fn, *args, key=f"kg-{name}-{index}-{self.token}", pure=False, **kwargs)

    def tree(self, futures: list, fn, name: str):
        """``fn`` over ``futures`` in a tree of reduce tasks (``fn`` is order free); one future."""
        level = 0
        while True:
            futures = [self.submit(fn, *futures[i:i + FAN_IN], name=f"{name}{level}", index=i)
                       for i in range(0, max(1, len(futures)), FAN_IN)]
            level += 1
            if len(futures) == 1:
                return futures[0]

    def results(self, futures: list, on_result: Callable[[Any], None]) -> list:
        """Wait for ``futures``, calling ``on_result`` as each finishes (any order); a failure
        raises the error of the first failing future in input order (as one local run would)."""
        distributed = _distributed()
        out: dict[int, object] = {}
        position = {f.key: i for i, f in enumerate(futures)}
        failed = False
        for f in distributed.as_completed(futures):
            if f.status == "error" or f.status == "cancelled":
                failed = True
                break
            value = f.result()
            out[position[f.key]] = value
            on_result(value)
        if failed:
            distributed.wait(futures)
            for f in futures:
                if f.status in ("error", "cancelled"):
                    f.result()  # raises
        return [out[i] for i in range(len(futures))]

    # -- the phases ----------------------------------------------------------------------
    def partitions(self, inputs: Sequence[str | os.PathLike[str]]) -> list[Partition]:
        """List the inputs here (names and sizes only); big files are scanned on the cluster."""
        from kg.loaders.ranges import list_inputs

        size = self.opts.partition_size
        files = list_inputs(inputs)
        big = [i for i, f in enumerate(files) if needs_scan(f, size)]
        scans = self.client.gather([self.submit(work.scan_file, files[i], self.format, step(size), name="scan",
                                                index=i) for i in big])
        threads = sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values())
        return plan(files, dict(zip(big, scans)), self.format, size, threads)

    def knowledge(self, parts: list[Partition]) -> "work.Knowledge":
        """The corpus knowledge: name counts per partition, summed on the cluster."""
        counts = [self.submit(work.name_counts, p, self.strict, name="names", index=p.index) for p in parts]
        infos = [self.submit(work.read_info, c, name="read-info", index=i) for i, c in enumerate(counts)]
        bar = _Bar(self.progress, "knowledge", len(parts))
        total = 0

        def got(info) -> None:
            nonlocal total
            self.reports.add(info.index, info.report)
            total += info.papers
            bar.step(info.papers)

        try:
            self.results(infos, got)
        finally:
            bar.close()
        self.papers = total
        return self.submit(work.knowledge_of, self.tree(counts, work.add_counts, "add-names"),
                           name="knowledge").result()

    def given_knowledge(self, names: Mapping[str, str]) -> "work.Knowledge":
        """A knowledge file's names, hashed on the cluster (this process does not import spaCy)."""
        return self.submit(work.knowledge_file, dict(names), name="knowledge-file").result()

    def extract(self, parts: list[Partition], knowledge: "work.Knowledge", report: bool,
                wait: bool = True, rules_only: bool = False) -> list:
        """Extract every partition on the cluster with ``knowledge`` (scattered to every worker
        once); the facts stay there. ``report``: this pass reads first, so its warnings count."""
        # one piece of data on every worker (a dict given alone would be scattered key by key)
        [known] = self.client.scatter([knowledge.names], broadcast=True, hash=False)
        extracted = [self.submit(work.extract, p, known, knowledge.sha256, self.strict, report, rules_only,
                                 name="extract", index=p.index)
                     for p in parts]
        if wait:
            infos = [self.submit(work.info, e, name="extract-info", index=i) for i, e in enumerate(extracted)]
            bar = _Bar(self.progress, "extract", len(parts), self.papers)

            def got(info) -> None:
                if info.report is not None:
                    self.reports.add(info.index, info.report)
                bar.step(info.papers)

            try:
                self.results(infos, got)
            finally:
                bar.close()
        return extracted

    def decisions(self, extracted: list):
        """Resolution's decisions over the whole input, replicated to every worker (a future)."""
        from kg.cluster import votes

        claims = [self.submit(work.claims, e, name="claims", index=i) for i, e in enumerate(extracted)]
        excluded = self.submit(votes.exclusions, *claims, name="exclusions")
        sums = [self.submit(work.sums, e, excluded, name="sums", index=i) for i, e in enumerate(extracted)]
        table = self.submit(work.decisions_of, self.tree(sums, work.add_sums, "add-sums"), name="decisions")
        _distributed().wait([table])
        if table.status != "finished":
            table.result()  # raises what failed
        self.client.replicate([table])
        return table

    def write(self, extracted: list, table, staging: str) -> list:
        written = [self.submit(work.write_part, e, table, staging, name="write", index=i)
                   for i, e in enumerate(extracted)]
        bar = _Bar(self.progress, "write", len(written), self.papers)
        try:
            return self.results(written, lambda entry: bar.step(entry.papers))
        finally:
            bar.close()

    def facts(self, extracted: list) -> Iterator[PaperFacts]:
        """The extracted facts, partition by partition in input order, to this process."""
        for i, e in enumerate(extracted):
            info = self.submit(work.info, e, name="extract-info", index=i).result()
            if info.report is not None:
                self.reports.add(info.index, info.report)
            blob = self.submit(work.blob_of, e, name="blob", index=i).result()
            extracted[i] = None  # release it on the cluster
            if blob:
                import zlib

                for line in zlib.decompress(blob).decode("utf-8").split("\n"):
                    yield PaperFacts.from_json(line)


@contextmanager
def _errors(opts: DaskOptions):
    """Dask's failures as one-line ``ClusterError``s."""
    distributed = _distributed()
    try:
        yield
    except KGError:
        raise
    except distributed.KilledWorker as exc:
        raise ClusterError(f"a Dask worker died every time it ran one task ({_first_line(exc)}); "
                           "see the workers' logs") from None
    except (distributed.CancelledError, OSError, TimeoutError) as exc:
        raise ClusterError(f"lost the Dask cluster at {opts.address}: {_first_line(exc)}") from None


def collect_knowledge(inputs: Sequence[str | os.PathLike[str]], opts: DaskOptions, format: str | None = None,
                      strict: bool = False, warn: Callable[[str], None] | None = None,
                      stats: LoadStats | None = None, progress: bool = False,
                      say: Say | None = None) -> "tuple[work.Knowledge, int]":
    """The corpus knowledge of the inputs, computed on the cluster; and the papers read."""
    with connect(opts, say) as client, _errors(opts):
        run = Run(client, opts, format, strict, warn, stats, progress)
        knowledge = run.knowledge(run.partitions(inputs))
        return knowledge, run.papers or 0


def extract_to_dir(inputs: Sequence[str | os.PathLike[str]], out: str, opts: DaskOptions,
                   format: str | None = None, strict: bool = False, warn: Callable[[str], None] | None = None,
                   stats: LoadStats | None = None, knowledge: Mapping[str, str] | None = None,
                   progress: bool = False, say: Say | None = None, rules_only: bool = False) -> int:
    """Extract and resolve on the cluster; the workers write ``out/part-NNNNN.jsonl.gz`` and this
    process the manifest. Returns the papers written."""
    from kg.cluster.parts import FactsDir

    if str(out) == "-" or str(out).endswith((".jsonl", ".json", ".gz")):
        raise ClusterError(f"{out}: with --dask, -o names a directory (the facts are written there in parts)")
    with connect(opts, say) as client, _errors(opts), FactsDir(str(out)) as target:
        run = Run(client, opts, format, strict, warn, stats, progress)
        parts = run.partitions(inputs)
        given = knowledge is not None
        known = run.given_knowledge(knowledge) if knowledge is not None else run.knowledge(parts)
        extracted = run.extract(parts, known, report=given, rules_only=rules_only)
        table = run.decisions(extracted)
        entries = run.write(extracted, table, target.staging)
        s = run.stats
        target.commit(entries, inputs=[os.fspath(i) for i in inputs], records=s.records, skipped=s.skipped,
                      warnings=s.warnings, knowledge_names=len(known.names), knowledge_sha256=known.sha256,
                      partition_size=opts.partition_size)
        return sum(e.papers for e in entries)


def extract_stream(inputs: Sequence[str | os.PathLike[str]], opts: DaskOptions, format: str | None = None,
                   strict: bool = False, warn: Callable[[str], None] | None = None,
                   stats: LoadStats | None = None, knowledge: Mapping[str, str] | None = None,
                   progress: bool = False, say: Say | None = None, rules_only: bool = False) -> Iterator[PaperFacts]:
    """Extract on the cluster and bring the facts (unresolved) here in input order, for a store."""
    with connect(opts, say) as client, _errors(opts):
        run = Run(client, opts, format, strict, warn, stats, progress)
        parts = run.partitions(inputs)
        given = knowledge is not None
        known = run.given_knowledge(knowledge) if knowledge is not None else run.knowledge(parts)
        # --strict: nothing reaches the store before every partition has been read
        yield from run.facts(run.extract(parts, known, report=given, wait=given and strict, rules_only=rules_only))
