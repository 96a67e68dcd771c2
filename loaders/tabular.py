"""CSV and TSV files with a header row; the columns are those of :mod:`kg.loaders.generic`.

CSV fields may be quoted (and then span lines); TSV fields are taken as they are.
``Paper.source`` has the physical line where a row starts.

Real exports bend the columns: a list written by pandas (``"['A. One', 'B. Two']"``) is read
as a list, authors may be ``;``-separated, and an identifier may sit in a column whose name
kg does not know (``index``, ``pdf_link``, ``paper``): such a column is recognised by its
values (arXiv ids, DOIs, arXiv URLs) in the first row that has one, with a one-line note,
and used as the paper's id. A last row cut short (the file ends inside it: an unclosed
quote, or fewer fields than the header) is a bad record, not a paper with a cut title.
"""

from __future__ import annotations

import csv
from typing import BinaryIO, Iterator

from kg.ids import normalize_arxiv, normalize_doi
from kg.schema import Paper

from ._base import MAX_LINE, Source, TextReader
from .fields import arxiv_in_text
from .generic import map_records, paper_from

csv.field_size_limit(MAX_LINE)

#: column names the generic mapper reads (case-insensitive)
KNOWN = frozenset({
    "title", "abstract", "summary", "id", "paper_id", "year", "date", "published", "publication_date",
    "publication_year", "authors", "author", "url", "doi", "arxiv_id", "arxiv", "arxivid", "eprint",
    "external_ids", "externalids", "versions", "authors_parsed",
})
#: checked for an identifier in an unknown column: at most this many rows
SNIFF_ROWS = 50


def parse_csv(raw: BinaryIO, src: Source) -> Iterator[Paper]:
    return _parse(raw, src, ",")


def parse_tsv(raw: BinaryIO, src: Source) -> Iterator[Paper]:
    return _parse(raw, src, "\t")


def _parse(raw: BinaryIO, src: Source, delimiter: str) -> Iterator[Paper]:
    return map_records(_with_id_column(_rows(raw, src, delimiter), src), src, paper_from)


def id_kind(value: str) -> str | None:
    """``arxiv`` or ``doi`` when a cell holds such an identifier (bare, as a URL or ``arXiv:``)."""
    v = value.strip()
    if not v or len(v) > 300:
        return None
    if normalize_arxiv(v) or arxiv_in_text(v) or _arxiv_path(v):
        return "arxiv"
    if normalize_doi(v):
        return "doi"
    return None


def _arxiv_path(v: str) -> str | None:
    # "arxiv.org/pdf/2501.00089" without a scheme
    low = v.lower()
    for marker in ("arxiv.org/abs/", "arxiv.org/pdf/"):
        if marker in low:
            return normalize_arxiv(v[low.index(marker) + len(marker):].removesuffix(".pdf").rstrip("/"))
    return None


def _id_value(kind: str, value: str) -> str | None:
    v = value.strip()
    if kind == "arxiv":
        return normalize_arxiv(v) or arxiv_in_text(v) or _arxiv_path(v)
    return normalize_doi(v)


def _with_id_column(rows: Iterator[tuple[int, dict[str, str]]], src: Source) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows with an identifier found in an unknown column moved to ``arxiv_id`` / ``doi``."""
    found: tuple[str, str] | None = None  # (column, kind)
    sniffed = 0
    for line, row in rows:
        if found is None and sniffed < SNIFF_ROWS:
            sniffed += 1
            for col in row:
                if col not in KNOWN:
                    kind = id_kind(row[col])
                    if kind:
                        found = (col, kind)
                        src.note(None, f"column '{col}' holds {'arXiv ids' if kind == 'arxiv' else 'DOIs'}: "
                                       "read as the paper's identifier")
                        break
        if found is not None:
            col, kind = found
            target = "arxiv_id" if kind == "arxiv" else "doi"
            has = ("arxiv_id", "arxiv", "arxivid", "eprint") if kind == "arxiv" else ("doi",)
            if col in row and not any(row.get(k) for k in has):
                value = _id_value(kind, row[col])
                if value:
                    row = {**row, target: value}
        yield line, row


class _Lines:
    """The lines handed to the csv reader, remembering the raw text of the current row."""

    def __init__(self, reader: TextReader):
        self._it = (text for _, text in reader.lines())
        self.current: list[str] = []

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        text = next(self._it)
        self.current.append(text)
        return text


def _rows(raw: BinaryIO, src: Source, delimiter: str) -> Iterator[tuple[int, dict[str, str]]]:
    lines = _Lines(TextReader(raw, src))
    # TSV has no quoting: a field may begin with a quote character
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(lines, delimiter=delimiter, quoting=quoting)
    header: list[str] | None = None
    pending: tuple[int, dict[str, str], bool] | None = None  # a row held until we know it is not cut
    while True:
        start = reader.line_num + 1
        lines.current = []
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if header is None:
                raise src.bad_input(start, f"unreadable CSV header ({exc})") from None
            if pending is not None:
                yield pending[0], pending[1]
                pending = None
            src.skip(start, f"bad CSV row ({exc})")
            continue
        raw_text = "".join(lines.current)
        if not row or all(not c.strip() for c in row):
            continue
        if header is None:
            header = [h.strip().lower() for h in row]
            if "title" not in header:
                raise src.bad_input(start, "the header row has no 'title' column")
            continue
        if pending is not None:
            yield pending[0], pending[1]
            pending = None
        if len(row) > len(header):
            src.skip(start, f"{len(row)} fields but the header has {len(header)}")
            continue
        record = {k: v for k, v in zip(header, row) if k and v.strip() != ""}
        # the file may end inside this row: decided when we know it is the last one
        cut = not raw_text.endswith("\n") and (
            len(row) < len(header) or (quoting != csv.QUOTE_NONE and raw_text.count('"') % 2 == 1))
        pending = (start, record, cut)
    if pending is not None:
        if pending[2]:
            src.skip(pending[0], "the last row is cut short (the file ends inside it); not read")
        else:
            yield pending[0], pending[1]
