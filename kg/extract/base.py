"""What the components share: mentions, relation candidates, the Doc extensions, slot helpers.

A paper is one Doc whose text is ``title + "\\n\\n" + abstract``; offsets below are Doc
character offsets (``assemble`` maps them back to the field). Every component reads and adds to
one working state per Doc, :class:`PaperDoc` in ``doc._.kg`` (kept in ``doc.user_data["kg"]``;
each factory declares ``assigns=["doc._.kg"]``): sentences, :class:`Mention` objects, relation
:class:`Candidate` objects and, with the model, its decisions.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from spacy.tokens import Doc

SEP = "\n\n"


@dataclass
class Mention:
    start: int
    end: int
    text: str
    type: str | None = None
    source: str = "shape"
    #: the mention names the same entity as this other surface form (acronym <-> expansion)
    link: str | None = None
    #: strong sources make a name known corpus-wide
    strong: bool = False


@dataclass
class Candidate:
    type: str
    mention: Mention
    rule: str
    confidence: float
    #: the entity type this cue implies for an untyped mention
    implied_type: str | None = None


#: rules that over-generate candidates for the learned model: ``--rules-only`` extraction
#: (``assemble`` without a model) ignores them
MODEL_ONLY_RULES = frozenset({
    "abstract-lead-name", "title-subject", "we-propose-untyped", "proposed-variant", "subject-claim",
    "name-contains", "contribution-phrase", "example-tasks", "x-based-lineage", "model-experiments", "title-for-method", "pretrained-x", "title-phrase",
})


def model_only(rule: str) -> bool:
    """A rule whose candidates only the learned model weighs."""
    return rule in MODEL_ONLY_RULES


@dataclass
class PaperDoc:
    """Per-paper working state kept on the Doc."""

    title_len: int
    text: str = ""
    #: ``text`` lower-cased, same offsets (cue regexes search this)
    lower: str = ""
    sents: list[tuple[int, int]] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    cands: list[Candidate] = field(default_factory=list)
    #: acronym -> expansion defined in this paper
    acronyms: dict[str, str] = field(default_factory=dict)
    #: surface forms that are generic in this paper ("LLMs" defined as "large language models")
    generic: set[str] = field(default_factory=set)
    #: doc offsets of the sentences that speak of the paper's own work
    own_sents: set[int] = field(default_factory=set)
    #: starts of the sentences that are titles: the title, and a title glued to the abstract's start
    headings: set[int] = field(default_factory=set)
    #: mentions of each sentence (by sentence start), set by ``index_sentences``
    by_sent: dict[int, list[Mention]] = field(default_factory=dict)
    #: names known before this paper (the lexicon and the corpus knowledge), set by ``kg_mentions``
    known: "frozenset[str]" = frozenset()
    #: the learned model's decisions ``(group, relation type, probability)``, set by ``kg_decide``
    #: (None: the rules decide, ``--rules-only``)
    decisions: "list | None" = None


if not Doc.has_extension("kg"):
    Doc.set_extension("kg", getter=lambda doc: doc.user_data.get("kg"))


def lower_text(text: str) -> str:
    """``text`` in lower case with the same length (so offsets carry over); cue regexes run on
    it without re.IGNORECASE, which is several times faster."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def new_state(text: str) -> PaperDoc:
    title_len = text.find(SEP)
    return PaperDoc(title_len=len(text) if title_len < 0 else title_len, text=text, lower=lower_text(text))


def state(doc: Doc) -> PaperDoc:
    """The working state of a paper's Doc (``doc._.kg``), made on first use."""
    st = doc.user_data.get("kg")
    if st is None:
        st = new_state(doc.text)  # Doc.text joins every token: computed once
        doc.user_data["kg"] = st
    return st


def index_sentences(st: PaperDoc) -> None:
    """Group the (sorted) mentions by sentence, for the cue components that follow."""
    st.mentions.sort(key=lambda m: m.start)
    by: dict[int, list[Mention]] = {s: [] for s, _ in st.sents}
    i = 0
    ms = st.mentions
    for s, e in st.sents:
        while i < len(ms) and ms[i].start < s:
            i += 1
        j = i
        while j < len(ms) and ms[j].start < e:
            if ms[j].end <= e:
                by[s].append(ms[j])
            j += 1
    st.by_sent = by


