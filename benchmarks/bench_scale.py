"""The scaling table: ingest time, peak memory and store size at 10k / 100k / 1M papers.

    python benchmarks/bench_scale.py --sizes 10000,100000 [--workers 2] [--neo4j] [--admin]
                                     [--admin-sizes 1000000] [--work DIR]

    # the README's table, real 1M rows included (about 1.5 h on 2 cores):
    python benchmarks/bench_scale.py --sizes 10000,100000,1000000 --neo4j --neo4j-sizes 10000,100000 --admin

For each size it makes a synthetic corpus (benchmarks/make_corpus.py, cached in the work
folder) and runs, each as a whole measured process (wall time; peak RSS summed over the
process tree, polled every 50 ms):

* ``read``     the baseline: the loaders alone read every record (no extraction, no store);
* ``tokenize`` a second baseline: spaCy's blank English tokenizer over the same texts;
* ``ingest``   ``kg ingest CORPUS --store DB --workers W`` (the embedded store);
* ``stats`` / ``query`` / ``neighbourhood``: read commands on the finished store (median of 3);
* ``extract``  ``kg extract CORPUS -o FACTS`` and ``ingest-facts``: ``kg ingest FACTS``, the
  two halves of a split (many-machine) run, with ``--split``;
* ``neo4j``    ``kg ingest CORPUS --neo4j URI`` into a private, emptied Neo4j server that this
  script starts (its own home and ports; the server's own peak RSS is reported apart);
* ``admin-export`` / ``admin-import``: ``kg export --format neo4j-admin`` from the embedded
  store, then ``neo4j-admin database import full`` into the private server's home;
* ``admin-increment``: then ``kg ingest --neo4j`` of the ``--increment`` papers that follow the
  corpus (``make_corpus.py --start``) into the imported database: the documented path for a
  first load of 1M papers into Neo4j and the papers after it (``--neo4j-sizes`` keeps the
  whole-corpus ``kg ingest --neo4j`` to the smaller sizes).

``--admin-sizes`` (e.g. 1000000) adds sizes measured for the read commands and the neo4j-admin
path only, on a *synthetic* embedded store: SQL copies of the largest ingested store with new
paper ids (extracting 1M papers does not fit a session on 2 cores). Its entities do not grow
with the copies; the table marks these rows.

Prints a markdown table with ratios against the baselines measured in the same run, and
checks the targets of issues 8 and 19; the raw numbers go to ``WORK/results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
#: the installed ``kg`` command next to this Python, else the same entry point through -c
KG = [str(Path(PY).parent / "kg")] if (Path(PY).parent / "kg").exists() else \
    [PY, "-c", "import sys; from kg.cli import main; sys.argv[0] = 'kg'; main()"]
NEO4J_LOCAL = ROOT / "scripts" / "neo4j-local"
PAGE = os.sysconf("SC_PAGE_SIZE")

# -- targets of issue 8 ------------------------------------------------------------------
INGEST_100K_SECONDS = 180
INGEST_100K_RSS_MB = 2048
RSS_GROWTH_10K_TO_100K = 1.5
READ_COMMAND_SECONDS = 1.0
NEO4J_100K_SECONDS = 300
# -- targets of issue 19 -----------------------------------------------------------------
INGEST_1M_SECONDS = 20 * 60
INGEST_1M_ONE_MB = 1024
PER_PAPER_1M_VS_100K = 1.2


# ------------------------------------------------------------------------- measuring
@dataclass
class Run:
    """One measured process (tree)."""

    stage: str
    size: int
    cmd: str
    wall: float = 0.0
    cpu: float = 0.0  #: user + system seconds of the process and the children it waited for
    peak_rss_mb: float = 0.0  #: the whole process tree, summed
    peak_one_mb: float = 0.0  #: the largest single process (wait4; at least the harness's own peak)
    peak_pss_mb: float = 0.0  #: the tree's proportional set size: pages shared after fork counted once
    server_rss_mb: float = 0.0  #: a server watched alongside (Neo4j), if any
    store_mb: float = 0.0
    rc: int = 0
    note: str = ""
    extra: dict = field(default_factory=dict)


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * PAGE / 2**20
    except (OSError, IndexError, ValueError):
        return 0.0


def _pss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def tree_pids(root: int) -> list[int]:
    """``root`` and every process below it."""
    kids = _children_map()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += kids.get(pid, [])
    return out


def tree_rss_mb(root: int, pss: bool = False, pids: list[int] | None = None) -> tuple[float, float]:
    """(RSS summed over the process tree, PSS summed when ``pss``); ``pids``: the tree as last
    listed (listing it reads every process's stat file: the costly part of a poll)."""
    pids = tree_pids(root) if pids is None else pids
    return sum(_rss_mb(p) for p in pids), sum(_pss_mb(p) for p in pids) if pss else 0.0


def measure(stage: str, size: int, cmd: Sequence[str], env: dict | None = None, server_pid: int | None = None,
            timeout: float = 3 * 3600, log_dir: Path | None = None) -> Run:
    """Run ``cmd`` to the end; wall time and peak RSS of its process tree."""
    run = Run(stage, size, " ".join(str(c) for c in cmd))
    log_dir = log_dir or Path(tempfile.gettempdir())
    out_path = log_dir / f"{stage}-{size}.out"
    err_path = log_dir / f"{stage}-{size}.err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        polls = 0
        proc = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env={**os.environ, **(env or {})}, cwd=str(ROOT))
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            # the harness keeps its own cost low (it shares the cores it measures): the tree is
            # listed every 0.5 s, RSS read every 50 ms, PSS (the kernel walks the page tables) every 1 s
            if polls % 10 == 0:
                pids = tree_pids(proc.pid)
            rss, pss = tree_rss_mb(proc.pid, pss=polls % 20 == 0, pids=pids)
            polls += 1
            run.peak_rss_mb = max(run.peak_rss_mb, rss)
            run.peak_pss_mb = max(run.peak_pss_mb, pss)
            if server_pid:
                run.server_rss_mb = max(run.server_rss_mb, _rss_mb(server_pid))
            if time.perf_counter() - t0 > timeout:
                os.kill(proc.pid, signal.SIGKILL)
            time.sleep(0.05)
        run.wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    run.rc = proc.returncode
    run.peak_one_mb = usage.ru_maxrss / 1024
    run.cpu = usage.ru_utime + usage.ru_stime
    # not max()ed with peak_one_mb: ru_maxrss survives fork and exec, so a child starts with the
    # harness's own peak; the polled tree sum is the measure
    if run.rc != 0:
        tail = err_path.read_text(errors="replace").strip().splitlines()[-1:] or ["(no stderr)"]
        run.note = f"failed (exit {run.rc}): {tail[0][:160]}"
    run.extra["stdout"] = str(out_path)
    return run


