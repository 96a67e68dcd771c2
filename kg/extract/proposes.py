"""PROPOSES: the title's lead name, "we propose / introduce / present / release X",
"called / named / dubbed X", "X, a novel ...", and new acronyms defined next to such a cue."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.base import (SEP, Candidate, Mention, PaperDoc, cue_hits, enumeration_after, index_sentences,
                             model_only, state)
from kg.extract.candidates import chunks
from kg.extract.text import (_NP_STOP, VERSION_WORD, is_generic, is_name_shaped, read_phrase, read_phrase_list, type_from_head,
                             type_from_shape)

TITLE_LEAD = re.compile(r"^\s*([^:]{1,60}?)\s*:\s+\S")
_LEAD_REJECT = re.compile(r"(?i)^(?:on|the|a|an|towards?|beyond|rethinking|revisiting|when|why|how|what|is|are|do|does|can|"
                          r"no|not|position|survey|review|understanding|exploring|learning|training|scaling|improving|"
                          r"benchmarking|evaluating|analy[sz]ing|investigating|unleashing|demystifying|pre-?training|"
                          r"fine-?tuning|from|beyond|less|more|all|one|to|should|does|let|case|paper|lessons?)\b")
PROPOSE_CUE = re.compile(
    r"\b(?:we|this (?:paper|work|study|article|report)|the present (?:paper|work)|our (?:work|paper|study))\s+"
    r"(?:(?:\w+ly|also|further|then|first|hereby|here|now|thus|therefore)\s+)*"
    r"(?:propose|introduce|present|release|contribute|develop|design|build|construct|create|curate|devise|unveil|"
    r"open-source|put forward|offer|collect|pretrain|pre-train|train)(?:s|d|ed)?\b"
    r"|\b(?:introducing|proposing|presenting)\b|\band (?:propose|introduce|present|release)[sd]?\b|\bwe (?:call|name|dub|term) (?:it|this|them|our \w+(?: \w+)?)\b")
NAMED_CUE = re.compile(
    r"\b(?:named|called|dubbed|termed|coined|namely|denoted(?: as)?|which we (?:call|name|dub|term)|"
    r"(?:the )?resulting (?:model|models|checkpoints?|dataset|system|network)s?,?|(?:yielding|resulting in|producing),? |"
    r"(?:the|our) (?:proposed|new) (?:method|model|approach|framework|architecture|dataset|benchmark|system|algorithm|"
    r"technique|objective|corpus),?|"
    r"\bour (?:method|model|approach|framework|architecture|dataset|benchmark|system|algorithm|network|agent|corpus),)\s*")
#: every NAMED_CUE match holds one of these: a text without any is not scanned (most are not)
_NAMED_KEYS = ("named", "called", "dubbed", "termed", "coined", "namely", "denoted", "which we", "resulting", "yielding",
               "producing", "the proposed", "the new ")
#: ... or, after "our ", one of these
_OUR_KEYS = ("our proposed", "our new ",
             *(f"our {noun}," for noun in ("method", "model", "approach", "framework", "architecture", "dataset",
                                          "benchmark", "system", "algorithm", "network", "agent", "corpus")))


def may_name(low: str, start: int = 0, end: int | None = None) -> bool:
    """False when ``NAMED_CUE`` cannot match in ``low[start:end]`` (lower-cased text)."""
    end = len(low) if end is None else end
    if any(low.find(k, start, end) >= 0 for k in _NAMED_KEYS):
        return True
    return low.find("our ", start, end) >= 0 and any(low.find(k, start, end) >= 0 for k in _OUR_KEYS)


#: "a simple baseline (SimpleCIL)": checked only before each "(" (a full scan is slow)
PAREN_NAMED = re.compile(
    r"\b(?:(?:a|an)\s+(?:[\w-]+\s+){0,2}?(?:new|novel|simple|first|unified|strong|lightweight|proposed)\s+|our\s+)"
    r"(?:[\w-]+\s+){0,3}?(?:baseline|model|method|framework|dataset|benchmark|approach|algorithm|"
    r"architecture|system|technique|objective|corpus|suite|family)\s*$")
APPOSITIVE_NEW = re.compile(r"\s*(?:\([^()]{1,40}\))?\s*,\s*(?:a|an|the)\s+(?:\w+\s+){0,2}?(?:novel|new|first)\b", re.I)
IS_NEW = re.compile(r"\s*(?:is|,)\s+(?:a|an|the)\s+(?:\w+\s+){0,2}?(?:novel|new|first)\b", re.I)
LIST_INTRO = re.compile(r"\b(?:such as|including|namely|:)\s*", re.I)
_USE_BEFORE = re.compile(r"\b(?:using|uses|use|with|via|based on|from|on top of|through|by)\s+(?:the\s+|a\s+|an\s+)?(?:[\w-]+\s+){0,2}$")
_STUDY = re.compile(r"(?i)(?:(?:\w+ly|systematic|comprehensive|thorough|detailed|empirical|extensive|large-scale|"
                    r"careful|first|novel|new)\s+)*(?:study|studies|exploration|analysis|analyses|investigation|evaluation|"
                    r"comparison|survey|review|examination|overview|understanding|insights?)\b")
_WORD_RE = re.compile(r"[\w'-]+")
_PRONOUNS = frozenset("i we you your our my their its it this these that what how why when who".split())
_REPORT = re.compile(r"\s+(?:Technical Report|Tech Report|Report|Model Card|System Card)$")
_NOT_OWN_BETWEEN = re.compile(r"\b(?:based on|using|built on|on top of|extends?|via|through|from|such as|like)\b")
_TITLE_HYPHEN = re.compile(r"^[A-Z][a-z]+(?:[-/](?:[A-Z][a-z]+|to|of|and|the|in|for|a))+$")
_HEAD_AFTER = re.compile(r"((?:\s+[\w-]+){1,3})")
_NAMEISH = frozenset(("shape", "acronym-short", "acronym-long", "quoted", "capseq"))
_PREP_NEXT = re.compile(r"\s+(?:\w+\s+){0,2}?(?:on|with|from|using|for|in)\b", re.I)
_WEAK_VERBS = re.compile(r"^(?:train|pretrain|pre-train|collect|offer|build|design|develop)", re.I)


def title_lead(title: str, abstract: str = "") -> tuple[int, int] | None:
    """The span of the name before the title's colon ("UL2: ..." -> "UL2"), if it reads as a name:
    it holds a name-shaped word or an acronym definition, or the abstract uses it again."""
    m = TITLE_LEAD.match(title)
    if not m:
        return None
    lead = m.group(1)
    report = _REPORT.search(lead)
    if report:
        lead = lead[:report.start()]
    words = lead.split()
    if not words or len(words) > 5 or _LEAD_REJECT.match(lead) or is_generic(lead):
        return None
    if len(words) > 1 and not any(ch.isupper() for w in words[1:] for ch in w[:1]) and "(" not in lead:
        return None
    if "(" in lead or any(is_name_shaped(w) and not _TITLE_HYPHEN.match(w) for w in words) or (abstract and lead in abstract):
        return m.start(1), m.start(1) + len(lead)
    # "Predictive Data Selection: ...": a short Title Case term whose head names a technique or a dataset
    if 2 <= len(words) <= 4 and "," not in lead and "'" not in lead and "’" not in lead \
            and all(w[:1].isupper() and w.lower() not in _PRONOUNS for w in words) \
            and not words[0].lower().endswith("ing") and type_from_head(lead) in ("Method", "Model", "Dataset"):
        return m.start(1), m.start(1) + len(lead)
    return None


_SUBTITLE_HEAD = re.compile(r"^[\s:]*(?:(?:a|an|the)\s+)?(.*?)(?:\s+(?:for|with|via|in|on|of|to|from|by|using|and|that|through)\b|[:,?]|$)",
                            re.I)


def subtitle_type(subtitle: str) -> str:
    """What the words after the title's colon say the lead name is ("...: A Large-Scale Dataset for ...")."""
    m = _SUBTITLE_HEAD.match(subtitle)
    typ = type_from_head(m.group(1)) if m and m.group(1) else None
    return typ if typ in ("Dataset", "Model", "Method") else "Method"


