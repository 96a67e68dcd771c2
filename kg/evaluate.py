"""Score extracted facts against a hand-made gold file (extraction-guidelines.md, "Scoring").

A predicted relation matches a gold one when the relation types are equal and the entity
names match after normalisation (Unicode NFKC, case folded, everything but letters and
digits removed), comparing the predicted name or any predicted alias with the gold name or
any gold alias. Within one paper and one relation type, predictions and gold relations are
paired one to one (a maximum bipartite matching), so one prediction never counts twice.
Gold relations of one paper with the same type and the same normalised name are one
relation (their aliases are merged).

Pure functions; the I/O is at the edges: reading the gold file (``load_gold``) and
``evaluate_inputs``, which reads the inputs ``kg eval`` is given, picks the gold papers'
records (``select_records``) and extracts what is not a facts record already.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, NamedTuple, Sequence

from kg.errors import GoldError, KGError
from kg.ids import score_key, title_key
from kg.schema import HEADLINE_TYPES, RELATION_TYPES, Paper, PaperFacts


@dataclass(frozen=True)
class GoldRelation:
    type: str
    entity: str
    entity_type: str = ""
    aliases: tuple[str, ...] = ()

    def keys(self) -> frozenset[str]:
        return frozenset(k for k in map(score_key, (self.entity, *self.aliases)) if k)


@dataclass(frozen=True)
class GoldPaper:
    title: str
    relations: tuple[GoldRelation, ...]
    seed_index: int | None = None


@dataclass(frozen=True)
class Predicted:
    """One predicted relation as the scorer sees it: a type and the entity's names."""

    type: str
    names: frozenset[str]


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: "Counts") -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def to_dict(self) -> dict:
        return {
            "tp": self.tp, "fp": self.fp, "fn": self.fn,
            "precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
        }


@dataclass
class PaperErrors:
    """What went wrong on one paper: unmatched predictions and unmatched gold relations."""

    title: str
    false_positives: list[tuple[str, str]] = field(default_factory=list)
    false_negatives: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Report:
    by_type: dict[str, Counts]
    papers: int
    errors: list[PaperErrors] = field(default_factory=list)

    def total(self, types: Iterable[str]) -> Counts:
        out = Counts()
        for t in types:
            out.add(self.by_type.get(t, Counts()))
        return out

    def to_dict(self, types: Sequence[str] | None = None) -> dict:
        types = list(types or RELATION_TYPES)
        return {
            "papers": self.papers,
            "by_type": {t: self.by_type.get(t, Counts()).to_dict() for t in types},
            "all": self.total(types).to_dict(),
            "headline": self.total([t for t in HEADLINE_TYPES if t in types]).to_dict(),
        }


# ---------------------------------------------------------------- pure scoring


def _merge_gold(relations: Iterable[GoldRelation]) -> list[GoldRelation]:
    """One gold relation per (type, normalised name); aliases merged, first order kept."""
    merged: dict[tuple[str, str], GoldRelation] = {}
    for g in relations:
        k = (g.type, score_key(g.entity))
        if k in merged:
            old = merged[k]
            aliases = tuple(dict.fromkeys((*old.aliases, *g.aliases)))
            merged[k] = GoldRelation(old.type, old.entity, old.entity_type, aliases)
        else:
            merged[k] = g
    return list(merged.values())


def _max_matching(pred: Sequence[frozenset[str]], gold: Sequence[frozenset[str]]) -> list[tuple[int, int]]:
    """Maximum bipartite matching of predictions to gold (shared normalised name = edge)."""
    edges = [[j for j, g in enumerate(gold) if p & g] for p in pred]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(pred)):
        augment(i, set())
    return sorted((i, j) for j, i in owner.items())


def score_paper(predicted: Iterable[Predicted], gold: Iterable[GoldRelation],
                types: Sequence[str] = RELATION_TYPES) -> tuple[dict[str, Counts], PaperErrors]:
    """Counts per relation type for one paper, and its unmatched relations."""
    gold_list = [g for g in _merge_gold(gold) if g.type in types]
    pred_list: list[Predicted] = []
    seen: set[tuple[str, frozenset[str]]] = set()
    for p in predicted:
        names = frozenset(k for k in map(score_key, p.names) if k)
        if p.type in types and names and (p.type, names) not in seen:
            seen.add((p.type, names))
            pred_list.append(Predicted(p.type, names))
    counts: dict[str, Counts] = {}
    errors = PaperErrors(title="")
    for t in types:
        ps = [p for p in pred_list if p.type == t]
        gs = [g for g in gold_list if g.type == t]
        pairs = _max_matching([p.names for p in ps], [g.keys() for g in gs])
        matched_p = {i for i, _ in pairs}
        matched_g = {j for _, j in pairs}
        counts[t] = Counts(tp=len(pairs), fp=len(ps) - len(pairs), fn=len(gs) - len(pairs))
        errors.false_positives += [(t, "/".join(sorted(ps[i].names))) for i in range(len(ps)) if i not in matched_p]
        errors.false_negatives += [(t, gs[j].entity) for j in range(len(gs)) if j not in matched_g]
    return counts, errors


def predicted_relations(facts: PaperFacts) -> list[Predicted]:
    """A facts record's relations, each with its target entity's name and aliases."""
    names = {e.id: frozenset((e.name, *e.aliases)) for e in facts.entities}
    return [Predicted(r.type, names.get(r.target, frozenset())) for r in facts.relations]


