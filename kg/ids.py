"""Stable ids and name keys: pure functions, so every stage and both stores agree without
coordination.

Every way a name or title is normalised lives here, each for one purpose:

=================  ==========================================================================
``fold``           NFKC, case folded, white space collapsed: the base of the others
``compact_key``    letters and digits only (a dot between digits kept): an entity's key, so
                   spelling variants meet ("LLaMA-2" = "Llama 2"); ``entity_id`` is built on it
``title_key``      ``compact_key`` of a title: a paper known by its title alone
``score_key``      the extraction guidelines' scoring normalisation (``kg eval``): letters and
                   digits only, no exception for dots
``suggestion_key`` what the closest-name suggestion compares (rapidfuzz's ``default_process``)
=================  ==========================================================================

Resolution's ``kg.resolve.keys.canonical_key`` is ``compact_key`` of a name's singular (its
plural rules live there).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Mapping

from kg.schema import entity_id_prefix

_ARXIV_NEW = re.compile(r"(?i)^(?:arxiv:|https?://arxiv\.org/(?:abs|pdf)/)?(\d{4}\.\d{4,5})(?:v\d+)?(?:\.pdf)?$")
_ARXIV_OLD = re.compile(r"(?i)^(?:arxiv:|https?://arxiv\.org/(?:abs|pdf)/)?([a-z\-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?$")
_ARXIV_DOI = re.compile(r"(?i)^10\.48550/arxiv\.(.+)$")
_DOI = re.compile(r"(?i)^(?:doi:|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$")
_OPENALEX = re.compile(r"(?i)^(?:https?://openalex\.org/)?(W\d+)$")
_DIGIT_DOT = re.compile(r"(?<=\d)\.(?=\d)")
_NOT_ALNUM = re.compile(r"[\W_]+")  # what str.isalnum() rejects


def fold(text: str) -> str:
    """NFKC, case folded, white space collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def compact_key(text: str) -> str:
    """The scoring normalisation: NFKC, case folded, everything but letters and digits removed.

    A dot between two digits is kept ("GPT-3.5" is not "GPT-35").
    """
    t = fold(text)
    if "." in t:
        return ".".join(_NOT_ALNUM.sub("", part) for part in _DIGIT_DOT.split(t))
    return _NOT_ALNUM.sub("", t)


def normalize_arxiv(value: str) -> str | None:
    v = value.strip()
    m = _ARXIV_DOI.match(v)
    if m:
        v = m.group(1)
    for pat in (_ARXIV_NEW, _ARXIV_OLD):
        m = pat.match(v)
        if m:
            return m.group(1).lower()
    return None


def normalize_doi(value: str) -> str | None:
    m = _DOI.match(value.strip())
    return m.group(1).lower().rstrip(".") if m else None


def normalize_openalex(value: str) -> str | None:
    m = _OPENALEX.match(value.strip())
    return m.group(1).upper() if m else None


def title_key(title: str) -> str:
    """The normalised title that identifies a paper without identifiers."""
    return compact_key(title)


def score_key(name: str) -> str:
    """The extraction guidelines' normalisation for scoring: NFKC, case folded, only letters
    and digits kept (unlike ``compact_key``, "GPT-3.5" and "GPT-35" are one)."""
    return "".join(c for c in unicodedata.normalize("NFKC", name).casefold() if c.isalnum())


def suggestion_key(name: str) -> str:
    """A name as the closest-name suggestion compares it (rapidfuzz's ``default_process``:
    lower case, every character not a letter or digit a space, trimmed)."""
    from rapidfuzz import utils

    return utils.default_process(name)


#: identifier kinds that name a paper after the four main ones, in this order (any other
#: kind then, alphabetically); ``id`` (a source's local row key) never does
OTHER_ID_KINDS = ("corpusid", "pmid", "pmcid", "dblp", "acl", "mag", "pwc")


def paper_id(external_ids: Mapping[str, str], title: str) -> str:
    """arXiv id, else DOI, else Semantic Scholar id, else OpenAlex id, else another identifier
    (``corpusid:N``, ``pmid:N``, ``dblp:KEY`` ...), else one from the title — so a ``title:`` id
    always means a paper known by its title alone.

    A DOI of the form 10.48550/arXiv.X counts as arXiv id X.
    """
    arxiv = external_ids.get("arxiv")
    if arxiv and normalize_arxiv(arxiv):
        return f"arxiv:{normalize_arxiv(arxiv)}"
    doi = external_ids.get("doi")
    if doi:
        if normalize_arxiv(doi):
            return f"arxiv:{normalize_arxiv(doi)}"
        if normalize_doi(doi):
            return f"doi:{normalize_doi(doi)}"
    s2 = external_ids.get("s2")
    if s2 and str(s2).strip():
        return f"s2:{str(s2).strip().lower()}"
    oa = external_ids.get("openalex")
    if oa and normalize_openalex(oa):
        return f"openalex:{normalize_openalex(oa)}"
    others = [k for k in external_ids if k not in ("arxiv", "doi", "s2", "openalex", "id")
              and str(external_ids[k] or "").strip()]
    if others:
        kind = min(others, key=lambda k: (OTHER_ID_KINDS.index(k) if k in OTHER_ID_KINDS else len(OTHER_ID_KINDS), k))
        return f"{kind}:{str(external_ids[kind]).strip()}"
    return title_paper_id(title)


#: the prefix of a paper id derived from the title alone (``title_paper_id``)
TITLE_ID_PREFIX = "title:"


def title_paper_id(title: str) -> str:
    digest = hashlib.sha1(title_key(title).encode("utf-8")).hexdigest()[:16]
    return f"{TITLE_ID_PREFIX}{digest}"


def is_title_id(paper_id: str) -> bool:
    """Is this paper id derived from the paper's title alone (it has no real identifier)?"""
    return paper_id.startswith(TITLE_ID_PREFIX)


def entity_id(entity_type: str, name: str) -> str:
    """``type:key``, e.g. ``model:llama2``. Resolution may pick another canonical name."""
    key = compact_key(name) or hashlib.sha1(fold(name).encode("utf-8")).hexdigest()[:12]
    return f"{entity_id_prefix(entity_type)}:{key}"
