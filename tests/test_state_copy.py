"""The copy a Neo4j state file's write hands to Neo4j is made from the rows the write built
(``neo4j_state.publication_of``), not read back from the file: it must be exactly what reading
them back (``read_publication``) gives, values and their types, after any kind of write."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from factsutil import absorbing, make_facts
from kg.store import neo4j_state as S
from kg.store.embedded import EmbeddedStore
from test_read_indexes import random_facts


def _canonical(pub):
    """The publication with its lists in one order (the order rows go to Neo4j in is free);
    ``repr`` keeps the types (1 and 1.0 differ). What only the write knows (``papers_new``,
    ``entities_kept``: checked on their own) is left out, the kept entities among the others."""
    pub = dict(pub)
    pub.pop("papers_new", None)
    entities = {t: list(rows) for t, rows in pub["entities"].items()}
    for t, rows in pub.pop("entities_kept", {}).items():
        entities.setdefault(t, []).extend(rows)
    pub["entities"] = entities

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
    before = {}

    def publish(cur, changed):
        assert changed.rows is not None
        made = S.publication_of(cur, changed.rows)
        read = S.read_publication(cur, changed.papers, changed.entities, changed.edges)
        assert _canonical(made) == _canonical(read)
        # a paper called new had no row when the write began; a kept entity had this type
        assert not set(made["papers_new"]) & before["papers"]
        assert set(made["papers_new"]) <= {p["id"] for p in made["papers"]}
        for t, rows in made["entities_kept"].items():
            assert all(before["types"].get(r["id"]) == t for r in rows)
        compared.append(made)

    with EmbeddedStore(tmp_path / "s.kgstate", exclusive=False, lean=lean) as store:
        for step in range(14):
            batch = [random_facts(rng, rng.randrange(30), variant=rng.randrange(3)) for _ in range(rng.randrange(1, 9))]
            if step % 4 == 3:  # a paper absorbs stored ones (a merge of records across runs)
                batch = absorbing(batch, rng, "arxiv:2401")
            if step % 5 == 4:  # the same paper again in the batch, from another source
                batch.append(replace(batch[0], paper=replace(batch[0].paper, source="zz-other.jsonl")))
            if step in (9, 12):  # an entity whose type changes (a paper calls BERT a method), then back
                seen_as = make_facts(f"A view of BERT {step}", "We use BERT.", [("USES", "Model", "BERT")],
                                     paper_id="arxiv:2402.00001")
                if step == 9:
                    seen_as = replace(seen_as, entities=tuple(replace(e, type="Method") for e in seen_as.entities))
                batch.append(seen_as)
            if step == 7:  # papers that lose every relation: entities and derived edges go
                batch = [make_facts(f"Net{k}: a study {k}", "Nothing named.", [], paper_id=f"arxiv:2401.{k:05d}")
                         for k in range(30)]
            before["papers"] = {r[0] for r in store.sql("SELECT id FROM papers")}
            before["types"] = dict(store.sql("SELECT id, type FROM entities"))
            store.write(batch, publish=publish)
    assert len(compared) == 14
    assert any(p["papers_gone"] for p in compared) and any(p["edges_gone"] for p in compared)
    assert any(p["entities_gone"] or p["placeholders"] for p in compared)
    assert any(p["papers_new"] for p in compared) and any(p["entities_kept"] for p in compared)
    # some written papers are not new (their relations in Neo4j are dropped first)
    assert any(set(p["papers_new"]) != {r["id"] for r in p["papers"]} for p in compared)
