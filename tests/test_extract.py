"""Extraction: each cue on small texts (positive and negative), acronyms, generic phrases,
evidence spans over the whole sample corpus, workers and input order."""

from __future__ import annotations

import random

import pytest

from kg.extract import extract_one as _extract_one
from kg.extract import extract_papers
from kg.ids import compact_key, title_paper_id
from kg.schema import Paper, PaperFacts, validate_facts

from conftest import SAMPLE


def extract_one(paper: Paper, known=None) -> PaperFacts:
    """These tests pin what the rule cues find: the rules decide (``--rules-only``); what the
    learned model makes of the same candidates is tested in test_learned.py."""
    return _extract_one(paper, known, rules_only=True)


def paper(title: str, abstract: str = "") -> Paper:
    return Paper(id=title_paper_id(title), title=title, abstract=abstract)


def rels(facts: PaperFacts) -> set[tuple[str, str]]:
    """(relation type, entity name) pairs, names and aliases both listed."""
    names = {e.id: (e.name, *e.aliases) for e in facts.entities}
    return {(r.type, n) for r in facts.relations for n in names[r.target]}


def has(facts: PaperFacts, rtype: str, name: str) -> bool:
    return any(t == rtype and compact_key(n) == compact_key(name) for t, n in rels(facts))


def mentions_any(facts: PaperFacts, name: str) -> bool:
    return any(compact_key(n) == compact_key(name) for _, n in rels(facts))


# ---------------------------------------------------------------- PROPOSES


def test_title_lead_name_is_proposed():
    f = extract_one(paper("UL2: Unifying Language Learning Paradigms", "We study pretraining objectives."))
    assert has(f, "PROPOSES", "UL2")
    r = next(r for r in f.relations if r.type == "PROPOSES")
    assert r.rule == "title-lead-name" and r.evidence.field == "title"


def test_title_lead_that_is_not_a_name_is_not_proposed():
    f = extract_one(paper("Rethinking Pre-training: Lessons from Scaling", "We revisit pretraining."))
    assert not any(r.type == "PROPOSES" for r in f.relations)
    f = extract_one(paper("Crossing Linguistic Horizons: Finetuning of Vietnamese Models", "We finetune models."))
    assert not any(r.type == "PROPOSES" for r in f.relations)


@pytest.mark.parametrize("sentence", [
    "In this paper we propose FooNet, a convolutional model for parsing.",
    "We introduce FooNet for parsing.",
    "We present a simple model called FooNet.",
    "We release FooNet to the community.",
])
def test_we_propose_cues(sentence):
    f = extract_one(paper("A study of parsing", sentence))
    assert has(f, "PROPOSES", "FooNet")


def test_known_model_is_not_proposed_and_background_gets_nothing():
    f = extract_one(paper("A study of parsing", "Recent models such as BERT and GPT-3 have changed parsing."))
    assert not mentions_any(f, "BERT") and not mentions_any(f, "GPT-3")


def test_acronym_definition_gives_name_and_alias():
    f = extract_one(paper("A new objective", "We propose masked image modeling (MIM) for vision. MIM improves accuracy."))
    ent = next(e for e in f.entities if e.name == "masked image modeling")
    assert "MIM" in ent.aliases
    assert any(r.type == "PROPOSES" and r.target == ent.id for r in f.relations)
    assert ent.id == "method:maskedimagemodeling"


def test_reverse_acronym_and_for_short():
    f = extract_one(paper("Fusion models", "We present FIBER (Fusion-In-the-Backbone-based transformER), a new model."))
    assert has(f, "PROPOSES", "FIBER") and has(f, "PROPOSES", "Fusion-In-the-Backbone-based transformER")
    f = extract_one(paper("KNN pretraining", "We propose a method named Leave-One-Out K-Nearest-Neighbor, or LOOK for short."))
    assert has(f, "PROPOSES", "LOOK")


def test_generic_phrases_are_not_entities():
    f = extract_one(paper("Better models", "We propose a new method. We use a large corpus and our model "
                                          "outperforms state-of-the-art methods on downstream tasks."))
    for generic in ("our model", "a large corpus", "state-of-the-art methods", "downstream tasks", "method"):
        assert not mentions_any(f, generic)


def test_generic_acronym_expansion_is_not_an_entity():
    f = extract_one(paper("A study", "We study large language models (LLMs). We use LLMs for parsing."))
    assert not mentions_any(f, "LLMs") and not mentions_any(f, "large language models")


# ---------------------------------------------------------------- EVALUATES_ON


@pytest.mark.parametrize("sentence,names", [
    ("Our model achieves 91.3% accuracy on the GLUE benchmark.", ["GLUE"]),
    ("Experiments on SQuAD and TriviaQA show large gains.", ["SQuAD", "TriviaQA"]),
    ("We evaluate our method on FooBench, BarQA and CIFAR-10.", ["FooBench", "BarQA", "CIFAR-10"]),
])
def test_evaluates_on(sentence, names):
    f = extract_one(paper("A model", sentence))
    for n in names:
        assert has(f, "EVALUATES_ON", n), (n, rels(f))
        assert next(e for e in f.entities if e.name == n).type == "Dataset"


