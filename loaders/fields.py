"""Field helpers shared by the format modules: clean text, years, authors, ids, Paper."""

from __future__ import annotations

import ast
import re
from typing import Any, Iterable, Mapping

from kg.ids import normalize_arxiv, normalize_doi, normalize_openalex, paper_id
from kg.schema import Paper

from ._base import RecordError
from .text import normalize_text

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|2\d\d\d)(?!\d)")
_ARXIV_IN_TEXT = re.compile(
    r"(?i)(?:arxiv[:\s/]*|arxiv\.org/(?:abs|pdf)/)((?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?)"
)
_ARXIV_NEW_ID = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}$")
_ARXIV_OLD_ID = re.compile(r"^[a-z\-]+(?:\.[a-z]{2})?/(\d{2})\d{5}$")


def clean(value: Any, what: str = "field") -> str:
    """A text field: str (or None → ""), control characters dropped, white space collapsed."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"{what} is not text (got {type(value).__name__})")
    return " ".join(_CONTROL.sub(" ", value).split())


def clean_text(value: Any, what: str = "field") -> str:
    """A title, abstract or name: ``clean`` plus the one text normaliser every source shares
    (``kg.loaders.text.normalize_text``: HTML tags, LaTeX, entities, white space)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"{what} is not text (got {type(value).__name__})")
    return normalize_text(value)


def year_of(value: Any) -> int | None:
    """A year from an int, a "2021" string or a date like "2021-03-04" / "Mon, 2 Apr 2007"."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError("year is not a number")
    if isinstance(value, int):
        if 1000 <= value <= 2999:
            return value
        raise RecordError(f"year {value} is out of range")
    if isinstance(value, float) and value.is_integer():
        return year_of(int(value))
    if isinstance(value, str):
        m = _YEAR.search(value)
        return int(m.group(1)) if m else None  # "in press", "n.d.": no year, not a bad record
    raise RecordError(f"year is not a number (got {type(value).__name__})")


def year_from_arxiv(arxiv_id: str | None) -> int | None:
    """The submission year an arXiv id encodes (2101.00001 → 2021, hep-th/9901001 → 1999)."""
    if not arxiv_id:
        return None
    m = _ARXIV_NEW_ID.match(arxiv_id) or _ARXIV_OLD_ID.match(arxiv_id)
    if not m:
        return None
    yy = int(m.group(1))
    return 2000 + yy if yy < 91 else 1900 + yy


def authors_of(value: Any) -> tuple[str, ...]:
    """Authors from a list of names or of ``{"name": ...}`` objects, or one string (a list
    written as text, as pandas writes list cells: ``"['A. One', 'B. Two']"``, is read as a list)."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        listed = list_cell(value)
        if listed is None:
            return split_author_string(value)
        value = listed
    if not isinstance(value, list):
        raise RecordError(f"authors is not a list (got {type(value).__name__})")
    names = []
    for a in value:
        if isinstance(a, dict):
            a = a.get("name") or a.get("display_name") or a.get("full_name")
        if a is None:
            continue
        name = clean_text(a, "author name")
        if name:
            names.append(name)
    return tuple(names)


def list_cell(text: str) -> list[str] | None:
    """A Python/JSON list literal of strings written in a text cell (``"['A', 'B']"``), else None."""
    t = text.strip()
    if len(t) < 2 or t[0] != "[" or t[-1] != "]":
        return None
    try:
        value = ast.literal_eval(t)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return value


#: "et al." and its spellings: not an author
_ET_AL = re.compile(r"(?i)^(?:et\.?\s*al\.?|others|and others)$")


def split_author_string(text: str) -> tuple[str, ...]:
    """ "A. One, B. Two and C. Three" or "One, A.; Two, B." → names ("et al" dropped)."""
    text = clean_text(text, "authors")
    if not text:
        return ()
    if ";" in text:
        parts = text.split(";")
    else:
        parts = re.split(r",\s*|\s+and\s+", text)
    return tuple(p.strip() for p in parts
                 if p.strip() and p.strip().lower() != "and" and not _ET_AL.match(p.strip()))


def authors_parsed(value: Any) -> tuple[str, ...] | None:
    """Names from the arXiv metadata snapshot's ``authors_parsed``: ``[[keyname, forenames,
    suffix, affiliation...], ...]`` → "forenames keyname suffix" (affiliations left out);
    None when the value is not such a list."""
    if not isinstance(value, list) or not value:
        return None
    names = []
    for entry in value:
        if not isinstance(entry, list) or not entry or not all(isinstance(x, str) for x in entry):
            return None
        key = entry[0]
        fore = entry[1] if len(entry) > 1 else ""
        suffix = entry[2] if len(entry) > 2 else ""
        fore = re.sub(r"\.\s+-", ".-", fore)  # the snapshot writes "C.-P." as "C. -P."
        name = clean_text(" ".join(p for p in (fore, key, suffix) if p.strip()), "author name")
        if name and not _ET_AL.match(name):
            names.append(name)
    return tuple(names)