def median_run(stage: str, size: int, cmd: Sequence[str], repeat: int = 3, **kw) -> Run:
    runs = [measure(stage, size, cmd, **kw) for _ in range(repeat)]
    best = sorted(runs, key=lambda r: r.wall)[len(runs) // 2]
    best.extra["walls"] = [round(r.wall, 3) for r in runs]
    return best


def du_mb(*paths: Path) -> float:
    total = 0
    for p in paths:
        if p.is_file():
            total += p.stat().st_size
        elif p.is_dir():
            total += sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
    return total / 2**20


# ------------------------------------------------------------------------- stages
READ_SCRIPT = """
import sys
from kg import loaders
n = 0
for rec in loaders.iter_records(sys.argv[1:]):
    n += 1
print(n)
"""

TOKENIZE_SCRIPT = """
import sys, spacy
from kg import loaders
nlp = spacy.blank("en")
texts = (t for p in loaders.iter_records(sys.argv[1:]) for t in (p.title, p.abstract))
n = 0
for doc in nlp.tokenizer.pipe(texts, batch_size=1000):
    n += len(doc)
print(n)
"""


def corpus_for(size: int, seed: int, work: Path, start: int = 0) -> Path:
    """The synthetic corpus of ``size`` papers (from paper ``start`` on: an increment), cached."""
    path = work / (f"corpus-{size}-s{seed}.jsonl.gz" if not start else f"corpus-{size}-s{seed}-from{start}.jsonl.gz")
    if not path.exists():
        subprocess.run([PY, str(ROOT / "benchmarks" / "make_corpus.py"), str(size), "-o", str(path),
                        "--seed", str(seed), "--start", str(start)], check=True)
    return path


def ingest_summary(run: Run) -> dict:
    """What `kg ingest --json` said: papers read (re-resolved papers are read again), added, updated."""
    try:
        d = json.loads(Path(run.extra["stdout"]).read_text())
    except (OSError, ValueError, KeyError):
        return {}
    return {k: d.get(k) for k in ("read", "added", "updated", "unchanged", "skipped")}


def store_summary(db: Path) -> dict:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        q = lambda s: con.execute(s).fetchall()  # noqa: E731
        top = q("SELECT id, name FROM entities ORDER BY paper_count DESC, id LIMIT 1")
        mid = q("SELECT id, name FROM entities ORDER BY paper_count DESC, id LIMIT 1 OFFSET 100")
        return {"papers": q("SELECT COUNT(*) FROM papers")[0][0],
                "entities": q("SELECT COUNT(*) FROM entities")[0][0],
                "relations": q("SELECT COUNT(*) FROM relations")[0][0],
                "entity_relations": q("SELECT COUNT(*) FROM entity_edges")[0][0],
                "top_entity": top[0][0] if top else None, "mid_entity": mid[0][0] if mid else None}
    finally:
        con.close()


def query_names() -> list[str]:
    """The canned queries `kg queries` lists (names are the unindented lines)."""
    res = subprocess.run([*KG, "queries"], capture_output=True, text=True, cwd=str(ROOT))
    if res.returncode != 0:
        return []
    return [line.split()[0] for line in res.stdout.splitlines() if line.strip() and not line[0].isspace()]


def kg_has(command: str) -> bool:
    res = subprocess.run([*KG, command, "--help"], capture_output=True, text=True, cwd=str(ROOT))
    return res.returncode == 0


class PrivateNeo4j:
    """A Neo4j server of our own (own home and ports) so benchmarks never touch anyone's data."""

    def __init__(self, work: Path, bolt: int, http: int, heap: str, pagecache: str):
        self.home = work / "neo4j-home"
        shared_lib = subprocess.run([PY, str(NEO4J_LOCAL), "path"], capture_output=True, text=True,
                                    env={k: v for k, v in os.environ.items() if k != "KG_NEO4J_HOME"}
                                    ).stdout.strip()
        self.env = {"KG_NEO4J_HOME": str(self.home), "KG_NEO4J_BOLT_PORT": str(bolt),
                    "KG_NEO4J_HTTP_PORT": str(http), "KG_NEO4J_HEAP": heap, "KG_NEO4J_PAGECACHE": pagecache}
        if shared_lib and (Path(shared_lib) / "lib" / ".complete").exists():
            self.env["KG_NEO4J_LIB"] = str(Path(shared_lib) / "lib")
        self.uri = f"bolt://127.0.0.1:{bolt}"

    def _call(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k != "NEO4J_PASSWORD"}
        return subprocess.run([PY, str(NEO4J_LOCAL), *args], env={**env, **self.env}, capture_output=True,
                              text=True, check=check)

    def start(self) -> None:
        self._call("start")

    def stop(self) -> None:
        self._call("stop", check=False)

    def wipe(self) -> None:
        """Stop and delete the databases (the password and the jars stay)."""
        self.stop()
        for d in ("databases", "transactions"):
            shutil.rmtree(self.home / "data" / d, ignore_errors=True)

    def pid(self) -> int | None:
        try:
            return int((self.home / "run" / "kg-neo4j.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def client_env(self) -> dict[str, str]:
        return {"NEO4J_URI": self.uri, "NEO4J_USERNAME": "neo4j",
                "NEO4J_PASSWORD": (self.home / "password").read_text().strip()}

    def size_mb(self) -> float:
        return du_mb(self.home / "data" / "databases" / "neo4j", self.home / "data" / "transactions" / "neo4j")

    def count(self) -> dict:
        from neo4j import GraphDatabase

        env = self.client_env()
        with GraphDatabase.driver(self.uri, auth=(env["NEO4J_USERNAME"], env["NEO4J_PASSWORD"])) as drv:
            recs, _, _ = drv.execute_query(
                "MATCH (p:Paper) WITH count(p) AS papers "
                "OPTIONAL MATCH (e:Entity) RETURN papers, count(e) AS entities")
            return {"papers": recs[0]["papers"], "entities": recs[0]["entities"]}

    def admin_cmd(self, *args: str) -> tuple[list[str], dict]:
        return [PY, str(NEO4J_LOCAL), "admin", *args], self.env


def synthetic_store(src: Path, dst: Path, copies: int) -> None:
    """An embedded store of ``copies`` x the papers of ``src``, made with SQL (no extraction).

    Copy ``k`` > 0 of a paper gets the id ``synK:<id>`` and the title ``<title> (K)``; its
    relations and derived-edge support are copied with it. Entities are the same ones (their
    paper counts and the entity -> entity edges' paper lists scale with the copies), so the
    entity vocabulary of such a store does not grow: the table says so.
    """
    for p in dst.parent.glob(dst.name + "*"):
        p.unlink()
    sys.path.insert(0, str(ROOT))
    from kg.store.embedded import EmbeddedStore

    with EmbeddedStore(dst) as store:  # the schema (a store is created on its first use)
        store.begin_writing()
    con = sqlite3.connect(dst, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("ATTACH ? AS s", (str(src),))
    con.execute("BEGIN")
    con.execute("CREATE TEMP TABLE copies(c INTEGER PRIMARY KEY)")
    con.executemany("INSERT INTO copies VALUES(?)", [(c,) for c in range(copies)])
    pid = "CASE WHEN k.c = 0 THEN {col} ELSE 'syn' || k.c || ':' || {col} END"
    con.execute(f"""INSERT INTO papers SELECT {pid.format(col='p.id')},
        CASE WHEN k.c = 0 THEN p.title ELSE p.title || ' (' || k.c || ')' END, p.abstract, p.year, p.authors,
        p.url, p.source, CASE WHEN k.c = 0 THEN p.title_key ELSE p.title_key || k.c END, p.arxiv, p.doi, p.s2,
        p.openalex, p.content_hash FROM s.papers p, copies k""")
    con.execute(f"""INSERT INTO relations SELECT {pid.format(col='r.paper_id')}, r.type, r.entity_id,
        r.entity_name, r.entity_type, r.entity_aliases, r.confidence, r.rule, r.evidence_field, r.evidence_start,
        r.evidence_end, r.evidence_sentence, r.mention FROM s.relations r, copies k""")
    con.execute(f"""INSERT INTO edge_support SELECT e.source, e.type, e.target, {pid.format(col='e.paper_id')},
        e.confidence FROM s.edge_support e, copies k""")
    con.execute("INSERT INTO entities SELECT id, name, type, aliases, paper_count * ? FROM s.entities", (copies,))
    con.execute("INSERT INTO entity_forms SELECT * FROM s.entity_forms")
    con.execute("INSERT INTO entity_stats SELECT entity_id, kind, value, n * ? FROM s.entity_stats", (copies,))
    con.execute(f"""INSERT INTO entity_edges SELECT e.source, e.type, e.target,
        (SELECT json_group_array(p) FROM (SELECT {pid.format(col='j.value')} AS p
            FROM json_each(e.papers) j, copies k ORDER BY p)),
        e.support * ?, e.confidence FROM s.entity_edges e""", (copies,))
    # no link keys copied: the store builds them from its papers when first asked; the counts
    # `kg stats` reads, the names index and the pair counts of benchmarks_evaluated_together are
    # built below, as for a store made before them
    con.execute("DELETE FROM meta WHERE key IN ('paper_links', 'counts', 'names_index', 'evaluated_together')")
    con.execute("COMMIT")
    con.execute("DETACH s")
    con.close()
    with EmbeddedStore(dst) as store:
        cur = store.db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        store.upgrade(cur, ("counts", "names_index", "evaluated_together"))
        cur.execute("COMMIT")


# ------------------------------------------------------------------------- the run
def bench(args: argparse.Namespace) -> list[Run]:
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    runs: list[Run] = []

    def record(run: Run) -> Run:
        runs.append(run)
        status = "ok" if run.rc == 0 else run.note
        print(f"  {run.stage:<14} {run.size:>8}  {run.wall:8.2f}s  {run.peak_rss_mb:7.0f} MB  {status}",
              file=sys.stderr, flush=True)
        (work / "results.json").write_text(json.dumps([asdict(r) for r in runs], indent=1))
        return run

    neo = None
    if args.neo4j or args.admin:
        neo = PrivateNeo4j(work, args.neo4j_bolt_port, args.neo4j_http_port, args.neo4j_heap, args.neo4j_pagecache)
    has_query, has_nbh = kg_has("query"), kg_has("neighbourhood")
    W = str(args.workers)
    try:
        for size in args.sizes:
            print(f"size {size}:", file=sys.stderr, flush=True)
            corpus = corpus_for(size, args.seed, work)
            mk = lambda stage, cmd, **kw: measure(stage, size, cmd, log_dir=logs, **kw)  # noqa: E731
            if "read" in args.baselines:
                record(mk("read", [PY, "-c", READ_SCRIPT, corpus]))
            if "tokenize" in args.baselines:
                record(mk("tokenize", [PY, "-c", TOKENIZE_SCRIPT, corpus]))
            db = work / f"store-{size}.db"
            done = work / f"store-{size}.done"
            if args.reuse_stores and done.exists():
                run = Run("ingest", size, "(store reused from an earlier run: not measured)", rc=0,
                          store_mb=du_mb(db, Path(f"{db}-wal")), note="reused, not measured")
                runs.append(run)
            else:
                for p in work.glob(f"store-{size}.db*"):
                    p.unlink()
                done.unlink(missing_ok=True)
                run = record(mk("ingest", [*KG, "ingest", corpus, "--store", db, "--workers", W,
                                           "--batch-size", str(args.batch_size), "--json"]))
                if run.rc != 0:
                    continue
                run.extra.update(ingest_summary(run))
                done.write_text(json.dumps(asdict(run)))
                run.store_mb = du_mb(db, Path(f"{db}-wal"))
            run.extra.update(store_summary(db))
            record(median_run("stats", size, [*KG, "stats", "--store", db], log_dir=logs))
            if has_query and args.queries:
                queries(size, db, args.queries, record, logs)
            if has_nbh:
                neighbourhoods(size, db, run.extra, work, record, logs)
            if args.split:
                facts = work / f"facts-{size}.jsonl.gz"
                run = record(mk("extract", [*KG, "extract", corpus, "-o", facts, "--workers", W, "-q"]))
                if run.rc == 0 and args.split:
                    db2 = work / f"store-{size}-facts.db"
                    for p in work.glob(f"store-{size}-facts.db*"):
                        p.unlink()
                    run = record(mk("ingest-facts", [*KG, "ingest", facts, "--store", db2, "--batch-size",
                                                     str(args.batch_size), "-q"]))
                    run.store_mb = du_mb(db2, Path(f"{db2}-wal"))
            if args.neo4j and neo is not None and (not args.neo4j_sizes or size in args.neo4j_sizes):
                neo.wipe()
                neo.start()
                run = record(mk("neo4j", [*KG, "ingest", corpus, "--neo4j", neo.uri, "--workers", W,
                                          "--batch-size", str(args.batch_size), "--json"],
                                env=neo.client_env(), server_pid=neo.pid()))
                run.store_mb = neo.size_mb()
                if run.rc == 0:
                    run.extra.update(ingest_summary(run))
                    run.extra.update(neo.count())
            if args.admin and neo is not None:
                more = corpus_for(args.increment, args.seed, work, start=size) if args.increment else None
                admin_path(size, db, work, neo, record, logs, note="", increment=more, workers=W,
                           batch_size=args.batch_size)
        synthetic = sorted(set(args.synthetic_sizes) | (set(args.admin_sizes) if neo is not None else set()))
        if synthetic and (args.sizes or args.source_store):
            if args.source_store:
                src = Path(args.source_store).resolve()
                src_size = store_summary(src)["papers"]
            else:
                src_size = max(args.sizes)
                src = work / f"store-{src_size}.db"
            for size in synthetic:
                copies = max(1, size // src_size)
                print(f"size {size} (synthetic store: {copies} copies of the {src_size}-paper store):",
                      file=sys.stderr)
                db = work / f"store-{size}-synthetic.db"
                done = work / f"store-{size}-synthetic.done"
                t0 = time.perf_counter()
                reused = args.reuse_stores and done.exists()
                if not reused:
                    done.unlink(missing_ok=True)
                    synthetic_store(src, db, copies)
                    done.write_text(src.name)
                size = copies * src_size
                run = Run("synthetic-store", size, f"synthetic_store({src.name}, copies={copies})",
                          wall=time.perf_counter() - t0, store_mb=du_mb(db, Path(f"{db}-wal")),
                          note=f"SQL copies of the {src_size}-paper store (not an ingest)"
                               + ("; reused from an earlier run" if reused else ""))
                run.extra.update(store_summary(db))
                record(run)
                record(median_run("stats", size, [*KG, "stats", "--store", db], log_dir=logs))
                if has_query and args.queries:
                    queries(size, db, args.queries, record, logs)
                if has_nbh:
                    neighbourhoods(size, db, run.extra, work, record, logs)
                if neo is not None and size in args.admin_sizes:
                    admin_path(size, db, work, neo, record, logs, note="synthetic store")
                for r in runs:
                    if r.size == size and r.stage != "synthetic-store":
                        r.note = "; ".join(x for x in (r.note, "synthetic store") if x)
    finally:
        if neo is not None and not args.keep_neo4j:
            neo.stop()
    return runs


def queries(size: int, db: Path, names: list[str], record, logs: Path) -> None:
    """Every canned query with its example parameters, each once; the slowest is recorded."""
    qruns = [measure("query", size, [*KG, "query", q, "--example", "--store", db, "--format", "json"],
                     log_dir=logs) for q in names]
    slow = max(qruns, key=lambda r: r.wall)
    failed = [q for q, r in zip(names, qruns) if r.rc != 0]
    slow.note = (f"slowest of {len(qruns)} canned queries (--example): "
                 f"{names[qruns.index(slow)]}; median {statistics.median(r.wall for r in qruns):.2f} s"
                 + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    slow.rc = 1 if failed else 0
    record(slow)


#: a name no store has: `kg neighbourhood` of it only suggests the closest names
UNKNOWN_NAME = "pre-trainnig"


def neighbourhoods(size: int, db: Path, summary: dict, work: Path, record, logs: Path) -> None:
    """`kg neighbourhood` of the biggest hub (worst case) and of the 101st most cited entity;
    and of an unknown name (it fails with the closest names: the suggestion is timed)."""
    for stage, key in (("neighbourhood", "top_entity"), ("neighbourhood-101st", "mid_entity")):
        if summary.get(key):
            run = record(median_run(stage, size, [*KG, "neighbourhood", summary[key], "--store", db, "-o",
                                                  work / f"nbh-{size}.html"], log_dir=logs))
            run.note = f"{summary[key]} (depth 1, --limit 300)"
    runs = [measure("suggest", size, [*KG, "neighbourhood", UNKNOWN_NAME, "--store", db, "-o",
                                      work / f"nbh-{size}-unknown.html"], log_dir=logs) for _ in range(3)]
    run = sorted(runs, key=lambda r: r.wall)[1]
    run.extra["walls"] = [round(r.wall, 3) for r in runs]
    err = Path(str(run.extra["stdout"])[:-len(".out")] + ".err").read_text(errors="replace")
    if run.rc == 1 and "closest:" in err:  # the expected failure
        run.rc, run.note = 0, f"{UNKNOWN_NAME!r}: closest names suggested"
    record(run)


def admin_path(size: int, db: Path, work: Path, neo: "PrivateNeo4j", record, logs: Path, note: str,
               increment: Path | None = None, workers: str = "2", batch_size: int = 3000) -> None:
    """``kg export --format neo4j-admin`` of the store, ``neo4j-admin database import full`` into the
    private server; then (``increment``: a corpus of the papers that follow) ``kg ingest --neo4j``
    of those later papers into the imported database: the documented path for a first load and
    the papers after it."""
    out = work / f"admin-{size}"
    shutil.rmtree(out, ignore_errors=True)
    run = record(measure("admin-export", size, [*KG, "export", "--store", db, "--format", "neo4j-admin",
                                                "-o", out], log_dir=logs))
    run.note = run.note or note
    run.store_mb = du_mb(out)
    if run.rc != 0:
        return
    sys.path.insert(0, str(ROOT))
    from kg.store.neo4j_admin import import_command

    neo.wipe()
    cmd, env = neo.admin_cmd(*import_command(out))
    run = record(measure("admin-import", size, cmd, env=env, log_dir=logs))
    run.note = run.note or note
    if run.rc == 0:
        run.store_mb = neo.size_mb()
        neo.start()
        run.extra.update(neo.count())
        if increment is not None:
            run = record(measure("admin-increment", size, [*KG, "ingest", str(increment), "--neo4j", neo.uri, "--workers",
                                                           workers, "--batch-size", str(batch_size), "--json"],
                                 env=neo.client_env(), server_pid=neo.pid(), log_dir=logs))
            if run.rc == 0:
                run.extra.update(ingest_summary(run))
                run.extra.update(neo.count())
                run.extra["increment"] = run.extra.get("added") or 0
                run.store_mb = neo.size_mb()
        neo.stop()


# ------------------------------------------------------------------------- the table
def table(runs: list[Run]) -> str:
    by = {(r.stage, r.size): r for r in runs}
    lines = ["| papers | stage | wall s | CPU s | papers/s | peak RSS MB (tree) | store MB | vs read | vs tokenize "
             "| notes |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in runs:
        base_read, base_tok = by.get(("read", r.size)), by.get(("tokenize", r.size))
        per_paper = r.stage in ("read", "tokenize", "ingest", "extract", "ingest-facts", "neo4j", "admin-export",
                                "admin-import")
        baseline = r.stage in ("read", "tokenize")
        rate = f"{r.size / r.wall:,.0f}" if per_paper and r.wall and r.rc == 0 else ""
        if r.stage == "admin-increment" and r.wall and r.rc == 0 and r.extra.get("increment"):
            rate = f"{r.extra['increment'] / r.wall:,.0f}"
        vr = f"{r.wall / base_read.wall:.1f}x" if base_read and base_read.wall and not baseline and per_paper else ""
        vt = f"{r.wall / base_tok.wall:.1f}x" if base_tok and base_tok.wall and not baseline and per_paper else ""
        notes = [r.note] if r.note else []
        if r.stage == "admin-increment":
            notes.append(f"`kg ingest --neo4j` of the {r.extra.get('increment') or 0:,} papers that follow, "
                         "into the imported database")
        if r.stage in ("ingest", "neo4j", "admin-increment") and r.peak_one_mb:
            notes.append(f"largest process {r.peak_one_mb:,.0f} MB")
        if r.peak_pss_mb and r.peak_pss_mb < 0.9 * r.peak_rss_mb:
            notes.append(f"peak PSS {r.peak_pss_mb:,.0f} MB (shared pages counted once)")
        if r.server_rss_mb:
            notes.append(f"Neo4j server peak RSS {r.server_rss_mb:,.0f} MB")
        if "entities" in r.extra:
            notes.append(f"{r.extra.get('papers', '?'):,} papers, {r.extra['entities']:,} entities"
                         + (f", {r.extra['relations']:,} relations" if "relations" in r.extra else ""))
        if r.extra.get("read") and r.extra["read"] != r.extra.get("added"):
            notes.append(f"{r.extra['read']:,} papers written: {r.extra['read'] - r.extra['added']:,} again after "
                         f"re-resolution, {r.extra['updated']:,} of them changed")
        if "walls" in r.extra:
            notes.append("runs " + "/".join(f"{w:.2f}" for w in r.extra["walls"]) + " s")
        store = f"{r.store_mb:,.1f}" if r.store_mb else ""
        lines.append(f"| {r.size:,} | {r.stage} | {r.wall:.2f} | {r.cpu:.1f} | {rate} | {r.peak_rss_mb:,.0f} | "
                     f"{store} | {vr} | {vt} | {'; '.join(notes)} |")
    return "\n".join(lines)


def checks(runs: list[Run]) -> list[str]:
    by = {(r.stage, r.size): r for r in runs}
    out = []
    ing = by.get(("ingest", 100_000))
    if ing and ing.rc == 0 and ing.wall:
        out.append(f"- ingest 100k: {ing.wall:.0f}s (target <= {INGEST_100K_SECONDS}s): "
                   f"{'PASS' if ing.wall <= INGEST_100K_SECONDS else 'FAIL'} (CPU {ing.cpu:.0f}s: on an idle "
                   f"{os.cpu_count()}-core machine the wall time is at least {ing.cpu / (os.cpu_count() or 1):.0f}s)")
        out.append(f"- ingest 100k peak RSS: {ing.peak_rss_mb:.0f} MB (target <= {INGEST_100K_RSS_MB} MB): "
                   f"{'PASS' if ing.peak_rss_mb <= INGEST_100K_RSS_MB else 'FAIL'}")
        small = by.get(("ingest", 10_000))
        if small and small.rc == 0 and small.peak_rss_mb and ing.peak_rss_mb:
            g = ing.peak_rss_mb / small.peak_rss_mb
            out.append(f"- peak RSS 100k / 10k: {g:.2f} (target <= {RSS_GROWTH_10K_TO_100K}): "
                       f"{'PASS' if g <= RSS_GROWTH_10K_TO_100K else 'FAIL'}")
    big = by.get(("ingest", 1_000_000))
    if big and big.rc == 0 and big.wall:
        out.append(f"- ingest 1M: {big.wall / 60:.1f} min (target <= {INGEST_1M_SECONDS / 60:.0f} min): "
                   f"{'PASS' if big.wall <= INGEST_1M_SECONDS else 'FAIL'} (CPU {big.cpu:.0f}s)")
        out.append(f"- ingest 1M, largest process: {big.peak_one_mb:.0f} MB (target <= {INGEST_1M_ONE_MB} MB): "
                   f"{'PASS' if big.peak_one_mb <= INGEST_1M_ONE_MB else 'FAIL'}")
        if ing and ing.rc == 0 and ing.wall:
            g = (big.wall / big.size) / (ing.wall / ing.size)
            c = (big.cpu / big.size) / (ing.cpu / ing.size) if ing.cpu else 0.0
            out.append(f"- per-paper wall time 1M / 100k: {g:.2f}x (target <= {PER_PAPER_1M_VS_100K}x): "
                       f"{'PASS' if g <= PER_PAPER_1M_VS_100K else 'FAIL'} (CPU per paper: {c:.2f}x)")
    for stage in ("stats", "query", "neighbourhood", "neighbourhood-101st", "suggest"):
        for size in sorted({r.size for r in runs if r.size >= 100_000}):
            r = by.get((stage, size))
            if r and r.rc == 0:
                kind = " (synthetic store)" if "synthetic" in r.note else ""
                out.append(f"- {stage} on {size:,}{kind}: {r.wall:.2f}s (target < {READ_COMMAND_SECONDS}s): "
                           f"{'PASS' if r.wall < READ_COMMAND_SECONDS else 'FAIL'}")
    neo = by.get(("neo4j", 100_000))
    if neo and neo.rc == 0:
        out.append(f"- neo4j ingest 100k: {neo.wall:.0f}s (target <= {NEO4J_100K_SECONDS}s): "
                   f"{'PASS' if neo.wall <= NEO4J_100K_SECONDS else 'FAIL'}")
    ents = {r.size: r.extra["entities"] for r in runs if r.stage == "ingest" and "entities" in r.extra}
    if len(ents) >= 2:
        (a, ea), (b, eb) = sorted(ents.items())[0], sorted(ents.items())[-1]
        import math

        out.append(f"- distinct entities: {ea:,} at {a:,} papers, {eb:,} at {b:,} papers "
                   f"(Heaps exponent {math.log(eb / ea) / math.log(b / a):.2f})")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000", help="corpus sizes, comma-separated")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=3000, help="as kg ingest --batch-size (its default)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "kg-bench-scale"),
                    help="folder for corpora, stores and logs (corpora are reused)")
    ap.add_argument("--baselines", default="read,tokenize", help="read, tokenize (comma-separated; '' for none)")
    ap.add_argument("--queries", default="all", help="canned queries to time with --example (comma-separated, "
                                                     "'all' for every one `kg queries` lists, '' for none)")
    ap.add_argument("--split", action="store_true", help="also time `kg extract` then `kg ingest FACTS`")
    ap.add_argument("--neo4j", action="store_true", help="also `kg ingest --neo4j` into a private server")
    ap.add_argument("--admin", action="store_true", help="also neo4j-admin export + import for each size")
    ap.add_argument("--neo4j-sizes", default="", help="sizes for `kg ingest --neo4j` of the whole corpus "
                    "(default: every size; a first load of 1M goes through --admin instead)")
    ap.add_argument("--increment", type=int, default=10000,
                    help="with --admin: papers that follow each size's corpus, then ingested with --neo4j into "
                         "the imported database (0: none)")
    ap.add_argument("--admin-sizes", default="", help="sizes for the neo4j-admin path only (synthetic store)")
    ap.add_argument("--synthetic-sizes", default="", help="sizes for the read commands on a synthetic store "
                    "(SQL copies of the largest ingested store, or of --source-store)")
    ap.add_argument("--source-store", default="", help="an existing store to copy for --synthetic-sizes "
                                                       "(instead of the largest of --sizes)")
    ap.add_argument("--neo4j-bolt-port", type=int, default=7697)
    ap.add_argument("--neo4j-http-port", type=int, default=7484)
    ap.add_argument("--neo4j-heap", default="1g")
    ap.add_argument("--neo4j-pagecache", default="1g")
    ap.add_argument("--keep-neo4j", action="store_true", help="leave the private server running")
    ap.add_argument("--reuse-stores", action="store_true",
                    help="keep embedded stores a previous run finished (their ingest is not measured again)")
    args = ap.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.admin_sizes = [int(s) for s in args.admin_sizes.split(",") if s.strip()]
    args.neo4j_sizes = [int(s) for s in args.neo4j_sizes.split(",") if s.strip()]
    args.synthetic_sizes = [int(s) for s in args.synthetic_sizes.split(",") if s.strip()]
    args.baselines = {b.strip() for b in args.baselines.split(",") if b.strip()}
    if args.admin_sizes:
        args.admin = True
    args.queries = query_names() if args.queries == "all" else [q for q in args.queries.split(",") if q.strip()]
    print(f"kg scaling benchmark: sizes {args.sizes}, --workers {args.workers}, --batch-size "
          f"{args.batch_size}, {os.cpu_count()} CPUs; work folder {args.work}", file=sys.stderr)
    runs = bench(args)
    # again at the end: what a stage learnt after it was recorded (its summary, counts) is kept too
    (Path(args.work).resolve() / "results.json").write_text(json.dumps([asdict(r) for r in runs], indent=1))
    print(table(runs))
    print()
    print("\n".join(checks(runs)))
    return 0 if all(r.rc == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
