"""Scoring (kg.evaluate) on tiny hand-made cases, the ``kg eval`` command, and a regression
guard on the seed-dev gold."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.errors import GoldError
from kg.evaluate import (Counts, GoldPaper, GoldRelation, Predicted, evaluate, load_gold, score_key,
                         score_paper)
from kg.schema import Entity, Evidence, Paper, PaperFacts, Relation

from conftest import IN_CI, SAMPLE, SHARED

DEV_GOLD = SHARED / "gold" / "seed-dev" / "gold.jsonl"


def P(t, *names):
    return Predicted(t, frozenset(names))


def G(t, name, *aliases):
    return GoldRelation(t, name, "", tuple(aliases))


def test_normalisation_follows_the_spec():
    assert score_key("LLaMA-2") == score_key("Llama 2") == "llama2"
    assert score_key("CNN / DailyMail") == score_key("cnn/dailymail")
    assert score_key("ｆｕｌｌｗｉｄｔｈ") == "fullwidth"  # NFKC
    assert score_key("GPT-3.5") == "gpt35"


def test_perfect_match():
    counts, _ = score_paper([P("PROPOSES", "DistilBERT"), P("BUILDS_ON", "BERT")],
                            [G("PROPOSES", "DistilBERT"), G("BUILDS_ON", "BERT")])
    assert counts["PROPOSES"].f1 == 1.0 and counts["BUILDS_ON"].f1 == 1.0


def test_precision_goes_wrong_with_an_extra_prediction():
    counts, errors = score_paper([P("USES", "BERT"), P("USES", "GPT-2")], [G("USES", "BERT")])
    c = counts["USES"]
    assert (c.tp, c.fp, c.fn) == (1, 1, 0)
    assert c.precision == 0.5 and c.recall == 1.0
    assert errors.false_positives == [("USES", "gpt2")]


def test_recall_goes_wrong_with_a_missed_relation():
    counts, errors = score_paper([P("USES", "BERT")], [G("USES", "BERT"), G("USES", "SQuAD")])
    c = counts["USES"]
    assert c.precision == 1.0 and c.recall == 0.5
    assert errors.false_negatives == [("USES", "SQuAD")]


def test_f1_is_the_harmonic_mean_and_zero_without_matches():
    c = Counts(tp=1, fp=3, fn=0)
    assert c.precision == 0.25 and c.recall == 1.0 and c.f1 == pytest.approx(0.4)
    assert Counts(tp=0, fp=2, fn=2).f1 == 0.0


def test_wrong_relation_type_does_not_match():
    counts, _ = score_paper([P("USES", "GLUE")], [G("EVALUATES_ON", "GLUE")])
    assert counts["USES"].fp == 1 and counts["EVALUATES_ON"].fn == 1


def test_aliases_match_on_either_side():
    counts, _ = score_paper([P("PROPOSES", "MIM")], [G("PROPOSES", "masked image modeling", "MIM")])
    assert counts["PROPOSES"].tp == 1
    counts, _ = score_paper([P("PROPOSES", "masked image modeling", "MIM")], [G("PROPOSES", "MIM")])
    assert counts["PROPOSES"].tp == 1


def test_one_prediction_matches_one_gold_relation():
    # two predictions for one gold entity: one is a false positive
    counts, _ = score_paper([P("PROPOSES", "BiPFT"), P("PROPOSES", "Binary Pretrained Foundation Transformer")],
                            [G("PROPOSES", "Binary Pretrained Foundation Transformer", "BiPFT")])
    assert (counts["PROPOSES"].tp, counts["PROPOSES"].fp) == (1, 1)
    # the matching is maximal: the alias-bearing prediction goes to the gold that needs it
    counts, _ = score_paper([P("USES", "A", "B"), P("USES", "A")], [G("USES", "B"), G("USES", "A")])
    assert counts["USES"].tp == 2


def test_duplicate_gold_relations_count_once():
    counts, _ = score_paper([P("EVALUATES_ON", "Atari")], [G("EVALUATES_ON", "Atari"), G("EVALUATES_ON", "atari", "ALE")])
    assert (counts["EVALUATES_ON"].tp, counts["EVALUATES_ON"].fn) == (1, 0)


def _facts(title: str, rels: list[tuple[str, str]]) -> PaperFacts:
    p = Paper(id="x:" + title, title=title, abstract="")
    ents = tuple(Entity(f"model:{n.lower()}", n, "Model") for _, n in rels)
    ev = Evidence("title", 0, 1, title)
    return PaperFacts(p, ents, tuple(Relation(t, p.id, f"model:{n.lower()}", 0.5, ev, "r") for t, n in rels))


def test_evaluate_matches_papers_by_title_and_ignores_others():
    gold = [GoldPaper("Paper A", (G("PROPOSES", "Foo"),)), GoldPaper("Paper B", (G("PROPOSES", "Bar"),))]
    facts = [_facts("Paper A", [("PROPOSES", "Foo")]), _facts("Not in gold", [("PROPOSES", "Baz")])]
    report = evaluate(facts, gold)
    c = report.by_type["PROPOSES"]
    assert (c.tp, c.fp, c.fn) == (1, 0, 1)  # Paper B was not extracted: its gold is missed
    d = report.to_dict()
    assert d["headline"]["recall"] == 0.5 and d["all"]["precision"] == 1.0


def test_select_records_keeps_the_gold_papers_in_input_order():
    from kg.evaluate import select_records

    gold = [GoldPaper("Paper A", ()), GoldPaper("Paper  B:", ())]
    given = _facts("Paper A", [("PROPOSES", "Foo")])
    records = [Paper("t:1", "Not in gold"), Paper("t:2", "paper b"), given, Paper("t:3", "Paper A")]
    selected = select_records(records, gold)
    assert selected.facts == [given]
    assert [p.title for p in selected.papers] == ["paper b", "Paper A"]


def test_parse_types():
    from kg.errors import KGError
    from kg.evaluate import parse_types
    from kg.schema import RELATION_TYPES

    assert parse_types(None) == RELATION_TYPES
    assert parse_types(" proposes,USES") == ("PROPOSES", "USES")
    with pytest.raises(KGError, match="unknown relation type.*LIKES"):
        parse_types("PROPOSES,likes")


def test_bad_gold_files_raise_one_line_errors(tmp_path):
    with pytest.raises(GoldError, match="not found"):
        load_gold(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "A", "relations": []}\n{not json\n')
    with pytest.raises(GoldError, match=r"bad.jsonl:2"):
        load_gold(bad)
    wrong = tmp_path / "wrong.jsonl"
    wrong.write_text('{"title": "A", "relations": [{"type": "LIKES", "entity": "x"}]}\n')
    with pytest.raises(GoldError, match=r"wrong.jsonl:1"):
        load_gold(wrong)
    for err in (GoldError("x"),):
        assert "\n" not in str(err)


def test_cli_missing_gold_is_one_line(tmp_path):
    r = CliRunner().invoke(main, ["eval", "--gold", str(tmp_path / "nope.jsonl"), "--papers", str(SAMPLE)])
    assert r.exit_code != 0
    assert r.output.strip().startswith("Error:") and len(r.output.strip().splitlines()) == 1


def test_cli_table_and_json(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"title": "MEDITRON-70B: Scaling Medical Pretraining for Large Language Models",
                                "relations": [{"type": "PROPOSES", "entity": "MEDITRON-70B",
                                               "entity_type": "Model", "aliases": []}]}) + "\n")
    r = CliRunner().invoke(main, ["eval", "--gold", str(gold), "--papers", str(SAMPLE), "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["papers"] == 1 and d["by_type"]["PROPOSES"]["tp"] == 1
    r = CliRunner().invoke(main, ["eval", "--gold", str(gold), "--papers", str(SAMPLE), "--types", "PROPOSES"])
    assert r.exit_code == 0 and "HEADLINE" in r.output and "PROPOSES" in r.output
    r = CliRunner().invoke(main, ["eval", "--gold", str(gold), "--papers", str(SAMPLE), "--types", "LIKES"])
    assert r.exit_code != 0 and "unknown relation type" in r.output


@pytest.mark.parametrize("rules_only,floor", [(True, 0.85), (False, 0.70)])
def test_regression_guard_on_dev_gold(rules_only, floor):
    """The seed-dev headline F1 (PROPOSES+EVALUATES_ON+BUILDS_ON): the rules were written from
    these papers (0.909 when this test was set); the learned model never saw them (0.718).
    The out-of-fold guard on papers neither was built from is in test_learned.py."""
    if not DEV_GOLD.is_file():
        if IN_CI:
            pytest.fail(f"CI=true but the dev gold {DEV_GOLD} is missing")
        pytest.skip(f"{DEV_GOLD} not available")
    from kg.extract import extract_papers
    from kg.loaders import iter_records

    gold = load_gold(DEV_GOLD)
    titles = {g.title for g in gold}
    papers = [p for p in iter_records([SAMPLE]) if isinstance(p, Paper) and p.title in titles]
    assert len(papers) == len(gold)
    report = evaluate(extract_papers(papers, rules_only=rules_only), gold)
    headline = report.to_dict()["headline"]["f1"]
    assert headline >= floor, f"headline F1 fell to {headline:.3f}"


def test_cli_scores_a_facts_file_as_it_is(tmp_path):
    """A facts file is scored without extracting again: emptying its relations drops recall to 0."""
    from kg.extract import extract_papers
    from kg.loaders import iter_records

    gold = tmp_path / "gold.jsonl"
    title = "MEDITRON-70B: Scaling Medical Pretraining for Large Language Models"
    gold.write_text(json.dumps({"title": title, "relations": [
        {"type": "PROPOSES", "entity": "MEDITRON-70B", "entity_type": "Model", "aliases": []}]}) + "\n")
    paper = next(p for p in iter_records([SAMPLE]) if isinstance(p, Paper) and p.title == title)
    facts = next(extract_papers([paper]))
    full, empty = tmp_path / "full.facts.jsonl", tmp_path / "empty.facts.jsonl"
    full.write_text(facts.to_json() + "\n")
    empty.write_text(PaperFacts(paper=facts.paper).to_json() + "\n")
    r = CliRunner().invoke(main, ["eval", "--gold", str(gold), "--papers", str(full), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["by_type"]["PROPOSES"]["recall"] == 1.0
    r = CliRunner().invoke(main, ["eval", "--gold", str(gold), "--papers", str(empty), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["by_type"]["PROPOSES"]["recall"] == 0.0
