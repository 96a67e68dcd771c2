"""The Neo4j store: the same graph as the embedded store, in a real Neo4j server.

Writes go in managed transactions (``execute_write``, retried on transient errors), one per
chunk of ``batch_size`` papers (as the CLI's ``--batch-size``); every statement is a batched
``UNWIND $rows`` over all the rows of the chunk, and every read returns its rows as one
collected list (the driver's cost is per record). Each
transaction leaves the graph consistent (papers, their relations, entity properties and
derived edges together), so a load cut short by a lost server can simply be run again:
papers already written are recognised by their content hash and skipped.

Write semantics mirror ``kg.store.embedded`` (see there); the decisions are the pure
functions of ``kg.store.neo4j_rows``. User values reach Cypher only as parameters;
labels and relationship types come from fixed whitelists.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from kg.batch import chunked
from kg.errors import KGError, Neo4jAuthError, Neo4jDatabaseNotFound, Neo4jUnavailable, StoreError
from kg.ids import compact_key
from kg.records import ids_from_links, own_links
from kg.schema import ENTITY_RELATION_TYPES, ENTITY_TYPES, PAPER_LABEL, Paper, PaperFacts
from kg.store import neo4j_rows as N
from kg.store import rows as R
from kg.store.base import EdgeDict, GraphStore, NodeDict, ResolutionState, WriteSummary
from kg.store import neo4j_state as S
from kg.store.neo4j_resolution import Neo4jResolution

if TYPE_CHECKING:
    from neo4j import ManagedTransaction, Session

    from kg.store.embedded import EmbeddedStore

#: the graph's own schema (what reading needs)
SCHEMA = (
    "CREATE CONSTRAINT kg_paper_id IF NOT EXISTS FOR (p:Paper) REQUIRE p.id IS UNIQUE",
    "CREATE CONSTRAINT kg_entity_id IF NOT EXISTS FOR (e:Entity) REQUIRE e.id IS UNIQUE",
    "CREATE INDEX kg_entity_type IF NOT EXISTS FOR (e:Entity) ON (e.type)",
    "CREATE INDEX kg_entity_name IF NOT EXISTS FOR (e:Entity) ON (e.name)",
    "CREATE FULLTEXT INDEX kg_text IF NOT EXISTS FOR (n:Entity|Paper) ON EACH [n.name, n.aliases, n.title] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-no-stop-words'}}",
)
#: what writing with the state in Neo4j needs besides (an index names its property in the
#: Browser's sidebar, so a database whose state is in a file has none of these)
STATE_SCHEMA = (
    "CREATE INDEX kg_paper_title_key IF NOT EXISTS FOR (p:Paper) ON (p.title_key)",
    "CREATE FULLTEXT INDEX kg_keys IF NOT EXISTS FOR (e:Entity) ON EACH [e._keys] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'keyword'}}",
    "CREATE FULLTEXT INDEX kg_paper_links IF NOT EXISTS FOR (p:Paper) ON EACH [p._links] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'keyword'}}",
)

#: the link keys a Paper node written before ``_links`` existed gets from its own properties
#: (as ``kg.records.own_links`` gives them from the same fields)
_OWN_LINKS = (
    "[x IN ['id:arxiv:' + p.arxiv, 'id:doi:' + p.doi, 'id:s2:' + p.s2, 'id:openalex:' + p.openalex,"
    " CASE WHEN p.title_key <> '' THEN 't:' + p.title_key END,"
    " CASE WHEN p.title_key <> '' AND p.arxiv IS NULL AND p.doi IS NULL AND p.s2 IS NULL"
    " AND p.openalex IS NULL THEN 'o:' + p.title_key END] WHERE x IS NOT NULL]")
#: the marker of a database whose papers all have ``_links``
LINKS_MARKER = "paper_links"

#: an entity node some paper mentions (the others are placeholder ends of derived edges)
REAL = "e.paper_count > 0"

def split_credentials(uri: str) -> tuple[str, str | None, str | None]:
    """``(uri without user info, user, password)`` of a URI such as ``bolt://user:pw@host:7687``.

    Parsed with ``urllib.parse`` (percent-escapes decoded). A password written with an
    unescaped ``/``, ``?``, ``#`` or ``@`` does not parse as a URI; its user info then ends at
    the last ``@`` (a host never holds one), so no part of it stays in the URI.
    """
    from urllib.parse import unquote, urlsplit, urlunsplit

    try:
        parts = urlsplit(uri)
    except ValueError:
        parts = None
    if parts is None or not parts.scheme or "@" not in uri:
        return uri, None, None
    if "@" in parts.netloc and "@" not in (parts.path + parts.query + parts.fragment):
        userinfo, _, hostport = parts.netloc.rpartition("@")
        clean = urlunsplit((parts.scheme, hostport, parts.path, parts.query, parts.fragment))
    else:  # an unescaped delimiter in the password: the user info runs to the last "@"
        scheme, sep, rest = uri.partition("://")
        if not sep:
            return uri, None, None
        userinfo, _, after = rest.rpartition("@")
        clean = f"{scheme}://{after}"
    user, colon, password = userinfo.partition(":")
    return clean, unquote(user) or None, unquote(password) if colon else None


def safe_uri(uri: str) -> str:
    """The URI without any user:password@ part (for messages)."""
    return split_credentials(uri)[0]


class Neo4jStore(GraphStore):
    """The graph in the Neo4j database ``database`` (default: the server's default) at ``uri``.

    ``state``: where the bookkeeping is kept (``kg.store.neo4j_state``): ``"auto"`` (default,
    or ``$KG_NEO4J_STATE``): a state file for a new database, in Neo4j for one that has it
    there; ``"neo4j"``; or the path of a state file. The resolution state goes with it
    (``resolution_state``).
    """

    kind = "neo4j"

    def __init__(self, uri: str, database: str | None = None, user: str = "neo4j", password: str | None = None,
                 batch_size: int = 1000, *, retry_time: float = 30.0, connection_timeout: float = 10.0,
                 must_exist: bool = False, state: str | os.PathLike[str] | None = None, say: Any = None):
        from neo4j import GraphDatabase
        from neo4j.exceptions import ConfigurationError

        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        # credentials written in the URI are used, and never reach the driver or a message
        uri, uri_user, uri_password = split_credentials(uri)
        user = uri_user or user
        password = uri_password if uri_password is not None else password
        self.uri = uri
        self.database = database
        self.user = user or "neo4j"
        self.batch_size = batch_size
        self._schema_ready = False
        self._state_arg = str(state) if state else (os.environ.get("KG_NEO4J_STATE") or S.AUTO)
        self._state_mode: str | None = None  # decided on first use: S.IN_NEO4J, "file" or "missing"
        self._master: "EmbeddedStore | None" = None  # the state file's store
        self._state_indexes_ready = False
        try:
            self.driver = GraphDatabase.driver(
                uri, auth=(self.user, password or ""), max_transaction_retry_time=retry_time,
                connection_timeout=connection_timeout, connection_acquisition_timeout=connection_timeout + 5,
                notifications_min_severity="OFF", user_agent="kg-research")
        except (ValueError, ConfigurationError) as exc:  # a malformed URI
            raise Neo4jUnavailable(f"bad Neo4j URI {safe_uri(uri)!r}: {exc}") from None
        self._where = safe_uri(uri) + (f" (database {database!r})" if database else "")
        self._say = say or (lambda message: print(f"kg: {message}", file=__import__("sys").stderr, flush=True))
        self._writer: tuple[Any, Any] | None = None
        #: the resolution state when it is kept in Neo4j
        self._resolution = Neo4jResolution(self.driver, database, self._translate)

    # -- connection and errors -------------------------------------------------------
    def _translate(self, exc: Exception, during: str = "") -> KGError:
        from neo4j.exceptions import (AuthError, ClientError, DatabaseUnavailable, Neo4jError,
                                      ServiceUnavailable, SessionExpired)

        if isinstance(exc, KGError):
            return exc
        if isinstance(exc, AuthError):
            return Neo4jAuthError(f"Neo4j at {safe_uri(self.uri)} refused user {self.user!r}: "
                                  "wrong user name or password (see --user/--password, NEO4J_PASSWORD)")
        code = getattr(exc, "code", "") or ""
        if isinstance(exc, ClientError) and code.endswith("DatabaseNotFound"):
            return Neo4jDatabaseNotFound(f"Neo4j at {safe_uri(self.uri)} has no database {self.database!r}")
        if isinstance(exc, (ServiceUnavailable, SessionExpired, DatabaseUnavailable, OSError)):
            if during == "write":
                return Neo4jUnavailable(
                    f"lost Neo4j at {self._where} during the write; what was committed is consistent, "
                    "run the same command again to complete it")
            return Neo4jUnavailable(f"cannot reach Neo4j at {self._where}: is the server running? "
                                    f"(e.g. scripts/neo4j-local start)")
        if isinstance(exc, Neo4jError):
            msg = (getattr(exc, "message", None) or str(exc)).splitlines()[0]
            return StoreError(f"Neo4j at {self._where}: {code or type(exc).__name__}: {msg}")
        return StoreError(f"Neo4j at {self._where}: {type(exc).__name__}: {exc}")

    def _session(self, **kw: Any) -> "Session":
        return self.driver.session(database=self.database, **kw)

    def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        import time

        from neo4j.exceptions import ClientError, TransientError

        for attempt in range(8):
            try:
                with self._session() as s:
                    for stmt in missing_rules(s, SCHEMA):
                        try:
                            s.run(stmt).consume()
                        except ClientError as exc:  # an equivalent index under another name exists
                            code = exc.code or ""
                            if "EquivalentSchemaRule" not in code and "AlreadyExists" not in code:
                                raise
                    s.run("CALL db.awaitIndexes(300)").consume()
                break
            except TransientError:  # another client creating the same schema: try again
                if attempt == 7:
                    raise self._translate(TransientError("could not create the schema")) from None
                time.sleep(0.2 * (attempt + 1))
            except Exception as exc:
                raise self._translate(exc) from None
        self._schema_ready = True

    def _read(self, query: str, **params: Any) -> list[Any]:
        """Run a read query; the records as a list."""
        self._ensure_schema()
        try:
            with self._session() as s:
                records: list[Any] = s.execute_read(lambda tx: list(tx.run(query, **params)))
                return records
        except Exception as exc:
            raise self._translate(exc) from None

    #: the node whose write lock a writer holds for its whole run (released when its
    #: transaction ends: on close, or when a killed writer's connection drops)
    _WRITER_LOCK = "MERGE (m:KgMeta {name: 'writer'}) SET m.taken = timestamp()"

    def begin_writing(self) -> None:
        """Become the only writer: a transaction held open until ``close`` keeps the lock of
        one bookkeeping node; a second writer waits for it (saying so)."""
        if self._writer is not None:
            return
        if self._state_store(writing=True) is not None:
            # the bookkeeping is in a state file: one machine's, whose transactions order the
            # writers (no lock node in the database, which then holds the graph only)
            return
        from neo4j.exceptions import Neo4jError

        self._ensure_schema()  # the whole schema first: no rule is made while the lock is held
        self._resolution.ensure_schema()
        session = self._session()
        try:
            # a probe with a time limit says whether to wait (the held transaction has none)
            probe = session.begin_transaction(timeout=3.0)
            try:
                probe.run(self._WRITER_LOCK).consume()
            except Neo4jError:
                self._say(f"Neo4j at {self._where}: another kg process is writing this database; waiting for "
                          "it to finish (two writers never interleave)")
            finally:
                try:
                    probe.rollback()
                except Exception:
                    pass
            tx = session.begin_transaction()
            tx.run(self._WRITER_LOCK).consume()
        except Exception as exc:
            session.close()
            raise self._translate(exc) from None
        self._writer = (session, tx)

    def close(self) -> None:
        if self._writer is not None:
            session, tx = self._writer
            self._writer = None
            for step in ((tx.rollback, session.close) if tx is not None else ()):
                try:
                    step()
                except Exception:
                    pass
        if self._master is not None:
            self._master.close()
            self._master = None
        try:
            self.driver.close()
        except Exception:  # pragma: no cover
            pass

    # -- where the bookkeeping is (kg.store.neo4j_state) -----------------------------------
    def _state_store(self, writing: bool = False) -> "EmbeddedStore | None":
        """The state file's ``EmbeddedStore``, or None when the state is kept in Neo4j."""
        if self._state_mode is None:
            self._decide_state()
        if self._state_mode == S.IN_NEO4J:
            return None
        if self._state_mode == "missing":
            raise S.StateNotFound(
                f"Neo4j at {self._where} holds a kg graph whose bookkeeping is in a state file on the machine "
                f"that loaded it (none in {S.state_dir()}): write there, or pass that file (a copy) with --state PATH")
        return self._master

    def resolution_state(self) -> ResolutionState:
        """The state file's resolution state when the store keeps one, else the one in Neo4j."""
        master = self._state_store()
        if master is not None:
            return master.resolution_state()
        self._ensure_schema()
        return self._resolution

    def _decide_state(self) -> None:
        from kg.store.embedded import EmbeddedStore

        arg = self._state_arg
        if arg == S.IN_NEO4J:
            self._state_mode = S.IN_NEO4J
            return
        info = self._read("CALL db.info() YIELD id, name RETURN id, name")[0]
        papers = self._read("MATCH (p:Paper) RETURN count(p) AS n")[0]["n"]
        if arg == S.AUTO:
            if papers and self._has_state_in_neo4j():  # made by an earlier kg, or imported: keep it there
                self._state_mode = S.IN_NEO4J
                return
            path = S.default_state_path(info["name"], info["id"])
            if papers and not path.exists():
                self._state_mode = "missing"
                return
        else:
            path = Path(arg).expanduser()
        try:
            master = EmbeddedStore(path, exclusive=False, lean=True)
        except OSError as exc:  # pragma: no cover - EmbeddedStore reports its own
            raise StoreError(f"{path}: cannot open the state file ({exc})") from None
        bound = master.sql("SELECT value FROM meta WHERE key='neo4j_database'")
        held = master.sql("SELECT COUNT(*) FROM papers")[0][0]
        note = S.publishing_note(path).exists()
        if bound and bound[0][0] != info["id"]:
            master.close()
            raise S.StateMismatch(f"{path} is the state file of another Neo4j database (id {bound[0][0]}), "
                                  f"not of {self._where}")
        if papers != held and not note:  # counted again while no writer is at work (one may be now)
            with S.writing(path, self._say):
                papers = self._read("MATCH (p:Paper) RETURN count(p) AS n")[0]["n"]
                held = master.sql("SELECT COUNT(*) FROM papers")[0][0]
                note = S.publishing_note(path).exists()
                self._check_state(master, path, papers, held, note, arg)
        if not bound:
            master.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('neo4j_database', ?)", (info["id"],))
        self._master = master
        self._state_mode = "file"

    def _check_state(self, master: "EmbeddedStore", path: Path, papers: int, held: int, note: bool,
                     arg: str) -> None:
        """A state file whose paper count differs from the database's (with no note explaining
        it): emptied with the database, or refused."""
        if not papers and held and not note:
            if arg != S.AUTO:
                master.close()
                raise S.StateMismatch(f"the Neo4j database at {self._where} is empty but its state file {path} "
                                      f"holds {held} papers")
            # the database was emptied (e.g. MATCH (n) DETACH DELETE n): so is its state
            S.reset_state_file(master, expect_papers=held)
        elif papers != held and not note:
            master.close()
            raise S.StateMismatch(f"the Neo4j database at {self._where} holds {papers} papers where its state "
                                  f"file {path} holds {held}: it was changed without it")

    def _has_state_in_neo4j(self) -> bool:
        """Does the database hold the in-Neo4j bookkeeping (an earlier kg, or a neo4j-admin import)?"""
        return bool(self._read("MATCH (r:KgResolution) RETURN r.paper_id AS id LIMIT 1")
                    or self._read("MATCH (e:Entity) WHERE e._keys IS NOT NULL OR e._state IS NOT NULL "
                                  "RETURN e.id AS id LIMIT 1"))

    def _ensure_state_indexes(self) -> None:
        if self._state_indexes_ready:
            return
        try:
            with self._session() as s:
                for stmt in STATE_SCHEMA:
                    s.run(stmt).consume()
                s.run("CALL db.awaitIndexes(300)").consume()
        except Exception as exc:
            raise self._translate(exc) from None
        self._state_indexes_ready = True

    def _publish(self, pub: S.Publication, counters: dict[str, int]) -> None:
        """One transaction making Neo4j hold what the state file says about a batch's ids."""
        try:
            with self._session() as s:
                s.execute_write(S.publish_tx, pub.rows, pub.expected, counters)
        except Exception as exc:
            raise self._translate(exc, "write") from None

    def _write_via_state(self, master: "EmbeddedStore", facts: Iterable[PaperFacts]) -> WriteSummary:
        """Each batch into the state file, then its copy into Neo4j (``neo4j_state.Publisher``):
        a batch's copy is in flight, in a thread of its own, while the next batch is written to
        the state file (the driver and SQLite wait without the GIL); copies go in batch order."""
        from concurrent.futures import Future, ThreadPoolExecutor

        counters = {k: 0 for k in COUNTERS}
        summary = WriteSummary(extra=counters)
        with S.writing(master.path, self._say):
            publisher = S.Publisher(master)
            if publisher.noted():  # a write that stopped before Neo4j confirmed every batch it made
                repair: list[S.Publication | None] = []
                master.write([], publish=lambda cur, changed: repair.append(publisher.prepare(cur, changed, True)))
                if repair and repair[0] is not None:
                    self._publish(repair[0], counters)
                publisher.confirm(None, everything=True)
            in_flight: tuple[Future[None], S.Publication] | None = None

            def landed() -> None:  # the copy in flight has committed in Neo4j (or its error is raised)
                nonlocal in_flight
                if in_flight is not None:
                    future, pub = in_flight
                    in_flight = None
                    future.result()
                    publisher.confirm(pub)

            with ThreadPoolExecutor(1, thread_name_prefix="kg-neo4j-copy") as pool:
                try:
                    for chunk in chunked(facts, self.batch_size):
                        made: list[S.Publication | None] = []
                        done = master.write(chunk, publish=lambda cur, changed: made.append(publisher.prepare(cur, changed)))
                        landed()
                        if made and made[0] is not None:
                            in_flight = (pool.submit(self._publish, made[0], counters), made[0])
                        done.extra = {}
                        summary += done
                    landed()
                except BaseException:
                    try:  # the copy in flight ends first (its ids stay noted if it failed)
                        landed()
                    except BaseException:
                        pass
                    raise
        return summary

    def clear(self) -> None:
        """Delete every node and relationship (the schema stays)."""
        self._ensure_schema()
        try:
            with self._session() as s:
                # relationships first: DETACH DELETE of an entity with 100,000 relationships in
                # one inner transaction exceeds the server's transaction memory
                s.run("MATCH ()-[r]->() CALL { WITH r DELETE r } IN TRANSACTIONS OF 10000 ROWS").consume()
                s.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS").consume()
        except Exception as exc:
            raise self._translate(exc) from None
        self._resolution.reset()  # the resolution marks go too: made again on next use
        self._links_ready = False
        self._clear_state_file()
        self._state_mode = None  # decided again: an empty database gets a state file

    def _clear_state_file(self) -> None:
        """Empty the state file of this database (the one in use, else the default one)."""
        from kg.store.embedded import EmbeddedStore

        if self._master is not None:
            S.reset_state_file(self._master)
            return
        if self._state_arg != S.AUTO:
            return
        info = self._read("CALL db.info() YIELD id, name RETURN id, name")[0]
        path = S.default_state_path(info["name"], info["id"])
        if path.exists():
            with EmbeddedStore(path, exclusive=False) as master:
                S.reset_state_file(master)

    # -- writing -----------------------------------------------------------------------
    def write(self, facts: Iterable[PaperFacts]) -> WriteSummary:
        """Write facts in chunks of ``batch_size`` papers, one transaction each."""
        from neo4j.exceptions import ConstraintError

        self._ensure_schema()
        master = self._state_store(writing=True)
        if master is not None:
            return self._write_via_state(master, facts)
        self._ensure_state_indexes()
        summary = WriteSummary()
        chunks = N.chunks((N.paper_rows(f) for f in facts), self.batch_size)
        try:
            with self._session() as s:
                for chunk in chunks:
                    for attempt in range(_RACE_RETRIES + 1):
                        try:
                            summary += s.execute_write(_write_chunk, chunk)
                            break
                        except ConstraintError:
                            # a concurrent writer stored an entity this one created: again
                            if attempt == _RACE_RETRIES:
                                raise
        except Exception as exc:
            raise self._translate(exc, "write") from None
        return summary

    # -- reading -----------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        def counts(query: str) -> dict[str, int]:
            return {r["k"]: r["n"] for r in self._read(query)}

        papers = self._read("MATCH (p:Paper) RETURN count(p) AS n")[0]["n"]
        entities = self._read(f"MATCH (e:Entity) WHERE {REAL} RETURN count(e) AS n")[0]["n"]
        etypes = counts(f"MATCH (e:Entity) WHERE {REAL} RETURN e.type AS k, count(*) AS n ORDER BY k")
        rtypes = counts("MATCH (:Paper)-[r]->(:Entity) RETURN type(r) AS k, count(*) AS n ORDER BY k")
        ertypes = counts("MATCH (:Entity)-[r]->(:Entity) RETURN type(r) AS k, count(*) AS n ORDER BY k")
        return {
            "store": self._where,
            "papers": papers,
            "entities": entities,
            "relations": sum(rtypes.values()),
            "entity_relations": sum(ertypes.values()),
            "entity_types": etypes,
            "relation_types": rtypes,
            "entity_relation_types": ertypes,
        }

    def _stream(self, query: str, **params: Any) -> Iterator[Any]:
        self._ensure_schema()
        try:
            with self._session(fetch_size=2000) as s:
                with s.begin_transaction() as tx:
                    yield from tx.run(query, **params)
        except GeneratorExit:
            raise
        except Exception as exc:
            raise self._translate(exc) from None

    # Orders come from the id indexes (``WHERE x.id IS NOT NULL`` lets the planner read them
    # in order), so nothing is sorted in server memory beyond one node's relationships.
    def iter_nodes(self) -> Iterator[NodeDict]:
        for r in self._stream("MATCH (p:Paper) WHERE p.id IS NOT NULL "
                              "RETURN labels(p) AS l, properties(p) AS p ORDER BY p.id"):
            yield N.node_dict(r["l"], r["p"])
        for r in self._stream(f"MATCH (e:Entity) WHERE e.id IS NOT NULL AND {REAL} "
                              "RETURN labels(e) AS l, properties(e) AS p ORDER BY e.id"):
            yield N.node_dict(r["l"], r["p"])

    def iter_edges(self) -> Iterator[EdgeDict]:
        import heapq

        def edges(label: str) -> Iterator[EdgeDict]:
            q = (f"MATCH (a:{label}) WHERE a.id IS NOT NULL MATCH (a)-[r]->(b:Entity) "
                 "RETURN a.id AS s, type(r) AS t, b.id AS d, properties(r) AS p ORDER BY s, t, d")
            for r in self._stream(q):
                yield N.edge_dict(r["s"], r["t"], r["d"], r["p"])

        yield from heapq.merge(edges(PAPER_LABEL), edges("Entity"),
                               key=lambda e: (e["source"], e["type"], e["target"]))

    def get_nodes(self, ids: Iterable[str]) -> list[NodeDict]:
        want = sorted(set(ids))
        if not want:
            return []
        recs = self._read(
            "UNWIND $ids AS id CALL { WITH id MATCH (p:Paper {id: id}) RETURN p AS n "
            f"UNION WITH id MATCH (e:Entity {{id: id}}) WHERE {REAL} RETURN e AS n }} "
            "RETURN labels(n) AS l, properties(n) AS p", ids=want)
        return sorted((N.node_dict(r["l"], r["p"]) for r in recs), key=lambda n: n["id"])

    def edges_of(self, ids: Iterable[str]) -> list[EdgeDict]:
        want = sorted(set(ids))
        if not want:
            return []
        recs = self._read(
            "UNWIND $ids AS id CALL { WITH id MATCH (a:Paper {id: id})-[r]->(b:Entity) RETURN a, r, b "
            "UNION WITH id MATCH (a:Entity {id: id})-[r]->(b:Entity) RETURN a, r, b "
            "UNION WITH id MATCH (a)-[r]->(b:Entity {id: id}) WHERE a:Paper OR a:Entity RETURN a, r, b } "
            "RETURN DISTINCT a.id AS s, type(r) AS t, b.id AS d, properties(r) AS p", ids=want)
        edges = {(r["s"], r["t"], r["d"]): N.edge_dict(r["s"], r["t"], r["d"], r["p"]) for r in recs}
        return [edges[k] for k in sorted(edges)]

    def find_nodes(self, text: str, limit: int = 10) -> list[NodeDict]:
        text = text.strip()
        ids: list[str] = []
        if text:
            ids += [r["id"] for r in self._read(
                "OPTIONAL MATCH (p:Paper {id: $t}) OPTIONAL MATCH (e:Entity {id: $t}) "
                "RETURN coalesce(p.id, e.id) AS id", t=text) if r["id"] is not None]
        key = compact_key(text)
        run = S.search_run(text)
        if key and run:  # the graph alone, whoever keeps the state: candidates by a word, checked here
            ids += S.matching_ids(self._read(S.FIND_ENTITIES, run=run), self._read(S.FIND_PAPERS, run=run), key)
        uniq = list(dict.fromkeys(ids))[:limit]
        by_id = {n["id"]: n for n in self.get_nodes(uniq)}
        return [by_id[i] for i in uniq if i in by_id]

    def node_names(self) -> Iterator[tuple[str, str]]:
        for r in self._stream(f"MATCH (e:Entity) WHERE {REAL} RETURN e.id AS id, e.name AS name ORDER BY id"):
            yield r["id"], r["name"]
        for r in self._stream("MATCH (p:Paper) RETURN p.id AS id, p.title AS name ORDER BY id"):
            yield r["id"], r["name"]
        for r in self._stream(f"MATCH (e:Entity) WHERE {REAL} AND size(coalesce(e.aliases, [])) > 0 "
                              "RETURN e.id AS id, e.aliases AS aliases ORDER BY id"):
            for alias in r["aliases"]:
                yield r["id"], alias

    # -- merging records of one paper -------------------------------------------------
    # With a state file, the link keys of the papers are there (the state file is an
    # embedded store with the same papers); in Neo4j they are the papers' ``_links``.
    def _ensure_links(self) -> None:
        """Give ``_links`` to the papers of a database written before them (once)."""
        if getattr(self, "_links_ready", False):
            return
        self._ensure_schema()
        self._resolution.ensure_schema()  # the KgMeta constraint
        self._ensure_state_indexes()  # kg_paper_links (a database imported with neo4j-admin has none yet)
        try:
            with self._session() as s:
                if s.run("MATCH (m:KgMeta {name: $n}) RETURN count(m) AS n", n=LINKS_MARKER).single(strict=True)["n"] == 0:
                    s.run("MATCH (p:Paper) WHERE p._links IS NULL CALL { WITH p SET p._links = "
                          + _OWN_LINKS + " } IN TRANSACTIONS OF 10000 ROWS").consume()
                    s.run("MERGE (:KgMeta {name: $n})", n=LINKS_MARKER).consume()
        except Exception as exc:
            raise self._translate(exc) from None
        self._links_ready = True

    def has_papers(self) -> bool:
        return bool(self._read("MATCH (p:Paper) RETURN p.id AS id LIMIT 1"))

    def papers_by_links(self, keys: Iterable[str]) -> dict[str, list[str]]:
        want = sorted(set(keys))
        if not want:
            return {}
        m = self._state_store()
        if m is not None:
            return m.papers_by_links(want)
        self._ensure_links()
        out: dict[str, set[str]] = {}
        for i in range(0, len(want), 400):  # Lucene's clause limit is 1024
            chunk = want[i:i + 400]
            q = " OR ".join(lucene_term(k) for k in chunk)
            rows = self._read(
                "CALL db.index.fulltext.queryNodes('kg_paper_links', $q) YIELD node "
                "UNWIND [k IN node._links WHERE k IN $keys] AS k RETURN collect([k, node.id]) AS rows",
                q=q, keys=chunk)[0]["rows"]
            for k, pid in rows:
                out.setdefault(k, set()).add(pid)
        return {k: sorted(v) for k, v in sorted(out.items())}

    def stored_papers(self, ids: Iterable[str]) -> list[Paper]:
        want = sorted(set(ids))
        if not want:
            return []
        m = self._state_store()
        if m is not None:
            return m.stored_papers(want)
        self._ensure_links()
        rows = self._read("UNWIND $ids AS id MATCH (p:Paper {id: id}) RETURN collect(properties(p)) AS rows",
                          ids=want)[0]["rows"]
        out = []
        for d in rows:
            cols = {k: d[k] for k in ("arxiv", "doi", "s2", "openalex") if d.get(k)}
            keys = set(d.get("_links") or ())
            p = Paper(id=d["id"], title=d.get("title") or "", abstract=d.get("abstract") or "", year=d.get("year"),
                      authors=tuple(d.get("authors") or ()), url=d.get("url"),
                      external_ids=dict(sorted((ids_from_links(keys) or cols).items())), source=d.get("source") or "")
            extra = tuple(sorted(keys - own_links(p)))
            out.append(replace(p, links=extra) if extra else p)
        return sorted(out, key=lambda p: p.id)

    # -- helpers for queries -------------------------------------------------------------
    def cypher(self, query: str, **params: Any) -> list[dict[str, Any]]:
        """Run a read-only Cypher query (canned queries); records as plain dicts."""
        return [dict(r) for r in self._read(query, **params)]

    def run_query(self, query: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
        """The query's Cypher, as written, in a read transaction."""
        return self.cypher(query.cypher, **params)


def missing_rules(session: Any, statements: Iterable[str]) -> list[str]:
    """The ``CREATE ... name IF NOT EXISTS`` statements whose index or constraint is not there
    yet: creating a rule, even one that exists, waits for every open transaction on its label,
    and a writer holds one open for its whole run (``begin_writing``)."""
    have = {r["name"] for r in session.run("SHOW CONSTRAINTS YIELD name RETURN name")}
    have |= {r["name"] for r in session.run("SHOW INDEXES YIELD name RETURN name")}
    out = []
    for stmt in statements:
        words = stmt.split()
        name = words[words.index("IF") - 1] if "IF" in words else None
        if name not in have:
            out.append(stmt)
    return out


#: times a chunk is run again after losing a race to create an entity
_RACE_RETRIES = 10

#: driver result counters summed into ``WriteSummary.extra`` by every write
COUNTERS = ("nodes_created", "nodes_deleted", "relationships_created", "relationships_deleted",
            "properties_set", "labels_added", "labels_removed")

_LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/&|])')


