"""The spaCy pipeline: a blank English tokenizer and our own rule components."""

from __future__ import annotations

from typing import Mapping

import spacy
from spacy.language import Language

# importing the component modules registers their factories
from kg.extract import (acronyms, addresses, compares, decide, evaluates, lineage, mentions, proposes,  # noqa: F401
                        sentences, uses)
from kg.extract.assemble import assemble
from kg.extract.base import new_state, state
from kg.extract.knowledge import paper_text
from kg.schema import Paper, PaperFacts

COMPONENTS = ("kg_sentences", "kg_acronyms", "kg_mentions", "kg_proposes", "kg_evaluates", "kg_lineage",
              "kg_compares", "kg_uses", "kg_addresses", "kg_decide")


def build_nlp(known: Mapping[str, str] | None = None, rules_only: bool = False) -> Language:
    """``spacy.blank("en")`` plus the kg components; ``known`` names come from corpus knowledge.

    ``rules_only``: the rule cues decide on their own, without the learned model.
    """
    nlp = spacy.blank("en")
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
    docs = []
    for p in papers:
        text = paper_text(p)
        doc = nlp.make_doc(text)
        doc.user_data["kg"] = new_state(text)  # keeps the text: Doc.text would join every token again
        docs.append(doc)
    return [assemble(p, state(doc), state(doc).text) for p, doc in zip(papers, nlp.pipe(docs, batch_size=batch_size))]
