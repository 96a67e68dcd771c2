"""Plain paper records: JSON Lines, JSON arrays, CSV/TSV rows.

Fields (keys case-insensitive): ``title``, ``abstract`` (or ``summary``), optional
``id`` (used as an arXiv id / DOI / OpenAlex id when it looks like one), ``year``
(or ``date`` / ``published``), ``authors`` (list of names or of ``{"name": ...}``,
or one string), ``url``, ``doi``, ``arxiv_id`` (or ``arxiv``, ``eprint``),
``external_ids`` (an object, as ``kg export`` writes). The arXiv metadata snapshot (Kaggle's
``arxiv-metadata-oai-snapshot.json``) reads as such too: ``id`` (the arXiv id), authors from
``authors_parsed`` (so affiliations in the free-text ``authors`` never become authors), the
year from the first of ``versions``. Authors given as one string are split at ``;``, or at
commas and "and"; "et al" is not an author. Without a year, an arXiv id gives its submission year.
"""

from __future__ import annotations

from typing import Any, BinaryIO, Callable, Iterator, Mapping

from kg.ids import normalize_arxiv
from kg.schema import Paper

from ._base import RecordError, Source, TextReader

from .fields import arxiv_in_text, authors_of, authors_parsed, classify_id, make_paper, year_from_arxiv, year_of
from .jsonstream import iter_json

Mapper = Callable[[Mapping[str, Any], str], Paper]


def paper_from(obj: Mapping[str, Any], source: str) -> Paper:
    d = {str(k).strip().lower(): v for k, v in obj.items()}
    ids: dict[str, Any] = {}
    ext = d.get("external_ids") or d.get("externalids")
    if isinstance(ext, Mapping):
        ids.update({str(k).lower(): v for k, v in ext.items() if isinstance(v, (str, int))})
    raw_id = d.get("id") if d.get("id") is not None else d.get("paper_id")
    if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool):
        kind = classify_id(str(raw_id))
        if kind:
            ids.setdefault(kind[0], kind[1])
        elif not str(raw_id).startswith("title:"):
            ids.setdefault("id", str(raw_id))
    for key in ("arxiv_id", "arxiv", "arxivid", "eprint"):
        if d.get(key):
            ids["arxiv"] = _text(d[key], key)
            break
    if d.get("doi"):
        ids["doi"] = _text(d["doi"], "doi")
    url = d.get("url")
    if "arxiv" not in ids and isinstance(url, str) and arxiv_in_text(url):
        ids["arxiv"] = arxiv_in_text(url)
    year = None
    for key in ("year", "date", "published", "publication_date", "publication_year"):
        if d.get(key) not in (None, ""):
            year = year_of(d[key])
            break
    versions = d.get("versions")
    if year is None and isinstance(versions, list) and versions and isinstance(versions[0], Mapping):
        year = year_of(versions[0].get("created"))  # the arXiv metadata snapshot: v1 date
    if year is None and ids.get("arxiv"):
        year = year_from_arxiv(normalize_arxiv(str(ids["arxiv"])))
    abstract = d.get("abstract")
    if abstract is None:
        abstract = d.get("summary")
    authors = authors_parsed(d.get("authors_parsed"))
    if authors is None:
        authors = authors_of(d.get("authors") if d.get("authors") is not None else d.get("author"))
    return make_paper(
        title=d.get("title"),
        abstract=abstract,
        year=year,
        authors=authors,
        url=url,
        ids=ids,
        source=source,
    )


def _text(value: Any, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RecordError(f"{what} is not text")
    return str(value)


def map_records(pairs: Iterator[tuple[int, Any]], src: Source, mapper: Mapper) -> Iterator[Paper]:
    """Turn ``(line, object)`` pairs into Papers; unusable ones are skipped (or raise in strict mode).

    A ``null`` entry is no paper and no bad record: a batch API answers ``null`` for an id it
    does not know (Semantic Scholar's ``/paper/batch``). Nulls are counted apart
    (``LoadStats.nulls``) with one note per file.
    """
    nulls = 0
    first_null = 0
    for line, obj in pairs:
        if obj is None:
            nulls += 1
            first_null = first_null or line
            src.stats.nulls += 1
            continue
        if not isinstance(obj, Mapping):
            src.skip(line, f"not a JSON object (got {type(obj).__name__})")
            continue
        try:
            paper = mapper(obj, src.origin(line))
        except RecordError as exc:
            src.skip(line, str(exc))
            continue
        except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
            src.skip(line, f"unusable record ({type(exc).__name__}: {exc})")
            continue
        yield paper
    if nulls:
        src.note(first_null, f"{nulls} null {'entry' if nulls == 1 else 'entries'} (no paper: a batch answer "
                             "for an unknown id) left out")


def json_parser(mapper: Mapper) -> Callable[[BinaryIO, Source], Iterator[Paper]]:
    """A ``parse(raw, src)`` for a JSON-based format whose records ``mapper`` reads."""

    def parse(raw: BinaryIO, src: Source, line_mode: bool = False) -> Iterator[Paper]:
        return map_records(iter_json(TextReader(raw, src), line_mode), src, mapper)

    return parse


parse = json_parser(paper_from)
