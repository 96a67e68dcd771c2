"""The Neo4j side of the ``GraphStore`` resolution methods (what ``kg.resolve`` keeps).

A mixin for ``Neo4jStore`` (``class Neo4jStore(Neo4jResolution, GraphStore)``): it uses the
store's ``_session``, ``_read``, ``_ensure_schema`` and ``_translate``. The state lives in
bookkeeping nodes outside the graph's ``Paper``/``Entity`` labels, so no reading method,
export or canned query sees it (``clear()`` deletes it with everything else):

* ``(:KgResolution {paper_id, title_id, raw})``: one per paper, ``raw`` its facts JSON as they
  came in (zlib-compressed bytes: a quarter of the size to write; a text ``raw`` written
  before that is read as it is), ``title_id`` the id its title alone gives (``kg.ids.title_paper_id``);
* ``(:KgResolutionKey {key})``: one per key;
* ``(:KgResolution)-[:KG_VOTES {kind, value, weight, surface}]->(:KgResolutionKey)``: the
  paper's votes (``kg.resolve.core.paper_votes``);
* ``(:KgResolution)-[:KG_DEPENDS_ON]->(:KgResolutionKey)``: the keys its resolution read;
* ``(:KgVoteSum {key, kind, value, papers, weight})``: the votes summed per (key, kind, value),
  kept in step with ``KG_VOTES`` in the same transactions, so ``resolution_votes`` reads one
  node per decision however many papers vote on a key; ``(:KgMeta {name: 'vote_sums'})``
  marks a database whose sums are kept (one made before them gets its sums built once);
* ``(:KgDirty {key, before})``: keys whose votes changed, with the decision each had before
  (the oldest), until the papers depending on them are marked pending;
* ``(:KgPending {paper_id})``: papers to resolve again, until their new facts are written.

Same semantics as ``kg.store.sqlite_resolution`` (the embedded store's side).
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

from kg.resolve.core import pack_facts, sum_changes, unpack_facts

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


def _chunks(items: list[Any], n: int = _CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


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


def _save_tx(tx, papers: list[dict[str, Any]], votes: dict[str, list[dict[str, Any]]],
             dirty: list[dict[str, str]], forget: list[str] | None = None) -> None:
    # a title-derived id whose title a real id already holds is not saved
    held = {r["tid"] for r in tx.run(
        "UNWIND $rows AS row MATCH (r:KgResolution {title_id: row.tid}) WHERE r.paper_id <> row.id "
        "RETURN DISTINCT row.tid AS tid", rows=[p for p in papers if p["id"] == p["tid"]])}
    held |= {p["tid"] for p in papers if p["id"] != p["tid"]}
    papers = [p for p in papers if not (p["id"] == p["tid"] and p["tid"] in held)]
    kept = {p["id"] for p in papers}
    superseded = sorted({p["tid"] for p in papers if p["id"] != p["tid"]} | set(forget or ()))
    # the votes being replaced (their papers locked first), for the sums
    old = tx.run(_OLD_VOTES, ids=sorted(kept | set(superseded))).single()["rows"]
    # a real id supersedes the state of its title-derived id
    tx.run("UNWIND $ids AS id MATCH (r:KgResolution {paper_id: id}) DETACH DELETE r", ids=superseded).consume()
    tx.run("UNWIND $rows AS row MERGE (r:KgResolution {paper_id: row.id}) SET r.raw = row.raw, r.title_id = row.tid",
           rows=papers).consume()
    tx.run("UNWIND $ids AS id MATCH (:KgResolution {paper_id: id})-[v:KG_VOTES]->() DELETE v",
           ids=[p["id"] for p in papers]).consume()
    by_paper = [{"id": pid, "votes": votes[pid]} for pid in sorted(kept) if votes.get(pid)]
    for chunk in _chunks(by_paper, 500):
        tx.run("UNWIND $rows AS row MATCH (r:KgResolution {paper_id: row.id}) UNWIND row.votes AS v "
               "MERGE (k:KgResolutionKey {key: v.key}) "
               "CREATE (r)-[:KG_VOTES {kind: v.kind, value: v.value, weight: v.weight, surface: v.surface}]->(k)",
               rows=chunk).consume()
    changes = [{"key": k, "kind": kind, "value": value, "dp": dp, "dw": dw} for k, kind, value, dp, dw in sum_changes(
        old, ((v["key"], v["kind"], v["value"], v["weight"]) for pid in sorted(kept) for v in votes.get(pid, ())))]
    for chunk in _chunks(changes, 5000):
        tx.run(_APPLY_SUMS, rows=chunk).consume()
    for chunk in _chunks(dirty, 5000):
        tx.run("UNWIND $rows AS row MERGE (d:KgDirty {key: row.key}) ON CREATE SET d.before = row.before",
               rows=chunk).consume()
    if forget:
        tx.run("UNWIND $ids AS id MATCH (p:KgPending {paper_id: id}) DELETE p", ids=forget).consume()


def _deps_tx(tx, ids: list[str], deps: list[dict[str, Any]]) -> None:
    # the papers locked, their old dependencies dropped; the new ones (distinct keys) created
    tx.run("UNWIND $ids AS id MERGE (r:KgResolution {paper_id: id}) SET r._lock = true REMOVE r._lock WITH r "
           "OPTIONAL MATCH (r)-[d:KG_DEPENDS_ON]->() DELETE d", ids=ids).consume()
    for chunk in _chunks(deps, 500):
        tx.run("UNWIND $rows AS row MATCH (r:KgResolution {paper_id: row.id}) UNWIND row.keys AS key "
               "MERGE (k:KgResolutionKey {key: key}) CREATE (r)-[:KG_DEPENDS_ON]->(k)", rows=chunk).consume()


def _build_sums_tx(tx) -> None:
    """Mark the database as keeping vote sums; if the mark is new, build them from the votes."""
    created = tx.run("MERGE (m:KgMeta {name: $name})", name=SUMS_MARKER).consume().counters.nodes_created
    if not created:
        return  # another client built them first
    tx.run("MATCH (s:KgVoteSum) DELETE s").consume()
    tx.run("MATCH (:KgResolution)-[v:KG_VOTES]->(k:KgResolutionKey) "
           "WITH k.key AS key, v.kind AS kind, v.value AS value, count(*) AS n, sum(v.weight) AS w "
           "CREATE (:KgVoteSum {key: key, kind: kind, value: value, papers: n, weight: w})").consume()


def _settle_tx(tx, keys: list[str], pending: list[str]) -> None:
    for chunk in _chunks(pending, 5000):
        tx.run("UNWIND $ids AS id MERGE (:KgPending {paper_id: id})", ids=chunk).consume()
    for chunk in _chunks(keys, 5000):
        tx.run("UNWIND $keys AS key MATCH (d:KgDirty {key: key}) DELETE d", keys=chunk).consume()


def _done_tx(tx, ids: list[str]) -> None:
    for chunk in _chunks(ids, 5000):
        tx.run("UNWIND $ids AS id MATCH (p:KgPending {paper_id: id}) DELETE p", ids=chunk).consume()


class Neo4jResolution:
    """Resolution state in Neo4j (mixed into ``Neo4jStore``)."""

    _resolution_ready = False

    def _resolution_schema(self) -> None:
        if self._resolution_ready:
            return
        from neo4j.exceptions import ClientError

        self._ensure_schema()
        try:
            from kg.store.neo4j import missing_rules

            with self._session() as s:
                for stmt in missing_rules(s, RESOLUTION_SCHEMA):
                    try:
                        s.run(stmt).consume()
                    except ClientError as exc:
                        if "EquivalentSchemaRule" not in (exc.code or "") and "AlreadyExists" not in (exc.code or ""):
                            raise
                s.run("CALL db.awaitIndexes(300)").consume()
                marked = s.execute_read(lambda tx: tx.run(
                    "MATCH (m:KgMeta {name: $name}) RETURN count(m) AS n", name=SUMS_MARKER).single()["n"])
                if not marked:
                    s.execute_write(_build_sums_tx)
        except Exception as exc:
            raise self._translate(exc) from None
        self._resolution_ready = True

    def _resolution_read(self, query: str, **params: Any) -> list[Any]:
        self._resolution_schema()
        return self._read(query, **params)

    def _resolution_list(self, query: str, **params: Any) -> list[Any]:
        """The list a ``RETURN collect(...) AS rows`` query returns (the driver handles one
        record holding a list several times faster than one record per row)."""
        return self._resolution_read(query, **params)[0]["rows"]

    def _resolution_write(self, fn, *args: Any) -> None:
        self._resolution_schema()
        try:
            with self._session() as s:
                s.execute_write(fn, *args)
        except Exception as exc:
            raise self._translate(exc, "write") from None

    # -- reads -------------------------------------------------------------------------
    def resolution_votes(self, keys: Iterable[str]) -> list[tuple[str, str, str, int, int]]:
        out: list[tuple[str, str, str, int, int]] = []
        for chunk in _chunks(sorted(set(keys)), 5000):
            out += [tuple(r) for r in self._resolution_list(
                "UNWIND $keys AS key MATCH (s:KgVoteSum {key: key}) "
                "RETURN collect([key, s.kind, s.value, s.papers, s.weight]) AS rows", keys=chunk)]
        return sorted(out)

    def resolution_keys(self, paper_ids: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for chunk in _chunks(sorted(set(paper_ids)), 5000):
            out.update(self._resolution_list(
                "UNWIND $ids AS id MATCH (:KgResolution {paper_id: id})-[:KG_VOTES]->(k:KgResolutionKey) "
                "RETURN collect(DISTINCT k.key) AS rows", ids=chunk))
        return out

    def resolution_dependents(self, keys: Iterable[str]) -> list[str]:
        out: set[str] = set()
        for chunk in _chunks(sorted(set(keys))):
            out.update(self._resolution_list(
                "UNWIND $keys AS key MATCH (:KgResolutionKey {key: key})<-[:KG_VOTES|KG_DEPENDS_ON]-(r:KgResolution) "
                "RETURN collect(DISTINCT r.paper_id) AS rows", keys=chunk))
        return sorted(out)

    def resolution_raw(self, paper_ids: Iterable[str]) -> Iterator[tuple[str, str]]:
        for chunk in _chunks(sorted(set(paper_ids)), 500):
            for r in self._resolution_read(
                    "UNWIND $ids AS id MATCH (r:KgResolution {paper_id: id}) WHERE r.raw IS NOT NULL "
                    "RETURN r.paper_id AS id, r.raw AS raw ORDER BY id", ids=chunk):
                yield r["id"], unpack_raw(r["raw"])

    def resolution_rows(self) -> Iterator[tuple[str, str, str, str, int, str]]:
        self._resolution_schema()
        for r in self._stream(
                "MATCH (r:KgResolution)-[v:KG_VOTES]->(k:KgResolutionKey) "
                "RETURN k.key AS key, v.kind AS kind, v.value AS value, r.paper_id AS pid, v.weight AS weight, "
                "v.surface AS surface ORDER BY key, kind, value, pid"):
            yield r["key"], r["kind"], r["value"], r["pid"], r["weight"], r["surface"]

    def resolution_dirty(self) -> dict[str, str]:
        return dict(sorted(tuple(r) for r in self._resolution_list(
            "MATCH (d:KgDirty) RETURN collect([d.key, d.before]) AS rows")))

    def resolution_pending(self) -> list[str]:
        return sorted(self._resolution_list("MATCH (p:KgPending) RETURN collect(p.paper_id) AS rows"))

    # -- writes ------------------------------------------------------------------------
    def resolution_save(self, papers: Iterable[tuple[str, str, list[tuple[str, str, str, int, str]], str]],
                        dirty: Mapping[str, str] | None = None) -> None:
        latest = {pid: (raw, votes, tid) for pid, raw, votes, tid in papers}
        # raw facts None: forget the paper's state (it was merged into another paper)
        forget = sorted(pid for pid, (raw, _, _) in latest.items() if raw is None)
        rows = [{"id": pid, "raw": pack_facts(raw), "tid": tid} for pid, (raw, _, tid) in sorted(latest.items())
                if raw is not None]
        votes = {pid: [{"key": k, "kind": kind, "value": value, "weight": int(w), "surface": surface}
                       for k, kind, value, w, surface in vs] for pid, (raw, vs, _) in latest.items() if raw is not None}
        marks = [{"key": k, "before": b} for k, b in sorted((dirty or {}).items())]
        if rows or marks or forget:
            self._resolution_write(_save_tx, rows, votes, marks, forget)

    def resolution_save_deps(self, deps: Mapping[str, Iterable[str]]) -> None:
        ids = sorted(deps)
        rows = [{"id": pid, "keys": sorted(set(deps[pid]))} for pid in ids if deps[pid]]
        if ids:
            self._resolution_write(_deps_tx, ids, rows)

    def resolution_settle(self, keys: Iterable[str], pending: Iterable[str]) -> None:
        keys, pending = sorted(set(keys)), sorted(set(pending))
        if keys or pending:
            self._resolution_write(_settle_tx, keys, pending)

    def resolution_done(self, paper_ids: Iterable[str]) -> None:
        ids = sorted(set(paper_ids))
        if ids:
            self._resolution_write(_done_tx, ids)

    def resolution_version(self) -> int:
        from kg.resolve.core import VOTES_VERSION

        got = self._resolution_list("OPTIONAL MATCH (m:KgMeta {name: 'votes_version'}) "
                                    "OPTIONAL MATCH (r:KgResolution) WITH m, r LIMIT 1 "
                                    "RETURN [m.value, r IS NOT NULL] AS rows")
        if got[0] is not None:
            return int(got[0])
        return 1 if got[1] else VOTES_VERSION

    def resolution_set_version(self, version: int) -> None:
        self._resolution_write(lambda tx: tx.run("MERGE (m:KgMeta {name: 'votes_version'}) SET m.value = $v",
                                                 v=int(version)).consume())
