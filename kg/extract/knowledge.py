"""Corpus knowledge: names introduced with a strong cue in one paper are known in every other
paper of the same run.

Collected in a cheap first pass over the whole input with plain text functions (no spaCy):
acronym definitions, the title's lead name, and names right after "we propose / introduce /
present" or "called / named". The result depends only on the *set* of papers, never on their
order, so extraction stays order-independent.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Iterable, Mapping

from kg.extract.acronyms import find_definitions, strip_plural
from kg.extract.base import SEP, lower_text
from kg.extract.lexicon import load_lexicon
from kg.extract.mentions import GENERIC_ACRONYMS, name_spans
from kg.extract.proposes import NAMED_CUE, PROPOSE_CUE, may_name, title_lead
from kg.extract.text import is_generic, is_generic_expansion, type_from_head
from kg.schema import Paper

_MIN_LEN = 3
_PUNCT = re.compile(r"[,;.]")


def paper_text(paper: Paper) -> str:
    return (paper.title or "") + SEP + (paper.abstract or "")


def strong_names(paper: Paper) -> list[tuple[str, str]]:
    """``(name, type)`` pairs this paper introduces with a strong cue (type may be "")."""
    text = paper_text(paper)
    title_len = len(paper.title or "")
    # the title and the abstract as two spans: definitions look back only within a clause,
    # so no sentence splitting is needed here (it keeps this first pass cheap)
    sents = [(0, title_len), (title_len + len(SEP), len(text))]
    low = lower_text(text)
    out: list[tuple[str, str]] = []
    for s, e in sents:
        for (ls, le), (ss, se) in find_definitions(text, s, e):
            long, short = text[ls:le], strip_plural(text[ss:se])
            if is_generic_expansion(long, short, GENERIC_ACRONYMS):
                continue
            typ = type_from_head(long) or ""
            out.append((long, typ))
            out.append((short, typ))
        named = list(NAMED_CUE.finditer(low, s, e)) if may_name(low, s, e) else []
        for cue in list(PROPOSE_CUE.finditer(low, s, e)) + named:
            for a, b in name_spans(text, cue.end(), min(e, cue.end() + 40))[:1]:
                gap = text[cue.end():a]
                if len(gap) <= 25 and not _PUNCT.search(gap):
                    out.append((text[a:b], ""))
    lead = title_lead(paper.title or "")
    if lead:
        name = (paper.title or "")[lead[0]:lead[1]]
        if "(" not in name:
            out.append((name, ""))
    return out


def usable(name: str) -> bool:
    """Known names must look like names: not generic, not one lower-case word, not a bare number."""
    if len(name) < _MIN_LEN and not any(c.isupper() for c in name):
        return False
    if name in GENERIC_ACRONYMS or is_generic(name) or not any(c.isalpha() for c in name):
        return False
    if " " not in name and name.islower():
        return False
    return len(name) <= 60 and "\n" not in name


def collect(papers: Iterable[Paper]) -> dict[str, str]:
    """``name -> type`` over all papers (type "" when no cue typed it); order-independent."""
    return reduce_names(strong_names(p) for p in papers)


def reduce_names(per_paper: Iterable[list[tuple[str, str]]]) -> dict[str, str]:
    """Vote each name's type over the papers that introduce it (a paper votes once)."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for names in per_paper:
        for name, typ in set(names):
            if usable(name):
                votes[name][typ] += 1
    lexicon = load_lexicon()
    out = {}
    for name in sorted(votes):
        if name in lexicon:
            continue
        typed = {t: n for t, n in votes[name].items() if t}
        out[name] = max(sorted(typed), key=lambda t: typed[t]) if typed else ""
    return out


def merge(*parts: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in parts:
        for k, v in part.items():
            if k not in out or (not out[k] and v):
                out[k] = v
    return out


# -- a knowledge file: the knowledge of a whole corpus, for extracting it in shards ----------
KNOWLEDGE_HEADER = "# kg corpus knowledge: name<TAB>type (type may be empty)"


def write_knowledge(knowledge: Mapping[str, str], fp) -> None:
    """Write ``name<TAB>type`` lines, sorted (the same knowledge gives the same bytes)."""
    fp.write(KNOWLEDGE_HEADER + "\n")
    for name in sorted(knowledge):
        fp.write(f"{name}\t{knowledge[name]}\n")


def read_knowledge(fp, name: str = "<knowledge>") -> dict[str, str]:
    """Read what ``write_knowledge`` wrote; a bad line raises ``BadInput`` naming ``name:line``."""
    from kg.errors import BadInput
    from kg.schema import ENTITY_TYPES

    out: dict[str, str] = {}
    for lineno, line in enumerate(fp, 1):
        line = line.rstrip("\n").rstrip("\r")
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip():
            raise BadInput(f"{name}:{lineno}: expected `name<TAB>type`, got {line[:60]!r}")
        if parts[1] and parts[1] not in ENTITY_TYPES:
            raise BadInput(f"{name}:{lineno}: unknown entity type {parts[1]!r} "
                           f"(one of {', '.join(ENTITY_TYPES)}, or empty)")
        out[parts[0]] = parts[1]
    return out