@pytest.mark.parametrize("sentence,names", [
    ("We compare ROUGE-L and BERTScore on CNN/DailyMail and XSum datasets.", ["CNN/DailyMail", "XSum"]),
    ("We compare with MAE on ImageNet-1K and COCO.", ["ImageNet-1K", "COCO"]),
])
def test_a_comparison_on_datasets_evaluates_on_them(sentence, names):
    f = extract_one(paper("A model", sentence))
    for n in names:
        assert has(f, "EVALUATES_ON", n), (n, rels(f))


@pytest.mark.parametrize("title,abstract,name", [
    ("Argument mining", "We participated in SemEval-2023 Task 4 and ranked third.", "SemEval-2023 Task 4"),
    ("Team X at SemEval-2023 Task 4: argument mining", "This paper describes our system for SemEval-2023 Task 4.",
     "SemEval-2023 Task 4"),
    ("Sentiment", "We evaluate on SemEval-2015 Task 10 Subtask B.", "SemEval-2015 Task 10 Subtask B"),
])
def test_a_shared_task_keeps_its_number_and_its_participants_evaluate_on_it(title, abstract, name):
    f = extract_one(paper(title, abstract))
    assert has(f, "EVALUATES_ON", name), rels(f)
    assert next(e for e in f.entities if e.name == name).type == "Dataset"
    assert not mentions_any(f, name.split(" Task")[0])  # not the series alone


@pytest.mark.parametrize("abstract,name,typ", [
    ("We introduce SwaNER, a new dataset for Swahili named entity recognition.", "SwaNER", "Dataset"),
    ("We introduce SwaNER Corpus-the largest annotated corpus for Swahili.", "SwaNER Corpus", "Dataset"),
    ("We present GrowNet, a data-driven automatic model growing approach.", "GrowNet", "Model"),
    ("We propose GrowNet, a model trained on the ImageNet dataset.", "GrowNet", "Model"),
])
def test_an_apposition_says_what_a_new_name_is(abstract, name, typ):
    f = extract_one(paper("A study", abstract))
    assert has(f, "PROPOSES", name), rels(f)
    assert next(e for e in f.entities if e.name == name).type == typ


@pytest.mark.parametrize("abstract", [
    "A method called SimMIM was introduced by Xie et al. for masked image modeling. We study its behaviour.",
    "Recently, a model named GLaM was proposed by Du et al. We analyse its routing.",
])
def test_earlier_work_named_with_called_is_not_proposed(abstract):
    f = extract_one(paper("Revisiting masked autoencoders", abstract))
    assert not any(t == "PROPOSES" for t, _ in rels(f)), rels(f)


@pytest.mark.parametrize("abstract", [
    "Training takes 1.2M GPU hours on NVIDIA A100 GPUs, and we report results on HellaSwag.",
    "Our model was trained on 2048 Ascend 910 NPUs. We report results on HellaSwag.",
])
def test_hardware_in_a_compute_budget_is_no_dataset(abstract):
    f = extract_one(paper("Efficient pretraining", abstract))
    assert {n for t, n in rels(f) if t == "EVALUATES_ON"} == {"HellaSwag"}, rels(f)


@pytest.mark.parametrize("abstract,names", [
    ("We report results on the Caltech, INRIA and ETH datasets.", {"Caltech", "INRIA", "ETH"}),
    ("The model is evaluated on the Monash and ETT benchmarks.", {"Monash", "ETT"}),
])
def test_single_words_a_plural_data_noun_names_are_datasets(abstract, names):
    f = extract_one(paper("A forecasting model", abstract))
    evaluated = {r.target for r in f.relations if r.type == "EVALUATES_ON"}
    assert {e.name for e in f.entities if e.id in evaluated} == names, rels(f)
    assert {e.type for e in f.entities if e.name in names} == {"Dataset"}


def test_a_name_set_beside_its_noun_takes_its_type():
    f = extract_one(paper("Lesion segmentation", "We propose a new loss, BoundaryDice, for lesion segmentation."))
    assert has(f, "PROPOSES", "BoundaryDice")
    assert next(e for e in f.entities if e.name == "BoundaryDice").type == "Method"


@pytest.mark.parametrize("name", ["mean reciprocal rank", "NDCG@20", "Recall@k", "normalized discounted cumulative gain"])
def test_metric_head_words(name):
    from kg.extract.text import type_from_head

    assert type_from_head(name) == "Metric"


def test_a_name_the_corpus_knows_from_this_paper_is_still_its_contribution():
    """The first pass makes "FastSAGE" known (introduced with a cue); "we develop FastSAGE" still
    proposes it, but "we train X" of a known multi-word name does not."""
    p = paper("Graph", "Building upon GraphSAGE, we develop FastSAGE, a sampling-based GNN.")
    f = next(extract_papers([p], rules_only=True))
    assert has(f, "PROPOSES", "FastSAGE") and has(f, "BUILDS_ON", "GraphSAGE"), rels(f)
    q = paper("Scaling GANs", "To this end, we train Generative Adversarial Networks at the largest scale yet attempted.")
    f = extract_one(q, known={"Generative Adversarial Networks": "Method"})
    assert not has(f, "PROPOSES", "Generative Adversarial Networks"), rels(f)


