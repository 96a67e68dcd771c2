"""The embedded store's incremental upkeep (what keeps a 100k-paper ingest linear) gives
exactly the graph a recomputation from all rows gives, whatever the batching. No timings."""

from __future__ import annotations

import random

import pytest

from kg.store.embedded import EmbeddedStore

from factsutil import make_facts

SPELLINGS = {"BERT": ["BERT", "Bert"], "GPT-4": ["GPT-4", "GPT 4", "GPT4"], "ImageNet": ["ImageNet", "Imagenet"]}


def _corpus(n: int, seed: int) -> list:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        bert, gpt, imnet = (rng.choice(v) for v in SPELLINGS.values())
        own = f"Net{i % 7}"
        title = f"{own}: a study {i}"
        abstract = (f"We build on {bert} and compare with {gpt}. Results on {imnet} are good."
                    f" We use {bert} features.")
        mentions = [("PROPOSES", "Model", own), ("BUILDS_ON", "Model", bert), ("COMPARES_WITH", "Model", gpt),
                    ("EVALUATES_ON", "Dataset", imnet)]
        out.append(make_facts(title, abstract, mentions, paper_id=f"arxiv:2401.{i:05d}"))
    return out


def _dump(store: EmbeddedStore) -> tuple:
    return (list(store.iter_nodes()), list(store.iter_edges()),
            store.sql("SELECT form_key, entity_id FROM entity_forms ORDER BY 1, 2"), store.stats()["entities"])


@pytest.mark.parametrize("batch", [1, 3, 17])
def test_batched_writes_equal_one_write(tmp_path, batch):
    facts = _corpus(60, seed=batch)
    with EmbeddedStore(tmp_path / "one.db") as one:
        one.write(facts)  # every entity computed from all its rows at once
        want = _dump(one)
    shuffled = facts[:]
    random.Random(batch).shuffle(shuffled)
    with EmbeddedStore(tmp_path / "many.db") as many:
        added = 0
        for i in range(0, len(shuffled), batch):
            added += many.write(shuffled[i:i + batch]).entities_added
        assert _dump(many) == want
        assert added == want[3]


def test_changed_papers_between_batches_still_match(tmp_path):
    facts = _corpus(30, seed=1)
    changed = _corpus(30, seed=2)[:10]  # same ids, other spellings: the papers change
    with EmbeddedStore(tmp_path / "ref.db") as ref:
        ref.write(changed + facts[10:])
        want = _dump(ref)
    with EmbeddedStore(tmp_path / "inc.db") as inc:
        for i in range(0, 30, 4):
            inc.write(facts[i:i + 4])
        summary = inc.write(changed)
        assert _dump(inc) == want
        assert summary.papers_updated + summary.papers_unchanged == 10


def test_many_papers_share_a_title(tmp_path):
    same = [make_facts("A common title", f"We use BERT {i}.", [("USES", "Model", "BERT")],
                       paper_id=f"arxiv:2401.{i:05d}") for i in range(20)]
    untitled = make_facts("A common title", "We use BERT.", [("USES", "Model", "BERT")])
    with EmbeddedStore(tmp_path / "s.db") as store:
        store.write(same[:10])
        store.write([untitled])  # a title-only id takes the smallest real id with that title
        store.write(same[10:])
        assert store.stats()["papers"] == 20
        assert [n["paper_count"] for n in store.get_nodes(["model:bert"])] == [20]
