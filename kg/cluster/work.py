"""What the Dask workers run: plain functions of named records (no dask import here).

Each function takes a ``Partition`` (or the result of another function on the same
partition) and returns a named record. The big results (an ``Extracted`` partition's facts)
stay on the worker that made them; the small ones (name counts, claims, vote sums, part
entries) travel to the reducers and to the client.

Workers build their own spaCy pipeline from the broadcast corpus knowledge, once per
knowledge (``_pipeline``), and keep it for every later partition.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Iterator, Mapping, NamedTuple

from kg.cluster.plan import Partition
from kg.schema import Paper, PaperFacts
from kg.loaders import LoadStats
from kg.loaders.manifest import PartEntry, part_name

if TYPE_CHECKING:
    from kg.resolve.core import Decision

#: papers handed to ``extract_batch`` at a time (as ``extract_papers`` does)
BATCH = 256
#: a vote sum: (key, kind, value) -> [papers, weight]
Sums = dict[tuple[str, str, str], list[int]]


@dataclass
class LoadReport:
    """What reading a partition met: its warnings (``FILE:LINE: reason``, in order) and counts."""

    warnings: list[str] = field(default_factory=list)
    stats: LoadStats = field(default_factory=LoadStats)


def read(part: Partition, strict: bool = False, report: LoadReport | None = None) -> Iterator[Paper | PaperFacts]:
    """The records of a partition, in order; warnings go to ``report`` (or nowhere)."""
    from kg.loaders.ranges import read_piece

    warn = report.warnings.append if report is not None else _ignore
    stats = report.stats if report is not None else LoadStats()
    for piece in part.pieces:
        yield from read_piece(piece, strict=strict, warn=warn, stats=stats)


def _ignore(message: str) -> None:
    pass


# -- corpus knowledge: a map (names per partition) and an order-free reduce ----------------
class NameCounts(NamedTuple):
    """How many papers of a partition introduce each ``(name, type)`` (a paper counts once)."""

    index: int  # type: ignore[assignment]  # a field named like tuple.index (NamedTuple allows it)
    counts: Counter
    papers: int
    report: LoadReport


def name_counts(part: Partition, strict: bool = False) -> NameCounts:
    from kg.extract.knowledge import strong_names

    report = LoadReport()
    counts: Counter = Counter()
    papers = 0
    for rec in read(part, strict, report):
        if isinstance(rec, Paper):
            papers += 1
            counts.update(set(strong_names(rec)))
    return NameCounts(part.index, counts, papers, report)


def add_counts(*parts: NameCounts | Counter) -> Counter:
    """The sum of name counts (order free)."""
    total: Counter = Counter()
    for p in parts:
        total.update(p.counts if isinstance(p, NameCounts) else p)
    return total


class Knowledge(NamedTuple):
    """The corpus knowledge, the text of its file (``write_knowledge``) and that text's sha256."""

    names: dict[str, str]
    text: str
    sha256: str


def knowledge_of(counts: Counter) -> Knowledge:
    """The corpus knowledge from the summed counts: ``reduce_names`` over the same votes."""
    from kg.extract.knowledge import reduce_names

    return knowledge_file(reduce_names([pair] for pair, n in sorted(counts.items()) for _ in range(n)))


def knowledge_file(names: Mapping[str, str]) -> Knowledge:
    from kg.extract.knowledge import write_knowledge

    buf = io.StringIO()
    write_knowledge(names, buf)
    text = buf.getvalue()
    return Knowledge(dict(names), text, hashlib.sha256(text.encode("utf-8")).hexdigest())


# -- extraction ------------------------------------------------------------------------------
_PIPELINES: dict[str, object] = {}


def _pipeline(khash: str, knowledge: Mapping[str, str], rules_only: bool = False):
    """This worker's spaCy pipeline for the knowledge (built once, kept for later partitions)."""
    key = f"{khash}:{int(rules_only)}"
    nlp = _PIPELINES.get(key)
    if nlp is None:
        from kg.extract.nlp import build_nlp

        _PIPELINES.clear()  # one knowledge per run: do not keep an old run's pipeline
        nlp = _PIPELINES[key] = build_nlp(knowledge, rules_only=rules_only)
    return nlp


class Record(NamedTuple):
    """Who a record in a partition is, for deciding whose votes count (``kg.cluster.votes``)."""

    paper_id: str
    title_id: str


@dataclass
class Extracted:
    """A partition's facts as extraction gave them (before resolution), kept on its worker."""

    index: int
    #: the facts JSON lines, zlib-compressed
    blob: bytes
    records: list[Record]
    #: the votes of the partition's counted papers (the last record of each paper id)
    sums: Sums
    papers: int
    report: LoadReport | None


