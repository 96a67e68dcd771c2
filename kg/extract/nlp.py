"""The spaCy pipeline: our own rule components over a Doc that carries the paper's text.

The components work on the text itself (``doc._.kg``, :class:`~kg.extract.base.PaperDoc`) with
their own word patterns, and the lexicon is matched by :mod:`kg.extract.names`; nothing reads
spaCy tokens, so the pipeline's tokenizer makes none (:class:`TextOnly`): splitting every
abstract into tokens cost as much as a third of the rules.
"""

from __future__ import annotations

from typing import Mapping

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

# importing the component modules registers their factories
from kg.extract import (acronyms, addresses, compares, decide, evaluates, lineage, mentions, proposes,  # noqa: F401
                        sentences, uses)
from kg.extract.assemble import assemble
from kg.extract.base import new_state, state
from kg.extract.knowledge import paper_text
from kg.schema import Paper, PaperFacts

COMPONENTS = ("kg_sentences", "kg_acronyms", "kg_mentions", "kg_proposes", "kg_evaluates", "kg_lineage",
              "kg_compares", "kg_uses", "kg_addresses", "kg_decide")


class TextOnly:
    """The pipeline's tokenizer: a Doc without tokens whose working state holds the text."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        doc = Doc(self.vocab)
        doc.user_data["kg"] = new_state(text)
        return doc


def build_nlp(known: Mapping[str, str] | None = None, rules_only: bool = False) -> Language:
    """A blank English pipeline with the kg components; ``known`` names come from corpus
    knowledge. ``nlp(text)`` gives a Doc whose ``doc._.kg`` holds what they found.

    ``rules_only``: the rule cues decide on their own, without the learned model.
    """
    nlp = spacy.blank("en")
    nlp.tokenizer = TextOnly(nlp.vocab)
    for name in COMPONENTS:
        config: dict = {}
        if name == "kg_mentions":
            config = {"known": dict(known or {})}
        elif name == "kg_decide":
            config = {"rules_only": rules_only}
        nlp.add_pipe(name, config=config)
    return nlp


def extract_batch(nlp: Language, papers: list[Paper], batch_size: int = 64) -> list[PaperFacts]:
    """Facts for a list of papers, in order."""
    docs = nlp.pipe((paper_text(p) for p in papers), batch_size=batch_size)
    return [assemble(p, state(doc), state(doc).text) for p, doc in zip(papers, docs)]
