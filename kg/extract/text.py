"""Plain text helpers shared by the extraction components: no spaCy here.

Sentence splitting, name shapes, generic phrases, entity typing by head words, and the
small phrase reader that takes the noun phrase (or the list of noun phrases) after a cue.
"""

from __future__ import annotations

import re
from functools import lru_cache


# ---------------------------------------------------------------- sentences

_ABBREV = r"(?:e\.g|i\.e|et al|etc|vs|cf|Fig|Figs|Eq|Sec|approx|resp|w\.r\.t|a\.k\.a|No|Vol|incl)\."
#: a sentence break (group 1) after ".", "!" or "?" (matched, not looked behind for, so the regex
#: engine skips straight to those characters)
_SENT_END = re.compile(r"[.!?]([\"')\]]*\s+)(?=[\"'(\[]?[A-Z0-9])")
_ABBREV_END = re.compile(_ABBREV + r"$", re.I)


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of ``text``, shifted by ``offset``."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(text):
        brk = m.start(1)
        head = text[start:brk]
        if _ABBREV_END.search(head[-12:]) or len(head.strip()) < 3:
            continue
        spans.append((start, brk))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while e > s and text[e - 1].isspace():
            e -= 1
        while s < e and text[s].isspace():
            s += 1
        if e > s:
            out.append((s + offset, e + offset))
    return out


# ---------------------------------------------------------------- a title glued to its abstract

#: small words a Title Case title keeps in lower case
_TITLE_SMALL = frozenset("a an the of for and or with via to in on by from at as into through towards toward "
                         "without vs versus using over under is are be".split())
#: words that open the first sentence of an abstract
_OPENERS = frozenset("""
The In We This These Our Recent Recently Most Many Despite Although While Existing Current Modern Traditional
Previous Prior Since Given Several Over Humans How It There Such One Due Unlike Although A An
""".split())
_TOKEN = re.compile(r"\S+")


def embedded_title_end(text: str, start: int, end: int) -> int | None:
    """Where a title glued to the start of an abstract ends ("V-Net: Fully Convolutional ...
    Segmentation Convolutional Neural Networks (CNNs) have been ..."), or None.

    Some collections store the title inside the abstract's first sentence. It shows as a run of
    capitalised words (small words like "for" aside) running into the first sentence; the title
    ends before the word that opens the sentence: a usual opener ("Most", "Recent", "In"), the
    long form of an acronym the sentence defines, or else the run's last capitalised word.
    """
    run: list[tuple[int, int, str]] = []
    for m in _TOKEN.finditer(text, start, end):
        w = m.group()
        core = w.strip("()[]:,\"'‘’“”")
        if core and core[0].islower() and core.lower() not in _TITLE_SMALL and not any(c.isdigit() for c in core):
            break
        if w.endswith((".", "?", "!")) and not _DOTTED.match(w.rstrip(".")) and not w[:-1].replace(".", "").isdigit():
            return None  # a sentence ends inside the run: no glued title
        run.append((m.start(), m.end(), w))
        if len(run) >= 40:
            return None
    else:
        return None
    while run and run[-1][2].lower() in _TITLE_SMALL and run[-1][2][:1].islower():  # "... Learning Learning from a | few"
        run.pop()
    if len(run) < 4:
        return None
    cut = None
    for j in range(len(run) - 1, 2, -1):
        if run[j][2] in _OPENERS and run[j - 1][2].lower() not in _TITLE_SMALL:
            cut = j
            break
    if cut is None and run[-1][2].startswith("("):
        inner = run[-1][2].strip("()")
        for j in range(len(run) - 2, 2, -1):  # the acronym's long form opens the sentence
            initials = "".join(w[2][0] for w in run[j:-1] if w[2][:1].isupper())
            if initials.lower() == inner.rstrip("s").lower():
                cut = j
                break
    if cut is None:
        last = run[-1][2]
        if not (last[:1].isupper() or last[:1].isdigit()) or last.startswith("("):
            return None
        cut = len(run) - 1
    title = [w for _, _, w in run[:cut]]
    if cut < 3 or title[-1].lower() in _TITLE_SMALL or sum(w.lower() not in _TITLE_SMALL for w in title) < 3:
        return None  # "Experiments on SQuAD and | TriviaQA show ...": no title ends in "and"
    return run[cut - 1][1]


