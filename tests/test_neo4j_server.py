"""Tests that need a Neo4j server of their own (started with scripts/neo4j-local on free ports):

* the server dies in the middle of a load: what was committed is consistent, and running
  the same ingest again completes it with no duplicates;
* ``kg export --format neo4j-admin`` files load with ``neo4j-admin database import full``
  (from the same Maven jars) into the same graph as the embedded store.

Needs Java 17 and the jars of scripts/neo4j-local (CI: after ``scripts/neo4j-local start``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import NEO4J_LOCAL, SAMPLE, need_service
from factsutil import make_facts
from kg.errors import Neo4jUnavailable
from kg.store.embedded import EmbeddedStore
from kg.store.neo4j import Neo4jStore
from graphutil import graph

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A throwaway neo4j-local server: own home, data and ports; shared jars."""

    def __init__(self, home: Path):
        self.home = home
        main_home = subprocess.run([sys.executable, str(NEO4J_LOCAL), "path"], capture_output=True, text=True,
                                   env={k: v for k, v in os.environ.items() if not k.startswith("KG_NEO4J_")}
                                   ).stdout.strip()
        self.env = {**os.environ, "KG_NEO4J_HOME": str(home), "KG_NEO4J_LIB": str(Path(main_home) / "lib"),
                    "KG_NEO4J_BOLT_PORT": str(_free_port()), "KG_NEO4J_HTTP_PORT": str(_free_port()),
                    "KG_NEO4J_HEAP": "512m", "KG_NEO4J_PAGECACHE": "256m", "NEO4J_PASSWORD": "throwaway-pw-1"}
        self.uri = ""

    def cmd(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        res = subprocess.run([sys.executable, str(NEO4J_LOCAL), *args], env=self.env, capture_output=True,
                             text=True, timeout=600)
        if check and res.returncode != 0:
            raise AssertionError(f"neo4j-local {args[0]} failed: {res.stderr[-2000:]}")
        return res

    def start(self) -> str:
        self.uri = self.cmd("start").stdout.strip().splitlines()[-1]
        return self.uri

    def kill(self) -> None:
        """The server dies at once (no shutdown): the harshest stop."""
        pid = int((self.home / "run" / "kg-neo4j.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)

    def store(self, **kw) -> Neo4jStore:
        return Neo4jStore(self.uri, password=self.env["NEO4J_PASSWORD"], **kw)


@pytest.fixture
def server_factory(tmp_path):
    if not (shutil.which("java") or os.environ.get("JAVA_HOME") or os.environ.get("KG_JAVA")):
        need_service("no java: a throwaway Neo4j server needs Java 17")
    servers: list[Server] = []

    def make(name: str = "neo4j") -> Server:
        s = Server(tmp_path / name)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.cmd("stop", check=False)


def embedded_dump(tmp_path: Path, facts) -> tuple:
    with EmbeddedStore(tmp_path / f"ref-{len(facts)}-{time.monotonic_ns()}.db") as ref:
        ref.write(facts)
        return graph(ref)


def corpus(n: int):
    """Papers proposing their own model, building on shared ones, evaluated on shared datasets."""
    base = ["BERT", "GPT-2", "T5", "RoBERTa"]
    data = ["GLUE", "SQuAD", "MNLI"]
    out = []
    for i in range(n):
        b, d = base[i % len(base)], data[i % len(data)]
        out.append(make_facts(f"Net{i}: building on {b}", f"We evaluate Net{i} on {d} against {b}.",
                              [("PROPOSES", "Model", f"Net{i}"), ("BUILDS_ON", "Model", b),
                               ("EVALUATES_ON", "Dataset", d), ("COMPARES_WITH", "Model", b)],
                              paper_id=f"arxiv:2101.{i:05d}"))
    return out


def test_server_dies_mid_load_then_rerun_completes(server_factory, tmp_path):
    srv = server_factory()
    srv.start()
    facts = corpus(1500)
    batch = 10
    result: dict[str, BaseException | None] = {"error": None}

    def load() -> None:
        try:
            with srv.store(batch_size=batch, retry_time=2.0, connection_timeout=3.0) as s:
                s.write(facts)
        except BaseException as exc:
            result["error"] = exc

    t = threading.Thread(target=load)
    t.start()
    with srv.store() as watch:
        deadline = time.monotonic() + 120
        while watch.stats()["papers"] < 20 * batch and time.monotonic() < deadline:
            time.sleep(0.05)
    srv.kill()
    t.join(120)
    err = result["error"]
    assert isinstance(err, Neo4jUnavailable), repr(err)
    assert "run the same command again" in str(err) and "throwaway-pw-1" not in str(err)

    srv.start()  # recovery from the transaction log
    with srv.store(batch_size=500) as s:
        n = s.stats()["papers"]
        assert 0 < n < len(facts) and n % batch == 0  # whole transactions only
        # what was committed is exactly the graph of the papers written so far
        assert graph(s) == embedded_dump(tmp_path, facts[:n])
        # a state file (the default) commits each batch before Neo4j does: it may be ahead by the
        # batches its note lists (one in flight, one being written), which the next write copies first
        master = s._state_store()
        ahead = master.sql("SELECT COUNT(*) FROM papers")[0][0] if master is not None else n
        assert n <= ahead <= n + 2 * batch
        w = s.write(facts)  # the same ingest again completes it
        assert w.papers_unchanged == ahead and w.papers_added == len(facts) - ahead
        assert graph(s) == embedded_dump(tmp_path, facts)
        again = s.write(facts)
        assert again.extra["nodes_created"] == 0 and again.extra["relationships_created"] == 0
        counts = s.cypher("MATCH (n) WHERE n:Paper OR n:Entity WITH count(n) AS n, count(DISTINCT n.id) AS ids "
                          "MATCH (a)-[r]->(b:Entity) RETURN n, ids, count(r) AS r, "
                          "count(DISTINCT [a.id, type(r), b.id]) AS k")
        assert counts[0]["n"] == counts[0]["ids"] and counts[0]["r"] == counts[0]["k"]


def test_admin_import_of_export_gives_the_same_graph(server_factory, tmp_path):
    from kg.cli import main
    from kg.pipeline import run_ingest

    db = tmp_path / "kg.db"
    with EmbeddedStore(db) as e:
        run_ingest([SAMPLE], e)
        want = graph(e)
        want_stats = e.stats()
    assert want_stats["papers"] > 100
    out = tmp_path / "admin"
    res = CliRunner().invoke(main, ["export", "--store", str(db), "--format", "neo4j-admin", "-o", str(out)])
    assert res.exit_code == 0, res.output
    from kg.store.neo4j_admin import import_command

    srv = server_factory("imported")
    imp = srv.cmd("admin", *import_command(out), check=False)
    assert imp.returncode == 0, imp.stdout[-3000:] + imp.stderr[-3000:]
    assert "IMPORT DONE" in imp.stdout + imp.stderr
    srv.start()
    with srv.store() as s:
        got_stats = s.stats()
        for k in ("papers", "entities", "relations", "entity_relations", "entity_types", "relation_types",
                  "entity_relation_types"):
            assert got_stats[k] == want_stats[k], k
        assert graph(s) == want
        # every entity has its counted state: an ingest updates it without reading all its relations
        assert s.cypher("MATCH (e:Entity) WHERE e._state IS NULL RETURN count(e) AS n")[0]["n"] == 0
        # the imported database can be extended: ingesting the same papers keeps the graph
        run_ingest([SAMPLE], s)
        assert graph(s) == want
