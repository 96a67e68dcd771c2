"""The learned decision: which relation, if any, the paper has with each candidate entity.

The rule components over-generate candidates; :func:`~kg.extract.features.candidate_groups`
turns them into groups with features; a multinomial logistic regression (trained by
``scripts/train_model.py`` from hand-annotated gold, shipped as ``data/model.json``) gives
each group a probability for "no relation" and for each relation type. A group takes the
most probable relation type when its probability reaches the model's threshold; that
probability is the relation's confidence (calibrated: see ``benchmarks/bench_quality.py``).
Where two groups compete for the same words (one's every mention overlaps a more probable
group's mentions: "Falcon Series" and "Falcon"), the more probable one wins.

Scoring is numpy over a few hundred weights per paper; nothing here imports scikit-learn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable, Mapping, Sequence

import numpy as np

from kg.errors import KGError

NONE = "NONE"
MODEL_FORMAT = "kg-linear-1"


@dataclass(frozen=True)
class LinearModel:
    """A multinomial logistic regression over sparse binary features."""

    classes: tuple[str, ...]
    intercept: np.ndarray
    weights: np.ndarray
    index: Mapping[str, int]
    threshold: float
    meta: Mapping[str, object]

    def probabilities(self, features: Iterable[str]) -> np.ndarray:
        rows = sorted(i for i in map(self.index.get, features) if i is not None)
        z = self.intercept + self.weights[rows].sum(axis=0) if rows else self.intercept.copy()
        z = np.exp(z - z.max())
        return z / z.sum()

    def batch(self, features: Sequence[Iterable[str]]) -> np.ndarray:
        """``probabilities`` of many feature sets at once (one row each)."""
        n = len(features)
        z = np.tile(self.intercept, (n, 1))
        if not n:
            return z
        get = self.index.get
        rows: list[int] = []
        cuts: list[int] = []
        have: list[int] = []
        for i, f in enumerate(features):
            mine = sorted(r for r in map(get, f) if r is not None)  # one order: the same sums in every process
            if mine:
                cuts.append(len(rows))
                have.append(i)
                rows += mine
        if rows:
            z[have] += np.add.reduceat(self.weights[rows], cuts, axis=0)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def to_json(self) -> str:
        """The shipped form: sorted keys, weights rounded, one feature per line (diffs stay readable)."""
        names = sorted(self.index, key=self.index.__getitem__)
        lines = [
            "{",
            f'  "format": {json.dumps(MODEL_FORMAT)},',
            f'  "meta": {json.dumps(dict(self.meta), sort_keys=True)},',
            f'  "classes": {json.dumps(list(self.classes))},',
            f'  "threshold": {json.dumps(self.threshold)},',
            f'  "intercept": {json.dumps([_r(x) for x in self.intercept])},',
            '  "weights": {',
        ]
        body = [f"    {json.dumps(n)}: {json.dumps([_r(x) for x in self.weights[self.index[n]]])}" for n in sorted(names)]
        lines.append(",\n".join(body))
        lines += ["  }", "}"]
        return "\n".join(lines) + "\n"


def _r(x: float) -> float:
    v = round(float(x), 5)
    return 0.0 if v == 0 else v


def model_from_dict(d: Mapping) -> LinearModel:
    if d.get("format") != MODEL_FORMAT:
        raise KGError(f"unknown model format {d.get('format')!r} (expected {MODEL_FORMAT})")
    classes = tuple(d["classes"])
    names = sorted(d["weights"])
    weights = np.array([d["weights"][n] for n in names], dtype=np.float64).reshape(len(names), len(classes))
    return LinearModel(classes=classes, intercept=np.array(d["intercept"], dtype=np.float64), weights=weights,
                       index={n: i for i, n in enumerate(names)}, threshold=float(d["threshold"]),
                       meta=dict(d.get("meta") or {}))


@lru_cache(maxsize=1)
def load_model() -> LinearModel:
    """The model shipped in the package (``kg/extract/data/model.json``)."""
    text = resources.files("kg.extract").joinpath("data/model.json").read_text(encoding="utf-8")
    return model_from_dict(json.loads(text))


@dataclass(frozen=True)
class Choice:
    """The relation chosen for one candidate: the candidate's index, the type, its probability."""

    index: int
    type: str
    probability: float
    #: the probability of every relation type (by ``LinearModel.classes``), for a second choice
    others: tuple[float, ...] = ()


def choose(model: LinearModel, features: Sequence[Sequence[str]], spans: Sequence[Sequence[tuple[int, int]]],
           order: Sequence[int] | None = None) -> list[Choice]:
    """The relations of one paper's candidates (``features[i]``, mention ``spans[i]``).

    ``order`` breaks ties between equal probabilities (default: the candidates' order).
    """
    picks: list[tuple[float, int, int]] = []
    none = model.classes.index(NONE)
    probs = model.batch(features)
    full = probs.copy()
    probs[:, none] = -1.0
    best = probs.argmax(axis=1)
    for i, c in enumerate(best.tolist()):
        p = float(probs[i, c])
        if p >= model.threshold:
            picks.append((p, i, c))
    rank = order if order is not None else range(len(features))
    pos = {i: r for r, i in enumerate(rank)}
    picks.sort(key=lambda x: (-x[0], pos[x[1]]))
    taken: list[tuple[int, int]] = []
    out: list[Choice] = []
    for p, i, c in picks:
        own = spans[i]
        if own and all(any(s < e2 and s2 < e for s2, e2 in taken) for s, e in own):
            continue  # every mention of it is inside a more probable candidate's
        taken += own
        out.append(Choice(i, model.classes[c], round(p, 4), tuple(round(float(x), 4) for x in full[i])))
    out.sort(key=lambda ch: pos[ch.index])
    return out
