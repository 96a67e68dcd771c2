"""Entity mentions: names from the lexicon and from corpus knowledge, name shapes, Title Case
terms, task phrases and quoted names.

Which mentions matter is decided later by the relation cues; this component only finds
candidate spans (with a type when the lexicon, a head word or the next word tells it) and
keeps the longest where they overlap.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Mapping

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.base import Mention, index_sentences, state
from kg.extract.lexicon import case_sensitive, load_lexicon
from kg.extract.names import NameIndex
from kg.extract.text import (HARDWARE_AFTER, VERSION_WORD, is_generic, is_name_shaped, type_from_following,
                             type_from_preceding,
                             type_from_head, type_from_shape, url_spans)

#: words holding a capital or a digit (the only ones that can be names or versions)
NAME_TOKEN = re.compile(r"(?<![\w+&/.\-])(?=[a-z+&/.\-]*+[A-Z0-9])[A-Za-z0-9][A-Za-z0-9+&/]*(?:[.\-][A-Za-z0-9+&/]+)*")
GENERIC_ACRONYMS = frozenset("""
SotA LLM LLMs LM LMs PLM PLMs PTM PTMs NLP AI AGI GPU GPUs TPU TPUs CPU CPUs API APIs SOTA SoTA ML DL FLOPs FLOP
URL AWS CUDA GB TB MB KB VLM VLMs MLLM MLLMs LVLM LVLMs LMM LMMs DNN DNNs NN NNs CNNs RNNs PDEs PDE USD VL IID OOD
OCR NLG NLU QA CV RL TS HF PhD USA US UK EU COVID ASR MT IE IR KG KGs LLaMA-based SFT PEFT ICL CoT
""".split())
_CAP_WORD_NOT_NAME = frozenset("""
Table Figure Fig Section Sec Eq Equation Appendix Task Step Stage Phase Level Version Top Chapter Part Type
Group Round Day Year Experiment Setting Case Exp Layer Block Epoch Iteration In On At By For From To Of And
The A An We Our This These Over Up Under Around About Only Nearly Approximately Rank Class Split Track
January February March April May June July August September October November December Sept Jan Feb Mar Apr
Jun Jul Aug Oct Nov Dec Since Until With Within After Before Using Across Both Each Every All Some
""".split())
_SENT_STARTERS = frozenset("""
The A An In On At By For From To Of We Our This These Those That Its Their It They As Although While Unlike
Moreover However Furthermore Additionally Finally Specifically Experiments Experimental Extensive Recent
Existing Most Many Large Pre-trained Pretrained Despite Given Based Through Using With Without Such Here
Overall Notably Importantly Further Also Then Thus Therefore Hence Yet But And Or Both Each Every All Some
Previous Prior Current Modern Traditional Standard New Novel Our Compared When If Since After Before Instead
""".split())
#: ``\b[A-Z]`` written as ``[A-Z](?<!\w[A-Z])`` (the same matches): a pattern that starts with a
#: character class lets the regex engine skip to the capitals
CAPSEQ = re.compile(r"[A-Z](?<!\w[A-Z])[A-Za-z0-9\-]*(?:[ \t]+(?:(?:of|via|de)[ \t]+)?[A-Z][A-Za-z0-9\-]*)+")
#: a task head word (group 1) after a space or tab (matched, not looked behind for: faster)
TASK_HEAD = re.compile(
    r"[ \t](recognition|detection|segmentation|classification|retrieval|generation|"
    r"translation|summari[sz]ation|forecasting|answering|parsing|tagging|captioning|grounding|comprehension|"
    r"elicitation|re-?ranking|reasoning|understanding|estimation|completion|synthesis|inference)\b")
_TASK_TRIM = frozenset("""
that which who to for with in on at by from into over as is are was were be been has have had can could will
would should may might must do does did and or but so it its we our they their this these those via through
using based achieves shows such including like namely e.g. i.e. the a an of new novel various diverse many
different specific several challenging popular standard existing traditional both either all each other
improved better enhanced downstream multiple typical common conventional related relevant most more less
tasks task benchmark benchmarks demonstrate demonstrates show perform performs performing enabling enable
enables improve improves improving support supports supporting facilitate facilitates toward towards
across between among within than whether only also even well large-scale high-level low-level key crucial
same state-of-the-art sota final overall joint general-purpose
one two three four five six seven eight nine ten eleven twelve dozens numerous
enhance enhances boost boosts achieve achieves conduct conducts profound comprehensive holistic thorough
study studies studied investigate investigates explore explores address addresses tackle tackles solve solves
propose proposes consider considers target targets apply applies evaluate evaluates
""".split())
_TASK_MODIFIERS = frozenset("named supervised unsupervised embedded grounded detailed".split())
QUOTED = re.compile(r"[\"“]([A-Z][^\"”\n]{1,40}?)[\"”]")


_AFFIX = re.compile(r"(?i)-(?:based|style|like|family|specific|only|sized?|scale|level|pretrained|pre-trained|tuned|"
                    r"generated|aware|free|guided|initiali[sz]ed|centric|driven|powered|enhanced|augmented|type)$")


#: a dash that joins the next words of the sentence to a name, not part of it: "X Corpus-the largest ..."
_DASH_JOINED = re.compile(r"-(?:the|a|an|which|that|who|where|with|and|or|but|for|to|of|in|on|is|are|was|were|its|our|"
                          r"this|these|we|it)$")


def _tokens(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """``(start, end, word)`` of the name tokens, an affix such as "-style" cut off, and a
    sentence's next word joined by a dash ("Corpus-the")."""
    out = []
    for m in NAME_TOKEN.finditer(text, start, end):
        w = m.group()
        s = m.start()
        if "-" in w:
            j = _DASH_JOINED.search(w)
            if j and j.start() > 0:
                w = w[:j.start()]
            a = _AFFIX.search(w)
            while a and a.start() > 0:
                w = w[:a.start()]
                a = _AFFIX.search(w)
        out.append((s, s + len(w), w))
    return out


