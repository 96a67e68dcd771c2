"""Extraction speed against spaCy's blank English tokenizer, both measured as whole processes
on the same texts in one run.

    python benchmarks/bench_extract.py [--copies 20] [--workers 1]

The sample corpus is repeated ``--copies`` times (about 4,500 abstracts for 20 copies; each
copy's titles get a suffix so every paper is distinct) into a JSON Lines file. Then:

- baseline: a fresh ``python`` process that reads that file and runs
  ``spacy.blank("en")`` over ``title + "\\n\\n" + abstract`` of every paper;
- kg: a fresh ``kg extract FILE -o FACTS.jsonl`` process.

It prints both wall times, the throughputs and their ratio (kg / tokenizer). The target
is a ratio of at least 0.25.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "hf-papers-pretraining.txt"

BASELINE = """
import json, sys, spacy
nlp = spacy.blank("en")
texts = []
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        d = json.loads(line)
        texts.append(d["title"] + "\\n\\n" + d["abstract"])
n = 0
for doc in nlp.pipe(texts, batch_size=256):
    n += len(doc)
print(n)
"""


def make_corpus(copies: int, out: Path) -> int:
    sys.path.insert(0, str(ROOT))
    from loaders import iter_records

    papers = list(iter_records([SAMPLE]))
    n = 0
    with out.open("w", encoding="utf-8") as f:
        for c in range(copies):
            for i, p in enumerate(papers):
                f.write(json.dumps({"id": f"bench:{c}:{i}", "title": f"{p.title} [{c}]", "abstract": p.abstract}) + "\n")
                n += 1
    return n


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each; the best time counts")
    args = ap.parse_args()
    kg = shutil.which("kg") or sys.exit("the kg command is not installed (pip install -e .)")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        n = make_corpus(args.copies, corpus)
        base_cmd = [sys.executable, "-c", BASELINE, str(corpus)]
        kg_cmd = [kg, "extract", str(corpus), "-o", str(Path(tmp) / "facts.jsonl"), "-q", "--workers", str(args.workers)]
        base = min(timed(base_cmd) for _ in range(args.repeat))
        ours = min(timed(kg_cmd) for _ in range(args.repeat))
    print(f"papers: {n}")
    print(f"spaCy blank tokenizer (whole process): {base:7.2f} s  {n / base:8.0f} papers/s")
    print(f"kg extract --workers {args.workers} (whole process): {ours:7.2f} s  {n / ours:8.0f} papers/s")
    print(f"ratio (kg throughput / tokenizer throughput): {base / ours:.2f}  (target >= 0.25)")


if __name__ == "__main__":
    main()
