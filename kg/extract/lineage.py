"""BUILDS_ON: the model or method the paper's contribution starts from ("based on X",
"fine-tuned from X", "continual pretraining of X", "a distilled version of X", "X-style")."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.base import Candidate, PaperDoc, enumeration_after, state

LINEAGE_CUE = re.compile(
    r"\b(?:based on|built (?:up)?on|builds? (?:up)?on|building (?:up)?on|on top of|starting from|start from|"
    r"initiali[sz]ed (?:from|with)|initiali[sz]ing (?:from|with)|derived from|adapted from|adapts?|adapting|"
    r"extends?|extending|extension of|extensions? to|a variant of|variants? of|a version of|"
    r"distilled (?:version )?(?:of|from)|distill(?:s|ing)?|compress(?:es|ing)?|"
    r"fine-?tun(?:e|es|ed|ing)(?: of)?|further pre-?train(?:s|ed|ing)?|continual(?:ly)? pre-?train(?:s|ed|ing)? (?:of|from)|"
    r"continued pre-?training (?:of|from)|inherits? from|improves? upon|builds? upon|upgrades?|"
    r"apply (?:\w+ ){0,4}?(?:to|on)|applied (?:\w+ ){0,3}?(?:to|on)|employ (?:\w+ ){0,4}?on|inspired by|modif(?:y|ies|ied|ying))\s+"
    r"(?:(?:the|a|an|pre-?trained|existing|off-the-shelf|open-source|popular|strong|original|powerful)\s+)*")
_MODEL_ONLY = re.compile(r"(?i)(?:fine-?tun|further|continu|distill|compress|initiali|apply|applied|employ)")
STYLE_SUFFIX = re.compile(r"-(?:style|initiali[sz]ed)\b", re.I)


def lineage_targets(text: str, st: PaperDoc) -> list[Candidate]:
    out: list[Candidate] = []
    for s, e in st.sents:
        if s not in st.own_sents:
            continue
        ms = [m for m in st.by_sent.get(s, []) if m.type in ("Model", "Method", None)]
        if not ms:
            continue
        for cue in LINEAGE_CUE.finditer(st.lower, s, e):
            model_only = _MODEL_ONLY.match(cue.group(0))
            for m in enumeration_after(text, ms, cue.end(), e, max_gap=12):
                if model_only and m.type == "Method":
                    continue
                out.append(Candidate("BUILDS_ON", m, "based-on", 0.75 if m.type else 0.6))
        for m in ms:
            if STYLE_SUFFIX.match(text, m.end, e):
                out.append(Candidate("BUILDS_ON", m, "x-style", 0.65))
    return out


@Language.factory("kg_lineage")
def make_lineage(nlp: Language, name: str):
    return LineageCues()


class LineageCues:
    def __call__(self, doc: Doc) -> Doc:
        st = state(doc)
        st.cands += lineage_targets(st.text, st)
        return doc