def lucene_term(term: str) -> str:
    """One exact term for a Lucene query string (special characters escaped)."""
    return '"' + term.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- the write transaction (a plain function: execute_write may run it more than once) ----
def _write_chunk(tx: "ManagedTransaction", chunk: list[N.PaperRows]) -> WriteSummary:
    summary = WriteSummary()
    counters = {k: 0 for k in COUNTERS}
    summary.extra = counters

    def run(query: str, **params: Any) -> list[Any]:
        result = tx.run(query, **params)
        records = list(result)
        c = result.consume().counters
        for k in COUNTERS:
            counters[k] += getattr(c, k)
        return records

    # Reads return one record holding a list ("RETURN collect(...) AS rows"): the driver
    # handles one record per row several times slower than the rows of one list.
    def listed(query: str, **params: Any) -> list[list[Any]]:
        rows: list[list[Any]] = run(query, **params)[0]["rows"]
        return rows

    ids = [p.id for p in chunk]
    keys = sorted({p.title_key for p in chunk if p.title_key})
    # a paper whose source changed is rewritten too (the merged paper's origin is its smallest)
    sources = {p.id: p.paper["source"] for p in chunk}
    stored = {pid: (key, h if src == sources.get(pid, src) else None) for pid, key, h, src in listed(
        "CALL { MATCH (p:Paper) WHERE p.id IN $ids RETURN p UNION MATCH (p:Paper) WHERE p.title_key IN $keys RETURN p } "
        "RETURN collect([p.id, p.title_key, p._hash, p.source]) AS rows", ids=ids, keys=keys)}
    plan = N.plan_chunk(chunk, stored)
    summary.papers_unchanged = plan.unchanged
    summary.papers_added = len(plan.added)
    summary.papers_updated = len(plan.updated)
    if not plan.writes and not plan.deletes:
        return summary
    written = [p.id for p in plan.writes]

    # 1. the papers (this takes their locks: a concurrent writer of the same paper waits here)
    before = counters["nodes_created"]
    run("UNWIND $rows AS row MERGE (p:Paper {id: row.id}) SET p.source = row.source "
        "SET p += row.props", rows=[N.paper_write_row(p) for p in plan.writes])
    created = counters["nodes_created"] - before

    # 2. what the old versions (and superseded title-id papers) said, then drop it. Papers
    # this transaction created have nothing to drop; if a concurrent writer created one
    # first (fewer nodes created than expected), look at every written paper.
    dropped = sorted(plan.updated) + plan.deletes
    if created < len(plan.added):
        dropped = written + plan.deletes
    old = []
    if dropped:
        old = listed("MATCH (p:Paper)-[r]->(e:Entity) WHERE p.id IN $ids "
                   "RETURN collect([e.id, [p.id, r._name, r._type, r._aliases, r.mention]]) AS rows", ids=dropped)
    minus: dict[str, list[R.Mention]] = {}
    for eid, m in old:
        minus.setdefault(eid, []).append(R.Mention._make(m))
    touched_entities = set(minus)
    summary.relations_removed = sum(1 for _, m in old if m[0] in plan.updated)
    # derived edges a dropped paper supported start at an entity it mentioned
    supporters = sorted({(m[0], eid) for eid, m in old})
    touched_edges: set[tuple[str, str, str]] = set()
    if supporters:
        touched_edges.update(tuple(k) for k in listed(
            f"UNWIND $rows AS row MATCH (a:Entity {{id: row.eid}})-[e:{N.ENTITY_EDGE_TYPES}]->(b:Entity) "
            "WHERE row.pid IN e.papers RETURN collect(DISTINCT [a.id, type(e), b.id]) AS rows",
            rows=[{"pid": p, "eid": e} for p, e in supporters]))
    if old:
        run("MATCH (p:Paper)-[r]->(:Entity) WHERE p.id IN $ids DELETE r", ids=dropped)
    if plan.deletes:
        run("MATCH (p:Paper) WHERE p.id IN $ids DETACH DELETE p", ids=plan.deletes)

    # 3. the new relations (entities created as needed; their properties are set in step 4)
    rel_rows: dict[str, list[dict[str, Any]]] = {}
    new_entities: dict[str, dict[str, Any]] = {}
    plus: dict[str, list[R.Mention]] = {}
    support: dict[tuple[str, str, str], dict[str, float]] = {}
    for p in plan.writes:
        for rtype, rows in N.relation_write_rows(p).items():
            rel_rows.setdefault(rtype, []).extend(rows)
        for r in p.relations:
            new_entities.setdefault(r["entity_id"], {"id": r["entity_id"], "name": r["entity_name"],
                                                     "type": r["entity_type"]})
            plus.setdefault(r["entity_id"], []).append(
                R.Mention(r["paper_id"], r["entity_name"], r["entity_type"], r["entity_aliases"], r["mention"]))
        for s in p.support:
            support.setdefault((s["source"], s["type"], s["target"]), {})[s["paper_id"]] = s["confidence"]
    touched_entities.update(new_entities)
    touched_edges.update(support)

    # 3b. every stored entity this chunk touches: locked (sorted, so concurrent writers
    # queue rather than deadlock) and its counted state read. The others are new: created
    # below (a concurrent writer creating one first makes this transaction fail on the
    # id constraint; ``write`` then runs it again, finding the entity stored).
    ends = {k[0] for k in touched_edges} | {k[2] for k in touched_edges}
    states = {eid: state for eid, state in listed(
        "UNWIND $ids AS id MATCH (e:Entity {id: id}) SET e._lock = true REMOVE e._lock "
        "RETURN collect([id, e._state]) AS rows", ids=sorted(touched_entities | ends))}

    # 4. entity properties: the counted state minus what went plus what came. A node
    # without state (imported by neo4j-admin) is rebuilt from every paper that mentions it.
    unknown = {e for e in touched_entities if e in states and states[e] is None}
    full = {}
    if unknown:
        full = {eid: [R.Mention._make(m) for m in ms if m[0] is not None] for eid, ms in listed(
            "UNWIND $ids AS id MATCH (e:Entity {id: id}) OPTIONAL MATCH (p:Paper)-[r]->(e) "
            "WITH id, collect([p.id, r._name, r._type, r._aliases, r.mention]) AS m "
            "RETURN collect([id, m]) AS rows", ids=sorted(unknown))}
    creates: dict[str, list[dict[str, Any]]] = {}
    updates: dict[str, list[dict[str, Any]]] = {}
    small: list[dict[str, Any]] = []
    gone: list[str] = []
    for eid in sorted(touched_entities):
        old_props = None
        if eid in unknown:  # its relations as stored (the dropped ones gone) plus the new ones
            up = N.entity_update(eid, full.get(eid, []) + plus.get(eid, []))
        else:
            text = states.get(eid, "")
            state = N.state_from_json(text) or R.empty_state()
            old_props = N.state_props(eid, state, text)
            R.state_apply(state, minus.get(eid, []), -1)
            R.state_apply(state, plus.get(eid, []), 1)
            up = N.state_props(eid, state)
        if up is None:
            gone.append(eid)
            continue
        if old_props is None and eid not in unknown:
            summary.entities_added += 1
        diff = N.changed_props(old_props, up)
        if eid not in states:
            creates.setdefault(up["type"], []).append(up["props"])
        elif diff is None:
            updates.setdefault(up["type"], []).append({"id": eid, "props": up["props"]})
        elif diff:
            small.append({"id": eid, "props": diff})
    for etype in sorted(creates):
        run(N.CREATE_ENTITY.get(etype, N.CREATE_ENTITY_UNTYPED), rows=creates[etype])
    if small:
        run(N.UPDATE_ENTITY, rows=small)
    for etype in sorted(updates):
        run(N.SET_ENTITY.get(etype, N.SET_ENTITY_UNTYPED), rows=updates[etype])
    if gone:
        run(N.TO_PLACEHOLDER, ids=gone)

    # 4b. the new paper -> entity relations (every end exists now)
    for rtype in sorted(rel_rows):
        if rtype not in N.CREATE_RELATION:
            raise StoreError(f"paper {rel_rows[rtype][0]['paper_id']}: unknown relation type {rtype!r}")
        run(N.CREATE_RELATION[rtype], rows=rel_rows[rtype])
        summary.relations_added += len(rel_rows[rtype])

    # 5. derived entity -> entity edges
    if touched_edges:
        keys_rows = [{"s": s, "t": t, "d": d} for s, t, d in sorted(touched_edges)]
        current = {(s, t, d): (papers, confs) for s, t, d, papers, confs in listed(
            "UNWIND $rows AS k MATCH (a:Entity {id: k.s})-[e]->(b:Entity {id: k.d}) WHERE type(e) = k.t "
            "RETURN collect([k.s, k.t, k.d, e.papers, e._confidences]) AS rows", rows=keys_rows)}
        drop = set(dropped) | set(written)
        merges: dict[str, list[dict[str, Any]]] = {}
        deletes: dict[str, list[dict[str, Any]]] = {}
        for key in sorted(touched_edges):
            papers, confs = current.get(key, (None, None))
            up = N.edge_update(papers, confs, drop, support.get(key, {}))
            row = {"source": key[0], "target": key[2]}
            if up is None:
                if key in current:
                    deletes.setdefault(key[1], []).append(row)
            else:
                merges.setdefault(key[1], []).append({**row, "props": up})
        for etype in sorted(deletes):
            run(N.DELETE_ENTITY_EDGE[etype], rows=deletes[etype])
            gone += [r["source"] for r in deletes[etype]] + [r["target"] for r in deletes[etype]]
        for etype in sorted(merges):
            if etype not in ENTITY_RELATION_TYPES:
                raise StoreError(f"unknown entity relation type {etype!r}")
            run(N.MERGE_ENTITY_EDGE[etype], rows=merges[etype])
    if gone:
        run(N.DELETE_UNUSED_PLACEHOLDERS, ids=sorted(set(gone)))
    return summary


__all__ = ["Neo4jStore", "safe_uri", "ENTITY_TYPES"]
