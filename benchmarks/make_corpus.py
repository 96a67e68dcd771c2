"""Make a synthetic corpus of N papers from the sample corpus, for scaling benchmarks.

    python benchmarks/make_corpus.py 100000 -o /tmp/corpus-100k.jsonl.gz [--seed 0] [--start 0]

Each synthetic paper starts from a sample paper (its title and abstract sentences);
about a third of its sentences are swapped for sentences at the same position in other
sample papers, a qualifier is appended to the title ("... for low-resource languages":
real titles are nearly all distinct), and the name-shaped words in it (``BERT``, ``LAION-400M``, ``SatMAE``) are
renamed. A renamed word keeps its original name with probability ``KEEP`` and otherwise
takes a variant drawn from a heavy-tailed (Zipf-like) rank distribution: rank 2-5 are
version variants (``BERT-3``, ``GPT-5``), higher ranks new CamelCase names built from
syllables (``KavoBERT``, ``Zenorali-7B``). Because the ranks are Zipf-distributed, the
number of distinct names grows sublinearly with N, like Heaps' law in real corpora
(about N^0.6; the script reports the counts).

Output: JSON Lines (gzip when the name ends with ``.gz``), one paper a line, with
``id`` (a unique arXiv-style id), ``title``, ``abstract`` and ``year``; streamed, so a
million papers take no more memory than ten. The output is a pure function of N, the
seed and the sample corpus: the same arguments give byte-identical files. ``--start S`` gives
papers S .. S+N-1 of the same corpus: the papers that follow a first load of S (an increment).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT / "data" / "sample" / "hf-papers-pretraining.txt"

#: probability that a sentence is kept from the template paper (else borrowed from another)
KEEP_SENTENCE = 0.65
#: probability that a renamable name keeps its original spelling in a paper
KEEP = 0.45
#: Pareto shape of the variant rank: distinct names grow about like N ** (1 / (1 + ALPHA))
ALPHA = 0.6
#: arXiv-style ids cycle through this many months (2015-01 .. 2024-12)
MONTHS = 120
FIRST_YEAR = 2015

#: one word that may be a name: letters/digits joined by dots or hyphens, with a capital
_WORD = re.compile(r"(?<![\w\-.])(?=[\w.\-]*[A-Z])[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*(?![\w\-])")
_QUANTITY = re.compile(r"^\d+(?:\.\d+)?(?:[kKMBTG]|[KMG]B)?$")
_TITLE_WORDS = re.compile(r"^[A-Z]?[a-z]+(?:-[A-Z]?[a-z]+)+$")  # Pre-Training, Self-Supervised
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"(])")
#: generic acronyms that are not names of things (kept as they are)
_GENERIC = frozenset("""
LLM LLMs LM LMs PLM PLMs MLLM MLLMs VLM VLMs NLP NLU NLG AI SOTA ICL SSL CL IR FT PT OOD FLOPs
PTM PTMs QA VL CV ML RL DL NN NNs GPU GPUs TPU TPUs CPU API APIs USA UK EU II III IV URL PDF
""".split())

_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "gr",
           "kr", "pl", "st", "tr", "sh", "ch", "th", "qu")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "io", "ou")
_CODAS = ("", "", "", "n", "r", "s", "x", "l", "m", "t")
_TAILS = ("Net", "Former", "LM", "Bench", "Mix", "GPT", "Coder", "Vision", "Corpus", "QA", "Seg", "Diff")
_SIZES = ("1B", "3B", "7B", "13B", "70B", "1M", "10K", "400M", "XL", "v2")
#: title qualifiers ("... for low-resource languages"): real titles are (nearly) all distinct
_PREPS = ("for", "in", "via", "with", "beyond", "towards", "under", "across")
_ADJS = ("low-resource", "multilingual", "long-context", "efficient", "robust", "scalable", "sparse",
         "federated", "noisy", "few-shot", "zero-shot", "compositional", "continual", "multimodal",
         "open-domain", "cross-lingual", "domain-specific", "large-scale", "small-data", "streaming",
         "hierarchical", "structured", "clinical", "legal", "scientific", "biomedical", "multi-task",
         "self-supervised", "instruction-based", "privacy-preserving", "on-device", "distributed", "adaptive",
         "interpretable", "causal", "temporal", "visual", "spoken", "tabular", "geospatial")
_NOUNS = ("settings", "regimes", "corpora", "domains", "benchmarks", "languages", "documents", "dialogue",
          "retrieval", "reasoning", "summarization", "translation", "classification", "segmentation",
          "generation", "question answering", "code", "speech", "images", "video", "graphs", "time series",
          "tabular data", "recommendation", "search", "agents", "robotics", "remote sensing",
          "medical imaging", "chemistry", "proteins", "mathematics", "education", "finance", "law", "news",
          "social media", "e-commerce", "scientific text", "software engineering")


@dataclass(frozen=True)
class Template:
    """One sample paper cut up for recombination."""

    title: str
    sentences: tuple[str, ...]


def is_renamable(word: str) -> bool:
    """A distinctive name-shaped word: several capitals, CamelCase, or letters with digits.

    Plain quantities (``7B``), capitalised compounds (``Pre-Training``), short all-capital
    acronyms (``GPT``, ``MAE``: a small, bounded vocabulary in real corpora too) and
    generic acronyms (``LLMs``) are left alone.
    """
    if word in _GENERIC or _QUANTITY.match(word) or _TITLE_WORDS.match(word) or word.endswith("-based"):
        return False
    caps = sum(c.isupper() for c in word)
    digits = any(c.isdigit() for c in word)
    letters = sum(c.isalpha() for c in word)
    if word.isupper() and not digits and letters <= 3:
        return False
    camel = re.search(r"[a-z][A-Z]", word) is not None
    return caps >= 2 or camel or (digits and letters >= 1 and caps >= 1)


def read_templates(path: str | os.PathLike[str] = DEFAULT_SOURCE) -> list[Template]:
    """The sample papers as templates, read with the project's loaders."""
    papers = list(_read_papers(Path(path)))
    out = []
    for p in papers:
        abstract = " ".join(p[1].split())
        sentences = tuple(s for s in _SENTENCE.split(abstract) if s.strip()) if abstract else ()
        out.append(Template(title=" ".join(p[0].split()), sentences=sentences))
    if not out:
        raise SystemExit(f"{path}: no papers to build a corpus from")
    return out


