"""Acronym definitions: "masked image modeling (MIM)", "FIBER (Fusion-In-the-Backbone-based
transformER)", "Leave-One-Out K-Nearest-Neighbor, or LOOK for short".

The long form is found with the Schwartz & Hearst (2003) algorithm, as in scispaCy's
abbreviation detector. The expansion becomes the entity name, the acronym its alias.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.base import Mention, state
from kg.extract.text import is_generic_expansion, type_from_head

_PAREN = re.compile(r"\(([^()\n]{1,80})\)")
_SHORT_OK = re.compile(r"^[A-Za-z][A-Za-z0-9\-.&/+]{0,11}$")
_FOR_SHORT = re.compile(r"([^,;.()]{3,80}?),?\s+or\s+([A-Z][A-Za-z0-9\-]{1,11})\s+for short")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z0-9\-.&+]{1,15})\s*$")
_STOP_START = frozenset("a an the of for and or in on to with by our we this that these its their is are".split())


def valid_short(short: str) -> bool:
    """A plausible acronym: one word, starts with a letter, at least two capitals or a capital and a digit."""
    if not _SHORT_OK.match(short):
        return False
    caps = sum(c.isupper() for c in short)
    return caps >= 2 or (caps >= 1 and any(c.isdigit() for c in short)) or (caps == 1 and len(short) <= 4 and short[0].isupper())


def strip_plural(short: str) -> str:
    return short[:-1] if len(short) > 2 and short.endswith("s") and short[-2].isupper() else short


def find_long_form(short: str, candidate: str) -> str | None:
    """Schwartz & Hearst: the shortest suffix of ``candidate`` whose letters spell ``short``."""
    s = strip_plural(short)
    s_idx, l_idx = len(s) - 1, len(candidate) - 1
    while s_idx >= 0:
        c = s[s_idx].lower()
        if not c.isalnum():
            s_idx -= 1
            continue
        while l_idx >= 0 and (candidate[l_idx].lower() != c or
                              (s_idx == 0 and l_idx > 0 and candidate[l_idx - 1].isalnum())):
            l_idx -= 1
        if l_idx < 0:
            return None
        l_idx -= 1
        s_idx -= 1
    start = max(candidate.rfind(" ", 0, l_idx + 1), candidate.rfind("(", 0, l_idx + 1)) + 1
    long = candidate[start:].strip()
    if long.endswith(("'s", "’s")):
        long = long[:-2]
    words = long.split()
    if not words or words[0].lower() in _STOP_START or len(words) > len(s) + 4 or len(long) <= len(s):
        return None
    if long.lower().startswith(s.lower()):
        return None
    return long


def find_definitions(text: str, start: int, end: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """``((long_start, long_end), (short_start, short_end))`` for each definition in ``text[start:end]``."""
    out: list[tuple[tuple[int, int], tuple[int, int]]] = []
    if text.find("(", start, end) < 0 and text.find("for short", start, end) < 0:
        return out  # the common case: nothing to look at
    for m in _PAREN.finditer(text, start, end):
        inner = m.group(1).strip()
        inner_start = m.start(1) + (len(m.group(1)) - len(m.group(1).lstrip()))
        if valid_short(inner):
            # "long form (SHORT)": look back over at most len(short)+4 words of the same clause
            window_start = max(start, m.start() - 120)
            window = text[window_start:m.start()]
            cut = max(window.rfind(c) for c in ";:.")
            if cut >= 0:
                window = window[cut + 1:]
            words = window.rstrip().split()
            candidate = " ".join(words[-(len(inner) + 4):])
            long = find_long_form(inner, candidate)
            if long:
                ls = text.rfind(long, window_start, m.start())
                if ls >= 0:
                    out.append(((ls, ls + len(long)), (inner_start, inner_start + len(inner))))
        elif len(inner.split()) >= 2 or "-" in inner:
            # "SHORT (long form)"
            wb = _WORD_BEFORE.search(text, max(start, m.start() - 20), m.start())
            if wb and valid_short(wb.group(1)):
                long = find_long_form(wb.group(1), inner)
                if long and long == inner:
                    out.append(((inner_start, inner_start + len(inner)), (wb.start(1), wb.end(1))))
    if text.find("for short", start, end) < 0:
        return out
    for m in _FOR_SHORT.finditer(text, start, end):
        long = find_long_form(m.group(2), m.group(1).strip())
        if long:
            ls = text.rfind(long, m.start(1), m.end(1))
            out.append(((ls, ls + len(long)), (m.start(2), m.end(2))))
    return out


def _generic_acronyms() -> frozenset[str]:
    from kg.extract.mentions import GENERIC_ACRONYMS

    return GENERIC_ACRONYMS


@Language.factory("kg_acronyms", requires=["doc._.kg"], assigns=["doc._.kg"])
def make_acronyms(nlp: Language, name: str):
    return AcronymFinder()


class AcronymFinder:
    """Adds a mention for each long form and short form, linked to each other."""

    def __call__(self, doc: Doc) -> Doc:
        st = state(doc)
        text = st.text
        for s, e in st.sents:
            for (ls, le), (ss, se) in find_definitions(text, s, e):
                long, short = text[ls:le], text[ss:se]
                if is_generic_expansion(long, short, _generic_acronyms()):
                    st.generic.add(short)
                    st.generic.add(strip_plural(short))
                    continue
                typ = type_from_head(long)
                st.acronyms.setdefault(strip_plural(short), long)
                st.mentions.append(Mention(ls, le, long, typ, "acronym-long", link=short, strong=True))
                st.mentions.append(Mention(ss, se, short, typ, "acronym-short", link=long, strong=True))
        return doc
