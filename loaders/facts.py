"""Facts JSON Lines, as ``kg extract`` writes them (see kg/schema.py ``PaperFacts``).

Each line becomes a :class:`kg.schema.PaperFacts`, checked with ``validate_facts``;
an invalid line is a bad record.
"""

from __future__ import annotations

from typing import Any, BinaryIO, Iterator, Mapping

from kg.schema import PaperFacts, validate_facts

from ._base import Source, TextReader
from .jsonstream import iter_json


def facts_from(obj: Any) -> PaperFacts:
    """Parse and validate one facts record; ValueError says what is wrong."""
    if not isinstance(obj, Mapping):
        raise ValueError(f"not a JSON object (got {type(obj).__name__})")
    paper = obj.get("paper")
    if not isinstance(paper, Mapping):
        raise ValueError("no 'paper' object")
    if not isinstance(paper.get("id"), str) or not paper["id"].strip():
        raise ValueError("the paper has no id")
    if not isinstance(paper.get("title"), str) or not paper["title"].strip():
        raise ValueError("the paper has no title")
    for key in ("entities", "relations"):
        if obj.get(key) is not None and not isinstance(obj.get(key), list):
            raise ValueError(f"'{key}' is not a list")
    try:
        facts = PaperFacts.from_dict(dict(obj))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        what = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ValueError(f"malformed facts ({what})") from None
    problems = validate_facts(facts)
    if problems:
        raise ValueError("invalid facts: " + "; ".join(problems[:3]))
    return facts


def parse(raw: BinaryIO, src: Source) -> Iterator[PaperFacts]:
    for line, obj in iter_json(TextReader(raw, src), line_mode=True):
        try:
            yield facts_from(obj)
        except ValueError as exc:
            src.skip(line, str(exc))