@pytest.mark.parametrize("title,abstract,rel,name", [
    ("A study", "We fine-tune BERT4Rec on MovieLens-20M and compare it with SASRec and GRU4Rec.", "COMPARES_WITH", "GRU4Rec"),
    ("A study", "We continue pretraining Llama 2 on scientific text, yielding SciLlama, which we evaluate on SciQ.",
     "PROPOSES", "SciLlama"),
    ("A study", "We present RoboCat, a generalist agent built on the Gato architecture.", "BUILDS_ON", "Gato"),
    # a name given by a naming cue need not look like one
    ("A study", "We model lexical relations. The resulting model, named Spider, performs well without any labels.",
     "PROPOSES", "Spider"),
    ("A study", "A special case of emulated fine-tuning, which we call LM up-scaling, avoids costly fine-tuning.",
     "PROPOSES", "LM up-scaling"),
    ("A study", "We aggregate token embeddings into a dense vector, which we call agg*. It helps.", "PROPOSES", "agg*"),
    # the known kind the paper's own model is said to be
    ("PoseCNN: A Convolutional Neural Network for 6D Object Pose Estimation", "We estimate poses.", "BUILDS_ON",
     "Convolutional Neural Network"),
    ("A study", "We present a novel Transformer-based model for parsing.", "BUILDS_ON", "Transformer"),
])
def test_how_papers_name_comparisons_results_bases_and_coinages(title, abstract, rel, name):
    f = extract_one(paper(title, abstract))
    assert has(f, rel, name), rels(f)


@pytest.mark.parametrize("abstract,word", [
    ("We report verification results on the Labeled Faces in the Wild dataset.", "Wild"),
    ("We build on JaTeCS, a Java framework for text classification, and the English dataset of SemEval.", "Java"),
    ("We use the English dataset for training.", "English"),
])
def test_a_word_inside_a_name_or_a_language_is_not_named_by_its_noun(abstract, word):
    f = extract_one(paper("A study", abstract))
    assert not mentions_any(f, word), rels(f)


def test_our_model_comma_name_is_the_contribution():
    f = extract_one(paper("Graph learning", "Our model, HyperGAT, learns hypergraph attention. "
                                          "HyperGAT achieves new state-of-the-art results on Cora and Citeseer."))
    assert has(f, "PROPOSES", "HyperGAT") and has(f, "EVALUATES_ON", "Cora") and has(f, "EVALUATES_ON", "Citeseer")
    assert next(e for e in f.entities if e.name == "HyperGAT").type == "Model"


def test_the_last_word_of_a_title_case_name_is_no_list_item():
    f = extract_one(paper("Zero-shot learning", "We establish a new state of the art on the Animals with Attributes "
                                                "and Caltech-UCSD Birds datasets."))
    assert not mentions_any(f, "Attributes"), rels(f)


@pytest.mark.parametrize("abstract,names", [
    ("Our method achieves state-of-the-art performance on Caltech, INRIA, and ETH.", {"Caltech", "INRIA", "ETH"}),
    ("Our network achieves new state-of-the-art results on CIFAR, SVHN, COCO, and gains on ImageNet.",
     {"CIFAR", "SVHN", "COCO", "ImageNet"}),
])
def test_a_list_of_names_is_one_list(abstract, names):
    """Three items make a list without "and"; a capitalised word listed with names is one."""
    f = extract_one(paper("A detector", abstract))
    evaluated = {r.target for r in f.relations if r.type == "EVALUATES_ON"}
    assert {e.name for e in f.entities if e.id in evaluated} == names, rels(f)


def test_a_capitalised_word_beside_a_typed_apposition_is_a_name():
    from kg.extract.mentions import given_name_spans

    text = "We utilized this framework to create Prithvi, a transformer-based geospatial foundational model."
    assert [text[a:b] for a, b in given_name_spans(text)] == ["Prithvi"]
    text = "However, Transformers, a model family, dominate. In English, a language, it fails."
    assert given_name_spans(text) == []
    text = "After that, we propose Scaling Laws of RoPE-based Extrapolation, a unified framework to describe it."
    assert [text[a:b] for a, b in given_name_spans(text)] == ["Scaling Laws of RoPE-based Extrapolation"]
    text = "However, In Our Work, a model is used."
    assert given_name_spans(text) == []


def test_a_given_name_ends_with_its_sentence():
    from kg.extract.mentions import given_name_spans

    text = "We propose a model for question answering, called Masque. The model is trained end to end."
    assert [text[a:b] for a, b in given_name_spans(text)] == ["Masque"]


@pytest.mark.parametrize("abstract,title", [
    ("Matching Networks for One Shot Learning Learning from a few examples remains a key challenge.",
     "Matching Networks for One Shot Learning"),
    ("Gated-Attention Readers for Text Comprehension In this paper we study cloze-style questions.",
     "Gated-Attention Readers for Text Comprehension"),
])
def test_a_title_glued_to_its_abstract_is_found(abstract, title):
    from kg.extract.text import embedded_title_end

    assert abstract[:embedded_title_end(abstract, 0, len(abstract))] == title


