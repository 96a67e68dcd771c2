"""The copy a Neo4j state file's write hands to Neo4j is made from the rows the write built
(``neo4j_state.publication_of``), not read back from the file: it must be exactly what reading
them back (``read_publication``) gives, values and their types, after any kind of write."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from factsutil import make_facts
from kg.store import neo4j_state as S
from kg.store.embedded import EmbeddedStore
from test_read_indexes import random_facts


def _canonical(pub):
    """The publication with its lists in one order (the order rows go to Neo4j in is free);
    ``repr`` keeps the types (1 and 1.0 differ)."""
    def norm(v):
        if isinstance(v, dict):
            return {k: norm(v[k]) for k in sorted(v)}
        if isinstance(v, list) and v and isinstance(v[0], dict):
            return sorted((norm(x) for x in v), key=repr)
        return v
    return repr(norm(pub))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("lean", [True, False])
def test_the_copy_made_from_the_written_rows_equals_the_rows_read_back(tmp_path, seed, lean):
    rng = random.Random(seed)
    compared = []

    def publish(cur, changed):
        assert changed.rows is not None
        made = S.publication_of(cur, changed.rows)
        read = S.read_publication(cur, changed.papers, changed.entities, changed.edges)
        assert _canonical(made) == _canonical(read)
        compared.append(made)

    with EmbeddedStore(tmp_path / "s.kgstate", exclusive=False, lean=lean) as store:
        for step in range(14):
            batch = [random_facts(rng, rng.randrange(30), variant=rng.randrange(3)) for _ in range(rng.randrange(1, 9))]
            if step % 4 == 3:  # a paper absorbs stored ones (a merge of records across runs)
                first = batch[0]
                batch[0] = replace(first, paper=replace(first.paper, absorbs=tuple(
                    f"arxiv:2401.{rng.randrange(30):05d}" for _ in range(3))))
            if step % 5 == 4:  # the same paper again in the batch, from another source
                batch.append(replace(batch[0], paper=replace(batch[0].paper, source="zz-other.jsonl")))
            if step == 7:  # papers that lose every relation: entities and derived edges go
                batch = [make_facts(f"Net{k}: a study {k}", "Nothing named.", [], paper_id=f"arxiv:2401.{k:05d}")
                         for k in range(30)]
            store.write(batch, publish=publish)
    assert len(compared) == 14
    assert any(p["papers_gone"] for p in compared) and any(p["edges_gone"] for p in compared)
    assert any(p["entities_gone"] or p["placeholders"] for p in compared)