#: a sentence about earlier work that names it: "X was introduced by", "proposed by Y et al.", "has been proposed"
PAST_INTRODUCTION = re.compile(r"\b(?:(?:was|were|has been|have been|had been)\s+(?:first\s+|recently\s+|originally\s+)?"
                               r"(?:introduced|proposed|presented|developed|described|released)|et al)\b")


def new_names(text: str, st: PaperDoc, lexicon_known: AbstractSet[str]) -> list[Candidate]:
    """All PROPOSES candidates of one paper."""
    out: list[Candidate] = []
    mentions = st.mentions
    # 1. the title's lead name
    lead = title_lead(text[:st.title_len], text[st.title_len:])
    if lead:
        s, e = lead
        inside = [m for m in mentions if s <= m.start and m.end <= e]
        exact = [m for m in inside if m.start == s and m.end == e]
        if exact:
            targets = exact
        elif inside and any(m.source.startswith("acronym") for m in inside):
            targets = [m for m in inside if m.source.startswith("acronym")]
        else:
            m = Mention(s, e, text[s:e], type_from_head(text[s:e]), "title-lead", strong=True)
            mentions.append(m)
            targets = [m]
        sub_type = subtitle_type(text[e:st.title_len])
        for m in targets:  # "DINOv2: ..." is the paper of DINOv2, known or not
            m.strong = True
            out.append(Candidate("PROPOSES", m, "title-lead-name", 0.9, implied_type=sub_type))
    else:
        out += _title_subject(text, st)
    out += _abstract_lead(text, st)
    # 2. cues in sentences
    named_hits = cue_hits(NAMED_CUE, st) if may_name(st.lower) else {}
    named_at = _paren_names(st)
    propose_hits = cue_hits(PROPOSE_CUE, st, own_only=True)
    for s, e in st.sents:
        sent_mentions = st.by_sent.get(s, [])
        if s not in st.own_sents and PAST_INTRODUCTION.search(st.lower, s, e):
            continue  # "a method called X was introduced by Y et al.": earlier work, named
        for pos in named_at.get(s, ()):
            for m in enumeration_after(text, sent_mentions, pos, e, max_gap=3):
                if m.text not in lexicon_known:
                    out.append(Candidate("PROPOSES", m, "called-named", 0.85))
        for cue in named_hits.get(s, ()):
            if PAST_INTRODUCTION.search(st.lower, cue.end(), min(e, cue.end() + 60)) \
                    and not PROPOSE_CUE.search(st.lower, s, cue.start()):
                continue  # "a model named X was proposed by ...": named, but not here
            for m in enumeration_after(text, sent_mentions, cue.end(), e, max_gap=3):
                if m.text not in lexicon_known or PROPOSE_CUE.search(st.lower, s, cue.start()):
                    out.append(Candidate("PROPOSES", m, "called-named", 0.85))
        if s not in st.own_sents:
            continue
        for cue in propose_hits.get(s, ()):
            weak = bool(_WEAK_VERBS.match(cue.group(0).split()[-1]))
            if weak and _PREP_NEXT.match(text, cue.end()):
                continue  # "we pretrain on X": X is data, not a contribution
            objs = enumeration_after(text, sent_mentions, cue.end(), e, max_gap=50, loose=True)
            objs = [m for m in objs if m.text not in lexicon_known]
            if weak:
                # names only (a known one too, when one word shaped as a name: a name some paper of the corpus
                # introduces, this one among them; "we train Generative Adversarial Networks" is no contribution)
                objs = [m for m in objs if m.source in ("shape", "acronym-long", "acronym-short", "quoted")
                        or (m.source == "known" and " " not in m.text and is_name_shaped(m.text))]
            # new acronyms defined after the cue in this sentence are the contribution
            acr = [m for m in sent_mentions if cue.end() <= m.start <= cue.end() + 90 and m.source.startswith("acronym")
                   and not _USE_BEFORE.search(st.lower, max(cue.end(), m.start - 40), m.start)
                   and (not _NOT_OWN_BETWEEN.search(st.lower, cue.end(), m.start)
                        or st.lower.startswith(" for short", m.end) or st.lower.startswith("for short", m.end + 1))]
            for m in objs + [a for a in acr if a not in objs]:
                out.append(Candidate("PROPOSES", m, "we-propose", 0.85 if m in objs else 0.8))
            if not objs and not acr and not weak and s not in named_hits:
                span = read_phrase(text, cue.end(), e)
                if span:
                    phrase = _phrase_mention(text, mentions, span)
                    if phrase:
                        out.append(Candidate("PROPOSES", phrase, "we-propose-phrase", 0.6))
                    else:
                        loose = _loose_phrase(text, mentions, span)
                        if loose:
                            out.append(Candidate("PROPOSES", loose, "we-propose-untyped", 0.4))
                # "three strategies such as A, B and C" / "enhancements: A, B, and C"
                lst = LIST_INTRO.search(text, cue.end(), min(e, cue.end() + 80))
                if lst:
                    for span in read_phrase_list(text, lst.end(), e):
                        item = _phrase_mention(text, mentions, span, need_head=False)
                        if item:
                            out.append(Candidate("PROPOSES", item, "we-propose-list", 0.55))
        for m in sent_mentions:
            if text[m.end:m.end + 1] in (",", " ", ")") and m.source in _NAMEISH and m.text not in lexicon_known:
                app = APPOSITIVE_NEW.match(text, m.end, e) or IS_NEW.match(text, m.end, e)
                if app:
                    head = _HEAD_AFTER.match(text, app.end(), e)
                    typ = type_from_head(head.group(1)) if head else None
                    if typ == "Dataset" and m.type is None:
                        m.type = "Dataset"
                    out.append(Candidate("PROPOSES", m, "name-a-novel", 0.8, implied_type=typ))
    return out