def test_a_title_opening_with_a_participle_names_its_subject():
    from kg.extract.base import SEP
    from kg.extract.nlp import build_nlp

    text = "Gated-Attention Readers for Text Comprehension" + SEP + "In this paper we study cloze-style questions."
    st = build_nlp(rules_only=True)(text)._.kg
    assert ("PROPOSES", "Gated-Attention Readers", "title-subject") in {(c.type, c.mention.text, c.rule) for c in st.cands}


@pytest.mark.parametrize("abstract,names", [
    ("To this end, we devise a feature distillation module and a weight perturbation regularization module.",
     {"feature distillation", "weight perturbation regularization"}),
    ("In addition, a two-stage pre-training method is proposed to accelerate training.", {"two-stage pre-training"}),
    ("This is achieved by two contributions: (1) an effective RoPE rescaling algorithm; (2) a mixed context window "
     "training method.", {"RoPE rescaling", "mixed context window training"}),
    ("Our approach introduces an innovative elastic student branch into a modern self-distillation paradigm.",
     {"elastic student"}),
    ("We propose a simple contrastive approach and compare it with an existing retrieval method.", set()),
])
def test_a_technique_presented_by_its_head_noun_is_a_candidate(abstract, names):
    """ "a X module / method / algorithm" in a sentence that presents the paper's work gives X as a
    weak PROPOSES candidate for the model; a word that only describes ("contrastive"), or earlier
    work ("an existing ... method"), does not."""
    from kg.extract.base import SEP
    from kg.extract.nlp import build_nlp

    st = build_nlp(rules_only=True)("Some Title" + SEP + abstract)._.kg
    assert {c.mention.text for c in st.cands if c.rule == "contribution-phrase"} == names


def test_tasks_named_as_examples_are_candidates():
    """ "tasks, including A, B and C": each a weak ADDRESSES candidate for the model, without a
    trailing "problems", and not one that is a dataset's name."""
    from kg.extract.base import SEP
    from kg.extract.nlp import build_nlp

    text = ("Some Title" + SEP + "Our model handles 30 generation tasks, including picture book creation, style "
            "transfer, and drawing sequence generation. We solve table tasks such as semantic parsing and "
            "classification problems, evaluated on tasks like ImageNet.")
    st = build_nlp(rules_only=True)(text)._.kg
    assert {c.mention.text for c in st.cands if c.rule == "example-tasks"} == {
        "picture book creation", "style transfer", "drawing sequence generation", "semantic parsing", "classification"}


def test_a_challenge_named_by_its_noun_is_a_dataset_evaluated_on():
    f = extract_one(paper("A model", "Our network outperforms the prior best method on the ISBI challenge for "
                                     "segmentation of neuronal structures."))
    assert has(f, "EVALUATES_ON", "ISBI"), rels(f)
    ent = next(e for e in f.entities if e.name == "ISBI")
    assert ent.type == "Dataset" and "ISBI challenge" in ent.aliases


def test_a_technique_keeps_the_head_noun_the_paper_writes_as_an_alias():
    from kg.extract.assemble import head_aliases
    from kg.extract.base import Mention

    text = "we devise a feature distillation module."
    m = Mention(12, 32, "feature distillation", "Method")
    assert head_aliases(text, m, "Method") == ["feature distillation module"]
    assert head_aliases(text, m, "Task") == []
    text = "On the COCO keypoints dataset, we"
    assert head_aliases(text, Mention(7, 11, "COCO", "Dataset"), "Dataset") == ["COCO keypoints dataset", "COCO keypoints"]


@pytest.mark.parametrize("name, singular", [
    ("Gated-Attention Readers", "Gated-Attention Reader"), ("Vision Transformers", "Vision Transformer"),
    ("R-CNNs", "R-CNN"), ("ResNets", "ResNet"), ("Focal Loss", None), ("Graph Dynamics", None), ("Naive Bayes", None),
    ("Gaussian Processes", "Gaussian Process"), ("Search Strategies", None), ("Bounding Boxes", "Bounding Box"),
])
def test_a_name_in_the_plural_keeps_its_singular_as_an_alias(name, singular):
    from kg.extract.assemble import head_aliases
    from kg.extract.base import Mention

    text = f"We study {name} here."
    m = Mention(9, 9 + len(name), name, "Model")
    assert head_aliases(text, m, "Model") == ([singular] if singular else [])
    assert head_aliases(text, m, "Task") == []


def test_a_set_of_examples_is_a_dataset_and_a_question_mark_ends_a_phrase():
    f = extract_one(paper("Galaxy Foundation Models", "For large-scale pretraining, we introduce GZ-Evo v0.1, "
                                                       "a set of 96.5M volunteer responses for 552k galaxy images."))
    assert has(f, "PROPOSES", "GZ-Evo v0.1")
    assert next(e for e in f.entities if e.name == "GZ-Evo v0.1").type == "Dataset"
    f = extract_one(paper("How Useful is Pretraining for Speech Recognition?", "We evaluate algorithms."))
    assert not any(n.endswith("?") for _, n in rels(f)), rels(f)


