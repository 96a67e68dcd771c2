"""Pure name rules of resolution: the canonical key, acronym checks and size/version families.

* ``canonical_key(name)``: ``compact_key`` (case, Unicode, hyphens and spaces folded) of the
  name with its last word made singular when it is a plural ("vision transformers",
  "LLMs"); names that only look plural ("time series", "robotics", "AG News", "loss") keep
  their form. Size and version marks are kept, so "Llama 2" is not "Llama 3".
* ``is_acronym_of(short, long)``: the letters of ``short`` spell ``long`` (Schwartz & Hearst).
* ``family_chain(name)``: the names ``name`` is a size or version variant of, nearest first
  ("Llama-2-7B-chat" -> "Llama-2-7B", "Llama-2", "Llama").
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.ids import compact_key, entity_id
from kg.schema import entity_id_prefix

# -- plurals ---------------------------------------------------------------------------
#: words that end in "s" but are not plurals (or whose singular would be a different name)
_NOT_PLURAL = frozenset("""
series species news means alias bias atlas canvas gas lens chaos ethos cosmos pathos kudos
corpus status virus bonus focus consensus census apparatus genus radius nexus syllabus stimulus
campus plus minus versus thus yes this has was does always perhaps various previous famous
analysis basis thesis hypothesis synthesis diagnosis emphasis axis crisis oasis genesis
process access address progress success stress loss class less pass mass glass boss
mamba pandas""".split())
#: "-ics" words that are plurals
_ICS_PLURALS = frozenset("metrics topics heuristics characteristics lyrics clinics comics epics".split())
#: plural head nouns of method and task names (and of "... datasets", "... benchmarks"):
#: only these are made singular, in any case ("Vision Transformers" = "vision transformer"),
#: so other plural-looking names stay whole ("Natural Questions", "Stanford Cars", "Hermes")
_GENERIC_HEADS = frozenset("""
models networks nets transformers encoders decoders autoencoders machines learners methods
approaches algorithms architectures embeddings representations classifiers detectors
generators discriminators agents policies layers mechanisms modules tasks objectives
optimizers mixtures experts adapters prompts features kernels graphs trees forests fields
processes operators functions flows units cells heads blocks filters systems frameworks
pipelines strategies techniques schemes estimators regressors transducers predictors samplers
solvers tokenizers retrievers rankers critics planners controllers parsers taggers translators
recognizers segmenters trackers losses rewards priors codes vectors maps attentions
convolutions activations augmentations perturbations attacks defenses benchmarks datasets
tokens samples distillations fusions""".split())
_ACRONYM_PLURAL = re.compile(r"^(?=(?:[^A-Z]*[A-Z]){2})[A-Za-z0-9]*[A-Z0-9]s$")
_LAST_WORD = re.compile(r"^(.*?)([A-Za-z0-9]+)$", re.S)


def singular_word(word: str) -> str:
    """The singular of one lower-case English word, or the word itself."""
    w = word
    if len(w) < 4 or not w.endswith("s") or w in _NOT_PLURAL:
        return w
    if w.endswith(("ss", "us", "is", "ous")):
        return w
    if w.endswith("ics"):
        return w[:-1] if w in _ICS_PLURALS else w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "ches", "shes", "xes")) and w != "axes":
        return w[:-2]
    return w[:-1]


def singular_name(name: str) -> str:
    """``name`` with its last word (the head noun) made singular where that is safe.

    Folded: an acronym plural ("LLMs", "ViTs", "GANs": two capitals, then "s"), a plural
    of a "-Net" name ("ResNets"), and a plural head noun of ``_GENERIC_HEADS`` in any case ("vision transformers", "Graph Neural
    Networks"). The decision never depends on the case of a word, so case variants keep
    one key; every other plural-looking name is left whole ("time series", "AG News",
    "Natural Questions").
    """
    m = _LAST_WORD.match(name.rstrip())
    if not m:
        return name
    head, word = m.group(1), m.group(2)
    if _ACRONYM_PLURAL.match(word) and len(word) >= 3:
        return head + word[:-1]
    lower = word.lower()
    if len(lower) > 5 and lower.endswith("nets"):  # "ResNets", "ConvNets", "EfficientNets"
        return head + word[:-1]
    if lower in _GENERIC_HEADS:
        single = singular_word(lower)
        return head + (word[: len(single)] if single == lower[: len(single)] else single)
    return name


@lru_cache(maxsize=1 << 18)
def canonical_key(name: str) -> str:
    """The type-independent key of a name: spelling and plural variants share it."""
    return entity_id("x", singular_name(name)).split(":", 1)[1]


def canonical_id(entity_type: str, key: str) -> str:
    return f"{entity_id_prefix(entity_type)}:{key}"


# -- acronyms --------------------------------------------------------------------------
_SHORT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-.&/+]{0,14}$")


@lru_cache(maxsize=1 << 16)
def is_acronym_of(short: str, long: str) -> bool:
    """Is ``short`` an abbreviation of ``long`` ("MIM" / "masked image modeling", "ViT" /
    "Vision Transformer", "LOOK" / "Leave-One-Out K-Nearest-Neighbor")?

    ``short`` is one word with a capital or a digit, shorter than ``long``; its letters and
    digits (a final plural "s" left out) appear in ``long`` in order, the first one at the
    start of a word.
    """
    short, long = short.strip(), long.strip()
    sw, lw = short.split(), long.split()
    if 1 < len(sw) <= len(lw):
        # shared words around an acronym: "Graph LSTM" / "Graph Long Short-Term Memory"
        if sw[0].casefold() == lw[0].casefold():
            return is_acronym_of(" ".join(sw[1:]), " ".join(lw[1:]))
        if sw[-1].casefold() == lw[-1].casefold():
            return is_acronym_of(" ".join(sw[:-1]), " ".join(lw[:-1]))
        return False
    if not _SHORT.match(short) or not any(c.isupper() for c in short):
        return False
    if len(short) >= len(long):
        return False
    if compact_key(short) == compact_key(long):
        return False
    s = short[:-1] if len(short) > 2 and short.endswith("s") and short[-2].isupper() else short
    chars = [c.lower() for c in s if c.isalnum()]
    if not chars:
        return False
    text = long.lower()
    # the first character must start a word of the long form
    starts = [i for i, c in enumerate(text) if c == chars[0] and (i == 0 or not text[i - 1].isalnum())]
    for start in starts:
        pos = start + 1
        ok = True
        for c in chars[1:]:
            pos = text.find(c, pos)
            if pos < 0:
                ok = False
                break
            pos += 1
        if ok:
            return True
    return False


# -- size and version families --------------------------------------------------------
_SIZE_WORDS = frozenset("""base large small tiny mini medium huge giant xl xxl xxxl lite nano micro
chat instruct turbo""".split())
#: one-letter size codes, only after "-" or "/" ("ViT-B/16", "Swin-T", "ROUGE-L")
_SIZE_LETTERS = frozenset("s b l h g t m ti xs".split())
_PARAMS = re.compile(r"(?i)^(?:\d+x)?\d+(?:\.\d+)?[kmbt]$")
_VERSION = re.compile(r"(?i)^v?\d+(?:\.\d+)*$")
_ATTACHED = re.compile(r"^([A-Za-z][A-Za-z\-]*?[A-Za-z]{2})v?\d+(?:\.\d+)*$")
_SPLIT_LAST = re.compile(r"^(.*?[A-Za-z0-9].*?)([\s\-_/]+)([^\s\-_/]+)$", re.S)


def family_parent(name: str) -> str | None:
    """The name ``name`` is a size or version variant of, or ``None``.

    The last token is dropped when it is a size word ("base", "large", "XL", "chat"), a
    one-letter size code after "-" or "/" ("ViT-B"), a parameter count ("7B", "1.3B",
    "8x7B", "1k") or a version number ("2", "3.5", "v2", "2017"); a single token loses a
    version glued to it ("DINOv2" -> "DINO", "ResNet50" -> "ResNet", not "T5" -> "T").
    """
    name = name.strip()
    m = _SPLIT_LAST.match(name)
    if m:
        head, sep, last = m.group(1), m.group(2), m.group(3)
        low = last.lower()
        strip = (low in _SIZE_WORDS or _PARAMS.match(last) is not None or _VERSION.match(last) is not None
                 or (low in _SIZE_LETTERS and sep.strip() in ("-", "/")))
        if not strip:
            return None
        parent = head.rstrip(" -_/")
    else:
        m2 = _ATTACHED.match(name)
        if not m2:
            return None
        parent = m2.group(1)
    if not any(c.isalpha() for c in parent) or len(compact_key(parent)) < 2 \
            or compact_key(parent) == compact_key(name):
        return None
    return parent


def family_chain(name: str, limit: int = 4) -> list[str]:
    """Every ancestor of ``name`` by ``family_parent``, nearest first."""
    return list(_family_chain(name, limit))


@lru_cache(maxsize=1 << 16)
def _family_chain(name: str, limit: int) -> tuple[str, ...]:
    out: list[str] = []
    cur = name
    for _ in range(limit):
        parent = family_parent(cur)
        if parent is None:
            break
        out.append(parent)
        cur = parent
    return tuple(out)
