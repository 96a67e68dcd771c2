"""The embedded store: one SQLite file, indexed, crash-safe, no server.

SQLite in WAL mode with one transaction per written batch: a process killed at any
moment leaves a file that opens with either the old or the new content. Reads go
through indexes, so a neighbourhood or a stats call never parses the whole graph.

Write semantics (the Neo4j store mirrors them):

* a paper whose content hash (everything but ``source``) is unchanged is skipped (only a
  changed ``source``, the smallest origin of its records, is updated);
* a changed paper has its relations and derived support replaced;
* a paper with a title-derived id (``title:...``) whose normalised title is already stored
  under a real identifier takes that id; a stored ``title:`` paper is renamed when the
  same title arrives with a real identifier — so the id does not depend on input order;
* a paper merged from several records (``kg.records``) keeps all their link keys
  (``paper_links``), and writing it deletes the stored papers it absorbs
  (``Paper.absorbs``) in the same transaction;
* entity node properties (name, aliases, paper_count) are those the relation rows of every
  paper mentioning the entity give (``rows.entity_props``), derived from its counted state
  (``rows.state_apply``/``state_node``, kept in ``entity_stats``), so a popular entity costs a
  few rows per batch, not all of its;
* entity -> entity edges are aggregated from per-paper support rows.
"""

from __future__ import annotations

import errno
import json
import os
from dataclasses import dataclass, field, replace
import sqlite3
import sys
import tempfile
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, NamedTuple
from urllib.parse import quote

from kg.batch import chunked
from kg.errors import StoreError
from kg.ids import TITLE_ID_PREFIX, compact_key, suggestion_key
from kg.records import ids_from_links, link_keys, own_links
from kg.schema import PAPER_LABEL, Paper, PaperFacts
from kg.store import rows as R
from kg.store.sqlite_common import guarded
from kg.store.base import EdgeDict, GraphStore, NodeDict, WriteSummary
from kg.store.rows import empty_state, state_apply, state_node

if TYPE_CHECKING:
    from kg.store.sqlite_knowledge import SQLiteKnowledge
    from kg.store.sqlite_resolution import SQLiteResolution

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
CREATE INDEX IF NOT EXISTS relations_entity_paper ON relations(entity_id, paper_id, confidence);
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

#: each entity's counted state (``rows.state_apply``: papers per name, rows per form and type),
#: one row per (kind, value): what the entity node is computed from (``rows.state_node``, as the
#: Neo4j store does from its ``_state``); added after schema version 1 shipped, so stores made
#: before it build it on their first write
_STATS_DDL = """CREATE TABLE IF NOT EXISTS entity_stats(
    entity_id TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY(entity_id, kind, value)) WITHOUT ROWID"""

#: every link key of the records merged into each paper (``kg.records.link_keys``): what a
#: record read later is matched against; added after schema version 1 shipped, so stores made
#: before it build it (from their papers' own fields) on first use
_LINKS_DDL = """CREATE TABLE IF NOT EXISTS paper_links(
    key TEXT NOT NULL, paper_id TEXT NOT NULL, PRIMARY KEY(key, paper_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS paper_links_paper ON paper_links(paper_id)"""

#: the counts ``kg stats`` prints, kept in step with the tables by every write (one row per
#: (kind, key): ``papers`` / ``''``, ``entity_type`` / T, ``relation_type`` / T, ``edge_type`` / T);
#: added after schema version 1 shipped, so stores made before it count once on their first write
_COUNTS_DDL = """CREATE TABLE IF NOT EXISTS counts(
    kind TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(kind, key)) WITHOUT ROWID"""
_COUNTS_FILL = (
    "INSERT INTO counts(kind, key, n) SELECT 'papers', '', COUNT(*) FROM papers",
    "INSERT INTO counts(kind, key, n) SELECT 'entity_type', type, COUNT(*) FROM entities GROUP BY type",
    "INSERT INTO counts(kind, key, n) SELECT 'relation_type', type, COUNT(*) FROM relations GROUP BY type",
    "INSERT INTO counts(kind, key, n) SELECT 'edge_type', type, COUNT(*) FROM entity_edges GROUP BY type",
)

#: an entity's relations in paper order, with their confidence (covering): a neighbourhood
#: ranks a hub's papers from it without a sort or a table read (``NeighbourRanking``); added
#: after schema version 1 shipped, so stores made before it build it on their first write
_RANK_INDEX = "CREATE INDEX IF NOT EXISTS relations_entity_paper ON relations(entity_id, paper_id, confidence)"
#: the relation indexes only reads use (by entity, by type, and ``_RANK_INDEX``): a lean writer
#: (a Neo4j state file, read through Neo4j) drops them, and a writer that is not lean makes them
#: again (``CREATE INDEX IF NOT EXISTS``: nothing to do once they are there)
_READ_INDEXES = (
    ("relations_entity", "CREATE INDEX IF NOT EXISTS relations_entity ON relations(entity_id, type)"),
    ("relations_type", "CREATE INDEX IF NOT EXISTS relations_type ON relations(type)"),
    ("relations_entity_paper", _RANK_INDEX),
)

#: every name a node is known by (an entity's name and aliases, a paper's title) as its
#: suggestion key (``kg.ids.suggestion_key``: rapidfuzz's ``default_process``, what the closest-name scan
#: compares), with a trigram full-text index over the keys: the closest-name suggestion for an
#: unknown name reads candidates from it instead of scanning every name. Kept by every write;
#: added after schema version 1 shipped, so stores made before it build it on their first
#: write (readers of a store without it scan, as before)
_NAMES_DDL = (
    "CREATE TABLE IF NOT EXISTS node_names(rowid INTEGER PRIMARY KEY, node_id TEXT NOT NULL, key TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS node_names_node ON node_names(node_id)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS node_names_fts USING fts5(key, content='node_names', content_rowid='rowid',"
    " tokenize='trigram')",
)
_NAMES_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS node_names_ins AFTER INSERT ON node_names BEGIN"
    " INSERT INTO node_names_fts(rowid, key) VALUES(new.rowid, new.key); END",
    "CREATE TRIGGER IF NOT EXISTS node_names_del AFTER DELETE ON node_names BEGIN"
    " INSERT INTO node_names_fts(node_names_fts, rowid, key) VALUES('delete', old.rowid, old.key); END",
)


class NamesBatch:
    """The names index kept by one write, the full-text index filled once at its end.

    Row by row, the insert trigger costs four to five times what one ``INSERT ... SELECT`` of
    the same rows into the full-text index does (the trigger's statement is run per row). So for
    the length of a write (inside its transaction, so no reader ever sees it) the insert trigger
    is dropped, the write's rows get rowids from ``next_rowid`` on (never one that was used
    before in the table, so none is indexed already), the delete trigger only un-indexes rows
    from before the write, and ``finish`` indexes the write's rows that are left, then puts the
    two triggers back: the store's schema is the same after every write."""

    def __init__(self, cur: sqlite3.Cursor) -> None:
        self.first = (cur.execute("SELECT MAX(rowid) FROM node_names").fetchone()[0] or 0) + 1
        self.next_rowid = self.first
        cur.execute("DROP TRIGGER IF EXISTS node_names_ins")
        cur.execute("DROP TRIGGER IF EXISTS node_names_del")
        cur.execute(f"CREATE TRIGGER node_names_del AFTER DELETE ON node_names WHEN old.rowid < {int(self.first)}"
                    " BEGIN INSERT INTO node_names_fts(node_names_fts, rowid, key) VALUES('delete', old.rowid, old.key);"
                    " END")

    def set(self, cur: sqlite3.Cursor, node_id: str, names: Iterable[str], replace: bool = True) -> None:
        """The names index rows of one node: ``names`` (none: the node is gone)."""
        if replace:
            cur.execute("DELETE FROM node_names WHERE node_id=?", (node_id,))
        keys = _name_keys(names)
        first, self.next_rowid = self.next_rowid, self.next_rowid + len(keys)
        cur.executemany("INSERT INTO node_names(rowid, node_id, key) VALUES(?,?,?)",
                        [(first + i, node_id, k) for i, k in enumerate(keys)])

    def finish(self, cur: sqlite3.Cursor) -> None:
        cur.execute("INSERT INTO node_names_fts(rowid, key) SELECT rowid, key FROM node_names WHERE rowid >= ?",
                    (self.first,))
        cur.execute("DROP TRIGGER node_names_del")
        for stmt in _NAMES_TRIGGERS:
            cur.execute(stmt)

#: for every pair of entities (``a`` < ``b``) that some paper ``EVALUATES_ON`` together, how many
#: papers do (``rows.evaluated_pairs``): what ``benchmarks_evaluated_together`` reads, its top
#: pairs in index order, instead of a self-join of every paper's ``EVALUATES_ON`` rows. Kept by
#: every write (the one place relation rows change: ``_write_one`` adds a paper's, ``_drop_paper_facts``
#: removes them); added after schema version 1 shipped, so stores made before it build it on their
#: first write (readers of a store without it join, as before)
_PAIRS_DDL = (
    "CREATE TABLE IF NOT EXISTS evaluated_together(a TEXT NOT NULL, b TEXT NOT NULL, papers INTEGER NOT NULL,"
    " PRIMARY KEY(a, b)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS evaluated_together_papers ON evaluated_together(papers DESC, a, b)",
)
#: the pair counts of ``_PAIRS_DDL`` counted from the relation rows (the self-join: a seek per row
#: on the relations' key)
PAIRS_COUNT_SQL = (
    "SELECT a.entity_id, b.entity_id, COUNT(*) FROM relations a JOIN relations b"
    " ON b.paper_id = a.paper_id AND b.type = 'EVALUATES_ON' AND b.entity_id > a.entity_id"
    " WHERE a.type = 'EVALUATES_ON' GROUP BY a.entity_id, b.entity_id")

