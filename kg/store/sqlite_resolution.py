"""Resolution state in SQLite: the embedded store's (and a temporary spool's)
``ResolutionState`` (``kg.store.base``).

Three tables, created on first use (so stores made before them still open):

* ``resolution_raw(paper_id, title_id, facts)``: each paper's facts as they came in (zlib
  JSON), to resolve it again when the corpus later changes a decision it depends on, and
  the id its title alone would give it (``kg.ids.title_paper_id``). A rowid table: its
  rows are ~1.4 KB, and a WITHOUT ROWID b-tree gives each such row its own overflow page
  (3x the file size and the writes);
* ``resolution_votes(key, kind, value, paper_id, weight, surface)``: the votes each paper
  casts (``kg.resolve.core.paper_votes``), replaced when the paper is written again;
* ``resolution_deps(key, paper_id)``: the keys whose decisions each paper's resolution read;
* ``resolution_sums(key, kind, value, papers, weight)``: the votes summed, kept in step with
  ``resolution_votes`` in the same transactions, so a key with 50,000 votes costs one row;
* ``resolution_dirty(key, before)``: keys whose votes changed, with the decision each had
  before (the oldest one), until the papers depending on them are marked pending;
* ``resolution_pending(paper_id)``: papers to resolve again, until their new facts are written.

The last two make re-resolution crash-safe: a run killed at any moment leaves marks that the
next ``kg ingest`` finishes. The version of the votes is kept in ``meta`` (``votes_version``).

This module only stores: which records a save keeps is ``kg.store.rows.plan_resolution_save``'s.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from kg.batch import chunked
from kg.resolve.core import (VOTES_VERSION, ResolutionRecord, StoredVote, VoteSum, pack_facts, sum_changes,
                             unpack_facts)
from kg.store.rows import plan_resolution_save
from kg.store.sqlite_common import as_is, guarded, held_title_ids

_DDL = """
CREATE TABLE IF NOT EXISTS resolution_raw(paper_id TEXT PRIMARY KEY, title_id TEXT NOT NULL, facts BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS resolution_raw_title ON resolution_raw(title_id);
CREATE TABLE IF NOT EXISTS resolution_votes(
    key TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, paper_id TEXT NOT NULL,
    weight INTEGER NOT NULL, surface TEXT NOT NULL,
    PRIMARY KEY(key, kind, value, paper_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS resolution_votes_paper ON resolution_votes(paper_id);
CREATE TABLE IF NOT EXISTS resolution_deps(key TEXT NOT NULL, paper_id TEXT NOT NULL,
    PRIMARY KEY(key, paper_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS resolution_deps_paper ON resolution_deps(paper_id);
CREATE TABLE IF NOT EXISTS resolution_dirty(key TEXT PRIMARY KEY, before TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS resolution_pending(paper_id TEXT PRIMARY KEY) WITHOUT ROWID;
"""

_SUMS_DDL = """
CREATE TABLE resolution_sums(key TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
    papers INTEGER NOT NULL, weight INTEGER NOT NULL, PRIMARY KEY(key, kind, value)) WITHOUT ROWID;
INSERT INTO resolution_sums(key, kind, value, papers, weight)
    SELECT key, kind, value, COUNT(*), SUM(weight) FROM resolution_votes GROUP BY key, kind, value;
"""
_TABLES = {"resolution_raw", "resolution_votes", "resolution_deps", "resolution_sums", "resolution_dirty",
           "resolution_pending"}

_CHUNK = 500


class SQLiteResolution:
    """The ``ResolutionState`` over one SQLite connection (autocommit mode).

    ``on_error``: the exception to raise for an SQLite or OS error (default: that error)."""

    def __init__(self, db: sqlite3.Connection, readonly: bool = False,
                 on_error: Callable[[BaseException], BaseException] = as_is):
        self.db = db
        self.readonly = readonly
        self.on_error = on_error
        self._ready = False

    def _ensure(self) -> None:
        if self._ready:
            return
        have = {r[0] for r in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'resolution_%'")}
        if not _TABLES <= have and self.readonly:
            # a store made before these tables, read without altering it: the empty tables
            # live in a temporary schema that shadows nothing and goes with the connection
            self.db.executescript(_DDL.replace("CREATE TABLE IF NOT EXISTS ", "CREATE TEMP TABLE IF NOT EXISTS ")
                                  .replace("CREATE INDEX IF NOT EXISTS ", "CREATE INDEX IF NOT EXISTS temp.")
                                  + "CREATE TEMP TABLE IF NOT EXISTS resolution_sums(key TEXT, kind TEXT, value TEXT,"
                                  " papers INTEGER, weight INTEGER);")
        elif not _TABLES <= have:
            # one transaction; the sums of a store made before them are built from its votes
            sums = "" if "resolution_sums" in have else _SUMS_DDL
            self.db.executescript("BEGIN IMMEDIATE;" + _DDL + sums + "COMMIT;")
        self._ready = True

    def _write(self, statements: Iterable[tuple[str, Sequence[tuple[Any, ...]]]]) -> None:
        self._ensure()
        cur = self.db.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE")
            for sql, params in statements:
                if params:
                    cur.executemany(sql, params)
            cur.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                cur.execute("ROLLBACK")
            raise

    # -- reads -------------------------------------------------------------------------
    @guarded
    def votes(self, keys: Iterable[str]) -> list[VoteSum]:
        self._ensure()
        out: list[VoteSum] = []
        for chunk in chunked(sorted(set(keys)), _CHUNK):
            marks = ",".join("?" * len(chunk))
            out += map(VoteSum._make, self.db.execute(
                f"SELECT key, kind, value, papers, weight FROM resolution_sums WHERE key IN ({marks})", chunk))
        return sorted(out)

    @guarded
    def keys_of(self, paper_ids: Iterable[str]) -> set[str]:
        self._ensure()
        out: set[str] = set()
        for chunk in chunked(sorted(set(paper_ids)), _CHUNK):
            marks = ",".join("?" * len(chunk))
            out.update(r[0] for r in self.db.execute(
                f"SELECT key FROM resolution_votes WHERE paper_id IN ({marks})", chunk))
        return out

    @guarded
    def dependents(self, keys: Iterable[str]) -> list[str]:
        self._ensure()
        out: set[str] = set()
        for chunk in chunked(sorted(set(keys)), _CHUNK):
            marks = ",".join("?" * len(chunk))
            out.update(r[0] for r in self.db.execute(
                f"SELECT paper_id FROM resolution_deps WHERE key IN ({marks})"
                f" UNION SELECT paper_id FROM resolution_votes WHERE key IN ({marks})", chunk + chunk))
        return sorted(out)

    @guarded
    def raw(self, paper_ids: Iterable[str]) -> Iterator[tuple[str, str]]:
        self._ensure()
        for chunk in chunked(sorted(set(paper_ids)), _CHUNK):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT paper_id, facts FROM resolution_raw WHERE paper_id IN ({marks}) ORDER BY paper_id",
                chunk).fetchall()
            for pid, blob in rows:
                yield pid, unpack_facts(blob)

    @guarded
    def rows(self) -> Iterator[StoredVote]:
        self._ensure()
        yield from map(StoredVote._make, self.db.execute(
            "SELECT key, kind, value, paper_id, weight, surface FROM resolution_votes"
            " ORDER BY key, kind, value, paper_id"))

    # -- writes ------------------------------------------------------------------------
    @guarded
    def save(self, papers: Iterable[ResolutionRecord], dirty: Mapping[str, str] | None = None) -> None:
        """Replace each paper's raw facts and votes, or forget its state, as
        ``plan_resolution_save`` says; ``dirty`` keys are added in the same transaction (a key
        already dirty keeps its older decision)."""
        self._ensure()
        cur = self.db.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE")
            plan = plan_resolution_save(papers, lambda title_ids: held_title_ids(cur, "resolution_raw", title_ids))
            keep = plan.keep
            # the sums lose the votes being replaced and gain the new ones, in this transaction
            old: list[VoteSum] = []
            for chunk in chunked(plan.replaced, _CHUNK):
                marks = ",".join("?" * len(chunk))
                old += map(VoteSum._make, cur.execute(
                    f"SELECT key, kind, value, 1, weight FROM resolution_votes WHERE paper_id IN ({marks})", chunk))
            changes = sum_changes(old, [v for r in keep for v in r.votes])
            cur.executemany("DELETE FROM resolution_votes WHERE paper_id=?", [(p,) for p in plan.replaced])
            gone = [(pid,) for pid in plan.superseded] + [(pid,) for pid in plan.forget]
            cur.executemany("DELETE FROM resolution_deps WHERE paper_id=?", gone)
            cur.executemany("DELETE FROM resolution_raw WHERE paper_id=?", gone)
            cur.executemany("INSERT OR REPLACE INTO resolution_raw(paper_id, title_id, facts) VALUES(?,?,?)",
                            [(r.paper_id, r.title_id, pack_facts(r.raw)) for r in keep if r.raw is not None])
            cur.executemany("INSERT OR REPLACE INTO resolution_votes(key, kind, value, paper_id, weight, surface)"
                            " VALUES(?,?,?,?,?,?)",
                            [(v.key, v.kind, v.value, r.paper_id, v.weight, v.surface) for r in keep for v in r.votes])
            cur.executemany("INSERT INTO resolution_sums(key, kind, value, papers, weight) VALUES(?,?,?,?,?)"
                            " ON CONFLICT(key, kind, value) DO UPDATE SET papers=papers+excluded.papers,"
                            " weight=weight+excluded.weight", changes)
            cur.executemany("DELETE FROM resolution_sums WHERE key=? AND kind=? AND value=? AND papers<=0",
                            [(c.key, c.kind, c.value) for c in changes if c.papers < 0])
            cur.executemany("INSERT OR IGNORE INTO resolution_dirty(key, before) VALUES(?,?)",
                            sorted((dirty or {}).items()))
            cur.executemany("DELETE FROM resolution_pending WHERE paper_id=?", [(pid,) for pid in plan.forget])
            cur.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                cur.execute("ROLLBACK")
            raise

    @guarded
    def save_deps(self, deps: Mapping[str, Iterable[str]]) -> None:
        self._write([
            ("DELETE FROM resolution_deps WHERE paper_id=?", [(pid,) for pid in deps]),
            ("INSERT OR IGNORE INTO resolution_deps(key, paper_id) VALUES(?,?)",
             [(k, pid) for pid, keys in deps.items() for k in sorted(set(keys))]),
        ])

    # -- dirty keys and pending papers -------------------------------------------------
    @guarded
    def dirty(self) -> dict[str, str]:
        self._ensure()
        return dict(self.db.execute("SELECT key, before FROM resolution_dirty ORDER BY key"))

    @guarded
    def settle(self, keys: Iterable[str], pending: Iterable[str]) -> None:
        self._write([
            ("INSERT OR IGNORE INTO resolution_pending(paper_id) VALUES(?)", [(p,) for p in sorted(set(pending))]),
            ("DELETE FROM resolution_dirty WHERE key=?", [(k,) for k in sorted(set(keys))]),
        ])

    @guarded
    def pending(self) -> list[str]:
        self._ensure()
        return [r[0] for r in self.db.execute("SELECT paper_id FROM resolution_pending ORDER BY paper_id")]

    @guarded
    def done(self, paper_ids: Iterable[str]) -> None:
        self._write([("DELETE FROM resolution_pending WHERE paper_id=?", [(p,) for p in sorted(set(paper_ids))])])

    # -- what the votes are made of ----------------------------------------------------
    @guarded
    def version(self) -> int:
        tables = {r[0] for r in self.db.execute(
            "SELECT name FROM sqlite_master WHERE name IN ('meta', 'resolution_votes')")}
        if "meta" in tables:
            row = self.db.execute("SELECT value FROM meta WHERE key='votes_version'").fetchone()
            if row is not None:
                return int(row[0])
        has_votes = "resolution_votes" in tables and self.db.execute(
            "SELECT 1 FROM resolution_votes LIMIT 1").fetchone() is not None
        return 1 if has_votes else VOTES_VERSION

    @guarded
    def set_version(self, version: int) -> None:
        self.db.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('votes_version', ?)", (str(int(version)),))
