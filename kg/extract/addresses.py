"""ADDRESSES: the tasks the paper works on (a task named in the title, "for X" in the title,
"on the task of X", "tasks such as X", and task names in the paper's own sentences)."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.base import Candidate, Mention, PaperDoc, state
from kg.extract.text import is_generic, read_phrase, read_phrase_list, type_from_head

TITLE_FOR = re.compile(r"\b(?:for|towards?|in)\s+", re.I)
_NOT_TASK_HEAD = re.compile(r"(?i)(?:models?|llms?|lms?|transformers?|networks?|data|datasets?|languages?|domains?|"
                            r"images?|texts?|documents?|scale|all|free|everyone|sizes?)$")


def task_targets(text: str, st: PaperDoc) -> list[Candidate]:
    out: list[Candidate] = []
    heads = [(s, e) for s, e in st.sents if s in st.headings]
    for m in st.mentions:
        if m.type == "Task" and any(s <= m.start and m.end <= e for s, e in heads):
            out.append(Candidate("ADDRESSES", m, "title-task", 0.75))
    for cue in (c for h0, title_end in heads for c in TITLE_FOR.finditer(text, h0, title_end)):
        title_end = next(e for s, e in heads if s <= cue.start() < e)
        span = read_phrase(text, cue.end(), title_end, max_words=6)
        if not span:
            continue
        s, e = span
        phrase = text[s:e]
        rest = text[e:title_end].split()
        if _NOT_TASK_HEAD.search(phrase) or is_generic(phrase) or (rest and _NOT_TASK_HEAD.fullmatch(rest[0])):
            continue  # "for Initializing Variable-sized Models": the phrase was about models
        typ = type_from_head(phrase)
        if typ not in (None, "Task", "Method") or (typ is None and " " not in phrase):
            continue  # "for Dealing with ...", "for Law": one word that names no task
        existing = [m for m in st.mentions if m.start == s and m.end == e]
        if existing:
            m = existing[0]
        elif any(m.start < e and s < m.end and not (s <= m.start and m.end <= e) for m in st.mentions):
            continue
        else:  # the phrase is the more specific name: "Vietnamese Language Generation"
            inner = [m for m in st.mentions if s <= m.start and m.end <= e]
            st.mentions[:] = [m for m in st.mentions if not (s <= m.start and m.end <= e)]
            out[:] = [c for c in out if c.mention not in inner]
            m = Mention(s, e, phrase, "Task", "title-for")
            st.mentions.append(m)
        if m.type in (None, "Task") or typ == "Task" or m.source == "title-for":
            out.append(Candidate("ADDRESSES", m, "title-for-x", 0.6, implied_type="Task"))
    for s, e in st.sents:
        if s in st.headings or s not in st.own_sents:
            continue
        for m in st.by_sent.get(s, []):
            if m.type == "Task":
                out.append(Candidate("ADDRESSES", m, "task-in-own-sentence", 0.5))
        out += _listed_tasks(text, st, s, e)
        out += _example_tasks(text, st, s, e)
    return out


#: tasks named as examples: "tasks such as A, B and C", "30 generation tasks, including A, B, ..."
_TASK_EXAMPLES = re.compile(r"\btasks?\b,?\s*(?:\([^()]{0,30}\)\s*)?(?:such as|including|like|e\.g\.,?|namely|spanning|:|-|–|—)\s+"
                            r"|\b(?:tasks? such as|spanning tasks such as)\s+")


_PARTICIPLE = re.compile(r"[a-z]+ed\b(?!\s+(?:\w+\s+)?(?:generation|recognition|detection|classification|segmentation|"
                         r"retrieval|prediction|learning|translation|parsing|answering|reasoning|summari[sz]ation))")
_TASK_TAIL = re.compile(r"\s+(?:tasks?|problems?|settings?)$")


def _example_tasks(text: str, st: PaperDoc, s: int, e: int) -> list[Candidate]:
    """The tasks a sentence lists as examples (weak: for the learned model to weigh; as a rule
    they gained out of fold but lost on the SciREX abstracts, whose gold names few tasks)."""
    low = st.lower
    if low.find("task", s, e) < 0:
        return []
    out = []
    for cue in _TASK_EXAMPLES.finditer(low, s, e):
        for a, b in read_phrase_list(text, cue.end(), e):
            tail = _TASK_TAIL.search(text, a, b)
            b = tail.start() if tail and tail.start() > a else b  # "classification problems"
            phrase = text[a:b]
            if len(phrase.split()) > 5 or is_generic(phrase) or not phrase[:1].isalpha() \
                    or type_from_head(phrase) in ("Dataset", "Metric", "Model") or _PARTICIPLE.match(phrase):
                break  # the list has ended: "..., evaluated on ..."
            same = [m for m in st.mentions if m.start == a and m.end == b]
            if same:
                if same[0].type not in (None, "Task"):
                    continue
                m = same[0]
            elif any(m.start < b and a < m.end and not (a <= m.start and m.end <= b and m.type in (None, "Task"))
                     for m in st.mentions):
                continue  # a name is there: a dataset or a model, not a task's name
            else:
                m = Mention(a, b, phrase, "Task", "task")
            out.append(Candidate("ADDRESSES", m, "example-tasks", 0.4, implied_type="Task"))
    return out


#: what introduces a task by name: "on the task of X", "the problem of X" (lists after "tasks such as" gained out
#: of fold on both training sets but lost on the SciREX abstracts: left out)
TASK_LIST_CUE = re.compile(r"\b(?:the|a|an) (?:task|problem)s? of\s+")
_TASK_LIST_KEYS = ("task", "problem")


def _listed_tasks(text: str, st: PaperDoc, s: int, e: int) -> list[Candidate]:
    """Tasks a sentence of the paper's own names as its task ("we study the task of X")."""
    low = st.lower
    if not any(low.find(k, s, e) >= 0 for k in _TASK_LIST_KEYS):
        return []
    out = []
    for cue in TASK_LIST_CUE.finditer(low, s, e):
        for a, b in read_phrase_list(text, cue.end(), e):
            phrase = text[a:b]
            if len(phrase.split()) > 5 or is_generic(phrase) or not phrase[:1].isalpha():
                continue
            same = [m for m in st.mentions if m.start == a and m.end == b]
            if same:
                m = same[0]
                if m.type not in (None, "Task"):
                    continue
            elif any(m.start < b and a < m.end for m in st.mentions):
                continue  # a name is there: a dataset or a model, not a task's name
            else:
                m = Mention(a, b, phrase, "Task", "task")
                st.mentions.append(m)
            out.append(Candidate("ADDRESSES", m, "task-list", 0.6, implied_type="Task"))
    return out


@Language.factory("kg_addresses", requires=["doc._.kg"], assigns=["doc._.kg"])
def make_addresses(nlp: Language, name: str):
    return AddressesCues()


class AddressesCues:
    def __call__(self, doc: Doc) -> Doc:
        st = state(doc)
        st.cands += task_targets(st.text, st)
        st.mentions.sort(key=lambda m: m.start)
        return doc
