"""The learned decision as a pipeline component: after the rule components have
over-generated candidates, ``kg_decide`` groups them (``features.candidate_groups``), scores
each group with the shipped model (``model.load_model``) and keeps the relations it chooses
(``model.choose``) in ``doc._.kg.decisions`` for ``assemble``.

With ``rules_only`` it assigns nothing and ``assemble`` applies the rules' own decisions.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.base import state
from kg.extract.features import candidate_groups
from kg.extract.model import LinearModel, choose, load_model


@Language.factory("kg_decide", default_config={"rules_only": False}, requires=["doc._.kg"], assigns=["doc._.kg"])
def make_decide(nlp: Language, name: str, rules_only: bool):
    return Decide(None if rules_only else load_model())


class Decide:
    def __init__(self, model: LinearModel | None):
        self.model = model

    def __call__(self, doc: Doc) -> Doc:
        if self.model is None:
            return doc
        st = state(doc)
        groups = candidate_groups(st)
        picks = choose(self.model, [g.features for g in groups],
                       [[(m.start, m.end) for m in g.mentions] for g in groups])
        classes = self.model.classes
        st.decisions = [(groups[p.index], p.type, p.probability,
                         {c: x for c, x in zip(classes, p.others) if c != "NONE" and x >= self.model.threshold})
                        for p in picks]
        return doc