# ---------------------------------------------------------------- name shapes

#: one word that looks like a name: several capitals, letters mixed with digits, CamelCase
_HAS_TWO_CAPS = re.compile(r"[A-Z].*[A-Z]")
_LETTER_DIGIT = re.compile(r"[A-Za-z].*\d|\d.*[A-Za-z]")
_CAP_HYPHEN = re.compile(r"^[A-Z][a-z]+(?:-[A-Z0-9][A-Za-z0-9]*)+$")
_QUANTITY = re.compile(
    r"^(?:\d+(?:\.\d+)?(?:[kKMBTG]|GB|TB|MB|B|x|X|s|D|d|th|st|nd|rd|M|K|%)?|"
    r"\d+[xX×]|[xX]\d+|\d+(?:\.\d+)?[-–]\d+(?:\.\d+)?[kKMBT]?|[A-Z]?\d+[kK]|\d+-\w+|\d+(?:\.\d+)?[-–]?(?:bit|fold|shot|way|layer|d|D|times|hop|gram|billion|million)s?)$")
_UNIT = re.compile(r"^[+\-~]?\d[\d.,]*(?:dB|ms|s|h|px|fps|Hz|kHz|MHz|GHz|mm|cm|km|m|kg|g|bpc|bps|pp|pts|%|x|X|GB|MB|TB|kB|K|k|M|B|T)$")
LANG_PAIR = re.compile(r"^(?:[A-Z][a-z]{1,2}|English|German|French|Russian|Czech|Finnish|Romanian|Chinese|Japanese|Spanish)"
                       r"(?:-to-|-|–)(?:[A-Z][a-z]{1,2}|English|German|French|Russian|Czech|Finnish|Romanian|Chinese|Japanese|Spanish)$")
_LOWER_NAME = re.compile(r"^[a-z]{3,}\d{1,2}$|^[a-z]+2[a-z]+$")  # enwik8, text8, word2vec, seq2seq
_HARDWARE = re.compile(r"^(?:[AHVPLT]\d{2,3}|TPUv?\d*|RTX\w*|GTX\w*|A6000|MI\d{2,3}[A-Z]?|NVIDIA|Nvidia)s?$")
#: what a name right before it is: hardware ("2048 TPU v4 chips", "Ascend 910 NPUs", "A100 GPUs")
HARDWARE_AFTER = re.compile(r"[ \t]+(?:GPUs?|TPUs?|NPUs?|CPUs?|chips|cores|accelerators?|(?:graphics )?cards)\b")
_DOTTED = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]?$")  # U.S, e.g, i.e
_RANGE = re.compile(r"^~?\d[\d.,]*[kKMBTx%]?(?:[-–/~]\d[\d.,]*[kKMBTx%]?)+$")
_COMMON_HYPHENED = frozenset("""
zero-shot few-shot one-shot multi-shot large-scale small-scale state-of-the-art pre-training pre-trained fine-tuning
fine-tuned self-supervised self-attention multi-modal multi-task multi-lingual long-context open-source real-world
high-quality low-resource cross-lingual cross-modal in-context end-to-end text-to-text text-to-image
vision-language encoder-decoder decoder-only encoder-only sequence-to-sequence non-english
""".split())
_ROMAN = re.compile(r"^(?:I{1,3}|IV|VI{0,3}|IX|X{1,3})$")
#: size / version words that extend a name: "Llama 2", "Mistral 7B", "GPT-4 128K", "GPT-3 XL"
VERSION_WORD = re.compile(r"^(?:v?\d+(?:\.\d+)*[a-z]?|\d+(?:\.\d+)?[kKMBT]|\d+x\d+[BM]?|XXL|XL|Large|Base|Small|Tiny|Mini|Pro|Ultra|Plus|Instruct|Chat|base|large|small)$")


