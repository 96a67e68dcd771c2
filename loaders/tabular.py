"""CSV and TSV files with a header row; the columns are those of :mod:`loaders.generic`.

CSV fields may be quoted (and then span lines); TSV fields are taken as they are.
``Paper.source`` has the physical line where a row starts.
"""

from __future__ import annotations

import csv
from typing import BinaryIO, Iterator

from kg.schema import Paper

from ._base import MAX_LINE, Source, TextReader
from .generic import map_records, paper_from

csv.field_size_limit(MAX_LINE)


def parse_csv(raw: BinaryIO, src: Source) -> Iterator[Paper]:
    return _parse(raw, src, ",")


def parse_tsv(raw: BinaryIO, src: Source) -> Iterator[Paper]:
    return _parse(raw, src, "\t")


def _parse(raw: BinaryIO, src: Source, delimiter: str) -> Iterator[Paper]:
    return map_records(_rows(raw, src, delimiter), src, paper_from)


def _rows(raw: BinaryIO, src: Source, delimiter: str) -> Iterator[tuple[int, dict[str, str]]]:
    lines = (text for _, text in TextReader(raw, src).lines())
    # TSV has no quoting: a field may begin with a quote character
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(lines, delimiter=delimiter, quoting=quoting)
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if header is None:
                raise src.bad_input(start, f"unreadable CSV header ({exc})") from None
            src.skip(start, f"bad CSV row ({exc})")
            continue
        if not row or all(not c.strip() for c in row):
            continue
        if header is None:
            header = [h.strip().lower() for h in row]
            if "title" not in header:
                raise src.bad_input(start, "the header row has no 'title' column")
            continue
        if len(row) > len(header):
            src.skip(start, f"{len(row)} fields but the header has {len(header)}")
            continue
        record = {k: v for k, v in zip(header, row) if k and v.strip() != ""}
        yield start, record