_TITLE_CASE_HYPHEN = re.compile(r"^[A-Z][a-z]+(?:[-/](?:[A-Z][a-z]+|to|of|and|the|in|for|a))+$")
_LEADING_DIGIT = re.compile(r"^v?\d")


@lru_cache(maxsize=1 << 17)
def _word_kind(w: str) -> int:
    """0: plain lower-case word; 1: name-shaped; 2: a capitalised word that may start a name; 3: other."""
    if w.islower() and w.isalpha():
        return 0
    if is_name_shaped(w) and w not in GENERIC_ACRONYMS:
        return 1
    if w[:1].isupper() and w not in _CAP_WORD_NOT_NAME and len(w) > 2:
        return 2
    return 3


def name_spans(text: str, start: int, end: int, sent_starts: set[int] | None = None,
               title_end: int = 0) -> list[tuple[int, int]]:
    """Name-shaped words, extended by version or size words ("Llama 2", "GPT-3 XL", "Mixtral 8x7B").

    A capitalised word that starts a sentence (``sent_starts``, else ``start``) is not taken
    as a name just for being followed by a number.
    """
    out: list[tuple[int, int]] = []
    sent_starts = sent_starts if sent_starts is not None else {start}
    tokens = _tokens(text, start, end)
    n = len(tokens)
    i = 0
    while i < n:
        ts, te, w = tokens[i]
        kind = _word_kind(w)
        if kind == 0:
            i += 1
            continue
        shaped = kind == 1 and not (ts < title_end and _TITLE_CASE_HYPHEN.match(w))
        capital = not shaped and ts not in sent_starts and (kind == 2 or (kind == 1 and _capital_word(w)))
        if not (shaped or capital):
            i += 1
            continue
        j = i
        while j + 1 < n and text[tokens[j][1]:tokens[j + 1][0]] in (" ", "-") \
                and VERSION_WORD.match(tokens[j + 1][2]):
            if not shaped and not _LEADING_DIGIT.match(tokens[j + 1][2]) and j == i:
                break
            j += 1
        if shaped or j > i:
            if out and text[out[-1][1]:ts] == " " and not text[out[-1][1] - 1].isdigit():
                out[-1] = (out[-1][0], tokens[j][1])  # adjacent names are one: "QMUL GRID", "MORPH Album 2"
            else:
                out.append((ts, tokens[j][1]))
        i = j + 1
    return out