def _read_papers(path: Path) -> Iterator[tuple[str, str]]:
    try:
        from kg.loaders import iter_records  # the project's loaders (format detection included)
    except ImportError:
        iter_records = None
    if iter_records is not None:
        for rec in iter_records([str(path)]):
            paper = getattr(rec, "paper", rec)  # a facts record carries its paper
            yield paper.title, paper.abstract
        return
    from kg.loaders import hf_papers  # the loaders package without its front door (yet)
    from kg.loaders._base import Source

    with open(path, "rb") as fp:
        for paper in hf_papers.parse(fp, Source(str(path), "hf-papers")):
            yield paper.title, paper.abstract


def _digest(*parts: object) -> int:
    h = hashlib.blake2b(":".join(map(str, parts)).encode("utf-8"), digest_size=8)
    return int.from_bytes(h.digest(), "big")


def syllable_name(h: int) -> str:
    """A pronounceable capitalised word from a hash: ``Kavo``, ``Zenorali``."""
    n = 2 + h % 2
    h //= 2
    parts = []
    for _ in range(n):
        parts.append(_ONSETS[h % len(_ONSETS)])
        h //= len(_ONSETS)
        parts.append(_VOWELS[h % len(_VOWELS)])
        h //= len(_VOWELS)
    parts.append(_CODAS[h % len(_CODAS)])
    return "".join(parts).capitalize()


def variant_name(word: str, rank: int, seed: int) -> str:
    """The ``rank``-th spelling of ``word``: 1 is the word, 2-5 versions, then new names."""
    if rank <= 1:
        return word
    if rank <= 5:
        m = re.search(r"(\d+)$", word)
        if m and "." not in word[max(0, m.start() - 1):m.start()]:
            return f"{word[:m.start()]}{int(m.group(1)) + rank - 1}"
        return f"{word}-{rank}"
    h = _digest(seed, word, rank)
    stem = syllable_name(h)
    h //= 1 << 20
    style = h % 4
    h //= 4
    if style == 0:  # a prefixed family member: SciBERT, BioBERT
        name = stem + word
    elif style == 1:  # a new name with a type-ish tail: ZenoraNet
        name = stem + _TAILS[h % len(_TAILS)]
    elif style == 2:  # a new name with a size: Kavo-7B
        name = f"{stem}-{_SIZES[h % len(_SIZES)]}"
    else:  # an acronym-like name: KAVOR
        name = stem.upper()[:6] + (str(rank % 97) if rank % 3 == 0 else "")
    return name


def draw_rank(rng: random.Random) -> int:
    """1 (keep the original) with probability KEEP, else 2, 3, ... with a Pareto tail."""
    if rng.random() < KEEP:
        return 1
    return 1 + int(rng.paretovariate(ALPHA))


