"""entity_search on the embedded store; the Cypher is ``cypher/entity_search.cypher``.

The rule, the same on both stores: a *word* is a run of letters and digits, lower-cased
(every other character separates words: ``GPT-3.5`` is ``gpt 3 5``, ``foo_bar`` is
``foo bar``); an entity matches when the words of the text stand next to each other, in
that order, among the words of its name or of one of its aliases. The Cypher splits the
text and matches each name and alias with the same rule (``[\\p{L}\\p{N}]``, ``toLower``).
"""

from __future__ import annotations

import re
from typing import Any

from kg.queries.common import ENT_SQL, Ent, Row, ent, limit

COLUMNS = ("name", "type", "papers", "aliases", "id")

WORD = re.compile(r"[^\W_]+")  # a letter or digit: Python's isalnum, Java's [\p{L}\p{N}]

#: the only characters outside ASCII whose lower case holds an ASCII letter (İ -> i̇, K -> k):
#: rows holding them are candidates for any word with that letter, as LIKE folds ASCII only
_FOLDS_TO_ASCII = {"i": "\u0130", "k": "\u212a"}


def words(text: str) -> list[str]:
    """The words of ``text``: its runs of letters and digits, lower-cased."""
    return WORD.findall(text.lower())


def has_words(form: str, phrase: list[str]) -> bool:
    """Do ``phrase``'s words stand next to each other, in order, among the words of ``form``?"""
    have, n = words(form), len(phrase)
    return any(have[i:i + n] == phrase for i in range(len(have) - n + 1))


def matches(entity: Ent, phrase: list[str]) -> bool:
    return any(has_words(form, phrase) for form in [entity["name"], *entity["aliases"]])


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    phrase = words(params["text"])
    if not phrase:
        return []
    ascii_words = [w for w in phrase if w.isascii()]
    if ascii_words:  # narrow down in SQL (a form with the word holds it, LIKE folds ASCII case), decide here
        word = max(ascii_words, key=len)
        where = ["name LIKE ?", "aliases LIKE ?"]
        args = ["%" + word + "%"] * 2
        for letter, char in _FOLDS_TO_ASCII.items():
            if letter in word:
                where += ["instr(name, ?)", "instr(aliases, ?)"]
                args += [char, char]
        rows = store.sql(ENT_SQL + " WHERE " + " OR ".join(where), args)
    else:
        rows = store.sql(ENT_SQL)
    out = [{"name": e["name"], "type": e["type"], "papers": e["paper_count"], "aliases": e["aliases"], "id": e["id"]}
           for e in map(ent, rows) if matches(e, phrase)]
    out.sort(key=lambda r: (-r["papers"], r["name"], r["id"]))
    return limit(out, params)
