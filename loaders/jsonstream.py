"""JSON records in bounded memory, each with the line it starts on.

Accepts JSON Lines, a JSON array of records, one record object, a wrapper object
whose ``data`` / ``results`` (...) key holds the list of records, and concatenations
of these. A file whose first line is a complete JSON value is read line by line
(a bad line is a bad record, the rest is kept); anything else is read as a stream
with ``json.JSONDecoder.raw_decode`` over a sliding buffer (broken JSON there is
``BadInput`` with the line).
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from ._base import CHUNK, MAX_LINE, TextReader

#: keys of a wrapper object that hold the records (S2: data, OpenAlex: results)
WRAPPER_KEYS = ("data", "results", "papers", "records", "works", "items")
#: one JSON value (a record), or one JSON Lines line, larger than this (in characters) is refused
#: while it is read: memory stays bounded whatever the input
MAX_VALUE = MAX_LINE
_WS = " \t\r\n"
#: read at least this much text at a time (copying the buffer stays amortised)
FILL = 64 << 10
_decoder = json.JSONDecoder()
#: a JSON escape of a UTF-16 surrogate: the only way a lone surrogate gets into decoded text
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_WARNING = "lone UTF-16 surrogate escape(s) (e.g. \\ud800) replaced with U+FFFD"


def scrub(value: Any) -> tuple[Any, bool]:
    """``value`` with every lone surrogate (legal in JSON escapes, not encodable in UTF-8)
    replaced with U+FFFD in its strings and keys; and whether there was any."""
    if isinstance(value, str):
        if value.isascii() or not _SURROGATE.search(value):
            return value, False
        return _SURROGATE.sub("\ufffd", value), True
    if isinstance(value, list):
        changed = False
        out = []
        for v in value:
            v, c = scrub(v)
            changed |= c
            out.append(v)
        return (out, True) if changed else (value, False)
    if isinstance(value, dict):
        changed = False
        pairs = []
        for k, v in value.items():
            k, ck = scrub(k)
            v, cv = scrub(v)
            changed |= ck or cv
            pairs.append((k, v))
        return (dict(pairs), True) if changed else (value, False)
    return value, False


def _scrubbed(pairs: Iterator[tuple[int, Any]], src) -> Iterator[tuple[int, Any]]:
    for line, value in pairs:
        value, changed = scrub(value)
        if changed:
            src.warn(line, SURROGATE_WARNING)
        yield line, value


def expand(value: Any) -> list[Any]:
    """A parsed top-level value → its records (a list's items, a wrapper's list)."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and "title" not in value:
        for key in WRAPPER_KEYS:
            if isinstance(value.get(key), list):
                return value[key]
    return [value]


def iter_json(reader: TextReader, line_mode: bool = False) -> Iterator[tuple[int, Any]]:
    """``(line, value)`` for every record of a JSON / JSON Lines text.

    ``line_mode`` forces JSON Lines (one value a line; a bad line is a bad record).
    """
    src = reader.src
    pieces = reader.pieces()
    head: list[tuple[int, str]] = []
    size = 0
    for line, text in pieces:
        head.append((line, text))
        size += len(text)
        if (text.endswith("\n") and "".join(t for _, t in head).strip()) or size > CHUNK:
            break
    first = "".join(t for _, t in head)
    stripped = first.strip()
    by_line = line_mode or (stripped[:1] in ("{", "[") and first.endswith("\n") and _parses(stripped))
    del first, stripped  # do not hold the head while streaming
    if by_line:
        yield from _by_line(_lines(_replay(head, pieces), src), src)
    else:
        stream = _Stream(_replay(head, pieces), src)
        yield from _scrubbed(stream.records(), src)