def extract(part: Partition, knowledge: Mapping[str, str], khash: str, strict: bool = False,
            with_report: bool = False, rules_only: bool = False) -> Extracted:
    """Read a partition and extract its papers; facts records pass through. ``with_report``:
    keep the warnings (when no knowledge pass read the partition before)."""
    from kg.cluster.votes import partition_sums
    from kg.extract.nlp import extract_batch

    nlp = _pipeline(khash, knowledge, rules_only)
    report = LoadReport() if with_report else None
    out: list[PaperFacts] = []
    batch: list[Paper] = []
    slots: list[int] = []  # where each paper of the batch goes in ``out``

    def flush() -> None:
        for i, facts in zip(slots, extract_batch(nlp, batch)):
            out[i] = facts
        batch.clear()
        slots.clear()

    papers = 0
    for rec in read(part, strict, report):
        if isinstance(rec, PaperFacts):
            out.append(rec)
            continue
        papers += 1
        slots.append(len(out))
        out.append(rec)  # type: ignore[arg-type]  # replaced by its facts in flush()
        batch.append(rec)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    records, sums = partition_sums(out)
    blob = zlib.compress("\n".join(f.to_json() for f in out).encode("utf-8"), 1)
    return Extracted(part.index, blob, records, sums, papers, report)


def facts_of(ex: Extracted) -> list[PaperFacts]:
    if not ex.records:
        return []
    return [PaperFacts.from_json(line) for line in zlib.decompress(ex.blob).decode("utf-8").split("\n")]


class ExtractInfo(NamedTuple):
    """The small part of an ``Extracted`` the client needs."""

    index: int  # type: ignore[assignment]  # a field named like tuple.index (NamedTuple allows it)
    records: int
    papers: int
    report: LoadReport | None


def info(ex: Extracted) -> ExtractInfo:
    return ExtractInfo(ex.index, len(ex.records), ex.papers, ex.report)


# -- resolution: whose votes count, the sums, the decisions ------------------------------------
def claims(ex: Extracted):
    from kg.cluster.votes import claims_of

    return claims_of(ex.index, ex.records)


def sums(ex: Extracted, exclusions: Mapping[int, frozenset[str]]) -> Sums:
    """The partition's vote sums without the papers another partition supersedes."""
    from kg.cluster.votes import subtract_votes

    gone = exclusions.get(ex.index)
    if not gone:
        return ex.sums
    return subtract_votes(ex.sums, ex.records, facts_of(ex), gone)


def add_sums(*parts: Sums) -> Sums:
    from kg.cluster.votes import add_sums as add

    return add(parts)


def decisions_of(total: Sums) -> "dict[str, Decision]":
    from kg.resolve.core import VoteSum, decisions

    return decisions(VoteSum(k, kind, value, n, w) for (k, kind, value), (n, w) in sorted(total.items()) if n > 0)


def resolved_lines(ex: Extracted, table: "Mapping[str, Decision]") -> Iterable[str]:
    """The partition's facts resolved with the decisions of the whole input, as JSON lines."""
    from kg.resolve.core import NO_DECISION, resolve_paper

    def lookup(key: str):
        return table.get(key, NO_DECISION)

    for facts in facts_of(ex):
        yield resolve_paper(facts, lookup)[0].to_json()


# -- writing a facts part ------------------------------------------------------------------------
def write_part(ex: Extracted, table: "Mapping[str, Decision]", staging: str) -> PartEntry:
    """Write the partition's resolved facts to ``staging/part-NNNNN.jsonl.gz`` (a temporary name
    first, renamed when complete: a task run twice writes the same bytes, never a mix)."""
    from fsspec.core import url_to_fs

    fs, base = url_to_fs(staging)
    name = part_name(ex.index)
    final = f"{base.rstrip('/')}/{name}"
    tmp = f"{final}.{uuid.uuid4().hex}.tmp"
    digest = hashlib.sha256()
    size = 0
    count = 0
    try:
        with fs.open(tmp, "wb") as raw:
            out = _Hashing(raw, digest)
            with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=6) as gz:
                for line in resolved_lines(ex, table):
                    gz.write(line.encode("utf-8") + b"\n")
                    count += 1
            size = out.size
        fs.mv(tmp, final)
    except BaseException:
        try:
            fs.rm(tmp)
        except OSError:
            pass
        raise
    return PartEntry(name, count, size, digest.hexdigest())


class _Hashing(io.RawIOBase):
    def __init__(self, raw, digest):
        self.raw = raw
        self.digest = digest
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        data = bytes(b)
        self.digest.update(data)
        self.size += len(data)
        self.raw.write(data)
        return len(data)



# -- small accessors: what the client and the reducers need of a big result ------------------------
def scan_file(file, format: str | None, every: int):
    """``kg.loaders.ranges.scan``, or None when reading the file will report the problem itself."""
    from kg.errors import KGError
    from kg.loaders.ranges import scan

    try:
        return scan(file, format, every)
    except KGError:
        return None


class ReadInfo(NamedTuple):
    index: int  # type: ignore[assignment]  # a field named like tuple.index (NamedTuple allows it)
    papers: int
    report: LoadReport


def read_info(nc: NameCounts) -> ReadInfo:
    return ReadInfo(nc.index, nc.papers, nc.report)


def blob_of(ex: Extracted) -> bytes:
    return ex.blob if ex.records else b""