@lru_cache(maxsize=1 << 17)
def is_name_shaped(word: str) -> bool:
    """A word that reads as a name: ``BERT``, ``DeltaLM``, ``T5``, ``LLaMA-2``, ``Mr-Tydi``."""
    w = word.strip(".,;:'’")
    if len(w) < 2 or _DOTTED.match(w) or _HARDWARE.match(w) or _QUANTITY.match(w) or _ROMAN.match(w) or _RANGE.match(w) or w.lower() in _COMMON_HYPHENED \
            or _UNIT.match(w) or LANG_PAIR.match(w):
        return False
    if not any(c.isalpha() for c in w):
        return False
    if _HAS_TWO_CAPS.search(w) or _CAP_HYPHEN.match(w):
        return True
    if _LETTER_DIGIT.search(w):
        return any(c.isupper() for c in w) or bool(_LOWER_NAME.match(w))
    return bool(re.match(r"^[a-z]+[A-Z]", w))


# ---------------------------------------------------------------- generic phrases

_GENERIC_WORDS = frozenset("""
a an the our their its this these those that such other existing previous prior recent current popular
standard strong various several many multiple different new novel simple effective efficient
state-of-the-art sota large-scale large small big general generic general-purpose proposed
model models method methods approach approaches framework frameworks technique techniques system systems
algorithm algorithms architecture architectures network networks baseline baselines strategy strategies
paradigm paradigms scheme schemes pipeline pipelines module modules procedure process recipe
dataset datasets data corpus corpora benchmark benchmarks task tasks downstream upstream work works study
language languages pre-trained pretrained pre-training pretraining training fine-tuning finetuning fine-tuned
foundation neural deep learning machine vision computer natural processing artificial intelligence lm lms
llm llms plm plms ptm ptms vlm vlms mllm mllms transformer transformers encoder encoders decoder decoders
multimodal multi-modal vision-language visual text textual image images one two three four five
first second third way ways enhancements improvements modifications components ideas insights
findings variants extensions direction directions solution solutions version versions family phenomenon existence
promising intriguing better base single multiple unified set sets performance results result experiments experiment analysis
""".split())

_GENERIC_PHRASES = frozenset(k.replace(" ", "") for k in """
large language model|language model|pretrained language model|pre-trained language model|pre-trained model
|pretrained model|foundation model|neural network|deep neural network|deep learning|machine learning
|natural language processing|computer vision|artificial intelligence|vision language model|vision-language model
|large multimodal model|multimodal large language model|large vision language model|transformer model
|state of the art|zero-shot|few-shot|pre-training|pretraining|fine-tuning|finetuning|training|learning
|artificial general intelligence|natural language|generative ai|open source|open-source|ground truth
""".replace("\n", "").split("|"))


_GENERIC_KEYS = frozenset(p.replace("-", "") for p in _GENERIC_PHRASES)


@lru_cache(maxsize=1 << 15)
def is_generic(phrase: str) -> bool:
    """Generic phrases are not entities: "our model", "a large corpus", "downstream tasks"."""
    words = [w.lower().strip(".,;:()'\"") for w in phrase.split()]
    words = [w for w in words if w]
    if not words:
        return True
    if all(w in _GENERIC_WORDS or w.isdigit() for w in words):
        return True
    key = "".join(words).replace("-", "")
    key_s = key[:-1] if key.endswith("s") else key
    return key in _GENERIC_KEYS or key_s in _GENERIC_KEYS


