"""Entity resolution: canonical entity ids across papers (and the papers already stored).

``resolve_stream(facts, store)`` is the one entry point the pipeline calls.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from kg.ids import entity_id
from kg.schema import Entity, PaperFacts

__all__ = ["resolve_stream"]


def _canonical_within(facts: PaperFacts) -> PaperFacts:
    """Minimal resolution: recompute ids from names and merge same-id entities of one paper."""
    from dataclasses import replace

    rename: dict[str, str] = {}
    merged: dict[str, Entity] = {}
    for e in facts.entities:
        new_id = entity_id(e.type, e.name)
        rename[e.id] = new_id
        if new_id in merged:
            old = merged[new_id]
            aliases = sorted((set(old.aliases) | set(e.aliases) | {e.name}) - {old.name})
            merged[new_id] = replace(old, aliases=tuple(aliases))
        else:
            merged[new_id] = replace(e, id=new_id)
    rels = tuple(replace(r, target=rename.get(r.target, r.target)) for r in facts.relations)
    return PaperFacts(paper=facts.paper, entities=tuple(merged.values()), relations=rels)


def resolve_stream(facts: Iterable[PaperFacts], store=None) -> Iterator[PaperFacts]:
    """Facts with canonical entity ids (minimal version: per paper only)."""
    for f in facts:
        yield _canonical_within(f)
