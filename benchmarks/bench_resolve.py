"""What entity resolution costs: ingest time and peak memory with and without it.

    python benchmarks/bench_resolve.py [--papers 20000] [--runs 4] [--work DIR]

Synthetic facts: the sample corpus is extracted once (spaCy), then its facts are replicated
with new paper ids; in each replica about a third of the entity names get a variant drawn
from a Zipf-like rank ("BERT-3", "masked image modeling 7"), so the vocabulary grows with
the corpus. Facts are generated lazily (memory does not grow with --papers).

Each mode runs in its own process (wall time, peak RSS):

* ``write``      the baseline: the raw facts written into a fresh embedded store;
* ``resolve``    ``resolve_stream(facts, store)`` then the same writes, in one run;
* ``runs``       the same papers in ``--runs`` successive ingests (incremental merges);
* ``iterate``    a second baseline: the raw facts only generated and serialised;
* ``two-pass``   ``resolve_stream(facts)`` without a store (``kg extract``'s path).

Prints a table with ratios against the baselines of the same run, and checks that
``resolve`` and ``runs`` give the same graph.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def sample_facts(cache: Path) -> list[dict]:
    if cache.exists():
        return [json.loads(line) for line in cache.open(encoding="utf-8")]
    from kg import loaders
    from kg.extract import extract_papers

    papers = [p for p in loaders.iter_records([ROOT / "data" / "sample" / "hf-papers-pretraining.txt"])]
    facts = [f.to_dict() for f in extract_papers(papers)]
    cache.write_text("".join(json.dumps(f) + "\n" for f in facts), encoding="utf-8")
    return facts


def synthetic(base: list[dict], n: int, seed: int = 0) -> Iterator["PaperFacts"]:  # noqa: F821
    from kg.ids import entity_id
    from kg.schema import Entity, PaperFacts

    base_facts = [PaperFacts.from_dict(d) for d in base]
    rng = random.Random(seed)
    for i in range(n):
        f = base_facts[i % len(base_facts)]
        pid = f"bench:{i:07d}"
        rename: dict[str, Entity] = {}
        for e in f.entities:
            if rng.random() < 0.33:
                rank = min(int(rng.paretovariate(1.1)), 5000)
                name = f"{e.name}-{rank}" if rank > 1 else e.name
            else:
                name = e.name
            rename[e.id] = Entity(entity_id(e.type, name), name, e.type, e.aliases if name == e.name else ())
        ents = tuple({x.id: x for x in rename.values()}.values())
        rels = tuple(replace(r, source=pid, target=rename[r.target].id) for r in f.relations)
        yield PaperFacts(replace(f.paper, id=pid, title=f"{f.paper.title} #{i}"), ents, rels)


def digest(store) -> str:
    h = hashlib.sha256()
    for n in store.iter_nodes():
        n = {k: v for k, v in n.items() if k != "source"}
        h.update(json.dumps(n, sort_keys=True).encode())
    for e in store.iter_edges():
        h.update(json.dumps(e, sort_keys=True).encode())
    return h.hexdigest()[:16]


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss it does not inherit the parent's across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child(mode: str, n: int, runs: int, work: Path) -> dict:
    from kg.resolve import resolve_stream
    from kg.store.embedded import EmbeddedStore

    base = sample_facts(work / "sample-facts.jsonl")
    db = work / f"{mode}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    t0 = time.perf_counter()
    out: dict = {}
    if mode == "iterate":
        out["bytes"] = sum(len(f.to_json()) for f in synthetic(base, n))
    elif mode == "two-pass":
        out["bytes"] = sum(len(f.to_json()) for f in resolve_stream(synthetic(base, n)))
    else:
        parts = [(0, n)] if mode != "runs" else [(k * n // runs, (k + 1) * n // runs) for k in range(runs)]
        for a, b in parts:
            with EmbeddedStore(db) as s:
                stream = islice(synthetic(base, n), a, b)
                if mode != "write":
                    stream = resolve_stream(stream, s)
                while True:
                    batch = list(islice(stream, 1000))
                    if not batch:
                        break
                    s.write(batch)
        with EmbeddedStore(db) as s:
            out["stats"] = {k: s.stats()[k] for k in ("papers", "entities", "relations", "entity_relations")}
            out["digest"] = digest(s) if mode != "write" else ""
        out["store_mb"] = round(db.stat().st_size / 1e6, 1)
    out["seconds"] = round(time.perf_counter() - t0, 2)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.gettempdir()) / "kg-bench-resolve"
    work.mkdir(parents=True, exist_ok=True)
    if args.child:
        print(json.dumps(child(args.child, args.papers, args.runs, work)))
        return 0
    sample_facts(work / "sample-facts.jsonl")  # extract once, outside the measurements
    results = {}
    for mode in ("iterate", "two-pass", "write", "resolve", "runs"):
        proc = subprocess.run([sys.executable, __file__, "--child", mode, "--papers", str(args.papers),
                               "--runs", str(args.runs), "--work", str(work)],
                              capture_output=True, text=True, check=True)
        results[mode] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"{args.papers} synthetic papers (sample facts replicated, renamed variants), {os.cpu_count()} cores\n")
    print("| mode | seconds | vs baseline | peak RSS MB | store MB |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for mode, base in (("iterate", None), ("two-pass", "iterate"), ("write", None), ("resolve", "write"),
                       ("runs", "write")):
        r = results[mode]
        ratio = f"{r['seconds'] / results[base]['seconds']:.2f}x {base}" if base else "baseline"
        print(f"| {mode} | {r['seconds']} | {ratio} | {r['peak_rss_mb']} | {r.get('store_mb', '')} |")
    same = results["resolve"]["digest"] == results["runs"]["digest"]
    print(f"\nresolve: {results['resolve']['stats']}; write: {results['write']['stats']}")
    print(f"one run and {args.runs} runs give the same graph: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