def _capital_word(w: str) -> bool:
    return w[:1].isupper() and w not in _CAP_WORD_NOT_NAME and len(w) > 2


_COORD_LAST = re.compile(r"[ \t](?:and|&|or)[ \t]+([A-Z][\w.+\-]*)[ \t]+(?:data ?sets|benchmarks|corpora|test sets)\b")
_COORD_ITEMS = re.compile(r"(?:[A-Z][\w.+\-]*,[ \t]+)*[A-Z][\w.+\-]*,?$")


#: one capitalised word that a type noun after it names: "built on the Gato architecture", "the Adam optimizer"
#: (found from the noun, then read back: faster than matching from every determiner)
_TYPE_NOUN = re.compile(r"[ \t](?:architecture|model|encoder|decoder|backbone|network|framework|algorithm|optimizer|"
                        r"dataset|benchmark|corpus)s?\b")
_DETERMINERS = frozenset("the a an our their its".split())
#: every _TYPE_NOUN match holds one of these after a capitalised word ("Gato architecture")
_TYPE_NOUN_KEYS = (" architecture", " model", " encoder", " decoder", " backbone", " network", " framework",
                   " algorithm", " optimizer", " dataset", " benchmark", " corpus")
_CAP_WORD = re.compile(r"[A-Z][a-z][\w\-]*$")
#: languages and peoples: "the English dataset", "a Chinese model" say what the data or model is about, not its name
_LANGUAGE_WORDS = frozenset("""
English Chinese German French Spanish Japanese Korean Arabic Russian Hindi Italian Portuguese Dutch Swedish
Polish Turkish Vietnamese Thai Indonesian Persian Hebrew Greek Czech Finnish Danish Norwegian Romanian
Hungarian Ukrainian Bengali Urdu Swahili Tamil Telugu Malay Filipino Catalan Basque Estonian Latvian
Lithuanian Slovak Slovenian Croatian Serbian Bulgarian Icelandic Irish Welsh African Asian European
American Indian Multilingual Bilingual Monolingual Transformer Transformers Python Java JavaScript Julia MATLAB
""".split())
#: the determiner is inside a Title Case name: "the Labeled Faces in the Wild dataset"
_INSIDE_NAME = re.compile(r"[A-Z][\w\-]*[ \t]+(?:in|of|on|for|at|from|with|to)[ \t]+$")


def named_by_noun_spans(text: str) -> list[tuple[int, int]]:
    """One capitalised word (not at a sentence start: a determiner comes first) that the type
    noun after it names: "the Gato architecture", "the Places dataset" ("Transformer" is listed)."""
    out: list[tuple[int, int]] = []
    if not any(k in text for k in _TYPE_NOUN_KEYS):
        return out
    for noun in _TYPE_NOUN.finditer(text):
        e = noun.start()
        s = text.rfind(" ", 0, e)  # the word before the noun ...
        d = text.rfind(" ", 0, s) if s > 0 else -1  # ... and the one before it
        word, det = text[s + 1:e], text[d + 1:s]
        if det not in _DETERMINERS or not _CAP_WORD.match(word) or word in _LANGUAGE_WORDS or word in _CAP_WORD_NOT_NAME:
            continue
        if not _INSIDE_NAME.search(text, max(0, d - 39), d + 1):
            out.append((s + 1, e))
    return out


