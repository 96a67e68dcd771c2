"""The known-name matcher (kg.extract.names): whole words as spaCy's tokenizer cuts them."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.extract.names import NameIndex, ends_word, starts_word

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "hf-papers-pretraining.txt"


def spans(index: NameIndex, text: str) -> list[str]:
    return [text[m.start:m.end] for m in index.find(text)]


@pytest.mark.parametrize("text, found", [
    ("We fine-tune BERT.", ["BERT"]),
    ("BERT-based models", ["BERT"]),
    ("(BERT) and “BERT”", ["BERT", "BERT"]),
    ("BERT's and BERT’s heads", ["BERT", "BERT"]),
    ("ViT/BERT", ["BERT"]),
    ("pre-BERT", ["BERT"]),
    ("BERTs RoBERTa BERT_BASE xBERT BERT2", []),
    ("Llama-2 and Llama-3-8B", ["Llama-3"]),
    ("GPT-3.5 is not GPT-3, but GPT-3.", ["GPT-3", "GPT-3"]),
    ("WMT'14 and WMT.", ["WMT"]),
])
def test_a_name_matches_only_as_whole_words(text, found):
    index = NameIndex(["BERT", "Llama-3", "GPT-3", "WMT"], [])
    assert spans(index, text) == found


def test_lower_case_names_match_in_any_case_and_overlaps_are_all_kept():
    index = NameIndex(["Common Crawl"], ["named entity recognition", "entity recognition"])
    text = "Named Entity Recognition on Common Crawl; common crawl is not Common Crawl's."
    assert [(m.name, text[m.start:m.end]) for m in index.find(text)] == [
        ("named entity recognition", "Named Entity Recognition"),
        ("entity recognition", "Entity Recognition"),
        ("Common Crawl", "Common Crawl"),
        ("Common Crawl", "Common Crawl"),
    ]


def test_boundaries():
    assert starts_word("a BERT", 2) and starts_word("BERT", 0) and starts_word("e-BERT", 2)
    assert not starts_word("e-3", 2) and not starts_word("aBERT", 1) and not starts_word("_BERT", 1)
    assert ends_word("BERT", 4) and ends_word("BERT.", 4) and ends_word("BERT-large", 4)
    assert not ends_word("BERT-2", 4) and not ends_word("GPT-3.5", 5) and not ends_word("S/16", 1)


def test_it_finds_every_lexicon_name_spacys_phrase_matcher_finds_on_the_sample_corpus():
    """Against the matcher it replaces, on real abstracts: the same spans, apart from the
    tokenizer's quirk of not splitting a full stop off some capitals ("ViT.") and names inside
    URLs, which the tokenizer keeps whole (mentions inside URLs are dropped later)."""
    import spacy
    from spacy.matcher import PhraseMatcher

    from kg.extract.knowledge import paper_text
    from kg.extract.lexicon import case_sensitive, load_lexicon
    from kg.loaders import iter_records

    names = load_lexicon()
    sensitive = sorted(n for n in names if case_sensitive(n))
    insensitive = sorted(n for n in names if not case_sensitive(n))
    nlp = spacy.blank("en")
    exact, lower = PhraseMatcher(nlp.vocab, attr="ORTH"), PhraseMatcher(nlp.vocab, attr="LOWER")
    exact.add("N", [nlp.tokenizer(n) for n in sensitive])
    lower.add("N", [nlp.tokenizer(n) for n in insensitive])
    index = NameIndex(sensitive, insensitive)
    same = 0
    only_spacy, only_index = [], []
    for p in iter_records([SAMPLE]):
        text = paper_text(p)
        doc = nlp.make_doc(text)
        theirs = {(doc[a].idx, doc[b - 1].idx + len(doc[b - 1])) for m in (exact, lower) for _, a, b in m(doc)}
        ours = {(m.start, m.end) for m in index.find(text)}
        same += len(theirs & ours)
        only_spacy += [text[a:b] for a, b in theirs - ours]
        only_index += [text[a:b + 1] for a, b in ours - theirs]
    assert same > 1000
    assert not only_spacy
    # the index's extra matches: a capital's full stop, or inside a URL (left out later)
    assert all(s.endswith((".", "-")) for s in only_index), only_index
