#!/usr/bin/env python3
"""Train the learned decision of extraction and write the shipped weights.

    python scripts/train_model.py            # writes kg/extract/data/model.json
    python scripts/train_model.py --check    # exit 1 if retraining would change the shipped file

Trained on hand-annotated gold that is never shipped (``../shared/gold/``):
  - seed-train: 136 papers of the sample corpus (data/sample/hf-papers-pretraining.txt)
  - scirex-full: 120 SciREX abstracts (Apache-2.0), all six relation types
seed-dev is kept out (a check read rarely). The result is deterministic: the same gold and
the same scikit-learn give the same bytes (the `train` extra pins scikit-learn).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOLD = ROOT.parent / "shared" / "gold"
#: (name, gold file, papers) of every training set
TRAINING_SETS = (
    ("seed-train", GOLD / "seed-train" / "gold.jsonl", ROOT / "data" / "sample" / "hf-papers-pretraining.txt"),
    ("scirex-full", GOLD / "scirex-full" / "gold.jsonl", GOLD / "scirex-full" / "papers.jsonl"),
)
MODEL_PATH = ROOT / "kg" / "extract" / "data" / "model.json"


def train():
    import sklearn

    from kg.extract.learn import build_examples, fit

    papers = []
    for name, gold, corpus in TRAINING_SETS:
        if not gold.exists():
            sys.exit(f"{gold}: gold file not found (the training data lives in ../shared/gold/)")
        papers += build_examples(gold, [corpus])
    return fit(papers, meta={"trained_on": [n for n, _, _ in TRAINING_SETS], "scikit-learn": sklearn.__version__})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the shipped model instead of writing it")
    ap.add_argument("-o", "--output", type=Path, default=MODEL_PATH)
    args = ap.parse_args()
    text = train().to_json()
    if args.check:
        shipped = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if shipped != text:
            print(f"{args.output}: retraining gives different weights", file=sys.stderr)
            return 1
        print(f"{args.output}: reproduced exactly")
        return 0
    tmp = args.output.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(args.output)
    print(f"wrote {args.output} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