#: the next item of a list after a name, and the item before one: "on Caltech, INRIA, and ETH"
_NEXT_ITEM = re.compile(r"(?:,?[ \t]+(?:and|or|&)[ \t]+|,[ \t]+)([A-Z][\w+\-]*(?:\.\d+)*)(?![\w\-])")
#: the two characters before a list item that follows another: ", ", "and ", "or ", "& "
_LIST_JOINS = frozenset([", ", "d ", "r ", "& "])
_PREV_ITEM = re.compile(r"(?<![\w\-])([A-Z][\w+\-]*(?:\.\d+)*)(?:,?[ \t]+(?:and|or|&)[ \t]+|,[ \t]+)$")


def listed_with(text: str, mentions: list["Mention"]) -> list["Mention"]:
    """Single capitalised words listed with a name found: "on Caltech, INRIA, and ETH" (INRIA
    and ETH are names, so Caltech is one of them, of the type of the name next to it). Walked
    from each name to both sides, item by item, up to the next name or the list's end."""
    starts = {m.start for m in mentions}
    ends = {m.end for m in mentions}
    spans = [(m.start, m.end) for m in mentions]
    found: dict[tuple[int, int], Mention] = {}

    def fits(a: int, b: int) -> bool:
        w = text[a:b]
        return len(w) > 1 and w not in _CAP_WORD_NOT_NAME and w not in _LANGUAGE_WORDS and w not in _SENT_STARTERS \
            and not any(s < b and a < e for s, e in spans) \
            and not _INSIDE_NAME.search(text, max(0, a - 40), a)  # "Animals with Attributes": a name's last word

    for m in mentions:
        pos = m.end
        while (r := _NEXT_ITEM.match(text, pos)) and r.start(1) not in starts and fits(*r.span(1)):
            found.setdefault(r.span(1), Mention(r.start(1), r.end(1), r.group(1), m.type, "shape"))
            pos = r.end(1)
        pos = m.start
        while text[pos - 2:pos] in _LIST_JOINS and (r := _PREV_ITEM.search(text, max(0, pos - 40), pos)) \
                and r.end(1) not in ends and fits(*r.span(1)):
            found.setdefault(r.span(1), Mention(r.start(1), r.end(1), r.group(1), m.type, "shape"))
            pos = r.start(1)
    return [found[k] for k in sorted(found)]


_PLURAL_DATA = ("datasets", "data sets", "benchmarks", "corpora", "test sets")


def coordinated_data_spans(text: str) -> list[tuple[int, int]]:
    """Single words that a plural data noun after them names as datasets: "on the Monash and
    ETT benchmarks", "Caltech, INRIA and ETH datasets" (what a word alone would not say)."""
    out: list[tuple[int, int]] = []
    if not any(k in text for k in _PLURAL_DATA):
        return out
    for m in _COORD_LAST.finditer(text):
        out.append(m.span(1))
        items = _COORD_ITEMS.search(text, max(0, m.start() - 120), m.start())
        if items:
            for w in re.finditer(r"[A-Z][\w.+\-]*", items.group(0)):
                out.append((items.start() + w.start(), items.start() + w.end()))
    return [(a, b) for a, b in out if text[a:b] not in _CAP_WORD_NOT_NAME]


def capseq_spans(text: str, start: int, end: int, sent_starts: set[int] | None = None) -> list[tuple[int, int]]:
    """Title Case terms inside a sentence: "Leave-One-Out K-Nearest-Neighbor", "Named Entity Recognition"."""
    out = []
    sent_starts = sent_starts if sent_starts is not None else {start}
    for m in CAPSEQ.finditer(text, start, end):
        s, e = m.start(), m.end()
        words = m.group(0).split()
        if s in sent_starts and words[0] in _SENT_STARTERS:
            s = s + len(words[0])
            s = s + (len(text[s:e]) - len(text[s:e].lstrip()))
            words = words[1:]
        while words and words[0] in _CAP_WORD_NOT_NAME:
            s += len(words[0])
            s += len(text[s:e]) - len(text[s:e].lstrip())
            words = words[1:]
        j = _DASH_JOINED.search(words[-1]) if words else None
        if j and j.start() > 0:  # "SwaNER Corpus-the largest": the term ends before the dash
            e -= len(words[-1]) - j.start()
            words[-1] = words[-1][:j.start()]
        if any(_AFFIX.search(w) for w in words):
            continue  # "RoPE-based LLM" is RoPE and a generic LLM, not one term
        if len(words) < 2 or is_generic(text[s:e]) or any(c.isdigit() for c in text[s:e]):
            continue  # names with digits are name shapes ("CIFAR-100"), not Title Case terms
        out.append((s, e))
    return out


