"""Resolution state in SQLite: the embedded store's (and a temporary spool's) side of
the ``GraphStore`` resolution methods.

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
next ``kg ingest`` finishes.
"""

from __future__ import annotations

import sqlite3
from typing import Iterable, Iterator, Mapping

from kg.resolve.core import pack_facts, sum_changes, unpack_facts

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


def _chunks(items: list[str], n: int = _CHUNK) -> Iterator[list[str]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


class SQLiteResolution:
    """The resolution methods over one SQLite connection (autocommit mode)."""

    def __init__(self, db: sqlite3.Connection, readonly: bool = False):
        self.db = db
        self.readonly = readonly
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

    def _write(self, statements: Iterable[tuple[str, list[tuple]]]) -> None:
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
    def votes(self, keys: Iterable[str]) -> list[tuple[str, str, str, int, int]]:
        self._ensure()
        out: list[tuple[str, str, str, int, int]] = []
        for chunk in _chunks(sorted(set(keys))):
            marks = ",".join("?" * len(chunk))
            out += self.db.execute(
                f"SELECT key, kind, value, papers, weight FROM resolution_sums WHERE key IN ({marks})",
                chunk).fetchall()
        return sorted(out)

    def keys_of(self, paper_ids: Iterable[str]) -> set[str]:
        self._ensure()
        out: set[str] = set()
        for chunk in _chunks(sorted(set(paper_ids))):
            marks = ",".join("?" * len(chunk))
            out.update(r[0] for r in self.db.execute(
                f"SELECT key FROM resolution_votes WHERE paper_id IN ({marks})", chunk))
        return out

    def dependents(self, keys: Iterable[str]) -> list[str]:
        self._ensure()
        out: set[str] = set()
        for chunk in _chunks(sorted(set(keys))):
            marks = ",".join("?" * len(chunk))
            out.update(r[0] for r in self.db.execute(
                f"SELECT paper_id FROM resolution_deps WHERE key IN ({marks})"
                f" UNION SELECT paper_id FROM resolution_votes WHERE key IN ({marks})", chunk + chunk))
        return sorted(out)

    def raw(self, paper_ids: Iterable[str]) -> Iterator[tuple[str, str]]:
        self._ensure()
        for chunk in _chunks(sorted(set(paper_ids))):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT paper_id, facts FROM resolution_raw WHERE paper_id IN ({marks}) ORDER BY paper_id",
                chunk).fetchall()
            for pid, blob in rows:
                yield pid, unpack_facts(blob)

    def rows(self) -> Iterator[tuple[str, str, str, str, int, str]]:
        self._ensure()
        yield from self.db.execute(
            "SELECT key, kind, value, paper_id, weight, surface FROM resolution_votes"
            " ORDER BY key, kind, value, paper_id")

    # -- writes ------------------------------------------------------------------------
    def save(self, papers: Iterable[tuple[str, str, list[tuple[str, str, str, int, str]], str]],
             dirty: Mapping[str, str] | None = None) -> None:
        """Replace each paper's raw facts and votes (raw facts ``None``: forget the paper's
        state, as when it is merged into another). A paper with a real id supersedes the state
        of its title-derived id; a title-derived id whose title a real id already holds is
        not saved (the stores merge such papers the same way). ``dirty`` keys are added in the
        same transaction (a key already dirty keeps its older decision)."""
        self._ensure()
        latest = {pid: (pid, raw, votes, tid) for pid, raw, votes, tid in papers}
        # a paper whose raw facts are None is forgotten (merged into another paper)
        forget = sorted(pid for pid, raw, _, _ in latest.values() if raw is None)
        latest = {pid: rec for pid, rec in latest.items() if rec[1] is not None}
        keep = []
        real_titles = {t for p, _, _, t in latest.values() if p != t}
        for pid, raw, votes, tid in latest.values():
            if pid == tid and (tid in real_titles or self.db.execute(
                    "SELECT 1 FROM resolution_raw WHERE title_id=? AND paper_id<>?", (tid, pid)).fetchone()):
                continue
            keep.append((pid, raw, votes, tid))
        drop = sorted({pid for pid, _, _, _ in keep} | {tid for pid, _, _, tid in keep if pid != tid} | set(forget))
        new_votes = [(k, kind, value, pid, int(w), surface) for pid, _, votes, _ in keep
                     for k, kind, value, w, surface in votes]
        self._ensure()
        cur = self.db.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE")
            # the sums lose the votes being replaced and gain the new ones, in this transaction
            old: list[tuple[str, str, str, int, int]] = []
            for chunk in _chunks(drop):
                marks = ",".join("?" * len(chunk))
                old += cur.execute(f"SELECT key, kind, value, 1, weight FROM resolution_votes WHERE paper_id IN ({marks})",
                                   chunk).fetchall()
            changes = sum_changes(old, [(k, kind, value, w) for k, kind, value, _, w, _ in new_votes])
            cur.executemany("DELETE FROM resolution_votes WHERE paper_id=?", [(p,) for p in drop])
            titles = [(tid,) for pid, _, _, tid in keep if pid != tid] + [(pid,) for pid in forget]
            cur.executemany("DELETE FROM resolution_deps WHERE paper_id=?", titles)
            cur.executemany("DELETE FROM resolution_raw WHERE paper_id=?", titles)
            cur.executemany("INSERT OR REPLACE INTO resolution_raw(paper_id, title_id, facts) VALUES(?,?,?)",
                            [(pid, tid, pack_facts(raw)) for pid, raw, _, tid in keep])
            cur.executemany("INSERT OR REPLACE INTO resolution_votes(key, kind, value, paper_id, weight, surface)"
                            " VALUES(?,?,?,?,?,?)", new_votes)
            cur.executemany("INSERT INTO resolution_sums(key, kind, value, papers, weight) VALUES(?,?,?,?,?)"
                            " ON CONFLICT(key, kind, value) DO UPDATE SET papers=papers+excluded.papers,"
                            " weight=weight+excluded.weight", changes)
            cur.executemany("DELETE FROM resolution_sums WHERE key=? AND kind=? AND value=? AND papers<=0",
                            [c[:3] for c in changes if c[3] < 0])
            cur.executemany("INSERT OR IGNORE INTO resolution_dirty(key, before) VALUES(?,?)",
                            sorted((dirty or {}).items()))
            cur.executemany("DELETE FROM resolution_pending WHERE paper_id=?", [(pid,) for pid in forget])
            cur.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                cur.execute("ROLLBACK")
            raise

    def save_deps(self, deps: Mapping[str, Iterable[str]]) -> None:
        self._write([
            ("DELETE FROM resolution_deps WHERE paper_id=?", [(pid,) for pid in deps]),
            ("INSERT OR IGNORE INTO resolution_deps(key, paper_id) VALUES(?,?)",
             [(k, pid) for pid, keys in deps.items() for k in sorted(set(keys))]),
        ])

    # -- dirty keys and pending papers -------------------------------------------------
    def dirty(self) -> dict[str, str]:
        self._ensure()
        return dict(self.db.execute("SELECT key, before FROM resolution_dirty ORDER BY key"))

    def settle(self, keys: Iterable[str], pending: Iterable[str]) -> None:
        self._write([
            ("INSERT OR IGNORE INTO resolution_pending(paper_id) VALUES(?)", [(p,) for p in sorted(set(pending))]),
            ("DELETE FROM resolution_dirty WHERE key=?", [(k,) for k in sorted(set(keys))]),
        ])

    def pending(self) -> list[str]:
        self._ensure()
        return [r[0] for r in self.db.execute("SELECT paper_id FROM resolution_pending ORDER BY paper_id")]

    def done(self, paper_ids: Iterable[str]) -> None:
        self._write([("DELETE FROM resolution_pending WHERE paper_id=?", [(p,) for p in sorted(set(paper_ids))])])
