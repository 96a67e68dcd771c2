"""Entity resolution rules: canonical keys, acronyms, plurals, types, variants (no store)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.resolve import resolve_stream
from kg.resolve.core import decide, paper_votes
from kg.resolve.keys import canonical_key, family_chain, family_parent, is_acronym_of, singular_name
from kg.schema import validate_facts
from resolveutil import paper


def ids_of(facts_list):
    return {e.name: e.id for f in facts_list for e in f.entities}


# -- keys ------------------------------------------------------------------------------
@pytest.mark.parametrize("a,b", [
    ("LLaMA-2", "Llama 2"), ("Llama-2", "llama2"), ("ＢＥＲＴ", "BERT"),  # case, Unicode width, hyphens
    ("vision transformers", "vision transformer"), ("Vision Transformers", "vision transformer"),
    ("large language models", "large language model"), ("LLMs", "LLM"), ("ViTs", "ViT"),
    ("losses", "loss"), ("strategies", "strategy"), ("approaches", "approach"), ("Mixture-of-Experts", "mixture of expert"),
    ("Graph Neural Networks", "graph neural network"), ("Transformers", "transformer"),
    ("Finite State Transducers", "finite state transducer"), ("Gaussian processes", "Gaussian process"),
    ("TriviaQA datasets", "TriviaQA dataset"), ("EfficientNets", "EfficientNet"), ("ResNets", "resnet"),
])
def test_same_key(a, b):
    assert canonical_key(a) == canonical_key(b)


@pytest.mark.parametrize("a,b", [
    ("Llama 2", "Llama 3"), ("BERT-base", "BERT"), ("GPT-3.5", "GPT-3"), ("GPT-3.5", "GPT-35"),
    ("ResNet-50", "ResNet-101"), ("CIFAR-10", "CIFAR-100"), ("T5", "T5-XXL"),
])
def test_variants_stay_apart(a, b):
    assert canonical_key(a) != canonical_key(b)


@given(st.lists(st.sampled_from(["vision", "transformers", "models", "natural", "questions", "series", "graph",
                                  "networks", "cars", "losses", "news", "processes", "2", "large", "language"]),
                min_size=1, max_size=4), st.sampled_from([" ", "-"]))
def test_case_never_changes_the_key(words, sep):
    name = sep.join(words)
    assert canonical_key(name) == canonical_key(name.title()) == canonical_key(name.capitalize())


@pytest.mark.parametrize("name", [
    "time series", "robotics", "AG News", "loss", "analysis", "bias", "corpus", "Places", "Hermes",
    "ALS", "consensus", "syntax analysis", "status", "Natural Questions", "Stanford Cars", "Hateful Memes",
    "natural questions",
])
def test_names_that_only_look_plural(name):
    assert singular_name(name) == name


def test_acronyms():
    assert is_acronym_of("MIM", "masked image modeling")
    assert is_acronym_of("ViT", "Vision Transformer")
    assert is_acronym_of("LOOK", "Leave-One-Out K-Nearest-Neighbor")
    assert is_acronym_of("LLMs", "large language models")
    assert not is_acronym_of("BERT-base", "BERT")  # a variant, not an acronym
    assert not is_acronym_of("MIM", "image modeling")  # letters must all be there
    assert not is_acronym_of("GPT", "ChatGPT")  # the first letter must start a word
    assert not is_acronym_of("Llama", "LLaMA")  # a spelling variant
    assert is_acronym_of("Graph LSTM", "Graph Long Short-Term Memory")  # shared words around it
    assert not is_acronym_of("Llama 2", "Llama 3")
    assert not is_acronym_of("BERT base", "BERT large")


def test_scier_synonym_pairs_are_mostly_merged():
    import importlib.util
    from pathlib import Path

    from conftest import ROOT, SHARED, need_service

    gold = SHARED / "gold" / "scier"
    if not gold.is_dir():
        need_service("the shared SciER gold folder is not here")
    spec = importlib.util.spec_from_file_location("scier_synonyms", Path(ROOT) / "scripts" / "scier_synonyms.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    pairs = mod.pairs(gold)
    assert len(pairs) > 500
    merged = sum(mod.merged(*p)[0] for p in pairs)
    assert merged / len(pairs) >= 0.8  # measured 0.856; a drop means acronym merging broke


@pytest.mark.parametrize("name,chain", [
    ("Llama-2-7B-chat", ["Llama-2-7B", "Llama-2", "Llama"]),
    ("Llama 2", ["Llama"]), ("BERT-base", ["BERT"]), ("GPT-3.5", ["GPT"]), ("GPT-3.5-turbo", ["GPT-3.5", "GPT"]),
    ("ViT-B/16", ["ViT-B", "ViT"]), ("ImageNet-1k", ["ImageNet"]), ("DINOv2", ["DINO"]),
    ("ResNet50", ["ResNet"]), ("T5-base", ["T5"]), ("Mixtral 8x7B", ["Mixtral"]), ("SQuAD v1.1", ["SQuAD"]),
    ("T5", []), ("mT5", []), ("Flan-T5", []), ("top-1 accuracy", []), ("C4", []), ("BERT", []),
])
def test_family_chain(name, chain):
    assert family_chain(name) == chain


def test_family_parent_needs_a_name_left():
    assert family_parent("2") is None
    assert family_parent("v2") is None


# -- votes and decisions ------------------------------------------------------------------
def test_votes_weight_by_cue_confidence():
    f = paper("p1", ("PROPOSES", "Method", "masked image modeling", ["MIM"], 0.8), ("USES", "Model", "BERT", (), 0.5))
    votes = paper_votes(f)
    assert ("maskedimagemodeling", "type", "Method", 800, "masked image modeling") in votes
    assert ("mim", "def", "maskedimagemodeling", 800, "MIM") in votes
    assert ("maskedimagemodeling", "abbr", "mim", 800, "MIM") in votes  # and back, for the id
    assert ("bert", "type", "Model", 500, "BERT") in votes


def test_decide_is_weighted_and_ties_are_deterministic():
    assert decide([("type", "Model", 1, 900), ("type", "Method", 2, 1000)]).type == "Method"
    assert decide([("type", "Model", 2, 900), ("type", "Method", 1, 900)]).type == "Model"  # more papers
    # a full tie goes by ENTITY_TYPES order, whatever order the votes come in
    assert decide([("type", "Method", 1, 900), ("type", "Model", 1, 900)]).type == "Model"
    assert decide([("type", "Model", 1, 900), ("type", "Method", 1, 900)]).type == "Model"
    d = decide([("def", "semisupervisedlearning", 1, 900), ("def", "selfsupervisedlearning", 2, 1700)])
    assert d.expansions == ("selfsupervisedlearning", "semisupervisedlearning")


# -- whole streams without a store (kg extract) -------------------------------------------
def test_acronym_defined_in_another_paper_merges_the_bare_one():
    a = paper("a", ("PROPOSES", "Method", "masked image modeling", ["MIM"]))
    b = paper("b", ("USES", "Method", "MIM"))
    for order in ([a, b], [b, a]):
        out = list(resolve_stream(order))
        assert [f.paper.id for f in out] == [f.paper.id for f in order]  # input order kept
        # one entity, named in its id by the acronym people use for it
        assert {e.id for f in out for e in f.entities} == {"method:mim"}
        bare = next(f for f in out if f.paper.id == "b").entities[0]
        assert bare.name == "MIM"  # the paper's own surface form is kept
        for f in out:
            assert validate_facts(f) == []


def test_bare_acronym_takes_the_type_of_its_expansion():
    a = paper("a", ("PROPOSES", "Method", "masked image modeling", ["MIM"]))
    b = paper("b", ("ADDRESSES", "Task", "MIM", (), 0.4))
    out = list(resolve_stream([a, b]))
    assert ids_of(out)["MIM"] == ids_of(out)["masked image modeling"] == "method:mim"


def test_plural_forms_merge():
    out = list(resolve_stream([paper("a", ("USES", "Method", "vision transformers")),
                               paper("b", ("USES", "Method", "Vision Transformer")),
                               paper("c", ("USES", "Model", "ViTs", (), 0.5))]))
    ids = ids_of(out)
    assert ids["vision transformers"] == ids["Vision Transformer"] == "method:visiontransformer"
    assert ids["ViTs"] == "model:vit"  # an undefined acronym stays itself


def test_type_ambiguity_is_decided_by_weighted_votes_and_nothing_is_dropped():
    a = paper("a", ("PROPOSES", "Method", "MAE", (), 0.9))
    b = paper("b", ("USES", "Model", "MAE", (), 0.6))
    c = paper("c", ("USES", "Model", "MAE", (), 0.6))
    out = list(resolve_stream([a, b, c]))
    assert {e.id for f in out for e in f.entities} == {"model:mae"}  # 1.2 for Model beats 0.9
    assert all(len(f.relations) == 1 for f in out)  # every relation kept
    out = list(resolve_stream([a, b]))
    assert {e.id for f in out for e in f.entities} == {"method:mae"}  # 0.9 beats 0.6


def test_conflicting_definitions_prefer_the_paper_then_the_type_then_the_majority():
    self1 = paper("s1", ("USES", "Method", "self-supervised learning", ["SSL"]))
    self2 = paper("s2", ("USES", "Method", "self-supervised learning", ["SSL"]))
    semi = paper("m1", ("USES", "Method", "semi-supervised learning", ["SSL"]), ("USES", "Method", "SSL"))
    bare = paper("b1", ("USES", "Method", "SSL"))
    mae_m = paper("x1", ("PROPOSES", "Method", "masked autoencoders", ["MAE"]))
    mae_e = paper("x2", ("EVALUATES_ON", "Metric", "mean absolute error", ["MAE"], 0.5))
    bare_metric = paper("x3", ("USES", "Metric", "MAE"))
    bare_model = paper("x4", ("USES", "Model", "MAE"))
    out = {f.paper.id: f for f in resolve_stream([self1, self2, semi, bare, mae_m, mae_e, bare_metric, bare_model])}
    # its own definition; the acronym names the majority's expansion, so this one keeps its long key
    assert {e.id for e in out["m1"].entities} == {"method:semisupervisedlearning"}
    assert {e.id for e in out["b1"].entities} == {"method:ssl"}  # the majority
    assert {e.id for e in out["s1"].entities} == {"method:ssl"}
    # one acronym, two expansions of two types: each named by it, apart by type
    assert {e.id for e in out["x3"].entities} == {"metric:mae"}  # the expansion of its type
    assert {e.id for e in out["x2"].entities} == {"metric:mae"}
    assert {e.id for e in out["x4"].entities} == {"method:mae"}  # no Model: the best one
    assert {e.id for e in out["x1"].entities} == {"method:mae"}


def test_variants_are_apart_and_linked_to_their_family():
    out = list(resolve_stream([
        paper("a", ("USES", "Model", "Llama 2"), ("USES", "Model", "Llama 3"), ("USES", "Model", "Llama-2-7B")),
        paper("b", ("USES", "Model", "LLaMA"), ("USES", "Model", "BERT-base"), ("USES", "Model", "GPT-3.5")),
        paper("c", ("USES", "Model", "BERT"), ("USES", "Model", "GPT-3")),
    ]))
    fam = {e.id: e.family for f in out for e in f.entities}
    assert fam["model:llama2"] == fam["model:llama3"] == "model:llama"
    assert fam["model:llama27b"] == "model:llama2"  # the nearest known ancestor
    assert fam["model:bertbase"] == "model:bert"
    assert fam["model:gpt3.5"] is None  # "GPT" is not mentioned; GPT-3.5 is no variant of GPT-3
    assert fam["model:gpt3"] is None
    assert fam["model:llama"] is None and fam["model:bert"] is None


def test_family_through_an_acronym():
    out = list(resolve_stream([paper("a", ("PROPOSES", "Model", "Vision Transformer", ["ViT"])),
                               paper("b", ("USES", "Model", "ViT-B/16"))]))
    fam = {e.id: e.family for f in out for e in f.entities}
    assert fam["model:vitb16"] == "model:vit"


def test_entities_merged_inside_a_paper_keep_every_form():
    f = paper("a", ("PROPOSES", "Method", "Vision Transformer", ["ViT"], 0.9), ("USES", "Method", "ViT", (), 0.5),
              ("USES", "Method", "vision transformers", (), 0.4))
    (out,) = resolve_stream([f])
    (e,) = out.entities
    assert e.id == "method:vit" and e.name == "Vision Transformer"
    assert set(e.aliases) == {"ViT", "vision transformers"}
    assert {r.target for r in out.relations} == {e.id} and len(out.relations) == 3
    assert validate_facts(out) == []


def test_resolution_is_idempotent_on_its_own_output():
    papers = [paper("a", ("PROPOSES", "Method", "masked image modeling", ["MIM"])),
              paper("b", ("USES", "Method", "MIM"), ("USES", "Model", "Llama 2 7B")),
              paper("c", ("USES", "Model", "MAE", (), 0.7), ("USES", "Model", "Llama 2")),
              paper("d", ("USES", "Method", "MAE", (), 0.8))]
    once = list(resolve_stream(papers))
    twice = list(resolve_stream(once))
    assert [f.to_dict() for f in once] == [f.to_dict() for f in twice]


def test_votes_and_sums_are_named_records():
    from kg.resolve.core import Vote, VoteSum, sum_changes

    f = paper("p1", ("PROPOSES", "Method", "masked image modeling", ["MIM"], 0.9))
    votes = paper_votes(f)
    assert all(isinstance(v, Vote) for v in votes)
    assert {(v.key, v.kind, v.weight) for v in votes} >= {("mim", "def", 900), ("maskedimagemodeling", "type", 900)}
    # a paper's votes replaced: the sums lose one paper and its weight, gain the new vote
    old = [VoteSum("mim", "type", "Method", 2, 1800), VoteSum("x", "type", "Task", 1, 500)]
    new = [Vote("mim", "type", "Method", 700, "MIM"), Vote("y", "type", "Model", 300, "Y")]
    assert sum_changes(old, new) == [VoteSum("mim", "type", "Method", -1, -1100),
                                     VoteSum("x", "type", "Task", -1, -500), VoteSum("y", "type", "Model", 1, 300)]


def test_chunked_cuts_lists_and_streams_alike():
    from kg.batch import chunked

    assert list(chunked([1, 2, 3, 4, 5], 2)) == [[1, 2], [3, 4], [5]]
    assert list(chunked(iter(range(5)), 2)) == [[0, 1], [2, 3], [4]]
    assert list(chunked([], 3)) == [] and list(chunked(iter(()), 3)) == []
    seen = []
    stream = chunked((seen.append(i) or i for i in range(10)), 4)
    assert next(stream) == [0, 1, 2, 3] and seen == [0, 1, 2, 3]  # lazy: one batch read at a time
    with pytest.raises(ValueError):
        list(chunked([1], 0))
