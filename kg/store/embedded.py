"""The embedded store: one SQLite file, indexed, crash-safe, no server.

SQLite in WAL mode with one transaction per written batch: a process killed at any
moment leaves a file that opens with either the old or the new content. Reads go
through indexes, so a neighbourhood or a stats call never parses the whole graph.

Write semantics (the Neo4j store mirrors them):

* a paper whose content hash (everything but ``source``) is unchanged is skipped;
* a changed paper has its relations and derived support replaced;
* a paper with a title-derived id (``title:...``) whose normalised title is already stored
  under a real identifier takes that id; a stored ``title:`` paper is renamed when the
  same title arrives with a real identifier — so the id does not depend on input order;
* entity node properties (name, aliases, paper_count) are recomputed from the relation
  rows of every paper that mentions the entity (``rows.entity_props``);
* entity -> entity edges are aggregated from per-paper support rows.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Iterable, Iterator

from kg.errors import StoreError
from kg.ids import compact_key
from kg.schema import PaperFacts
from kg.store import rows as R
from kg.store.base import EdgeDict, GraphStore, NodeDict, WriteSummary

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS papers(
    id TEXT PRIMARY KEY, title TEXT NOT NULL, abstract TEXT NOT NULL, year INTEGER,
    authors TEXT NOT NULL, url TEXT, source TEXT, title_key TEXT NOT NULL,
    arxiv TEXT, doi TEXT, s2 TEXT, openalex TEXT, content_hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS papers_title_key ON papers(title_key);
CREATE TABLE IF NOT EXISTS entities(
    id TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, aliases TEXT NOT NULL,
    paper_count INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS entities_type ON entities(type);
CREATE TABLE IF NOT EXISTS entity_forms(
    form_key TEXT NOT NULL, entity_id TEXT NOT NULL, PRIMARY KEY(form_key, entity_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entity_forms_entity ON entity_forms(entity_id);
CREATE TABLE IF NOT EXISTS relations(
    paper_id TEXT NOT NULL, type TEXT NOT NULL, entity_id TEXT NOT NULL,
    entity_name TEXT NOT NULL, entity_type TEXT NOT NULL, entity_aliases TEXT NOT NULL,
    confidence REAL NOT NULL, rule TEXT NOT NULL, evidence_field TEXT NOT NULL,
    evidence_start INTEGER NOT NULL, evidence_end INTEGER NOT NULL,
    evidence_sentence TEXT NOT NULL, mention TEXT NOT NULL,
    PRIMARY KEY(paper_id, type, entity_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS relations_entity ON relations(entity_id, type);
CREATE INDEX IF NOT EXISTS relations_type ON relations(type);
CREATE TABLE IF NOT EXISTS edge_support(
    source TEXT NOT NULL, type TEXT NOT NULL, target TEXT NOT NULL, paper_id TEXT NOT NULL,
    confidence REAL NOT NULL, PRIMARY KEY(source, type, target, paper_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS edge_support_paper ON edge_support(paper_id);
CREATE TABLE IF NOT EXISTS entity_edges(
    source TEXT NOT NULL, type TEXT NOT NULL, target TEXT NOT NULL, papers TEXT NOT NULL,
    support INTEGER NOT NULL, confidence REAL NOT NULL,
    PRIMARY KEY(source, type, target)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entity_edges_target ON entity_edges(target);
"""

_REL_COLS = ("paper_id", "type", "entity_id", "entity_name", "entity_type", "entity_aliases",
             "confidence", "rule", "evidence_field", "evidence_start", "evidence_end",
             "evidence_sentence", "mention")


#: SQLite page cache per connection, in KiB
CACHE_KB = 256 * 1024


_INSERT_RELATION = f"INSERT INTO relations({','.join(_REL_COLS)}) VALUES({','.join('?' * len(_REL_COLS))})"