_NOT_SUBJECT = re.compile(r"(?i)^(?:on|the|a|an|towards?|beyond|rethinking|revisiting|when|why|how|what|is|are|do|does|can|"
                          r"no|not|should|which|who|where|one|all|more|less|from|to|let|position|survey|review|"
                          r"\w+ing|large|small|simple|efficient|effective|improved|better|scaling)\b")


def _title_subject(text: str, st: PaperDoc) -> list[Candidate]:
    """A title that opens with a name phrase: "Synthetic continued pretraining", "Source-Aware
    Training Enables ...", "Group Diffusion Transformers are ..." (a weak cue for the model)."""
    out = []
    for h, he in st.sents:
        if h in st.headings and (h == 0 or not TITLE_LEAD.match(text, h, he)):
            out += _heading_subject(text, st, h, he)
    return out


def _heading_subject(text: str, st: PaperDoc, h: int, he: int) -> list[Candidate]:
    if _NOT_SUBJECT.match(text, h, he):
        return []
    cs = chunks(text, h, he)
    if not cs or cs[0].words[0].start != h:
        return []
    words = cs[0].words
    s, e = words[0].start, words[-1].end
    phrase = text[s:e]
    if len(words) > 6 or _NOT_SUBJECT.match(phrase) or is_generic(phrase) or type_from_head(phrase) == "Task":
        return []
    m = next((m for m in st.mentions if m.start == s and m.end == e), None)
    if m is None:
        m = Mention(s, e, phrase, type_from_head(phrase), "title-subject")
    return [Candidate("PROPOSES", m, "title-subject", 0.3, implied_type=subtitle_type(text[e:he]))]


