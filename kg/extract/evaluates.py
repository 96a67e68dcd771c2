"""EVALUATES_ON: datasets and benchmarks the paper reports experiments or results on
("evaluated on X", "experiments on X and Y show", "achieves 91.3% on X", "on the X benchmark")."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.base import Candidate, PaperDoc, enumeration_after, state

EVAL_SENTENCE = re.compile(
    r"\b(?:evaluat\w*|experiment\w*|results?|benchmark\w*|achiev\w*|outperform\w*|surpass\w*|state-of-the-art|"
    r"sota|accuracy|scores?|perform\w*|test\w*|validat\w*|improv\w*|gains?|tested|obtain\w*|reach\w*|sets? a new|"
    r"records?|leaderboard|top|rank\w*|competitive|demonstrat\w*|shows?|verif\w*|assess\w*|measur\w*|compar\w*)\b")
EVAL_SLOT = re.compile(r"\b(?:on|across|over|in|for|using|with|of)\s+(?:the\s+|a\s+|an\s+|both\s+|all\s+|several\s+|"
                       r"multiple\s+|various\s+|(?:two|three|four|five|six|\d+)\s+)?"
                       r"(?:(?:popular|standard|public|challenging|widely[- ]used|well-known|common|benchmark|"
                       r"large-scale|downstream|academic|real-world)\s+)*"
                       r"(?:(?:data ?sets?|benchmarks?|corpora|tasks?|test sets?)\s*(?:,|:|such as|including|like|namely)?\s*)?")
#: a result reported without "we": "State-of-the-art results are achieved on X"
RESULT_CLAIM = re.compile(r"\b(?:state-of-the-art|sota|new state|best (?:results?|performance|score)|achiev\w*|evaluat\w*|"
                          r"experiments?|results? (?:on|are)|outperform\w*|tested)\b")
#: what earlier work did (narrower than the sentence-level test: comparisons with recent work are results)
BACKGROUND = re.compile(r"\b(?:has|have) been\b|\bet al\b|\b(?:previous|prior|earlier) (?:work|works|studies)\b")
_DATA_NOUN = re.compile(r"(?:data ?sets?|benchmarks?|corpora|tasks?|test sets?)\s*(?:,|:|such as|including|like|namely)?\s*$")
_NOT_EVAL_BEFORE = re.compile(r"\b(?:based|built|relies|rely|relying|depends?|depending|focus\w*|draws?|building)\s+$")
_TRAIN_BEFORE = re.compile(r"(?i)(?:trained|trains|train|pre-?train\w*|fine-?tun\w*|learned|learns|collected|sourced|curated|drawn|built)\s+(?:[\w.\-]+\s+){0,3}$")
#: "on several object recognition datasets (CIFAR-10, CIFAR-100, ImageNet)"
LIST_IN_PARENS = re.compile(r"\b(?:data ?sets?|benchmarks?|corpora|test sets?|tasks?)\s*(?:\(\s*|,?\s*(?:including|such as|like|namely|e\.g\.,?|:)\s*|,\s*)"
                            r"(?:e\.g\.,?\s*|i\.e\.,?\s*|including\s+)?(?:the\s+)?")
_BENCH_AFTER = re.compile(r"\s*(?:benchmarks?|data ?sets?|test sets?|leaderboards?|splits?)\b", re.I)


#: a shared task's name ("SemEval-2023 Task 4", "… Shared Task"): a paper that names one in its title or its own
#: sentences ("our system for X", "Team Y at X: ...") took part in it, so it reports results on its data
SHARED_TASK = re.compile(r"\b(?:(?:Sub-?)?[Tt]ask\s*[-–]?\s*\d+[A-Za-z]?|[Ss]hared [Tt]ask)\b")


def evaluation_targets(text: str, st: PaperDoc) -> list[Candidate]:
    out: list[Candidate] = []
    for m in st.mentions:
        if m.type == "Dataset" and SHARED_TASK.search(m.text):
            s = _sentence_of(st, m.start)
            if s is not None and s in st.own_sents:
                out.append(Candidate("EVALUATES_ON", m, "shared-task", 0.8, implied_type="Dataset"))
    for s, e in st.sents:
        # the cheap test first (the tests only skip a sentence, so their order does not matter)
        ms = [m for m in st.by_sent.get(s, ()) if m.type in ("Dataset", None)]
        if not ms:
            continue
        if not EVAL_SENTENCE.search(st.lower, s, e):
            continue
        if s not in st.own_sents and (not RESULT_CLAIM.search(st.lower, s, e) or BACKGROUND.search(st.lower, s, e)):
            continue
        seen = set()
        for slot in EVAL_SLOT.finditer(st.lower, s, e):
            prep = slot.group(0).split()[0].lower()
            if _NOT_EVAL_BEFORE.search(st.lower, max(s, slot.start() - 12), slot.start()):
                continue  # "based on X", "focus on X"
            consumed_noun = bool(_DATA_NOUN.search(slot.group(0)))
            found = enumeration_after(text, ms, slot.end(), e, max_gap=3 if consumed_noun else 40, loose=True)
            if not found or _TRAIN_BEFORE.search(text, max(s, slot.start() - 40), slot.start()):
                continue
            for m in found:
                if id(m) in seen:
                    continue
                if m.type is None and prep not in ("on", "across", "over"):
                    continue
                seen.add(id(m))
                conf = 0.85 if m.type == "Dataset" else 0.6
                out.append(Candidate("EVALUATES_ON", m, "evaluated-on", conf, implied_type="Dataset"))
        for lst in LIST_IN_PARENS.finditer(st.lower, s, e):
            if _TRAIN_BEFORE.search(text, max(s, lst.start() - 40), lst.start()):
                continue
            for m in enumeration_after(text, ms, lst.end(), e, max_gap=20, loose=True):
                if id(m) not in seen:
                    seen.add(id(m))
                    out.append(Candidate("EVALUATES_ON", m, "datasets-list", 0.7, implied_type="Dataset"))
        for m in ms:
            if id(m) not in seen and _BENCH_AFTER.match(text, m.end, e):
                seen.add(id(m))
                out.append(Candidate("EVALUATES_ON", m, "x-benchmark", 0.7, implied_type="Dataset"))
    return out


def _sentence_of(st: PaperDoc, pos: int) -> int | None:
    """The start of the sentence holding ``pos``."""
    from bisect import bisect_right

    starts = [a for a, _ in st.sents]
    i = bisect_right(starts, pos) - 1
    return starts[i] if i >= 0 and pos < st.sents[i][1] else None


@Language.factory("kg_evaluates", requires=["doc._.kg"], assigns=["doc._.kg"])
def make_evaluates(nlp: Language, name: str):
    return EvaluatesCues()


class EvaluatesCues:
    def __call__(self, doc: Doc) -> Doc:
        st = state(doc)
        st.cands += evaluation_targets(st.text, st)
        return doc
