"""The Neo4j side of the ``GraphStore`` resolution methods (what ``kg.resolve`` keeps).

A mixin for ``Neo4jStore`` (``class Neo4jStore(Neo4jResolution, GraphStore)``): it uses the
store's ``_session``, ``_read``, ``_ensure_schema`` and ``_translate``. The state lives in
bookkeeping nodes outside the graph's ``Paper``/``Entity`` labels, so no reading method,
export or canned query sees it (``clear()`` deletes it with everything else):

* ``(:KgResolution {paper_id, title_id, raw})``: one per paper, ``raw`` its facts JSON as they
  came in, ``title_id`` the id its title alone gives (``kg.ids.title_paper_id``);
* ``(:KgResolutionKey {key})``: one per key;
* ``(:KgResolution)-[:KG_VOTES {kind, value, weight, surface}]->(:KgResolutionKey)``: the
  paper's votes (``kg.resolve.core.paper_votes``);
* ``(:KgResolution)-[:KG_DEPENDS_ON]->(:KgResolutionKey)``: the keys its resolution read.

Same semantics as ``kg.store.sqlite_resolution`` (the embedded store's side).
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

RESOLUTION_SCHEMA = (
    "CREATE CONSTRAINT kg_resolution_paper IF NOT EXISTS FOR (r:KgResolution) REQUIRE r.paper_id IS UNIQUE",
    "CREATE CONSTRAINT kg_resolution_key IF NOT EXISTS FOR (k:KgResolutionKey) REQUIRE k.key IS UNIQUE",
    "CREATE INDEX kg_resolution_title IF NOT EXISTS FOR (r:KgResolution) ON (r.title_id)",
)

_CHUNK = 1000


def _chunks(items: list[Any], n: int = _CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _save_tx(tx, papers: list[dict[str, Any]], votes: list[dict[str, Any]]) -> None:
    # a title-derived id whose title a real id already holds is not saved
    held = {r["tid"] for r in tx.run(
        "UNWIND $rows AS row MATCH (r:KgResolution {title_id: row.tid}) WHERE r.paper_id <> row.id "
        "RETURN DISTINCT row.tid AS tid", rows=[p for p in papers if p["id"] == p["tid"]])}
    held |= {p["tid"] for p in papers if p["id"] != p["tid"]}
    papers = [p for p in papers if not (p["id"] == p["tid"] and p["tid"] in held)]
    votes = [v for v in votes if v["pid"] in {p["id"] for p in papers}]
    # a real id supersedes the state of its title-derived id
    tx.run("UNWIND $ids AS id MATCH (r:KgResolution {paper_id: id}) DETACH DELETE r",
           ids=sorted({p["tid"] for p in papers if p["id"] != p["tid"]})).consume()
    tx.run("UNWIND $rows AS row MERGE (r:KgResolution {paper_id: row.id}) SET r.raw = row.raw, r.title_id = row.tid",
           rows=papers).consume()
    tx.run("UNWIND $ids AS id MATCH (:KgResolution {paper_id: id})-[v:KG_VOTES]->() DELETE v",
           ids=[p["id"] for p in papers]).consume()
    for chunk in _chunks(votes):
        tx.run("UNWIND $rows AS row MATCH (r:KgResolution {paper_id: row.pid}) "
               "MERGE (k:KgResolutionKey {key: row.key}) "
               "CREATE (r)-[:KG_VOTES {kind: row.kind, value: row.value, weight: row.weight, surface: row.surface}]->(k)",
               rows=chunk).consume()


def _deps_tx(tx, ids: list[str], deps: list[dict[str, Any]]) -> None:
    tx.run("UNWIND $ids AS id MERGE (r:KgResolution {paper_id: id}) WITH r "
           "OPTIONAL MATCH (r)-[d:KG_DEPENDS_ON]->() DELETE d", ids=ids).consume()
    for chunk in _chunks(deps):
        tx.run("UNWIND $rows AS row MATCH (r:KgResolution {paper_id: row.pid}) "
               "MERGE (k:KgResolutionKey {key: row.key}) MERGE (r)-[:KG_DEPENDS_ON]->(k)", rows=chunk).consume()


class Neo4jResolution:
    """Resolution state in Neo4j (mixed into ``Neo4jStore``)."""

    _resolution_ready = False

    def _resolution_schema(self) -> None:
        if self._resolution_ready:
            return
        from neo4j.exceptions import ClientError

        self._ensure_schema()
        try:
            with self._session() as s:
                for stmt in RESOLUTION_SCHEMA:
                    try:
                        s.run(stmt).consume()
                    except ClientError as exc:
                        if "EquivalentSchemaRule" not in (exc.code or "") and "AlreadyExists" not in (exc.code or ""):
                            raise
                s.run("CALL db.awaitIndexes(300)").consume()
        except Exception as exc:
            raise self._translate(exc) from None
        self._resolution_ready = True

    def _resolution_read(self, query: str, **params: Any) -> list[Any]:
        self._resolution_schema()
        return self._read(query, **params)

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
        for chunk in _chunks(sorted(set(keys))):
            out += [(r["key"], r["kind"], r["value"], r["papers"], r["weight"]) for r in self._resolution_read(
                "UNWIND $keys AS key MATCH (k:KgResolutionKey {key: key})<-[v:KG_VOTES]-(:KgResolution) "
                "RETURN key, v.kind AS kind, v.value AS value, count(*) AS papers, sum(v.weight) AS weight",
                keys=chunk)]
        return sorted(out)

    def resolution_keys(self, paper_ids: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for chunk in _chunks(sorted(set(paper_ids))):
            out.update(r["key"] for r in self._resolution_read(
                "UNWIND $ids AS id MATCH (:KgResolution {paper_id: id})-[:KG_VOTES]->(k:KgResolutionKey) "
                "RETURN DISTINCT k.key AS key", ids=chunk))
        return out

    def resolution_dependents(self, keys: Iterable[str]) -> list[str]:
        out: set[str] = set()
        for chunk in _chunks(sorted(set(keys))):
            out.update(r["id"] for r in self._resolution_read(
                "UNWIND $keys AS key MATCH (:KgResolutionKey {key: key})<-[:KG_VOTES|KG_DEPENDS_ON]-(r:KgResolution) "
                "RETURN DISTINCT r.paper_id AS id", keys=chunk))
        return sorted(out)

    def resolution_raw(self, paper_ids: Iterable[str]) -> Iterator[tuple[str, str]]:
        for chunk in _chunks(sorted(set(paper_ids)), 500):
            for r in self._resolution_read(
                    "UNWIND $ids AS id MATCH (r:KgResolution {paper_id: id}) WHERE r.raw IS NOT NULL "
                    "RETURN r.paper_id AS id, r.raw AS raw ORDER BY id", ids=chunk):
                yield r["id"], r["raw"]

    def resolution_rows(self) -> Iterator[tuple[str, str, str, str, int, str]]:
        self._resolution_schema()
        for r in self._stream(
                "MATCH (r:KgResolution)-[v:KG_VOTES]->(k:KgResolutionKey) "
                "RETURN k.key AS key, v.kind AS kind, v.value AS value, r.paper_id AS pid, v.weight AS weight, "
                "v.surface AS surface ORDER BY key, kind, value, pid"):
            yield r["key"], r["kind"], r["value"], r["pid"], r["weight"], r["surface"]

    # -- writes ------------------------------------------------------------------------
    def resolution_save(self, papers: Iterable[tuple[str, str, list[tuple[str, str, str, int, str]], str]]) -> None:
        latest = {pid: (raw, votes, tid) for pid, raw, votes, tid in papers}
        rows = [{"id": pid, "raw": raw, "tid": tid} for pid, (raw, _, tid) in sorted(latest.items())]
        votes = [{"pid": pid, "key": k, "kind": kind, "value": value, "weight": int(w), "surface": surface}
                 for pid, (_, vs, _) in sorted(latest.items()) for k, kind, value, w, surface in vs]
        if rows:
            self._resolution_write(_save_tx, rows, votes)

    def resolution_save_deps(self, deps: Mapping[str, Iterable[str]]) -> None:
        ids = sorted(deps)
        rows = [{"pid": pid, "key": k} for pid in ids for k in sorted(set(deps[pid]))]
        if ids:
            self._resolution_write(_deps_tx, ids, rows)