_TRAIL_HEAD = frozenset("""
method methods approach approaches framework frameworks technique strategy scheme paradigm algorithm algorithms
procedure pipeline recipe mechanism objective module modules system architecture model models network networks
""".split())


def title_phrases(text: str, st: PaperDoc) -> list[Candidate]:
    """Every phrase of the titles (the title and a title glued to the abstract), and each
    without a generic head word: a title names what the paper proposes, builds on and
    addresses ("... via Direct Volumetric CNN Regression"). For the model only."""
    out = []
    taken = {(m.start, m.end) for m in st.mentions}
    for h, he in st.sents:
        if h not in st.headings:
            continue
        for ch in chunks(text, h, he):
            ws = ch.words
            spans = [(ws[0].start, ws[-1].end)]
            j = len(ws) - 1
            while j > 0 and ws[j].lower in _TRAIL_HEAD:
                j -= 1
            if j < len(ws) - 1:
                spans.append((ws[0].start, ws[j].end))
            for s, e in spans:
                phrase = text[s:e]
                if (s, e) in taken or is_generic(phrase) or len(phrase) < 3 or phrase[:1].isdigit():
                    continue
                taken.add((s, e))
                out.append(Candidate("", Mention(s, e, phrase, type_from_head(phrase), "title-phrase"),
                                     "title-phrase", 0.3))
    return out


