"""USES: training data ("pretrained on X", "pretraining datasets (A, B, C)"), tools and
techniques the paper applies ("we use X", "using X"), metrics it reports results in, and
the models its own sentences work with."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.base import Candidate, PaperDoc, enumeration_after, state

DATA_CUE = re.compile(
    r"\b(?:(?:pre-?)?train(?:s|ed|ing)?|fine-?tun(?:e|es|ed|ing)|learn(?:s|ed|ing)?|distill(?:ed|ing)?)\s+"
    r"(?:\w+\s+){0,3}?(?:on|with|from|using)\s+(?:the\s+|a\s+)?"
    r"|\b(?:data ?sets?|corpus|corpora|data)\s*(?:\(|:|such as|including|like|namely|e\.g\.,?)\s*")
USE_CUE = re.compile(
    r"\b(?:use|uses|used|using|employ(?:s|ed|ing)?|leverag(?:e|es|ed|ing)|adopt(?:s|ed|ing)?|"
    r"utili[sz](?:e|es|ed|ing)|apply(?:ing)?|applies|applied|incorporat(?:e|es|ed|ing)|combin(?:e|es|ed|ing)|"
    r"rel(?:y|ies|ying) on|with|via|through|by)\s+(?:(?:the|a|an|our|standard|existing|popular|off-the-shelf|"
    r"pre-?trained|both|several|multiple|various)\s+)*")
RESULT_WORDS = re.compile(
    r"(?:\d|\b(?:improv\w*|increas\w*|reduc\w*|achiev\w*|gain\w*|higher|lower|better|boost\w*|drop\w*|"
    r"outperform\w*|surpass\w*|loss of|minimi[sz]ed|maximi[sz]ed)\b)")
_BASED_SUFFIX = re.compile(r"-based\b", re.I)


def use_targets(text: str, st: PaperDoc) -> list[Candidate]:
    out: list[Candidate] = []
    for s, e in st.sents:
        if s not in st.own_sents:
            continue
        ms = st.by_sent.get(s, [])
        if not ms:
            continue
        data = [m for m in ms if m.type in ("Dataset", None)]
        for cue in DATA_CUE.finditer(st.lower, s, e):
            for m in enumeration_after(text, data, cue.end(), e, max_gap=30, loose=True):
                out.append(Candidate("USES", m, "trained-on", 0.7 if m.type else 0.55, implied_type="Dataset"))
        tools = [m for m in ms if m.type in ("Model", "Method", "Dataset", None)]
        for cue in USE_CUE.finditer(st.lower, s, e):
            weak = cue.group(0).split()[0].lower() in ("with", "via", "through", "by")
            for m in enumeration_after(text, tools, cue.end(), e, max_gap=4 if weak else 25, loose=not weak):
                out.append(Candidate("USES", m, "we-use", 0.5 if weak else 0.65))
        has_result = None  # searched for only when the sentence has a metric
        for m in ms:
            if m.type == "Metric" and has_result is None:
                has_result = bool(RESULT_WORDS.search(st.lower, s, e))
            if m.type == "Metric" and has_result:
                out.append(Candidate("USES", m, "metric-result", 0.6))
            elif _BASED_SUFFIX.match(text, m.end, e) and m.type in ("Model", "Method", None):
                out.append(Candidate("USES", m, "x-based", 0.55))
            elif m.type == "Model" or (m.type is None and m.source == "shape"):
                out.append(Candidate("USES", m, "model-in-own-sentence", 0.4))
            elif m.type == "Method" and m.source in ("lexicon", "known", "acronym-long", "acronym-short"):
                out.append(Candidate("USES", m, "method-in-own-sentence", 0.35))
    return out


@Language.factory("kg_uses", requires=["doc._.kg"], assigns=["doc._.kg"])
def make_uses(nlp: Language, name: str):
    return UsesCues()


class UsesCues:
    def __call__(self, doc: Doc) -> Doc:
        st = state(doc)
        st.cands += use_targets(st.text, st)
        return doc
