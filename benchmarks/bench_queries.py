"""Time every canned query as a whole `kg query` process on a (large) embedded store.

    python benchmarks/bench_queries.py --store /path/to/100k.db [--repeat 3]

Parameters are picked from the store itself (its most connected entities, the hardest
cases: the most built-upon model for the lineage, the most evaluated dataset, ...). Each
run is a whole process (``kg query NAME --store DB --format json``): wall time and CPU time
(user + system), median of ``--repeat``. The baseline, measured in the same run, is
``kg --version`` (the interpreter, click and the command modules, no store). Prints a
markdown table with the ratio to the baseline and checks the target of issue 8: every
query within 1 second of wall time on a 100,000-paper store.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

KG = [sys.executable, "-c", "from kg.cli import main; main()"]


def run(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_run(cmd: list[str], repeat: int) -> tuple[float, float]:
    runs = [run(cmd) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def pick_params(db: Path) -> dict[str, list[str]]:
    """Hard-case parameters for each query, from the store's own hubs."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    one = lambda sql: (con.execute(sql).fetchone() or (None,))  # noqa: E731
    built = one("SELECT target FROM entity_edges WHERE type='BUILDS_ON' GROUP BY target ORDER BY COUNT(*) DESC LIMIT 1")[0]
    builder = one("SELECT source FROM entity_edges WHERE type='BUILDS_ON' GROUP BY source ORDER BY COUNT(*) DESC LIMIT 1")[0]
    dataset = one("SELECT target FROM entity_edges WHERE type='EVALUATED_ON' GROUP BY target ORDER BY COUNT(*) DESC LIMIT 1")[0]
    top = one("SELECT id, name FROM entities ORDER BY paper_count DESC, id LIMIT 1")
    paper = one("SELECT paper_id FROM relations GROUP BY paper_id ORDER BY COUNT(*) DESC LIMIT 1")[0]
    edge = con.execute("SELECT source, target FROM entity_edges WHERE type IN ('BUILDS_ON','EVALUATED_ON')"
                       " ORDER BY support DESC LIMIT 1").fetchone() or ("x", "y")
    task = one("SELECT id FROM entities WHERE type='Task' ORDER BY paper_count DESC LIMIT 1")[0] or "task:x"
    variant = one("SELECT target FROM entity_edges WHERE type='VARIANT_OF' GROUP BY target"
                  " ORDER BY COUNT(*) DESC LIMIT 1")[0] or top[0]
    word = (top[1] or "x").split()[0]
    con.close()
    return {
        "most_evaluated_benchmarks": [],
        "paper_contributions": ["paper=" + paper],
        "evaluated_on_dataset": ["name=" + dataset],
        "model_lineage": ["name=" + built, "max_depth=5"],
        "model_ancestors": ["name=" + builder, "max_depth=5"],
        "benchmarks_evaluated_together": [],
        "long_tail_datasets": [],
        "most_built_upon_models": [],
        "proposed_and_evaluated_datasets": [],
        "entity_search": ["text=" + word],
        "entity_evidence": ["name=" + top[0]],
        "relation_evidence": ["source=" + edge[0], "target=" + edge[1]],
        "shortest_path": ["source=" + built, "target=" + dataset],
        "entities_by_type": ["type=Model"],
        "compared_with": ["name=" + top[0]],
        "task_benchmarks": ["name=" + task],
        "entity_variants": ["name=" + variant],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", required=True, type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--target", type=float, default=1.0, help="wall seconds every query must stay within")
    args = ap.parse_args(argv)
    from kg.query import list_queries

    params = pick_params(args.store)
    base_wall, base_cpu = median_run([*KG, "--version"], args.repeat)
    papers = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True).execute("SELECT COUNT(*) FROM papers").fetchone()[0]
    print(f"store {args.store}: {papers} papers; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"baseline `kg --version`: wall {base_wall:.3f} s, cpu {base_cpu:.3f} s\n")
    print("| query | parameters | wall s | cpu s | wall / baseline | within target |")
    print("| --- | --- | --- | --- | --- | --- |")
    worst = 0.0
    for q in list_queries():
        p = params.get(q.name)
        if p is None:
            p = [f"{k}={v}" for k, v in q.example.items() if not isinstance(v, list)]
        cmd = [*KG, "query", q.name, "--store", str(args.store), "--format", "json"]
        for kv in p:
            cmd += ["-p", kv]
        wall, cpu = median_run(cmd, args.repeat)
        worst = max(worst, wall)
        print(f"| {q.name} | {' '.join(p)} | {wall:.3f} | {cpu:.3f} | {wall / base_wall:.2f} | "
              f"{'yes' if wall <= args.target else 'NO'} |")
    print(f"\nslowest: {worst:.3f} s wall (target {args.target} s): {'met' if worst <= args.target else 'MISSED'}")
    return 0 if worst <= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
