"""The curated lexicon shipped in ``data/lexicon.tsv``: well-known names and their types."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def load_lexicon() -> dict[str, str]:
    """``name -> type``; names with a capital letter match case-sensitively, others in any case."""
    text = resources.files("kg.extract").joinpath("data/lexicon.tsv").read_text(encoding="utf-8")
    return parse_lexicon(text)


def parse_lexicon(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, typ = line.partition("\t")
        if name.strip() and typ.strip():
            out[name.strip()] = typ.strip()
    return out


def case_sensitive(name: str) -> bool:
    return any(c.isupper() for c in name)
