"""Corpus knowledge in SQLite: the embedded store's (and a temporary run state's) side of the
``GraphStore`` knowledge methods.

Extraction knows, in every paper, the names any paper of the corpus introduces with a strong
cue (``kg.extract.knowledge``). For the graph after any sequence of runs to equal the graph of
one run, the store keeps what each paper it extracted contributes, and the knowledge its
stored papers were extracted with:

* ``knowledge_papers(rowid, paper_id, title_id, text_hash)``: the papers the store extracted
  itself (not loaded from facts files); ``rowid`` is their row in the full-text index;
* ``knowledge_votes(name, type, paper_id)``: the names each of them introduces, with the type
  its own text gives (``""`` when none); ``knowledge_sums(name, type, papers)`` counts them,
  kept in step in the same transactions;
* ``knowledge_text``: an FTS5 index (contentless, no positions: small) of their titles and
  abstracts, to find the papers that mention a name without reading every paper; a paper whose
  text changes is indexed again under a new rowid and its old row is no longer looked up;
* ``knowledge_dirty(name)``: names whose votes changed since the last ``settle``;
* ``knowledge_applied(name, type)``: the knowledge every stored paper was extracted with;
* ``knowledge_pending(paper_id)``: stored papers to extract again, because a name they mention
  entered, left or changed type in ``knowledge_applied``.

A paper's id follows the rule of the resolution state (``kg.store.rows.plan_records``): a
paper with a real id replaces what its title id saved; a title id whose title a real id holds
is not saved.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, Mapping, NamedTuple

from kg.batch import chunked
from kg.store.rows import plan_records
from kg.store.sqlite_common import as_is, guarded, held_title_ids

_DDL = """
CREATE TABLE IF NOT EXISTS knowledge_papers(rowid INTEGER PRIMARY KEY, paper_id TEXT NOT NULL UNIQUE,
    title_id TEXT NOT NULL, text_hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS knowledge_papers_title ON knowledge_papers(title_id);
CREATE TABLE IF NOT EXISTS knowledge_votes(name TEXT NOT NULL, type TEXT NOT NULL, paper_id TEXT NOT NULL,
    PRIMARY KEY(name, type, paper_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS knowledge_votes_paper ON knowledge_votes(paper_id);
CREATE TABLE IF NOT EXISTS knowledge_sums(name TEXT NOT NULL, type TEXT NOT NULL, papers INTEGER NOT NULL,
    PRIMARY KEY(name, type)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS knowledge_dirty(name TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS knowledge_applied(name TEXT PRIMARY KEY, type TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS knowledge_pending(paper_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_text USING fts5(text, content='', detail='none');
"""
_TABLES = {"knowledge_papers", "knowledge_votes", "knowledge_sums", "knowledge_dirty", "knowledge_applied",
           "knowledge_pending", "knowledge_text"}
_CHUNK = 500
#: a name's words, as the full-text index splits text (letters and digits)
_WORD = re.compile(r"[^\W_]+")

class KnowledgePaper(NamedTuple):
    """What one paper contributes (``save``; plain tuples in this order are taken too)."""

    paper_id: str
    #: ``kg.ids.title_paper_id`` of its title
    title_id: str
    #: its title and abstract
    text: str
    #: the names it introduces: (name, type its own text gives, or "")
    names: list[tuple[str, str]]


#: decides the knowledge from vote counts {name: {type: papers}}: {name: type} for the names
#: that are known (a name left out is not)
Decide = Callable[[Mapping[str, Mapping[str, int]]], dict[str, str]]



def squeeze(text: str) -> str:
    """Lower case without white space: a name's text is found in a paper's whatever the spacing."""
    return "".join(text.lower().split())


def fts_query(name: str) -> str | None:
    """Every word of ``name`` (an FTS5 query), or None when it has none."""
    words = _WORD.findall(name)
    if not words:
        return None
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in dict.fromkeys(words))



@contextmanager
def immediate(db: sqlite3.Connection) -> Iterator[sqlite3.Cursor]:
    """A cursor in a ``BEGIN IMMEDIATE`` transaction, committed when the block ends, rolled back
    when it raises."""
    cur = db.cursor()
    cur.execute("BEGIN IMMEDIATE")
    try:
        yield cur
        cur.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            cur.execute("ROLLBACK")
        raise

class SQLiteKnowledge:
    """The ``KnowledgeState`` over one SQLite connection (autocommit mode): ``db`` is the
    connection or a function that opens it (called on first use). ``on_error``: the exception
    to raise for an SQLite or OS error (default: that error)."""

    def __init__(self, db: sqlite3.Connection | Callable[[], sqlite3.Connection], readonly: bool = False,
                 text_of: Callable[[list[str]], Mapping[str, str]] | None = None, index: bool = True,
                 on_error: Callable[[BaseException], BaseException] = as_is):
        self._db = db
        self.readonly = readonly
        #: keep the full-text index (a run's temporary state re-extracts nothing: it needs none)
        self.index = index
        #: the title and abstract of stored papers, to check a name is really in them
        self.text_of = text_of
        self.on_error = on_error
        self._ready = False

    @property
    def db(self) -> sqlite3.Connection:
        if not isinstance(self._db, sqlite3.Connection):
            self._db = self._db()
        return self._db

    def _ensure(self) -> bool:
        """Create the tables on first use; False when they are missing and cannot be made."""
        if self._ready:
            return True
        have = {r[0] for r in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'knowledge_%'")}
        if not _TABLES <= have:
            if self.readonly:
                return False
            self.db.executescript("BEGIN IMMEDIATE;" + _DDL + "COMMIT;")
        self._ready = True
        return True

    @guarded
    def tracked(self) -> bool:
        """Whether any paper contributes knowledge (else facts-only runs skip all of this)."""
        if not self._ensure():
            return False
        return self.db.execute("SELECT 1 FROM knowledge_papers LIMIT 1").fetchone() is not None

    # -- writes ------------------------------------------------------------------------
    @guarded
    def save(self, papers: Iterable[tuple[str, str, str, list[tuple[str, str]]]]) -> None:
        """Replace what these papers contribute (a paper listed twice: the last one)."""
        self._ensure()
        with immediate(self.db) as cur:
            # which papers count: ``kg.store.rows.plan_records``
            plan = plan_records(map(KnowledgePaper._make, papers), lambda title_ids: held_title_ids(cur, "knowledge_papers", title_ids))
            keep, dropped = plan.keep, plan.superseded
            self._drop_votes(cur, sorted({p.paper_id for p in keep} | set(dropped)))
            self._drop_papers(cur, dropped)
            cur.executemany("DELETE FROM knowledge_pending WHERE paper_id=?", [(p,) for p in dropped])
            hashes = {pid: h for pid, h in self._hashes(cur, [p[0] for p in keep])}
            new_rows = []
            for pid, tid, text, votes in keep:
                h = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()
                if hashes.get(pid) == h:
                    cur.execute("UPDATE knowledge_papers SET title_id=? WHERE paper_id=?", (tid, pid))
                    continue
                cur.execute("DELETE FROM knowledge_papers WHERE paper_id=?", (pid,))
                cur.execute("INSERT INTO knowledge_papers(paper_id, title_id, text_hash) VALUES(?,?,?)",
                            (pid, tid, h))
                new_rows.append((cur.lastrowid, text))
            if self.index:
                cur.executemany("INSERT INTO knowledge_text(rowid, text) VALUES(?,?)", new_rows)
            votes_rows = sorted({(n, t, pid) for pid, _, _, votes in keep for n, t in votes})
            cur.executemany("INSERT OR IGNORE INTO knowledge_votes(name, type, paper_id) VALUES(?,?,?)", votes_rows)
            self._bump(cur, [(n, t, 1) for n, t, _ in votes_rows])

    @guarded
    def forget(self, paper_ids: Iterable[str]) -> None:
        """These papers contribute nothing any more (they now come from facts, extracted elsewhere)."""
        ids = sorted(set(paper_ids))
        if not ids or not self.tracked():
            return
        with immediate(self.db) as cur:
            self._drop_votes(cur, ids)
            self._drop_papers(cur, ids)
            cur.executemany("DELETE FROM knowledge_pending WHERE paper_id=?", [(p,) for p in ids])

    def _hashes(self, cur: sqlite3.Cursor, ids: list[str]) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for chunk in chunked(sorted(set(ids)), _CHUNK):
            marks = ",".join("?" * len(chunk))
            out += cur.execute(f"SELECT paper_id, text_hash FROM knowledge_papers WHERE paper_id IN ({marks})",
                               chunk).fetchall()
        return out

    def _drop_votes(self, cur: sqlite3.Cursor, ids: list[str]) -> None:
        old: list[tuple[str, str]] = []
        for chunk in chunked(ids, _CHUNK):
            marks = ",".join("?" * len(chunk))
            old += cur.execute(f"SELECT name, type FROM knowledge_votes WHERE paper_id IN ({marks})", chunk).fetchall()
        cur.executemany("DELETE FROM knowledge_votes WHERE paper_id=?", [(p,) for p in ids])
        self._bump(cur, [(n, t, -1) for n, t in old])

    @staticmethod
    def _drop_papers(cur: sqlite3.Cursor, ids: list[str]) -> None:
        # their full-text rows stay, unreachable: a contentless index forgets a row only when
        # given its text again, and a lookup goes through knowledge_papers
        cur.executemany("DELETE FROM knowledge_papers WHERE paper_id=?", [(p,) for p in ids])

    @staticmethod
    def _bump(cur: sqlite3.Cursor, changes: list[tuple[str, str, int]]) -> None:
        delta: dict[tuple[str, str], int] = {}
        for n, t, d in changes:
            delta[(n, t)] = delta.get((n, t), 0) + d
        rows = sorted((n, t, d) for (n, t), d in delta.items() if d)
        cur.executemany("INSERT INTO knowledge_sums(name, type, papers) VALUES(?,?,?) ON CONFLICT(name, type)"
                        " DO UPDATE SET papers=papers+excluded.papers", rows)
        cur.executemany("DELETE FROM knowledge_sums WHERE name=? AND type=? AND papers<=0",
                        [(n, t) for n, t, d in rows if d < 0])
        cur.executemany("INSERT OR IGNORE INTO knowledge_dirty(name) VALUES(?)", sorted({(n,) for n, _, _ in rows}))

    # -- settling ----------------------------------------------------------------------
    @guarded
    def watermark(self) -> int:
        """The last paper saved so far, as a mark for ``settle``: papers saved after it are
        the ones saved from then on."""
        if not self._ensure():
            return 0
        return int(self.db.execute("SELECT coalesce(max(rowid), 0) FROM knowledge_papers").fetchone()[0])

    @guarded
    def settle(self, decide: Decide, saved_by: int | None = None) -> list[str]:
        """Bring the applied knowledge in line with the votes: every stored paper that mentions
        a name whose decision changed is marked pending (one transaction). Returns the names
        that changed.

        ``saved_by`` (a ``watermark``): only the papers saved by then are looked for; the ones
        saved since are about to be extracted with this knowledge (a run's own papers: on a
        first load, no paper is looked for at all)."""
        if not self._ensure():
            return []
        dirty = [r[0] for r in self.db.execute("SELECT name FROM knowledge_dirty ORDER BY name")]
        if not dirty:
            return []
        counts: dict[str, dict[str, int]] = {}
        applied: dict[str, str] = {}
        for chunk in chunked(dirty, _CHUNK):
            marks = ",".join("?" * len(chunk))
            for n, t, c in self.db.execute(f"SELECT name, type, papers FROM knowledge_sums WHERE name IN ({marks})",
                                           chunk):
                counts.setdefault(n, {})[t] = c
            applied.update(self.db.execute(f"SELECT name, type FROM knowledge_applied WHERE name IN ({marks})",
                                           chunk).fetchall())
        now = decide(counts)
        changed = sorted(n for n in dirty if now.get(n) != applied.get(n))
        pending = self._mentioning(changed, saved_by)
        with immediate(self.db) as cur:
            cur.executemany("INSERT OR IGNORE INTO knowledge_pending(paper_id) VALUES(?)", [(p,) for p in pending])
            cur.executemany("DELETE FROM knowledge_applied WHERE name=?", [(n,) for n in changed if n not in now])
            cur.executemany("INSERT OR REPLACE INTO knowledge_applied(name, type) VALUES(?,?)",
                            [(n, now[n]) for n in changed if n in now])
            cur.executemany("DELETE FROM knowledge_dirty WHERE name=?", [(n,) for n in dirty])
        return changed

    def _mentioning(self, names: list[str], saved_by: int | None = None) -> list[str]:
        """Sorted ids of the papers (saved by ``saved_by``, a ``watermark``) whose text has one of
        ``names`` (found through the index, then checked in the text where the store has it)."""
        if not names or not self.index or saved_by == 0 \
                or not self.db.execute("SELECT 1 FROM knowledge_papers LIMIT 1").fetchone():
            return []
        last = (1 << 63) - 1 if saved_by is None else saved_by
        found: dict[str, set[str]] = {}
        for name in names:
            q = fts_query(name)
            if q is None:
                continue
            try:
                rows = self.db.execute(
                    "SELECT k.paper_id FROM knowledge_text t JOIN knowledge_papers k ON k.rowid = t.rowid"
                    " WHERE knowledge_text MATCH ? AND t.rowid <= ?", (q, last)).fetchall()
            except sqlite3.OperationalError:  # a word the index splits further: every paper may have it
                rows = self.db.execute("SELECT paper_id FROM knowledge_papers WHERE rowid <= ?", (last,)).fetchall()
            for (pid,) in rows:
                found.setdefault(pid, set()).add(name)
        if not found or self.text_of is None:
            return sorted(found)
        out = []
        for chunk in chunked(sorted(found), _CHUNK):
            texts = self.text_of(chunk)
            for pid in chunk:
                text = texts.get(pid)
                if text is None or any(squeeze(n) in squeeze(text) for n in found[pid]):
                    out.append(pid)
        return out

    # -- reads -------------------------------------------------------------------------
    @guarded
    def knowledge(self) -> dict[str, str]:
        """The applied knowledge: name -> type (``""``: untyped)."""
        if not self._ensure():
            return {}
        return dict(self.db.execute("SELECT name, type FROM knowledge_applied ORDER BY name"))

    @guarded
    def pending(self) -> list[str]:
        if not self._ensure():
            return []
        return [r[0] for r in self.db.execute("SELECT paper_id FROM knowledge_pending ORDER BY paper_id")]

    @guarded
    def done(self, paper_ids: Iterable[str]) -> None:
        ids = sorted(set(paper_ids))
        if not ids or not self._ensure():
            return
        with immediate(self.db) as cur:
            cur.executemany("DELETE FROM knowledge_pending WHERE paper_id=?", [(p,) for p in ids])