_LEFT_WORD = re.compile(r"[A-Za-z][\w/\-]*$")


def task_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Lower-case task phrases ending in a task head word ("phase recognition")."""
    out = []
    for h in TASK_HEAD.finditer(text, max(0, start - 1), end):  # the space may precede start
        # up to three words to the left, separated by single spaces, stopping at a stop word
        s = h.start(1)
        taken = 0
        while taken < 3:
            if s - 1 <= start or text[s - 1] != " ":
                break
            j = text.rfind(" ", max(start, s - 40), s - 1)
            w = text[j + 1:s - 1]
            if not w or not _LEFT_WORD.match(w):
                break
            if w.lower() in _TASK_TRIM or w.endswith("ly") or any(c.isdigit() for c in w) or is_name_shaped(w) \
                    or w.endswith(("ed", "ing")) and w.lower() not in _TASK_MODIFIERS:
                break
            s = j + 1
            taken += 1
        if taken and not is_generic(text[s:h.end()]):
            out.append((s, h.end()))
    return out


#: a name given right after a naming cue: "the resulting model, named Spider", "which we call LM up-scaling"
_GIVEN_NAME = re.compile(r"\b(?:named|called|dubbed|termed|coined|which we (?:call|name|dub|term)|we (?:call|name|dub|term) "
                         r"(?:it|this|them|our \w+))[ \t]+(?:as[ \t]+)?([A-Z][\w+\-]*(?:\.\d+)*(?:[ \t]+[A-Z0-9][\w+\-]*(?:\.\d+)*){0,3})")
#: the strongest naming cues also name lower-case coinages, up to a comma or a clause: "which we call LM up-scaling,"
_COINED = re.compile(r"\b(?:which we (?:call|name|dub|term)|we (?:call|dub|term) (?:it|this|them))[ \t]+"
                     r"((?:[\w*+\-]+)(?:[ \t]+[\w*+\-]+){0,4}?)(?=[ \t]*(?:[,.;:()]|$|[ \t](?:that|which|to|and|for|in|"
                     r"where|with|as|by|on|is|are)\b))")
#: a capitalised name set beside what it is, read back from the apposition's comma: "to create Prithvi, a
#: transformer-based foundation model", "we propose Scaling Laws of RoPE-based Extrapolation, a unified framework"
#: every _GIVEN_NAME or _COINED match holds one of these (a text without any is not scanned)
_GIVEN_KEYS = ("named", "called", "dubbed", "termed", "coined", "we call", "we name", "we dub", "we term")
_APPOSITION_OPENERS = re.compile(r", an? ")


def given_name_spans(text: str, lower: str | None = None) -> list[tuple[int, int]]:
    """Names given by a naming cue or set beside what they are, though not shaped as names
    ("named Spider", "which we call LM up-scaling", "create Prithvi, a ... model")."""
    from kg.extract.text import type_from_following

    low = text.lower() if lower is None else lower
    out: list[tuple[int, int]] = []
    if any(k in low for k in _GIVEN_KEYS):
        out += [m.span(1) for m in _GIVEN_NAME.finditer(text)]
        out += [m.span(1) for m in _COINED.finditer(text) if not is_generic(m.group(1))]
    for comma in _APPOSITION_OPENERS.finditer(text):
        i = comma.start()
        if type_from_following(text, i) is None:
            continue
        span = _name_before(text, i)
        if span is not None:
            out.append(span)
    return out


_CONNECTORS = frozenset("of for with via in on and the to".split())


def _name_before(text: str, end: int) -> tuple[int, int] | None:
    """The Title Case name (up to six words, small connectors inside) that ends at ``end``,
    after a lower-case word or a comma: "create Prithvi|", "propose Scaling Laws of RoPE-based Extrapolation|"."""
    words = text[max(0, end - 90):end].split(" ")
    if len(words) < 2 or not words[-1]:
        return None
    i = len(words) - 1
    first = i
    while i >= 0 and len(words) - i <= 8:
        w = words[i]
        if w[:1].isupper() and re.fullmatch(r"[A-Z][\w\-]*", w):
            first = i
        elif w not in _CONNECTORS:
            break
        i -= 1
    name_words = words[first:]
    prev = words[first - 1] if first > 0 else ""
    if not name_words or not prev or not (prev[-1:].islower() or prev.endswith(",")) or len(name_words) > 6:
        return None
    if not re.match(r"[A-Z][a-z]", name_words[0]) or name_words[0] in _CAP_WORD_NOT_NAME \
            or name_words[0] in _SENT_STARTERS or " ".join(name_words) in _LANGUAGE_WORDS:
        return None
    start = end - len(" ".join(name_words))
    return start, end


def quoted_spans(text: str, start: int, end: int) -> list[tuple[int, int, str | None]]:
    """Quoted names that the next word types: the "Let it Wag!" benchmark."""
    out: list[tuple[int, int, str | None]] = []
    for m in QUOTED.finditer(text, start, end):
        typ = type_from_following(text, m.end())
        if typ:
            out.append((m.start(1), m.end(1), typ))
    return out


_MODIFIER = re.compile(r"([A-Z][a-z]+(?:-[A-Za-z]+)?)[ ]$")
_MODIFIER_HEADS = re.compile(r"(?i)^(?:attention|transformer|embeddings?|network|convolution|encoding|layers?|"
                             r"normalization|loss|mixer|diffusion|autoencoder|regression|process)$")


def extend_modifier(text: str, m: Mention) -> Mention:
    """A lexicon technique with a proper-name modifier is the more specific technique: "Fourier attention"."""
    if m.source != "lexicon" or not _MODIFIER_HEADS.match(m.text):
        return m
    w = _MODIFIER.search(text, max(0, m.start - 25), m.start)
    if not w or w.group(1) in _CAP_WORD_NOT_NAME or w.group(1) in _SENT_STARTERS:
        return m
    if text[max(0, w.start() - 2):w.start()].strip() in ("", ".", "!", "?"):
        return m  # a sentence-initial capital says nothing
    return Mention(w.start(1), m.end, text[w.start(1):m.end], m.type, "capseq")


_VERSION_AFTER = re.compile(r"[ \t](?:v?\d+(?:\.\d+)*|\d+(?:\.\d+)?[kKMB]|'\d\d|’\d\d)(?![\w.\-])")


def with_version(text: str, m: Mention) -> Mention:
    """A known name followed by a year or version is that version: "PASCAL VOC 2007", "Llama 3"."""
    if m.source not in ("lexicon", "known") or m.type not in ("Dataset", "Model"):
        return m
    v = _VERSION_AFTER.match(text, m.end)
    if not v:
        return m
    return Mention(m.start, v.end(), text[m.start:v.end()], m.type, m.source, m.link, m.strong)


#: a shared task's number after its series: "SemEval-2023 Task 4", "WMT 2014 Shared Task 1", "… Task 10 Subtask B"
_TASK_AFTER = re.compile(r"(?:\s+|\s*[-–]\s*)(?:Shared\s+)?(?:Task|Subtask|Sub-task|Track)\s*[-–]?\s*\d+[A-Za-z]?\b"
                         r"(?:\s*[,:-]?\s*(?:Subtask|Sub-task|Track)\s+[A-Z0-9]\w{0,2}\b)?")


#: a language pair after a translation dataset: "WMT 2014 English-to-German", "IWSLT14 De-En", "WMT'16 En-Ro"
_PAIR_AFTER = re.compile(r"(?:['’]\d{2}|[ \t]+['’]?\d{2}(?:\d{2})?)?[ \t](?:English|German|French|Romanian|Russian|Czech|Chinese|Japanese|Finnish|Turkish|Spanish|"
                         r"Italian|Portuguese|Arabic|Vietnamese|Korean|Hindi|Estonian|Latvian|Lithuanian|Kazakh|Gujarati|"
                         r"En|De|Fr|Ro|Ru|Cs|Zh|Ja|Fi|Tr|Es|It|Pt|Ar|Vi|Ko|Hi|Et|Lv|Lt|Kk|Gu|EN|DE|FR|RO|RU|CS|ZH|JA)"
                         r"(?:-to-|[-–→⇒]|[ \t]+to[ \t]+)(?:English|German|French|Romanian|Russian|Czech|Chinese|Japanese|"
                         r"Finnish|Turkish|Spanish|Italian|Portuguese|Arabic|Vietnamese|Korean|Hindi|Estonian|Latvian|"
                         r"Lithuanian|Kazakh|Gujarati|En|De|Fr|Ro|Ru|Cs|Zh|Ja|Fi|Tr|Es|It|Pt|Ar|Vi|Ko|Hi|Et|Lv|Lt|Kk|Gu|"
                         r"EN|DE|FR|RO|RU|CS|ZH|JA)\b")
_TRANSLATION_DATA = re.compile(r"(?:WMT|IWSLT|WAT|Europarl|OPUS|FLORES|newstest|TED)", re.I)


def with_language_pair(text: str, m: Mention) -> Mention:
    """A translation dataset followed by its language pair is that pair's data: "WMT 2014 English-to-German"."""
    if not _TRANSLATION_DATA.match(m.text):
        return m
    p = _PAIR_AFTER.match(text, m.end)
    if not p:
        return m
    return Mention(m.start, p.end(), text[m.start:p.end()], "Dataset", m.source, m.link, m.strong)