def test_the_task_of_x_is_addressed():
    f = extract_one(paper("Tabular learning", "We study the task of few-shot tabular classification."))
    assert has(f, "ADDRESSES", "few-shot tabular classification"), rels(f)


def test_a_translation_dataset_keeps_its_language_pair():
    f = extract_one(paper("Translation", "Our model improves BLEU on the WMT 2014 English-to-German translation task "
                                         "and on WMT'16 En-Ro."))
    assert has(f, "EVALUATES_ON", "WMT 2014 English-to-German") and has(f, "EVALUATES_ON", "WMT'16 En-Ro"), rels(f)


def test_training_data_is_not_an_evaluation():
    f = extract_one(paper("A model", "We pretrain our model on ImageNet and achieve strong results."))
    assert not has(f, "EVALUATES_ON", "ImageNet")
    assert has(f, "USES", "ImageNet")


def test_background_benchmark_is_not_evaluated():
    f = extract_one(paper("A model", "Earlier systems reported 90% accuracy on ImageNet."))
    assert not mentions_any(f, "ImageNet")


# ---------------------------------------------------------------- BUILDS_ON


@pytest.mark.parametrize("sentence", [
    "Our model is based on RoBERTa.",
    "We fine-tune RoBERTa on legal text.",
    "We build on RoBERTa and add a retrieval head.",
    "Our model is initialized from RoBERTa.",
])
def test_builds_on(sentence):
    f = extract_one(paper("A model", sentence))
    assert has(f, "BUILDS_ON", "RoBERTa"), rels(f)


@pytest.mark.parametrize("abstract,names", [
    ("The proposed block can be plugged into backbone CNN models, e.g., ResNet, ResNeXt and DenseNet.",
     {"ResNet", "ResNeXt", "DenseNet"}),
    ("Our method can be applied to open-source LLMs such as LLaMA and GPT-NeoX with negligible cost.",
     {"LLaMA", "GPT-NeoX"}),
    ("We found re-training pretrained models (ResNet50 and ViT-S/16) on our data improved results.",
     {"ResNet50", "ViT-S/16"}),
    ("In our approach, we adopt the fully convolutional RoBERTa as the backbone network.", {"RoBERTa"}),
    ("In continual pre-training, our method enables Llama3-8B to be comparable to larger models.", {"Llama3-8B"}),
    ("Our method allows users to train faster and helps BERT on every task.", set()),
    ("We train a set of effective ranking models based on feed-forward neural networks.",
     {"feed-forward neural networks", "feed-forward neural network"}),
    ("We propose a simple but effective extension of a sinusoidal positional encoding.",
     {"sinusoidal positional encoding"}),
    ("To group instances, we utilize a variant of mean-shift clustering.", {"mean-shift clustering"}),
    ("We introduce two architectures: one based on bidirectional LSTMs and sparse transformers.",
     {"bidirectional LSTMs", "bidirectional LSTM", "sparse transformers", "sparse transformer"}),
    ("We propose a method based on careful analysis of the data.", set()),
])
def test_builds_on_what_a_lineage_cue_names_by_example_or_role(abstract, names):
    """A lineage cue's object named by its examples ("such as", "e.g.,", a parenthesis), and a
    model given the role of the backbone or base model: BUILDS_ON, and not also USES."""
    f = extract_one(paper("A model", abstract))
    assert {n for t, n in rels(f) if t == "BUILDS_ON"} == names, rels(f)
    f = _extract_one(paper("A model", abstract))  # with the learned model
    assert names <= {n for t, n in rels(f) if t == "BUILDS_ON"} and not names & {n for t, n in rels(f) if t == "USES"}, rels(f)


def test_a_kind_named_in_passing_is_not_built_on():
    f = extract_one(paper("Training a BERT Model for Parsing", "We fine-tune on parsing data. A Transformer model is a baseline."))
    assert not has(f, "BUILDS_ON", "Transformer"), rels(f)


def test_distilled_version_in_title():
    f = extract_one(paper("DistilBERT, a distilled version of BERT: smaller, faster, cheaper and lighter",
                          "We pretrain a smaller model with knowledge distillation."))
    assert has(f, "BUILDS_ON", "BERT")


def test_builds_on_negative():
    f = extract_one(paper("A model", "Our model is compared with RoBERTa."))
    assert not has(f, "BUILDS_ON", "RoBERTa")
    assert has(f, "COMPARES_WITH", "RoBERTa")


def test_style_suffix_is_split():
    f = extract_one(paper("ViT9: a model", "With T5-style pretraining, ViT9 is trained on Vietnamese text."))
    assert has(f, "BUILDS_ON", "T5")


# ---------------------------------------------------------------- COMPARES_WITH, USES, ADDRESSES


def test_compares_with():
    f = extract_one(paper("A model", "Our method outperforms BERT and XLNet by 3 points."))
    assert has(f, "COMPARES_WITH", "BERT") and has(f, "COMPARES_WITH", "XLNet")
    f = extract_one(paper("A model", "We compare against strong baselines such as FooNet and BarNet."))
    assert has(f, "COMPARES_WITH", "FooNet") and has(f, "COMPARES_WITH", "BarNet")


