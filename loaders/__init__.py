"""Loaders: paper files of many formats → :class:`kg.schema.Paper` records.

Public API::

    FORMATS                                  # the format names --format accepts
    detect_format(path, head) -> str         # from the name and the first bytes
    iter_records(inputs, format=None, strict=False, warn=None, stats=None)
        -> Iterator[Paper | PaperFacts]      # PaperFacts for the "facts" format
    read_stream(raw, name, format=None, ...) # the same for one open binary stream (plain or gzip)
    LoadStats                                # files / records / skipped / warnings counts

``inputs`` are files or directories (read recursively, in sorted order, hidden files
skipped; in a directory a file of unknown format is warned about and skipped). Any
file may be gzip-compressed (found by its magic bytes). ``format`` overrides
detection for every file. Memory stays bounded however large a file is.

``Paper.source`` is ``FORMAT:FILE:LINE`` with the line where the record starts.

Problems: a missing or unreadable path raises ``InputNotFound``; an undetectable
format ``UnknownFormat``; a whole file that is unusable (binary data, not gzip
despite ``.gz``, broken JSON structure) ``BadInput`` naming the file (and line).
A bad record among good ones is passed to ``warn("FILE:LINE: reason")`` and skipped,
or raises ``BadRecord`` at the first one when ``strict`` (``warn=None`` logs to the
``kg.loaders`` logger). Salvage, do not discard: an empty file is a warning; an XML file
broken part way (an interrupted harvest) keeps every record before the break, with a
warning naming FILE:LINE. Text in UTF-16/32 with a byte order mark is decoded; text that
is not UTF-8 is read in the encoding charset-normalizer detects, with one warning per file;
stray invalid UTF-8 bytes become U+FFFD with one warning per file (strict: ``BadRecord``).
Notes (``FILE: note: ...``) tell what was read unusually or left out on purpose; they are
not warnings.

Pass ``stats=LoadStats()`` to get counts for a summary line (``stats.summary()``):
``files`` read, ``records`` yielded, ``skipped`` bad records, ``warnings`` issued,
``by_format`` records per format.
"""

from __future__ import annotations

import errno
import gzip
import io
import os
import re
import zlib
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Sequence

from kg.errors import BadInput, InputNotFound, UnknownFormat
from kg.schema import Paper, PaperFacts

from . import manifest
from ._base import READ_ERRORS, LoadStats, Source, _describe
from .encoding import Transcoded, bom_encoding, detect, legacy

__all__ = ["FORMATS", "LoadStats", "detect_format", "iter_records", "read_stream"]

FORMATS: tuple[str, ...] = (
    "hf-papers",
    "jsonl",
    "json",
    "csv",
    "tsv",
    "arxiv-atom",
    "arxiv-oai",
    "bibtex",
    "s2",
    "openalex",
    "pwc",
    "facts",
)

#: how many (decompressed) bytes detection looks at
HEAD_SIZE = 64 << 10
_GZIP_MAGIC = b"\x1f\x8b"
_JSON_LINE_EXTS = (".jsonl", ".ndjson", ".jsonlines")
_BIB_ENTRY = re.compile(r"(?m)^\s*@\s*[A-Za-z]+\s*[{(]")
_KEY = r'(?<!\\)"{}"\s*:'


def _has_key(text: str, *keys: str) -> bool:
    return any(re.search(_KEY.format(re.escape(k)), text) for k in keys)


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".gzip"):
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _looks_binary(head: bytes) -> bool:
    sample = head[:8192]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > len(sample) // 10