#: postings (rows per trigram, summed) the suggestion reads at most, its rarest trigrams first
NAME_POSTINGS = 300_000
#: the length of the pieces of a name looked up whole (as substrings) for the suggestion
NAME_WINDOW = 8
#: a name this short (its key) is also compared with every name at most 3 characters longer
SHORT_NAME = 4
#: candidate names the suggestion hands to the scorer (``kg.neighbourhood.closest_names``)
NAME_CANDIDATES = 300

_REL_COLS = ("paper_id", "type", "entity_id", "entity_name", "entity_type", "entity_aliases",
             "confidence", "rule", "evidence_field", "evidence_start", "evidence_end",
             "evidence_sentence", "mention")


#: SQLite page cache per connection, in KiB
CACHE_KB = 256 * 1024


_INSERT_RELATION = f"INSERT INTO relations({','.join(_REL_COLS)}) VALUES({','.join('?' * len(_REL_COLS))})"


@dataclass
class Written:
    """The rows one write left behind for the ids it changed, as its tables hold them now (None:
    gone): what a copy of the graph needs, kept while the write makes them instead of read back."""

    #: paper id -> its columns of ``PAPER_COLS`` that are not None (authors a list)
    papers: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    #: written paper id -> its relation rows (``rows.relation_rows``)
    relations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: entity id -> name, type, aliases (a list), paper_count
    entities: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    #: derived (source, type, target) -> papers (a list), support, confidence
    edges: dict[tuple[str, str, str], dict[str, Any] | None] = field(default_factory=dict)
    #: the papers that had a row when the write began (or got one deleted in it)
    existed: set[str] = field(default_factory=set)
    #: the entities of ``entities`` that had a row of the same type when the write began
    same_type: set[str] = field(default_factory=set)


#: the paper columns a copy of the graph holds (``Written.papers``)
PAPER_COLS = ("id", "title", "abstract", "year", "authors", "url", "source", "arxiv", "doi", "s2", "openalex")


class Changed(NamedTuple):
    """What one write changed: the ids whose rows a copy of the graph must read again."""

    papers: frozenset[str]  # written (added or replaced) or deleted
    entities: frozenset[str]  # whose mentions changed (they may be gone now)
    edges: frozenset[tuple[str, str, str]]  # derived (source, type, target) whose support changed
    #: their rows as the write left them (kept when a ``publish`` asked for the write's changes)
    rows: Written | None = None

    def __bool__(self) -> bool:
        return bool(self.papers or self.entities or self.edges)


#: called by ``EmbeddedStore.write`` inside its transaction, before the commit
Publisher = Callable[[sqlite3.Cursor, Changed], None]


#: the first bytes of every SQLite database file
SQLITE_HEADER = b"SQLite format 3\x00"


#: (pid, device, inode) of the store files this process holds the writer lock of
_WRITING: set[tuple[int, int, int]] = set()


