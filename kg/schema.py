"""The data model: Paper, Entity, Relation, Evidence, and the facts JSON Lines format.

Pure data, no I/O beyond (de)serialising one facts line. See
``../shared/spec/facts-format.md`` for the interchange format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

ENTITY_TYPES: tuple[str, ...] = ("Model", "Method", "Dataset", "Task", "Metric")
#: Relations from a paper to an entity (what extraction finds).
RELATION_TYPES: tuple[str, ...] = (
    "PROPOSES",
    "EVALUATES_ON",
    "BUILDS_ON",
    "USES",
    "COMPARES_WITH",
    "ADDRESSES",
)
#: Relations from an entity to an entity (what resolution derives).
ENTITY_RELATION_TYPES: tuple[str, ...] = ("BUILDS_ON", "EVALUATED_ON", "VARIANT_OF")
#: The headline relation types of extraction quality.
HEADLINE_TYPES: tuple[str, ...] = ("PROPOSES", "EVALUATES_ON", "BUILDS_ON")
EVIDENCE_FIELDS: tuple[str, ...] = ("title", "abstract")
#: The label of paper nodes (entity nodes are labelled with their type).
PAPER_LABEL = "Paper"
#: The entity types each paper -> entity relation type may point at.
RELATION_TARGET_TYPES: dict[str, tuple[str, ...]] = {
    "PROPOSES": ("Model", "Method", "Dataset"),
    "EVALUATES_ON": ("Dataset",),
    "BUILDS_ON": ("Model", "Method"),
    "USES": ("Model", "Method", "Dataset", "Metric"),
    "COMPARES_WITH": ("Model", "Method", "Dataset"),
    "ADDRESSES": ("Task",),
}


def entity_id_prefix(entity_type: str) -> str:
    """The prefix of an entity id of this type: ``Model`` -> ``model`` (``model:bert``)."""
    return entity_type.lower()


#: an entity id's prefix -> its type
_TYPE_OF_PREFIX = {entity_id_prefix(t): t for t in ENTITY_TYPES}


def entity_type_of(entity_id: str) -> str:
    """The type an entity id names: ``model:bert`` -> ``Model`` (an unknown prefix, capitalised)."""
    prefix = entity_id.split(":", 1)[0]
    return _TYPE_OF_PREFIX.get(prefix, prefix.capitalize())


@dataclass(frozen=True)
class Paper:
    """One paper as a loader read it."""

    id: str
    title: str
    abstract: str = ""
    year: int | None = None
    authors: tuple[str, ...] = ()
    url: str | None = None
    external_ids: dict[str, str] = field(default_factory=dict)
    #: where it came from: ``FORMAT:FILE:LINE`` (or ``FORMAT:FILE:#N``)
    source: str = ""
    #: when several records were merged into this paper (``kg.records``): the link keys of
    #: those records beyond the ones this paper's own fields give (sorted), so a record read
    #: later links to it exactly as it would have linked to any of them
    links: tuple[str, ...] = ()
    #: set by the merge stage, never serialised: ids of stored papers this one takes the
    #: place of (their records are merged into it); the store deletes them when writing it
    absorbs: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "abstract": self.abstract,
            "year": self.year,
            "authors": list(self.authors),
            "url": self.url,
            "external_ids": dict(sorted(self.external_ids.items())),
            "source": self.source,
        }
        if self.links:
            d["links"] = list(self.links)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Paper":
        year = d.get("year")
        return cls(
            id=str(d["id"]),
            title=str(d.get("title") or ""),
            abstract=str(d.get("abstract") or ""),
            year=int(year) if year not in (None, "") else None,
            authors=tuple(d.get("authors") or ()),
            url=d.get("url") or None,
            external_ids=dict(d.get("external_ids") or {}),
            source=str(d.get("source") or ""),
            links=tuple(str(x) for x in d.get("links") or ()),
        )

    def text(self, field_name: str) -> str:
        if field_name == "title":
            return self.title
        if field_name == "abstract":
            return self.abstract
        raise ValueError(f"unknown evidence field {field_name!r}")


@dataclass(frozen=True)
class Entity:
    """A named method, model, dataset, task or metric."""

    id: str
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    #: the canonical id of the entity this is a size/version variant of (set by resolution)
    family: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "name": self.name, "type": self.type, "aliases": list(self.aliases)}
        if self.family:
            d["family"] = self.family
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Entity":
        return cls(id=d["id"], name=d["name"], type=d["type"], aliases=tuple(d.get("aliases") or ()),
                   family=d.get("family") or None)


@dataclass(frozen=True)
class Evidence:
    """Where a relation is supported: ``paper[field][start:end]`` is the mention."""

    field: str
    start: int
    end: int
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "start": self.start, "end": self.end, "sentence": self.sentence}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Evidence":
        return cls(field=d["field"], start=int(d["start"]), end=int(d["end"]), sentence=d.get("sentence", ""))


@dataclass(frozen=True)
class Relation:
    """A typed edge from a paper (``source``) to an entity (``target``)."""

    type: str
    source: str
    target: str
    confidence: float
    evidence: Evidence
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "source": self.source,
            "target": self.target,
            "confidence": round(float(self.confidence), 4),
            "evidence": self.evidence.to_dict(),
            "rule": self.rule,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Relation":
        return cls(
            type=d["type"],
            source=d["source"],
            target=d["target"],
            confidence=float(d["confidence"]),
            evidence=Evidence.from_dict(d["evidence"]),
            rule=d.get("rule", ""),
        )


@dataclass(frozen=True)
class PaperFacts:
    """Everything extracted from one paper: one line of a facts file."""

    paper: Paper
    entities: tuple[Entity, ...] = ()
    relations: tuple[Relation, ...] = ()
    #: set by resolution when it changed the entities: what extraction gave, so resolving
    #: these facts again (e.g. facts files of several machines) uses the original votes:
    #: ``{"entities": [entity dicts], "targets": [the original target of each relation]}``
    unresolved: dict[str, Any] | None = field(default=None, hash=False)

    def to_dict(self) -> dict[str, Any]:
        d = {
            "paper": self.paper.to_dict(),
            "entities": [e.to_dict() for e in self.entities],
            "relations": [r.to_dict() for r in self.relations],
        }
        if self.unresolved:
            d["unresolved"] = self.unresolved
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "PaperFacts":
        return cls(
            paper=Paper.from_dict(d["paper"]),
            entities=tuple(Entity.from_dict(e) for e in d.get("entities") or ()),
            relations=tuple(Relation.from_dict(r) for r in d.get("relations") or ()),
            unresolved=d.get("unresolved") or None,
        )

    @classmethod
    def from_json(cls, line: str) -> "PaperFacts":
        return cls.from_dict(json.loads(line))


def validate_facts(facts: PaperFacts) -> list[str]:
    """Return what is wrong with one facts record (empty when it is valid)."""
    problems: list[str] = []
    ids = {e.id for e in facts.entities}
    for e in facts.entities:
        if e.type not in ENTITY_TYPES:
            problems.append(f"entity {e.id!r} has unknown type {e.type!r}")
    for r in facts.relations:
        if r.type not in RELATION_TYPES:
            problems.append(f"relation has unknown type {r.type!r}")
        if r.source != facts.paper.id:
            problems.append(f"relation source {r.source!r} is not the paper {facts.paper.id!r}")
        if r.target not in ids:
            problems.append(f"relation target {r.target!r} is not among the entities")
        if not 0.0 <= r.confidence <= 1.0:
            problems.append(f"confidence {r.confidence} is outside [0, 1]")
        ev = r.evidence
        if ev.field not in EVIDENCE_FIELDS:
            problems.append(f"evidence field {ev.field!r} is not title or abstract")
        elif not 0 <= ev.start < ev.end <= len(facts.paper.text(ev.field)):
            problems.append(f"evidence span {ev.start}:{ev.end} is outside the {ev.field}")
    return problems
