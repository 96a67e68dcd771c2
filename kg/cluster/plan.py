"""Partitions: the input files cut into units of work a worker reads on its own (pure).

Small files are grouped, in input order, into partitions of about ``partition_size`` papers
(guessed from their bytes); a JSON Lines file with more lines than ``partition_size`` is cut
into ranges of ``partition_size`` lines (``kg.loaders.ranges.scan`` finds where they start).
Reading the partitions in index order reads every record in the order one local run does.
"""

from __future__ import annotations

from typing import Mapping, NamedTuple, Sequence

from kg.loaders.ranges import FileScan, InputFile, Piece

#: at most this many papers per partition (a range of a big JSON Lines file has at most this many lines)
PARTITION_SIZE = 10_000
#: ranges of a big file are a multiple of this many lines (``scan`` marks every this many lines)
STEP = 100
#: cut a big file into at least this many ranges per worker thread (so that no worker idles at the end)
TASKS_PER_THREAD = 2
#: files bigger than this (or than ``partition_size`` times ``SCAN_BYTES_PER_PAPER``) are
#: scanned for cutting into ranges
SCAN_BYTES = 1 << 20
SCAN_BYTES_PER_PAPER = 200
#: small files are grouped into one partition up to ``partition_size`` times this many bytes
GROUP_BYTES_PER_PAPER = 1_000


class Partition(NamedTuple):
    """One unit of work: pieces of input files, read one after the other."""

    index: int  # type: ignore[assignment]  # a field named like tuple.index (NamedTuple allows it)
    pieces: tuple[Piece, ...]

    @property
    def names(self) -> list[str]:
        return [p.file.name for p in self.pieces]


def needs_scan(file: InputFile, partition_size: int = PARTITION_SIZE) -> bool:
    """Whether a file may be worth cutting into ranges (then it is scanned)."""
    return file.size > min(SCAN_BYTES, partition_size * SCAN_BYTES_PER_PAPER)


def step(partition_size: int = PARTITION_SIZE) -> int:
    """Lines between ``scan``'s marks."""
    return max(1, min(STEP, partition_size))


def range_lines(lines: int, partition_size: int = PARTITION_SIZE, threads: int = 1) -> int:
    """Lines per range of a file of ``lines`` lines: at most ``partition_size``, and small enough
    for ``TASKS_PER_THREAD`` ranges per worker thread; a multiple of ``step``."""
    unit = step(partition_size)
    ranges = max(TASKS_PER_THREAD * max(1, threads), -(-lines // partition_size))
    want = -(-lines // ranges)
    return max(unit, -(-want // unit) * unit)


def plan(files: Sequence[InputFile], scans: Mapping[int, FileScan | None], format: str | None = None,
         partition_size: int = PARTITION_SIZE, threads: int = 1) -> list[Partition]:
    """The partitions of ``files`` (``scans[i]``: what ``scan`` found about ``files[i]``, with marks
    every ``step(partition_size)`` lines, when it was scanned) for a cluster of ``threads``."""
    groups: list[tuple[Piece, ...]] = []
    group: list[Piece] = []
    size = 0
    limit = partition_size * GROUP_BYTES_PER_PAPER

    def close() -> None:
        nonlocal group, size
        if group:
            groups.append(tuple(group))
        group, size = [], 0

    for i, f in enumerate(files):
        sc = scans.get(i)
        if sc is not None and sc.splittable and sc.lines > step(partition_size):
            close()
            every = range_lines(sc.lines, partition_size, threads) // step(partition_size)
            marks = list(sc.marks)[::every]
            for j, (line, offset) in enumerate(marks):
                count = marks[j + 1][0] - line if j + 1 < len(marks) else None
                groups.append((Piece(f, sc.format, line, offset, count),))
            continue
        if group and size + f.size > limit:
            close()
        group.append(Piece(f, format))
        size += f.size
    close()
    return [Partition(i, g) for i, g in enumerate(groups)]
