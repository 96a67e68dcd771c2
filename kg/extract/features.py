"""The candidate entities of one paper and the features the learned model decides them on.

The rule components over-generate: every cue that may relate the paper to a mention adds a
:class:`~kg.extract.base.Candidate` (some rules only for the model: ``base.model_only``). The
candidates whose mentions name one thing (one key: the scoring normalisation, an acronym
mapped to its expansion) form a :class:`Group`: one possible entity of the paper, with all
its mentions in the paper.

A group's features are strings (a sparse binary vector) that describe how papers talk, never
a particular name: which rules fired and what they implied, where the mentions come from
(lexicon, corpus knowledge, name shape, acronym, cue phrase), the type the lexicon, the
head word or the next word give, where the mentions are (title, the title's lead name, the
paper's own sentences), how often the paper names it, whether it is the paper's own
contribution or named next to it, and the words at and around the mentions. A word is a
feature only when it is a plain lower-case word ("on", "dataset", "segmentation");
capitalised words and names are reduced to their shape ("GPT-3.5" -> ``#X-d.d``).

Pure functions over the Doc state (``PaperDoc``) the rule components leave; cheap enough to
run on every paper (ablations showed the costlier sentence-level cue features added nothing
the rules' own features did not already carry).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from kg.extract.base import Candidate, Mention, PaperDoc
from kg.extract.text import type_from_following, type_from_head, type_from_shape
from kg.ids import compact_key as _compact_key

compact_key = lru_cache(maxsize=1 << 16)(_compact_key)


@dataclass
class Group:
    """One possible entity of a paper: its key, its mentions, the rule cues that fired on it."""

    key: str
    mentions: list[Mention] = field(default_factory=list)
    cands: list[Candidate] = field(default_factory=list)
    features: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        return list(dict.fromkeys(m.text for m in self.mentions))


# ---------------------------------------------------------------- words


_UPPER = re.compile(r"[A-Z]+")
_LOWER = re.compile(r"[a-z]+")
_DIGIT = re.compile(r"[0-9]+")


@lru_cache(maxsize=1 << 16)
def shape(word: str) -> str:
    """A coarse shape: runs of capitals, lower-case letters and digits collapsed ("GPT-3.5" -> "X-d.d")."""
    return _DIGIT.sub("d", _LOWER.sub("x", _UPPER.sub("X", word)))[:8]


@lru_cache(maxsize=1 << 16)
def word_feature(word: str) -> str:
    """A plain lower-case word stands for itself; anything else by its shape."""
    if word.islower() and word.replace("-", "").isalpha():
        return word
    return "#" + shape(word)


_PREV_WORD = re.compile(r"([\w\-+.'’/]+|[(),:;\"“”])\s*$")
_NEXT_WORD = re.compile(r"\s*([\w\-+.'’/]+|[(),:;\"“”])")


def _prev(text: str, pos: int, floor: int) -> str:
    m = _PREV_WORD.search(text, max(floor, pos - 24), pos)
    return word_feature(m.group(1).rstrip(".") or ".") if m else "<s>"


def _next(text: str, pos: int, ceil: int) -> str:
    m = _NEXT_WORD.match(text, pos, ceil)
    return word_feature(m.group(1).rstrip(".") or ".") if m else "</s>"


# ---------------------------------------------------------------- groups


def group_key(m: Mention, st: PaperDoc, keys: set[str] | frozenset[str] = frozenset()) -> str:
    """The key of the entity a mention names: acronyms map to their expansion, plurals to
    singulars that the paper also names (``keys``: the keys of all its mentions)."""
    if m.source == "acronym-short" and m.link:
        return compact_key(m.link)
    text = m.text
    short = text[:-1] if len(text) > 2 and text.endswith("s") and text[-2].isupper() else text
    if short in st.acronyms:
        return compact_key(st.acronyms[short])
    if text in st.acronyms:
        return compact_key(st.acronyms[text])
    k = compact_key(text)
    if k.endswith("s") and k[:-1] in keys:
        return k[:-1]
    return k


def candidate_groups(st: PaperDoc) -> list[Group]:
    """The candidate entities of a paper (every group of mentions a rule cue fired on), with
    their features, in order of first mention."""
    groups: dict[str, Group] = {}
    keys = {compact_key(m.text) for m in st.mentions}
    memo: dict[int, str] = {}

    def key_of(m: Mention) -> str:
        k = memo.get(id(m))
        if k is None:
            k = memo[id(m)] = group_key(m, st, keys)
        return k

    for c in st.cands:
        m = c.mention
        if not m.text.strip() or m.text in st.generic:
            continue
        k = key_of(m)
        if k:
            g = groups.get(k)
            if g is None:
                g = groups[k] = Group(k)
            g.cands.append(c)
    if not groups:
        return []
    seen: set[tuple[int, int, str]] = set()
    for m in [c.mention for c in st.cands] + st.mentions:
        if (m.start, m.end, m.text) in seen:
            continue
        g = groups.get(key_of(m))
        if g is not None:
            seen.add((m.start, m.end, m.text))
            g.mentions.append(m)
    out = sorted(groups.values(), key=lambda g: (min(m.start for m in g.mentions), g.key))
    starts = [s for s, _ in st.sents]
    lead = _title_lead_end(st)
    # the paper's own contribution: groups a strong PROPOSES cue fired on, and their sentences
    strong = {g.key for g in out if any(c.type == "PROPOSES" and c.confidence >= 0.8 for c in g.cands)}
    contrib: dict[int, set[str]] = {}
    sents_of: dict[str, set[int]] = {}
    for g in out:
        ss = sents_of[g.key] = {starts[i] for m in g.mentions for i in (bisect_right(starts, m.start) - 1,) if i >= 0}
        if g.key in strong:
            for s in ss:
                contrib.setdefault(s, set()).add(g.key)
    for g in out:
        f = group_features(g, st, starts, lead)
        if strong:
            f.add("paper_proposes")
            if g.key in strong:
                f.add("strong_proposed")
            if any(contrib.get(s, set()) - {g.key} for s in sents_of[g.key]):
                f.add("with_proposed")
        g.features = list(f)
    return out


_LEAD = re.compile(r"^\s*([^:]{1,80}?)\s*:\s+\S")


def _title_lead_end(st: PaperDoc) -> int:
    """The end of the name before the title's colon, or -1."""
    m = _LEAD.match(st.text, 0, st.title_len)
    return m.end(1) if m else -1


