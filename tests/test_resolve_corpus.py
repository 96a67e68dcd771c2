"""Resolution over real extraction output: the sample corpus, in any order and any runs."""

from __future__ import annotations

import random

import pytest

from kg.resolve import resolve_stream
from kg.resolve.core import paper_votes
from kg.resolve.keys import canonical_key
from kg.store.embedded import EmbeddedStore
from resolveutil import entities, graph


@pytest.fixture(scope="module")
def raw_facts(request):
    from kg import loaders
    from kg.extract import extract_papers

    from conftest import SAMPLE

    papers = [p for p in loaders.iter_records([SAMPLE]) if not hasattr(p, "entities")]
    return list(extract_papers(papers))


def _ingest(path, batches, chunk_size):
    for batch in batches:
        with EmbeddedStore(path) as s:
            s.write(list(resolve_stream(batch, s, chunk_size=chunk_size)))
    with EmbeddedStore(path) as s:
        return graph(s), entities(s)


def test_sample_corpus_in_any_order_and_runs_gives_one_graph(raw_facts, tmp_path):
    (one, ents) = _ingest(tmp_path / "one.db", [raw_facts], 500)
    shuffled = list(raw_facts)
    random.Random(7).shuffle(shuffled)
    n = len(shuffled)
    batches = [shuffled[: n // 3], shuffled[n // 3: 2 * n // 3], shuffled[2 * n // 3:]]
    (many, _) = _ingest(tmp_path / "many.db", batches, 37)
    assert many == one
    # the resolution did something: an acronym defined in one paper absorbed bare uses elsewhere
    defs: dict[str, set[str]] = {}
    for f in raw_facts:
        for v in paper_votes(f):
            if v[1] == "def":
                defs.setdefault(v[0], set()).add(v[2])

    def keys(e):
        return {canonical_key(a) for a in [e["name"], *e["aliases"]]}

    merged = [e for e in ents.values() if any(k in defs and defs[k] & keys(e) for k in keys(e))]
    assert merged
    # and no defined acronym is left as an entity of its own: one named by an acronym (its id
    # key) is that acronym merged with one of its expansions
    named = [e for e in ents.values() if e["id"].split(":", 1)[1] in defs]
    assert named and all(defs[e["id"].split(":", 1)[1]] & keys(e) for e in named)


def test_every_derived_edge_joins_stored_entities(raw_facts, tmp_path):
    (nodes, edges), ents = _ingest(tmp_path / "kg.db", [raw_facts], 500)
    derived = [e for e in edges if "papers" in e]
    assert any(e["type"] == "VARIANT_OF" for e in derived)
    papers = {n["id"] for n in nodes if n["label"] == "Paper"}
    for e in derived:
        assert e["source"] in ents and e["target"] in ents
        assert e["papers"] and set(e["papers"]) <= papers and e["support"] == len(e["papers"])


def test_sample_shards_resolved_apart_give_the_graph_of_one_run(raw_facts, tmp_path):
    (one, _) = _ingest(tmp_path / "one.db", [raw_facts], 500)
    shards = [list(resolve_stream(raw_facts[:100])), list(resolve_stream(raw_facts[100:]))]
    (together, _) = _ingest(tmp_path / "shards.db", [shards[1] + shards[0]], 500)
    assert together == one
