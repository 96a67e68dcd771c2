"""Pure row builders shared by both stores: facts in, flat dicts out.

Both stores write exactly these rows, so they hold the same graph. Nothing here does I/O.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterable, NamedTuple, Protocol, Sequence, TypeVar

from kg.ids import compact_key, is_title_id, title_key
from kg.resolve.core import ResolutionRecord, Vote
from kg.schema import Paper, PaperFacts, Relation, entity_type_of

#: paper properties exposed on Paper nodes (None values are left out)
PAPER_PROPS = ("title", "abstract", "year", "authors", "url", "source", "title_key",
               "arxiv", "doi", "s2", "openalex")
#: paper -> entity relationship properties exposed on edges
RELATION_PROPS = ("confidence", "rule", "evidence_field", "evidence_start", "evidence_end",
                  "evidence_sentence", "mention")
#: entity properties exposed on entity nodes
ENTITY_PROPS = ("name", "type", "aliases", "paper_count")
#: entity -> entity relationship properties
ENTITY_EDGE_PROPS = ("papers", "support", "confidence")


#: the prefix of today's content hashes; a stored hash without it is a first-version one
HASH_VERSION = "2:"


def content_hash(facts: PaperFacts) -> str:
    """What decides whether a stored paper changed: everything but where it was read from
    (the ``repr`` of the facts' values in a fixed order: half the cost of their JSON)."""
    p = facts.paper
    key = (p.id, p.title, p.abstract, p.year, tuple(p.authors), p.url, tuple(sorted(p.external_ids.items())),
           tuple(p.links),
           [(e.id, e.name, e.type, tuple(e.aliases), e.family) for e in facts.entities],
           [(r.type, r.source, r.target, round(float(r.confidence), 4), r.evidence.field, r.evidence.start,
             r.evidence.end, r.evidence.sentence, r.rule) for r in facts.relations])
    return HASH_VERSION + hashlib.sha256(repr(key).encode("utf-8", "surrogatepass")).hexdigest()


def first_content_hash(facts: PaperFacts) -> str:
    """The content hash stores made before ``HASH_VERSION`` hold (of the facts' sorted JSON)."""
    d = facts.to_dict()
    d["paper"] = {k: v for k, v in d["paper"].items() if k != "source"}
    blob = json.dumps(d, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def same_content(stored: str | None, new: str, facts: PaperFacts) -> bool:
    """Whether a stored paper's hash says it holds ``facts`` (hash ``new``): a hash of the first
    version is compared with that version's hash of the facts, so a store made before the
    change sees its papers unchanged."""
    if stored is None:
        return False
    if stored.startswith(HASH_VERSION):
        return stored == new
    return stored == first_content_hash(facts)


def paper_row(paper: Paper) -> dict[str, Any]:
    """Flat properties of a Paper node (``None`` for unknown values)."""
    ext = paper.external_ids
    return {
        "id": paper.id,
        "title": paper.title,
        "abstract": paper.abstract,
        "year": paper.year,
        "authors": list(paper.authors),
        "url": paper.url,
        "source": paper.source,
        "title_key": title_key(paper.title),
        "arxiv": ext.get("arxiv"),
        "doi": ext.get("doi"),
        "s2": ext.get("s2"),
        "openalex": ext.get("openalex"),
    }


def _better(a: Relation, b: Relation) -> bool:
    """Is ``a`` the evidence to keep over ``b`` (higher confidence, then earlier, title first)?"""
    ka = (-a.confidence, a.evidence.field != "title", a.evidence.start, a.rule)
    kb = (-b.confidence, b.evidence.field != "title", b.evidence.start, b.rule)
    return ka < kb


def relation_rows(facts: PaperFacts) -> list[dict[str, Any]]:
    """One row per (type, entity) of the paper, keeping the best-supported evidence.

    Rows carry the entity's name and aliases as this paper saw them
    (``entity_name``, ``entity_aliases``, ``entity_type``): stores derive entity
    node properties from the rows of all papers, so the result does not depend on
    the order papers arrive in.
    """
    entities = {e.id: e for e in facts.entities}
    best: dict[tuple[str, str], Relation] = {}
    for r in facts.relations:
        key = (r.type, r.target)
        if key not in best or _better(r, best[key]):
            best[key] = r
    rows = []
    for (rtype, target), r in sorted(best.items()):
        ent = entities.get(target)
        text = facts.paper.text(r.evidence.field)
        rows.append({
            "paper_id": facts.paper.id,
            "type": rtype,
            "entity_id": target,
            "entity_name": ent.name if ent else target,
            "entity_type": ent.type if ent else entity_type_of(target),
            "entity_aliases": sorted(set(ent.aliases)) if ent else [],
            "entity_family": ent.family if ent else None,
            "confidence": round(float(r.confidence), 4),
            "rule": r.rule,
            "evidence_field": r.evidence.field,
            "evidence_start": r.evidence.start,
            "evidence_end": r.evidence.end,
            "evidence_sentence": r.evidence.sentence,
            "mention": text[r.evidence.start:r.evidence.end],
        })
    return rows


#: the entities whose lineage and evaluations a paper's relations tell (id prefixes)
_DERIVING = ("model:", "method:")
#: (paper relation of the proposed thing, paper relation of the other) -> entity edge type
DERIVATIONS = (("BUILDS_ON", "BUILDS_ON"), ("EVALUATES_ON", "EVALUATED_ON"))


def support_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Derived entity -> entity support from one paper's relation rows.

    When a paper PROPOSES X and BUILDS_ON Y: X -BUILDS_ON-> Y; when it PROPOSES X and
    EVALUATES_ON D: X -EVALUATED_ON-> D. X is a model or a method (a benchmark a paper
    contributes does not build on the model the paper fine-tunes). Confidence is the product
    of the two. Plus the VARIANT_OF support of ``variant_rows``.
    """
    proposed = [r for r in rows if r["type"] == "PROPOSES" and r["entity_id"].startswith(_DERIVING)]
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for rel, edge_type in DERIVATIONS:
        for other in (r for r in rows if r["type"] == rel):
            for p in proposed:
                if p["entity_id"] == other["entity_id"]:
                    continue
                conf = round(p["confidence"] * other["confidence"], 4)
                key = (p["entity_id"], edge_type, other["entity_id"])
                if key not in out or out[key]["confidence"] < conf:
                    out[key] = {"source": key[0], "type": edge_type, "target": key[2],
                                "paper_id": other["paper_id"], "confidence": conf}
    for v in variant_rows(rows):
        key = (v["source"], v["type"], v["target"])
        if key not in out or out[key]["confidence"] < v["confidence"]:
            out[key] = v
    return [out[k] for k in sorted(out)]


#: the relation whose targets a paper pairs (``evaluated_pairs``)
PAIRED_RELATION = "EVALUATES_ON"


def evaluated_pairs(rels: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The pairs ``(a, b)``, ``a < b``, of entities one paper ``EVALUATES_ON`` together, from its
    relations as (type, entity id): what the embedded store counts per pair
    (``evaluated_together``), as the self-join of a paper's ``EVALUATES_ON`` rows gives them."""
    ids = sorted({eid for rtype, eid in rels if rtype == PAIRED_RELATION})
    return [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]]


#: confidence of one paper's support for a VARIANT_OF edge (a rule on the name alone)
VARIANT_CONFIDENCE = 0.9


def variant_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """VARIANT_OF support from one paper's relation rows: every entity the paper mentions
    whose resolution found a family (``entity_family``, e.g. ``model:llama27b`` ->
    ``model:llama2``) gives entity -VARIANT_OF-> family, supported by this paper."""
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in rows:
        fam = r.get("entity_family")
        if fam and fam != r["entity_id"]:
            key = (r["entity_id"], "VARIANT_OF", fam)
            out[key] = {"source": key[0], "type": "VARIANT_OF", "target": fam,
                        "paper_id": r["paper_id"], "confidence": VARIANT_CONFIDENCE}
    return [out[k] for k in sorted(out)]


def combine_confidence(confidences: Iterable[float]) -> float:
    """Support from several papers: 1 - prod(1 - c), rounded."""
    miss = 1.0
    for c in confidences:
        miss *= 1.0 - max(0.0, min(1.0, float(c)))
    return round(1.0 - miss, 4)


def entity_props(entity_id: str, entity_type: str, names: Iterable[tuple[str, str]],
                 forms: Iterable[str]) -> dict[str, Any]:
    """Entity node properties from all papers' rows about it.

    ``names``: (paper_id, entity_name) pairs; ``forms``: every alias and mention seen.
    The name is the one most papers use (ties: the smallest string); aliases are all
    other forms, sorted.
    """
    per_name: dict[str, set[str]] = {}
    papers: set[str] = set()
    for paper_id, name in names:
        per_name.setdefault(name, set()).add(paper_id)
        papers.add(paper_id)
    name = min(per_name, key=lambda n: (-len(per_name[n]), n)) if per_name else entity_id
    aliases = sorted(({f for f in forms if f} | set(per_name)) - {name})
    return {"id": entity_id, "name": name, "type": entity_type, "aliases": aliases,
            "paper_count": len(papers)}


class Mention(NamedTuple):
    """One relation row as the entity it points to counts it (``state_apply``)."""

    paper_id: str
    #: the entity's name, type and aliases as that paper gives them
    name: str
    type: str
    aliases: Sequence[str]
    #: the text the paper mentions it with
    mention: str


def empty_state() -> dict[str, dict[str, int]]:
    return {"names": {}, "forms": {}, "types": {}}


def state_apply(state: dict[str, dict[str, int]], rows: Iterable[Mention], sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) the mentions ``rows`` from an entity's state.

    The state counts, per name, the papers using it; per form (alias or mention text) and
    per type, the relation rows carrying it: exactly what ``rows.entity_props`` needs.
    """
    def bump(table: dict[str, int], key: str) -> None:
        n = table.get(key, 0) + sign
        if n > 0:
            table[key] = n
        else:
            table.pop(key, None)

    seen_papers: set[str] = set()
    for pid, name, etype, aliases, mention in rows:  # Mention fields
        if pid not in seen_papers:  # one name per paper (a paper names an entity once)
            seen_papers.add(pid)
            bump(state["names"], name)
        for f in {*(aliases or ()), mention}:
            bump(state["forms"], f)
        bump(state["types"], etype)


def state_node(entity_id: str, state: dict[str, dict[str, int]]) -> dict[str, Any] | None:
    """An entity node's ``name``, ``type``, ``aliases``, ``paper_count`` and search ``keys``
    (``kg.ids.compact_key`` of name and aliases) from its counted state, as ``entity_props``
    gives them from every row; ``None`` when no paper mentions it."""
    names = state["names"]
    if not names:
        return None
    name = min(names, key=lambda n: (-names[n], n))
    aliases = sorted(({f for f in state["forms"] if f} | set(names)) - {name})
    etype = min(state["types"]) if state["types"] else entity_type_of(entity_id)
    return {"name": name, "type": etype, "aliases": aliases, "paper_count": sum(names.values()),
            "keys": sorted({compact_key(f) for f in [name, *aliases]} - {""})}


def clean_node(d: dict[str, Any]) -> dict[str, Any]:
    """Leave out unknown (None) properties, as Neo4j does."""
    return {k: v for k, v in d.items() if v is not None}


# -- one paper, one id: a title-derived id meets a real id -------------------------------------
# A paper known by its title alone has an id derived from that title (``kg.ids.title_paper_id``,
# ``title:...``). When a paper with a real id (arXiv, DOI, ...) has the same normalised title,
# the two are one paper under the real id, whichever of them arrives first. This section is the
# only place deciding it: the graph stores ask ``plan_paper_id`` about each paper they write;
# the states kept beside the graph (resolution votes, corpus knowledge) ask ``plan_records``
# (``plan_resolution_save`` for the resolution state) which records to keep; ``kg.cluster``
# sums votes over partitions with ``title_derived`` and ``real_titles``.
class PaperIdPlan(NamedTuple):
    """What a graph store does with one paper it writes (``plan_paper_id``)."""

    #: the id the paper is written under
    paper_id: str
    #: stored title-derived papers it replaces (the store deletes them), sorted
    supersedes: tuple[str, ...]


def plan_paper_id(paper_id: str, same_title: Iterable[str]) -> PaperIdPlan:
    """A paper's id given ``same_title``, the ids of the stored papers with its normalised
    title (a store may pass only the candidates: the smallest real id among them and every
    title-derived one; none when the title normalises to nothing).

    A title-derived id takes the smallest stored real id with its title; a real id supersedes
    every stored title-derived paper with its title. So a paper's id does not depend on the
    order papers arrive in.
    """
    others = sorted(set(same_title) - {paper_id})
    if is_title_id(paper_id):
        real = [o for o in others if not is_title_id(o)]
        return PaperIdPlan(real[0] if real else paper_id, ())
    return PaperIdPlan(paper_id, tuple(o for o in others if is_title_id(o)))


class IdRecord(Protocol):
    """What a state beside the graph keeps per paper: its id and its title-derived id
    (``kg.ids.title_paper_id`` of its title; equal to the paper id for a paper known by its
    title alone)."""

    @property
    def paper_id(self) -> str: ...

    @property
    def title_id(self) -> str: ...


def title_derived(records: Iterable[IdRecord]) -> set[str]:
    """The ids of the records of papers known by their title alone."""
    return {r.paper_id for r in records if r.paper_id == r.title_id}


def real_titles(records: Iterable[IdRecord]) -> set[str]:
    """The title-derived ids that papers with a real id hold (their titles')."""
    return {r.title_id for r in records if r.paper_id != r.title_id}


RecordT = TypeVar("RecordT", bound=IdRecord)


@dataclass(frozen=True)
class RecordPlan(Generic[RecordT]):
    """Which records of a batch a state keeps (``plan_records``)."""

    #: the records to save (the last one of each paper id), in the order of their last occurrence
    keep: list[RecordT]
    #: title-derived ids whose saved state a kept record with a real id replaces, sorted
    superseded: list[str]


def plan_records(records: Iterable[RecordT], held: Callable[[list[str]], Iterable[str]]) -> RecordPlan[RecordT]:
    """The records of a batch a state keeps (a paper listed twice: its last record).

    A record of a paper known by its title alone is not kept when a paper with a real id holds
    its title: one of the batch, or one the state keeps; ``held(title_ids)`` answers the latter
    (which of these title ids the state keeps under another paper id; asked once, only when
    some). A kept record with a real id supersedes what the state keeps under its title id.
    """
    latest: dict[str, RecordT] = {}
    for r in records:
        latest.pop(r.paper_id, None)
        latest[r.paper_id] = r
    real = real_titles(latest.values())
    ask = sorted(title_derived(latest.values()) - real)
    shadowed = real | (set(held(ask)) if ask else set())
    keep = [r for r in latest.values() if not (r.paper_id == r.title_id and r.title_id in shadowed)]
    return RecordPlan(keep, sorted(real_titles(keep)))


@dataclass(frozen=True)
class SavePlan:
    """What a resolution state does with one ``save`` (``plan_resolution_save``)."""

    #: records to save (raw facts and votes replaced), votes as ``Vote``s with integer weights
    keep: list[ResolutionRecord]
    #: papers merged into another paper: all their state goes, their pending mark too
    forget: list[str]
    #: title-derived ids whose state a kept record with a real id replaces
    superseded: list[str]

    @property
    def gone(self) -> list[str]:
        """The ids whose whole state goes."""
        return sorted(set(self.forget) | set(self.superseded))

    @property
    def replaced(self) -> list[str]:
        """The ids whose stored votes are replaced (by the kept records' votes, or by none)."""
        return sorted({r.paper_id for r in self.keep} | set(self.gone))


def plan_resolution_save(records: Iterable[ResolutionRecord], held: Callable[[list[str]], Iterable[str]]) -> SavePlan:
    """``plan_records`` for the resolution state, whose records (plain tuples in the order of
    ``ResolutionRecord`` are taken too) may also forget a paper: raw facts ``None``."""
    latest: dict[str, ResolutionRecord] = {}
    for rec in map(ResolutionRecord._make, records):
        latest.pop(rec.paper_id, None)
        latest[rec.paper_id] = rec._replace(votes=[Vote(v.key, v.kind, v.value, int(v.weight), v.surface)
                                                   for v in map(Vote._make, rec.votes)])
    forget = sorted(pid for pid, r in latest.items() if r.raw is None)
    plan = plan_records([r for r in latest.values() if r.raw is not None], held)
    return SavePlan(plan.keep, forget, plan.superseded)
