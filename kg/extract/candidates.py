"""Chunks: the runs of words of a sentence that may hold a name, found without a tagger.

A sentence is cut at punctuation and at function words (articles, prepositions, pronouns,
auxiliaries, frequent verbs, adverbs and the adjectives papers use of their own work), so a
chunk is a bare noun phrase: "Synthetic continued pretraining", "elastic student branch".
Pure text functions; no spaCy.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

#: words that never belong to a name phrase: they end a chunk
STOP_WORDS = frozenset("""
a an the this that these those our their its his her my your we they it he she i you us them one's
is are was were be been being am has have had do does did done can could will would shall should may might must
of in on at by for with from to into onto over under about above below between among through during via per
without within across against toward towards upon after before since until while beyond along alongside
and or but nor so yet both either neither not no only also than then thus however therefore moreover
furthermore hence which who whom whose what where when how why whether if because although though unless
whereas such as well very more most less least much many few several some any all each every other another
same there here e.g. i.e. et al etc vs versus
show shows showed shown demonstrate demonstrates demonstrated propose proposes proposed present presents
presented introduce introduces introduced achieve achieves achieved use uses used using employ employs
employed outperform outperforms outperformed improve improves improved enable enables enabled allow allows
allowed provide provides provided obtain obtains obtained perform performs performed find finds found make
makes made lead leads led remain remains remained become becomes became yield yields yielded require
requires required apply applies applied applying evaluate evaluates evaluated consider considers considered
called named dubbed termed call name dub term coined denoted known refer refers referred
achieving improving reducing providing making taking leading enabling allowing yielding requiring showing
demonstrating outperforming surpassing exceeding matching reaching
surpass surpasses surpassed exceed exceeds exceeded match matches matched reach reaches reached
explore explores explored investigate investigates investigated study studies studied examine examines examined
analyze analyzes analyzed analyse analyses analysed reveal reveals revealed suggest suggests suggested
indicate indicates indicated observe observes observed note notes noted see seen take takes took taken
give gives gave given get gets got include includes included including contain contains contained containing
consist consists consisted consisting comprise comprises comprised comprising involve involves involved
rely relies relied build builds built extend extends extended adopt adopts adopted leverage leverages
leveraged utilize utilizes utilized utilise utilises utilised incorporate incorporates incorporated
combine combines combined based focus focuses focused aim aims aimed help helps helped need needs needed
want wants try tries tried attempt attempts attempted develop develops developed designed
create creates created release releases released collect collects collected construct constructs constructed
address addresses addressed tackle tackles tackled solve solves solved offer offers offered report reports
reported conduct conducts conducted establish establishes established compare compares compared
trained trains
new novel simple effective efficient first second third various different existing previous prior recent
current popular standard strong large small larger smaller largest smallest better best higher lower
highest lowest significant significantly substantial comparable competitive main major crucial
important common typical traditional conventional general specific diverse numerous additional extensive
comprehensive thorough remarkable impressive promising superior challenging powerful robust scalable
""".split())
#: function words: they end a chunk even when capitalised inside a sentence ("Common Crawl" does not)
FUNCTION_WORDS = frozenset("""
a an the this that these those our their its his her my your we they it he she i you us them
is are was were be been being am has have had do does did can could will would shall should may might must
of in on at by for with from to into onto over under about above below between among through during via per
without within across against toward towards upon after before since until while and or but nor so yet both
either neither not no only also than then thus however therefore moreover furthermore hence which who whom
whose what where when how why whether if because although though unless whereas such as e.g. i.e. et al etc
""".split())
#: a word (letters or digits, joined by - + / . ' @ & *), ending in a letter, digit, + or *
WORD = re.compile(r"[A-Za-z0-9][\w\-+/.'’@&*]*[\w+*]|[A-Za-z0-9]")
_BREAK = re.compile(r"[,;:()\[\]{}\"“”!?]|(?<!\d)\.(?!\d)|\s[–—-]\s|\.\s")
_AFFIX = re.compile(r"(?i)-(?:based|style|like|family|specific|only|sized?|scale|level|pretrained|pre-trained|tuned|"
                    r"generated|aware|free|guided|initiali[sz]ed|centric|driven|powered|enhanced|augmented|type|"
                    r"inspired|derived|oriented|wise|trained|backed)$")
_NUMBER = re.compile(r"^[\d.,%]+$")
_ADVERB_OK = frozenset("family only supply assembly anomaly poly reply italy july apply".split())


class Word(NamedTuple):
    start: int
    end: int
    lower: str


class Chunk(NamedTuple):
    """A run of words that may hold names; ``words`` in text order."""

    words: tuple[Word, ...]


@lru_cache(maxsize=1 << 16)
def _stops(lower: str) -> bool:
    if lower in STOP_WORDS or _NUMBER.match(lower):
        return True
    return lower.endswith("ly") and len(lower) > 4 and lower not in _ADVERB_OK


def _ends_chunk(word: str, lower: str, sentence_start: bool) -> bool:
    """A capitalised word inside a sentence is kept unless it is a function word."""
    if word[:1].isupper() and not sentence_start:
        return lower in FUNCTION_WORDS
    return _stops(lower)


def chunks(text: str, start: int, end: int) -> list[Chunk]:
    """The chunks of ``text[start:end]`` (one sentence)."""
    out: list[Chunk] = []
    cur: list[Word] = []
    pos = start
    for m in WORD.finditer(text, start, end):
        s = m.start()
        w = m.group()
        if cur and (_BREAK.search(text, pos, s) or text.count("\n", pos, s)):
            out.append(Chunk(tuple(cur)))
            cur = []
        first = s == start
        pos = m.end()
        lw = w.lower()
        a = _AFFIX.search(w)
        if a and a.start() > 0:  # "BERT-based": the stem is also a chunk of its own
            out.append(Chunk((Word(s, s + a.start(), lw[:a.start()]),)))
        if _ends_chunk(w, lw, first):
            if cur:
                out.append(Chunk(tuple(cur)))
                cur = []
            continue
        cur.append(Word(s, m.end(), lw))
    if cur:
        out.append(Chunk(tuple(cur)))
    return out