def with_task_number(text: str, m: Mention) -> Mention:
    """A name followed by a task's number is that shared task, a dataset: "SemEval-2023 Task 4"
    (not "SemEval-2023" and a stray "Task 4")."""
    if not m.text[:1].isupper() or m.source in ("task", "quoted"):
        return m
    t = _TASK_AFTER.match(text, m.end)
    if not t:
        return m
    return Mention(m.start, t.end(), text[m.start:t.end()], "Dataset", m.source, m.link, m.strong)


_PRIORITY = {"acronym-long": 0, "acronym-short": 0, "quoted": 1, "lexicon": 2, "known": 2, "shape": 3,
             "capseq": 4, "task": 5}


def keep_longest(mentions: Iterable[Mention]) -> list[Mention]:
    """Non-overlapping mentions, longest first (ties: the more trusted source)."""
    chosen: list[Mention] = []
    ms = sorted(mentions, key=lambda m: (-(m.end - m.start), _PRIORITY.get(m.source, 9), m.start))
    if not ms:
        return chosen
    taken = bytearray(max(m.end for m in ms) + 1)
    for m in ms:
        if any(taken[m.start:m.end]):
            continue
        chosen.append(m)
        taken[m.start:m.end] = b"\x01" * (m.end - m.start)
    return sorted(chosen, key=lambda m: m.start)


