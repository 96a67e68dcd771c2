"""The one builder of hand-made facts for tests (stores, pipeline, resolution)."""

from __future__ import annotations

from kg.ids import entity_id, title_paper_id
from kg.schema import Entity, Evidence, Paper, PaperFacts, Relation

#: (relation type, entity type, surface[, aliases[, confidence]])
Mention = tuple


def make_facts(title: str, abstract: str, mentions: list[Mention], paper_id: str | None = None,
               source: str = "test:inline:1", aliases: dict[str, list[str]] | None = None,
               variants: bool = True, in_title: bool = True) -> PaperFacts:
    """Facts for a paper; ``mentions`` are (relation type, entity type, surface[, aliases[,
    confidence]]) found in the title (unless ``in_title`` is false) or the abstract.
    ``variants``: a second spelling of an entity in the paper becomes one of its aliases (else
    the first mention's entity stands as it is)."""
    pid = paper_id or title_paper_id(title)
    paper = Paper(id=pid, title=title, abstract=abstract, source=source)
    entities: dict[str, Entity] = {}
    relations = []
    for m in mentions:
        rtype, etype, surface = m[0], m[1], m[2]
        own = tuple(m[3]) if len(m) > 3 else tuple((aliases or {}).get(surface, ()))
        conf = m[4] if len(m) > 4 else 0.9
        field = "title" if in_title and surface in title else "abstract"
        text = paper.text(field)
        start = text.index(surface)
        eid = entity_id(etype, surface)
        if variants and eid in entities and surface != entities[eid].name:  # a spelling variant seen in the same paper
            old = entities[eid]
            entities[eid] = Entity(eid, old.name, etype, tuple(sorted({*old.aliases, surface})))
        entities.setdefault(eid, Entity(eid, surface, etype, own))
        relations.append(Relation(rtype, pid, eid, conf, Evidence(field, start, start + len(surface), text), "test"))
    return PaperFacts(paper, tuple(entities.values()), tuple(relations))


def absorbing(batch: list[PaperFacts], rng, prefix: str, ids: int = 30) -> list[PaperFacts]:
    """``batch`` with its first paper taking in three stored papers (``Paper.absorbs``), drawn
    from ``{prefix}.00000`` … (``ids`` of them): a merge of records across runs."""
    from dataclasses import replace

    first = batch[0]
    absorbs = tuple(f"{prefix}.{rng.randrange(ids):05d}" for _ in range(3))
    return [replace(first, paper=replace(first.paper, absorbs=absorbs)), *batch[1:]]