@pytest.mark.parametrize("abstract,names", [
    ("Our model outperforms FooNet and is within 5% of BarNet-2.", {"FooNet", "BarNet-2"}),
    ("Our system achieves higher accuracy than existing leading systems including FooNet and BarNet.",
     {"FooNet", "BarNet"}),
    ("Our pre-trained model performs comparably (sometimes better) to FooNet on every task.", {"FooNet"}),
    ("Our model significantly improves upon open models such as FooNet or BarNet.", {"FooNet", "BarNet"}),
    ("We build upon FooNet and train it on more data.", set()),
    ("Our model performs better than task-specific tuning on six tasks.", {"task-specific tuning"}),
    ("Our approach outperforms the previous state of the art by 3 points.", set()),
])
def test_how_papers_compare(abstract, names):
    f = extract_one(paper("A model", abstract))
    assert {n for t, n in rels(f) if t == "COMPARES_WITH"} == names, rels(f)


def test_uses_data_and_metrics():
    f = extract_one(paper("A model", "We pretrain on five datasets (CC-3M, CC-12M, YFCC-15M). "
                                     "Our method improves accuracy by 3 points."))
    for n in ("CC-3M", "CC-12M", "YFCC-15M", "accuracy"):
        assert has(f, "USES", n), (n, rels(f))


def test_metric_as_background_gets_no_relation():
    f = extract_one(paper("A survey", "Accuracy is a common measure."))
    assert not mentions_any(f, "accuracy")


def test_addresses_title_and_own_sentences():
    f = extract_one(paper("Query-as-context Pre-training for Dense Passage Retrieval",
                          "We study named entity recognition in clinical notes."))
    assert has(f, "ADDRESSES", "Dense Passage Retrieval")
    assert has(f, "ADDRESSES", "named entity recognition")
    f = extract_one(paper("Scaling Laws for Large Language Models", "We study scaling."))
    assert not any(r.type == "ADDRESSES" for r in f.relations)


def test_urls_are_not_mentions():
    f = extract_one(paper("FooNet: a model", "We release FooNet at https://huggingface.co/x/FooNet-8B-Instruct."))
    assert not mentions_any(f, "FooNet-8B-Instruct")


def test_paper_without_findings_yields_empty_facts():
    facts = list(extract_papers([paper("On nothing", ""), paper("Another one", "plain words only.")]))
    assert len(facts) == 2 and all(f.relations == () and f.entities == () for f in facts)


def test_corpus_knowledge_is_shared_between_papers():
    a = paper("Zorblax: a new model", "We propose Zero Order Blended Linear Axes (ZOBLA), a model.")
    b = paper("Applying models", "We use zero order blended linear axes in our study.")
    alone = extract_one(b)
    together = list(extract_papers([a, b], rules_only=True))[1]
    assert not mentions_any(alone, "zero order blended linear axes")
    assert mentions_any(together, "zero order blended linear axes")


# ---------------------------------------------------------------- finer cues and their negatives


def test_the_proposed_method_comma_name():
    f = extract_one(paper("Vision tuning", "The proposed method, Text Supervised tuning (TeSt), is evaluated on ImageNet."))
    assert has(f, "PROPOSES", "TeSt")


def test_named_in_parentheses_only_after_a_new_thing():
    f = extract_one(paper("A study", "Surprisingly, a simple baseline (SimpleCIL) beats prior work."))
    assert has(f, "PROPOSES", "SimpleCIL")
    f = extract_one(paper("A study", "We pretrain on a general corpus (Google Books and Wikipedia) and report gains."))
    assert not has(f, "PROPOSES", "Google Books")


def test_a_comma_alone_does_not_make_a_list():
    f = extract_one(paper("A model", "On ImageNet, ELU networks outperform ReLU networks in accuracy."))
    assert has(f, "EVALUATES_ON", "ImageNet")
    assert not has(f, "EVALUATES_ON", "ELU")


def test_versions_and_years_extend_known_names():
    f = extract_one(paper("A detector", "Our detector achieves 80% mAP on PASCAL VOC 2007 and MS COCO."))
    assert has(f, "EVALUATES_ON", "PASCAL VOC 2007") and has(f, "EVALUATES_ON", "MS COCO")


def test_quantities_units_and_hardware_are_not_names():
    f = extract_one(paper("A model", "We pretrain FooNet on 4,096 A100s and gain +0.39dB on Set5 with 1B-5B tokens."))
    for n in ("A100s", "0.39dB", "1B-5B"):
        assert not mentions_any(f, n)


def test_title_case_hyphens_in_titles_are_not_names():
    f = extract_one(paper("PELA: Learning Parameter-Efficient Models with Low-Rank Approximation",
                          "We propose PELA for compressing models."))
    assert has(f, "PROPOSES", "PELA")
    assert not mentions_any(f, "Low-Rank") and not mentions_any(f, "Parameter-Efficient")


def test_based_on_is_not_an_evaluation():
    f = extract_one(paper("A detector", "Our implementation based on FooRCNN obtains state-of-the-art results."))
    assert not has(f, "EVALUATES_ON", "FooRCNN")


def test_background_evaluations_get_no_relation():
    f = extract_one(paper("A model", "Previous methods have been evaluated on GLUE and SQuAD."))
    assert not mentions_any(f, "GLUE") and not mentions_any(f, "SQuAD")