@Language.factory("kg_mentions", default_config={"known": {}}, requires=["doc._.kg"], assigns=["doc._.kg"])
def make_mentions(nlp: Language, name: str, known: Mapping[str, str]):
    return MentionFinder(nlp, known)


class MentionFinder:
    """Finds candidate entity mentions (see the module docstring)."""

    def __init__(self, nlp: Language, known: Mapping[str, str]):
        self.types: dict[str, str] = {}
        self.lower_types: dict[str, str] = {}
        lexicon = load_lexicon()
        names = dict(lexicon)
        for n, t in known.items():
            names.setdefault(n, t)
        # multi-word known names (acronym expansions) match in any case
        sensitive = sorted(n for n in names if case_sensitive(n) and (n in lexicon or " " not in n))
        insensitive = sorted(n for n in names if n not in sensitive)
        self.types = {n: names[n] for n in sensitive}
        self.lower_types = {}
        for n in insensitive:
            self.lower_types.setdefault(n.lower(), names[n])
        self.lexicon_keys = {n for n in load_lexicon()} | {n.lower() for n in load_lexicon() if not case_sensitive(n)}
        self.index = NameIndex(sensitive, insensitive)
        #: Model and Method names known before any paper: lineage looks for them inside new names
        self.known_names = frozenset(n for n, t in names.items() if t in ("Model", "Method", "")
                                     and len(n) >= 3 and any(c.isupper() for c in n))

    def __call__(self, doc: Doc) -> Doc:
        st = state(doc)
        st.known = self.known_names
        text = st.text
        found: list[Mention] = list(st.mentions)
        for a, b, listed in self.index.find(text, st.lower):
            surface = text[a:b]
            typ = self.types.get(listed)
            if typ is None:
                typ = self.lower_types.get(listed)
                if typ is None:
                    continue
            typ = typ or None
            lex = surface in self.lexicon_keys or surface.lower() in self.lexicon_keys
            found.append(Mention(a, b, surface, typ, "lexicon" if lex else "known"))
        starts = {s for s, _ in st.sents}
        n = len(text)
        for a, b in name_spans(text, 0, n, starts, title_end=st.title_len):
            found.append(Mention(a, b, text[a:b], None, "shape"))
        abstract = st.title_len + 2 if st.title_len < n else n
        for a, b in capseq_spans(text, abstract, n, starts):
            found.append(Mention(a, b, text[a:b], type_from_head(text[a:b]), "capseq"))
        for a, b in coordinated_data_spans(text):
            found.append(Mention(a, b, text[a:b], "Dataset", "shape"))
        for a, b in named_by_noun_spans(text):
            found.append(Mention(a, b, text[a:b], None, "shape"))
        for a, b in given_name_spans(text, st.lower):
            found.append(Mention(a, b, text[a:b], None, "quoted", strong=True))
        for a, b in task_spans(text, 0, n):
            found.append(Mention(a, b, text[a:b], "Task", "task"))
        if '"' in text or "“" in text:
            for a, b, t in quoted_spans(text, 0, n):
                found.append(Mention(a, b, text[a:b], t, "quoted", strong=True))
        found = [with_language_pair(text, with_task_number(text, with_version(text, m))) for m in found]
        pairs = [(m.start, m.end) for m in found if m.type == "Dataset" and _TRANSLATION_DATA.match(m.text)]
        if pairs:  # "WMT 2014 English-to-German translation task": the data's pair, not a task's name
            found = [m for m in found if not (m.source == "task" and any(a < m.end and m.start < b for a, b in pairs))]
        trusted_ends = {m.end for m in found if m.source in ("lexicon", "known")}
        found = [m for m in found if not (m.source == "task" and m.end in trusted_ends)]
        urls = url_spans(text)
        found = [extend_modifier(text, m) for m in found
                 if m.text not in st.generic and not (urls and any(m.start < e and s < m.end for s, e in urls))
                 and not HARDWARE_AFTER.match(text, m.end)]
        mentions = keep_longest(found)
        if "," in text or " and " in text:
            more = listed_with(text, mentions)
            if more:
                mentions = keep_longest(mentions + more)
        for m in mentions:
            follow = type_from_following(text, m.end) or type_from_preceding(text, m.start)
            if m.source == "shape" and m.type is None:
                m.type = type_from_shape(m.text) or type_from_head(m.text)
            if follow and (m.type is None or (follow == "Dataset" and m.type != "Task"
                                              and m.source not in ("lexicon", "acronym-long", "acronym-short"))):
                m.type = follow
        st.mentions = mentions
        index_sentences(st)
        return doc
