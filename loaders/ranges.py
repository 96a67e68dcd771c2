"""Input files as pieces that separate processes read on their own (``kg … --dask``).

* ``list_inputs(inputs)``: every input file, in the order ``iter_records`` reads them, with
  the name messages use (as given) and a location any machine of a cluster can open: an
  absolute path (on a shared file system) or an fsspec URL (``s3://``, ``gs://``,
  ``file://`` …; fsspec comes with the ``dask`` extra).
* ``scan(file, every)``: a big JSON Lines file's line count and where every ``every``-th line
  starts in its (decompressed) bytes, so it can be read as ranges of lines.
* ``read_piece(piece, …)``: the records of a whole file or of a range of its lines, with the
  same ``Paper.source`` and the same ``FILE:LINE`` warnings as reading the whole file.

A range of a plain file starts with a seek; a range of a gzip file decompresses (and drops)
what lies before it, as gzip cannot be entered in the middle.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, NamedTuple, Sequence

from kg.errors import BadInput, InputNotFound, UnknownFormat
from kg.schema import Paper, PaperFacts

from . import manifest
from ._base import READ_ERRORS, LoadStats, Source, _describe

#: formats whose records may be read by line ranges (when the file is one JSON value a line)
LINE_FORMATS = ("jsonl", "facts", "json", "s2", "openalex", "pwc")
_BLOCK = 1 << 20


class InputFile(NamedTuple):
    """One input file."""

    #: as the user named it: in messages and in ``Paper.source``
    name: str
    #: what a worker opens: an absolute path, or a URL
    path: str
    #: found in a directory (an unknown format is then a warning, not an error)
    in_dir: bool
    #: bytes on disk (compressed), for sizing the work
    size: int


class FileScan(NamedTuple):
    """What ``scan`` found about a file."""

    format: str
    #: the file is one JSON value a line, so ranges of lines can be read apart
    splittable: bool
    #: its lines (the last one may lack a newline)
    lines: int
    #: ``(line, byte offset of its start in the decompressed stream)`` for lines 1, 1 + every, …
    marks: tuple[tuple[int, int], ...]


class Piece(NamedTuple):
    """A whole file, or ``lines`` lines of it from ``first_line`` (at byte ``offset`` of its
    decompressed stream; ``lines=None``: to the end)."""

    file: InputFile
    format: str | None = None
    first_line: int = 1
    offset: int = 0
    lines: int | None = None

    @property
    def whole(self) -> bool:
        return self.first_line == 1 and self.lines is None


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def is_url(name: str) -> bool:
    """``s3://…``, ``gs://…``, ``file://…`` (not a local path that happens to contain ``://``)."""
    return bool(_URL.match(name)) and not os.path.exists(name)


def _fs(url: str):
    try:
        from fsspec.core import url_to_fs
    except ImportError:  # pragma: no cover - fsspec comes with dask
        raise InputNotFound(f"{url}: reading URLs needs fsspec (pip install 'kg-research[dask]')") from None
    try:
        return url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise InputNotFound(f"{url}: cannot read ({exc})") from None


def list_inputs(inputs: Sequence[str | os.PathLike[str]]) -> list[InputFile]:
    """Every input file (directories read recursively in sorted order, hidden files skipped,
    a facts directory in parts read as its manifest says), as ``iter_records`` reads them."""
    from . import _files

    out: list[InputFile] = []
    for given in inputs:
        name = os.fspath(given)
        if is_url(name):
            out += _list_url(name)
            continue
        for f, in_dir in _files([name]):
            out.append(InputFile(f, os.path.abspath(f), in_dir, os.path.getsize(f)))
    return out


def _list_url(url: str) -> list[InputFile]:
    fs, path = _fs(url)
    try:
        if not fs.exists(path):
            raise InputNotFound(f"{url}: no such file or directory")
        if not fs.isdir(path):
            return [InputFile(url, url, False, int(fs.size(path) or 0))]
        found = fs.find(path, detail=True)
    except OSError as exc:
        raise InputNotFound(f"{url}: cannot read ({exc})") from None
    base = path.rstrip("/")
    prefix = url.rstrip("/")
    by_dir: dict[str, list[str]] = {}
    for p in found:
        rel = p[len(base):].lstrip("/")
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        d, _, f = rel.rpartition("/")
        by_dir.setdefault(d, []).append(f)
    names: list[str] = []
    facts_dirs = []
    for d in sorted(by_dir):
        if any(d == fd or d.startswith(fd + "/") for fd in facts_dirs):
            continue
        full = f"{prefix}/{d}" if d else prefix
        parts = None
        if manifest.MANIFEST in by_dir[d]:
            sizes = {f"{full}/{f}": int(found[f"{base}/{d}/{f}" if d else f"{base}/{f}"].get("size") or 0)
                     for f in by_dir[d]}
            with fs.open(f"{base}/{d}/{manifest.MANIFEST}" if d else f"{base}/{manifest.MANIFEST}", "rb") as fh:
                parts = manifest.listed_parts(full, fh.read(64 << 20), sizes.get, lambda a, b: f"{a}/{b}")
        else:
            manifest.unfinished(full, by_dir[d])
        if parts is not None:
            facts_dirs.append(d)
            names += parts
        else:
            names += [f"{full}/{f}" for f in by_dir[d]]
    out = []
    for n in sorted(names):
        rel = n[len(prefix):].lstrip("/")
        info = found.get(f"{base}/{rel}") or {}
        if info.get("type", "file") == "file":
            out.append(InputFile(n, n, True, int(info.get("size") or 0)))
    return out