def evaluate(facts: Iterable[PaperFacts], gold: Sequence[GoldPaper],
             types: Sequence[str] = RELATION_TYPES) -> Report:
    """Score the facts of the gold papers; papers not in the gold are ignored.

    A facts record belongs to a gold paper when the titles are equal (exactly, else after
    ``title_key`` normalisation). A gold paper that no facts record matches counts as
    extracted with no relations (all its gold relations are misses).
    """
    exact = {g.title: i for i, g in enumerate(gold)}
    loose = {title_key(g.title): i for i, g in enumerate(gold)}
    found: dict[int, PaperFacts] = {}
    for f in facts:
        i = exact.get(f.paper.title)
        if i is None:
            i = loose.get(title_key(f.paper.title))
        if i is not None and i not in found:
            found[i] = f
    by_type = {t: Counts() for t in types}
    errors: list[PaperErrors] = []
    for i, g in enumerate(gold):
        got = found.get(i)
        counts, err = score_paper(predicted_relations(got) if got else (), g.relations, types)
        for t, c in counts.items():
            by_type[t].add(c)
        err.title = g.title
        if err.false_positives or err.false_negatives:
            errors.append(err)
    return Report(by_type=by_type, papers=len(gold), errors=errors)


def parse_types(text: str | None) -> tuple[str, ...]:
    """The relation types a comma-separated ``--types`` value names (all six when empty)."""
    wanted = tuple(t.strip().upper() for t in text.split(",")) if text else RELATION_TYPES
    bad = [t for t in wanted if t not in RELATION_TYPES]
    if bad:
        raise KGError(f"unknown relation type(s): {', '.join(bad)} (known: {', '.join(RELATION_TYPES)})")
    return wanted


class Selected(NamedTuple):
    """The input records of the gold papers: facts records (scored as they are) and papers
    (extracted first)."""

    facts: list[PaperFacts]
    papers: list[Paper]


def select_records(records: Iterable[Paper | PaperFacts], gold: Sequence[GoldPaper]) -> Selected:
    """The records whose title is a gold paper's (exactly, else after ``title_key``), in input
    order; other papers are ignored."""
    titles = {g.title for g in gold}
    keys = {title_key(t) for t in titles}
    facts: list[PaperFacts] = []
    papers: list[Paper] = []
    for r in records:
        title = r.paper.title if isinstance(r, PaperFacts) else r.title
        if title in titles or title_key(title) in keys:
            if isinstance(r, PaperFacts):
                facts.append(r)
            else:
                papers.append(r)
    return Selected(facts, papers)


def evaluate_inputs(paths: Sequence[str], gold: Sequence[GoldPaper], types: Sequence[str] = RELATION_TYPES,
                    workers: int = 1, rules_only: bool = False) -> Report:
    """``kg eval``: read the inputs (any format ``kg extract`` reads), keep the gold papers'
    records, extract the papers (facts records are scored as they are) and score them all."""
    from kg.extract import extract_papers
    from kg.loaders import iter_records

    selected = select_records(iter_records(list(paths)), gold)
    extracted = extract_papers(selected.papers, workers=workers, rules_only=rules_only)
    return evaluate([*selected.facts, *extracted], gold, types)


# ---------------------------------------------------------------- gold file


def parse_gold_line(line: str, where: str) -> GoldPaper:
    """One gold line; ``where`` (FILE:LINE) names it in errors."""
    try:
        d = json.loads(line)
    except json.JSONDecodeError as exc:
        raise GoldError(f"{where}: not valid JSON ({exc.msg})") from None
    if not isinstance(d, dict) or not isinstance(d.get("title"), str) or not isinstance(d.get("relations"), list):
        raise GoldError(f"{where}: a gold line needs a 'title' string and a 'relations' list")
    rels = []
    for r in d["relations"]:
        if not isinstance(r, Mapping) or not isinstance(r.get("entity"), str) or r.get("type") not in RELATION_TYPES:
            raise GoldError(f"{where}: each relation needs a known 'type' and an 'entity' string")
        aliases = r.get("aliases") or []
        if not isinstance(aliases, list):
            raise GoldError(f"{where}: 'aliases' must be a list")
        rels.append(GoldRelation(r["type"], r["entity"], str(r.get("entity_type") or ""),
                                 tuple(str(a) for a in aliases)))
    seed = d.get("seed_index")
    return GoldPaper(title=d["title"], relations=tuple(rels), seed_index=seed if isinstance(seed, int) else None)


def load_gold(path: str | Path) -> list[GoldPaper]:
    """Read a gold JSON Lines file; a missing or broken file raises a one-line ``GoldError``."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GoldError(f"{p}: gold file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError(f"{p}: cannot read gold file ({exc.__class__.__name__})") from None
    gold = [parse_gold_line(line, f"{p}:{n}") for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not gold:
        raise GoldError(f"{p}: gold file has no papers")
    return gold


def format_table(report: Report, types: Sequence[str] | None = None) -> str:
    """The report as a plain-text table."""
    types = list(types or RELATION_TYPES)
    rows = [(t, report.by_type.get(t, Counts())) for t in types]
    rows.append(("ALL", report.total(types)))
    head = [t for t in HEADLINE_TYPES if t in types]
    if head:
        rows.append(("HEADLINE (" + "+".join(head) + ")", report.total(head)))
    width = max(len(r[0]) for r in rows)
    lines = [f"{'type':<{width}}  {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5}"]
    for name, c in rows:
        lines.append(f"{name:<{width}}  {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} {c.tp:5d} {c.fp:5d} {c.fn:5d}")
    lines.append(f"({report.papers} gold papers)")
    return "\n".join(lines)
