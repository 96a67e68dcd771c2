"""The embedded implementations answer exactly like the Cypher, over many parameter values.

A seeded random graph with awkward names (punctuation, accents, digits with dots, aliases)
is written to both stores; every query then runs with every interesting value on both.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from factsutil import make_facts
from kg.query import bind, get_query, list_queries, run_query
from kg.queries.entity_search import words
from kg.store.embedded import EmbeddedStore

pytestmark = pytest.mark.neo4j

POOL = {
    "Model": ["GPT-3.5", "LLaMA-2", "Code Llama", "RoBERTa", "BERT-large", "T5", "don't stop", "C++ model",
              "résumé net", "a:b test", "Llama 3", "GPT3", "BERT"],
    "Method": ["foo_bar", "e.g. method", "LoRA", "Distillation"],
    "Dataset": ["ImageNet-1k", "SQuAD v1.1", "U.S.A data", "1,000 things", "COCO (2017)", "GLUE", "x/y set"],
    "Task": ["question answering", "image classification"],
}
#: resolution's families, for VARIANT_OF edges
FAMILIES = {"BERT-large": "model:bert", "Code Llama": "model:llama2", "Llama 3": "model:llama2",
            "GPT3": "model:gpt3.5", "ImageNet-1k": "dataset:glue"}
ALIASES = {"LLaMA-2": ["Llama 2", "llama-two"], "GPT-3.5": ["ChatGPT", "GPT 3.5 turbo"],
           "ImageNet-1k": ["ILSVRC 2012"], "résumé net": ["RESUME NET"]}
TEXTS = ["llama", "LLAMA 2", "llama 2", "2 llama", "gpt", "3.5", "gpt 3.5", "gpt-3.5", "gpt3", "don't", "don",
         "c++", "C", "1,000", "1", "v1.1", "1.1", "a:b", "a", "e.g", "foo_bar", "foo", "résumé", "RÉSUMÉ", "resume",
         "code llama", "2017", "(2017)", "x", "y set", "turbo", "3.5 turbo", "ilsvrc", "'", "", "  ", "-", "*",
         "bert", "BERT-large", "large", "net resume"]


def random_facts(seed: int = 7, n: int = 40):
    rng = random.Random(seed)
    facts = []
    for i in range(n):
        proposed_type = rng.choice(["Model", "Model", "Method", "Dataset"])
        proposed = rng.choice(POOL[proposed_type])
        mentions = [("PROPOSES", proposed_type, proposed)]
        for rtype, etypes, k in (("BUILDS_ON", ["Model", "Method"], 2), ("EVALUATES_ON", ["Dataset"], 3),
                                 ("COMPARES_WITH", ["Model", "Method"], 2), ("USES", ["Model", "Method", "Dataset"], 2),
                                 ("ADDRESSES", ["Task"], 1)):
            for _ in range(rng.randint(0, k)):
                etype = rng.choice(etypes)
                mentions.append((rtype, etype, rng.choice(POOL[etype])))
        mentions = list(dict.fromkeys(mentions))
        surfaces = list(dict.fromkeys(s for _, _, s in mentions))
        title = f"Paper {i}: {proposed}"
        abstract = "We study " + "; ".join(surfaces) + "."
        f = make_facts(title, abstract, mentions, paper_id=f"arxiv:2301.{i:05d}", aliases=ALIASES)
        ents = tuple(replace(e, family=FAMILIES.get(e.name)) for e in f.entities)
        facts.append(replace(f, entities=ents))
    # a dataset proposed and evaluated by one paper only (the long tail)
    facts.append(make_facts("TailSet: a benchmark", "We propose TailSet and evaluate LoRA on TailSet and GLUE.",
                            [("PROPOSES", "Dataset", "TailSet"), ("EVALUATES_ON", "Dataset", "TailSet"),
                             ("EVALUATES_ON", "Dataset", "GLUE"), ("USES", "Method", "LoRA")],
                            paper_id="arxiv:2301.99999"))
    return facts


@pytest.fixture(scope="module")
def stores(neo4j_server, tmp_path_factory):
    from kg.store.neo4j import Neo4jStore

    facts = random_facts()
    emb = EmbeddedStore(tmp_path_factory.mktemp("rnd") / "kg.db")
    emb.write(facts)
    neo = Neo4jStore(neo4j_server["uri"], user=neo4j_server["user"], password=neo4j_server["password"])
    neo.clear()
    neo.write(facts)
    try:
        yield emb, neo
    finally:
        emb.close()
        neo.close()


def entity_names(emb):
    out = []
    for i, name, aliases in emb.sql("SELECT id, name, aliases FROM entities ORDER BY id"):
        out += [i, name, name.upper(), name.lower()]
        import json

        out += json.loads(aliases)
    return list(dict.fromkeys(out)) + ["nothing like it", ""]


def values_for(q, emb):
    """Parameter sets worth comparing for query ``q``."""
    names = entity_names(emb)
    pnames = {p.name for p in q.params}
    if q.name == "entity_search":
        return [{"text": t} for t in TEXTS + names]
    if q.name == "shortest_path":
        ends = ["GLUE", "LoRA", "T5", "llama 2", "COCO (2017)", "question answering", "don't stop", "résumé net",
                "ImageNet-1k", "model:bert"]
        return [{"source": a, "target": b} for a in ends for b in ends]
    if q.name == "relation_evidence":
        pairs = emb.sql("SELECT source, target FROM entity_edges ORDER BY source, type, target")
        return [{"source": s, "target": t} for s, t in pairs] + [{"source": "LoRA", "target": "nothing"}]
    if q.name == "paper_contributions":
        papers = emb.sql("SELECT id, title FROM papers ORDER BY id")
        out = [{"paper": p} for p, _ in papers] + [{"paper": t.upper()} for _, t in papers[:10]]
        return out + [{"paper": "arxiv:2301.00001", "relations": ["USES", "COMPARES_WITH", "ADDRESSES"]}]
    if q.name in ("model_lineage", "model_ancestors"):
        return [{"name": n, "max_depth": d, "limit": k} for n in names for d in (1, 2, 5) for k in (2, 100)]
    if q.name == "entities_by_type":
        return [{"type": t} for t in ("Model", "Method", "Dataset", "Task", "Metric", "model", "Nope")]
    if q.name == "entity_evidence":
        return ([{"name": n, "limit": k} for n in names for k in (2, 100)]
                + [{"name": "GLUE", "relations": ["USES"]}, {"name": "GLUE", "relations": []}])
    if "name" in pnames:
        return [{"name": n} for n in names]
    return [{"limit": k} for k in (1, 3, 100)]


@pytest.mark.parametrize("name", [q.name for q in list_queries()])
def test_same_rows_for_many_values(stores, name):
    emb, neo = stores
    q = get_query(name)
    nonempty = 0
    for params in values_for(q, emb):
        a = run_query(emb, name, params).rows
        b = run_query(neo, name, params).rows
        assert a == b, (name, params)
        nonempty += bool(a)
    assert nonempty, f"{name}: every value gave no rows, so nothing was compared"


def test_pasted_file_text_runs_as_is(stores):
    """What a user pastes in the Neo4j Browser (header comments included) gives the same rows."""
    emb, neo = stores
    for q in list_queries():
        params = bind(q, values_for(q, emb)[0])
        assert [dict(r) for r in neo.cypher(q.text, **params)] == run_query(emb, q.name, params).rows, q.name


def test_words_agree_with_the_cypher(stores):
    """A phrase of each name's own words finds that entity on both stores."""
    emb, neo = stores
    for (name,) in emb.sql("SELECT name FROM entities"):
        toks = words(name)
        if toks:
            found = [r["name"] for r in run_query(neo, "entity_search", {"text": " ".join(toks), "limit": 1000}).rows]
            assert name in found, (name, toks)
            assert found == [r["name"] for r in run_query(emb, "entity_search",
                                                           {"text": " ".join(toks), "limit": 1000}).rows]
