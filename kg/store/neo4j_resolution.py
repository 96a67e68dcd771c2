"""Resolution state in Neo4j: the Neo4j store's ``ResolutionState`` (``kg.store.base``) when
it keeps its bookkeeping in the database (``state="neo4j"``; else its state file keeps it, as
the embedded store does: ``kg.store.sqlite_resolution``).

``Neo4jResolution`` works over a driver, apart from the store that writes the graph (as
neo4j-graphrag keeps ``KGWriter`` and ``EntityResolver`` apart). The state lives in
bookkeeping nodes outside the graph's ``Paper``/``Entity`` labels, so no reading method,
export or canned query sees it (``Neo4jStore.clear()`` deletes it with everything else):

* ``(:KgResolution {paper_id, title_id, raw})``: one per paper, ``raw`` its facts JSON as they
  came in (zlib-compressed bytes: a quarter of the size to write; a text ``raw`` written
  before that is read as it is), ``title_id`` the id its title alone gives (``kg.ids.title_paper_id``);
* ``(:KgResolutionKey {key})``: one per key;
* ``(:KgResolution)-[:KG_VOTES {kind, value, weight, surface}]->(:KgResolutionKey)``: the
  paper's votes (``kg.resolve.core.paper_votes``);
* ``(:KgResolution)-[:KG_DEPENDS_ON]->(:KgResolutionKey)``: the keys its resolution read;
* ``(:KgVoteSum {key, kind, value, papers, weight})``: the votes summed per (key, kind, value),
  kept in step with ``KG_VOTES`` in the same transactions, so ``votes`` reads one node per
  decision however many papers vote on a key; ``(:KgMeta {name: 'vote_sums'})`` marks a
  database whose sums are kept (one made before them gets its sums built once);
* ``(:KgDirty {key, before})``: keys whose votes changed, with the decision each had before
  (the oldest), until the papers depending on them are marked pending;
* ``(:KgPending {paper_id})``: papers to resolve again, until their new facts are written;
* ``(:KgMeta {name: 'votes_version', value})``: what the votes are made of.

Same semantics as ``kg.store.sqlite_resolution``; which records a save keeps is
``kg.store.rows.plan_resolution_save``'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

from kg.batch import chunked
from kg.resolve.core import VOTES_VERSION, ResolutionRecord, StoredVote, VoteSum, pack_facts, sum_changes, unpack_facts
from kg.store.rows import SavePlan, plan_resolution_save

if TYPE_CHECKING:
    from neo4j import Driver, ManagedTransaction, Record, Session

RESOLUTION_SCHEMA = (
    "CREATE CONSTRAINT kg_resolution_paper IF NOT EXISTS FOR (r:KgResolution) REQUIRE r.paper_id IS UNIQUE",
    "CREATE CONSTRAINT kg_resolution_key IF NOT EXISTS FOR (k:KgResolutionKey) REQUIRE k.key IS UNIQUE",
    "CREATE INDEX kg_resolution_title IF NOT EXISTS FOR (r:KgResolution) ON (r.title_id)",
    "CREATE CONSTRAINT kg_vote_sum IF NOT EXISTS FOR (s:KgVoteSum) REQUIRE (s.key, s.kind, s.value) IS UNIQUE",
    "CREATE INDEX kg_vote_sum_key IF NOT EXISTS FOR (s:KgVoteSum) ON (s.key)",
    "CREATE CONSTRAINT kg_dirty_key IF NOT EXISTS FOR (d:KgDirty) REQUIRE d.key IS UNIQUE",
    "CREATE CONSTRAINT kg_pending_paper IF NOT EXISTS FOR (p:KgPending) REQUIRE p.paper_id IS UNIQUE",
    "CREATE CONSTRAINT kg_meta_name IF NOT EXISTS FOR (m:KgMeta) REQUIRE m.name IS UNIQUE",
)

#: the marker of a database whose vote sums are kept
SUMS_MARKER = "vote_sums"

_CHUNK = 1000



def unpack_raw(stored: Any) -> str:
    """The facts JSON back from ``kg.resolve.core.pack_facts`` (or from a text property of an older store)."""
    if isinstance(stored, str):
        return stored
    return unpack_facts(bytes(stored))


_OLD_VOTES = ("UNWIND $ids AS id MATCH (r:KgResolution {paper_id: id}) SET r._lock = true REMOVE r._lock "
              "WITH r MATCH (r)-[v:KG_VOTES]->(k:KgResolutionKey) "
              "WITH k.key AS key, v.kind AS kind, v.value AS value, count(*) AS n, sum(v.weight) AS w "
              "RETURN collect([key, kind, value, n, w]) AS rows")
_APPLY_SUMS = ("UNWIND $rows AS row MERGE (s:KgVoteSum {key: row.key, kind: row.kind, value: row.value}) "
               "ON CREATE SET s.papers = 0, s.weight = 0 "
               "SET s.papers = s.papers + row.dp, s.weight = s.weight + row.dw "
               "WITH s WHERE s.papers <= 0 DELETE s")


def _held_tx(tx: "ManagedTransaction", title_ids: list[str]) -> set[str]:
    """Which of these title ids a stored paper with another id (a real one) holds."""
    return {r["tid"] for r in tx.run(
        "UNWIND $tids AS tid MATCH (r:KgResolution {title_id: tid}) WHERE r.paper_id <> tid "
        "RETURN DISTINCT tid", tids=title_ids)}


def _save_tx(tx: "ManagedTransaction", papers: list[ResolutionRecord], dirty: list[dict[str, str]]) -> None:
    plan: SavePlan = plan_resolution_save(papers, lambda title_ids: _held_tx(tx, title_ids))
    keep = sorted(plan.keep)
    # the votes being replaced (their papers locked first), for the sums
    old = [VoteSum._make(r) for r in tx.run(_OLD_VOTES, ids=plan.replaced).single(strict=True)["rows"]]
    # a real id supersedes the state of its title-derived id; a merged paper's state goes
    tx.run("UNWIND $ids AS id MATCH (r:KgResolution {paper_id: id}) DETACH DELETE r", ids=plan.gone).consume()
    tx.run("UNWIND $rows AS row MERGE (r:KgResolution {paper_id: row.id}) SET r.raw = row.raw, r.title_id = row.tid",
           rows=[{"id": r.paper_id, "raw": pack_facts(r.raw), "tid": r.title_id} for r in keep
                 if r.raw is not None]).consume()
    tx.run("UNWIND $ids AS id MATCH (:KgResolution {paper_id: id})-[v:KG_VOTES]->() DELETE v",
           ids=[r.paper_id for r in keep]).consume()
    by_paper = [{"id": r.paper_id, "votes": [v._asdict() for v in r.votes]} for r in keep if r.votes]
    for chunk in chunked(by_paper, 500):
        tx.run("UNWIND $rows AS row MATCH (r:KgResolution {paper_id: row.id}) UNWIND row.votes AS v "
               "MERGE (k:KgResolutionKey {key: v.key}) "
               "CREATE (r)-[:KG_VOTES {kind: v.kind, value: v.value, weight: v.weight, surface: v.surface}]->(k)",
               rows=chunk).consume()
    changes = [{"key": c.key, "kind": c.kind, "value": c.value, "dp": c.papers, "dw": c.weight}
               for c in sum_changes(old, (v for r in keep for v in r.votes))]
    for sums in chunked(changes, 5000):
        tx.run(_APPLY_SUMS, rows=sums).consume()
    for marks in chunked(dirty, 5000):
        tx.run("UNWIND $rows AS row MERGE (d:KgDirty {key: row.key}) ON CREATE SET d.before = row.before",
               rows=marks).consume()
    if plan.forget:
        tx.run("UNWIND $ids AS id MATCH (p:KgPending {paper_id: id}) DELETE p", ids=plan.forget).consume()


def _deps_tx(tx: "ManagedTransaction", ids: list[str], deps: list[dict[str, Any]]) -> None:
    # the papers locked, their old dependencies dropped; the new ones (distinct keys) created
    tx.run("UNWIND $ids AS id MERGE (r:KgResolution {paper_id: id}) SET r._lock = true REMOVE r._lock WITH r "
           "OPTIONAL MATCH (r)-[d:KG_DEPENDS_ON]->() DELETE d", ids=ids).consume()
    for chunk in chunked(deps, 500):
        tx.run("UNWIND $rows AS row MATCH (r:KgResolution {paper_id: row.id}) UNWIND row.keys AS key "
               "MERGE (k:KgResolutionKey {key: key}) CREATE (r)-[:KG_DEPENDS_ON]->(k)", rows=chunk).consume()


def _build_sums_tx(tx: "ManagedTransaction") -> None:
    """Mark the database as keeping vote sums; if the mark is new, build them from the votes."""
    created = tx.run("MERGE (m:KgMeta {name: $name})", name=SUMS_MARKER).consume().counters.nodes_created
    if not created:
        return  # another client built them first
    tx.run("MATCH (s:KgVoteSum) DELETE s").consume()
    tx.run("MATCH (:KgResolution)-[v:KG_VOTES]->(k:KgResolutionKey) "
           "WITH k.key AS key, v.kind AS kind, v.value AS value, count(*) AS n, sum(v.weight) AS w "
           "CREATE (:KgVoteSum {key: key, kind: kind, value: value, papers: n, weight: w})").consume()


def _settle_tx(tx: "ManagedTransaction", keys: list[str], pending: list[str]) -> None:
    for chunk in chunked(pending, 5000):
        tx.run("UNWIND $ids AS id MERGE (:KgPending {paper_id: id})", ids=chunk).consume()
    for chunk in chunked(keys, 5000):
        tx.run("UNWIND $keys AS key MATCH (d:KgDirty {key: key}) DELETE d", keys=chunk).consume()


def _done_tx(tx: "ManagedTransaction", ids: list[str]) -> None:
    for chunk in chunked(ids, 5000):
        tx.run("UNWIND $ids AS id MATCH (p:KgPending {paper_id: id}) DELETE p", ids=chunk).consume()


def _as_is(exc: Exception, during: str) -> Exception:
    return exc


class Neo4jResolution:
    """The ``ResolutionState`` in the Neo4j database ``database`` (None: the server's default)
    that ``driver`` reaches. ``translate(exc, during)``: the exception to raise for a driver
    error (``during`` is ``"write"`` in a write); the store passes its own, which makes one
    line of it."""

    def __init__(self, driver: "Driver", database: str | None = None,
                 translate: Callable[[Exception, str], Exception] = _as_is):
        self.driver = driver
        self.database = database
        self._translate = translate
        self._ready = False

    def _session(self, **kw: Any) -> "Session":
        return self.driver.session(database=self.database, **kw)

    def ensure_schema(self) -> None:
        """Create the constraints and indexes of the state (and build the vote sums of a
        database made before them), once."""
        if self._ready:
            return
        from neo4j.exceptions import ClientError

        from kg.store.neo4j import missing_rules

        try:
            with self._session() as s:
                for stmt in missing_rules(s, RESOLUTION_SCHEMA):
                    try:
                        s.run(stmt).consume()
                    except ClientError as exc:
                        if "EquivalentSchemaRule" not in (exc.code or "") and "AlreadyExists" not in (exc.code or ""):
                            raise
                s.run("CALL db.awaitIndexes(300)").consume()
                marked = s.execute_read(lambda tx: tx.run(
                    "MATCH (m:KgMeta {name: $name}) RETURN count(m) AS n", name=SUMS_MARKER).single(strict=True)["n"])
                if not marked:
                    s.execute_write(_build_sums_tx)
        except Exception as exc:
            raise self._translate(exc, "") from None
        self._ready = True

    def reset(self) -> None:
        """The database was emptied: make the schema marks again on next use."""
        self._ready = False

    def _read(self, query: str, **params: Any) -> list["Record"]:
        self.ensure_schema()
        try:
            with self._session() as s:
                return s.execute_read(lambda tx: list(tx.run(query, **params)))
        except Exception as exc:
            raise self._translate(exc, "") from None

    def _list(self, query: str, **params: Any) -> list[Any]:
        """The list a ``RETURN collect(...) AS rows`` query returns (the driver handles one
        record holding a list several times faster than one record per row)."""
        rows: list[Any] = self._read(query, **params)[0]["rows"]
        return rows

    def _write(self, fn: Callable[..., None], *args: Any) -> None:
        self.ensure_schema()
        try:
            with self._session() as s:
                s.execute_write(fn, *args)
        except Exception as exc:
            raise self._translate(exc, "write") from None

    # -- reads -------------------------------------------------------------------------
    def votes(self, keys: Iterable[str]) -> list[VoteSum]:
        out: list[VoteSum] = []
        for chunk in chunked(sorted(set(keys)), 5000):
            out += [VoteSum._make(r) for r in self._list(
                "UNWIND $keys AS key MATCH (s:KgVoteSum {key: key}) "
                "RETURN collect([key, s.kind, s.value, s.papers, s.weight]) AS rows", keys=chunk)]
        return sorted(out)

    def keys_of(self, paper_ids: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for chunk in chunked(sorted(set(paper_ids)), 5000):
            out.update(self._list(
                "UNWIND $ids AS id MATCH (:KgResolution {paper_id: id})-[:KG_VOTES]->(k:KgResolutionKey) "
                "RETURN collect(DISTINCT k.key) AS rows", ids=chunk))
        return out

    def dependents(self, keys: Iterable[str]) -> list[str]:
        out: set[str] = set()
        for chunk in chunked(sorted(set(keys)), _CHUNK):
            out.update(self._list(
                "UNWIND $keys AS key MATCH (:KgResolutionKey {key: key})<-[:KG_VOTES|KG_DEPENDS_ON]-(r:KgResolution) "
                "RETURN collect(DISTINCT r.paper_id) AS rows", keys=chunk))
        return sorted(out)

    def raw(self, paper_ids: Iterable[str]) -> Iterator[tuple[str, str]]:
        for chunk in chunked(sorted(set(paper_ids)), 500):
            for r in self._read(
                    "UNWIND $ids AS id MATCH (r:KgResolution {paper_id: id}) WHERE r.raw IS NOT NULL "
                    "RETURN r.paper_id AS id, r.raw AS raw ORDER BY id", ids=chunk):
                yield r["id"], unpack_raw(r["raw"])

    def rows(self) -> Iterator[StoredVote]:
        self.ensure_schema()
        try:
            with self._session(fetch_size=2000) as s:
                with s.begin_transaction() as tx:
                    for r in tx.run(
                            "MATCH (r:KgResolution)-[v:KG_VOTES]->(k:KgResolutionKey) "
                            "RETURN k.key AS key, v.kind AS kind, v.value AS value, r.paper_id AS pid, "
                            "v.weight AS weight, v.surface AS surface ORDER BY key, kind, value, pid"):
                        yield StoredVote(r["key"], r["kind"], r["value"], r["pid"], r["weight"], r["surface"])
        except GeneratorExit:
            raise
        except Exception as exc:
            raise self._translate(exc, "") from None

    def dirty(self) -> dict[str, str]:
        return dict(sorted(tuple(r) for r in self._list(
            "MATCH (d:KgDirty) RETURN collect([d.key, d.before]) AS rows")))

    def pending(self) -> list[str]:
        return sorted(self._list("MATCH (p:KgPending) RETURN collect(p.paper_id) AS rows"))

    # -- writes ------------------------------------------------------------------------
    def save(self, papers: Iterable[ResolutionRecord], dirty: Mapping[str, str] | None = None) -> None:
        records = list(papers)
        marks = [{"key": k, "before": b} for k, b in sorted((dirty or {}).items())]
        if records or marks:
            self._write(_save_tx, records, marks)

    def save_deps(self, deps: Mapping[str, Iterable[str]]) -> None:
        ids = sorted(deps)
        rows = [{"id": pid, "keys": sorted(set(deps[pid]))} for pid in ids if deps[pid]]
        if ids:
            self._write(_deps_tx, ids, rows)

    def settle(self, keys: Iterable[str], pending: Iterable[str]) -> None:
        keys, pending = sorted(set(keys)), sorted(set(pending))
        if keys or pending:
            self._write(_settle_tx, keys, pending)

    def done(self, paper_ids: Iterable[str]) -> None:
        ids = sorted(set(paper_ids))
        if ids:
            self._write(_done_tx, ids)

    def version(self) -> int:
        got = self._list("OPTIONAL MATCH (m:KgMeta {name: 'votes_version'}) "
                         "OPTIONAL MATCH (r:KgResolution) WITH m, r LIMIT 1 "
                         "RETURN [m.value, r IS NOT NULL] AS rows")
        if got[0] is not None:
            return int(got[0])
        return 1 if got[1] else VOTES_VERSION

    def set_version(self, version: int) -> None:
        self._write(_version_tx, int(version))


def _version_tx(tx: "ManagedTransaction", version: int) -> None:
    tx.run("MERGE (m:KgMeta {name: 'votes_version'}) SET m.value = $v", v=version).consume()