def _abstract_lead(text: str, st: PaperDoc) -> list[Candidate]:
    """An abstract that opens with "Name: ..." (a title glued to its abstract, as in some
    collections) names the paper's contribution the way a title's lead does."""
    a = st.title_len + len(SEP)
    if a >= len(text) or len(st.sents) < 2:
        return []
    end = min(st.sents[1][1], a + 200)
    lead = title_lead(text[a:end], text[end:])
    if not lead:
        return []
    s, e = lead[0] + a, lead[1] + a
    exact = [m for m in st.mentions if m.start == s and m.end == e]
    inside = [m for m in st.mentions if s <= m.start and m.end <= e and m.source.startswith("acronym")]
    targets = exact or inside or [Mention(s, e, text[s:e], type_from_head(text[s:e]), "title-lead")]
    return [Candidate("PROPOSES", m, "abstract-lead-name", 0.8, implied_type=subtitle_type(text[e:end])) for m in targets]


def _loose_phrase(text: str, mentions: list[Mention], span: tuple[int, int]) -> Mention | None:
    """The phrase after a propose cue as an untyped candidate (not added to the mentions)."""
    s, e = span
    if any(m.start < e and s < m.end for m in mentions):
        return None
    phrase = text[s:e]
    if "/" in phrase or "@" in phrase or _STUDY.match(phrase) or is_generic(phrase) or phrase[:1].isdigit() \
            or type_from_head(phrase) == "Metric":
        return None
    return Mention(s, e, phrase, None, "phrase")


#: a technique the paper describes as its own, by the head noun it sets after its name: "devise a
#: feature distillation module", "(2) an effective RoPE rescaling algorithm", "a two-stage
#: pre-training method is proposed", "our adaptation speed calibration"
_CONTRIBUTION_PHRASE = re.compile(
    r"\b(?:(?P<a>an?)|(?P<our>our)|the (?:proposed|presented|new))\s+(?P<words>(?:(?!(?:an?|the|our|this|that|which)\s)[\w'-]+\s+){1,6}?)"
    r"(?P<head>method|approach|algorithm|module|mechanism|strategy|technique|framework|scheme|procedure|architecture|"
    r"unit|component|objective|loss|paradigm|branch|regulari[sz]er|layer|block)s?\b")
_CONTRIBUTION_CUE = re.compile(r"\b(?:propos\w*|introduc\w*|present\w*|devis\w*|deriv\w*|design\w*|develop\w*|"
                               r"describ\w*|novel|new|innovative|contributions?|we)\b")
_PASSIVE_PROPOSAL = re.compile(r"\b(?:is|are) (?:\w+ly )?(?:proposed|introduced|presented|developed|designed|devised)\b"
                               r"|\bcontributions?\b")
_NOT_CONTRIBUTION = frozenset(("existing", "previous", "prior", "standard", "traditional", "conventional", "typical",
                               "common", "popular", "baseline", "same", "other", "such", "similar", "different",
                               "single", "general", "generic", "more", "better", "specific", "particular", "modern",
                               "classical", "classic", "vanilla", "naive", "original", "current", "recent", "state-of-the-art",
                               "whole", "entire", "overall", "key", "main", "core", "final", "proposed", "learning"))
