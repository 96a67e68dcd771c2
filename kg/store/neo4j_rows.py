"""Pure helpers of the Neo4j store: what to write, decided without a server.

The Neo4j store keeps a few bookkeeping properties next to the graph's own, all named
with a leading underscore and never returned by the reading methods:

* ``Paper._hash``: the content hash (``rows.content_hash``) deciding whether a paper changed;
* paper -> entity relationships ``_name``, ``_type``, ``_aliases``: the entity as that
  paper saw it (what ``rows.entity_props`` needs to recompute name, aliases, paper_count);
* ``Entity._keys``: the normalised forms (``compact_key``) of name and aliases, for exact
  normalised look-up through the ``kg_keys`` full-text index;
* entity -> entity relationships ``_confidences``: per supporting paper, aligned with ``papers``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable, Iterator, Mapping

from kg.ids import compact_key
from kg.schema import ENTITY_RELATION_TYPES, ENTITY_TYPES, RELATION_TYPES, PaperFacts
from kg.store import rows as R

HIDDEN_PREFIX = "_"

#: Cypher is chosen from these fixed texts only: relationship types and labels are never
#: built from user input.
MERGE_RELATION = {
    t: ("UNWIND $rows AS row "
        "MATCH (p:Paper {id: row.paper_id}) MATCH (e:Entity {id: row.entity_id}) "
        f"MERGE (p)-[r:{t}]->(e) SET r = row.props")
    for t in RELATION_TYPES
}
MERGE_ENTITY_EDGE = {
    t: ("UNWIND $rows AS row "
        "MATCH (a:Entity {id: row.source}) MATCH (b:Entity {id: row.target}) "
        f"MERGE (a)-[r:{t}]->(b) SET r = row.props")
    for t in ENTITY_RELATION_TYPES
}
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
SET_ENTITY_UNTYPED = ("UNWIND $rows AS row MATCH (e:Entity {id: row.id}) "
                      f"REMOVE e:{_ALL_TYPE_LABELS} SET e = row.props")


@dataclass(frozen=True)
class Prepared:
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
        return self.paper["title_key"]

    @property
    def size(self) -> int:
        return 1 + len(self.relations) + len(self.support)


def prepare(facts: PaperFacts) -> Prepared:
    """The rows of one paper (pure)."""
    rel = R.relation_rows(facts)
    return Prepared(facts, R.content_hash(facts), R.paper_row(facts.paper), rel, R.support_rows(rel))


def with_paper_id(p: Prepared, new_id: str) -> Prepared:
    """The same paper under another id (rows rebuilt, hash included)."""
    f = p.facts
    facts = PaperFacts(paper=replace(f.paper, id=new_id), entities=f.entities,
                       relations=tuple(replace(r, source=new_id) for r in f.relations))
    return prepare(facts)


def chunks(prepared: Iterable[Prepared], batch_size: int) -> Iterator[list[Prepared]]:
    """Transactions' worth of papers: about ``batch_size`` rows each (at least one paper).

    A paper id or a normalised title never repeats inside a chunk, so the papers of one
    chunk are independent and the result equals writing them one by one.
    """
    chunk: list[Prepared] = []
    ids: set[str] = set()
    keys: set[str] = set()
    size = 0
    for p in prepared:
        clash = p.id in ids or (p.title_key and p.title_key in keys)
        if chunk and (clash or size + p.size > batch_size):
            yield chunk
            chunk, ids, keys, size = [], set(), set(), 0
        chunk.append(p)
        ids.add(p.id)
        if p.title_key:
            keys.add(p.title_key)
        size += p.size
    if chunk:
        yield chunk


@dataclass
class ChunkPlan:
    """What one transaction does with a chunk, given the papers already stored."""

    writes: list[Prepared]
    added: set[str]
    updated: set[str]
    unchanged: int
    deletes: list[str]  # title-derived paper ids superseded by a real identifier


def plan_chunk(chunk: list[Prepared], stored: Mapping[str, tuple[str, str | None]]) -> ChunkPlan:
    """Mirror of the embedded store's per-paper decisions.

    ``stored``: id -> (title_key, content hash) of every stored paper whose id or title
    key occurs in the chunk.
    """
    by_key: dict[str, list[str]] = {}
    for pid, (key, _) in stored.items():
        by_key.setdefault(key, []).append(pid)
    plan = ChunkPlan([], set(), set(), 0, [])
    for p in chunk:
        others = [o for o in by_key.get(p.title_key, []) if o != p.id] if p.title_key else []
        if others:
            if p.id.startswith("title:"):
                real = sorted(o for o in others if not o.startswith("title:"))
                if real:
                    p = with_paper_id(p, real[0])
            else:
                plan.deletes += sorted(o for o in others if o.startswith("title:") and o not in plan.deletes)
        old = stored.get(p.id)
        if old is not None and p.id not in plan.deletes and old[1] == p.hash:
            plan.unchanged += 1
            continue
        if old is not None and p.id not in plan.deletes:
            plan.updated.add(p.id)
        else:
            plan.added.add(p.id)
        plan.writes.append(p)
    return plan


def paper_write_row(p: Prepared) -> dict[str, Any]:
    """Parameters of a Paper MERGE: ``source`` is set on creation only (as the embedded store does)."""
    props = {k: v for k, v in p.paper.items() if k not in ("id", "source")}
    props["_hash"] = p.hash
    return {"id": p.id, "source": p.paper["source"], "props": props}


def relation_write_rows(p: Prepared) -> dict[str, list[dict[str, Any]]]:
    """Paper -> entity relationship rows of one paper, grouped by type."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in p.relations:
        props = {k: r[k] for k in R.RELATION_PROPS}
        props["_name"] = r["entity_name"]
        props["_type"] = r["entity_type"]
        props["_aliases"] = list(r["entity_aliases"])
        out.setdefault(r["type"], []).append(
            {"paper_id": r["paper_id"], "entity_id": r["entity_id"], "props": props})
    return out


def entity_update(entity_id: str, mentions: list[tuple[str, str, str, list[str], str]]) -> dict[str, Any] | None:
    """New properties of an entity from every (paper_id, name, type, aliases, mention) about it.

    ``None`` when nothing mentions it any more (the node goes).
    """
    if not mentions:
        return None
    forms: set[str] = set()
    for _, _, _, aliases, mention in mentions:
        forms.update(aliases or ())
        forms.add(mention)
    etype = min(m[2] for m in mentions)
    props = R.entity_props(entity_id, etype, [(m[0], m[1]) for m in mentions], forms)
    keys = sorted({compact_key(f) for f in [props["name"], *props["aliases"]]} - {""})
    return {"id": entity_id, "type": etype,
            "props": {"id": entity_id, "name": props["name"], "type": props["type"],
                      "aliases": props["aliases"], "paper_count": props["paper_count"], "_keys": keys}}


def edge_update(papers: list[str] | None, confidences: list[float] | None, drop: set[str],
                add: Mapping[str, float]) -> dict[str, Any] | None:
    """New properties of an entity -> entity edge, or ``None`` when no paper supports it."""
    support = dict(zip(papers or [], confidences or []))
    for pid in drop:
        support.pop(pid, None)
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
    if "Paper" in labels:
        d["label"] = "Paper"
        d.setdefault("authors", [])
    else:
        d["label"] = d.get("type") or next((lb for lb in labels if lb != "Entity"), "Entity")
        d.setdefault("aliases", [])
    return d


def edge_dict(source: str, rtype: str, target: str, props: Mapping[str, Any]) -> dict[str, Any]:
    d = public(props)
    d.update(source=source, target=target, type=rtype)
    return d
