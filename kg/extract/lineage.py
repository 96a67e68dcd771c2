"""BUILDS_ON: the model or method the paper's contribution starts from ("based on X",
"fine-tuned from X", "continual pretraining of X", "a distilled version of X", "X-style")."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.base import Candidate, Mention, PaperDoc, enumeration_after, state
from kg.extract.text import is_generic, read_phrase_list, type_from_head

LINEAGE_CUE = re.compile(
    r"\b(?:based on|built (?:up)?on|builds? (?:up)?on|building (?:up)?on|on top of|starting from|start from|"
    r"initiali[sz]ed (?:from|with)|initiali[sz]ing (?:from|with)|derived from|adapted from|adapts?|adapting|"
    r"extends?|extending|extension of|extensions? to|a variant of|variants? of|a version of|"
    r"distilled (?:version )?(?:of|from)|distill(?:s|ing)?|compress(?:es|ing)?|"
    r"fine-?tun(?:e|es|ed|ing)(?: of)?|further pre-?train(?:s|ed|ing)?|continual(?:ly)? pre-?train(?:s|ed|ing)? (?:of|from)|"
    r"continued pre-?training (?:of|from)|continu(?:e|es|ed|ing|ally) (?:pre-?)?train(?:s|ed|ing)?|inherits? from|builds? upon|upgrades?|"
    r"apply (?:\w+ ){0,4}?(?:to|on)|applied (?:\w+ ){0,3}?(?:to|on)|employ (?:\w+ ){0,4}?on|inspired by|modif(?:y|ies|ied|ying)|"
    r"re-?train(?:s|ed|ing)?|(?:incorporated|integrated|plugged|inserted) into|our starting point is|"
    r"(?:re-?)?implementation of|a modification of|generali[sz](?:e|es|ed|ing)|"
    r"(?:enables?|enabling|allows?|allowing|helps?|helping|push(?:es)?|pushing|boosts?|boosting)(?= \S+ to\b))\s+"
    r"(?:(?:the|a|an|pre-?trained|existing|off-the-shelf|open-source|popular|strong|original|powerful)\s+)*")
_MODEL_ONLY = re.compile(r"(?i)(?:fine-?tun|further|continu|distill|compress|initiali|apply|applied|employ|re-?train|"
                         r"incorporated|integrated|plugged|inserted|enabl|allow|help|push|boost)")
#: a lineage cue's object named by its examples: "plugged into backbone CNN models, e.g., ResNet and
#: ResNeXt", "applied to open-source LLMs such as Qwen2 and LLaMA3"
_EXAMPLES_AFTER = re.compile(r"[^.;:()]{0,60}?(?:,?\s+such as|,?\s+e\.g\.,?|,\s+including|,\s+like|\s+\()\s*", re.I)
#: a model the paper's work starts from, by the role it gives it: "X as the backbone", "X as our base model"
_AS_BASE = re.compile(r"\s*(?:\([^()]{1,20}\)\s*)?(?:network\s+|model\s+)?as\s+(?:the|our|a|its)\s+(?:\w+\s+)?"
                      r"(?:backbone|base model|base network|base architecture|base encoder|starting point|initiali[sz]ation|"
                      r"teacher|foundation|underlying model|base LLM|base)\b", re.I)
STYLE_SUFFIX = re.compile(r"-(?:style|initiali[sz]ed)\b", re.I)


_BASED = re.compile(r"-(?:based|style|initiali[sz]ed|derived|like)\b", re.I)
_MODEL_EXPERIMENTS = re.compile(r"\b(?:experiments?|results?|evaluations?|applied|applying|apply|incorporated|plugged|"
                                r"integrated)\b[^.;]{0,40}?\b(?:on|to|into|with)\s+(?:(?:the|a|an|both|several|various|"
                                r"popular|open-source|top|pre-?trained)\s+)*$")
_PRETRAINED_BEFORE = re.compile(r"\b(?:pre-?trained|off-the-shelf|existing|original|base)\s+$")
_TITLE_FOR = re.compile(r"\b(?:for|improves?|boosts?|enhanc\w+|extends?|of)\s+(?:the\s+)?$", re.I)


def weak_lineage(text: str, st: PaperDoc) -> list[Candidate]:
    """Weaker lineage cues, for the learned model to weigh: "X-based" in the paper's own
    sentences, models its experiments are run on or applied to, "the pretrained X", a model or
    method the title says the work is for or improves."""
    out: list[Candidate] = []
    low = st.lower
    for s, e in st.sents:
        own = s in st.own_sents
        for m in st.by_sent.get(s, ()):
            if m.type not in ("Model", "Method", None):
                continue
            if own and _BASED.match(text, m.end, e):
                out.append(Candidate("BUILDS_ON", m, "x-based-lineage", 0.5))
            if s in st.headings:
                if _TITLE_FOR.search(low, max(0, m.start - 14), m.start):
                    out.append(Candidate("BUILDS_ON", m, "title-for-method", 0.4))
                continue
            if m.type == "Method":
                continue
            if own and _MODEL_EXPERIMENTS.search(low, max(s, m.start - 70), m.start):
                out.append(Candidate("BUILDS_ON", m, "model-experiments", 0.4))
            elif _PRETRAINED_BEFORE.search(low, max(s, m.start - 20), m.start):
                out.append(Candidate("BUILDS_ON", m, "pretrained-x", 0.3))
    return out


_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|[-_ ]")


def contained_names(text: str, st: PaperDoc, cands: list[Candidate]) -> list[Candidate]:
    """A new name built around a known one builds on it: DistilBERT -> BERT, LongRoPE2 -> RoPE,
    "Robust wav2vec 2.0" -> wav2vec 2.0. The known name must stand in the new one at a word or
    case boundary; the evidence is its place inside the new name."""
    out: list[Candidate] = []
    # the corpus knowledge is looked up, never copied: it grows with the corpus
    local = {m.text for m in st.mentions if m.source in ("lexicon", "known", "shape", "acronym-short")
             and m.type in ("Model", "Method", None)}
    seen: set[str] = set()
    for c in cands:
        if c.type != "PROPOSES" or c.confidence < 0.8:
            continue
        name = c.mention.text
        if name in seen or len(name) < 4:
            continue
        seen.add(name)
        cuts = {0, len(name)} | {b.start() for b in _BOUNDARY.finditer(name)} | {b.end() for b in _BOUNDARY.finditer(name)}
        for i in sorted(cuts):
            for j in sorted(cuts, reverse=True):
                if j - i < 3 or (i == 0 and j == len(name)):
                    continue
                sub = name[i:j]
                if (sub in local or sub in st.known) and sub != name:
                    a = c.mention.start + i
                    m = Mention(a, a + len(sub), sub, None if sub not in st.acronyms else None, "contained")
                    out.append(Candidate("BUILDS_ON", m, "name-contains", 0.6))
                    break
            else:
                continue
            break
    return out


def techniques_after(text: str, ms: list[Mention], pos: int, end: int) -> list[Mention]:
    """Unnamed models or techniques listed right after a cue, by their head word ("based on
    feed-forward neural networks", "an extension of a sinusoidal positional encoding") or by the
    known name they end with ("based on bidirectional LSTMs and conditional random fields")."""
    out: list[Mention] = []
    for a, b in read_phrase_list(text, pos, end, max_items=4):
        if not out and a - pos > 4:
            break
        phrase = text[a:b]
        if len(phrase.split()) > 4 or is_generic(phrase) or len(phrase) < 4 or not phrase[:1].isalpha():
            break
        if any(m.start < b and a < m.end and not (a <= m.start and m.end <= b) for m in ms):
            break
        same = next((m for m in ms if m.start == a and m.end == b), None)
        if same is not None:
            out.append(same)
            continue
        typ = type_from_head(phrase)
        last = next((m for m in ms if m.end == b and m.start > a and m.type in ("Model", "Method", None)), None)
        if typ not in ("Method", "Model") and last is None:
            break
        if typ not in ("Method", "Model"):
            typ = last.type or "Model"  # type: ignore[union-attr]
        out.append(Mention(a, b, phrase, typ, "phrase"))
    return out


#: the paper's model described as one of a known kind: "our Convolutional Neural Network (CNN)
#: architecture", "a novel bi-LSTM model", "PoseCNN: A Convolutional Neural Network for ..."
_KIND_BEFORE = re.compile(r"(?:\b(?:our|a|an)\s+(?:(?:new|novel|simple|deep|\w+-layer|modified|proposed)\s+){0,2}|"
                          r"^[^:]{1,60}:\s+(?:a|an)\s+(?:(?:new|novel|simple|deep|unified|fast|efficient)\s+){0,2})$", re.I)
_KIND_AFTER = re.compile(r"(?:\s*\([^()]{1,20}\))?\s*(?:-based\s+)?(?:architecture|model|network|framework|variant|design|for)\b", re.I)
_KIND_CUE = re.compile(r"\b(?:our|propos\w*|present\w*|introduc\w*|develop\w*|design\w*|novel|new)\b")


def known_kind(text: str, st: PaperDoc) -> list[Candidate]:
    """A known model or method the paper's own model is said to be one of."""
    out: list[Candidate] = []
    for s, e in st.sents:
        heading = s in st.headings
        if not heading and s not in st.own_sents:
            continue
        for m in st.by_sent.get(s, ()):
            if m.type not in ("Model", "Method") or m.source not in ("lexicon", "known", "acronym-long"):
                continue
            before = _KIND_BEFORE.search(text, max(s, m.start - 70), m.start)
            if not before or not _KIND_AFTER.match(text, m.end, e):
                continue
            if heading and ":" not in before.group(0):
                continue  # in a title, only "Name: A Kind for ..."
            if not heading and not _KIND_CUE.search(st.lower, s, m.start):
                continue
            out.append(Candidate("BUILDS_ON", m, "known-kind", 0.55))
    return out


def lineage_targets(text: str, st: PaperDoc) -> list[Candidate]:
    out: list[Candidate] = []
    for s, e in st.sents:
        if s not in st.own_sents:
            continue
        ms = [m for m in st.by_sent.get(s, []) if m.type in ("Model", "Method", None)]
        for cue in LINEAGE_CUE.finditer(st.lower, s, e):
            model_only = _MODEL_ONLY.match(cue.group(0))
            objs = enumeration_after(text, ms, cue.end(), e, max_gap=12)
            ex = _EXAMPLES_AFTER.match(st.lower, cue.end(), e)
            if ex and all(m.end <= ex.end() for m in objs):  # a kind of model, then its examples
                objs = enumeration_after(text, ms, ex.end(), e, max_gap=3) or objs
            for m in objs:
                if model_only and m.type == "Method":
                    continue
                out.append(Candidate("BUILDS_ON", m, "based-on", 0.75 if m.type else 0.6))
            if not objs and not model_only:  # "based on bidirectional LSTMs", "a variant of mean-shift clustering"
                for phrase in techniques_after(text, st.by_sent.get(s, []), cue.end(), e):
                    out.append(Candidate("BUILDS_ON", phrase, "based-on-phrase", 0.55))
        for m in ms:
            if m.type == "Model" and _AS_BASE.match(text, m.end, e):
                out.append(Candidate("BUILDS_ON", m, "as-backbone", 0.7))
        for m in ms:
            if STYLE_SUFFIX.match(text, m.end, e):
                out.append(Candidate("BUILDS_ON", m, "x-style", 0.65))
    return out


@Language.factory("kg_lineage", requires=["doc._.kg"], assigns=["doc._.kg"])
def make_lineage(nlp: Language, name: str):
    return LineageCues()


class LineageCues:
    def __call__(self, doc: Doc) -> Doc:
        st = state(doc)
        st.cands += lineage_targets(st.text, st)
        st.cands += known_kind(st.text, st)
        st.cands += weak_lineage(st.text, st)
        st.cands += contained_names(st.text, st, st.cands)
        return doc
