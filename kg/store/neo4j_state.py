"""Where the Neo4j store keeps its bookkeeping, so the database holds only the graph.

kg needs more than the graph to write it: each paper's content hash and raw facts, the
resolution votes and their sums, per entity the counted names and forms behind its name and
aliases, per derived edge the confidence of each supporting paper. In the Neo4j Browser all
of that is in the way: ``MATCH (n) RETURN n`` shows it first, the sidebar counts it, and the
property panels show it. Neo4j Community has a single user database, so it cannot go to
another database there. So the Neo4j store keeps it in one of two places (``state=``):

* a **state file** beside the client (the default for a new database): an embedded kg store
  (``EmbeddedStore``, one SQLite file) holding the same graph with every piece of
  bookkeeping, bound to the Neo4j database it publishes to (``db.info()``'s id). Writes go
  to it first, in one SQLite transaction per batch, which notes the batch's ids in
  ``<state>.publishing`` and keeps the graph rows it writes for them (papers, their relations,
  entity nodes, derived edges); after its commit those rows are written to Neo4j in one
  transaction (while the next batch goes to the state file), and the ids leave the note when
  Neo4j has committed (``Publisher``). The Neo4j side is thus a pure copy: every statement sets
  whole values, so writing the same ids again is harmless, and a write that finds a note (a
  process that died, a copy that failed or whose commit had an unknown outcome) first copies
  the noted ids again from the state file. Writers on one machine queue on the state file's
  lock. Default place: ``$KG_STATE_DIR`` or ``~/.local/share/kg/neo4j-state``, one file
  per database; ``state=PATH`` names it (e.g. a copy, or the embedded store a
  ``neo4j-admin`` import was made from);
* **in Neo4j** (``state="neo4j"``): ``Kg*`` bookkeeping nodes and ``_``-prefixed properties
  next to the graph (``kg.store.neo4j_resolution``, ``kg.store.neo4j_rows``): for several
  writers on several machines, each one then sees what the others wrote. Chosen
  automatically for a database that already holds that layout (made by an earlier kg, or
  imported with ``neo4j-admin`` from ``kg export``).

Reading never needs the state: the canned queries, ``stats``, exports and neighbourhoods
read the graph alone, from any machine.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, NamedTuple

from kg.batch import chunked
from kg.errors import StoreError
from kg.ids import compact_key
from kg.schema import ENTITY_RELATION_TYPES, ENTITY_TYPES, RELATION_TYPES

if TYPE_CHECKING:  # pragma: no cover
    from neo4j import ManagedTransaction

    from kg.store.embedded import Changed, EmbeddedStore, Written

#: the state modes
IN_NEO4J = "neo4j"
AUTO = "auto"

#: labels and property keys only the in-Neo4j layout has
BOOKKEEPING_LABELS = ("KgResolution", "KgResolutionKey", "KgVoteSum", "KgMeta", "KgDirty", "KgPending")


class StateMismatch(StoreError):
    """The state file and the Neo4j database it publishes to disagree."""


class StateNotFound(StoreError):
    """The database's bookkeeping is not on this machine."""


def state_dir() -> Path:
    base = os.environ.get("KG_STATE_DIR")
    if base:
        return Path(base).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser() / "kg" / "neo4j-state"


