"""CSV files for ``neo4j-admin database import full``, from any GraphStore's nodes and edges.

Writes into a directory:

* ``papers.csv``, ``entities.csv``: nodes (``id:ID``, ``:LABEL``, typed properties);
* ``relations.csv``: paper -> entity relationships; ``entity_relations.csv``: entity -> entity;
* ``IMPORT.txt``: the exact ``neo4j-admin`` command line to load them.

Lists use the array delimiter U+001F (ids, names and DOIs may contain ``;``); fields are
always quoted, and a missing value is an unquoted empty field (imported as no property).
The bookkeeping properties the Neo4j store keeps (``_keys``, ``_name``, ``_type``,
``_aliases``, ``_confidences``) are rebuilt, so ``Neo4jStore`` can read and extend an
imported database; ``_hash`` cannot be, so a paper ingested again is rewritten once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Generic, Iterable, Iterator, Mapping, TextIO, TypeVar

from kg.errors import KGError
from kg.ids import compact_key
from kg.schema import ENTITY_RELATION_TYPES, PAPER_LABEL
from kg.store.base import EdgeDict, NodeDict
from kg.store.neo4j_rows import state_json

ARRAY_DELIMITER = "\x1f"
ARRAY_DELIMITER_ARG = "U+001F"

PAPER_COLUMNS = (("id", "id:ID"), ("label", ":LABEL"), ("title", "title"), ("abstract", "abstract"),
                 ("year", "year:int"), ("authors", "authors:string[]"), ("url", "url"), ("source", "source"),
                 ("title_key", "title_key"), ("arxiv", "arxiv"), ("doi", "doi"), ("s2", "s2"),
                 ("openalex", "openalex"))
ENTITY_COLUMNS = (("id", "id:ID"), ("label", ":LABEL"), ("name", "name"), ("type", "type"),
                  ("aliases", "aliases:string[]"), ("paper_count", "paper_count:int"),
                  ("_keys", "_keys:string[]"), ("_state", "_state"))
RELATION_COLUMNS = (("source", ":START_ID"), ("target", ":END_ID"), ("type", ":TYPE"),
                    ("confidence", "confidence:float"), ("rule", "rule"), ("evidence_field", "evidence_field"),
                    ("evidence_start", "evidence_start:int"), ("evidence_end", "evidence_end:int"),
                    ("evidence_sentence", "evidence_sentence"), ("mention", "mention"),
                    ("_name", "_name"), ("_type", "_type"), ("_aliases", "_aliases:string[]"))
ENTITY_EDGE_COLUMNS = (("source", ":START_ID"), ("target", ":END_ID"), ("type", ":TYPE"),
                       ("papers", "papers:string[]"), ("support", "support:int"),
                       ("confidence", "confidence:float"), ("_confidences", "_confidences:float[]"))

FILES = {"papers": "papers.csv", "entities": "entities.csv", "relations": "relations.csv",
         "entity_relations": "entity_relations.csv"}
#: paper relation whose confidence enters each derived entity edge type (with PROPOSES)
_DERIVED_FROM: dict[str, str] = {"BUILDS_ON": "BUILDS_ON", "EVALUATED_ON": "EVALUATES_ON"}
#: the paper relations whose confidences the fallback keeps (without a store's edge support)
_KEPT_CONFIDENCES = frozenset({"PROPOSES", *_DERIVED_FROM.values()})

#: (source, type, target) of an entity -> entity edge, and its confidence per supporting paper
EdgeSupport = tuple[tuple[str, str, str], Mapping[str, float]]
#: (paper, type, entity) of a relation, and the entity's (name, type, aliases) as that paper saw it
RelationView = tuple[tuple[str, str, str], tuple[str, str, list[str]]]
#: an entity's id and its counted state (``rows.state_apply``: names, forms, types)
EntityState = tuple[str, Mapping[str, Mapping[str, int]]]
_K = TypeVar("_K", str, tuple[str, str, str])
_V = TypeVar("_V")


class _Cursor(Generic[_K, _V]):
    """Keyed rows read in step with nodes or edges that come in the same key order."""

    def __init__(self, rows: Iterable[tuple[_K, _V]]) -> None:
        self._rows: Iterator[tuple[_K, _V]] = iter(rows)
        self._head: tuple[_K, _V] | None = next(self._rows, None)

    def get(self, key: _K) -> _V | None:
        while self._head is not None and self._head[0] < key:
            self._head = next(self._rows, None)
        return self._head[1] if self._head is not None and self._head[0] == key else None


def field(value: Any) -> str:
    """One CSV field: strings quoted, None empty and unquoted, lists joined by U+001F."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        parts = [str(v) if not isinstance(v, float) else repr(v) for v in value]
        if any(ARRAY_DELIMITER in p for p in parts):
            raise KGError(f"a list value contains the array delimiter U+001F: {parts!r:.80}")
        value = ARRAY_DELIMITER.join(parts)
    s = str(value)
    return '"' + s.replace('"', '""') + '"'


def _line(values: Iterable[Any]) -> str:
    return ",".join(field(v) for v in values) + "\n"


def import_command(directory: str | os.PathLike[str], database: str = "neo4j") -> list[str]:
    """The ``neo4j-admin`` arguments that import the files of ``directory`` into ``database``."""
    d = Path(directory).resolve()
    return ["database", "import", "full", database, f"--array-delimiter={ARRAY_DELIMITER_ARG}",
            "--multiline-fields=true", "--overwrite-destination=true", f"--report-file={d / 'import.report'}",
            f"--nodes={d / FILES['papers']}", f"--nodes={d / FILES['entities']}",
            f"--relationships={d / FILES['relations']}", f"--relationships={d / FILES['entity_relations']}"]