def test_proposed_benchmark_is_also_evaluated_on():
    f = extract_one(paper("A benchmark", 'We contribute this test set as the "Let it Wag!" benchmark and evaluate 34 models.'))
    assert has(f, "PROPOSES", "Let it Wag!") and has(f, "EVALUATES_ON", "Let it Wag!")


def test_title_lead_name_counts_even_when_known():
    f = extract_one(paper("DINOv2: Learning Robust Visual Features without Supervision", "We pretrain ViTs."))
    assert has(f, "PROPOSES", "DINOv2")
    f = extract_one(paper("1.5-Pints Technical Report: Pretraining in Days", "We release 1.5-Pints."))
    assert has(f, "PROPOSES", "1.5-Pints") and not mentions_any(f, "1.5-Pints Technical Report")


def test_title_case_technique_before_the_colon():
    f = extract_one(paper("Predictive Data Selection: The Data That Predicts Is the Data That Teaches",
                          "We select pretraining data by how predictive it is."))
    assert has(f, "PROPOSES", "Predictive Data Selection")
    for title in ("Don't Stop Pretraining: Adapt Language Models to Domains", "Stacking Your Transformers: Model Growth",
                  "Crossing Linguistic Horizons: Finetuning of Models"):
        assert not any(r.type == "PROPOSES" for r in extract_one(paper(title, "We study models.")).relations), title


def test_acronyms_after_based_on_are_not_proposed():
    f = extract_one(paper("Data mixtures", "We introduce a novel attack based on an overlooked source of "
                                           "information, byte-pair encoding (BPE) tokenizers."))
    assert not has(f, "PROPOSES", "BPE")
    f = extract_one(paper("KNN pretraining", "We propose a new method based on Leave-One-Out Nearest-Neighbor, or LOON for short."))
    assert has(f, "PROPOSES", "LOON")


def test_studies_and_known_names_are_not_phrase_proposals():
    f = extract_one(paper("Sparse pretraining", "We present a systematic exploration of optimal sparse pre-training."))
    assert not any(r.type == "PROPOSES" for r in f.relations)
    f = extract_one(paper("Pretraining", "We propose supervised pre-training for this setting."))
    assert not has(f, "PROPOSES", "supervised pre-training")


# ---------------------------------------------------------------- the whole sample corpus


@pytest.fixture(scope="module")
def corpus() -> list[Paper]:
    from kg.loaders import iter_records

    return [p for p in iter_records([SAMPLE]) if isinstance(p, Paper)]


@pytest.fixture(scope="module")
def corpus_facts(corpus) -> list[PaperFacts]:
    return list(extract_papers(corpus))


def test_one_facts_per_paper_in_order(corpus, corpus_facts):
    assert [f.paper.id for f in corpus_facts] == [p.id for p in corpus]


def test_evidence_spans_point_at_mentions(corpus_facts):
    checked = 0
    for f in corpus_facts:
        assert validate_facts(f) == [], validate_facts(f)
        names = {e.id: e for e in f.entities}
        for r in f.relations:
            text = f.paper.text(r.evidence.field)
            mention = text[r.evidence.start:r.evidence.end]
            ent = names[r.target]
            assert mention and mention == mention.strip()
            assert compact_key(mention) in {compact_key(n) for n in (ent.name, *ent.aliases)} or \
                compact_key(mention).rstrip("s") in {compact_key(n) for n in (ent.name, *ent.aliases)}, (mention, ent)
            assert mention in r.evidence.sentence and r.evidence.sentence in text
            assert 0.0 <= r.confidence <= 1.0 and r.rule
            checked += 1
    assert checked > 500


def test_workers_give_identical_output(corpus, corpus_facts):
    two = list(extract_papers(corpus, workers=2, batch_size=16))
    assert [f.to_json() for f in two] == [f.to_json() for f in corpus_facts]


def test_the_first_pass_in_workers_gives_what_one_process_gives(corpus, corpus_facts, monkeypatch):
    import kg.corpus as C

    monkeypatch.setattr(C, "PARALLEL_AFTER", 10)
    monkeypatch.setattr(C, "FIRST_PASS_CHUNK", 16)
    records = [*corpus[:5], corpus_facts[5], *corpus[6:]]  # a facts record among the papers
    alone = [(r, C.first_pass([r], True, True)[0]) for r in records]
    pooled = list(C.first_passed(iter(records), True, 2, pack_from=0))
    assert [r for r, _ in pooled] == records
    assert [d for _, d in pooled] == [d for _, d in alone]
    assert pooled[5][1].votes is None and pooled[5][1].packed.is_facts == 1
    assert sum(1 for _, d in pooled if d.votes) > 100  # the sample papers introduce names
    # what the spool keeps in memory is not packed; a chunk that reaches past it is
    later = list(C.first_passed(iter(records), True, 2, pack_from=100))
    assert [d.votes for _, d in later] == [d.votes for _, d in alone]
    assert all(d.packed is None for _, d in later[:10]) and all(d.packed for _, d in later[100:])