def _replay(head: list[tuple[int, str]], rest: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """The pieces read ahead, then the rest; each head piece is released once handed out."""
    head.reverse()
    while head:
        yield head.pop()
    yield from rest


def _parses(text: str) -> bool:
    try:
        json.loads(text)
        return True
    except ValueError:
        return False


def _lines(pieces: Iterator[tuple[int, str]], src=None) -> Iterator[tuple[int, str]]:
    """Whole lines; a line longer than ``MAX_VALUE`` is dropped as it is read (a bad record)."""
    parts: list[str] = []
    size = 0
    start = 0
    too_long = False
    for line, text in pieces:
        if not parts and not too_long:
            start = line
        if not too_long:
            size += len(text)
            if size > MAX_VALUE:
                too_long, parts = True, []
            else:
                parts.append(text)
        if text.endswith("\n"):
            if too_long:
                if src is not None:
                    src.skip(start, f"line longer than {MAX_VALUE >> 20} MB")
            else:
                yield start, "".join(parts)
            parts, size, too_long = [], 0, False
    if too_long and src is not None:
        src.skip(start, f"line longer than {MAX_VALUE >> 20} MB")
    elif parts:
        yield start, "".join(parts)


def _by_line(lines: Iterator[tuple[int, str]], src) -> Iterator[tuple[int, Any]]:
    for line, text in lines:
        text = text.strip()
        if not text:
            continue
        if len(text) > MAX_VALUE:
            src.skip(line, "line too long")
            continue
        try:
            value = json.loads(text)
            if "\\u" in text and _SURROGATE_ESCAPE.search(text):
                value, changed = scrub(value)
                if changed:
                    src.warn(line, SURROGATE_WARNING)
        except ValueError as exc:
            src.skip(line, f"not valid JSON ({_short(exc)})")
            continue
        except RecursionError:
            src.skip(line, "JSON nested too deeply")
            continue
        for item in expand(value):
            yield line, item


def _short(exc: Exception) -> str:
    msg = getattr(exc, "msg", None) or str(exc)
    col = getattr(exc, "colno", None)
    if msg.endswith(" at"):  # "Invalid control character at": not "at at column"
        msg = msg[:-3]
    return f"{msg} at column {col}" if col else msg


class _Stream:
    """A sliding-window reader of JSON values."""

    def __init__(self, pieces: Iterator[tuple[int, str]], src):
        self.pieces = pieces
        self.src = src
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.line_no = 1  # line number at buf[line_pos]
        self.line_pos = 0

    # -- buffer ----------------------------------------------------------------------
    def _fill(self, at_least: int = FILL) -> bool:
        """Append at least ``at_least`` more characters (or up to EOF); False at EOF."""
        if self.eof:
            return False
        if self.pos > FILL and self.pos > len(self.buf) // 2:
            self._line_at(self.pos)
            self.buf = self.buf[self.pos :]
            self.line_pos -= self.pos
            self.pos = 0
        parts = [self.buf]
        got = 0
        for _, text in self.pieces:
            parts.append(text)
            got += len(text)
            if got >= at_least:
                break
        else:
            self.eof = True
        self.buf = "".join(parts)
        return got > 0

    def _line_at(self, pos: int) -> int:
        if pos > self.line_pos:
            self.line_no += self.buf.count("\n", self.line_pos, pos)
            self.line_pos = pos
        return self.line_no

    def _peek(self) -> str | None:
        """The next non-blank character (not consumed), or None at the end."""
        while True:
            buf, pos = self.buf, self.pos
            while pos < len(buf) and buf[pos] in _WS:
                pos += 1
            self.pos = pos
            if pos < len(buf):
                return buf[pos]
            if not self._fill():
                return None

    def _expect(self, chars: str, what: str) -> str:
        c = self._peek()
        if c is None or c not in chars:
            found = "the end of the file" if c is None else repr(c)
            raise self.src.bad_input(self._line_at(self.pos), f"broken JSON: expected {what}, found {found}")
        self.pos += 1
        return c

    def _value(self) -> Any:
        """Decode the next value, reading more text as needed."""
        if self._peek() is None:
            raise self.src.bad_input(self._line_at(self.pos), "broken JSON: the file ends where a value should be")
        start = self.pos
        need = FILL
        while True:
            try:
                value, end = _decoder.raw_decode(self.buf, self.pos)
            except RecursionError:
                raise self.src.bad_input(self._line_at(start), "JSON nested too deeply") from None
            except json.JSONDecodeError as exc:
                incomplete = exc.msg.startswith("Unterminated string") or exc.pos >= len(self.buf) - 12
                if not incomplete or self.eof:
                    raise self.src.bad_input(
                        self._line_at(min(exc.pos, len(self.buf))), f"broken JSON: {exc.msg}"
                    ) from None
            except ValueError as exc:  # e.g. an integer with too many digits
                raise self.src.bad_input(self._line_at(start), f"unusable JSON value ({str(exc)[:80]})") from None
            else:
                if end < len(self.buf) or self.eof or not isinstance(value, (int, float)):
                    self.pos = end
                    return value
            if len(self.buf) - start > MAX_VALUE:
                raise self.src.bad_input(self._line_at(start), f"a JSON value larger than {MAX_VALUE >> 20} MB")
            start_off = self.pos - start
            self._fill(need)
            need *= 2
            start = self.pos - start_off

    # -- structure -------------------------------------------------------------------
    def records(self) -> Iterator[tuple[int, Any]]:
        while True:
            c = self._peek()
            if c is None:
                return
            line = self._line_at(self.pos)
            if c == "[":
                self.pos += 1
                yield from self._array()
            elif c == "{":
                yield from self._object(line)
            else:
                yield line, self._value()

    def _array(self) -> Iterator[tuple[int, Any]]:
        if self._peek() == "]":
            self.pos += 1
            return
        while True:
            if self._peek() is None:
                raise self.src.bad_input(self._line_at(self.pos), "broken JSON: the file ends inside an array")
            line = self._line_at(self.pos)
            yield line, self._value()
            if self._expect(",]", "',' or ']'") == "]":
                return

    def _object(self, line: int) -> Iterator[tuple[int, Any]]:
        """A record object, or a wrapper whose record list is streamed."""
        mark = self.pos
        try:
            value, end = _decoder.raw_decode(self.buf, self.pos)
        except (ValueError, RecursionError):
            value = None
        if isinstance(value, dict) and expand(value) == [value]:
            self.pos = end
            yield line, value
            return
        # a wrapper, or an object not yet all in the buffer: walk its keys
        self.pos = mark + 1
        fields: dict[str, Any] = {}
        wrapped = False
        if self._peek() == "}":
            self.pos += 1
            yield line, fields
            return
        while True:
            if self._peek() != '"':
                self._expect('"', "a key")
            key = self._value()
            self._expect(":", "':'")
            if key in WRAPPER_KEYS and "title" not in fields and self._peek() == "[":
                self.pos += 1
                wrapped = True
                yield from self._array()
            else:
                fields[key] = self._value()
            if self._expect(",}", "',' or '}'") == "}":
                break
        if not wrapped:
            yield line, fields
