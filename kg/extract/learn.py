"""Training and out-of-fold evaluation of the learned decision (``kg.extract.model``).

Examples come from hand-annotated gold (``../shared/gold/``, never shipped): each gold
paper is run through the rule pipeline, its candidate groups (``features.candidate_groups``)
become examples, and a group is labelled with the gold relation types whose entity it
names (the scoring normalisation of any of its names against the gold name or aliases).
A group that names several gold relations takes the first of ``LABEL_PRIORITY``.

``fit`` trains scikit-learn's ``LogisticRegression`` (multinomial, lbfgs: deterministic) and
returns a :class:`~kg.extract.model.LinearModel`; ``kfold`` gives out-of-fold predictions
(train on k-1 folds, predict the held-out fold); ``reliability`` tabulates how often the
relations predicted at each confidence are right.

Needs scikit-learn (the ``train`` extra); nothing at run time imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from kg.evaluate import Counts, GoldPaper, Predicted, load_gold, score_paper
from kg.ids import score_key
from kg.extract.model import NONE, LinearModel, choose
from kg.ids import title_key
from kg.schema import HEADLINE_TYPES, RELATION_TYPES, Paper

LABEL_PRIORITY = ("PROPOSES", "EVALUATES_ON", "BUILDS_ON", "COMPARES_WITH", "USES", "ADDRESSES")
CLASSES = (NONE, *RELATION_TYPES)
#: regularisation and decision threshold of the shipped model (chosen once, a priori; see README)
C = 0.3
THRESHOLD = 0.3


@dataclass(frozen=True)
class Example:
    """One candidate group of one gold paper."""

    features: tuple[str, ...]
    labels: frozenset[str]
    names: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]

    @property
    def label(self) -> str:
        return next((t for t in LABEL_PRIORITY if t in self.labels), NONE)


@dataclass(frozen=True)
class PaperExamples:
    gold: GoldPaper
    examples: tuple[Example, ...]
    #: the rules' relations of the types they decide (``assemble.RULE_DECIDED``), with confidences
    rules: tuple[tuple[Predicted, float], ...] = ()


def select_papers(gold: Sequence[GoldPaper], paper_paths: Sequence[str | Path]) -> dict[int, Paper]:
    """The paper of each gold entry (matched by title as ``kg eval`` does), by gold index."""
    from kg.loaders import iter_records
    from kg.schema import PaperFacts

    exact = {g.title: i for i, g in enumerate(gold)}
    loose = {title_key(g.title): i for i, g in enumerate(gold)}
    out: dict[int, Paper] = {}
    for r in iter_records(list(paper_paths)):
        p = r.paper if isinstance(r, PaperFacts) else r
        i = exact.get(p.title)
        if i is None:
            i = loose.get(title_key(p.title))
        if i is not None and i not in out:
            out[i] = p
    return out


def build_examples(gold_path: str | Path, paper_paths: Sequence[str | Path]) -> list[PaperExamples]:
    """The examples of every gold paper (in gold order); the corpus knowledge is collected over
    the gold papers, as ``kg eval`` does."""
    from kg.extract import collect_knowledge
    from kg.extract.assemble import RULE_DECIDED, entity_type, head_aliases, rule_decisions
    from kg.extract.base import state
    from kg.extract.features import candidate_groups
    from kg.extract.knowledge import paper_text
    from kg.extract.nlp import build_nlp

    gold = load_gold(gold_path)
    papers = select_papers(gold, paper_paths)
    ordered = [papers[i] for i in sorted(papers)]
    nlp = build_nlp(collect_knowledge(ordered, workers=1), rules_only=True)
    out = []
    for i, g in enumerate(gold):
        p = papers.get(i)
        if p is None:
            out.append(PaperExamples(g, ()))
            continue
        text = paper_text(p)
        st = state(nlp(text))
        gold_keys = [(r.type, {score_key(x) for x in (r.entity, *r.aliases)} - {""}) for r in g.relations]
        exs = []
        for grp in candidate_groups(st):
            typ = entity_type(grp.mentions, grp.cands)  # the names extraction gives it, as ``assemble.describe``
            names = tuple(dict.fromkeys([*grp.names(), *(a for m in grp.mentions for a in head_aliases(text, m, typ))]))
            keys = {score_key(n) for n in names}
            labels = frozenset(t for t, ks in gold_keys if ks & keys)
            exs.append(Example(tuple(sorted(grp.features)), labels, names, tuple((m.start, m.end) for m in grp.mentions)))
        rules = tuple((Predicted(t, frozenset({d.name, *d.aliases})), d.best[t].confidence)
                      for d in rule_decisions(st, text) for t in RULE_DECIDED if t in d.best)
        out.append(PaperExamples(g, tuple(exs), rules))
    return out


def fit(papers: Iterable[PaperExamples], c: float = C, threshold: float = THRESHOLD,
        meta: dict | None = None) -> LinearModel:
    """A model trained on every example of ``papers``."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    exs = [e for p in papers for e in p.examples]
    vec = DictVectorizer(sort=True)
    x = vec.fit_transform([{f: 1 for f in e.features} for e in exs])
    y = np.array([CLASSES.index(e.label) for e in exs])
    clf = LogisticRegression(C=c, max_iter=10000, tol=1e-6)
    clf.fit(x, y)
    names = list(vec.get_feature_names_out())
    weights = np.zeros((len(names), len(CLASSES)))
    intercept = np.full(len(CLASSES), -30.0)  # a class with no example is never chosen
    for j, cls in enumerate(clf.classes_):
        weights[:, cls] = clf.coef_[j] if len(clf.classes_) > 2 else (clf.coef_[0] if j else -clf.coef_[0])
        intercept[cls] = clf.intercept_[j] if len(clf.classes_) > 2 else 0.0
    keep = [i for i in range(len(names)) if np.abs(np.round(weights[i], 5)).max() > 0]
    weights = np.round(weights[keep], 5)
    index = {names[i]: r for r, i in enumerate(keep)}
    return LinearModel(classes=CLASSES, intercept=np.round(intercept, 5), weights=weights, index=index,
                       threshold=threshold, meta=dict(meta or {}, C=c, examples=len(exs)))