def open_input(file: InputFile) -> BinaryIO:
    """The file's bytes (a local path or a URL)."""
    if not is_url(file.path):
        try:
            return open(file.path, "rb")
        except OSError as exc:
            raise InputNotFound(f"{file.name}: cannot read ({exc.strerror or exc})") from None
    fs, path = _fs(file.path)
    try:
        return fs.open(path, "rb")
    except FileNotFoundError:
        raise InputNotFound(f"{file.name}: no such file or directory") from None
    except OSError as exc:
        raise InputNotFound(f"{file.name}: cannot read ({exc})") from None


# -- scanning -----------------------------------------------------------------------


def _line_mode(fmt: str, name: str, head: bytes) -> bool:
    """Whether ``read_stream`` reads the file one JSON value a line (as ``iter_json`` decides)."""
    from . import _JSON_LINE_EXTS, _suffix
    from .jsonstream import _parses

    if fmt in ("jsonl", "facts") or _suffix(Path(name)) in _JSON_LINE_EXTS:
        return True
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    first, nl, _ = text.partition("\n")
    while nl and not first.strip() and text:
        text = text[len(first) + 1:]
        first, nl, _ = text.partition("\n")
    stripped = first.strip()
    return bool(nl) and stripped[:1] in ("{", "[") and _parses(stripped)


def scan(file: InputFile, format: str | None = None, every: int = 10_000) -> FileScan:
    """The file's format, and for a JSON Lines file its lines with a mark every ``every`` lines.

    Raises what reading the file would (``UnknownFormat``, ``BadInput``) for the same reasons.
    """
    from . import _decompressed, _looks_binary, detect_format

    with open_input(file) as raw:
        stream, head = _decompressed(raw, file.name)
        if _looks_binary(head) and format is None:
            raise BadInput(f"{file.name}: binary data, not a paper file")
        fmt = format or detect_format(Path(file.name), head)
        if fmt not in LINE_FORMATS or not _line_mode(fmt, file.name, head):
            return FileScan(fmt, False, 0, ((1, 0),))
        marks = [(1, 0)]
        line, offset, last = 1, 0, b""
        target = 1 + every
        try:
            while True:
                block = stream.read(_BLOCK)
                if not block:
                    break
                n = block.count(b"\n")
                if line + n < target:  # no mark in this block
                    line += n
                else:
                    pos = block.find(b"\n")
                    while pos >= 0:
                        line += 1
                        if line == target:
                            marks.append((line, offset + pos + 1))
                            target += every
                        pos = block.find(b"\n", pos + 1)
                offset += len(block)
                last = block[-1:]
        except READ_ERRORS as exc:
            raise BadInput(f"{file.name}: cannot read ({_describe(exc)})") from None
    lines = line - 1 + (1 if last and last != b"\n" else 0)
    if marks[-1][0] > lines:  # a mark at the very end (after the last newline)
        marks.pop()
    return FileScan(fmt, True, lines, tuple(marks))


# -- reading a piece ----------------------------------------------------------------


class _Lines(io.RawIOBase):
    """At most ``lines`` lines of ``inner`` (all of it when None)."""

    def __init__(self, inner: BinaryIO, lines: int | None):
        self._inner = inner
        self._left = lines

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        if self._left is not None and self._left <= 0:
            return 0
        data = self._inner.read(len(b))
        if not data:
            return 0
        if self._left is not None:
            n = data.count(b"\n")
            if n >= self._left:
                cut = -1
                for _ in range(self._left):
                    cut = data.index(b"\n", cut + 1)
                data = data[:cut + 1]
                n = self._left
            self._left -= n
        b[:len(data)] = data
        return len(data)


def _skip(stream: BinaryIO, n: int, name: str) -> None:
    while n > 0:
        got = stream.read(min(n, _BLOCK))
        if not got:
            raise BadInput(f"{name}: shorter than when it was scanned (changed while reading?)")
        n -= len(got)


def read_piece(piece: Piece, strict: bool = False, warn: Callable[[str], None] | None = None,
               stats: LoadStats | None = None) -> Iterator[Paper | PaperFacts]:
    """The records of a piece, as ``iter_records`` reads them from the whole file."""
    from . import _GZIP_MAGIC, _decompressed, _parser, read_stream

    stats = stats if stats is not None else LoadStats()
    file = piece.file
    if piece.whole:
        try:
            with open_input(file) as raw:
                yield from read_stream(raw, file.name, piece.format, strict, warn, stats)
        except UnknownFormat as exc:
            if not file.in_dir or strict:
                raise
            Source(file.name, "?", warn, strict, stats).warn(None, f"skipped: {str(exc).split(': ', 1)[-1]}")
        return
    fmt = piece.format
    assert fmt is not None, "a range of a file needs its format (from scan)"
    with open_input(file) as raw:
        try:
            magic = raw.read(2)
            if magic != _GZIP_MAGIC:  # plain bytes: straight to the range
                raw.seek(piece.offset)
                stream: BinaryIO = raw
            else:  # gzip: decompress what lies before the range, and drop it
                raw.seek(0)
                stream, _ = _decompressed(raw, file.name)
                _skip(stream, piece.offset, file.name)
        except READ_ERRORS as exc:
            raise BadInput(f"{file.name}: cannot read ({_describe(exc)})") from None
        src = Source(file.name, fmt, warn, strict, stats, first_line=piece.first_line)
        limited = io.BufferedReader(_Lines(stream, piece.lines), buffer_size=1 << 16)
        parse = _parser(fmt)
        records = parse(limited, src) if fmt == "facts" else parse(limited, src, line_mode=True)
        if piece.first_line == 1:
            stats.files += 1
        for record in records:
            stats.records += 1
            stats.by_format[fmt] = stats.by_format.get(fmt, 0) + 1
            yield record
