"""Where a text names one of a list of known names: the lexicon and the corpus knowledge.

A name matches where it is written in full and stands as whole words: what spaCy's English
tokenizer would make separate tokens of. Names with a capital letter match as written, the
others in any case (``lexicon.case_sensitive``). The boundaries follow the tokenizer's rules
for the characters names meet in abstracts: spaces, brackets, quotes and sentence punctuation
always separate (but an apostrophe before a digit: "WMT'14"); a hyphen, slash or colon
separates only before a letter ("BERT-based", "ViT/BERT", but not "Llama-2", "ViT-S/16") or a
hyphen between digits ("Llama-3-8B"); a full stop only at the end of a word ("BERT." but not
"GPT-3.5"); letters, digits and underscores never ("BERTs", "BERT_BASE").

Pure and fast: the words of a text that start some name are found with set operations, and\nonly their places in the text are looked at.
"""

from __future__ import annotations

import re
from typing import Iterable, NamedTuple

#: a run of word characters: the key of a name and the places a name may start
_WORD = re.compile(r"\w+")
#: the next word after a name's first word (what separates them is no word character)
_NEXT_WORD = re.compile(r"\W+(\w+)")
#: characters after which a name may start (besides whitespace and the text's start)
_OPENS = frozenset("([{\"'“‘«<,;!?)]}”’»>")
#: characters after which a name may start only when its first character is a letter
_JOINS = frozenset("-–—/:=")
#: characters before which a name may end (besides whitespace and the text's end)
_CLOSES = frozenset(")]}\"'”’»>,;!?([{“‘«<")
#: characters before which a name may end only when they are followed by a letter
_JOINS_AFTER = frozenset("-–—/=")


class NameMatch(NamedTuple):
    start: int
    end: int
    #: the name as listed (its case may differ from the text's when it matches in any case)
    name: str


class NameIndex:
    """Known names by their first word (one-word names) or their first two words (the rest),
    case-sensitive and case-insensitive apart. A name of several words is looked for only where
    its first two words follow each other in the text: common first words ("sentence", "pre")
    start many known names, and a text rarely holds the second word of more than one of them."""

    def __init__(self, sensitive: Iterable[str], insensitive: Iterable[str]) -> None:
        #: first word -> one-word names; first word -> second word -> longer names
        self.exact: dict[str, list[str]] = {}
        self.lower: dict[str, list[str]] = {}
        self.exact2: dict[str, dict[str, list[str]]] = {}
        self.lower2: dict[str, dict[str, list[str]]] = {}
        for names, ones, twos, fold in ((sensitive, self.exact, self.exact2, False),
                                        (insensitive, self.lower, self.lower2, True)):
            for n in names:
                listed = n.lower() if fold else n
                words = _WORD.findall(listed)
                if not words or not listed.startswith(words[0]):
                    continue
                if len(words) == 1:
                    ones.setdefault(words[0], []).append(listed)
                else:
                    twos.setdefault(words[0], {}).setdefault(words[1], []).append(listed)
        for index in (self.exact, self.lower):
            for key in index:
                index[key] = sorted(set(index[key]), key=lambda n: (-len(n), n))
        for index2 in (self.exact2, self.lower2):
            for seconds in index2.values():
                for key in seconds:
                    seconds[key] = sorted(set(seconds[key]), key=lambda n: (-len(n), n))
        #: the words that start some name (made once: a text's words are intersected with them)
        self.firsts = (frozenset(self.exact) | frozenset(self.exact2), frozenset(self.lower) | frozenset(self.lower2))

    def find(self, text: str, lower: str | None = None) -> list[NameMatch]:
        """Every match in ``text``, overlapping ones included, in order of start, longest first.
        ``lower``: ``text`` in lower case with the same length, when the caller has it."""
        if lower is None:
            lower = text.lower()
            if len(lower) != len(text):
                lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        out: list[NameMatch] = []
        # the words of the text that start a name: set operations, not a loop over every word (the
        # lower-case text has the same words, lower-cased: one regex pass serves both)
        exact_words = set(_WORD.findall(text))
        lower_words = {w.lower() for w in exact_words}
        if any(len(w) != len(w.lower()) for w in lower_words ^ exact_words):
            lower_words = set(_WORD.findall(lower))  # a letter whose lower case is longer: as the caller lowered it
        for ones, twos, hay, starts in ((self.exact, self.exact2, text, exact_words & self.firsts[0]),
                                        (self.lower, self.lower2, lower, lower_words & self.firsts[1])):
            for key in sorted(starts):
                single = ones.get(key, ())
                longer = twos.get(key)
                i = hay.find(key)
                while i >= 0:
                    j = i + len(key)
                    if (i == 0 or not _is_word(hay[i - 1])) and starts_word(text, i):
                        names: Iterable[str] = single
                        if longer:  # the names of several words whose second word comes next here
                            nxt = _NEXT_WORD.match(hay, j)
                            more = longer.get(nxt.group(1), ()) if nxt else ()
                            if more:
                                names = [*more, *single]
                        for n in names:
                            b = i + len(n)
                            if hay.startswith(n, i) and ends_word(text, b):
                                out.append(NameMatch(i, b, n))
                    i = hay.find(key, j)
        out.sort(key=lambda m: (m.start, -m.end, m.name))
        return out


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"


def starts_word(text: str, i: int) -> bool:
    """Whether a token may start at ``i``."""
    if i == 0:
        return True
    c = text[i - 1]
    if c.isspace() or c in _OPENS:
        return True
    if c in _JOINS and text[i].isalpha():
        return True
    return c == "-" and i >= 2 and text[i - 2].isdigit() and text[i].isdigit()


def ends_word(text: str, j: int) -> bool:
    """Whether a token may end at ``j``."""
    if j >= len(text):
        return True
    c = text[j]
    nxt = text[j + 1] if j + 1 < len(text) else " "
    if c in "'’":
        return not nxt.isdigit()
    if c.isspace() or c in _CLOSES:
        return True
    if c in _JOINS_AFTER:
        return nxt.isalpha() or (c == "-" and nxt.isdigit() and text[j - 1].isdigit())
    if c in ".:":
        return not nxt.isalnum()
    return False
