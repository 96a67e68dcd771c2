"""The curated lexicon shipped in ``data/lexicon.tsv``: well-known names and their types."""

from __future__ import annotations

import re
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


_FAMILY_CUT = re.compile(r"[-_ ][^-_ ]+$")


@lru_cache(maxsize=1 << 14)
def family_type(name: str) -> str | None:
    """The lexicon type of a name's family when the name is a known name with suffixes cut
    off one at a time ("GPT-3.5-turbo" -> "GPT-3.5", "Llama-2-7B-chat" -> "Llama-2"): at most
    three cuts, and the family keeps a digit or three letters (no "V" from "V-JEPA")."""
    lexicon = load_lexicon()
    rest = name
    for _ in range(3):
        cut = _FAMILY_CUT.search(rest)
        if not cut or cut.start() < 2:
            return None
        rest = rest[:cut.start()]
        typ = lexicon.get(rest)
        if typ is not None:
            return typ
    return None