def is_generic_expansion(long: str, short: str, generic_acronyms: frozenset[str] = frozenset()) -> bool:
    """An acronym definition names nothing specific: "large language models (LLMs)".

    A long form written in Title Case with an acronym of its own names a thing even when each
    of its words is generic ("a General Language Model (GLM)", "Vision Transformer (ViT)"),
    unless the phrase or the acronym is one of the field's generic ones.
    """
    if not is_generic(long):
        return False
    words = [w for w in long.split() if w[:1].isalpha()]
    if not words or not all(w[:1].isupper() for w in words) or len(words) < 2:
        return True
    if short in generic_acronyms or (short.endswith("s") and short[:-1] in generic_acronyms):
        return True
    key = "".join(w.lower() for w in long.split()).replace("-", "")
    key_s = key[:-1] if key.endswith("s") else key
    return key in _GENERIC_KEYS or key_s in _GENERIC_KEYS


# ---------------------------------------------------------------- typing by head words

_HEAD_TYPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)(?:data ?set|benchmark|corpus|corpora|test ?set|suite|collection|treebank|bench|leaderboard|challenge)s?$"), "Dataset"),
    (re.compile(r"(?i)(?:score|accuracy|error rate|rate|precision|recall|perplexity|f1|bleu|rouge|discrepancy|"
                r"divergence|distance|rank|gain|auc|auroc|wer|mrr|ndcg)(?:@\d+|@k)?$"), "Metric"),
    (re.compile(r"(?i)(?:recognition|detection|segmentation|classification|retrieval|generation|translation|"
                r"summari[sz]ation|forecasting|answering|parsing|tagging|estimation|prediction|understanding|"
                r"reasoning|captioning|grounding|comprehension|labell?ing|extraction|verification|"
                r"re-?ranking|ranking|completion|inference|tracking|localization|elicitation|synthesis|correction|"
                r"prediction|categori[sz]ation|identification|entailment)$"), "Task"),
    (re.compile(r"(?i)(?:model|models|transformer|transformers|network|networks|net|lm|llm|bert|gpt|encoders?|decoders?|mixers?|checkpoints?)$"), "Model"),
    (re.compile(r"(?i)(?:learning|training|tuning|pre-?training|fine-?tuning|modell?ing|attention|distillation|"
                r"method|approach|algorithm|technique|objective|loss|strategy|framework|mechanism|embeddings?|"
                r"encoding|sampling|optimization|regularization|normalization|pruning|sparsity|augmentation|"
                r"alignment|merging|prompting|decoding|search|initialization|scaling|selection|upsampling|"
                r"corruption|operators?|adaptation|interpolation|clustering|factorization)$"), "Method"),
)


_SIZE_SUFFIX = re.compile(r"(?i)[-_ ](?:base|small|large|tiny|xl|xxl|mini|medium|huge|instruct|chat|turbo|"
                          r"\d+(?:\.\d+)?b|\d+x\d+b|(?:s|b|l|h|g|xl|ti)/\d+)$")


def type_from_shape(name: str) -> str | None:
    """Size suffixes mark released models ("DeiT-base", "Llama-3-8B"); benchmark heads mark datasets."""
    if _SIZE_SUFFIX.search(name):
        return "Model"
    if re.search(r"(?:Bench|Benchmark|QA|Corpus|Set)$", name):
        return "Dataset"
    return None


def type_from_head(phrase: str) -> str | None:
    """The entity type a phrase's last word suggests, if any."""
    words = phrase.split()
    return _type_of_last(words[-1]) if words else None


@lru_cache(maxsize=1 << 15)
def _type_of_last(last: str) -> str | None:
    for pat, typ in _HEAD_TYPES:
        if pat.search(last):
            return typ
    return None


FOLLOW_TYPE = re.compile(
    r"\s*(?:\([^()\n]{1,20}\)\s*)?(?:(?P<d>data ?sets?|benchmarks?|corpus|corpora|test sets?|suites?|challenges?|competitions?)|(?P<m>models?|checkpoints?|LLMs?|backbones?|family)|"
    r"(?P<t>tasks?)|(?P<me>methods?|algorithms?|approach|technique|objective|loss|architecture)|(?P<x>metrics?|scores?))\b")