def test_the_spool_gives_back_what_it_kept_in_memory_and_on_disk(corpus, corpus_facts):
    from kg.corpus import Spool, pack

    records = [*corpus[:30], corpus_facts[30], *corpus[31:60]]
    spool = Spool(in_memory=20)
    for i, r in enumerate(records):
        spool.add(r, pack(r) if i % 2 else None)  # packed by a worker, or not
    try:
        back = list(spool)
        assert spool.count == 60 and len(spool.kept) == 20 and spool.db is not None
        assert [type(r) for r in back] == [type(r) for r in records]
        assert [r.to_json() if isinstance(r, PaperFacts) else r.to_dict() for r in back] == \
            [r.to_json() if isinstance(r, PaperFacts) else r.to_dict() for r in records]
    finally:
        spool.close()


def test_output_does_not_depend_on_input_order(corpus, corpus_facts):
    shuffled = list(corpus)
    random.Random(7).shuffle(shuffled)
    by_id = {f.paper.id: f.to_json() for f in extract_papers(iter(shuffled))}  # a stream, spilled to disk
    assert by_id == {f.paper.id: f.to_json() for f in corpus_facts}


def test_long_streams_spill_to_disk_with_the_same_output(corpus, corpus_facts, monkeypatch):
    import kg.extract as kx

    monkeypatch.setattr(kx, "IN_MEMORY", 50)
    spilled = list(extract_papers(iter(corpus)))
    assert [f.to_json() for f in spilled] == [f.to_json() for f in corpus_facts]


def test_auto_workers_grow_with_the_input_and_stop_at_the_cpus(monkeypatch):
    import kg.extract as X

    monkeypatch.setattr(X.os, "sched_getaffinity", lambda _pid: set(range(4)), raising=False)
    assert X.auto_workers(10) == 1  # a pool costs more than it saves on a small input
    assert X.auto_workers(2 * X.PAPERS_PER_WORKER) == 2
    assert X.auto_workers(100 * X.PAPERS_PER_WORKER) == 4
    assert X.auto_workers(None) == 4
    monkeypatch.setattr(X.os, "sched_getaffinity", lambda _pid: set(range(64)), raising=False)
    assert X.auto_workers(None) == X.MAX_AUTO_WORKERS


def test_auto_workers_give_identical_output(corpus, corpus_facts, monkeypatch):
    import kg.extract as X

    monkeypatch.setattr(X, "PAPERS_PER_WORKER", 50)  # the sample corpus then gets a pool
    monkeypatch.setattr(X.os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    assert X.auto_workers(len(corpus)) == 2
    auto = list(extract_papers(iter(corpus), workers=0, batch_size=16))
    assert [f.to_json() for f in auto] == [f.to_json() for f in corpus_facts]


def test_parallel_first_pass_gives_the_same_knowledge_and_output(corpus, corpus_facts, monkeypatch):
    import kg.extract as X
    from kg.extract.knowledge import collect

    monkeypatch.setattr(X, "PARALLEL_KNOWLEDGE_AFTER", 10)  # the rest of the sample goes to a pool
    assert X.collect_knowledge(iter(corpus), 2, 16) == collect(corpus)
    out = list(extract_papers(iter(corpus), workers=2, batch_size=16))
    assert [f.to_json() for f in out] == [f.to_json() for f in corpus_facts]


def test_named_cue_prefilter_never_hides_a_match(corpus):
    from kg.extract.base import lower_text
    from kg.extract.knowledge import paper_text
    from kg.extract.proposes import NAMED_CUE, may_name

    phrases = ["a model named Foo", "called Foo", "dubbed Foo", "termed Foo", "coined Foo", "namely Foo",
               "denoted as Foo", "which we call Foo", "the resulting models, Foo", "resulting checkpoint Foo",
               "our proposed framework, Foo", "the new benchmark Foo"]
    texts = [lower_text(paper_text(p)) for p in corpus] + [p.lower() for p in phrases]
    matched = [t for t in texts if NAMED_CUE.search(t)]
    assert len(matched) > len(phrases)
    assert all(may_name(t) for t in matched)
    assert not may_name("we train a model on imagenet.")


def test_background_prefilter_never_hides_a_match(corpus):
    from kg.extract.base import lower_text
    from kg.extract.knowledge import paper_text
    from kg.extract.sentences import BACKGROUND, _background

    phrases = ["previous methods fail", "prior works", "existing approaches", "recent studies", "earlier models",
               "traditional systems", "conventional methods", "it has been shown", "they have been", "smith et al. show"]
    texts = [lower_text(paper_text(p)) for p in corpus] + phrases
    matched = [t for t in texts if BACKGROUND.search(t)]
    assert len(matched) > len(phrases)
    assert all(_background(t, 0, len(t)) for t in matched)
    assert not _background("we propose a model.", 0, 19)


def test_every_component_declares_what_it_assigns_and_requires():
    from kg.extract.nlp import build_nlp

    nlp = build_nlp({})
    analysis = nlp.analyze_pipes()
    assert len(nlp.pipe_names) >= 10
    assert all(info["assigns"] == ["doc._.kg"] for info in analysis["summary"].values())
    assert analysis["problems"] == {name: [] for name in nlp.pipe_names}  # each requirement is met before it
