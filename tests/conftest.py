"""Shared fixtures: real paper files, a fresh embedded store, a real Neo4j server.

Service fixtures skip only outside CI; when CI=true a missing service fails the test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "data" / "sample" / "hf-papers-pretraining.txt"
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True, scope="session")
def state_dir(tmp_path_factory):
    """Neo4j state files (kg.store.neo4j_state) of the tests go to a temporary folder."""
    old = os.environ.get("KG_STATE_DIR")
    path = tmp_path_factory.mktemp("neo4j-state")
    os.environ["KG_STATE_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("KG_STATE_DIR", None)
    else:
        os.environ["KG_STATE_DIR"] = old


def need_service(reason: str) -> None:
    """Skip locally, fail in CI: a test that needs a service must run there."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_facts(tmp_path_factory) -> Path:
    """The sample corpus extracted once per session (a facts file)."""
    from kg.pipeline import run_extract

    facts = tmp_path_factory.mktemp("sample-facts") / "sample.facts.jsonl"
    run_extract([SAMPLE], facts)
    return facts


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "kg.db"


@pytest.fixture
def store(store_path: Path):
    """A new embedded store, open for the test and closed after it."""
    from kg.store.embedded import EmbeddedStore

    with EmbeddedStore(store_path) as s:
        yield s


# -- Neo4j (a real server: scripts/neo4j-local, or NEO4J_URI/NEO4J_USERNAME/NEO4J_PASSWORD) --
NEO4J_LOCAL = ROOT / "scripts" / "neo4j-local"


def neo4j_local_settings() -> dict | None:
    """Settings of a server ``scripts/neo4j-local`` started and that is answering, else None."""
    import subprocess
    import sys

    try:
        st = subprocess.run([sys.executable, str(NEO4J_LOCAL), "status"], capture_output=True, text=True,
                            timeout=30)
        if st.returncode != 0 or not st.stdout.startswith("running"):
            return None
        uri = st.stdout.split()[1]
        home = subprocess.run([sys.executable, str(NEO4J_LOCAL), "path"], capture_output=True, text=True,
                              timeout=30).stdout.strip()
        password = (Path(home) / "password").read_text().strip()
    except (OSError, subprocess.SubprocessError, IndexError):
        return None
    return {"uri": uri, "user": "neo4j", "password": password}


@pytest.fixture(scope="session")
def neo4j_server() -> dict:
    """Connection settings of a real Neo4j: ``{"uri", "user", "password"}``.

    NEO4J_URI / NEO4J_USERNAME / NEO4J_PASSWORD when set; else the server of
    ``scripts/neo4j-local`` when it runs; else skip (fail when CI=true).
    """
    if os.environ.get("NEO4J_URI"):
        settings = {"uri": os.environ["NEO4J_URI"], "user": os.environ.get("NEO4J_USERNAME", "neo4j"),
                    "password": os.environ.get("NEO4J_PASSWORD")}
    else:
        settings = neo4j_local_settings()
        if settings is None:
            need_service("no Neo4j server: set NEO4J_URI (and NEO4J_PASSWORD) or run scripts/neo4j-local start")
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, ServiceUnavailable

    try:
        with GraphDatabase.driver(settings["uri"], auth=(settings["user"], settings["password"])) as drv:
            drv.verify_connectivity()
    except (ServiceUnavailable, AuthError, OSError) as exc:
        need_service(f"Neo4j at {settings['uri']} is not usable ({type(exc).__name__})")
    return settings


def _fresh_neo4j_store(settings: dict, state: str):
    from kg.store.neo4j import Neo4jStore

    store = Neo4jStore(settings["uri"], user=settings["user"], password=settings["password"], state=state)
    store.clear()
    return store


#: where a Neo4j store keeps its bookkeeping (kg.store.neo4j_state): what a new database gets
#: (a state file) and the layout for several writers (in Neo4j)
STATE_MODES = ["auto", "neo4j"]


@pytest.fixture(params=STATE_MODES, ids=["state-file", "state-in-neo4j"])
def neo4j_store(neo4j_server: dict, request):
    """A ``Neo4jStore`` on an emptied database (community has one user database, so we clean it),
    once with a state file, once with the state in Neo4j."""
    store = _fresh_neo4j_store(neo4j_server, request.param)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def neo4j_store_state_in_db(neo4j_server: dict):
    """A ``Neo4jStore`` on an emptied database that keeps its state in Neo4j."""
    store = _fresh_neo4j_store(neo4j_server, "neo4j")
    try:
        yield store
    finally:
        store.close()