#: an apposition naming what the mention is: "X, a new dataset for ...", "X, the largest corpus of"
APPOSITION_TYPE = re.compile(
    r"(?:,\s+|\s*[-–—]\s*|\s+[–—]\s+)(?:a|an|the)\s+(?P<words>(?:[\w'-]+\s+){0,3}?)(?:(?P<d>data ?sets?|benchmarks?|corpus|corpora|test sets?|suites?|"
    r"(?:set|collection) of (?:\d[\d.,]*\s*[kKMB]?\s+)?(?:\w+\s+){0,2}?(?:images|responses|examples|samples|questions|"
    r"pairs|documents|videos|annotations|labels|texts|tokens|utterances|dialogues|conversations|instructions))|"
    r"(?P<m>models?|LLMs?|backbones?)|(?P<t>tasks?)|(?P<me>methods?|algorithms?|approach|technique|objective|loss|"
    r"architecture|framework)|(?P<x>metrics?))\b")
_FOLLOW_TYPES = {"d": "Dataset", "m": "Model", "t": "Task", "me": "Method", "x": "Metric"}


#: the noun a name is set beside: "a new loss, X,", "a new metric, X", "the dataset, X"
PRECEDING_TYPE = re.compile(
    r"\b(?:[Aa]|[Aa]n|[Tt]he|[Oo]ur)\s+(?P<words>(?:[\w'-]+\s+){0,3}?)(?:(?P<d>data ?set|benchmark|corpus|test set|suite)|"
    r"(?P<m>model|LLM|backbone)|(?P<t>task)|(?P<me>method|algorithm|approach|technique|objective|loss|"
    r"architecture|framework)|(?P<x>metric|measure))\s*[,:]\s*$")


def type_from_preceding(text: str, start: int) -> str | None:
    """The type an apposition before a name says: "we propose a new loss, X, for"."""
    if start < 2 or text[start - 2] not in ",:":
        return None
    p = PRECEDING_TYPE.search(text, max(0, start - 64), start)
    if p and p.lastgroup and p.lastgroup != "words" and not any(w.lower() in _NP_STOP for w in p.group("words").split()):
        return _FOLLOW_TYPES[p.lastgroup]
    return None


def type_from_following(text: str, end: int) -> str | None:
    """The type the word right after a mention says: "X dataset", "X model", "X task" (also
    after the mention's acronym: "Animals with Attributes 2 (AWA2) dataset"), or an apposition
    right after it: "X, a new dataset for", "X, the largest annotated corpus" (its words before
    the noun describe it: none of them a preposition or a verb, "X, a model trained on the Y
    dataset" is a model)."""
    m = FOLLOW_TYPE.match(text, end, min(len(text), end + 48))
    if m and m.lastgroup is not None:
        return _FOLLOW_TYPES[m.lastgroup]
    if end < len(text) and text[end] in ",-–— ":
        a = APPOSITION_TYPE.match(text, end, min(len(text), end + 64))
        if a and a.lastgroup and a.lastgroup != "words" and not any(w.lower() in _NP_STOP for w in a.group("words").split()):
            return _FOLLOW_TYPES[a.lastgroup]
    return None


# ---------------------------------------------------------------- phrases after cues

#: words that end a noun phrase read after a cue
_NP_STOP = frozenset("""
that which who whose where when while whereby to for with in on at by from into onto over under than as
is are was were be been being has have had can could will would should may might must do does did
and or but nor so yet , . ; : ( ) it its we our they their this these those via through using based
achieves achieve achieving shows show outperforms outperform improves improve leads lead allows allow
enables enable requires require consisting comprising including such namely e.g. i.e. along alongside
called named dubbed termed against without combining leveraging allowing enabling achieving yielding
requiring improving reducing providing making taking
""".split())
_LEAD_SKIP = frozenset("""
a an the our new novel simple effective efficient first two three four five six several multiple various
general unified lightweight powerful scalable flexible principled generic simple yet self called named
further also additional
""".split())
_WORD = re.compile(r"[^\s,.;:!?()\[\]\"“”]+(?:\.\d+)*")
_TRAIL_GENERIC = frozenset("""
method methods approach approaches framework frameworks technique techniques strategy strategies scheme
paradigm algorithm algorithms procedure pipeline recipe mechanism objective module system architecture
family model models
""".split())


