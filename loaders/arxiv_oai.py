"""arXiv OAI-PMH harvests: ``ListRecords`` / ``GetRecord`` responses.

Metadata formats ``arXiv`` (authors as keyname/forenames, ``created`` date),
``arXivRaw`` (authors as one string, ``version`` dates) and ``oai_dc``. Deleted
records (``header status="deleted"``) are skipped silently; ``resumptionToken`` is
ignored; an OAI ``<error>`` is reported as a warning.
"""

from __future__ import annotations

from typing import BinaryIO, Iterator

from kg.schema import Paper

from ._base import RecordError, Source, TextReader
from .latex import decode
from .fields import arxiv_in_text, last_first, make_paper, split_author_string, year_from_arxiv, year_of
from .xmlstream import El, iter_elements

OAI = "{http://www.openarchives.org/OAI/2.0/}"
ARXIV = "{http://arxiv.org/OAI/arXiv/}"
RAW = "{http://arxiv.org/OAI/arXivRaw/}"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}"
DC = "{http://purl.org/dc/elements/1.1/}"


def parse(raw: BinaryIO, src: Source) -> Iterator[Paper]:
    elements = iter_elements(
        TextReader(raw, src),
        is_record=lambda tag: tag in (OAI + "record", OAI + "error"),
        root_ok=lambda tag: tag == OAI + "OAI-PMH",
        root_desc="an OAI-PMH response",
    )
    for el in elements:
        if el.tag == OAI + "error":
            src.warn(el.line, f"OAI-PMH error {el.attrib.get('code', '')}: {' '.join(el.text.split())}".strip())
            continue
        header = el.find(OAI + "header")
        if header is not None and header.attrib.get("status") == "deleted":
            continue
        try:
            yield paper_from(el, src.origin(el.line))
        except RecordError as exc:
            src.skip(el.line, str(exc))


def paper_from(record: El, source: str) -> Paper:
    metadata = record.find(OAI + "metadata")
    if metadata is None or not metadata.children:
        raise RecordError("OAI record without metadata")
    md = metadata.children[0]
    if md.tag == ARXIV + "arXiv":
        return _arxiv(md, source)
    if md.tag == RAW + "arXivRaw":
        return _arxiv_raw(md, source)
    if md.tag == OAI_DC + "dc":
        return _dc(md, source)
    raise RecordError(f"unsupported OAI metadata format <{md.tag}>")


def _ids(arxiv: str | None, doi: str | None) -> dict[str, str]:
    ids = {}
    if arxiv and arxiv.strip():
        ids["arxiv"] = arxiv.strip()
    if doi and doi.strip():
        ids["doi"] = doi.strip().split()[0]  # arXiv allows several DOIs separated by spaces
    return ids


def _abs_url(arxiv: str | None) -> str | None:
    return f"https://arxiv.org/abs/{arxiv.strip()}" if arxiv and arxiv.strip() else None


def _arxiv(md: El, source: str) -> Paper:
    ns = ARXIV
    arxiv = md.findtext(ns + "id")
    authors = []
    box = md.find(ns + "authors")
    for a in box.findall(ns + "author") if box is not None else []:
        parts = [a.findtext(ns + "forenames"), a.findtext(ns + "keyname"), a.findtext(ns + "suffix")]
        name = decode(" ".join(" ".join(p.split()) for p in parts if p and p.strip()))
        if name:
            authors.append(name)
    created = md.findtext(ns + "created")
    year = year_of(created) if created and created.strip() else year_from_arxiv((arxiv or "").strip())
    return make_paper(
        title=md.findtext(ns + "title"),
        abstract=md.findtext(ns + "abstract"),
        year=year,
        authors=tuple(authors),
        url=_abs_url(arxiv),
        ids=_ids(arxiv, md.findtext(ns + "doi")),
        source=source,
    )


def _arxiv_raw(md: El, source: str) -> Paper:
    ns = RAW
    arxiv = md.findtext(ns + "id")
    year = None
    versions = md.findall(ns + "version")
    if versions:
        first = min(versions, key=lambda v: _version_number(v.attrib.get("version", "")))
        date = first.findtext(ns + "date")
        if date and date.strip():
            year = year_of(date)
    if year is None:
        year = year_from_arxiv((arxiv or "").strip())
    return make_paper(
        title=md.findtext(ns + "title"),
        abstract=md.findtext(ns + "abstract"),
        year=year,
        authors=split_author_string(decode(md.findtext(ns + "authors") or "")),
        url=_abs_url(arxiv),
        ids=_ids(arxiv, md.findtext(ns + "doi")),
        source=source,
    )


def _version_number(v: str) -> int:
    digits = "".join(c for c in v if c.isdigit())
    return int(digits) if digits else 1 << 30


def _dc(md: El, source: str) -> Paper:
    arxiv = doi = url = None
    for ident in md.findall(DC + "identifier"):
        text = ident.text.strip()
        if not arxiv and arxiv_in_text(text):
            arxiv, url = arxiv_in_text(text), text
        elif not doi and text.lower().startswith(("doi:", "10.", "https://doi.org/", "http://dx.doi.org/")):
            doi = text
    descriptions = [d.text for d in md.findall(DC + "description") if not d.text.strip().startswith("Comment:")]
    dates = [d.text for d in md.findall(DC + "date") if d.text.strip()]
    return make_paper(
        title=md.findtext(DC + "title"),
        abstract=descriptions[0] if descriptions else "",
        year=year_of(min(dates)) if dates else year_from_arxiv(arxiv),
        authors=tuple(last_first(" ".join(c.text.split())) for c in md.findall(DC + "creator") if c.text.strip()),
        url=url,
        ids=_ids(arxiv, doi),
        source=source,
    )
