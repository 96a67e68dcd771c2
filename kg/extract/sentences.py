"""Sentences, and which of them speak of the paper's own work.

The title is one sentence; the abstract is split with a regex splitter (faster than a
token-level sentencizer, and it keeps "e.g." and "et al." inside sentences). A sentence is
the paper's *own* when it says "we", "our", "this paper/work/study", reports experiments or
results, or is the title; relations found only in other (background) sentences are dropped.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.base import SEP, state
from kg.extract.text import embedded_title_end, split_sentences

OWN = re.compile(
    r"\b(?:we|our|us|ours|this (?:paper|work|study|article|report|approach|method|model)|the proposed|"
    r"(?:the |our )?experiments?|experimental|empirical(?:ly)?|results? (?:show|demonstrate|indicate|reveal|suggest)|"
    r"(?:evaluations?|ablations?) (?:on|of|show|shows|demonstrate|reveal|indicate|confirm)|here|in this (?:paper|work)|(?:the )?resulting|outperform\w*|surpass\w*|"
    r"(?:as )?compared (?:to|with))\b")


#: what earlier work did ("previous methods", "has been shown")
BACKGROUND = re.compile(r"\b(?:previous|prior|existing|recent|earlier|traditional|conventional) "
                        r"(?:work|works|methods?|approaches|studies|models|systems)\b|\b(?:has|have) been\b|\bet al\b")
#: every BACKGROUND match holds one of these (a sentence without any is not searched)
_BACKGROUND_KEYS = ("previous", "prior", "existing", "recent", "earlier", "traditional", "conventional", "been",
                    "et al")
WE = re.compile(r"\b(?:we|our|us)\b")
PRONOUN_CLAIM = re.compile(r"(?:It|They|This|These|Its)\s+(?:\w+\s+)?(?:improves?|achieves?|outperforms?|obtains?|"
                           r"yields?|reaches|sets|shows?|performs?|results?|brings?|leads?)\b")


def _background(low: str, s: int, e: int) -> bool:
    """``BACKGROUND.search(low, s, e)``, skipped when none of its key words is there."""
    return any(low.find(k, s, e) >= 0 for k in _BACKGROUND_KEYS) and BACKGROUND.search(low, s, e) is not None


def _has_we(low: str, s: int, e: int) -> bool:
    """The common case of OWN, by plain substring search."""
    seg = low[s:e]
    return seg.startswith(("we ", "our ")) or " we " in seg or " our " in seg


@Language.factory("kg_sentences", assigns=["doc._.kg"])
def make_sentences(nlp: Language, name: str):
    return SentenceSplitter()


class SentenceSplitter:
    def __call__(self, doc: Doc) -> Doc:
        st = state(doc)
        text = st.text
        st.sents = [(0, st.title_len)] if st.title_len else []
        st.headings = {0}
        a = st.title_len + len(SEP)
        body = split_sentences(text[a:], a)
        if body:
            cut = embedded_title_end(text, body[0][0], body[0][1])
            if cut is not None:  # a title glued to the abstract is a sentence (and a title) of its own
                rest = len(text[cut:body[0][1]]) - len(text[cut:body[0][1]].lstrip())
                body[0:1] = [(body[0][0], cut), (cut + rest, body[0][1])]
                st.headings.add(body[0][0])
        st.sents += body
        low = st.lower
        st.own_sents = {s for s, e in st.sents
                        if s in st.headings or ((_has_we(low, s, e) or OWN.search(low, s, e) or PRONOUN_CLAIM.match(text, s, e))
                                      and (not _background(low, s, e) or WE.search(low, s, e)))}
        return doc