def last_first(name: str) -> str:
    """ "Vaswani, Ashish" → "Ashish Vaswani" (names without a comma unchanged)."""
    if "," in name:
        last, _, first = name.partition(",")
        if first.strip():
            return f"{first.strip()} {last.strip()}"
        return last.strip()
    return name.strip()


def arxiv_in_text(text: str | None) -> str | None:
    """An arXiv id mentioned in free text ("arXiv preprint arXiv:2101.00001", an abs URL)."""
    if not text:
        return None
    m = _ARXIV_IN_TEXT.search(text)
    return normalize_arxiv(m.group(1)) if m else None


def classify_id(value: str) -> tuple[str, str] | None:
    """Which kind of identifier a bare id string is: ("arxiv", ...), ("doi", ...), ..."""
    v = value.strip()
    if not v:
        return None
    if normalize_arxiv(v):
        return "arxiv", normalize_arxiv(v)  # type: ignore[return-value]
    if normalize_doi(v):
        return "doi", normalize_doi(v)  # type: ignore[return-value]
    if normalize_openalex(v):
        return "openalex", normalize_openalex(v)  # type: ignore[return-value]
    low = v.lower()
    for prefix in ("s2:", "openalex:", "pwc:", "pmid:"):
        if low.startswith(prefix) and len(v) > len(prefix):
            return prefix[:-1], v[len(prefix):].strip()
    return None


def clean_ids(ids: Mapping[str, Any]) -> dict[str, str]:
    """Identifier values as normalised strings; empty ones dropped. A DOI arXiv minted
    (10.48550/arXiv.X) is the arXiv id X, not a DOI: the same paper read from a source that
    gives it and from one that does not has the same identifiers."""
    out: dict[str, str] = {}
    for key, value in ids.items():
        if value is None or isinstance(value, (dict, list, bool)):
            continue
        v = str(value).strip()
        if not v:
            continue
        if key == "arxiv":
            v = normalize_arxiv(v) or arxiv_in_text(v) or ""
        elif key == "doi":
            v = normalize_doi(v) or ""
            if v and normalize_arxiv(v):
                out.setdefault("arxiv", normalize_arxiv(v))  # type: ignore[arg-type]
                continue
        elif key == "openalex":
            v = normalize_openalex(v) or ""
        elif key == "s2":
            v = v.lower()
        if v:
            if key == "arxiv" and out.get("arxiv") not in (None, v):
                continue  # the arXiv id given as such wins over one from a DOI
            out[key] = v
    return out


_ARXIV_URL = re.compile(r"(?i)^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/(.+?)(?:\.pdf)?/?$")


def arxiv_url(arxiv_id: str) -> str:
    """The one form of an arXiv paper's URL: ``https://arxiv.org/abs/ID`` (no version)."""
    return f"https://arxiv.org/abs/{arxiv_id}"


def canonical_url(url: str | None, ids: Mapping[str, str]) -> str | None:
    """An arXiv abs/pdf URL (http or https, with or without a version) in its one form;
    other URLs as given."""
    if not url:
        return None
    m = _ARXIV_URL.match(url.strip())
    if m:
        found = normalize_arxiv(m.group(1))
        if found:
            return arxiv_url(found)
    return url


def make_paper(
    *,
    title: Any,
    abstract: Any = None,
    year: int | None = None,
    authors: Iterable[str] = (),
    url: Any = None,
    ids: Mapping[str, Any] | None = None,
    source: str,
) -> Paper:
    """Build a Paper, or raise RecordError when it has no usable title.

    Without a URL, an arXiv id gives the abs page and a DOI its resolver link.
    """
    t = clean_text(title, "title")
    if not t:
        raise RecordError("no title")
    a = clean_text(abstract, "abstract")
    external = clean_ids(ids or {})
    u = canonical_url(clean(url, "url") or None, external)
    if u is None and "arxiv" in external:
        u = arxiv_url(external["arxiv"])
    elif u is None and "doi" in external:
        u = f"https://doi.org/{external['doi']}"
    if year is None and "arxiv" in external:
        year = year_from_arxiv(external["arxiv"])
    return Paper(
        id=paper_id(external, t),
        title=t,
        abstract=a,
        year=year,
        authors=tuple(n for n in (clean_text(x, "author name") for x in authors) if n),
        url=u,
        external_ids=external,
        source=source,
    )

