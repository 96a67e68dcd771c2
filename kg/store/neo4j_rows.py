"""Pure helpers of the Neo4j store: what to write, decided without a server.

The Neo4j store keeps a few bookkeeping properties next to the graph's own, all named
with a leading underscore and never returned by the reading methods:

* ``Paper._hash``: the content hash (``rows.content_hash``) deciding whether a paper changed;
* ``Paper._links``: every link key of the records merged into the paper (``kg.records``),
  found through the ``kg_paper_links`` full-text index, so a record read later merges into it;
* paper -> entity relationships ``_name``, ``_type``, ``_aliases``: the entity as that
  paper saw it (what ``rows.entity_props`` needs to recompute name, aliases, paper_count);
* ``Entity._state``: JSON counts of the names (papers per name), forms and types of its
  mentions, so a write updates name, aliases and paper_count without re-reading every
  paper that mentions the entity (``null`` on imported nodes: then it is rebuilt by reading);
* ``Entity._keys``: the normalised forms (``compact_key``) of name and aliases, for exact
  normalised look-up through the ``kg_keys`` full-text index;
* entity -> entity relationships ``_confidences``: per supporting paper, aligned with ``papers``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Iterable, Iterator, Mapping

from kg.ids import title_key
from kg.records import link_keys
from kg.schema import ENTITY_RELATION_TYPES, ENTITY_TYPES, PAPER_LABEL, RELATION_TYPES, PaperFacts
from kg.store import rows as R
from kg.store.rows import Mention, empty_state, state_apply, state_node  # noqa: F401  (shared with the embedded store)

HIDDEN_PREFIX = "_"

#: Cypher is chosen from these fixed texts only: relationship types and labels are never
#: built from user input.
#: The written papers hold no relations when these run (new, or theirs were just dropped,
#: under the paper's lock) and rows are unique per (paper, type, entity): CREATE is safe.
#: rows are ``rows.relation_rows`` dicts as they are; the properties are named here.
#: (``_aliases`` is left out when empty, as most are: an empty list costs a record to store;
#: readers take a missing one as empty)
_REL_SET = ", ".join([f"{k}: row.{k}" for k in R.RELATION_PROPS]
                     + ["_name: row.entity_name", "_type: row.entity_type",
                        "_aliases: CASE WHEN size(row.entity_aliases) > 0 THEN row.entity_aliases END"])
CREATE_RELATION = {
    t: ("UNWIND $rows AS row "
        "MATCH (p:Paper {id: row.paper_id}) MATCH (e:Entity {id: row.entity_id}) "
        f"CREATE (p)-[r:{t} {{{_REL_SET}}}]->(e)")
    for t in RELATION_TYPES
}
#: An end no paper mentions (yet) is kept as a placeholder entity (``paper_count`` 0, no
#: name; never returned as a node): a VARIANT_OF edge may name a family mentioned later.
_PLACEHOLDER = "ON CREATE SET {v}.paper_count = 0, {v}._state = ''"
MERGE_ENTITY_EDGE = {
    t: ("UNWIND $rows AS row "
        f"MERGE (a:Entity {{id: row.source}}) {_PLACEHOLDER.format(v='a')} "
        f"MERGE (b:Entity {{id: row.target}}) {_PLACEHOLDER.format(v='b')} "
        f"MERGE (a)-[r:{t}]->(b) SET r = row.props")
    for t in ENTITY_RELATION_TYPES
}
ENTITY_EDGE_TYPES = "|".join(ENTITY_RELATION_TYPES)
#: what an entity no paper mentions any more becomes until no edge needs it
TO_PLACEHOLDER = ("UNWIND $ids AS id MATCH (e:Entity {id: id}) "
                  f"REMOVE e:{':'.join(ENTITY_TYPES)} SET e = {{id: id, paper_count: 0, _state: ''}}")
DELETE_UNUSED_PLACEHOLDERS = ("UNWIND $ids AS id MATCH (e:Entity {id: id}) "
                              "WHERE e.paper_count = 0 AND NOT (e)--() DELETE e")
DELETE_ENTITY_EDGE = {
    t: ("UNWIND $rows AS row "
        f"MATCH (a:Entity {{id: row.source}})-[r:{t}]->(b:Entity {{id: row.target}}) DELETE r")
    for t in ENTITY_RELATION_TYPES
}
_ALL_TYPE_LABELS = ":".join(ENTITY_TYPES)
SET_ENTITY = {
    t: ("UNWIND $rows AS row MATCH (e:Entity {id: row.id}) "
        f"REMOVE e:{_ALL_TYPE_LABELS} SET e:{t} SET e = row.props")
    for t in ENTITY_TYPES
}
#: entities no transaction has stored yet (the id constraint fails if one did meanwhile)
CREATE_ENTITY = {t: f"UNWIND $rows AS row CREATE (e:Entity:{t}) SET e = row" for t in ENTITY_TYPES}
CREATE_ENTITY_UNTYPED = "UNWIND $rows AS row CREATE (e:Entity) SET e = row"
SET_ENTITY_UNTYPED = ("UNWIND $rows AS row MATCH (e:Entity {id: row.id}) "
                      f"REMOVE e:{_ALL_TYPE_LABELS} SET e = row.props")
#: only the properties that changed (indexed ones untouched when unchanged)
UPDATE_ENTITY = "UNWIND $rows AS row MATCH (e:Entity {id: row.id}) SET e += row.props"


@dataclass(frozen=True)
class PaperRows:
    """One paper's rows, ready to write."""

    facts: PaperFacts
    hash: str
    paper: dict[str, Any]
    relations: list[dict[str, Any]]
    support: list[dict[str, Any]]

    @property
    def id(self) -> str:
        return self.facts.paper.id

    @property
    def title_key(self) -> str:
        key: str = self.paper["title_key"]
        return key

    @property
    def size(self) -> int:
        return 1 + len(self.relations) + len(self.support)


