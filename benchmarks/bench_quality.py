"""Extraction quality on papers the model was not trained on: k-fold, out-of-fold.

    python benchmarks/bench_quality.py [--folds 5] [--json]

For each training set (seed-train: sample-corpus papers; scirex-full: SciREX abstracts) the
papers are split into k folds (fold i holds papers i, i+k, ...); for each fold a model is
trained on the other folds plus the whole other set and predicts the fold's papers. It prints:

- per relation type, all types and the headline: the mean F1 over folds, its spread (standard
  deviation) and the pooled out-of-fold P/R/F1, beside what the rules alone give on the same
  papers (``--rules-only``);
- the shipped model on seed-dev (never trained on) and on the SciREX abstracts with
  result-table gold that are not in scirex-full (EVALUATES_ON), beside the rules alone;
- a reliability table: the out-of-fold predicted relations by confidence decile, and how many
  of them are right (calibration), with the expected calibration error.

Needs the gold files in ../shared/gold/ and scikit-learn (the `train` extra).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOLD = ROOT.parent / "shared" / "gold"
SAMPLE = ROOT / "data" / "sample" / "hf-papers-pretraining.txt"
SETS = {
    "seed-train": (GOLD / "seed-train" / "gold.jsonl", SAMPLE),
    "scirex-full": (GOLD / "scirex-full" / "gold.jsonl", GOLD / "scirex-full" / "papers.jsonl"),
}
CHECKS = {
    "seed-dev": (GOLD / "seed-dev" / "gold.jsonl", SAMPLE, None),
    "scirex-abstracts": (GOLD / "scirex" / "abstracts-gold.jsonl", GOLD / "scirex" / "abstracts-papers.jsonl",
                         ("PROPOSES", "EVALUATES_ON", "ADDRESSES")),
}
ROWS = ("PROPOSES", "EVALUATES_ON", "BUILDS_ON", "USES", "COMPARES_WITH", "ADDRESSES", "ALL", "HEADLINE")


def shipped(gold_path: Path, papers: Path, types, rules_only: bool) -> dict:
    """The shipped model (or the rules) on a gold set, leaving out papers the model was trained on."""
    from kg.evaluate import evaluate, load_gold
    from kg.extract import extract_papers
    from kg.extract.learn import select_papers
    from kg.ids import title_key
    from kg.schema import RELATION_TYPES

    trained = {title_key(g.title) for path, _ in SETS.values() for g in load_gold(path)}
    gold = [g for g in load_gold(gold_path) if title_key(g.title) not in trained or gold_path in [p for p, _ in SETS.values()]]
    ps = select_papers(gold, [papers])
    report = evaluate(extract_papers([ps[i] for i in sorted(ps)], rules_only=rules_only), gold, types or RELATION_TYPES)
    return report.to_dict(types or RELATION_TYPES)


def main() -> int:
    from kg.extract import learn

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    for path, _ in SETS.values():
        if not path.exists():
            sys.exit(f"{path}: gold file not found")
    examples = {name: learn.build_examples(g, [p]) for name, (g, p) in SETS.items()}
    result: dict = {"folds": args.folds, "sets": {}, "checks": {}}
    pairs_all = []
    for name, papers in examples.items():
        extra = [p for other, ps in examples.items() if other != name for p in ps]
        by_fold = learn.kfold(papers, args.folds, extra)
        fold_idx = learn.folds(len(papers), args.folds)
        per_fold = [learn.summary(learn.score([papers[i] for i in idx], preds)) for idx, preds in zip(fold_idx, by_fold)]
        order = [i for idx in fold_idx for i in idx]
        flat = [pr for preds in by_fold for pr in preds]
        pooled_counts = learn.score([papers[i] for i in order], flat)
        pooled = learn.summary(pooled_counts)
        pairs_all += learn.correct([papers[i] for i in order], flat)
        rules = shipped(SETS[name][0], SETS[name][1], None, rules_only=True)
        rows = {}
        for r in ROWS:
            vals = [f[r] for f in per_fold]
            rules_f1 = rules["all" if r == "ALL" else "headline" if r == "HEADLINE" else "by_type"]
            rules_f1 = rules_f1["f1"] if r in ("ALL", "HEADLINE") else rules_f1[r]["f1"]
            rows[r] = {"mean": round(statistics.mean(vals), 4), "sd": round(statistics.pstdev(vals), 4),
                       "pooled": round(pooled[r], 4), "rules_only": rules_f1}
        result["sets"][name] = rows
    for name, (g, p, types) in CHECKS.items():
        if not g.exists():
            continue
        result["checks"][name] = {"model": shipped(g, p, types, False), "rules_only": shipped(g, p, types, True)}
        result["checks"][name]["papers"] = result["checks"][name]["model"]["papers"]
    result["reliability"] = [{"confidence": f"{lo:.1f}-{hi:.1f}", "n": n, "precision": round(prec, 4)}
                             for lo, hi, n, prec in learn.reliability(pairs_all)]
    result["ece"] = round(learn.expected_calibration_error(pairs_all), 4)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for name, rows in result["sets"].items():
        print(f"\n{name}: {args.folds}-fold out-of-fold F1 (trained on the other folds + the other set)")
        print(f"  {'type':<14} {'mean':>6} {'sd':>6} {'pooled':>7} {'rules-only':>11}")
        for r, v in rows.items():
            print(f"  {r:<14} {v['mean']:6.3f} {v['sd']:6.3f} {v['pooled']:7.3f} {v['rules_only']:11.3f}")
    for name, v in result["checks"].items():
        m, r = v["model"], v["rules_only"]
        print(f"\n{name}, {v['papers']} papers (shipped model, never trained on them): headline F1 {m['headline']['f1']:.3f} "
              f"(rules only {r['headline']['f1']:.3f}); all types {m['all']['f1']:.3f} (rules only {r['all']['f1']:.3f}); "
              + " ".join(f"{t} {m['by_type'][t]['f1']:.3f}/{r['by_type'][t]['f1']:.3f}" for t in m["by_type"]))
    print("\nreliability of the out-of-fold relations (both sets):")
    print(f"  {'confidence':<11} {'n':>5} {'right':>6}")
    for row in result["reliability"]:
        print(f"  {row['confidence']:<11} {row['n']:5d} {row['precision']:6.3f}")
    print(f"  expected calibration error {result['ece']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