def predict(model: LinearModel, paper: PaperExamples) -> list[tuple[Predicted, float]]:
    """The relations extraction gives one paper with the model, with their confidences: the
    model's, but for the types the rules decide (``assemble.RULE_DECIDED``: ``paper.rules``)."""
    from kg.extract.assemble import RULE_DECIDED, trained_on_only

    exs = paper.examples
    picks = choose(model, [e.features for e in exs], [e.spans for e in exs])
    built = {n for x, _ in paper.rules if x.type == "BUILDS_ON" for n in x.names}
    out = []
    for p in picks:
        if p.type in RULE_DECIDED or (p.type == "USES" and built.intersection(exs[p.index].names)):
            continue
        typ = p.type
        if typ == "EVALUATES_ON":  # as ``assemble.assemble_learned`` does
            feats = exs[p.index].features
            if trained_on_only({f[5:] for f in feats if f.startswith("rule=")},
                               {f[5:] for f in feats if f.startswith("cand=")}):
                typ = "USES"
        out.append((Predicted(typ, frozenset(exs[p.index].names)), p.probability))
    return out + list(paper.rules)


def folds(n: int, k: int) -> list[list[int]]:
    """``k`` folds of ``range(n)``: fold i holds i, i+k, i+2k, ..."""
    return [list(range(i, n, k)) for i in range(k)]


def kfold(papers: Sequence[PaperExamples], k: int = 5, extra: Sequence[PaperExamples] = (), c: float = C,
          threshold: float = THRESHOLD) -> list[list[list[tuple[Predicted, float]]]]:
    """Out-of-fold predictions of ``papers``: for each fold, a model trained on the other folds
    (and ``extra``, papers of another set) predicts the fold's papers. Returns, for each fold,
    the predictions of each of its papers (in ``folds(len(papers), k)`` order)."""
    out = []
    for fold in folds(len(papers), k):
        held = set(fold)
        model = fit([p for i, p in enumerate(papers) if i not in held] + list(extra), c, threshold)
        out.append([predict(model, papers[i]) for i in fold])
    return out


def score(papers: Sequence[PaperExamples], predictions: Sequence[Sequence[tuple[Predicted, float]]],
          types: Sequence[str] = RELATION_TYPES) -> dict[str, Counts]:
    """Counts per relation type of ``predictions[i]`` against ``papers[i]``'s gold."""
    total = {t: Counts() for t in types}
    for p, preds in zip(papers, predictions):
        counts, _ = score_paper([x for x, _ in preds], p.gold.relations, types)
        for t, cnt in counts.items():
            total[t].add(cnt)
    return total


def summary(counts: dict[str, Counts]) -> dict[str, float]:
    """F1 per type, of all types and of the headline types."""
    allc, head = Counts(), Counts()
    for t, cnt in counts.items():
        allc.add(cnt)
        if t in HEADLINE_TYPES:
            head.add(cnt)
    out = {t: cnt.f1 for t, cnt in counts.items()}
    out["ALL"] = allc.f1
    out["HEADLINE"] = head.f1
    return out


def correct(papers: Sequence[PaperExamples], predictions: Sequence[Sequence[tuple[Predicted, float]]]) -> list[tuple[float, bool]]:
    """``(confidence, right)`` of every predicted relation: right when it matches a gold relation
    of its type (one to one, as the scorer pairs them)."""
    out = []
    for p, preds in zip(papers, predictions):
        for t in RELATION_TYPES:
            mine = [(x, conf) for x, conf in preds if x.type == t]
            if not mine:
                continue
            gold = [r for r in p.gold.relations if r.type == t]
            used: set[int] = set()
            for x, conf in sorted(mine, key=lambda y: -y[1]):
                keys = {score_key(n) for n in x.names}
                hit = next((j for j, r in enumerate(gold) if j not in used
                            and keys & {score_key(n) for n in (r.entity, *r.aliases)}), None)
                if hit is not None:
                    used.add(hit)
                out.append((conf, hit is not None))
    return out


def reliability(pairs: Sequence[tuple[float, bool]], bins: int = 10) -> list[tuple[float, float, int, float]]:
    """``(low, high, n, precision)`` per confidence decile, and nothing for empty deciles."""
    out = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        sel = [ok for conf, ok in pairs if lo <= conf < hi or (b == bins - 1 and conf == 1.0)]
        if sel:
            out.append((lo, hi, len(sel), sum(sel) / len(sel)))
    return out


def expected_calibration_error(pairs: Sequence[tuple[float, bool]], bins: int = 10) -> float:
    """The mean gap between confidence and precision, weighted by the predictions in each decile."""
    if not pairs:
        return 0.0
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        sel = [(conf, ok) for conf, ok in pairs if lo <= conf < hi or (b == bins - 1 and conf == 1.0)]
        if sel:
            total += len(sel) * abs(sum(c for c, _ in sel) / len(sel) - sum(ok for _, ok in sel) / len(sel))
    return total / len(pairs)