def paper_rows(facts: PaperFacts) -> PaperRows:
    """The rows of one paper (pure)."""
    rel = R.relation_rows(facts)
    return PaperRows(facts, R.content_hash(facts), R.paper_row(facts.paper), rel, R.support_rows(rel))


def with_paper_id(p: PaperRows, new_id: str) -> PaperRows:
    """The same paper under another id (rows rebuilt, hash included)."""
    f = p.facts
    facts = PaperFacts(paper=replace(f.paper, id=new_id), entities=f.entities,
                       relations=tuple(replace(r, source=new_id) for r in f.relations))
    return paper_rows(facts)


def chunks(prepared: Iterable[PaperRows], batch_size: int) -> Iterator[list[PaperRows]]:
    """Transactions' worth of papers: ``batch_size`` papers each (all their rows go together).

    A paper id or a normalised title never repeats inside a chunk, so the papers of one
    chunk are independent and the result equals writing them one by one.
    """
    chunk: list[PaperRows] = []
    ids: set[str] = set()
    keys: set[str] = set()
    for p in prepared:
        clash = p.id in ids or (p.title_key and p.title_key in keys)
        if chunk and (clash or len(chunk) >= batch_size):
            yield chunk
            chunk, ids, keys = [], set(), set()
        chunk.append(p)
        ids.add(p.id)
        if p.title_key:
            keys.add(p.title_key)
    if chunk:
        yield chunk


@dataclass
class ChunkPlan:
    """What one transaction does with a chunk, given the papers already stored."""

    writes: list[PaperRows]
    added: set[str]
    updated: set[str]
    unchanged: int
    deletes: list[str]  # title-derived paper ids superseded by a real identifier


def plan_chunk(chunk: list[PaperRows], stored: Mapping[str, tuple[str, str | None]]) -> ChunkPlan:
    """The embedded store's per-paper decisions, for one chunk.

    ``stored``: id -> (title_key, content hash) of every stored paper whose id or title
    key occurs in the chunk.
    """
    by_key: dict[str, list[str]] = {}
    for pid, (key, _) in stored.items():
        by_key.setdefault(key, []).append(pid)
    plan = ChunkPlan([], set(), set(), 0, [])
    # stored papers merged into papers of this chunk go (kg.record_stream)
    ids = {p.id for p in chunk}
    plan.deletes += sorted({a for p in chunk for a in p.facts.paper.absorbs} - ids)
    for p in chunk:
        # one paper, one id (``rows.plan_paper_id``)
        decided = R.plan_paper_id(p.id, by_key.get(p.title_key, []) if p.title_key else [])
        if decided.paper_id != p.id:
            p = with_paper_id(p, decided.paper_id)
        plan.deletes += [o for o in decided.supersedes if o not in plan.deletes]
        old = stored.get(p.id)
        if old is not None and p.id not in plan.deletes and R.same_content(old[1], p.hash, p.facts):
            plan.unchanged += 1
            continue
        if old is not None and p.id not in plan.deletes:
            plan.updated.add(p.id)
        else:
            plan.added.add(p.id)
        plan.writes.append(p)
    return plan


