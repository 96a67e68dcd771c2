"""Extraction speed against spaCy's blank English tokenizer, both measured as whole processes
on the same texts in one run.

    python benchmarks/bench_extract.py [--copies 20] [--workers 0,1]

The sample corpus is repeated ``--copies`` times (about 4,500 abstracts for 20 copies; each
copy's titles get a suffix so every paper is distinct) into a JSON Lines file. Then:

- baseline: a fresh ``python`` process that reads that file and runs
  ``spacy.blank("en")`` over ``title + "\\n\\n" + abstract`` of every paper;
- kg: a fresh ``kg extract FILE -o FACTS.jsonl --workers N`` process for each N of
  ``--workers`` (0, the default of ``kg extract``, is one process per CPU; 1 is one process).

It prints both wall times, the throughputs and their ratio (kg / tokenizer) — the target is a
wall ratio of at least 0.25 — and the ratio of CPU time (user + system of the child processes),
which says how much work each does (with several workers it is below the wall ratio).
"""

from __future__ import annotations

import argparse
import json
import resource
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
    from kg.loaders import iter_records

    papers = list(iter_records([SAMPLE]))
    n = 0
    with out.open("w", encoding="utf-8") as f:
        for c in range(copies):
            for i, p in enumerate(papers):
                f.write(json.dumps({"id": f"bench:{c}:{i}", "title": f"{p.title} [{c}]", "abstract": p.abstract}) + "\n")
                n += 1
    return n


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--workers", default="0,1", help="worker counts to measure, comma-separated (0: the default)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each; the best time counts")
    args = ap.parse_args()
    kg = shutil.which("kg") or sys.exit("the kg command is not installed (pip install -e .)")
    counts = [int(w) for w in args.workers.split(",") if w.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        n = make_corpus(args.copies, corpus)
        base_cmd = [sys.executable, "-c", BASELINE, str(corpus)]
        base_runs = [timed(base_cmd) for _ in range(args.repeat)]
        ours = {}
        for w in counts:
            cmd = [kg, "extract", str(corpus), "-o", str(Path(tmp) / f"facts-{w}.jsonl"), "-q", "--workers", str(w)]
            ours[w] = [timed(cmd) for _ in range(args.repeat)]
        outputs = {(Path(tmp) / f"facts-{w}.jsonl").read_bytes() for w in counts}
    base, base_cpu = min(r[0] for r in base_runs), min(r[1] for r in base_runs)
    print(f"papers: {n}")
    print(f"spaCy blank tokenizer (whole process): wall {base:6.2f} s ({n / base:6.0f} papers/s), CPU {base_cpu:6.2f} s")
    for w, runs in ours.items():
        wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
        label = f"--workers {w}" + (" (default: one per CPU)" if w == 0 else "")
        print(f"kg extract {label} (whole process): wall {wall:6.2f} s ({n / wall:6.0f} papers/s), CPU {cpu:6.2f} s")
        print(f"  ratio, wall (kg throughput / tokenizer throughput): {base / wall:.2f}  (target >= 0.25)")
        print(f"  ratio, CPU time: {base_cpu / cpu:.2f}")
    print(f"same output for every worker count: {len(outputs) == 1}")


if __name__ == "__main__":
    main()