def read_phrase(text: str, pos: int, end: int, max_words: int = 6, keep_of: bool = True) -> tuple[int, int] | None:
    """The noun phrase starting at ``pos`` (leading articles and adjectives like "a new" skipped).

    Returns the span of the phrase without a trailing generic head word ("a new pre-training
    strategy" -> "pre-training"), or None when nothing specific is left.
    """
    words: list[tuple[int, int]] = []
    i = pos
    while i < end:
        m = _WORD.search(text, i, end)
        if not m:
            break
        gap = text[i:m.start()]
        if any(c in gap for c in ",.;:()[]\"“”") and (words or gap.strip() not in ("", "\"", "“")):
            break
        w = m.group(0)
        lw = w.lower()
        if not words and (lw in _LEAD_SKIP or (lw.endswith("ly") and len(lw) > 4)):
            i = m.end()
            continue
        if lw in _NP_STOP and not (keep_of and lw in ("of", "via") and words):
            break
        if lw == "of" or lw == "via":
            if not words:
                break
        words.append((m.start(), m.end()))
        i = m.end()
        if len(words) >= max_words:
            break
    while words and text[words[-1][0]:words[-1][1]].lower() in ("of", "via", "and", "or"):
        words.pop()
    if not words:
        return None
    while len(words) > 1 and text[words[-1][0]:words[-1][1]].lower() in _TRAIL_GENERIC:
        words.pop()
    # "an approach of unsupervised pre-training" -> "unsupervised pre-training"
    while len(words) > 2 and text[words[0][0]:words[0][1]].lower() in _TRAIL_GENERIC \
            and text[words[1][0]:words[1][1]].lower() in ("of", "for"):
        words = words[2:]
    s, e = words[0][0], words[-1][1]
    phrase = text[s:e]
    if is_generic(phrase) or len(phrase) < 3:
        return None
    return s, e


_LIST_SEP = re.compile(r"\s*(?:,\s*(?:and|or)\s+|,\s*|\s+and\s+|\s+or\s+|\s+as well as\s+|\s*&\s*)")


def read_phrase_list(text: str, pos: int, end: int, max_items: int = 8) -> list[tuple[int, int]]:
    """A list of noun phrases "A, B, and C" starting at ``pos``."""
    items: list[tuple[int, int]] = []
    i = pos
    while len(items) < max_items:
        span = read_phrase(text, i, end, keep_of=True)
        if not span:
            break
        items.append(span)
        m = _LIST_SEP.match(text, span[1], end)
        if not m or m.end() >= end:
            break
        i = m.end()
    return items


URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|co|io|ai|ms|net|edu|github\.io)/\S*")


_NON_SPACE = re.compile(r"\S*")


def url_spans(text: str) -> list[tuple[int, int]]:
    """Spans of URLs, looked for only in the whitespace-delimited runs holding "/" or "www."
    (found with ``str.find``, much faster than a regex scan of the whole text)."""
    if "/" not in text and "www." not in text:
        return []
    runs = set()
    for needle in ("/", "www."):
        i = text.find(needle)
        while i >= 0:
            s = i
            while s > 0 and not text[s - 1].isspace():
                s -= 1
            run = _NON_SPACE.match(text, i)
            e = run.end() if run is not None else i + len(needle)
            runs.add((s, e))
            i = text.find(needle, e)
    out = []
    for s, e in sorted(runs):
        for m in URL.finditer(text, s, e):
            out.append((m.start(), m.end()))
    return out