def paper_write_row(p: PaperRows) -> dict[str, Any]:
    """Parameters of a Paper MERGE (``source`` and ``props``, set on every write, as the
    embedded store does); ``_links`` are every link key of the records merged into the paper."""
    props = {k: v for k, v in p.paper.items() if k not in ("id", "source")}
    props["_hash"] = p.hash
    props["_links"] = sorted(link_keys(p.facts.paper))
    return {"id": p.id, "source": p.paper["source"], "props": props}


def relation_write_rows(p: PaperRows) -> dict[str, list[dict[str, Any]]]:
    """Paper -> entity relationship rows of one paper, grouped by type (``CREATE_RELATION``
    names the properties: ``_name``/``_type``/``_aliases`` from ``entity_*``)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in p.relations:
        out.setdefault(r["type"], []).append(r)
    return out


def state_json(state: Mapping[str, Mapping[str, int]]) -> str:
    """An entity's counted state as its ``_state`` property holds it."""
    return json.dumps({k: dict(sorted(state[k].items())) for k in ("names", "forms", "types")},
                      ensure_ascii=False, separators=(",", ":"))


def state_from_json(text: str | None) -> dict[str, dict[str, int]] | None:
    if text is None:
        return None
    if not text:
        return empty_state()
    d = json.loads(text)
    return {k: dict(d.get(k) or {}) for k in ("names", "forms", "types")}


def state_props(entity_id: str, state: dict[str, dict[str, int]], blob: str | None = None) -> dict[str, Any] | None:
    """New properties (``_state`` and ``_keys`` included) of an entity, or ``None`` when it goes.

    ``blob``: the ``_state`` text ``state`` was read from, when it is the one to keep."""
    node = state_node(entity_id, state)
    if node is None:
        return None
    if blob is None:
        blob = state_json(state)
    return {"id": entity_id, "type": node["type"],
            "props": {"id": entity_id, "name": node["name"], "type": node["type"], "aliases": node["aliases"],
                      "paper_count": node["paper_count"], "_keys": node["keys"], "_state": blob}}


def changed_props(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any] | None:
    """The properties of ``new`` that differ from ``old``; ``None`` when the node needs a full
    rewrite (new, or its type, hence its label, changed)."""
    if old is None or old["type"] != new["type"]:
        return None
    return {k: v for k, v in new["props"].items() if old["props"].get(k) != v}


def entity_update(entity_id: str, mentions: list[Mention]) -> dict[str, Any] | None:
    """New properties of an entity from every (paper_id, name, type, aliases, mention) about it.

    ``None`` when nothing mentions it any more (the node goes).
    """
    state = empty_state()
    state_apply(state, mentions, 1)
    return state_props(entity_id, state)


def edge_update(papers: list[str] | None, confidences: list[float] | None, drop: set[str],
                add: Mapping[str, float]) -> dict[str, Any] | None:
    """New properties of an entity -> entity edge, or ``None`` when no paper supports it."""
    support = {p: c for p, c in zip(papers or [], confidences or []) if p not in drop}
    support.update(add)
    if not support:
        return None
    ordered = sorted(support)
    confs = [support[p] for p in ordered]
    return {"papers": ordered, "support": len(ordered), "confidence": R.combine_confidence(confs),
            "_confidences": confs}


def public(props: Mapping[str, Any]) -> dict[str, Any]:
    """The graph's own properties (bookkeeping ones left out), with plain Python values."""
    return {k: plain(v) for k, v in props.items() if not k.startswith(HIDDEN_PREFIX)}


def plain(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v


def node_dict(labels: Iterable[str], props: Mapping[str, Any]) -> dict[str, Any]:
    """A node as the GraphStore interface returns it."""
    d = public(props)
    # an empty list cannot be imported by neo4j-admin (it arrives as no property)
    if PAPER_LABEL in labels:
        d["label"] = PAPER_LABEL
        d.setdefault("authors", [])
        # not stored when the state is in a file: a function of the title
        d.setdefault("title_key", title_key(d.get("title") or ""))
    else:
        d["label"] = d.get("type") or next((lb for lb in labels if lb != "Entity"), "Entity")
        d.setdefault("aliases", [])
    return d


def edge_dict(source: str, rtype: str, target: str, props: Mapping[str, Any]) -> dict[str, Any]:
    d = public(props)
    d.update(source=source, target=target, type=rtype)
    return d
