"""Resolution state in SQLite: the embedded store's (and a temporary spool's) side of
the ``GraphStore`` resolution methods.

Three tables, created on first use (so stores made before them still open):

* ``resolution_raw(paper_id, title_id, facts)``: each paper's facts as they came in (zlib
  JSON), to resolve it again when the corpus later changes a decision it depends on, and
  the id its title alone would give it (``kg.ids.title_paper_id``);
* ``resolution_votes(key, kind, value, paper_id, weight, surface)``: the votes each paper
  casts (``kg.resolve.core.paper_votes``), replaced when the paper is written again;
* ``resolution_deps(key, paper_id)``: the keys whose decisions each paper's resolution read.
"""

from __future__ import annotations

import sqlite3
import zlib
from typing import Iterable, Iterator, Mapping

_DDL = """
CREATE TABLE IF NOT EXISTS resolution_raw(paper_id TEXT PRIMARY KEY, title_id TEXT NOT NULL, facts BLOB NOT NULL)
    WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS resolution_raw_title ON resolution_raw(title_id);
CREATE TABLE IF NOT EXISTS resolution_votes(
    key TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, paper_id TEXT NOT NULL,
    weight INTEGER NOT NULL, surface TEXT NOT NULL,
    PRIMARY KEY(key, kind, value, paper_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS resolution_votes_paper ON resolution_votes(paper_id);
CREATE TABLE IF NOT EXISTS resolution_deps(key TEXT NOT NULL, paper_id TEXT NOT NULL,
    PRIMARY KEY(key, paper_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS resolution_deps_paper ON resolution_deps(paper_id);
"""

_CHUNK = 500


def _chunks(items: list[str], n: int = _CHUNK) -> Iterator[list[str]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def pack(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), 6)


def unpack(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8")


class SQLiteResolution:
    """The resolution methods over one SQLite connection (autocommit mode)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self._ready = False

    def _ensure(self) -> None:
        if self._ready:
            return
        have = {r[0] for r in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'resolution_%'")}
        if not {"resolution_raw", "resolution_votes", "resolution_deps"} <= have:
            self.db.executescript("BEGIN IMMEDIATE;" + _DDL + "COMMIT;")
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
                "SELECT key, kind, value, COUNT(*), SUM(weight) FROM resolution_votes"
                f" WHERE key IN ({marks}) GROUP BY key, kind, value", chunk).fetchall()
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
                yield pid, unpack(blob)

    def rows(self) -> Iterator[tuple[str, str, str, str, int, str]]:
        self._ensure()
        yield from self.db.execute(
            "SELECT key, kind, value, paper_id, weight, surface FROM resolution_votes"
            " ORDER BY key, kind, value, paper_id")

    # -- writes ------------------------------------------------------------------------
    def save(self, papers: Iterable[tuple[str, str, list[tuple[str, str, str, int, str]], str]]) -> None:
        """Replace each paper's raw facts and votes. A paper with a real id supersedes the state
        of its title-derived id; a title-derived id whose title a real id already holds is
        not saved (the stores merge such papers the same way)."""
        self._ensure()
        latest = {pid: (pid, raw, votes, tid) for pid, raw, votes, tid in papers}
        keep = []
        for pid, raw, votes, tid in latest.values():
            if pid == tid and (tid in {t for p, _, _, t in latest.values() if p != t} or self.db.execute(
                    "SELECT 1 FROM resolution_raw WHERE title_id=? AND paper_id<>?", (tid, pid)).fetchone()):
                continue
            keep.append((pid, raw, votes, tid))
        drop = [(pid,) for pid, _, _, _ in keep] + [(tid,) for pid, _, _, tid in keep if pid != tid]
        self._write([
            ("DELETE FROM resolution_votes WHERE paper_id=?", drop),
            ("DELETE FROM resolution_deps WHERE paper_id=?", [(tid,) for pid, _, _, tid in keep if pid != tid]),
            ("DELETE FROM resolution_raw WHERE paper_id=?", [(tid,) for pid, _, _, tid in keep if pid != tid]),
            ("INSERT OR REPLACE INTO resolution_raw(paper_id, title_id, facts) VALUES(?,?,?)",
             [(pid, tid, pack(raw)) for pid, raw, _, tid in keep]),
            ("INSERT OR REPLACE INTO resolution_votes(key, kind, value, paper_id, weight, surface)"
             " VALUES(?,?,?,?,?,?)",
             [(k, kind, value, pid, int(w), surface) for pid, _, votes, _ in keep
              for k, kind, value, w, surface in votes]),
        ])

    def save_deps(self, deps: Mapping[str, Iterable[str]]) -> None:
        self._write([
            ("DELETE FROM resolution_deps WHERE paper_id=?", [(pid,) for pid in deps]),
            ("INSERT OR IGNORE INTO resolution_deps(key, paper_id) VALUES(?,?)",
             [(k, pid) for pid, keys in deps.items() for k in sorted(set(keys))]),
        ])
