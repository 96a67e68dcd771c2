"""Small hand-made facts for store and pipeline tests."""

from __future__ import annotations

from kg.ids import entity_id, title_paper_id
from kg.schema import Entity, Evidence, Paper, PaperFacts, Relation


def make_facts(title: str, abstract: str, mentions: list[tuple[str, str, str]], paper_id: str | None = None,
               source: str = "test:inline:1", aliases: dict[str, list[str]] | None = None) -> PaperFacts:
    """Facts for a paper; ``mentions`` are (relation type, entity type, surface) found in title or abstract."""
    pid = paper_id or title_paper_id(title)
    paper = Paper(id=pid, title=title, abstract=abstract, source=source)
    entities: dict[str, Entity] = {}
    relations = []
    for rtype, etype, surface in mentions:
        field = "title" if surface in title else "abstract"
        text = paper.text(field)
        start = text.index(surface)
        eid = entity_id(etype, surface)
        if eid in entities and surface != entities[eid].name:  # a spelling variant seen in the same paper
            old = entities[eid]
            entities[eid] = Entity(eid, old.name, etype, tuple(sorted({*old.aliases, surface})))
        entities.setdefault(eid, Entity(eid, surface, etype, tuple((aliases or {}).get(surface, ()))))
        relations.append(Relation(rtype, pid, eid, 0.9, Evidence(field, start, start + len(surface), text), "test"))
    return PaperFacts(paper, tuple(entities.values()), tuple(relations))
