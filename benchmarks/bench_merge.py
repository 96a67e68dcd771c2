"""What the merge stage and the text normaliser cost, against the loaders alone in the same run.

    python benchmarks/bench_merge.py [--papers 20000] [--dup 0.1] [--work DIR]

The corpus is made from the 200 real records of Kaggle's arXiv snapshot
(tests/fixtures/real/arxiv-metadata-oai-snapshot-200.json.gz: LaTeX in most abstracts), copied
with new arXiv ids up to ``--papers`` records; a ``--dup`` share of them comes a second time
later in the file as a bare record (the same id, no abstract, as a BibTeX export gives), so
the merge stage has records to merge. Then three child processes read the file, each timed
(wall) with its peak RSS:

* ``plain``: ``loaders.iter_records`` with the text normaliser switched off (identity);
* ``loaders``: ``loaders.iter_records`` as shipped (the normaliser on): its cost;
* ``merge``: ``kg.pipeline.load`` without a store: the loaders twice plus the merge stage.

Prints a markdown table with each one's ratio to ``plain``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "fixtures" / "real" / "arxiv-metadata-oai-snapshot-200.json.gz"

CHILD = r"""
import resource, sys, time
sys.path.insert(0, sys.argv[3])
mode, path = sys.argv[1], sys.argv[2]
from kg import loaders
import kg.loaders.fields as F
if mode == "plain":
    F.normalize_text = lambda t: " ".join(t.split())
t = time.perf_counter()
if mode == "merge":
    from kg.pipeline import load
    n = sum(1 for _ in load([path], warn=lambda m: None))
else:
    n = sum(1 for _ in loaders.iter_records([path], warn=lambda m: None))
print(n, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def make(n: int, dup: float, out: Path) -> tuple[int, int]:
    base = [json.loads(line) for line in gzip.open(SNAPSHOT, "rt", encoding="utf-8")]
    dups = []
    with out.open("w", encoding="utf-8") as f:
        for i in range(n):
            d = dict(base[i % len(base)])
            d["id"] = f"{(i // 99999) % 90 + 10:02d}{(i // 99999) // 90 % 12 + 1:02d}.{i % 99999 + 1:05d}"
            d["title"] = f"{d['title']} ({i})"
            d["doi"] = None  # a journal DOI would link the copies
            f.write(json.dumps(d) + "\n")
            if i % int(1 / dup) == 0:
                dups.append({"id": d["id"], "title": d["title"], "authors": d["authors"]})
        for d in dups:
            f.write(json.dumps(d) + "\n")
    return n + len(dups), n


def run(mode: str, path: Path) -> tuple[int, float, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(path), str(ROOT)], capture_output=True,
                         text=True, check=True).stdout.split()
    return int(out[0]), float(out[1]), float(out[2])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--papers", type=int, default=20000)
    ap.add_argument("--dup", type=float, default=0.1)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="kg-bench-merge-"))
    work.mkdir(parents=True, exist_ok=True)
    path = work / "corpus.jsonl"
    records, papers = make(args.papers, args.dup, path)
    print(f"{records} records of {papers} papers ({path.stat().st_size / 1e6:.1f} MB)\n")
    rows = {m: run(m, path) for m in ("plain", "loaders", "merge")}
    base_t, base_m = rows["plain"][1], rows["plain"][2]
    print("| read | items | wall s | ratio | peak RSS MB | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for m, (n, t, rss) in rows.items():
        print(f"| {m} | {n} | {t:.2f} | {t / base_t:.2f}× | {rss:.0f} | {rss / base_m:.2f}× |")
    assert rows["merge"][0] == papers, "the merge stage should give one item per paper"


if __name__ == "__main__":
    main()