def _file_id(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def _say_stderr(message: str) -> None:
    print(f"kg: {message}", file=sys.stderr, flush=True)


def _exists(path: Path) -> bool:
    try:
        os.stat(path)
        return True
    except FileNotFoundError:
        return False
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise StoreError(f"{path}: a symbolic link loop, not a store") from None
        raise StoreError(f"{path}: cannot open ({exc.strerror or exc})") from None


def _check_header(path: Path) -> None:
    """Refuse, without touching it, a file that is not an SQLite database."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not head:
        raise StoreError(f"{path}: an empty file, not a kg store (left untouched; remove it to start a new store "
                         "there)")
    if head != SQLITE_HEADER:
        raise StoreError(f"{path}: not a kg store (not an SQLite database; left untouched)")


def _check_writable(path: Path) -> None:
    """A writer needs the file and its folder (for SQLite's -wal and -shm files) writable."""
    folder = path.parent if str(path.parent) else Path(".")
    for what in (path, folder):
        if not os.access(what, os.W_OK):
            raise StoreError(f"{path}: the store is read-only ({what} is not writable); kg ingest needs to write "
                             "it, reading commands work as they are")


def _check_creatable(path: Path) -> None:
    parent = path.parent if str(path.parent) else Path(".")
    while not _exists(parent):
        if parent.parent == parent:
            break
        parent = parent.parent
    if not os.access(parent, os.W_OK | os.X_OK):
        raise StoreError(f"{path}: cannot create the store: {parent} is not writable")


def _require_kg_tables(db: sqlite3.Connection, path: Path) -> None:
    """A kg store of this schema version, else ``StoreError`` (nothing written)."""
    try:
        row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            row = None
        else:
            raise
    if row is None:
        raise StoreError(f"{path}: not a kg store (an SQLite database without kg's tables; left untouched)")
    if row[0] != SCHEMA_VERSION:
        raise StoreError(f"{path}: store schema version {row[0]}, this kg needs {SCHEMA_VERSION}")


def _tune(db: sqlite3.Connection, readonly: bool = False) -> None:
    if not readonly:
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=OFF")
    db.execute("PRAGMA busy_timeout=30000")
    # a page cache that holds the hot indexes of a 100k-paper store (the default is 2 MB)
    db.execute(f"PRAGMA cache_size=-{CACHE_KB}")
    db.execute("PRAGMA temp_store=MEMORY")


def _init_schema(db: sqlite3.Connection) -> None:
    # one script, one transaction: a crash leaves either no schema or all of it
    db.executescript(
        "BEGIN IMMEDIATE;" + _SCHEMA
        + _STATS_DDL + ";" + _LINKS_DDL + ";" + _COUNTS_DDL + ";"
        + "".join(stmt + ";" for stmt in (*_NAMES_DDL, *_NAMES_TRIGGERS, *_PAIRS_DDL))
        + f"INSERT OR REPLACE INTO meta VALUES('schema_version', '{SCHEMA_VERSION}');"
        + "INSERT OR REPLACE INTO meta VALUES('names_index', '1');"
        + "INSERT OR REPLACE INTO meta VALUES('entity_stats', '1');"
        + "INSERT OR REPLACE INTO meta VALUES('counts', '1');"
        + "INSERT OR REPLACE INTO meta VALUES('evaluated_together', '1');"
        + "INSERT OR REPLACE INTO meta VALUES('paper_links', '1'); COMMIT;"
    )


def _chmod_umask(path: str) -> None:
    """The permissions a new file gets from the umask (``mkstemp`` makes 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


def store_error(path: Path, exc: BaseException) -> StoreError:
    """What went wrong with the store at ``path``, in one line naming it and the cause."""
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return StoreError(f"disk full while writing {path}")
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return StoreError(f"{path}: cannot write the store ({exc.strerror}); kg ingest needs a writable "
                              "file and directory")
        return StoreError(f"{path}: {exc.strerror or exc}")
    msg = str(exc)
    low = msg.lower()
    if "disk is full" in low or "database or disk is full" in low:
        return StoreError(f"disk full while writing {path} (what was committed before is intact)")
    if "readonly" in low or "read-only" in low:
        return StoreError(f"{path}: the store is read-only (file, directory or medium not writable); kg ingest "
                          "needs to write it, reading commands work as they are")
    if "malformed" in low or "not a database" in low or "corrupt" in low:
        return StoreError(f"{path}: the store is damaged ({msg})")
    if "disk i/o error" in low:
        return StoreError(f"{path}: disk I/O error while using the store")
    if "locked" in low or "busy" in low:
        return StoreError(f"{path}: the store stayed locked by another process ({msg})")
    if "unable to open" in low:
        return StoreError(f"{path}: cannot open the store ({msg})")
    return StoreError(f"{path}: {msg}")


class EmbeddedStore(GraphStore):
    """The graph in one SQLite file at ``path``.

    A writer (the default) creates the file on first use, atomically (built beside it and
    linked into place, so two runs starting together on a new path end with one store), and
    holds an exclusive lock on it (``flock``) from its first use until ``close``: a second
    writer waits for the first to finish (saying so once through ``say``), so two runs never
    interleave. A reader (``readonly=True``) never creates or alters a file: it opens the
    store with SQLite's ``mode=ro`` (``immutable`` when no writer is at work and no
    write-ahead log is pending, which also works on read-only media), and refuses a file that
    is not a kg store without touching it.
    """

    kind = "embedded"

    def __init__(self, path: str | os.PathLike[str], create: bool = True, readonly: bool = False,
                 say: "Callable[[str], None] | None" = None, exclusive: bool = True, lean: bool = False):
        self.path = Path(path)
        #: a writer holds the store's flock (False: SQLite's own locking only, for a store another
        #: one serialises: the state file of a Neo4j store, which the Neo4j store's writes order)
        self.exclusive = exclusive
        #: a writer keeps only what writing needs (``_LEAN_DROPS`` go): the state file of a Neo4j
        #: store, read through Neo4j. Its readers then do without them, as with a store made before
        #: them, and a writer that is not lean builds them again (``_UPGRADES``)
        self.lean = lean
        self.readonly = readonly
        self._say = say or _say_stderr
        #: the tables added after schema version 1 (``_UPGRADES``) this store is known to have
        self._upgraded: set[str] = set()
        self._rank_index_ready = False
        #: the changes to ``counts`` of the write in progress: (kind, key) -> delta
        self._tally: dict[tuple[str, str], int] = {}
        #: the changes to ``evaluated_together`` of the write in progress: (a, b) -> delta
        self._pairs: dict[tuple[str, str], int] = {}
        #: the rows the write in progress leaves for a ``publish`` (None: nobody asked)
        self._written: Written | None = None
        self._names: NamesBatch | None = None  # the names index of the write under way
        self._db: sqlite3.Connection | None = None
        self._resolution: "SQLiteResolution | None" = None
        self._knowledge_state: "SQLiteKnowledge | None" = None
        self._lock_fd: int | None = None
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a directory, not a store file")
        exists = _exists(self.path)
        if not exists and (readonly or not create):
            raise StoreError(f"{self.path}: no store here (run `kg ingest` first)")
        if exists:
            _check_header(self.path)
            if not readonly:
                _check_writable(self.path)
        elif not readonly:
            _check_creatable(self.path)
        if readonly:
            self._connect_readonly()

    def begin_writing(self) -> None:
        """Create (if need be) and lock the store now (see the class)."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        self.db  # noqa: B018  (opening a writer locks)

    @property
    def db(self) -> sqlite3.Connection:
        """The connection; a writer creates and locks the store here, on first use."""
        if self._db is None:
            self._connect_writer()
        assert self._db is not None
        return self._db

    # -- setup ---------------------------------------------------------------------
    def _connect_writer(self) -> None:
        if not _exists(self.path):
            self._create()
        if self.exclusive:
            self._lock(exclusive=True)
        try:
            db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            self._unlock()
            raise store_error(self.path, exc) from None
        try:
            _require_kg_tables(db, self.path)
            db.execute("PRAGMA journal_mode=WAL")
            _tune(db)
        except BaseException as exc:
            db.close()
            self._unlock()
            if isinstance(exc, sqlite3.Error):
                raise store_error(self.path, exc) from None
            raise
        self._db = db

    def _connect_readonly(self) -> None:
        """``mode=ro``; ``immutable`` when nobody writes (a shared lock held till ``close``) and
        no write-ahead log is pending: then SQLite creates no -wal/-shm file either."""
        quiet = self._lock(exclusive=False)
        wal = Path(str(self.path) + "-wal")
        pending_log = _exists(wal) and wal.stat().st_size > 0
        params = "mode=ro&immutable=1" if quiet and not pending_log else "mode=ro"
        uri = f"file:{quote(str(self.path.resolve()))}?{params}"
        try:
            db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            _require_kg_tables(db, self.path)
            _tune(db, readonly=True)
        except sqlite3.Error as exc:
            self._unlock()
            if pending_log and "unable to open" in str(exc):
                raise StoreError(f"{self.path}: cannot read the store: its write-ahead log {wal.name} (left by an "
                                 "interrupted write) needs a writable directory; run `kg ingest` on it where it "
                                 "is writable") from None
            raise store_error(self.path, exc) from None
        except BaseException:
            self._unlock()
            raise
        self._db = db

    def _lock(self, exclusive: bool) -> bool:
        """Lock the store file (exclusive: wait for the other process, saying so). True when the
        lock is held; a reader that finds a writer at work (or no lock support) gets False."""
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot open ({exc.strerror or exc})") from None
        import fcntl

        ident = (os.getpid(), *_file_id(fd))
        if exclusive and ident in _WRITING:  # waiting for ourselves would be for ever
            os.close(fd)
            raise StoreError(f"{self.path}: this process already writes this store (close the other "
                             "EmbeddedStore first)")
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            if not exclusive:
                os.close(fd)
                return False
            self._say(f"{self.path}: another kg process is writing this store; waiting for it to finish "
                      "(two writers never interleave)")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                raise
        except OSError:  # a file system without flock: SQLite's own locking still applies
            os.close(fd)
            return False
        self._lock_fd = fd
        if exclusive:
            self._lock_id = ident
            _WRITING.add(ident)
        return True

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            _WRITING.discard(getattr(self, "_lock_id", None))
            try:
                os.close(self._lock_fd)  # releases the flock
            finally:
                self._lock_fd = None

    def _create(self) -> None:
        """A new store, atomically: built in a temporary file beside ``path`` and linked into
        place; when another process got there first, its store is used."""
        parent = self.path.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=str(parent))
            os.close(fd)
        except OSError as exc:
            raise store_error(self.path, exc) from None
        try:
            db = sqlite3.connect(tmp, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                _init_schema(db)
            finally:
                db.close()  # checkpoints: the file is whole, without -wal
            _chmod_umask(tmp)
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                pass  # another run created it first: use that one
            except OSError:  # no hard links here: rename, unless the path appeared meanwhile
                if not _exists(self.path):
                    os.replace(tmp, self.path)
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None
        except OSError as exc:
            raise store_error(self.path, exc) from None
        finally:
            for leftover in (tmp, tmp + "-wal", tmp + "-shm", tmp + "-journal"):
                try:
                    os.unlink(leftover)
                except FileNotFoundError:
                    pass

    def close(self) -> None:
        try:
            if self._db is not None:
                self._db.close()
        except Exception:  # pragma: no cover
            pass
        finally:
            self._db = None
            self._unlock()

    # -- writing -------------------------------------------------------------------
    def write(self, facts: Iterable[PaperFacts], publish: Publisher | None = None) -> WriteSummary:
        """Write a batch of facts in one transaction.

        ``publish`` (the Neo4j store keeping its state here) is called with what changed
        before the commit; if it raises, nothing is committed."""
        summary = WriteSummary()
        changes: _Changes = {}  # the mentions each entity gained and lost in this batch
        touched_edges: set[tuple[str, str, str]] = set()
        papers: set[str] = set()  # written or deleted
        cur = self.db.cursor()
        self._tally = {}
        self._pairs = {}
        self._written = written = Written() if publish is not None else None
        try:
            cur.execute("BEGIN IMMEDIATE")
            if self.lean:
                self._go_lean(cur)
            else:
                self.upgrade(cur)
            if not self._rank_index_ready:
                if not self.lean:
                    for _, ddl in _READ_INDEXES:  # nothing to do once they are there
                        cur.execute(ddl)
                self._rank_index_ready = True
            self._names = NamesBatch(cur) if not self.lean else None
            for f in facts:
                self._write_one(cur, f, summary, changes, touched_edges, papers)
            self._refresh_entities(cur, changes, summary)
            if self._names is not None:
                self._names.finish(cur)
            self._refresh_edges(cur, touched_edges)
            self._apply_tally(cur)
            self._apply_pairs(cur)
            if publish is not None:
                publish(cur, Changed(frozenset(papers), frozenset(changes), frozenset(touched_edges), written))
            cur.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                cur.execute("ROLLBACK")
            raise
        finally:
            self._written = None
            self._names = None
        return summary

    def _write_one(self, cur: sqlite3.Cursor, facts: PaperFacts, summary: WriteSummary,
                   changes: _Changes, touched_edges: set[tuple[str, str, str]], papers: set[str]) -> None:
        for gone in facts.paper.absorbs:  # stored papers merged into this one
            if gone != facts.paper.id:
                self._delete_paper(cur, gone, changes, touched_edges)
                papers.add(gone)
        facts = self._reconcile_id(cur, facts, changes, touched_edges, papers)
        paper = facts.paper
        chash = R.content_hash(facts)
        old = cur.execute("SELECT content_hash, source, title FROM papers WHERE id=?", (paper.id,)).fetchone()
        old_title = old[2] if old is not None else None
        if old is not None and R.same_content(old[0], chash, facts):
            summary.papers_unchanged += 1
            if paper.source and old[1] != paper.source:  # the merged paper's origin (its smallest)
                cur.execute("UPDATE papers SET source=? WHERE id=?", (paper.source, paper.id))
                row = self._written.papers.get(paper.id) if self._written is not None else None
                if row is not None:  # written earlier in this batch
                    row["source"] = paper.source
            return
        papers.add(paper.id)
        if old is not None:
            if self._written is not None:
                self._written.existed.add(paper.id)
            summary.relations_removed += self._drop_paper_facts(cur, paper.id, changes, touched_edges)
            summary.papers_updated += 1
        else:
            summary.papers_added += 1
            self._count("papers", "", 1)
        p = R.paper_row(paper)
        cur.execute(
            "INSERT INTO papers(id,title,abstract,year,authors,url,source,title_key,arxiv,doi,s2,openalex,content_hash)"
            " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET title=excluded.title, source=excluded.source,"
            " abstract=excluded.abstract, year=excluded.year, authors=excluded.authors, url=excluded.url,"
            " title_key=excluded.title_key, arxiv=excluded.arxiv, doi=excluded.doi, s2=excluded.s2,"
            " openalex=excluded.openalex, content_hash=excluded.content_hash",
            (p["id"], p["title"], p["abstract"], p["year"], json.dumps(p["authors"], ensure_ascii=False),
             p["url"], p["source"], p["title_key"], p["arxiv"], p["doi"], p["s2"], p["openalex"], chash),
        )
        cur.execute("DELETE FROM paper_links WHERE paper_id=?", (paper.id,))
        cur.executemany("INSERT OR IGNORE INTO paper_links(key, paper_id) VALUES(?,?)",
                        [(k, paper.id) for k in sorted(link_keys(paper))])
        if (old is None or old_title != p["title"]) and self._names is not None:
            self._names.set(cur, paper.id, [p["title"]], replace=old is not None)
        rel_rows = R.relation_rows(facts)
        aliases_json: dict[tuple[str, ...], str] = {}  # one entity's rows share its aliases
        values = []
        for r in rel_rows:
            al = tuple(r["entity_aliases"])
            if al not in aliases_json:
                aliases_json[al] = json.dumps(r["entity_aliases"], ensure_ascii=False)
            values.append(tuple(aliases_json[al] if c == "entity_aliases" else r[c] for c in _REL_COLS))
        cur.executemany(_INSERT_RELATION, values)
        if self._written is not None:
            self._written.papers[paper.id] = {k: v for k in PAPER_COLS if (v := p[k]) is not None}
            self._written.relations[paper.id] = rel_rows
        summary.relations_added += len(rel_rows)
        for r in rel_rows:
            self._count("relation_type", r["type"], 1)
        if not self.lean:
            self._count_pairs([(r["type"], r["entity_id"]) for r in rel_rows], 1)
        _note(changes, [(r["entity_id"], R.Mention(r["paper_id"], r["entity_name"], r["entity_type"],
                                                   r["entity_aliases"], r["mention"])) for r in rel_rows], 1)
        sup = R.support_rows(rel_rows)
        cur.executemany(
            "INSERT INTO edge_support(source,type,target,paper_id,confidence) VALUES(?,?,?,?,?)",
            [(s["source"], s["type"], s["target"], s["paper_id"], s["confidence"]) for s in sup],
        )
        touched_edges.update((s["source"], s["type"], s["target"]) for s in sup)

    def _reconcile_id(self, cur: sqlite3.Cursor, facts: PaperFacts, changes: _Changes,
                      touched_edges: set[tuple[str, str, str]], papers: set[str]) -> PaperFacts:
        """One paper, one id: a title-derived id meets a real id as ``rows.plan_paper_id`` says."""
        paper = facts.paper
        tkey = R.paper_row(paper)["title_key"]
        if not tkey:
            return facts
        # the candidates only (many papers may share a title, with real ids): the smallest real
        # id with this title, and every title-derived one
        same_title = [r[0] for r in cur.execute(
            "SELECT MIN(id) FROM papers WHERE title_key=? AND id<>? AND substr(id,1,?)<>?"
            " UNION ALL SELECT id FROM papers WHERE title_key=? AND id<>? AND substr(id,1,?)=?",
            (tkey, paper.id, len(TITLE_ID_PREFIX), TITLE_ID_PREFIX) * 2) if r[0] is not None]
        plan = R.plan_paper_id(paper.id, same_title)
        for other in plan.supersedes:
            self._delete_paper(cur, other, changes, touched_edges)
            papers.add(other)
        return _with_paper_id(facts, plan.paper_id) if plan.paper_id != paper.id else facts

    def _delete_paper(self, cur: sqlite3.Cursor, paper_id: str, changes: _Changes,
                      touched_edges: set[tuple[str, str, str]]) -> None:
        """A stored paper gone: its relations, support, row and link keys."""
        self._drop_paper_facts(cur, paper_id, changes, touched_edges)
        deleted = cur.execute("DELETE FROM papers WHERE id=?", (paper_id,)).rowcount
        self._count("papers", "", -deleted)
        if self._written is not None:
            if deleted:
                self._written.existed.add(paper_id)
            self._written.papers[paper_id] = None
            self._written.relations.pop(paper_id, None)
        cur.execute("DELETE FROM paper_links WHERE paper_id=?", (paper_id,))
        cur.execute("DELETE FROM node_names WHERE node_id=?", (paper_id,))

    # -- tables added after schema version 1 ------------------------------------------------
    #: (``meta`` key, builder) of each: a store made before it gets it, built from what it
    #: holds, on its next write (readers of such a store fall back to the older way)
    _UPGRADES = (("entity_stats", "_build_entity_stats"), ("paper_links", "_build_links"),
                 ("counts", "_build_counts"), ("names_index", "_build_names"),
                 ("evaluated_together", "_build_pairs"))

    def upgrade(self, cur: sqlite3.Cursor, keys: Iterable[str] | None = None) -> None:
        """Give this store the tables of ``_UPGRADES`` (or of ``keys``) it lacks, inside the
        caller's transaction; each built once and marked in ``meta``."""
        for key, builder in self._UPGRADES:
            if key in self._upgraded or (keys is not None and key not in keys):
                continue
            if cur.execute("SELECT 1 FROM meta WHERE key=?", (key,)).fetchone() is None:
                getattr(self, builder)(cur)
                cur.execute("INSERT INTO meta(key, value) VALUES(?, '1')", (key,))
            self._upgraded.add(key)

    #: what a lean writer does without (``meta`` key, its tables' rows): the names index and the
    #: pair counts, which only the embedded store's own reads use
    _LEAN_DROPS = (("names_index", ("node_names",)), ("evaluated_together", ("evaluated_together",)))

    def _go_lean(self, cur: sqlite3.Cursor) -> None:
        """A lean writer's upgrade: the tables writing needs are built, those of ``_LEAN_DROPS``
        emptied and unmarked (once), so that no reader trusts them and a writer that is not lean
        builds them again; the relation indexes of ``_READ_INDEXES`` dropped (a writer that is not
        lean makes them again)."""
        if "lean" in self._upgraded:
            return
        self.upgrade(cur, [k for k, _ in self._UPGRADES if k not in dict(self._LEAN_DROPS)])
        for stmt in (*_NAMES_DDL, *_PAIRS_DDL):  # (a store made before them: their empty tables)
            cur.execute(stmt)
        for key, tables in self._LEAN_DROPS:
            if cur.execute("SELECT 1 FROM meta WHERE key=?", (key,)).fetchone() is None:
                continue
            if key == "names_index":  # the full-text index follows its rows no more
                cur.execute("DROP TRIGGER IF EXISTS node_names_ins")
                cur.execute("DROP TRIGGER IF EXISTS node_names_del")
                cur.execute("INSERT INTO node_names_fts(node_names_fts) VALUES('delete-all')")
            for t in tables:
                cur.execute(f'DELETE FROM "{t}"')
            cur.execute("DELETE FROM meta WHERE key=?", (key,))
        for name, _ in _READ_INDEXES:  # every relation row written costs one entry less in each
            cur.execute(f'DROP INDEX IF EXISTS "{name}"')
        self._upgraded.add("lean")

    def _build_links(self, cur: sqlite3.Cursor) -> None:
        """``paper_links`` from the stored papers."""
        for stmt in _LINKS_DDL.split(";"):
            cur.execute(stmt)
        papers = cur.execute(self._PAPER_SQL + " ORDER BY id")
        while chunk := papers.fetchmany(20_000):  # a 1M-paper store: bounded memory
            stored = [self._stored_paper(r, ()) for r in chunk]
            self.db.executemany("INSERT OR IGNORE INTO paper_links(key, paper_id) VALUES(?,?)",
                                [(k, p.id) for p in stored for k in sorted(own_links(p))])

    def _links_table(self) -> None:
        if "paper_links" in self._upgraded:
            return
        cur = self.db.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE")
            self.upgrade(cur, ("paper_links",))
            cur.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                cur.execute("ROLLBACK")
            raise

    # -- merging records of one paper ---------------------------------------------------
    def has_papers(self) -> bool:
        return self.db.execute("SELECT 1 FROM papers LIMIT 1").fetchone() is not None

    def papers_by_links(self, keys: Iterable[str]) -> dict[str, list[str]]:
        want = sorted(set(keys))
        if not want:
            return {}
        self._links_table()
        out: dict[str, list[str]] = {}
        for chunk in chunked(want, 500):
            marks = ",".join("?" * len(chunk))
            for key, pid in self.db.execute(
                    f"SELECT key, paper_id FROM paper_links WHERE key IN ({marks}) ORDER BY key, paper_id", chunk):
                out.setdefault(key, []).append(pid)
        return out

    def stored_papers(self, ids: Iterable[str]) -> list[Paper]:
        want = sorted(set(ids))
        if not want:
            return []
        self._links_table()
        links: dict[str, list[str]] = {}
        rows = []
        for chunk in chunked(want, 500):
            marks = ",".join("?" * len(chunk))
            rows += self.db.execute(self._PAPER_SQL + f" WHERE id IN ({marks})", chunk).fetchall()
            for key, pid in self.db.execute(
                    f"SELECT key, paper_id FROM paper_links WHERE paper_id IN ({marks})", chunk):
                links.setdefault(pid, []).append(key)
        return sorted((self._stored_paper(r, links.get(r[0], ())) for r in rows), key=lambda p: p.id)

    @staticmethod
    def _stored_paper(r: tuple[Any, ...], links: Iterable[str]) -> Paper:
        """A ``_PAPER_SQL`` row (and the paper's link keys) as a Paper record."""
        pid, title, abstract, year, authors, url, source, _tk, arxiv, doi, s2, openalex = r
        cols = {k: v for k, v in (("arxiv", arxiv), ("doi", doi), ("s2", s2), ("openalex", openalex)) if v}
        keys = set(links)
        ids = ids_from_links(keys) or cols
        p = Paper(id=pid, title=title, abstract=abstract, year=year, authors=tuple(json.loads(authors)),
                  url=url, external_ids=dict(sorted(ids.items())), source=source or "")
        extra = tuple(sorted(keys - own_links(p)))
        return replace(p, links=extra) if extra else p

    def _drop_paper_facts(self, cur: sqlite3.Cursor, paper_id: str, changes: _Changes,
                          touched_edges: set[tuple[str, str, str]]) -> int:
        rows = cur.execute("SELECT entity_id, entity_name, entity_type, entity_aliases, mention, type"
                           " FROM relations WHERE paper_id=?", (paper_id,)).fetchall()
        _note(changes, [(eid, R.Mention(paper_id, name, etype, json.loads(aliases), mention))
                        for eid, name, etype, aliases, mention, _ in rows], -1)
        for r in rows:
            self._count("relation_type", r[5], -1)
        if not self.lean:
            self._count_pairs([(r[5], r[0]) for r in rows], -1)
        touched_edges.update(cur.execute(
            "SELECT source,type,target FROM edge_support WHERE paper_id=?", (paper_id,)).fetchall())
        n = cur.execute("DELETE FROM relations WHERE paper_id=?", (paper_id,)).rowcount
        cur.execute("DELETE FROM edge_support WHERE paper_id=?", (paper_id,))
        return n

    def _build_entity_stats(self, cur: sqlite3.Cursor) -> None:
        """``entity_stats`` from the relation rows."""
        cur.execute(_STATS_DDL)
        cur.execute("DELETE FROM entity_stats")
        states: dict[str, dict[str, dict[str, int]]] = {}
        rows = cur.execute("SELECT entity_id, paper_id, entity_name, entity_type, entity_aliases, mention"
                           " FROM relations ORDER BY entity_id, paper_id")
        for (eid, _), group in groupby(rows, key=lambda r: (r[0], r[1])):  # one paper's rows at a time
            state_apply(states.setdefault(eid, empty_state()),
                        [R.Mention(pid, name, etype, json.loads(al), m) for _, pid, name, etype, al, m in group], 1)
        cur.executemany("INSERT INTO entity_stats(entity_id, kind, value, n) VALUES(?,?,?,?)",
                        [(eid, kind, v, n) for eid, st in sorted(states.items())
                         for kind, counts in sorted(st.items()) for v, n in sorted(counts.items())])

    def _count(self, kind: str, key: str, delta: int) -> None:
        if delta:
            k = (kind, key)
            self._tally[k] = self._tally.get(k, 0) + delta

    def _build_counts(self, cur: sqlite3.Cursor) -> None:
        """``counts`` counted from the tables."""
        cur.execute(_COUNTS_DDL)
        cur.execute("DELETE FROM counts")
        for stmt in _COUNTS_FILL:
            cur.execute(stmt)

    def _count_pairs(self, rels: Iterable[tuple[str, str]], sign: int) -> None:
        """Note one paper's relations (type, entity id), gained (1) or lost (-1), in the pair
        counts (``evaluated_together``)."""
        for pair in R.evaluated_pairs(rels):
            self._pairs[pair] = self._pairs.get(pair, 0) + sign

    def _build_pairs(self, cur: sqlite3.Cursor) -> None:
        """``evaluated_together`` counted from the relation rows."""
        for stmt in _PAIRS_DDL:
            cur.execute(stmt)
        cur.execute("DELETE FROM evaluated_together")
        cur.execute("INSERT INTO evaluated_together(a, b, papers) " + PAIRS_COUNT_SQL)

    def _apply_pairs(self, cur: sqlite3.Cursor) -> None:
        """Add this write's changes to ``evaluated_together`` (in its transaction); pairs counted
        down to no paper go (the self-join would not list them)."""
        rows = [(a, b, n) for (a, b), n in sorted(self._pairs.items()) if n]
        self._pairs = {}
        cur.executemany("INSERT INTO evaluated_together(a, b, papers) VALUES(?,?,?)"
                        " ON CONFLICT(a, b) DO UPDATE SET papers = papers + excluded.papers", rows)
        cur.executemany("DELETE FROM evaluated_together WHERE a=? AND b=? AND papers=0",
                        [(a, b) for a, b, n in rows if n < 0])

    def _build_names(self, cur: sqlite3.Cursor) -> None:
        """The names index (``node_names``): every entity's name and aliases and every paper's
        title, indexed in one pass."""
        for stmt in _NAMES_DDL:
            cur.execute(stmt)
        cur.execute("DROP TRIGGER IF EXISTS node_names_ins")  # filled first, indexed in one pass
        cur.execute("DROP TRIGGER IF EXISTS node_names_del")
        cur.execute("DELETE FROM node_names")
        rows = cur.execute("SELECT id, name, aliases FROM entities ORDER BY id").fetchall()
        cur.executemany("INSERT INTO node_names(node_id, key) VALUES(?,?)",
                        [(eid, k) for eid, name, aliases in rows for k in _name_keys([name, *json.loads(aliases)])])
        del rows
        titles = cur.execute("SELECT id, title FROM papers ORDER BY id")
        while True:
            chunk = titles.fetchmany(50_000)
            if not chunk:
                break
            self.db.executemany("INSERT INTO node_names(node_id, key) VALUES(?,?)",
                                [(pid, k) for pid, title in chunk for k in _name_keys([title])])
        cur.execute("INSERT INTO node_names_fts(node_names_fts) VALUES('rebuild')")
        for stmt in _NAMES_TRIGGERS:
            cur.execute(stmt)

    def _apply_tally(self, cur: sqlite3.Cursor) -> None:
        """Add this write's changes to ``counts`` (in its transaction); keys counted down to
        nothing go, as ``GROUP BY`` would not list them."""
        rows = [(kind, key, n) for (kind, key), n in sorted(self._tally.items()) if n]
        self._tally = {}
        cur.executemany("INSERT INTO counts(kind, key, n) VALUES(?,?,?)"
                        " ON CONFLICT(kind, key) DO UPDATE SET n = n + excluded.n", rows)
        cur.execute("DELETE FROM counts WHERE n = 0 AND kind <> 'papers'")

    def _refresh_entities(self, cur: sqlite3.Cursor, changes: _Changes, summary: WriteSummary) -> None:
        """Rewrite the entity nodes this batch's mentions changed, from their counted state.

        Each entity's state (``entity_stats``) is read, the paper mentions it lost and gained
        are applied (``rows.state_apply``, one paper at a time) and the node follows from the
        state (``rows.state_node``): a few rows per entity however many papers mention it, and
        the same node ``rows.entity_props`` gives from every relation row.
        """
        stat_set, stat_gone, upserts, deletes, keys_gone, keys_new = [], [], [], [], [], []
        names: list[tuple[str, list[str] | None]] = []  # entities whose names changed (None: gone)
        for eid in sorted(changes):
            state = empty_state()
            for kind, value, n in cur.execute("SELECT kind, value, n FROM entity_stats WHERE entity_id=?", (eid,)):
                state[kind][value] = n
            before = {kind: dict(counts) for kind, counts in state.items()}
            old = state_node(eid, before)
            for sign, mentions in changes[eid]:
                state_apply(state, mentions, sign)
            new = state_node(eid, state)
            if self._written is not None:
                self._written.entities[eid] = None if new is None else {
                    "name": new["name"], "type": new["type"], "aliases": new["aliases"],
                    "paper_count": new["paper_count"]}
                if new is not None and old is not None and old["type"] == new["type"]:
                    self._written.same_type.add(eid)
            for kind in state:
                stat_set += [(eid, kind, v, n) for v, n in state[kind].items() if before[kind].get(v) != n]
                stat_gone += [(eid, kind, v) for v in before[kind] if v not in state[kind]]
            if new == old:
                continue
            old_keys = set(old["keys"]) if old else set()
            if old is not None and (new is None or new["type"] != old["type"]):
                self._count("entity_type", old["type"], -1)
            if new is not None and (old is None or new["type"] != old["type"]):
                self._count("entity_type", new["type"], 1)
            if new is None:
                deletes.append((eid,))
                names.append((eid, None))
            else:
                if old is None or (old["name"], old["aliases"]) != (new["name"], new["aliases"]):
                    names.append((eid, [new["name"], *new["aliases"]]))
                summary.entities_added += old is None
                upserts.append((eid, new["name"], new["type"], json.dumps(new["aliases"], ensure_ascii=False),
                                new["paper_count"]))
                keys_new += [(k, eid) for k in new["keys"] if k not in old_keys]
                old_keys -= set(new["keys"])
            keys_gone += [(k, eid) for k in sorted(old_keys)]
        cur.executemany("INSERT INTO entity_stats(entity_id, kind, value, n) VALUES(?,?,?,?)"
                        " ON CONFLICT(entity_id, kind, value) DO UPDATE SET n=excluded.n", stat_set)
        cur.executemany("DELETE FROM entity_stats WHERE entity_id=? AND kind=? AND value=?", stat_gone)
        cur.executemany("DELETE FROM entities WHERE id=?", deletes)
        cur.executemany(
            "INSERT INTO entities(id,name,type,aliases,paper_count) VALUES(?,?,?,?,?)"
            " ON CONFLICT(id) DO UPDATE SET name=excluded.name, type=excluded.type,"
            " aliases=excluded.aliases, paper_count=excluded.paper_count", upserts)
        cur.executemany("DELETE FROM entity_forms WHERE form_key=? AND entity_id=?", keys_gone)
        cur.executemany("INSERT OR IGNORE INTO entity_forms(form_key, entity_id) VALUES(?,?)", keys_new)
        if self._names is not None:
            for eid, known in names:
                self._names.set(cur, eid, known or [])

    def _refresh_edges(self, cur: sqlite3.Cursor, keys: set[tuple[str, str, str]]) -> None:
        for source, etype, target in sorted(keys):
            sup = cur.execute(
                "SELECT paper_id, confidence FROM edge_support WHERE source=? AND type=? AND target=?"
                " ORDER BY paper_id", (source, etype, target)).fetchall()
            if not sup:
                gone = cur.execute("DELETE FROM entity_edges WHERE source=? AND type=? AND target=?",
                                   (source, etype, target)).rowcount
                self._count("edge_type", etype, -gone)
                if self._written is not None:
                    self._written.edges[(source, etype, target)] = None
                continue
            papers = [p for p, _ in sup]
            values = (json.dumps(papers), len(papers), R.combine_confidence(c for _, c in sup), source, etype, target)
            if self._written is not None:
                self._written.edges[(source, etype, target)] = {
                    "papers": papers, "support": values[1], "confidence": values[2]}
            if not cur.execute("UPDATE entity_edges SET papers=?, support=?, confidence=?"
                               " WHERE source=? AND type=? AND target=?", values).rowcount:
                cur.execute("INSERT INTO entity_edges(papers,support,confidence,source,type,target)"
                            " VALUES(?,?,?,?,?,?)", values)
                self._count("edge_type", etype, 1)

    # -- reading -------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """The counts kept by the writes (``counts``); a store made before them is counted."""
        q = self.db.execute
        try:
            kept = q("SELECT 1 FROM meta WHERE key='counts'").fetchone() is not None
        except sqlite3.OperationalError:
            kept = False
        if kept:
            by: dict[str, dict[str, int]] = {"papers": {}, "entity_type": {}, "relation_type": {}, "edge_type": {}}
            for kind, key, n in q("SELECT kind, key, n FROM counts ORDER BY kind, key"):
                if kind in by and n:
                    by[kind][key] = n
            return {
                "store": str(self.path),
                "papers": by["papers"].get("", 0),
                "entities": sum(by["entity_type"].values()),
                "relations": sum(by["relation_type"].values()),
                "entity_relations": sum(by["edge_type"].values()),
                "entity_types": by["entity_type"],
                "relation_types": by["relation_type"],
                "entity_relation_types": by["edge_type"],
            }
        return self.counted_stats()

    def counted_stats(self) -> dict[str, Any]:
        """``stats`` counted from the tables (what the kept counts must equal)."""
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
    def _paper_node(r: tuple[Any, ...]) -> NodeDict:
        keys = ("id", "title", "abstract", "year", "authors", "url", "source", "title_key", "arxiv",
                "doi", "s2", "openalex")
        d = dict(zip(keys, r))
        d["authors"] = json.loads(d["authors"])
        d["label"] = PAPER_LABEL
        return R.clean_node(d)

    @staticmethod
    def _entity_node(r: tuple[Any, ...]) -> NodeDict:
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
    _REL_KEYED = ("SELECT r.paper_id, r.entity_id, r.type, r.confidence, r.rule, r.evidence_field, r.evidence_start,"
                  " r.evidence_end, r.evidence_sentence, r.mention")

    @staticmethod
    def _rel_edge(r: tuple[Any, ...]) -> EdgeDict:
        return {"source": r[0], "target": r[1], "type": r[2], "confidence": r[3], "rule": r[4],
                "evidence_field": r[5], "evidence_start": r[6], "evidence_end": r[7],
                "evidence_sentence": r[8], "mention": r[9]}

    @staticmethod
    def _entity_edge(r: tuple[Any, ...]) -> EdgeDict:
        return {"source": r[0], "target": r[1], "type": r[2], "papers": json.loads(r[3]),
                "support": r[4], "confidence": r[5]}

    def iter_edges(self) -> Iterator[EdgeDict]:
        rels = (self._rel_edge(r) for r in self.db.execute(self._REL_SQL + " ORDER BY paper_id, type, entity_id"))
        edges = (self._entity_edge(r) for r in self.db.execute(self._EDGE_SQL + " ORDER BY source, type, target"))
        yield from _merge_sorted(rels, edges)

    def edge_support(self) -> Iterator[tuple[tuple[str, str, str], dict[str, float]]]:
        """``edge_support`` grouped by edge, in the entity edges' (source, type, target) order."""
        return self._edge_support()

    def entity_states(self) -> Iterator[tuple[str, dict[str, dict[str, int]]]] | None:
        """``entity_stats`` grouped by entity, in ``iter_nodes``' entity order; None for a store
        made before that table that no write has upgraded yet."""
        if self.db.execute("SELECT 1 FROM meta WHERE key='entity_stats'").fetchone() is None:
            return None
        return self._entity_states()

    def _entity_states(self) -> Iterator[tuple[str, dict[str, dict[str, int]]]]:
        eid: str | None = None
        state = empty_state()
        for entity_id, kind, value, n in self.db.execute(
                "SELECT entity_id, kind, value, n FROM entity_stats ORDER BY entity_id"):
            if entity_id != eid:
                if eid is not None:
                    yield eid, state
                eid, state = entity_id, empty_state()
            state[kind][value] = n
        if eid is not None:
            yield eid, state

    def relation_views(self) -> Iterator[tuple[tuple[str, str, str], tuple[str, str, list[str]]]]:
        """The entity of each relation as its paper saw it, in ``iter_edges``' relation order."""
        return (((r[0], r[1], r[2]), (r[3], r[4], json.loads(r[5]))) for r in self.db.execute(
            "SELECT paper_id, type, entity_id, entity_name, entity_type, entity_aliases FROM relations"
            " ORDER BY paper_id, type, entity_id"))

    def _edge_support(self) -> Iterator[tuple[tuple[str, str, str], dict[str, float]]]:
        key: tuple[str, str, str] | None = None
        confs: dict[str, float] = {}
        for source, etype, target, paper_id, confidence in self.db.execute(
                "SELECT source, type, target, paper_id, confidence FROM edge_support"
                " ORDER BY source, type, target, paper_id"):
            k = (source, etype, target)
            if k != key:
                if key is not None:
                    yield key, confs
                key, confs = k, {}
            confs[paper_id] = confidence
        if key is not None:
            yield key, confs

    def get_nodes(self, ids: Iterable[str]) -> list[NodeDict]:
        want = sorted(set(ids))
        out: list[NodeDict] = []
        for chunk in chunked(want, 500):
            marks = ",".join("?" * len(chunk))
            out += [self._paper_node(r) for r in self.db.execute(self._PAPER_SQL + f" WHERE id IN ({marks})", chunk)]
            out += [self._entity_node(r) for r in self.db.execute(self._ENTITY_SQL + f" WHERE id IN ({marks})", chunk)]
        return sorted(out, key=lambda n: n["id"])

    def node_briefs(self, ids: Iterable[str]) -> list[NodeDict]:
        want = sorted(set(ids))
        out: list[NodeDict] = []
        for chunk in chunked(want, 500):
            marks = ",".join("?" * len(chunk))
            out += [{"id": r[0], "label": PAPER_LABEL} for r in self.db.execute(
                f"SELECT id FROM papers WHERE id IN ({marks})", chunk)]
            out += [{"id": r[0], "label": r[1], "paper_count": r[2]} for r in self.db.execute(
                f"SELECT id, type, paper_count FROM entities WHERE id IN ({marks})", chunk)]
        return sorted(out, key=lambda n: n["id"])

    def edges_of(self, ids: Iterable[str]) -> list[EdgeDict]:
        want = sorted(set(ids))
        seen: dict[tuple[str, str, str], EdgeDict] = {}
        for chunk in chunked(want, 400):
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

    def edge_briefs(self, ids: Iterable[str]) -> list[EdgeDict]:
        want = sorted(set(ids))
        seen: dict[tuple[str, str, str], EdgeDict] = {}
        for chunk in chunked(want, 400):
            marks = ",".join("?" * len(chunk))
            rel = "SELECT paper_id, entity_id, type, confidence FROM relations WHERE {} IN (" + marks + ")"
            edge = "SELECT source, target, type, confidence, support FROM entity_edges WHERE {} IN (" + marks + ")"
            for sql in (rel.format("paper_id"), rel.format("entity_id"), edge.format("source"), edge.format("target")):
                for r in self.db.execute(sql, chunk):
                    e = {"source": r[0], "target": r[1], "type": r[2], "confidence": r[3]}
                    if len(r) > 4:
                        e["support"] = r[4]
                    seen[(r[0], r[2], r[1])] = e
        return [seen[k] for k in sorted(seen)]

    def edges_between(self, ids: Iterable[str]) -> list[EdgeDict]:
        # read from the source side only (a paper's relations, an entity's outgoing edges):
        # a hub among ``ids`` is never read whole
        want = set(ids)
        seen: dict[tuple[str, str, str], EdgeDict] = {}
        for chunk in chunked(sorted(want), 400):
            marks = ",".join("?" * len(chunk))
            for sql, conv in ((self._REL_SQL + f" WHERE paper_id IN ({marks})", self._rel_edge),
                              (self._EDGE_SQL + f" WHERE source IN ({marks})", self._entity_edge)):
                for r in self.db.execute(sql, chunk):
                    if r[1] in want:
                        e = conv(r)
                        seen[(e["source"], e["type"], e["target"])] = e
        return [seen[k] for k in sorted(seen)]

    # -- a neighbourhood, ranked in SQL (``kg.neighbourhood``) -------------------------------
    def neighbour_ranking(self) -> "NeighbourRanking":
        """One neighbourhood walk's ranking state (temporary tables of this connection)."""
        return NeighbourRanking(self.db)

    def edges_by_keys(self, keys: Iterable[tuple[str, str, str]]) -> list[EdgeDict]:
        want = sorted(set(keys))
        seen: dict[tuple[str, str, str], EdgeDict] = {}
        for i in range(0, len(want), 300):
            chunk = want[i:i + 300]
            values = ",".join("(?,?,?)" for _ in chunk)
            flat = [x for k in chunk for x in k]
            # each key a primary-key lookup (a row-value IN list would scan the table)
            keyed = f"WITH k(a, b, c) AS (VALUES {values}) "
            for sql, conv in ((keyed + self._REL_KEYED + " FROM k CROSS JOIN relations r"
                               " ON r.paper_id = k.a AND r.type = k.b AND r.entity_id = k.c", self._rel_edge),
                              (keyed + "SELECT x.source, x.target, x.type, x.papers, x.support, x.confidence"
                               " FROM k CROSS JOIN entity_edges x"
                               " ON x.source = k.a AND x.type = k.b AND x.target = k.c",
                               self._entity_edge)):
                for r in self.db.execute(sql, flat):
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
        for r in self.db.execute("SELECT id, aliases FROM entities WHERE aliases NOT IN ('', '[]') ORDER BY id"):
            for alias in json.loads(r[1]):
                yield r[0], alias

    def name_candidates(self, text: str) -> list[tuple[str, str]] | None:
        """(id, name) pairs, each node's display name first, of the names most like ``text``
        by shared trigrams, read from the names index (``node_names``): what the closest-name
        suggestion scores instead of every name. The names holding the rarest trigrams of the
        key (at most ``NAME_POSTINGS`` index rows read) or a longer piece of it (``NAME_WINDOW``
        characters) are pooled; those sharing the most trigrams with the key, nearest in length
        first, are the ``NAME_CANDIDATES`` handed on. None when the store has no index (a store
        made before it, not written since) or ``text`` has no letter or digit: scan then."""
        q = self.db.execute
        if q("SELECT 1 FROM meta WHERE key='names_index'").fetchone() is None:
            return None
        key = suggestion_key(text)
        if not key:
            return None
        grams = sorted({key[i:i + 3] for i in range(len(key) - 2)})
        if grams:
            q("CREATE VIRTUAL TABLE IF NOT EXISTS temp.kg_names_vocab USING fts5vocab(main, node_names_fts, 'row')")
            df = {}
            for g in grams:
                row = q("SELECT doc FROM temp.kg_names_vocab WHERE term=?", (g,)).fetchone()
                if row and row[0]:
                    df[g] = row[0]
            chosen: list[str] = []
            total = 0
            for g in sorted(df, key=lambda g: (df[g], g)):
                if chosen and total + df[g] > NAME_POSTINGS:
                    break
                chosen.append(g)
                total += df[g]
            pool: dict[int, tuple[str, str]] = {}  # rowid -> (node id, key)
            if chosen:
                one = "SELECT rowid FROM node_names_fts WHERE node_names_fts MATCH ?"
                sub = " UNION ALL ".join([one] * len(chosen))
                for rowid, node_id, k in q(
                        f"SELECT n.rowid, n.node_id, n.key FROM (SELECT rowid, COUNT(*) AS shared FROM ({sub})"
                        f" GROUP BY rowid ORDER BY shared DESC, rowid LIMIT ?) g"
                        f" JOIN node_names n ON n.rowid = g.rowid",
                        [_phrase(g) for g in chosen] + [NAME_CANDIDATES * 20]):
                    pool[rowid] = (node_id, k)
            # common trigrams are left out above: the names containing a longer piece of the key
            # (every other window of NAME_WINDOW characters) join the pool
            for i in range(0, max(len(key) - NAME_WINDOW, 0) + 1, 2) if len(key) > NAME_WINDOW else ():
                window = key[i:i + NAME_WINDOW]
                for rowid, node_id, k in q("SELECT n.rowid, n.node_id, n.key FROM node_names_fts f JOIN node_names n"
                                           " ON n.rowid = f.rowid WHERE node_names_fts MATCH ? LIMIT ?",
                                           (_phrase(window), NAME_CANDIDATES)):
                    pool[rowid] = (node_id, k)
            if pool:  # ranked by the trigrams shared with the key (all of them), nearest length first
                rows = [(len(grams_set & {k[i:i + 3] for i in range(len(k) - 2)}), rowid, node_id, k)
                        for grams_set in [set(grams)] for rowid, (node_id, k) in pool.items()]
            else:  # no trigram of the name is anywhere: the most cited entities are the suggestions
                rows = [(0, 0, eid, "") for (eid,) in q(
                    "SELECT id FROM entities ORDER BY paper_count DESC, id LIMIT ?", (NAME_CANDIDATES,))]
        else:  # one or two characters: the names that contain them, shortest first
            rows = q("SELECT 1, rowid, node_id, key FROM node_names WHERE instr(key, ?) > 0"
                     " ORDER BY length(key), rowid LIMIT ?", (key, NAME_CANDIDATES)).fetchall()
        rows.sort(key=lambda r: (-r[0], abs(len(r[3]) - len(key)), r[1]))
        rows = rows[:NAME_CANDIDATES]
        if len(key) <= SHORT_NAME:  # a typo leaves a short name few trigrams: score the short names too
            from rapidfuzz import fuzz, process

            short = q("SELECT rowid, node_id, key FROM node_names WHERE length(key) <= ?",
                      (len(key) + 3,)).fetchall()
            rows += [(0, *short[i]) for _, _, i in process.extract(
                key, [r[2] for r in short], scorer=fuzz.WRatio, processor=None, limit=NAME_CANDIDATES)]
        ids = sorted({r[2] for r in rows})
        names: dict[str, str] = {}
        titles: dict[str, str] = {}
        for chunk in chunked(ids, 500):
            marks = ",".join("?" * len(chunk))
            names.update(q(f"SELECT id, name FROM entities WHERE id IN ({marks})", chunk).fetchall())
            titles.update(q(f"SELECT id, title FROM papers WHERE id IN ({marks})", chunk).fetchall())
        # in ``node_names``' order (entity names, paper titles, then aliases; by id), so that
        # the scorer breaks ties among these as it does in a scan of every name
        own = {i: suggestion_key(n) for i, n in (*names.items(), *titles.items())}
        aliases = sorted({(r[2], r[1], r[3]) for r in rows if r[2] in names and r[3] and r[3] != own[r[2]]})
        return [*sorted(names.items()), *sorted(titles.items()), *((i, k) for i, _, k in aliases)]

    # -- helpers for queries and resolution -------------------------------------------
    def sql(self, query: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only SQL statement (for canned-query implementations)."""
        return self.db.execute(query, tuple(params)).fetchall()

    # -- resolution -------------------------------------------------------------------
    # kg.resolve's state, in tables of kg/store/sqlite_resolution.py (created on first use).
    def resolution_state(self) -> "SQLiteResolution":
        """The store's ``ResolutionState`` (on its connection: a writer opens and locks the
        store); SQLite errors in it are one line naming the store, as the store's own."""
        from kg.store.sqlite_resolution import SQLiteResolution

        if self._resolution is None:
            self._resolution = SQLiteResolution(self.db, readonly=self.readonly,
                                                on_error=self.on_error)
        return self._resolution

    # -- corpus knowledge ---------------------------------------------------------------
    # in tables of kg/store/sqlite_knowledge.py (created on first use)
    def knowledge_state(self) -> "SQLiteKnowledge":
        """The store's ``KnowledgeState`` (on its connection, opened on first use); SQLite
        errors in it are one line naming the store, as the store's own."""
        from kg.store.sqlite_knowledge import SQLiteKnowledge

        if self._knowledge_state is None:
            self._knowledge_state = SQLiteKnowledge(lambda: self.db, readonly=self.readonly,
                                                    text_of=self._paper_texts,
                                                    on_error=self.on_error)
        return self._knowledge_state

    def _paper_texts(self, paper_ids: list[str]) -> dict[str, str]:
        """Title and abstract of stored papers, as their raw facts keep them."""
        out = {}
        for pid, raw in self.resolution_state().raw(paper_ids):
            paper = json.loads(raw).get("paper") or {}
            out[pid] = f"{paper.get('title') or ''} {paper.get('abstract') or ''}"
        return out

    def on_error(self, exc: BaseException) -> BaseException:
        """The one line an SQLite or OS error becomes (``kg.store.sqlite_common.guarded``)."""
        return store_error(self.path, exc)

    def run_query(self, query: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
        """The query's twin in ``kg/queries/NAME.py``: indexed SQL and a little Python."""
        from kg.queries import run_embedded

        return run_embedded(self, query.name, params)


for _name in ("write", "stats", "iter_nodes", "iter_edges", "get_nodes", "node_briefs", "edges_of", "edge_briefs",
              "edges_between", "find_nodes", "node_names", "name_candidates", "sql", "resolution_state"):
    setattr(EmbeddedStore, _name, guarded(getattr(EmbeddedStore, _name)))


#: per entity id, the mentions it gained (1) and lost (-1), one paper's at a time
_Changes = dict[str, list[tuple[int, list[R.Mention]]]]


def _note(changes: _Changes, rows: list[tuple[str, R.Mention]], sign: int) -> None:
    """Note one paper's (entity id, mention) rows as gained or lost by their entities."""
    per_entity: dict[str, list[R.Mention]] = {}
    for eid, mention in rows:
        per_entity.setdefault(eid, []).append(mention)
    for eid, mentions in per_entity.items():
        changes.setdefault(eid, []).append((sign, mentions))


def _with_paper_id(facts: PaperFacts, new_id: str) -> PaperFacts:
    from dataclasses import replace

    return PaperFacts(
        paper=replace(facts.paper, id=new_id),
        entities=facts.entities,
        relations=tuple(replace(r, source=new_id) for r in facts.relations),
    )


def _name_keys(names: Iterable[str]) -> list[str]:
    """The distinct, non-empty keys of ``names``, in their order."""
    return [k for k in dict.fromkeys(suggestion_key(n) for n in names if n) if k]


def _phrase(text: str) -> str:
    """``text`` as an FTS5 phrase (with the trigram tokenizer: a substring)."""
    return '"' + text.replace('"', '""') + '"'


def _merge_sorted(a: Iterator[EdgeDict], b: Iterator[EdgeDict]) -> Iterator[EdgeDict]:
    import heapq

    return heapq.merge(a, b, key=lambda e: (e["source"], e["type"], e["target"]))


class NeighbourRanking:
    """The candidates of a neighbourhood walk ranked by SQLite, level by level, as
    ``kg.neighbourhood.rank_key`` ranks them in Python: most support on the links to the
    frontier (an entity -> entity edge counts its ``support``, any other edge 1), then the
    highest link confidence, then the most papers, then id; with ``ORDER BY ... LIMIT``, so a
    hub's 200,000 neighbours never become Python objects.

    Papers and entities are grouped apart (their ids never meet) into one candidate table:
    a paper candidate is linked by the relations of frontier entities, read in paper order
    from ``relations_entity_paper`` (one frontier node: grouped as it streams, no sort, no
    table read); a relation's paper is always a stored paper (they are written and deleted
    together). An entity candidate is linked by the relations of frontier papers and by
    derived edges. The candidates, the nodes already kept or ranked at an earlier level
    (``seen``) and the frontier live in temporary tables of the connection (in memory; a
    read-only store can have them).
    """

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.close()
        db.execute("CREATE TEMP TABLE kg_nbh_frontier(id TEXT PRIMARY KEY) WITHOUT ROWID")
        db.execute("CREATE TEMP TABLE kg_nbh_seen(id TEXT PRIMARY KEY) WITHOUT ROWID")
        db.execute("CREATE TEMP TABLE kg_nbh_cand(nb TEXT NOT NULL, support INTEGER NOT NULL, conf REAL NOT NULL,"
                   " paper_count INTEGER NOT NULL)")

    def keep(self, ids: Iterable[str]) -> None:
        """Nodes kept: never candidates again."""
        self.db.executemany("INSERT OR IGNORE INTO temp.kg_nbh_seen(id) VALUES(?)", [(i,) for i in ids])

    def rank(self, frontier: Iterable[str], rels: frozenset[str] | None, min_confidence: float,
             types: frozenset[str] | None, room: int, last: bool = False) -> tuple[list[str], int]:
        """The ids of the ``room`` best candidates linked to ``frontier`` (edges of ``rels``, at
        least ``min_confidence``; nodes of ``types``) that are not ``seen``, best first, and how
        many candidates passed the filters in all. The candidates are ``seen`` after (unless this
        is the ``last`` level)."""
        db = self.db
        ids = sorted(set(frontier))
        db.execute("DELETE FROM temp.kg_nbh_frontier")
        db.executemany("INSERT INTO temp.kg_nbh_frontier(id) VALUES(?)", [(i,) for i in ids])
        # one frontier node: an equality, so the planner streams its relations in index order
        one = len(ids) == 1
        at = "= ?" if one else "IN (SELECT id FROM temp.kg_nbh_frontier)"
        fparams: list[Any] = ids[:1] if one else []
        cond = ["{c} >= ?"]
        cparams: list[Any] = [float(min_confidence)]
        if rels is not None:
            cond.append(f"{{t}} IN ({','.join('?' * len(rels))})")
            cparams += sorted(rels)

        def where(alias: str, col: str) -> tuple[str, list[Any]]:
            text = " AND ".join(c.format(c=f"{alias}.confidence", t=f"{alias}.type") for c in cond)
            return (f"{alias}.{col} {at} AND {text} AND {alias}.{{nb}} NOT IN (SELECT id FROM temp.kg_nbh_seen)",
                    fparams + cparams)

        # each level's candidates are grouped once, into a temporary table: counted, ranked
        # (ORDER BY ... LIMIT) and marked seen from there
        db.execute("DELETE FROM temp.kg_nbh_cand")
        entity_types = None if types is None else sorted(t for t in types if t != PAPER_LABEL)
        if types is None or PAPER_LABEL in types:
            w, p = where("r", "entity_id")
            papers = f"SELECT r.paper_id AS nb, COUNT(*) AS support, MAX(r.confidence) AS conf FROM relations r" \
                     f" WHERE {w.format(nb='paper_id')} GROUP BY r.paper_id"
            db.execute(f"INSERT INTO temp.kg_nbh_cand(nb, support, conf, paper_count)"
                       f" SELECT nb, support, conf, 0 FROM ({papers})", p)
        if entity_types is None or entity_types:
            w1, p1 = where("r", "paper_id")
            w2, p2 = where("x", "source")
            w3, p3 = where("x", "target")
            links = (f"SELECT r.entity_id AS nb, 1 AS support, r.confidence AS conf FROM relations r"
                     f" WHERE {w1.format(nb='entity_id')}"
                     f" UNION ALL SELECT x.target, COALESCE(NULLIF(x.support, 0), 1), x.confidence FROM entity_edges x"
                     f" WHERE {w2.format(nb='target')}"
                     f" UNION ALL SELECT x.source, COALESCE(NULLIF(x.support, 0), 1), x.confidence FROM entity_edges x"
                     f" WHERE {w3.format(nb='source')}")
            lp = p1 + p2 + p3
            kind = "" if entity_types is None else f" AND e.type IN ({','.join('?' * len(entity_types))})"
            ents = (f"SELECT a.nb AS nb, a.support AS support, a.conf AS conf, e.paper_count AS paper_count"
                    f" FROM (SELECT l.nb AS nb, SUM(l.support) AS support, MAX(l.conf) AS conf FROM ({links}) l"
                    f" GROUP BY l.nb) a JOIN entities e ON e.id = a.nb{kind}")
            ep = lp + (entity_types or [])
            db.execute(f"INSERT INTO temp.kg_nbh_cand(nb, support, conf, paper_count) {ents}", ep)
        passed = db.execute("SELECT COUNT(*) FROM temp.kg_nbh_cand").fetchone()[0]
        best = [r[0] for r in db.execute("SELECT nb FROM temp.kg_nbh_cand ORDER BY support DESC, conf DESC,"
                                         " paper_count DESC, nb LIMIT ?", (room,))] if room > 0 else []
        if not last:
            db.execute("INSERT OR IGNORE INTO temp.kg_nbh_seen(id) SELECT nb FROM temp.kg_nbh_cand")
        return best, passed

    def close(self) -> None:
        for t in ("kg_nbh_frontier", "kg_nbh_seen", "kg_nbh_cand"):
            self.db.execute(f"DROP TABLE IF EXISTS temp.{t}")
