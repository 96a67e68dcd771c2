"""COMPARES_WITH: baselines the paper compares against ("outperforms X", "compared with X",
"baselines such as X", "improvements over X")."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.base import Candidate, PaperDoc, enumeration_after, state
from kg.extract.lineage import techniques_after

COMPARE_CUE = re.compile(
    r"\b(?:outperform(?:s|ed|ing)?|surpass(?:es|ed|ing)?|beat(?:s|ing)?|better than|stronger than|faster than|"
    r"compared (?:with|to|against)|comparisons? (?:with|to|against)|compar(?:e|es|ing) (?:with|to|against)|"
    r"compar(?:e|es|ing) (?:it|them|this|these|our (?:\w+ ){0,2}?(?:method|model|approach|system|framework)s?) "
    r"(?:with|to|against)|"
    r"competitive (?:with|against|to)|on par with|comparabl[ey] (?:to|with)|relative to|"
    r"(?:improvements?|gains?|advantages?) (?:over|against)|against|versus|vs\.?|over|"
    r"baselines?(?: methods| models)?(?: such as| like| including|:|,)?|rivals?|matches|exceeds?|exceeding|"
    r"(?:closes?|closing|narrows?|narrowing) the gap (?:to|with)|"
    r"(?:is |are |remains? )?within \d+(?:\.\d+)?\s?%(?: points)? of|"
    r"(?:nears?|nearing|approach(?:es|ing)?|match(?:es|ing)?|rival(?:s|ing)?|exceed(?:s|ing)?|tripl(?:e|es|ing)|"
    r"doubl(?:e|es|ing)|surpass(?:es|ing)?) the (?:\w+ ){0,2}?performance of|"
    r"(?:performs?|performing|perform) (?:competitively|comparably|on par)(?: \([^()]{0,30}\))? (?:with|against|to)|"
    r"(?:competitive|comparable) (?:performance|results|accuracy) (?:with|against|to)|"
    r"(?:higher|lower|better|greater|stronger) (?:\w+ ){0,2}?than|improv(?:es|ed|ing|e) (?:up)?on)\s+"
    r"(?:(?:the|a|an|other|existing|previous|prior|strong|standard|competitive|popular|both|several|many|"
    r"state-of-the-art|sota|baselines?|methods?|models?|such as|like|including|even|much|larger|current|"
    r"best|its|their|prominent|leading|recent|vanilla|conventional|traditional)\s+)*")
#: a comparison's object named by its examples: "outperforms open models such as PaLM or Chinchilla"
_EXAMPLES_AFTER = re.compile(r"[^.;:()]{0,60}?(?:,?\s+such as|,?\s+e\.g\.,?|,?\s+including|,\s+like|\s+like)\s+", re.I)
BASELINE_LIST = re.compile(r"\bbaselines?,?\s*(?:such as|like|including|e\.g\.,?|namely|:)\s*")
_BASELINE_AFTER = re.compile(r"\s*(?:baselines?)\b", re.I)


def comparison_targets(text: str, st: PaperDoc) -> list[Candidate]:
    out: list[Candidate] = []
    for s, e in st.sents:
        if s not in st.own_sents:
            continue
        ms = [m for m in st.by_sent.get(s, []) if m.type in ("Model", "Method", None)]
        for cue in COMPARE_CUE.finditer(st.lower, s, e):
            weak = cue.group(0).split()[0].lower() in ("over", "against")
            objs = enumeration_after(text, ms, cue.end(), e, max_gap=25 if not weak else 6, loose=True)
            if not weak:
                ex = _EXAMPLES_AFTER.match(st.lower, cue.end(), e)
                if ex and all(m.end <= ex.end() for m in objs):  # a kind of model, then its examples
                    objs = enumeration_after(text, ms, ex.end(), e, max_gap=3, loose=True) or objs
            for m in objs:
                out.append(Candidate("COMPARES_WITH", m, "outperforms", 0.55 if weak else 0.75))
            if not objs and not weak:
                for phrase in techniques_after(text, st.by_sent.get(s, []), cue.end(), e):
                    out.append(Candidate("COMPARES_WITH", phrase, "outperforms-phrase", 0.55))  # "better than X tuning"
        for cue in BASELINE_LIST.finditer(st.lower, s, e):
            named = [m for m in st.by_sent.get(s, []) if m.type not in ("Task", "Metric")]
            for m in enumeration_after(text, named, cue.end(), e, max_gap=10, loose=True):
                out.append(Candidate("COMPARES_WITH", m, "baselines-such-as", 0.75))
        for m in ms:
            if _BASELINE_AFTER.match(text, m.end, e):
                out.append(Candidate("COMPARES_WITH", m, "x-baseline", 0.6))
    return out


@Language.factory("kg_compares", requires=["doc._.kg"], assigns=["doc._.kg"])
def make_compares(nlp: Language, name: str):
    return ComparesCues()


class ComparesCues:
    def __call__(self, doc: Doc) -> Doc:
        st = state(doc)
        st.cands += comparison_targets(st.text, st)
        return doc
