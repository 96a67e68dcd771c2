"""BibTeX entries (``@article{key, title = {...}, abstract = {...}, ...}``).

Values in braces or quotes, numbers, ``@string`` macros and ``#`` concatenation;
``@comment`` / ``@preamble`` ignored; LaTeX (and HTML some exports leave in abstracts)
becomes text. Ids from ``doi``, ``eprint`` (with ``archivePrefix = arXiv``, or an
arXiv-looking eprint), an arXiv URL, an "arXiv:..." journal/note, DBLP's and Semantic
Scholar's ``journal = {CoRR}`` / ``{ArXiv}`` with ``volume = {abs/ID}``, and a Semantic
Scholar ``CorpusID:N`` URL. ``Paper.source`` points at the ``@`` line.
"""

from __future__ import annotations

import re
from typing import BinaryIO, Iterator

from kg.ids import normalize_arxiv
from kg.schema import Paper

from ._base import RecordError, Source, TextReader
from .fields import arxiv_in_text, last_first, make_paper, year_of
from .latex import decode

_ABS_VOLUME = re.compile(r"(?i)^\s*abs/(\S+)\s*$")
_CORPUS_ID = re.compile(r"(?i)CorpusID:(\d+)")

#: one entry longer than this is a bad record
MAX_ENTRY = 4 << 20
_DELIMS = re.compile(r"[{})]")
_START = re.compile(r"@\s*([A-Za-z][\w-]*)\s*([{(])")
_MONTHS = {m: m.capitalize() for m in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")}
_IGNORED = ("comment", "preamble")


def parse(raw: BinaryIO, src: Source) -> Iterator[Paper]:
    macros: dict[str, str] = dict(_MONTHS)
    for line, kind, body in _entries(TextReader(raw, src), src):
        if kind == "string":
            try:
                _fields(body, macros, key_first=False, into=macros)
            except RecordError as exc:
                src.skip(line, f"bad @string: {exc}")
            continue
        try:
            fields: dict[str, str] = {}
            _fields(body, macros, key_first=True, into=fields)
            yield paper_from(fields, src.origin(line))
        except RecordError as exc:
            src.skip(line, f"@{kind}: {exc}")


def _entries(reader: TextReader, src: Source) -> Iterator[tuple[int, str, str]]:
    """``(line, type, body)`` for every entry; the body is what is inside the delimiters."""
    current: list[str] | None = None
    kind = ""
    start = 0
    depth = 0
    closer = "}"
    size = 0
    for line, text in reader.lines():
        pos = 0
        if current is not None and _START.match(text):
            # a new entry at the start of a line while one is still open: that one is broken
            src.skip(start, f"@{kind} entry has unbalanced braces (it runs into the next entry)")
            current = None
        while pos < len(text):
            if current is None:
                m = _START.search(text, pos)
                if not m:
                    break
                kind, opener = m.group(1).lower(), m.group(2)
                closer = "}" if opener == "{" else ")"
                current, start, depth, size = [], line, 1, 0
                pos = m.end()
                continue
            # inside an entry: find the closing delimiter at depth 0
            end = -1
            for m in _DELIMS.finditer(text, pos):
                c = m.group()
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                    if depth == 0 and closer == "}":
                        end = m.start()
                        break
                elif closer == ")" and depth == 1:
                    end = m.start()
                    break
            if end < 0:
                current.append(text[pos:])
                size += len(text) - pos
                if size > MAX_ENTRY:
                    src.skip(start, f"@{kind} entry longer than {MAX_ENTRY >> 20} MB (unbalanced braces?)")
                    current = None
                break
            current.append(text[pos:end])
            body = "".join(current)
            current = None
            pos = end + 1
            if kind not in _IGNORED:
                yield start, kind, body
    if current is not None:
        src.skip(start, f"@{kind} entry is not closed before the end of the file")


_NAME = re.compile(r"\s*([^\s=,{}\"#()]+)\s*")


def _fields(body: str, macros: dict[str, str], key_first: bool, into: dict[str, str]) -> None:
    pos = 0
    if key_first:
        comma = body.find(",")
        if comma < 0:
            if body.strip() and "=" not in body:
                return  # a key and no fields
            comma = -1
        pos = comma + 1
    n = len(body)
    while True:
        while pos < n and body[pos] in " \t\r\n,":
            pos += 1
        if pos >= n:
            return
        m = _NAME.match(body, pos)
        if not m:
            raise RecordError(f"cannot read a field name at {body[pos:pos + 20]!r}")
        name = m.group(1).lower()
        pos = m.end()
        if pos >= n or body[pos] != "=":
            raise RecordError(f"field {name!r} has no '='")
        pos += 1
        value, pos = _value(body, pos, macros)
        into[name] = value


def _value(body: str, pos: int, macros: dict[str, str]) -> tuple[str, int]:
    parts: list[str] = []
    n = len(body)
    while True:
        while pos < n and body[pos].isspace():
            pos += 1
        if pos >= n:
            raise RecordError("a field has no value")
        c = body[pos]
        if c == "{" or c == '"':
            end = _close(body, pos)
            if end < 0:
                raise RecordError("unbalanced braces in a field" if c == "{" else "unterminated quoted field")
            parts.append(body[pos + 1 : end])
            pos = end + 1
        else:
            m = _NAME.match(body, pos)
            if not m:
                raise RecordError(f"cannot read a value at {body[pos:pos + 20]!r}")
            word = m.group(1)
            parts.append(word if word.isdigit() else macros.get(word.lower(), word))
            pos = m.end()
        while pos < n and body[pos].isspace():
            pos += 1
        if pos < n and body[pos] == "#":
            pos += 1
            continue
        return "".join(parts), pos


_BRACE_SCAN = re.compile(r"[{}]")
_QUOTE_SCAN = re.compile(r'[{}"]')


def _close(body: str, pos: int) -> int:
    """Index of the ``}`` or ``"`` closing the value opened at ``pos`` (-1 if none)."""
    quoted = body[pos] == '"'
    depth = 0 if quoted else 1
    for m in (_QUOTE_SCAN if quoted else _BRACE_SCAN).finditer(body, pos + 1):
        c = m.group()
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0 and not quoted:
                return m.start()
        elif depth == 0:  # a quote outside braces
            return m.start()
    return -1


def _authors(value: str) -> tuple[str, ...]:
    names, depth, cur = [], 0, []
    tokens = re.split(r"(\{|\}|\s+and\s+)", value)
    for tok in tokens:
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
        if depth == 0 and re.fullmatch(r"\s+and\s+", tok or ""):
            names.append("".join(cur))
            cur = []
        else:
            cur.append(tok)
    names.append("".join(cur))
    out = []
    for n in names:
        n = " ".join(decode(n).split())
        if n and n.lower() != "others":
            out.append(last_first(n))
    return tuple(out)


def _verbatim(value: str | None) -> str:
    """An identifier or URL field: escapes like ``\\_`` undone, braces dropped."""
    return re.sub(r"\\([&%_$#~])", r"\1", value or "").replace("{", "").replace("}", "").strip()


def paper_from(f: dict[str, str], source: str) -> Paper:
    ids: dict[str, str] = {}
    for key in ("eprint", "doi", "url"):
        if key in f:
            f[key] = _verbatim(f[key])
    eprint = f.get("eprint", "").strip()
    prefix = f.get("archiveprefix", f.get("eprinttype", "")).strip().lower()
    volume = _ABS_VOLUME.match(f.get("volume", ""))
    journal = f.get("journal", "").replace("{", "").replace("}", "").strip().lower()
    if eprint and (prefix == "arxiv" or normalize_arxiv(eprint)):
        ids["arxiv"] = eprint
    elif volume and journal in ("arxiv", "corr") and normalize_arxiv(volume.group(1)):
        ids["arxiv"] = volume.group(1)  # DBLP / Semantic Scholar: journal = {CoRR}, volume = {abs/ID}
    else:
        for key in ("url", "journal", "note", "howpublished", "volume"):
            found = arxiv_in_text(f.get(key))
            if found:
                ids["arxiv"] = found
                break
    if f.get("doi", "").strip():
        ids["doi"] = f["doi"].strip()
    corpus = _CORPUS_ID.search(f.get("url", ""))
    if corpus:
        ids["corpusid"] = corpus.group(1)
    year = None
    if f.get("year", "").strip():
        year = year_of(f["year"])
    elif f.get("date", "").strip():
        year = year_of(f["date"])
    url = f.get("url", "").strip() or None
    return make_paper(
        title=f.get("title", ""),
        abstract=f.get("abstract", ""),
        year=year,
        authors=_authors(f.get("author", "")),
        url=url,
        ids=ids,
        source=source,
    )