def _bucket(n: int) -> str:
    return str(n) if n < 4 else "4+"


@lru_cache(maxsize=1 << 16)
def name_features(name: str) -> tuple[str, ...]:
    """What a name looks like: words, digits, case, first and last word, the type its head
    word or its shape suggests."""
    f = []
    words = name.split() or [name]
    f.append("nw=" + _bucket(len(words)))
    if any(c.isdigit() for c in name):
        f.append("digit")
    if name.islower():
        f.append("lower")
    elif name.isupper():
        f.append("upper")
    elif any(c.isupper() for c in name[1:]):
        f.append("innercap")
    f.append("last=" + word_feature(words[-1]))
    f.append("first=" + word_feature(words[0]))
    t = type_from_head(name)
    if t:
        f.append("head=" + t)
    t = type_from_shape(name)
    if t:
        f.append("shape=" + t)
    return tuple(f)


def group_features(g: Group, st: PaperDoc, starts: list[int], lead_end: int) -> set[str]:
    text = st.text
    name = max(g.mentions, key=lambda m: len(m.text)).text
    f: set[str] = set(name_features(name))
    if name in st.known:
        f.add("known")
    sents: set[int] = set()
    n_sents = len(st.sents)
    for m in g.mentions:
        f.add("src=" + m.source)
        if m.type:
            f.add("mtype=" + m.type)
        i = bisect_right(starts, m.start) - 1
        if i < 0:
            continue
        s, e = st.sents[i]
        sents.add(s)
        f.add("prev=" + _prev(text, m.start, s))
        f.add("next=" + _next(text, m.end, e))
        follow = type_from_following(text, m.end)
        if follow:
            f.add("follow=" + follow)
        if s in st.headings:
            f.add("in_title")
            if lead_end > 0 and m.end <= lead_end:
                f.add("title_lead" if m.start <= 1 and m.end >= lead_end - 1 else "in_title_lead")
        elif i == n_sents - 1:
            f.add("last_sent")
        f.add("own" if s in st.own_sents else "not_own")
    f.add("nsent=" + _bucket(len(sents)))
    f.add("nment=" + _bucket(len(g.mentions)))
    for c in g.cands:
        f.add("rule=" + c.rule)
        if c.type:
            f.add("cand=" + c.type)
        if c.implied_type:
            f.add("implied=" + c.implied_type)
    return f