def make_paper(i: int, templates: list[Template], seed: int) -> dict:
    """The ``i``-th synthetic paper of a corpus: a pure function of (i, templates, seed)."""
    rng = random.Random(seed * 1_000_003 + i)
    base = templates[rng.randrange(len(templates))]
    sentences = []
    for j, s in enumerate(base.sentences):
        if rng.random() >= KEEP_SENTENCE:
            other = templates[rng.randrange(len(templates))]
            if other.sentences:
                s = other.sentences[min(j, len(other.sentences) - 1)]
        sentences.append(s)
    names: dict[str, str] = {}

    def rename(m: re.Match[str]) -> str:
        word = m.group(0)
        if word not in names:
            names[word] = variant_name(word, draw_rank(rng), seed) if is_renamable(word) else word
        return names[word]

    qualifier = f"{rng.choice(_PREPS)} {rng.choice(_ADJS)} {rng.choice(_NOUNS)}"
    title = f"{_WORD.sub(rename, base.title).rstrip('.')} {qualifier}"
    abstract = _WORD.sub(rename, " ".join(sentences))
    month = i % MONTHS
    year = FIRST_YEAR + month // 12
    arxiv = f"{year % 100:02d}{month % 12 + 1:02d}.{i // MONTHS + 1:05d}"
    return {"id": arxiv, "title": title, "abstract": abstract, "year": year,
            "_names": sorted(n for w, n in names.items() if is_renamable(w))}


def iter_corpus(n: int, seed: int = 0, templates: list[Template] | None = None,
                start: int = 0) -> Iterator[dict]:
    """Papers ``start`` .. ``start + n - 1`` of the corpus, one at a time (``_names``: the names each uses)."""
    if start < 0 or start + n > MONTHS * 99_999:
        raise ValueError(f"at most {MONTHS * 99_999} papers (arXiv-style ids run out)")
    templates = templates if templates is not None else read_templates()
    for i in range(start, start + n):
        yield make_paper(i, templates, seed)


def _open_out(path: Path) -> tuple[io.TextIOBase, str]:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    raw = os.fdopen(fd, "wb")
    if path.name.endswith(".gz"):
        # mtime=0 and no file name in the header: the same corpus gives the same bytes
        gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6)
        text = io.TextIOWrapper(gz, encoding="utf-8", newline="\n")
        text._kg_raw = raw  # type: ignore[attr-defined]  # closed after the gzip stream
        return text, tmp
    return io.TextIOWrapper(raw, encoding="utf-8", newline="\n"), tmp


def write_corpus(n: int, out: str | os.PathLike[str], seed: int = 0,
                 templates: list[Template] | None = None, start: int = 0) -> dict:
    """Write a corpus of ``n`` papers to ``out`` atomically; return counts (Heaps' law)."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fp, tmp = _open_out(path)
    distinct: set[str] = set()
    checkpoints: dict[int, int] = {}
    marks = {m for m in (1_000, 10_000, 100_000, 1_000_000) if m < n} | {n}
    try:
        for k, paper in enumerate(iter_corpus(n, seed, templates, start), 1):
            distinct.update(paper.pop("_names"))
            fp.write(json.dumps(paper, ensure_ascii=False) + "\n")
            if k in marks:
                checkpoints[k] = len(distinct)
        fp.close()
        raw = getattr(fp, "_kg_raw", None)
        if raw is not None:
            raw.close()
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a corpus is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {"papers": n, "distinct_names": len(distinct), "distinct_names_at": checkpoints}


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, help="number of papers")
    ap.add_argument("-o", "--output", required=True, help="output .jsonl or .jsonl.gz")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--source", default=str(DEFAULT_SOURCE), help="sample corpus to recombine")
    ap.add_argument("--start", type=int, default=0,
                    help="index of the first paper (papers START .. START+N-1: an increment after START papers)")
    args = ap.parse_args(list(argv) if argv is not None else None)
    if args.n < 1:
        ap.error("N must be at least 1")
    if args.start < 0:
        ap.error("--start must be at least 0")
    t0 = time.perf_counter()
    counts = write_corpus(args.n, args.output, args.seed, read_templates(args.source), args.start)
    heaps = ", ".join(f"{k}: {v}" for k, v in sorted(counts["distinct_names_at"].items()))
    print(f"wrote {args.n} papers to {args.output} in {time.perf_counter() - t0:.1f}s; "
          f"distinct renamable names after N papers: {heaps}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
