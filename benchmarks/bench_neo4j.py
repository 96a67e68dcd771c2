"""Load throughput of Neo4jStore.write against a bare-driver ``UNWIND $rows MERGE`` baseline.

Both load the same rows (papers, entities, paper->entity relations, derived entity->entity
edges, built by ``kg.store.rows`` from the sample corpus, copied ``--copies`` times under
new paper ids) into an emptied database, in the same run, alternating, ``--repeat`` times; the
median of the repeats counts (each repeat's ratio is printed too).
The baseline does only what any loader must: build the rows from the facts, then MERGE
every row once, batched, one transaction per batch (its rows hold the final entity and edge
values, computed in Python from the whole input: it cannot load incrementally); ``Neo4jStore`` also checks content hashes, keeps entity
properties and derived edges up to date and locks for concurrent writers.

Also: batched versus one row (bare) / one paper (Neo4jStore) per transaction.

    scripts/neo4j-local start && eval "$(scripts/neo4j-local env)"
    python benchmarks/bench_neo4j.py [--copies 8] [--batch-size 1000]

Prints rows/s and the ratios; the goal (issue 19) is Neo4jStore >= 0.9x the bare baseline, median
of 3, on >= 100,000 rows (``--copies 100``).
Clears the database it is pointed at (default $NEO4J_URI).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "hf-papers-pretraining.txt"


def corpus(copies: int):
    """Facts of the sample corpus, ``copies`` times under distinct paper ids and titles."""
    import kg.pipeline as P
    from kg.schema import PaperFacts

    base = list(P.resolve(P.extract(P.load([str(SAMPLE)]))))
    out = []
    for k in range(copies):
        for f in base:
            pid = f"{f.paper.id}#{k}" if k else f.paper.id
            title = f"{f.paper.title} [{k}]" if k else f.paper.title
            paper = replace(f.paper, id=pid, title=title)
            rels = tuple(replace(r, source=pid, evidence=replace(r.evidence, sentence=r.evidence.sentence))
                         for r in f.relations)
            # evidence in the title keeps its offsets: the suffix is appended at the end
            out.append(PaperFacts(paper, f.entities, rels))
    return out


def bare_rows(facts):
    """Every row the graph needs, final values computed in Python (what a bare loader MERGEs)."""
    from kg.store import rows as R

    papers, rels, support = [], {}, {}
    mentions: dict[str, list] = {}
    for f in facts:
        p = R.paper_row(f.paper)
        papers.append({"id": p["id"], "props": {k: v for k, v in p.items() if k != "id"}})
        rr = R.relation_rows(f)
        for r in rr:
            rels.setdefault(r["type"], []).append(
                {"paper_id": r["paper_id"], "entity_id": r["entity_id"],
                 "props": {k: r[k] for k in R.RELATION_PROPS}})
            mentions.setdefault(r["entity_id"], []).append(r)
        for s in R.support_rows(rr):
            support.setdefault((s["source"], s["type"], s["target"]), {})[s["paper_id"]] = s["confidence"]
    entities = {}
    for eid, rows in mentions.items():
        forms = {a for r in rows for a in r["entity_aliases"]} | {r["mention"] for r in rows}
        props = R.entity_props(eid, min(r["entity_type"] for r in rows),
                               [(r["paper_id"], r["entity_name"]) for r in rows], forms)
        entities.setdefault(props["type"], []).append({"id": eid, "props": props})
    edges: dict[str, list] = {}
    for (s, t, d), sup in sorted(support.items()):
        ps = sorted(sup)
        edges.setdefault(t, []).append({"source": s, "target": d, "props": {
            "papers": ps, "support": len(ps), "confidence": R.combine_confidence(sup[p] for p in ps)}})
    return papers, entities, rels, edges


def bare_statements(papers, entities, rels, edges):
    """(cypher, rows) pairs in load order; the Cypher a plain loader would use."""
    out = [("UNWIND $rows AS row MERGE (p:Paper {id: row.id}) SET p += row.props", papers)]
    for t, rows in sorted(entities.items()):
        out.append((f"UNWIND $rows AS row MERGE (e:Entity {{id: row.id}}) SET e:{t} SET e += row.props", rows))
    for t, rows in sorted(rels.items()):
        out.append(("UNWIND $rows AS row MATCH (p:Paper {id: row.paper_id}) MATCH (e:Entity {id: row.entity_id}) "
                    f"MERGE (p)-[r:{t}]->(e) SET r += row.props", rows))
    for t, rows in sorted(edges.items()):
        out.append(("UNWIND $rows AS row MATCH (a:Entity {id: row.source}) MATCH (b:Entity {id: row.target}) "
                    f"MERGE (a)-[r:{t}]->(b) SET r += row.props", rows))
    return out


def bare_load(driver, database, statements, batch_size):
    with driver.session(database=database) as s:
        for query, rows in statements:
            for i in range(0, len(rows), batch_size):
                s.execute_write(lambda tx, b=rows[i:i + batch_size]: tx.run(query, rows=b).consume())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--uri", default=os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687"))
    ap.add_argument("--user", default=os.environ.get("NEO4J_USERNAME", "neo4j"))
    ap.add_argument("--database", default=None)
    ap.add_argument("--copies", type=int, default=8, help="copies of the sample corpus (default 8)")
    ap.add_argument("--batch-size", type=int, default=1000, help="Neo4jStore papers per transaction")
    ap.add_argument("--bare-rows", default="1000,10000",
                    help="rows per statement/transaction of the bare baseline; the best counts")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--state", default="auto",
                    help="where Neo4jStore keeps its bookkeeping: auto (a state file for the emptied database) or neo4j")
    ap.add_argument("--single", type=int, default=300, help="rows for the one-per-transaction runs")
    args = ap.parse_args(argv)
    password = os.environ.get("NEO4J_PASSWORD")

    from neo4j import GraphDatabase

    from kg.store.neo4j import Neo4jStore

    facts = corpus(args.copies)
    papers, entities, rels, edges = bare_rows(facts)
    statements = bare_statements(papers, entities, rels, edges)
    n_rows = sum(len(rows) for _, rows in statements)
    bare_sizes = [int(x) for x in args.bare_rows.split(",")]
    print(f"{len(facts)} papers -> {n_rows} rows (papers {len(papers)}, entities "
          f"{sum(map(len, entities.values()))}, relations {sum(map(len, rels.values()))}, "
          f"entity edges {sum(map(len, edges.values()))}); Neo4jStore: {args.batch_size} papers/transaction, "
          f"bare: {args.bare_rows} rows/transaction")

    store = Neo4jStore(args.uri, database=args.database, user=args.user, password=password,
                       batch_size=args.batch_size, state=args.state)
    driver = GraphDatabase.driver(args.uri, auth=(args.user, password or ""))

    def timed(fn) -> float:
        store.clear()
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t

    # warm-up (query plans, JIT), then alternate
    timed(lambda: store.write(facts[:200]))
    timed(lambda: bare_load(driver, args.database, bare_statements(*bare_rows(facts[:200])), bare_sizes[0]))
    ours: list[float] = []
    bare: dict[int, list[float]] = {b: [] for b in bare_sizes}
    for _ in range(args.repeat):
        ours.append(timed(lambda: store.write(facts)))
        stats = store.stats()
        for b in bare_sizes:
            bare[b].append(timed(lambda: bare_load(driver, args.database, bare_statements(*bare_rows(facts)), b)))
            stats_bare = store.stats()
            for k in ("papers", "entities", "relations", "entity_relations"):
                assert stats[k] == stats_bare[k], (k, stats[k], stats_bare[k])
    from statistics import median

    # each repeat: Neo4jStore against the best bare size of the same repeat
    best_bare = [min(bare[b][i] for b in bare_sizes) for i in range(args.repeat)]
    t_ours = median(ours)
    print(f"Neo4jStore.write            : {n_rows / t_ours:7.0f} rows/s  (median {t_ours:.2f}s of "
          f"{', '.join(f'{t:.2f}' for t in ours)})")
    for b in bare_sizes:
        print(f"bare UNWIND MERGE {b:>6} rows: {n_rows / median(bare[b]):7.0f} rows/s  (median {median(bare[b]):.2f}s "
              f"of {', '.join(f'{t:.2f}' for t in bare[b])})")
    t_bare = median(best_bare)
    print(f"ratio Neo4jStore / best bare = {t_bare / t_ours:.2f}x median  (repeats: "
          f"{', '.join(f'{b / o:.2f}x' for b, o in zip(best_bare, ours))}; goal >= 0.9x)")
    timed(lambda: store.write(facts))
    t = time.perf_counter()
    w = store.write(facts)
    t_again = time.perf_counter() - t
    print(f"re-ingest (nothing changes): {t_again:.2f}s, {w.papers_unchanged} papers unchanged, "
          f"{w.extra.get('nodes_created', 0)} nodes / {w.extra.get('relationships_created', 0)} relationships created")

    # batched vs one per transaction
    few = facts[:max(1, args.single // 7)]
    one_store = Neo4jStore(args.uri, database=args.database, user=args.user, password=password, batch_size=1,
                           state=args.state)
    few_rows = sum(len(r) for _, r in bare_statements(*bare_rows(few)))
    t_one = timed(lambda: one_store.write(few))
    t_few = timed(lambda: store.write(few))
    print(f"Neo4jStore one paper/tx: {few_rows / t_one:7.0f} rows/s vs batched {few_rows / t_few:7.0f} rows/s "
          f"-> batched is {t_one / t_few:.1f}x faster ({len(few)} papers)")
    single_stmts = bare_statements(*bare_rows(few))
    t_single = timed(lambda: bare_load(driver, args.database, single_stmts, 1))
    t_batch = timed(lambda: bare_load(driver, args.database, single_stmts, bare_sizes[0]))
    print(f"bare one row/tx     : {few_rows / t_single:7.0f} rows/s vs batched {few_rows / t_batch:7.0f} rows/s "
          f"-> batched is {t_single / t_batch:.1f}x faster")
    store.clear()
    store.close()
    one_store.close()
    driver.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