def default_state_path(database: str, database_id: str) -> Path:
    """The state file of one Neo4j database (its name, for people; its id, to be sure)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", database)[:60] or "db"
    return state_dir() / f"{safe}-{re.sub(r'[^A-Za-z0-9-]+', '', database_id)[:64]}.kgstate"


def publishing_note(path: Path) -> Path:
    return path.with_name(path.name + ".publishing")


# -- the copy: rows of the changed ids, read from the state file ---------------------------
_PAPER_COLS = ("id", "title", "abstract", "year", "authors", "url", "source", "arxiv", "doi", "s2", "openalex")
_REL_PROPS = ("confidence", "rule", "evidence_field", "evidence_start", "evidence_end", "evidence_sentence",
              "mention")



def _marks(n: int) -> str:
    return ",".join("?" * n)


def read_publication(cur: sqlite3.Cursor, papers: Iterable[str], entities: Iterable[str],
                     edges: Iterable[tuple[str, str, str]]) -> dict[str, Any]:
    """What Neo4j must hold for these ids, read from the state file (in its open transaction).

    ``papers``: rows of the papers there, ids of the ones gone; ``relations``: every relation
    of the papers there, by type; ``entities``: rows by type, ids gone (``placeholders``:
    the gone ones some derived edge still needs as an end); ``edges``: rows by type, keys gone.
    """
    paper_ids = sorted(set(papers))
    entity_ids = sorted(set(entities))
    edge_keys = sorted(set(edges))
    out: dict[str, Any] = {"papers": [], "papers_gone": [], "relations": {}, "entities": {},
                           "entities_gone": [], "placeholders": [], "edges": {}, "edges_gone": {}}
    found: set[str] = set()
    for chunk in chunked(paper_ids, 500):
        for r in cur.execute(f"SELECT {','.join(_PAPER_COLS)} FROM papers WHERE id IN ({_marks(len(chunk))})",
                             chunk).fetchall():
            props = {k: v for k, v in zip(_PAPER_COLS, r) if v is not None}
            props["authors"] = json.loads(props.get("authors") or "[]")
            out["papers"].append(props)
            found.add(r[0])
        for r in cur.execute(f"SELECT paper_id, type, entity_id, {','.join(_REL_PROPS)} FROM relations"
                             f" WHERE paper_id IN ({_marks(len(chunk))}) ORDER BY paper_id, type, entity_id",
                             chunk).fetchall():
            if r[1] not in RELATION_TYPES:
                raise StoreError(f"paper {r[0]}: unknown relation type {r[1]!r}")
            out["relations"].setdefault(r[1], []).append(
                {"source": r[0], "target": r[2], "props": dict(zip(_REL_PROPS, r[3:]))})
    out["papers_gone"] = [p for p in paper_ids if p not in found]
    found = set()
    for chunk in chunked(entity_ids, 500):
        for eid, name, etype, aliases, count in cur.execute(
                f"SELECT id, name, type, aliases, paper_count FROM entities WHERE id IN ({_marks(len(chunk))})",
                chunk).fetchall():
            if etype not in ENTITY_TYPES:
                raise StoreError(f"entity {eid}: unknown type {etype!r}")
            out["entities"].setdefault(etype, []).append(
                {"id": eid, "props": {"id": eid, "name": name, "type": etype, "aliases": json.loads(aliases),
                                      "paper_count": count}})
            found.add(eid)
    gone = [e for e in entity_ids if e not in found]
    needed = _edge_ends(cur, gone)
    out["placeholders"] = [e for e in gone if e in needed]
    out["entities_gone"] = [e for e in gone if e not in needed]
    for s, t, d in edge_keys:
        if t not in ENTITY_RELATION_TYPES:
            raise StoreError(f"unknown entity relation type {t!r}")
        r = cur.execute("SELECT papers, support, confidence FROM entity_edges WHERE source=? AND type=? AND target=?",
                        (s, t, d)).fetchone()
        if r is None:
            out["edges_gone"].setdefault(t, []).append({"source": s, "target": d})
        else:
            out["edges"].setdefault(t, []).append(
                {"source": s, "target": d, "props": {"papers": json.loads(r[0]), "support": r[1], "confidence": r[2]}})
    return out


def publication_of(cur: sqlite3.Cursor, written: "Written") -> dict[str, Any]:
    """``read_publication`` of the ids a write changed, from the rows the write made
    (``Written``) instead of read back: the same rows (a test compares the two). Only the
    gone entities are looked up, in the open transaction (is one still a derived edge's end?).

    Two things only the write knows spare Neo4j work: ``papers_new``, the papers the state file
    did not have (so Neo4j has none: no relations to drop), and ``entities_kept``, the entity
    rows (by type) of entities the file had with that type (Neo4j has the label: none to change).
    Both hold because Neo4j holds what the file holds for every id not in the note, and the
    copies go in the order of the batches."""
    out: dict[str, Any] = {"papers": [], "papers_gone": [], "relations": {}, "entities": {},
                           "entities_gone": [], "placeholders": [], "edges": {}, "edges_gone": {},
                           "papers_new": [], "entities_kept": {}}
    for pid in sorted(written.papers):
        row = written.papers[pid]
        if row is None:
            out["papers_gone"].append(pid)
            continue
        out["papers"].append(dict(row))
        if pid not in written.existed:
            out["papers_new"].append(pid)
        for r in sorted(written.relations.get(pid, ()), key=lambda r: (r["type"], r["entity_id"])):
            if r["type"] not in RELATION_TYPES:
                raise StoreError(f"paper {pid}: unknown relation type {r['type']!r}")
            out["relations"].setdefault(r["type"], []).append(
                {"source": pid, "target": r["entity_id"], "props": {k: r[k] for k in _REL_PROPS}})
    gone = []
    for eid in sorted(written.entities):
        e = written.entities[eid]
        if e is None:
            gone.append(eid)
            continue
        if e["type"] not in ENTITY_TYPES:
            raise StoreError(f"entity {eid}: unknown type {e['type']!r}")
        out["entities_kept" if eid in written.same_type else "entities"].setdefault(e["type"], []).append(
            {"id": eid, "props": {"id": eid, "name": e["name"], "type": e["type"], "aliases": list(e["aliases"]),
                                  "paper_count": e["paper_count"]}})
    needed = _edge_ends(cur, gone)
    out["placeholders"] = [e for e in gone if e in needed]
    out["entities_gone"] = [e for e in gone if e not in needed]
    for key in sorted(written.edges):
        s, t, d = key
        if t not in ENTITY_RELATION_TYPES:
            raise StoreError(f"unknown entity relation type {t!r}")
        edge = written.edges[key]
        if edge is None:
            out["edges_gone"].setdefault(t, []).append({"source": s, "target": d})
        else:
            out["edges"].setdefault(t, []).append(
                {"source": s, "target": d, "props": {"papers": list(edge["papers"]), "support": edge["support"],
                                                     "confidence": edge["confidence"]}})
    return out


def _edge_ends(cur: sqlite3.Cursor, ids: list[str]) -> set[str]:
    """Those of ``ids`` some derived edge of the state file starts or ends at."""
    needed: set[str] = set()
    for chunk in chunked(ids, 500):
        m = _marks(len(chunk))
        needed.update(r[0] for r in cur.execute(
            f"SELECT source FROM entity_edges WHERE source IN ({m}) UNION SELECT target FROM entity_edges"
            f" WHERE target IN ({m})", chunk + chunk).fetchall())
    return needed


# -- the copy: Cypher (labels and types from whitelists only) -------------------------------
_TYPE_LABELS = ":".join(ENTITY_TYPES)
_DELETE_PAPERS = "UNWIND $ids AS id MATCH (p:Paper {id: id}) DETACH DELETE p"
_DROP_RELATIONS = "UNWIND $ids AS id MATCH (:Paper {id: id})-[r]->() DELETE r"
_SET_PAPERS = "UNWIND $rows AS row MERGE (p:Paper {id: row.id}) SET p = row"
_SET_ENTITIES = {t: ("UNWIND $rows AS row MERGE (e:Entity {id: row.id}) "
                     f"REMOVE e:{_TYPE_LABELS} SET e:{t} SET e = row.props") for t in ENTITY_TYPES}
#: an entity Neo4j has with this type label already (``entities_kept``)
_KEEP_ENTITIES = {t: f"UNWIND $rows AS row MERGE (e:Entity {{id: row.id}}) ON CREATE SET e:{t} SET e = row.props"
                  for t in ENTITY_TYPES}
_CREATE_RELATIONS = {t: ("UNWIND $rows AS row MATCH (p:Paper {id: row.source}) MATCH (e:Entity {id: row.target}) "
                         f"CREATE (p)-[r:{t}]->(e) SET r = row.props") for t in RELATION_TYPES}
_SET_EDGES = {t: ("UNWIND $rows AS row "
                  "MERGE (a:Entity {id: row.source}) ON CREATE SET a.paper_count = 0 "
                  "MERGE (b:Entity {id: row.target}) ON CREATE SET b.paper_count = 0 "
                  f"MERGE (a)-[r:{t}]->(b) SET r = row.props") for t in ENTITY_RELATION_TYPES}
_DELETE_EDGES = {t: ("UNWIND $rows AS row "
                     f"MATCH (:Entity {{id: row.source}})-[r:{t}]->(:Entity {{id: row.target}}) DELETE r")
                 for t in ENTITY_RELATION_TYPES}
#: an end no paper mentions that a derived edge still needs: an ``Entity`` with id and paper_count 0
_TO_PLACEHOLDERS = (f"UNWIND $ids AS id MERGE (e:Entity {{id: id}}) REMOVE e:{_TYPE_LABELS} "
                    "SET e = {id: id, paper_count: 0}")
_DELETE_ENTITIES = "UNWIND $ids AS id MATCH (e:Entity {id: id}) DETACH DELETE e"
_DELETE_UNUSED_PLACEHOLDERS = ("UNWIND $ids AS id MATCH (e:Entity {id: id}) "
                               "WHERE e.paper_count = 0 AND NOT (e)--() DELETE e")

COUNTERS = ("nodes_created", "nodes_deleted", "relationships_created", "relationships_deleted",
            "properties_set", "labels_added", "labels_removed")


def publish_tx(tx: "ManagedTransaction", pub: dict[str, Any], papers_expected: int | None, counters: dict[str, int]) -> None:
    """Make Neo4j hold ``pub`` (``read_publication``, ``publication_of``); then, when ``papers_expected`` is given,
    check that it holds as many papers as the state file."""
    local = {k: 0 for k in COUNTERS}

    def run(query: str, **params: Any) -> list[Any]:
        result = tx.run(query, **params)
        records = list(result)
        c = result.consume().counters
        for k in COUNTERS:
            local[k] += getattr(c, k)
        return records

    if pub["papers_gone"]:
        run(_DELETE_PAPERS, ids=pub["papers_gone"])
    new = set(pub.get("papers_new", ()))
    stored = [p["id"] for p in pub["papers"] if p["id"] not in new]
    if stored:
        run(_DROP_RELATIONS, ids=stored)
    if pub["papers"]:
        run(_SET_PAPERS, rows=pub["papers"])
    for t in sorted(pub["entities"]):
        run(_SET_ENTITIES[t], rows=pub["entities"][t])
    kept = pub.get("entities_kept", {})
    for t in sorted(kept):
        run(_KEEP_ENTITIES[t], rows=kept[t])
    for t in sorted(pub["relations"]):
        run(_CREATE_RELATIONS[t], rows=pub["relations"][t])
    ends: set[str] = set()
    for t in sorted(pub["edges_gone"]):
        run(_DELETE_EDGES[t], rows=pub["edges_gone"][t])
        ends.update(x for r in pub["edges_gone"][t] for x in (r["source"], r["target"]))
    for t in sorted(pub["edges"]):
        run(_SET_EDGES[t], rows=pub["edges"][t])
    if pub["placeholders"]:
        run(_TO_PLACEHOLDERS, ids=pub["placeholders"])
    if pub["entities_gone"]:
        run(_DELETE_ENTITIES, ids=pub["entities_gone"])
    ends.update(pub["placeholders"])
    if ends:
        run(_DELETE_UNUSED_PLACEHOLDERS, ids=sorted(ends))
    if papers_expected is not None:
        held = run("MATCH (p:Paper) RETURN count(p) AS n")[0]["n"]
        if held != papers_expected:
            raise StateMismatch(
                f"the Neo4j database holds {held} papers where its state file expects {papers_expected}: "
                "another writer (or a hand edit) changed it; keep several writers' state in Neo4j "
                "(--state neo4j), or write from the machine whose state file made it")
    for k, v in local.items():  # only once the transaction's work is all done (it may be run again)
        counters[k] = counters.get(k, 0) + v


class Publication(NamedTuple):
    """One batch's copy to Neo4j: what Neo4j must hold for the batch's ids (``publication_of``,
    or ``read_publication`` for the ids of the note)
    and how many papers the state file holds once the batch is in."""

    entry: int  # its entry in the note
    rows: dict[str, Any]
    expected: int


class Publisher:
    """Copies a state file's batches to Neo4j, one Neo4j transaction per batch.

    Each batch commits in the state file first, with its ids (papers, entities, edges) added
    to the note (``<state>.publishing``) inside that SQLite transaction, before its commit; its
    copy (the rows the write made; the noted ids' read back in the transaction) then goes to Neo4j, and its ids leave the note once Neo4j
    committed it. So every id Neo4j may hold differently from the committed state file is in the
    note, whatever moment a process dies at, and a write that finds a note first copies its ids
    again from the state file (``prepare(..., noted=True)``): the copies set whole values, so
    copying an id twice is harmless, and a copy whose commit had an unknown outcome is finished.
    Copies go to Neo4j in the order of the batches (the next one is sent when the last has
    committed) while the state file's work on the next batch runs beside them; one writer at a
    time (``writing``).
    """

    def __init__(self, master: "EmbeddedStore"):
        self.master = master
        self.note = publishing_note(master.path)
        #: the note's entries: the ids of each batch not known to be in Neo4j
        self._entries: dict[int, dict[str, Any]] = dict(enumerate(self._read_note()))
        self._next = len(self._entries)

    def noted(self) -> bool:
        """Did a write leave ids Neo4j may not hold as the state file does?"""
        return bool(self._entries) or self.note.exists()

    def prepare(self, cur: sqlite3.Cursor, changed: "Changed", noted: bool = False) -> Publication | None:
        """In the state file's transaction of a batch, before its commit: note the ids it
        changed (``noted``: and every id of the note) and read what Neo4j must hold for them."""
        papers, entities, edges = set(changed.papers), set(changed.entities), set(changed.edges)
        if noted:
            for e in self._entries.values():
                papers.update(e["papers"])
                entities.update(e["entities"])
                edges.update(tuple(k) for k in e["edges"])
        if not (papers or entities or edges):
            return None
        expected = cur.execute("SELECT COUNT(*) FROM papers").fetchone()[0]
        entry = self._next
        self._next += 1
        self._entries[entry] = {"papers": sorted(papers), "entities": sorted(entities),
                                "edges": [list(k) for k in sorted(edges)], "expected": expected}
        self._write_note()
        if changed.rows is not None and not noted:  # the rows the write made: nothing to read back
            return Publication(entry, publication_of(cur, changed.rows), expected)
        return Publication(entry, read_publication(cur, papers, entities, edges), expected)

    def confirm(self, pub: Publication | None, everything: bool = False) -> None:
        """Neo4j committed ``pub``: its ids leave the note (``everything``: a copy of every noted
        id, after which the whole note goes)."""
        if everything:
            self._entries.clear()
        elif pub is not None:
            self._entries.pop(pub.entry, None)
        self._write_note()

    def _read_note(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.note.read_text(encoding="utf-8"))
            # one batch's ids at the top (an earlier kg's note), else a list of batches
            batches = data["batches"] if "batches" in data else [data]
            return [{"papers": list(b["papers"]), "entities": list(b["entities"]),
                     "edges": [list(e) for e in b["edges"]], "expected": b.get("expected")} for b in batches]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError):
            raise StateMismatch(f"{self.note}: unreadable; delete it and run `kg ingest` with the same input "
                                "again") from None

    def _write_note(self) -> None:
        """The note as ``_entries`` say (atomically replaced); gone when they are empty."""
        if not self._entries:
            self.note.unlink(missing_ok=True)
            # an earlier kg kept the facts of a batch beside its note: its ids were copied again
            self.note.with_name(self.note.name + ".facts").unlink(missing_ok=True)
            return
        tmp = self.note.with_name(self.note.name + ".tmp")
        tmp.write_text(json.dumps({"batches": [self._entries[k] for k in sorted(self._entries)]}), encoding="utf-8")
        os.replace(tmp, self.note)


@contextmanager
def writing(path: Path, say: Callable[[str], None]) -> Iterator[None]:
    """The state file's write lock (``flock``) for a whole write: writers on one machine queue
    on it, so one writer's copies reach Neo4j in the order of its batches and no other's come
    between. A file system without ``flock`` has SQLite's own locking only (per batch)."""
    import fcntl

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"{path}: another kg process is writing through this state file; waiting for it to finish "
                "(two writers never interleave)")
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass
        yield
    finally:
        os.close(fd)  # releases the lock


def reset_state_file(master: "EmbeddedStore", expect_papers: int | None = None) -> bool:
    """Empty a state file (its tables; of ``meta`` only the layout and the database it is bound
    to stay), in one transaction; with ``expect_papers``,
    only if it still holds that many papers (another process may have reset it and written
    since). Returns whether it did."""
    db = master.db
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type='table' AND name <> 'meta'").fetchall()
    # a virtual table (the names index, FTS5) and its shadow tables are SQLite's to keep: the
    # rows of its content table go with the triggers that index them
    virtual = [n for n, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    tables = [n for n, _ in rows if n not in virtual and not any(n.startswith(v + "_") for v in virtual)]
    db.execute("BEGIN IMMEDIATE")
    try:
        if expect_papers is not None and db.execute("SELECT COUNT(*) FROM papers").fetchone()[0] != expect_papers:
            db.execute("ROLLBACK")
            return False
        for t in tables:
            db.execute(f'DELETE FROM "{t}"')
        # what the file says about its contents goes with them; its layout and binding stay
        db.execute("DELETE FROM meta WHERE key NOT IN ('schema_version', 'entity_stats', 'neo4j_database')")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    note = publishing_note(master.path)
    note.with_name(note.name + ".facts").unlink(missing_ok=True)
    note.unlink(missing_ok=True)
    return True


def republish_all(master: "EmbeddedStore") -> tuple[set[str], set[str], set[tuple[str, str, str]]]:
    """Every id of the state file (to publish a whole embedded store)."""
    papers = {r[0] for r in master.sql("SELECT id FROM papers")}
    entities = {r[0] for r in master.sql("SELECT id FROM entities")}
    edges = {tuple(r) for r in master.sql("SELECT source, type, target FROM entity_edges")}
    return papers, entities, edges


# -- finding nodes without the normalised keys in the database -------------------------------
_RUN = re.compile(r"[^\W_]+")


def search_run(text: str) -> str:
    """The longest run of letters and digits of ``text``, lower-cased: a name whose normalised
    form (``compact_key``) equals that of ``text`` contains it (bar punctuation inside the run)."""
    runs = _RUN.findall(text.lower())
    return max(runs, key=len) if runs else ""


FIND_ENTITIES = ("MATCH (e:Entity) WHERE e.paper_count > 0 AND any(f IN [e.name] + coalesce(e.aliases, []) "
                 "WHERE toLower(f) CONTAINS $run) RETURN e.id AS id, [e.name] + coalesce(e.aliases, []) AS forms, "
                 "e.paper_count AS n")
FIND_PAPERS = "MATCH (p:Paper) WHERE toLower(p.title) CONTAINS $run RETURN p.id AS id, p.title AS title"


def matching_ids(entity_rows: Iterable[Any], paper_rows: Iterable[Any], key: str) -> list[str]:
    """Entities (most papers first) then papers (by id) whose forms or title normalise to ``key``."""
    ents = sorted((-r["n"], r["id"]) for r in entity_rows if any(compact_key(f) == key for f in r["forms"] if f))
    papers = sorted(r["id"] for r in paper_rows if compact_key(r["title"] or "") == key)
    return [i for _, i in ents] + papers