def detect_format(path: Path, head: bytes) -> str:
    """The format of a file from its name and its first (decompressed) bytes."""
    from . import hf_papers

    name = str(path)
    if head[:2] == _GZIP_MAGIC:  # a caller passed the compressed bytes: look inside
        try:
            head = zlib.decompressobj(31).decompress(head, HEAD_SIZE)
        except zlib.error:
            raise UnknownFormat(f"{name}: cannot tell the format (corrupt gzip data); use --format") from None
    if _looks_binary(head):
        raise UnknownFormat(f"{name}: cannot tell the format (binary data); use --format")
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    ext = _suffix(Path(path))
    if hf_papers.looks_like(text):
        return "hf-papers"
    if text.startswith("<"):
        if "http://www.w3.org/2005/Atom" in text and re.search(r"<(\w+:)?feed\b", text):
            return "arxiv-atom"
        if "openarchives.org/OAI/2.0" in text or "<OAI-PMH" in text:
            return "arxiv-oai"
        raise UnknownFormat(
            f"{name}: cannot tell the format (XML, but neither an arXiv Atom feed nor OAI-PMH); use --format"
        )
    if text.startswith(("{", "[")):
        if _has_key(text, "relations") and _has_key(text, "paper"):
            return "facts"
        if _has_key(text, "paperId", "externalIds", "corpusid"):
            return "s2"
        if _has_key(text, "abstract_inverted_index", "authorships") or re.search(r'"https://openalex\.org/W\d', text):
            return "openalex"
        if _has_key(text, "paper_url", "url_abs"):
            return "pwc"
        if ext in _JSON_LINE_EXTS:
            return "jsonl"
        if text.startswith("["):
            return "json"
        first = text.split("\n", 1)[0].strip()
        try:
            import json

            json.loads(first)
            return "jsonl"
        except ValueError:
            return "json"
    if ext in (".bib", ".bibtex") or _BIB_ENTRY.search(text):
        return "bibtex"
    first_line = text.split("\n", 1)[0].lower()
    if ext in (".tsv", ".tab") or (ext != ".csv" and "\t" in first_line and "title" in first_line.split("\t")):
        return "tsv"
    if ext == ".csv" or ("title" in [c.strip().strip('"') for c in first_line.split(",")]):
        return "csv"
    if ext == ".txt":
        raise UnknownFormat(
            f"{name}: cannot tell the format (text without the Hugging Face Papers header); "
            "use --format hf-papers if it is such page text"
        )
    raise UnknownFormat(f"{name}: cannot tell the format; use --format (one of {', '.join(FORMATS)})")


# -- reading files ------------------------------------------------------------------