_ADJECTIVE_END = re.compile(r"(?:al|ive|ic|ous|ful|ar|ble|-based|-like|-aware|-driven|-free|-kind|-specific|-agnostic|"
                            r"-level|-wise|-scale|-stage|-step|-tuned|-trained)$")
_ADJ_SKIP = frozenset(("a", "an", "the", "our", "new", "novel", "innovative", "simple", "effective", "efficient", "and",
                       "yet", "first", "unified", "lightweight", "powerful", "scalable", "flexible", "principled",
                       "elegant", "robust", "fast", "cheap", "generic", "straightforward", "plug-and-play", "versatile"))


def contribution_phrases(text: str, st: PaperDoc) -> list[Candidate]:
    """The name before a technique's head noun in a sentence that presents the paper's own work
    (a proposal verb, "novel", "new", "our", "is proposed", "contributions"): weak, for the
    learned model to weigh."""
    out: list[Candidate] = []
    low = st.lower
    for s, e in st.sents:
        if s in st.headings:
            continue
        own = s in st.own_sents
        if not own and not _PASSIVE_PROPOSAL.search(low, s, e):
            continue
        for m in _CONTRIBUTION_PHRASE.finditer(low, s, e):
            if m.group("our") is None and not _CONTRIBUTION_CUE.search(low, s, e):
                continue
            spans = [(w.start(), w.end()) for w in _WORD_RE.finditer(text, m.start("words"), m.start("head"))]
            while spans and (text[spans[0][0]:spans[0][1]].lower() in _ADJ_SKIP
                             or text[spans[0][0]:spans[0][1]].lower().endswith("ly")):
                spans.pop(0)
            if not spans or len(spans) > 5:
                continue
            a, b = spans[0][0], spans[-1][1]
            phrase = text[a:b]
            words = [w.lower() for w in phrase.split()]
            if words[0] in _NOT_CONTRIBUTION or any(w in _NP_STOP or w in _PRONOUNS or w == "of" for w in words) \
                    or (_ADJECTIVE_END.search(words[-1]) and not is_name_shaped(phrase.split()[-1])):
                continue
            if len(words) == 1 and not is_name_shaped(phrase) and type_from_head(phrase) != "Method":
                continue  # "a contrastive approach", "a uniform framework": a word that describes, not a name
            if _STUDY.match(phrase) or is_generic(phrase) or phrase[:1].isdigit() \
                    or type_from_head(phrase) in ("Metric", "Task", "Dataset") or len(phrase) < 4:
                continue
            same = next((x for x in st.by_sent.get(s, ()) if x.start == a and x.end == b), None)
            if same is None and any(x.start < b and a < x.end and not (a <= x.start and x.end <= b)
                                    for x in st.by_sent.get(s, ())):
                continue  # it would cut a name in two
            mention = same or Mention(a, b, phrase, "Method", "phrase")
            out.append(Candidate("PROPOSES", mention, "contribution-phrase", 0.4))
    return out


_CLAIM_AFTER = re.compile(r"\s*(?:\([^()]{0,40}\)\s*)?(?:\w+ly\s+)?(?:outperform\w*|surpass\w*|achiev\w*|sets?|obtain\w*|"
                          r"reach\w*|exceed\w*|beats?|establish\w*|(?:is|are) (?:a|an|the) (?:\w+ )?(?:new|novel|first))\b")
_COMPACT_SIZES = re.compile(r"^(.+?)-((?:\d+(?:\.\d+)?/)+\d+(?:\.\d+)?)([BMK])$")


def subject_claims(text: str, st: PaperDoc, lexicon_known: AbstractSet[str]) -> list[Candidate]:
    """A name that opens an own sentence and claims a result: "X outperforms ...", "X achieves ..."."""
    out = []
    for s, e in st.sents[1:]:
        if s not in st.own_sents:
            continue
        for m in st.by_sent.get(s, ())[:1]:
            if m.start - s <= 4 and m.source in _NAMEISH and m.text not in lexicon_known \
                    and _CLAIM_AFTER.match(st.lower, m.end, e):
                out.append(Candidate("PROPOSES", m, "subject-claim", 0.5))
    return out


