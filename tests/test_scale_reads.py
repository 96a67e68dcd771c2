"""Read paths that stay fast on a million papers give what the slow way gives: the counts
``kg stats`` keeps equal a recount, a neighbourhood ranked in SQL equals the ranking in
Python, and the closest names from the name index equal those of a scan. No timings."""

from __future__ import annotations

import random

import pytest

from kg.store.embedded import EmbeddedStore

from factsutil import make_facts

MODELS = ["BERT", "GPT-4", "Llama 2", "ResNet", "ViT", "T5"]
DATASETS = ["ImageNet", "COCO", "SQuAD", "GLUE"]
RELS = ["PROPOSES", "BUILDS_ON", "USES", "COMPARES_WITH"]


def random_facts(rng: random.Random, i: int, variant: int = 0):
    """A paper with a few random relations; ``variant`` changes its text (and so its facts)."""
    own = f"Net{rng.randrange(12)}"
    picks = rng.sample(MODELS, rng.randrange(0, 4))
    data = rng.sample(DATASETS, rng.randrange(0, 3))
    title = f"{own}: a study {i}" + (f" v{variant}" if variant else "")
    abstract = " ".join([f"We use {m}." for m in picks] + [f"Results on {d}." for d in data]) or "Nothing named."
    mentions = [("PROPOSES", "Model", own)] if rng.random() < 0.7 else []
    mentions += [(rng.choice(RELS[1:]), "Model", m) for m in picks]
    mentions += [("EVALUATES_ON", "Dataset", d) for d in data]
    pid = f"arxiv:2401.{i:05d}" if rng.random() < 0.8 else None  # some title-derived ids
    return make_facts(title, abstract, mentions, paper_id=pid)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kept_counts_equal_a_recount_after_random_writes(tmp_path, seed):
    """Papers added, rewritten with other entities, written again unchanged, under real and
    title-derived ids, in random batches: after every batch the counts `kg stats` reads
    equal those counted from the tables."""
    rng = random.Random(seed)
    with EmbeddedStore(tmp_path / "s.db") as store:
        for step in range(12):
            batch = [random_facts(rng, rng.randrange(40), variant=rng.randrange(3)) for _ in range(rng.randrange(1, 9))]
            if step == 6:  # papers that lose every relation: entities and derived edges go
                batch = [make_facts(f"Net{k}: a study {k}", "Nothing named.", [], paper_id=f"arxiv:2401.{k:05d}")
                         for k in range(40)]
            store.write(batch)
            kept = store.stats()
            assert kept == store.counted_stats()
        assert kept["papers"] > 0 and kept["entity_relations"] >= 0


def test_a_store_made_before_the_counts_counts_once(tmp_path):
    rng = random.Random(7)
    facts = [random_facts(rng, i) for i in range(30)]
    with EmbeddedStore(tmp_path / "s.db") as store:
        store.write(facts[:20])
        store.db.executescript("DROP TABLE counts; DELETE FROM meta WHERE key='counts';")
    with EmbeddedStore(tmp_path / "s.db") as store:  # as a store from an older kg opens
        assert store.stats() == store.counted_stats()  # counted: nothing is kept yet
        store.write(facts[20:])
        assert store.sql("SELECT value FROM meta WHERE key='counts'") == [("1",)]
        assert store.stats() == store.counted_stats()