class EmbeddedStore(GraphStore):
    """The graph in one SQLite file at ``path`` (created on first write)."""

    kind = "embedded"

    def __init__(self, path: str | os.PathLike[str], create: bool = True):
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StoreError(f"{self.path}: no store here (run `kg ingest` first)")
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a directory, not a store file")
        try:
            if self.path.parent and not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(self.path), isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=OFF")
            self.db.execute("PRAGMA busy_timeout=30000")
            # a page cache that holds the hot indexes of a 100k-paper store (the default is 2 MB)
            self.db.execute(f"PRAGMA cache_size=-{CACHE_KB}")
            self.db.execute("PRAGMA temp_store=MEMORY")
            self._init_schema()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a kg store ({exc})") from None
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot open ({exc.strerror or exc})") from None

    # -- setup ---------------------------------------------------------------------
    def _init_schema(self) -> None:
        row = None
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.OperationalError:
            pass
        if row is not None:
            if row[0] != SCHEMA_VERSION:
                raise StoreError(f"{self.path}: store schema version {row[0]}, this kg needs {SCHEMA_VERSION}")
            return
        # one script, one transaction: a crash leaves either no schema or all of it
        self.db.executescript(
            "BEGIN IMMEDIATE;" + _SCHEMA
            + f"INSERT OR REPLACE INTO meta VALUES('schema_version', '{SCHEMA_VERSION}'); COMMIT;"
        )

    def close(self) -> None:
        try:
            self.db.close()
        except Exception:  # pragma: no cover
            pass

    # -- writing -------------------------------------------------------------------
    def write(self, facts: Iterable[PaperFacts]) -> WriteSummary:
        """Write a batch of facts in one transaction."""
        summary = WriteSummary()
        touched_entities: set[str] = set()  # lost relation rows: recomputed from all their rows
        added_rows: dict[str, list[tuple]] = {}  # only gained rows: updated from the new rows alone
        touched_edges: set[tuple[str, str, str]] = set()
        cur = self.db.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE")
            for f in facts:
                self._write_one(cur, f, summary, touched_entities, touched_edges, added_rows)
            self._refresh_entities(cur, touched_entities, summary, added_rows)
            self._refresh_edges(cur, touched_edges)
            cur.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                cur.execute("ROLLBACK")
            raise
        return summary

    def _write_one(self, cur: sqlite3.Cursor, facts: PaperFacts, summary: WriteSummary,
                   touched_entities: set[str], touched_edges: set[tuple[str, str, str]],
                   added_rows: dict[str, list[tuple]] | None = None) -> None:
        facts = self._reconcile_id(cur, facts, touched_entities, touched_edges)
        paper = facts.paper
        chash = R.content_hash(facts)
        old = cur.execute("SELECT content_hash FROM papers WHERE id=?", (paper.id,)).fetchone()
        if old is not None and old[0] == chash:
            summary.papers_unchanged += 1
            return
        if old is not None:
            summary.relations_removed += self._drop_paper_facts(cur, paper.id, touched_entities, touched_edges)
            summary.papers_updated += 1
        else:
            summary.papers_added += 1
        p = R.paper_row(paper)
        cur.execute(
            "INSERT INTO papers(id,title,abstract,year,authors,url,source,title_key,arxiv,doi,s2,openalex,content_hash)"
            " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET title=excluded.title,"
            " abstract=excluded.abstract, year=excluded.year, authors=excluded.authors, url=excluded.url,"
            " title_key=excluded.title_key, arxiv=excluded.arxiv, doi=excluded.doi, s2=excluded.s2,"
            " openalex=excluded.openalex, content_hash=excluded.content_hash",
            (p["id"], p["title"], p["abstract"], p["year"], json.dumps(p["authors"], ensure_ascii=False),
             p["url"], p["source"], p["title_key"], p["arxiv"], p["doi"], p["s2"], p["openalex"], chash),
        )
        rel_rows = R.relation_rows(facts)
        aliases_json: dict[tuple[str, ...], str] = {}  # one entity's rows share its aliases
        values = []
        for r in rel_rows:
            al = tuple(r["entity_aliases"])
            if al not in aliases_json:
                aliases_json[al] = json.dumps(r["entity_aliases"], ensure_ascii=False)
            values.append(tuple(aliases_json[al] if c == "entity_aliases" else r[c] for c in _REL_COLS))
        cur.executemany(_INSERT_RELATION, values)
        summary.relations_added += len(rel_rows)
        if added_rows is None:
            touched_entities.update(r["entity_id"] for r in rel_rows)
        else:
            for r in rel_rows:
                added_rows.setdefault(r["entity_id"], []).append(
                    (r["paper_id"], r["entity_name"], r["entity_type"], r["entity_aliases"], r["mention"]))
        sup = R.support_rows(rel_rows)
        cur.executemany(
            "INSERT INTO edge_support(source,type,target,paper_id,confidence) VALUES(?,?,?,?,?)",
            [(s["source"], s["type"], s["target"], s["paper_id"], s["confidence"]) for s in sup],
        )
        touched_edges.update((s["source"], s["type"], s["target"]) for s in sup)

    def _reconcile_id(self, cur: sqlite3.Cursor, facts: PaperFacts, touched_entities: set[str],
                      touched_edges: set[tuple[str, str, str]]) -> PaperFacts:
        """One paper, one id: match title-derived ids with real identifiers by title."""
        paper = facts.paper
        tkey = R.paper_row(paper)["title_key"]
        if not tkey:
            return facts
        # the filtering is done by SQLite: many papers may share a title (with real ids)
        if paper.id.startswith("title:"):
            real = cur.execute("SELECT MIN(id) FROM papers WHERE title_key=? AND id<>? AND substr(id,1,6)<>'title:'",
                               (tkey, paper.id)).fetchone()[0]
            return _with_paper_id(facts, real) if real is not None else facts
        others = [r[0] for r in cur.execute(
            "SELECT id FROM papers WHERE title_key=? AND id<>? AND substr(id,1,6)='title:'", (tkey, paper.id))]
        for other in others:
            self._drop_paper_facts(cur, other, touched_entities, touched_edges)
            cur.execute("DELETE FROM papers WHERE id=?", (other,))
        return facts

    def _drop_paper_facts(self, cur: sqlite3.Cursor, paper_id: str, touched_entities: set[str],
                          touched_edges: set[tuple[str, str, str]]) -> int:
        touched_entities.update(r[0] for r in cur.execute(
            "SELECT entity_id FROM relations WHERE paper_id=?", (paper_id,)))
        touched_edges.update(cur.execute(
            "SELECT source,type,target FROM edge_support WHERE paper_id=?", (paper_id,)).fetchall())
        n = cur.execute("DELETE FROM relations WHERE paper_id=?", (paper_id,)).rowcount
        cur.execute("DELETE FROM edge_support WHERE paper_id=?", (paper_id,))
        return n

    def _refresh_entities(self, cur: sqlite3.Cursor, ids: set[str], summary: WriteSummary,
                          added_rows: dict[str, list[tuple]] | None = None) -> None:
        """Recompute the entity nodes of ``ids``; update those that only gained ``added_rows``.

        The update gives exactly what a recomputation from all rows would (name, aliases,
        type, paper_count), without reading the rows of a popular entity on every batch.
        """
        for eid in sorted(set(added_rows or ()) - ids):
            self._add_to_entity(cur, eid, added_rows[eid], summary)
        for eid in sorted(ids):
            # aggregated by SQLite: a popular entity has tens of thousands of rows
            head = cur.execute("SELECT MIN(entity_type), COUNT(DISTINCT paper_id) FROM relations WHERE entity_id=?",
                               (eid,)).fetchone()
            existed = cur.execute("SELECT 1 FROM entities WHERE id=?", (eid,)).fetchone() is not None
            cur.execute("DELETE FROM entity_forms WHERE entity_id=?", (eid,))
            if not head[1]:
                cur.execute("DELETE FROM entities WHERE id=?", (eid,))
                continue
            per_name = cur.execute("SELECT entity_name, COUNT(DISTINCT paper_id) FROM relations WHERE entity_id=?"
                                   " GROUP BY entity_name", (eid,)).fetchall()
            forms: set[str] = set()
            for (aliases,) in cur.execute("SELECT DISTINCT entity_aliases FROM relations WHERE entity_id=?", (eid,)):
                forms.update(json.loads(aliases))
            forms.update(m for (m,) in cur.execute("SELECT DISTINCT mention FROM relations WHERE entity_id=?", (eid,)))
            name = min(per_name, key=lambda nc: (-nc[1], nc[0]))[0]  # as rows.entity_props decides
            props = {"name": name, "type": head[0], "paper_count": head[1],
                     "aliases": sorted(({f for f in forms if f} | {n for n, _ in per_name}) - {name})}
            cur.execute(
                "INSERT INTO entities(id,name,type,aliases,paper_count) VALUES(?,?,?,?,?)"
                " ON CONFLICT(id) DO UPDATE SET name=excluded.name, type=excluded.type,"
                " aliases=excluded.aliases, paper_count=excluded.paper_count",
                (eid, props["name"], props["type"], json.dumps(props["aliases"], ensure_ascii=False),
                 props["paper_count"]),
            )
            keys = {compact_key(f) for f in [props["name"], *props["aliases"]]} - {""}
            cur.executemany("INSERT OR IGNORE INTO entity_forms(form_key, entity_id) VALUES(?,?)",
                            [(k, eid) for k in sorted(keys)])
            if not existed:
                summary.entities_added += 1

    def _add_to_entity(self, cur: sqlite3.Cursor, eid: str, new: list[tuple], summary: WriteSummary) -> None:
        """Fold relation rows of papers new to the entity into its node (see ``rows.entity_props``)."""
        old = cur.execute("SELECT name, type, aliases, paper_count FROM entities WHERE id=?", (eid,)).fetchone()
        forms = {m for *_, m in new}
        for row in new:
            forms.update(row[3])
        if old is None:  # no rows before these: the node is made from them alone
            props = R.entity_props(eid, min(r[2] for r in new), [(r[0], r[1]) for r in new], forms)
            summary.entities_added += 1
        else:
            name, etype, aliases, count = old[0], old[1], set(json.loads(old[2])), old[3]
            new_names = {r[1] for r in new}
            if new_names != {name}:  # the most used name may change: count names over all rows
                per_name = cur.execute("SELECT entity_name, COUNT(DISTINCT paper_id) FROM relations"
                                       " WHERE entity_id=? GROUP BY entity_name", (eid,)).fetchall()
                name = min(per_name, key=lambda nc: (-nc[1], nc[0]))[0]
            aliases = sorted(({f for f in forms if f} | aliases | new_names | {old[0]}) - {name})
            props = {"name": name, "type": min(etype, *(r[2] for r in new)), "aliases": aliases,
                     "paper_count": count + len({r[0] for r in new})}
        cur.execute(
            "INSERT INTO entities(id,name,type,aliases,paper_count) VALUES(?,?,?,?,?)"
            " ON CONFLICT(id) DO UPDATE SET name=excluded.name, type=excluded.type,"
            " aliases=excluded.aliases, paper_count=excluded.paper_count",
            (eid, props["name"], props["type"], json.dumps(props["aliases"], ensure_ascii=False),
             props["paper_count"]),
        )
        # forms only grow here: the keys of the old ones are stored already
        known = set() if old is None else {old[0], *json.loads(old[2])}
        keys = {compact_key(f) for f in [props["name"], *props["aliases"]] if f not in known} - {""}
        if keys:
            cur.executemany("INSERT OR IGNORE INTO entity_forms(form_key, entity_id) VALUES(?,?)",
                            [(k, eid) for k in sorted(keys)])

    def _refresh_edges(self, cur: sqlite3.Cursor, keys: set[tuple[str, str, str]]) -> None:
        for source, etype, target in sorted(keys):
            sup = cur.execute(
                "SELECT paper_id, confidence FROM edge_support WHERE source=? AND type=? AND target=?"
                " ORDER BY paper_id", (source, etype, target)).fetchall()
            if not sup:
                cur.execute("DELETE FROM entity_edges WHERE source=? AND type=? AND target=?",
                            (source, etype, target))
                continue
            papers = [p for p, _ in sup]
            cur.execute(
                "INSERT INTO entity_edges(source,type,target,papers,support,confidence) VALUES(?,?,?,?,?,?)"
                " ON CONFLICT(source,type,target) DO UPDATE SET papers=excluded.papers,"
                " support=excluded.support, confidence=excluded.confidence",
                (source, etype, target, json.dumps(papers), len(papers),
                 R.combine_confidence(c for _, c in sup)),
            )

    # -- reading -------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        q = self.db.execute
        return {
            "store": str(self.path),
            "papers": q("SELECT COUNT(*) FROM papers").fetchone()[0],
            "entities": q("SELECT COUNT(*) FROM entities").fetchone()[0],
            "relations": q("SELECT COUNT(*) FROM relations").fetchone()[0],
            "entity_relations": q("SELECT COUNT(*) FROM entity_edges").fetchone()[0],
            "entity_types": dict(q("SELECT type, COUNT(*) FROM entities GROUP BY type ORDER BY type").fetchall()),
            "relation_types": dict(q("SELECT type, COUNT(*) FROM relations GROUP BY type ORDER BY type").fetchall()),
            "entity_relation_types": dict(
                q("SELECT type, COUNT(*) FROM entity_edges GROUP BY type ORDER BY type").fetchall()),
        }

    _PAPER_SQL = ("SELECT id,title,abstract,year,authors,url,source,title_key,arxiv,doi,s2,openalex FROM papers")
    _ENTITY_SQL = "SELECT id,name,type,aliases,paper_count FROM entities"

    @staticmethod
    def _paper_node(r: tuple) -> NodeDict:
        keys = ("id", "title", "abstract", "year", "authors", "url", "source", "title_key", "arxiv",
                "doi", "s2", "openalex")
        d = dict(zip(keys, r))
        d["authors"] = json.loads(d["authors"])
        d["label"] = "Paper"
        return R.clean_node(d)

    @staticmethod
    def _entity_node(r: tuple) -> NodeDict:
        return {"id": r[0], "label": r[2], "name": r[1], "type": r[2], "aliases": json.loads(r[3]),
                "paper_count": r[4]}

    def iter_nodes(self) -> Iterator[NodeDict]:
        for r in self.db.execute(self._PAPER_SQL + " ORDER BY id"):
            yield self._paper_node(r)
        for r in self.db.execute(self._ENTITY_SQL + " ORDER BY id"):
            yield self._entity_node(r)

    _REL_SQL = ("SELECT paper_id, entity_id, type, confidence, rule, evidence_field, evidence_start,"
                " evidence_end, evidence_sentence, mention FROM relations")
    _EDGE_SQL = "SELECT source, target, type, papers, support, confidence FROM entity_edges"

    @staticmethod
    def _rel_edge(r: tuple) -> EdgeDict:
        return {"source": r[0], "target": r[1], "type": r[2], "confidence": r[3], "rule": r[4],
                "evidence_field": r[5], "evidence_start": r[6], "evidence_end": r[7],
                "evidence_sentence": r[8], "mention": r[9]}

    @staticmethod
    def _entity_edge(r: tuple) -> EdgeDict:
        return {"source": r[0], "target": r[1], "type": r[2], "papers": json.loads(r[3]),
                "support": r[4], "confidence": r[5]}

    def iter_edges(self) -> Iterator[EdgeDict]:
        rels = (self._rel_edge(r) for r in self.db.execute(self._REL_SQL + " ORDER BY paper_id, type, entity_id"))
        edges = (self._entity_edge(r) for r in self.db.execute(self._EDGE_SQL + " ORDER BY source, type, target"))
        yield from _merge_sorted(rels, edges)

    def get_nodes(self, ids: Iterable[str]) -> list[NodeDict]:
        want = sorted(set(ids))
        out: list[NodeDict] = []
        for chunk in _chunks(want, 500):
            marks = ",".join("?" * len(chunk))
            out += [self._paper_node(r) for r in self.db.execute(self._PAPER_SQL + f" WHERE id IN ({marks})", chunk)]
            out += [self._entity_node(r) for r in self.db.execute(self._ENTITY_SQL + f" WHERE id IN ({marks})", chunk)]
        return sorted(out, key=lambda n: n["id"])

    def edges_of(self, ids: Iterable[str]) -> list[EdgeDict]:
        want = sorted(set(ids))
        seen: dict[tuple[str, str, str], EdgeDict] = {}
        for chunk in _chunks(want, 400):
            marks = ",".join("?" * len(chunk))
            for sql, conv in (
                (self._REL_SQL + f" WHERE paper_id IN ({marks})", self._rel_edge),
                (self._REL_SQL + f" WHERE entity_id IN ({marks})", self._rel_edge),
                (self._EDGE_SQL + f" WHERE source IN ({marks})", self._entity_edge),
                (self._EDGE_SQL + f" WHERE target IN ({marks})", self._entity_edge),
            ):
                for r in self.db.execute(sql, chunk):
                    e = conv(r)
                    seen[(e["source"], e["type"], e["target"])] = e
        return [seen[k] for k in sorted(seen)]

    def find_nodes(self, text: str, limit: int = 10) -> list[NodeDict]:
        text = text.strip()
        ids: list[str] = []
        if self.db.execute("SELECT 1 FROM papers WHERE id=?", (text,)).fetchone() or \
                self.db.execute("SELECT 1 FROM entities WHERE id=?", (text,)).fetchone():
            ids.append(text)
        key = compact_key(text)
        if key:
            ids += [r[0] for r in self.db.execute(
                "SELECT f.entity_id FROM entity_forms f JOIN entities e ON e.id=f.entity_id"
                " WHERE f.form_key=? ORDER BY e.paper_count DESC, e.id", (key,))]
            ids += [r[0] for r in self.db.execute("SELECT id FROM papers WHERE title_key=? ORDER BY id", (key,))]
        uniq = list(dict.fromkeys(ids))[:limit]
        by_id = {n["id"]: n for n in self.get_nodes(uniq)}
        return [by_id[i] for i in uniq if i in by_id]

    def node_names(self) -> Iterator[tuple[str, str]]:
        for r in self.db.execute("SELECT id, name FROM entities ORDER BY id"):
            yield r[0], r[1]
        for r in self.db.execute("SELECT id, title FROM papers ORDER BY id"):
            yield r[0], r[1]

    # -- helpers for queries and resolution -------------------------------------------
    def sql(self, query: str, params: Iterable[Any] = ()) -> list[tuple]:
        """Run a read-only SQL statement (for canned-query implementations)."""
        return self.db.execute(query, tuple(params)).fetchall()

    # -- resolution -------------------------------------------------------------------
    # kg.resolve's state, in tables of kg/store/sqlite_resolution.py (created on first use).
    @property
    def _resolution(self):
        from kg.store.sqlite_resolution import SQLiteResolution

        if getattr(self, "_resolution_state", None) is None:
            self._resolution_state = SQLiteResolution(self.db)
        return self._resolution_state

    def resolution_votes(self, keys: Iterable[str]) -> list[tuple[str, str, str, int, int]]:
        return self._resolution.votes(keys)

    def resolution_keys(self, paper_ids: Iterable[str]) -> set[str]:
        return self._resolution.keys_of(paper_ids)

    def resolution_dependents(self, keys: Iterable[str]) -> list[str]:
        return self._resolution.dependents(keys)

    def resolution_raw(self, paper_ids: Iterable[str]) -> Iterator[tuple[str, str]]:
        return self._resolution.raw(paper_ids)

    def resolution_rows(self) -> Iterator[tuple[str, str, str, str, int, str]]:
        return self._resolution.rows()

    def resolution_save(self, papers: Iterable[tuple[str, str, list[tuple[str, str, str, int, str]], str]],
                        dirty: "dict[str, str] | None" = None) -> None:
        self._resolution.save(papers, dirty)

    def resolution_dirty(self) -> dict[str, str]:
        return self._resolution.dirty()

    def resolution_settle(self, keys: Iterable[str], pending: Iterable[str]) -> None:
        self._resolution.settle(keys, pending)

    def resolution_pending(self) -> list[str]:
        return self._resolution.pending()

    def resolution_done(self, paper_ids: Iterable[str]) -> None:
        self._resolution.done(paper_ids)

    def resolution_save_deps(self, deps: "dict[str, Iterable[str]]") -> None:
        self._resolution.save_deps(deps)


def _with_paper_id(facts: PaperFacts, new_id: str) -> PaperFacts:
    from dataclasses import replace

    return PaperFacts(
        paper=replace(facts.paper, id=new_id),
        entities=facts.entities,
        relations=tuple(replace(r, source=new_id) for r in facts.relations),
    )


def _chunks(items: list[str], n: int) -> Iterator[list[str]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _merge_sorted(a: Iterator[EdgeDict], b: Iterator[EdgeDict]) -> Iterator[EdgeDict]:
    import heapq

    return heapq.merge(a, b, key=lambda e: (e["source"], e["type"], e["target"]))