def variants(st: PaperDoc, cands: list[Candidate]) -> list[Candidate]:
    """Size and version variants of a proposed name are proposed too ("Falcon" -> "Falcon-40B",
    "Falcon-7/40/180B" -> "Falcon-7B", "Falcon-40B", "Falcon-180B")."""
    out: list[Candidate] = []
    proposed = {c.mention.text for c in cands if c.type == "PROPOSES" and c.confidence >= 0.8}
    if not proposed:
        return out
    seen = set()
    for m in st.mentions:
        if m.text in proposed or (m.start, m.end) in seen:
            continue
        for name in proposed:
            rest = m.text[len(name):] if m.text.startswith(name) else ""
            if rest and rest[0] in "- " and (VERSION_WORD.match(rest[1:]) or type_from_shape(m.text) == "Model"):
                seen.add((m.start, m.end))
                out.append(Candidate("PROPOSES", m, "proposed-variant", 0.7))
                break
    for c in cands + out:
        if c.type != "PROPOSES":
            continue
        cm = _COMPACT_SIZES.match(c.mention.text)
        if cm:
            for size in cm.group(2).split("/"):
                name = f"{cm.group(1)}-{size}{cm.group(3)}"
                out.append(Candidate("PROPOSES", Mention(c.mention.start, c.mention.end, name, "Model", "shape"),
                                     "proposed-variant", 0.7))
    return out


def _paren_names(st: PaperDoc) -> dict[int, list[int]]:
    """Positions right after "a simple baseline (" and the like, by sentence start."""
    out: dict[int, list[int]] = {}
    low = st.lower
    i = low.find("(")
    while i >= 0:
        if PAREN_NAMED.search(low, max(0, i - 70), i):
            for s, e in st.sents:
                if s <= i < e:
                    out.setdefault(s, []).append(i + 1)
                    break
        i = low.find("(", i + 1)
    return out


def _phrase_mention(text: str, mentions: list[Mention], span: tuple[int, int], need_head: bool = True) -> Mention | None:
    """The mention for a phrase read after a cue: an existing mention starting there, else a new one."""
    s, e = span
    for m in mentions:
        if m.start == s and m.end >= e:
            return None if m.source in ("lexicon", "known") else m  # a known name is not new
    if any(m.start < e and s < m.end and not (s <= m.start and m.end <= e) for m in mentions):
        return None
    phrase = text[s:e]
    if "/" in phrase or "@" in phrase or _STUDY.match(phrase):
        return None  # a URL, or "a systematic exploration of ...": not a named contribution
    typ = type_from_head(phrase)
    if is_generic(phrase) or phrase[:1].isdigit() or typ == "Metric" or (need_head and typ is None):
        return None
    if typ == "Dataset" and not any(c.isupper() for c in phrase):
        return None  # "an expansive tabular dataset" describes, it does not name
    typ = typ or "Method"
    mentions[:] = [m for m in mentions if not (s <= m.start and m.end <= e)]
    m = Mention(s, e, phrase, typ, "phrase")
    mentions.append(m)
    return m


@lru_cache(maxsize=1)
def _lexicon_names() -> frozenset[str]:
    from kg.extract.lexicon import load_lexicon

    return frozenset(load_lexicon())


@Language.factory("kg_proposes", requires=["doc._.kg"], assigns=["doc._.kg"])
def make_proposes(nlp: Language, name: str):
    return ProposesCues()


class ProposesCues:
    def __call__(self, doc: Doc) -> Doc:

        st = state(doc)
        cands = new_names(st.text, st, _lexicon_names())
        # sentences that name the paper's own contribution speak of its own work
        own = {c.mention.text for c in cands if not model_only(c.rule)}
        cands += subject_claims(st.text, st, _lexicon_names())
        cands += contribution_phrases(st.text, st)
        cands += variants(st, cands)
        cands += title_phrases(st.text, st)
        st.cands += cands
        index_sentences(st)
        for s, e in st.sents:
            if s not in st.own_sents and any(m.text in own for m in st.by_sent[s]):
                st.own_sents.add(s)
        st.mentions.sort(key=lambda m: m.start)
        return doc