def cue_hits(pattern: re.Pattern[str], st: PaperDoc, own_only: bool = False) -> dict[int, list[re.Match[str]]]:
    """Matches of a cue over the whole text (one regex pass), grouped by sentence start."""
    by: dict[int, list[re.Match[str]]] = {}
    sents = st.sents
    starts = [s for s, _ in sents]
    for m in pattern.finditer(st.lower):
        i = bisect_right(starts, m.start()) - 1
        if i < 0 or m.end() > sents[i][1]:
            continue
        s = starts[i]
        if own_only and s not in st.own_sents:
            continue
        by.setdefault(s, []).append(m)
    return by


_CLAUSE_BREAK = re.compile(r"[;!?]|(?<!\d)\.(?!\d)|\b(?:which|that|while|whereas|but|although|however|where|when|is|are|was|were|has|have|we|it|they)\b")
_ITEM_GAP = re.compile(
    r"^\s*(?:\([^()]{0,40}\))?\s*(?:(?:data ?sets?|benchmarks?|models?|corpus|corpora|tasks?|splits?|sets?|versions?)\s*)?"
    r"(?:,|,?\s*(?:and|or|as well as|&|/|vs\.?|versus)\b|,\s*(?:and|or)\b)\s*(?:the\s+|on\s+|to\s+)?$", re.I)
_CONTINUES = re.compile(r"\s*(?:\([^()]{0,40}\))?\s*(?:data ?sets?|benchmarks?)?\s*,?\s*(?:and|or)\b")
_GAP_WORD = re.compile(r"\b[a-z][a-z\-]*")
_FILLER = frozenset("""
and or for the a an of on in with as well both also other respectively including such e.g i.e by to at from
dataset datasets benchmark benchmarks task tasks model models set sets split splits version versions specific
domain domains language languages data test game games respective corresponding
""".split())


def _filler_only(gap: str) -> bool:
    """A gap inside a loose list holds only filler words, capitalised words and numbers."""
    return all(w in _FILLER for w in _GAP_WORD.findall(gap))


_JOINER = re.compile(r"\b(?:and|or|as well as|versus|vs)\b|[&/]")
_LOOSE_GAP = re.compile(r"^(?:[^;.:()]|\.(?=\d)){0,45}$")


def enumeration_after(text: str, mentions: list[Mention], pos: int, limit: int,
                      max_gap: int = 40, loose: bool = False) -> list[Mention]:
    """The mention right after ``pos`` (within ``max_gap`` characters, same clause) and the
    mentions enumerated with it ("X, Y and Z")."""
    out: list[Mention] = []
    cands = sorted((m for m in mentions if pos <= m.start and m.end <= limit), key=lambda m: m.start)
    if not cands:
        return out
    first = cands[0]
    gap = text[pos:first.start]
    if len(gap) > max_gap or _CLAUSE_BREAK.search(gap):
        return out
    out.append(first)
    prev = first
    joined = "(" in gap
    for m in cands[1:]:
        if m.start < prev.end:
            continue
        gap = text[prev.end:m.start]
        if _ITEM_GAP.match(gap) or (loose and _LOOSE_GAP.match(gap) and ("," in gap or " and " in gap)
                                     and not _CLAUSE_BREAK.search(gap) and _filler_only(gap)):
            out.append(m)
            prev = m
            if _JOINER.search(gap):
                joined = True
                if not _CONTINUES.match(text, m.end):
                    break  # "A, B and C": the list ends after the item joined by "and"
        else:
            break
    if len(out) == 2 and not joined and not text.startswith(")", prev.end):
        out = out[:1]  # "On ImageNet, ELU networks ...": one comma alone does not make a list (two do)
    types = {m.type for m in out if m.type}
    if len(types) == 1 and len(out) > 1:
        t = types.pop()
        for m in out:
            if m.type is None:
                m.type = t
    return out




