"""Streaming: records come out long before a big input is read, and memory stays bounded.

Inputs are generated on the fly (never on disk): each test checks how many bytes had
been pulled when the first record came out, and the peak of Python allocations while
the whole input is read (the peak resident size of a child process reading 9x more
input must stay about the same).
"""

from __future__ import annotations

import io
import json
import os
import threading
import zlib
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator

import pytest

from kg.loaders import iter_records, read_stream

ABSTRACT = "We propose a method that improves pre-training of large models on many benchmarks. " * 8


class Generated(io.RawIOBase):
    """A read-only stream whose bytes come from a generator; counts what was pulled."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks = chunks
        self.pending = b""
        self.pulled = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while not self.pending:
            try:
                self.pending = next(self.chunks)
            except StopIteration:
                return 0
        n = min(len(b), len(self.pending))
        b[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        self.pulled += n
        return n


def json_array(n: int) -> Iterator[bytes]:
    yield b"[\n"
    for i in range(n):
        sep = b",\n" if i < n - 1 else b"\n"
        yield json.dumps({"title": f"Paper number {i}", "abstract": ABSTRACT, "year": 2020}, indent=1).encode() + sep
    yield b"]\n"


def s2_wrapper(n: int) -> Iterator[bytes]:
    yield b'{"total": %d, "offset": 0, "data": [' % n
    for i in range(n):
        sep = b"," if i < n - 1 else b""
        yield json.dumps({"paperId": f"{i:040x}", "title": f"Paper number {i}", "abstract": ABSTRACT}).encode() + sep
    yield b'], "next": 0}'


def json_lines(n: int) -> Iterator[bytes]:
    for i in range(n):
        yield json.dumps({"title": f"Paper number {i}", "abstract": ABSTRACT}).encode() + b"\n"


def atom(n: int) -> Iterator[bytes]:
    yield b'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
    for i in range(n):
        yield (
            f"<entry>\n<id>http://arxiv.org/abs/2101.{i:05d}v1</id>\n<published>2021-01-01T00:00:00Z</published>\n"
            f"<title>Paper number {i}</title>\n<summary>{ABSTRACT}</summary>\n"
            f"<author><name>A. Author</name></author>\n</entry>\n"
        ).encode()
    yield b"</feed>\n"


def oai(n: int) -> Iterator[bytes]:
    yield b'<?xml version="1.0"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>\n'
    for i in range(n):
        yield (
            f'<record><header><identifier>oai:arXiv.org:2101.{i:05d}</identifier></header><metadata>'
            f'<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>2101.{i:05d}</id><title>Paper number {i}</title>'
            f"<abstract>{ABSTRACT}</abstract></arXiv></metadata></record>\n"
        ).encode()
    yield b"</ListRecords></OAI-PMH>\n"


def bibtex(n: int) -> Iterator[bytes]:
    for i in range(n):
        yield f"@article{{k{i},\n  title = {{Paper number {i}}},\n  abstract = {{{ABSTRACT}}},\n  year = 2020\n}}\n\n".encode()


def csv_rows(n: int) -> Iterator[bytes]:
    yield b"title,abstract\n"
    for i in range(n):
        yield f'Paper number {i},"{ABSTRACT}"\n'.encode()


def hf_text(n: int) -> Iterator[bytes]:
    yield b"Get trending papers in your email inbox once a day!\nGet trending papers in your email inbox!\nSubscribe"
    for i in range(n):
        yield f"Paper number {i}\n{ABSTRACT}\n".encode()


def gzipped(chunks: Iterator[bytes]) -> Iterator[bytes]:
    c = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: a gzip stream
    for chunk in chunks:
        out = c.compress(chunk)
        if out:
            yield out
    yield c.flush()


CASES: dict[str, tuple[str, Callable[[int], Iterator[bytes]]]] = {
    "json-array": ("big.json", json_array),
    "s2-wrapper": ("big.json", s2_wrapper),
    "jsonl": ("big.jsonl", json_lines),
    "arxiv-atom": ("big.xml", atom),
    "arxiv-oai": ("big.xml", oai),
    "bibtex": ("big.bib", bibtex),
    "csv": ("big.csv", csv_rows),
    "hf-papers": ("big.txt", hf_text),
}
N = 40_000  # about 26-34 MB of input per case


@pytest.mark.parametrize("case", sorted(CASES))
def test_first_record_comes_before_the_input_is_read(case):
    name, make = CASES[case]
    stream = Generated(make(N))
    records = read_stream(io.BufferedReader(stream), name)
    first = next(records)
    assert first.title == "Paper number 0"
    assert stream.pulled < 4 << 20, f"{stream.pulled} bytes read before the first record"
    second = next(records)
    assert second.title == "Paper number 1"
    records.close()


_MEASURE = """
import io, resource, sys
sys.path.insert(0, sys.argv[1])
from test_loaders_streaming import CASES, Generated
from kg.loaders import read_stream
name, make = CASES[sys.argv[2]]
stream = Generated(make(int(sys.argv[3])))
count = sum(1 for _ in read_stream(io.BufferedReader(stream), name))
print(count, stream.pulled, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def _peak(case: str, n: int) -> tuple[int, int, int]:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(Path(__file__).parent), case, str(n)],
        capture_output=True, text=True, check=True,
    )
    count, pulled, rss = map(int, out.stdout.split())
    return count, pulled, rss


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_peak_memory_does_not_grow_with_the_input(case):
    small_n, big_n = 4_000, 36_000
    count, small_bytes, small_rss = _peak(case, small_n)
    assert count == small_n
    count, big_bytes, big_rss = _peak(case, big_n)
    assert count == big_n
    assert big_bytes - small_bytes > 18 << 20
    # 9x the input, and the peak resident size grows by a few MB at most
    assert big_rss - small_rss < 8 << 20, f"{small_rss >> 20} MB -> {big_rss >> 20} MB"


@pytest.mark.slow
def test_gzip_streams_too():
    stream = Generated(gzipped(json_lines(N)))
    records = read_stream(io.BufferedReader(stream), "big.jsonl.gz")
    assert next(records).title == "Paper number 0"
    assert stream.pulled < 1 << 20
    assert sum(1 for _ in records) == N - 1


def test_a_named_pipe_is_read_as_it_is_written(tmp_path):
    """iter_records on a path that cannot seek: the first paper comes before the writer is done.

    The first record is longer than the HEAD_SIZE bytes read for format detection, so the
    loader can give it while the writer waits (for the reader to have it) before writing more.
    If the loader read to the end first, the writer's wait would time out: the test fails.
    """
    from kg.loaders import HEAD_SIZE

    fifo = tmp_path / "papers.jsonl"
    os.mkfifo(fifo)
    got_first = threading.Event()
    waited: list[bool] = []

    def writer():
        with open(fifo, "wb") as fh:
            fh.write(json.dumps({"title": "First", "abstract": "x" * (HEAD_SIZE + 1000)}).encode() + b"\n")
            fh.flush()
            waited.append(got_first.wait(20))
            fh.write(b'{"title": "Second"}\n')

    t = threading.Thread(target=writer)
    t.start()
    try:
        records = iter_records([fifo])
        first = next(records)
        got_first.set()
        assert first.title == "First"
        assert [p.title for p in records] == ["Second"]
        t.join(30)
        assert waited == [True]  # the first paper came while the writer was still writing
    finally:
        got_first.set()
        t.join(10)
