"""What every format module shares: the per-file context, counts, and a UTF-8 line reader.

A format module gets a binary stream and a :class:`Source`, and yields records; it
reports a bad record with ``src.skip(line, reason)`` (warn and go on, or raise
``BadRecord`` in strict mode) and a whole-file problem by raising ``BadInput``.
"""

from __future__ import annotations

import codecs
import logging
import threading
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Iterator

from kg.errors import BadInput, BadRecord

#: a piece of a line handed to streaming parsers is at most this long
CHUNK = 1 << 20
#: longer reasons in warnings and errors are cut
MAX_REASON = 200
#: a single line (one JSON Lines record, one CSV row, ...) longer than this is a bad record
MAX_LINE = 64 << 20

_log = logging.getLogger("kg.loaders")


class RecordError(Exception):
    """Raised by a record mapper: this one record is unusable (the message says why)."""


@dataclass
class LoadStats:
    """Counts the CLI can print after a run; ``iter_records(..., stats=LoadStats())`` fills it."""

    files: int = 0
    records: int = 0
    skipped: int = 0
    warnings: int = 0
    #: ``null`` entries (a batch API's answer for an unknown id): no paper, not a bad record
    nulls: int = 0
    #: notes: something read in an unexpected way or left out on purpose (not a problem)
    notes: int = 0
    by_format: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        files = "file" if self.files == 1 else "files"
        nulls = f", {self.nulls} null entries" if self.nulls else ""
        return (
            f"read {self.records} records from {self.files} {files}"
            f" ({self.skipped} skipped, {self.warnings} warnings{nulls})"
        )


class Source:
    """One input file being read: its name as given, its format, and where problems go."""

    def __init__(
        self,
        name: str,
        format: str,
        warn: Callable[[str], None] | None = None,
        strict: bool = False,
        stats: LoadStats | None = None,
        first_line: int = 1,
    ):
        self.name = name
        self.format = format
        self._warn = warn or _log.warning
        self.strict = strict
        self.stats = stats if stats is not None else LoadStats()
        #: the file line the stream starts on (a range of a file read on its own starts past 1)
        self.first_line = first_line

    def origin(self, line: int) -> str:
        """``FORMAT:FILE:LINE``: the ``Paper.source`` of a record starting on ``line``."""
        return f"{self.format}:{self.name}:{line}"

    def location(self, line: int | None) -> str:
        return f"{self.name}:{line}" if line else self.name

    @staticmethod
    def _say(reason: str) -> str:
        reason = " ".join(reason.split())
        if len(reason) > MAX_REASON:
            reason = reason[: MAX_REASON - 3] + "..."
        return reason

    def warn(self, line: int | None, reason: str) -> None:
        """A problem that loses nothing (e.g. replaced bytes); strict mode raises."""
        reason = self._say(reason)
        if self.strict:
            raise BadRecord(self.location(line), reason)
        self.stats.warnings += 1
        self._warn(f"{self.location(line)}: {reason}")

    def note(self, line: int | None, message: str) -> None:
        """Something worth telling that is no problem (an unknown column read as an id, nested
        papers left out): ``FILE[:LINE]: note: message``, never counted as a warning, never
        raised in strict mode."""
        self.stats.notes += 1
        self._warn(f"{self.location(line)}: note: {self._say(message)}")

    def skip(self, line: int | None, reason: str) -> None:
        """A bad record: warn and skip it, or raise ``BadRecord`` in strict mode."""
        reason = self._say(reason)
        if self.strict:
            raise BadRecord(self.location(line), reason)
        self.stats.skipped += 1
        self.stats.warnings += 1
        self._warn(f"{self.location(line)}: {reason}")

    def bad_input(self, line: int | None, reason: str) -> BadInput:
        return BadInput(f"{self.location(line)}: {self._say(reason)}")


# -- UTF-8 decoding that replaces invalid bytes and says so ---------------------------

_replaced = threading.local()


def _count_replace(err: UnicodeError):
    _replaced.n = getattr(_replaced, "n", 0) + 1
    return ("\ufffd", err.end)  # type: ignore[attr-defined]


#: the error handler's name is this module's own: the registry is the process's, and a second
#: copy of this module (imported under another name) must not take over this one's handler
_REPLACE = f"{__name__}.replace"
codecs.register_error(_REPLACE, _count_replace)

#: what reading a (possibly gzip-compressed) stream can raise on corrupt data
READ_ERRORS = (OSError, EOFError, zlib.error, ValueError)


class TextReader:
    """Decodes a binary stream as UTF-8 (a BOM is dropped) in bounded pieces.

    Invalid bytes become U+FFFD and ``src.warn(line, "invalid UTF-8 bytes replaced")``
    once per file, at the first line that has them (``invalid_lines`` counts them all).
    ``pieces()`` yields ``(line, text)`` with text never longer than
    :data:`CHUNK` characters-ish and never spanning two lines; ``lines()`` yields whole
    lines (with their newline).
    """

    def __init__(self, raw: BinaryIO, src: Source):
        self.raw = raw
        self.src = src
        self.line = src.first_line
        #: lines with invalid UTF-8 bytes
        self.invalid_lines = 0

    def pieces(self) -> Iterator[tuple[int, str]]:
        dec = codecs.getincrementaldecoder("utf-8")(_REPLACE)
        first = True
        warned_line = 0
        replaced = getattr(_replaced, "n", 0)
        while True:
            try:
                data = self.raw.readline(CHUNK)
            except READ_ERRORS as exc:
                raise self.src.bad_input(self.line, f"cannot read the file: {_describe(exc)}") from None
            final = not data
            text = dec.decode(data, final)
            if "\ufffd" in text and getattr(_replaced, "n", 0) != replaced:
                replaced = _replaced.n
                if warned_line != self.line:
                    warned_line = self.line
                    self.invalid_lines += 1
                    if self.invalid_lines == 1:
                        self.src.warn(self.line, "invalid UTF-8 bytes replaced (the first of the file's "
                                                 "lines with such bytes)")
            if first and text:
                first = False
                if text.startswith("\ufeff"):
                    text = text[1:]
            if text:
                yield self.line, text
            if final:
                return
            if data.endswith(b"\n"):
                self.line += 1

    def lines(self) -> Iterator[tuple[int, str]]:
        """Whole lines; a line longer than :data:`MAX_LINE` is skipped as a bad record."""
        parts: list[str] = []
        size = 0
        start = 1
        too_long = False
        for line, text in self.pieces():
            if not parts and not too_long:
                start = line
            if too_long:
                pass
            elif size + len(text) > MAX_LINE:
                too_long = True
                parts, size = [], 0
            else:
                parts.append(text)
                size += len(text)
            if text.endswith("\n"):
                if too_long:
                    self.src.skip(start, f"line longer than {MAX_LINE >> 20} MB")
                    too_long = False
                else:
                    yield start, "".join(parts)
                parts, size = [], 0
        if too_long:
            self.src.skip(start, f"line longer than {MAX_LINE >> 20} MB")
        elif parts:
            yield start, "".join(parts)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "compressed data is truncated"
    if isinstance(exc, zlib.error):
        return f"corrupt compressed data ({exc})"
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text