class _Prefixed(io.RawIOBase):
    """A raw stream that replays ``head`` and then continues with ``rest``."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        # read1: what one read of the source gives (a pipe's writer may not be done), where
        # read(n) would wait for all n bytes
        read1 = getattr(self._rest, "read1", None)
        data = read1(len(b)) if read1 is not None else self._rest.read(len(b))
        b[: len(data)] = data
        return len(data)


def _files(inputs: Sequence[str | Path]) -> Iterator[tuple[str, bool]]:
    """``(path as given, found in a directory)`` for every input file."""
    for given in inputs:
        name = os.fspath(given)
        p = Path(name)
        if not p.exists():
            if os.path.islink(name):  # the link is there, what it points to is not (or loops)
                try:
                    os.stat(name)
                    what = "cannot be read"
                except OSError as exc:
                    what = "a symbolic link loop" if exc.errno == errno.ELOOP else "a broken symbolic link"
                raise InputNotFound(f"{name}: {what}")
            raise InputNotFound(f"{name}: no such file or directory")
        if p.is_dir():
            found = []
            for dirpath, dirnames, filenames in os.walk(name):
                parts = _facts_parts(dirpath, filenames)
                if parts is not None:  # a facts directory in parts: exactly what its manifest lists
                    dirnames[:] = []
                    found += parts
                    continue
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                for f in filenames:
                    if not f.startswith("."):
                        found.append(os.path.join(dirpath, f))
            for f in sorted(found):
                if os.path.isfile(f):
                    yield f, True
        else:
            parts = _facts_parts(os.path.dirname(name) or ".", [manifest.MANIFEST]) \
                if manifest.is_manifest(name) else None
            if parts is None:
                yield name, False
            for f in parts or ():
                yield f, True


def _size(path: str) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def _facts_parts(directory: str, names: list[str]) -> list[str] | None:
    """The parts a ``kg extract --dask`` manifest in ``directory`` lists (see ``kg.loaders.manifest``)."""
    if manifest.MANIFEST not in names:
        manifest.unfinished(directory, names)
        return None
    try:
        with open(os.path.join(directory, manifest.MANIFEST), "rb") as f:
            text = f.read(64 << 20)
    except OSError:
        return None
    return manifest.listed_parts(directory, text, _size, os.path.join)


def _open(name: str) -> BinaryIO:
    try:
        return open(name, "rb")
    except OSError as exc:
        raise InputNotFound(f"{name}: cannot read ({exc.strerror or exc})") from None


def _decompressed(raw: BinaryIO, name: str) -> tuple[BinaryIO, bytes]:
    """The stream, gunzipped when it starts with the gzip magic, and its first bytes."""
    try:
        magic = raw.read(2)
        stream: BinaryIO = io.BufferedReader(_Prefixed(magic, raw))  # type: ignore[arg-type]
        if magic == _GZIP_MAGIC:
            stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
        elif name.lower().endswith((".gz", ".gzip")):
            raise BadInput(f"{name}: not gzip-compressed despite its name")
        head = stream.read(HEAD_SIZE)
    except READ_ERRORS as exc:
        raise BadInput(f"{name}: cannot read ({_describe(exc)})") from None
    return io.BufferedReader(_Prefixed(head, stream), buffer_size=1 << 16), head  # type: ignore[return-value]


def _transcoded(stream: BinaryIO, head: bytes, name: str) -> tuple[BinaryIO, bytes, str | None]:
    """The stream as UTF-8 (a UTF-16/32 BOM honoured, another encoding detected), its first
    bytes, and the detected encoding when the file is not Unicode (for one warning)."""
    bom = bom_encoding(head)
    detected = None
    if bom is not None:
        encoding, skip = bom
    elif not head or _looks_binary(head) or not legacy(head, complete=len(head) < HEAD_SIZE):
        return stream, head, None
    else:
        encoding, skip = detect(head), 0
        detected = encoding
    raw = Transcoded(stream, encoding, skip)  # the stream replays its head: the BOM is skipped
    try:
        new_head = b""
        while len(new_head) < HEAD_SIZE:
            chunk = raw.read(HEAD_SIZE - len(new_head))
            if not chunk:
                break
            new_head += chunk
    except READ_ERRORS as exc:
        raise BadInput(f"{name}: cannot read ({_describe(exc)})") from None
    out = io.BufferedReader(_Prefixed(new_head, raw), buffer_size=1 << 16)  # type: ignore[arg-type]
    return out, new_head, detected  # type: ignore[return-value]


def _is_empty(head: bytes) -> bool:
    return not head.lstrip(b"\xef\xbb\xbf").strip()


def _parser(fmt: str) -> Callable:
    from importlib import import_module

    module, attr = {
        "hf-papers": ("hf_papers", "parse"),
        "jsonl": ("generic", "parse"),
        "json": ("generic", "parse"),
        "csv": ("tabular", "parse_csv"),
        "tsv": ("tabular", "parse_tsv"),
        "arxiv-atom": ("arxiv_atom", "parse"),
        "arxiv-oai": ("arxiv_oai", "parse"),
        "bibtex": ("bibtex", "parse"),
        "s2": ("s2", "parse"),
        "openalex": ("openalex", "parse"),
        "pwc": ("pwc", "parse"),
        "facts": ("facts", "parse"),
    }[fmt]
    return getattr(import_module(f"{__name__}.{module}"), attr)


def read_file(
    name: str,
    format: str | None = None,
    strict: bool = False,
    warn: Callable[[str], None] | None = None,
    stats: LoadStats | None = None,
) -> Iterator[Paper | PaperFacts]:
    """The records of one file (see :func:`iter_records`)."""
    raw = _open(name)
    with raw:
        yield from read_stream(raw, name, format, strict, warn, stats)


def read_stream(
    raw: BinaryIO,
    name: str,
    format: str | None = None,
    strict: bool = False,
    warn: Callable[[str], None] | None = None,
    stats: LoadStats | None = None,
) -> Iterator[Paper | PaperFacts]:
    """The records of an open binary stream (plain or gzip) called ``name`` in messages."""
    stats = stats if stats is not None else LoadStats()
    stream, head = _decompressed(raw, name)
    stream, head, detected = _transcoded(stream, head, name)
    if _is_empty(head):
        stats.files += 1
        Source(name, format or "?", warn, strict, stats).warn(None, "empty file; nothing to read")
        return
    if _looks_binary(head) and format is None:
        raise BadInput(f"{name}: binary data, not a paper file")
    fmt = format or detect_format(Path(name), head)
    src = Source(name, fmt, warn, strict, stats)
    if detected is not None:
        src.warn(None, f"not UTF-8 text: read as {detected} (detected)")
    parse = _parser(fmt)
    if fmt in ("jsonl", "json", "s2", "openalex", "pwc"):
        line_mode = fmt == "jsonl" or _suffix(Path(name)) in _JSON_LINE_EXTS
        records = parse(stream, src, line_mode=line_mode)
    else:
        records = parse(stream, src)
    stats.files += 1
    try:
        for record in records:
            stats.records += 1
            stats.by_format[fmt] = stats.by_format.get(fmt, 0) + 1
            yield record
    except RecursionError:
        raise BadInput(f"{name}: nested too deeply") from None
    except MemoryError:
        raise BadInput(f"{name}: a record is too large to read") from None


def iter_records(
    inputs: Sequence[str | Path],
    format: str | None = None,
    strict: bool = False,
    warn: Callable[[str], None] | None = None,
    stats: LoadStats | None = None,
) -> Iterator[Paper | PaperFacts]:
    """Every record of every input file, in input order (directories: sorted)."""
    if format is not None and format not in FORMATS:
        raise UnknownFormat(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    stats = stats if stats is not None else LoadStats()
    for name, in_dir in _files(inputs):
        try:
            yield from read_file(name, format, strict, warn, stats)
        except UnknownFormat as exc:
            if not in_dir or strict:
                raise
            src = Source(name, "?", warn, strict, stats)
            src.warn(None, f"skipped: {str(exc).split(': ', 1)[-1]}")