def write_admin_csv(nodes: Iterable[NodeDict], edges: Iterable[EdgeDict],
                    directory: str | os.PathLike[str], support: Iterable[EdgeSupport] | None = None,
                    views: Iterable[RelationView] | None = None,
                    states: Iterable[EntityState] | None = None) -> tuple[int, int]:
    """Write the import files into ``directory``; returns (nodes, edges) written.

    ``support`` (``GraphStore.edge_support``): each entity -> entity edge's confidence per
    paper, in the order ``edges`` gives those edges; the edges' ``_confidences`` are read from
    it as the rows stream, in constant memory. Without it they are rebuilt from the paper
    relations (PROPOSES times BUILDS_ON / EVALUATES_ON), which holds those relations'
    confidences and the entity edges in memory until every edge is read.
    ``views`` (``GraphStore.relation_views``): the entity of each relation as its paper saw it,
    in the order ``edges`` gives the relations, for the relations' ``_name``, ``_type`` and
    ``_aliases`` (what Neo4jStore keeps there); without it the entity nodes' are used, held in
    memory. ``states`` (``GraphStore.entity_states``, in the order ``nodes`` gives the
    entities): each entity's counted state, written as its ``_state``, so that ``kg ingest
    --neo4j`` into the imported database updates a popular entity from it instead of reading
    every relation of the entity once; without it the property is left out.
    Each file is written to a temporary name and renamed into place when complete.
    """
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise KGError(f"{out}: exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    tmp = {k: out / f".{name}.tmp" for k, name in FILES.items()}
    handles: dict[str, TextIO] = {}
    n_nodes = n_edges = 0
    try:
        for k, p in tmp.items():
            handles[k] = open(p, "w", encoding="utf-8", newline="")
        # headers are unquoted names
        handles["papers"].write(",".join(h for _, h in PAPER_COLUMNS) + "\n")
        handles["entities"].write(",".join(h for _, h in ENTITY_COLUMNS) + "\n")
        handles["relations"].write(",".join(h for _, h in RELATION_COLUMNS) + "\n")
        handles["entity_relations"].write(",".join(h for _, h in ENTITY_EDGE_COLUMNS) + "\n")
        entities: dict[str, tuple[str, str, list[str]]] = {}
        counted = _Cursor(states) if states is not None else None
        for n in nodes:
            n_nodes += 1
            if n.get("label") == PAPER_LABEL:
                handles["papers"].write(_line(n.get(k) for k, _ in PAPER_COLUMNS))
            else:
                row = dict(n)
                row["label"] = f"Entity;{n['type']}" if n.get("type") else "Entity"
                row["label"] = row["label"].replace(";", ARRAY_DELIMITER)
                row["_keys"] = sorted({compact_key(f) for f in [n["name"], *n.get("aliases", [])]} - {""})
                state = counted.get(n["id"]) if counted is not None else None
                row["_state"] = state_json(state) if state is not None else None
                handles["entities"].write(_line(row.get(k) for k, _ in ENTITY_COLUMNS))
                if views is None:
                    entities[n["id"]] = (n["name"], n["type"], list(n.get("aliases") or []))
        confidences: dict[tuple[str, str, str], float] = {}
        pending: list[EdgeDict] = []
        cursor = _Cursor(support) if support is not None else None
        seen = _Cursor(views) if views is not None else None
        for e in edges:
            n_edges += 1
            if e["type"] in ENTITY_RELATION_TYPES and "papers" in e:
                if cursor is None:
                    pending.append(e)
                    continue
                per_paper = cursor.get((e["source"], e["type"], e["target"])) or {}
                confs = [float(per_paper.get(pid, e["confidence"])) for pid in e["papers"]]
                handles["entity_relations"].write(
                    _line({**e, "_confidences": confs}.get(k) for k, _ in ENTITY_EDGE_COLUMNS))
                continue
            view = seen.get((e["source"], e["type"], e["target"])) if seen is not None else None
            name, etype, aliases = view or entities.get(e["target"], (e["target"], "", []))
            row = {**e, "_name": name, "_type": etype, "_aliases": aliases}
            handles["relations"].write(_line(row.get(k) for k, _ in RELATION_COLUMNS))
            if cursor is None and e["type"] in _KEPT_CONFIDENCES:
                confidences[(e["source"], e["type"], e["target"])] = float(e["confidence"])
        for e in pending:
            etype = str(e["type"])
            other = _DERIVED_FROM.get(etype, etype)
            confs = []
            for pid in e["papers"]:
                a = confidences.get((pid, "PROPOSES", e["source"]))
                b = confidences.get((pid, other, e["target"]))
                confs.append(round(a * b, 4) if a is not None and b is not None else float(e["confidence"]))
            row = {**e, "_confidences": confs}
            handles["entity_relations"].write(_line(row.get(k) for k, _ in ENTITY_EDGE_COLUMNS))
        for h in handles.values():
            h.close()
        for k, p in tmp.items():
            os.replace(p, out / FILES[k])
    except BaseException:
        for h in handles.values():
            h.close()
        for p in tmp.values():
            p.unlink(missing_ok=True)
        raise
    args = import_command(out)
    (out / "IMPORT.txt").write_text(
        "Load these files into an empty database (the server stopped, or a database not yet created):\n\n"
        "  neo4j-admin " + " ".join(_shell_quote(a) for a in args) + "\n\n"
        "Without Docker: scripts/neo4j-local admin " + " ".join(_shell_quote(a) for a in args) + "\n",
        encoding="utf-8")
    return n_nodes, n_edges


def _shell_quote(s: str) -> str:
    import shlex

    return shlex.quote(s)
