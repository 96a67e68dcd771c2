"""Canned queries without a server: the files' headers, parameters, the CLI, the embedded answers."""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from dataclasses import replace

import pytest
from click.testing import CliRunner

from factsutil import make_facts
from kg.cli import main
from kg.errors import NotFound, QueryError
from kg.query import bind, format_rows, get_query, list_queries, parse_cli_params, parse_query, queries_table, run_query
from kg.queries import implementation
from kg.queries import names as embedded_names
from kg.queries.entity_search import words
from kg.store.embedded import EmbeddedStore
from conftest import ROOT

QUERIES = list_queries()
NAMES = [q.name for q in QUERIES]

# A small graph where the answers are known by construction.
DISTIL = make_facts("DistilBERT: a distilled version of BERT",
                    "We evaluate DistilBERT on GLUE and SQuAD. We compare with TinyBERT.",
                    [("PROPOSES", "Model", "DistilBERT"), ("BUILDS_ON", "Model", "BERT"),
                     ("EVALUATES_ON", "Dataset", "GLUE"), ("EVALUATES_ON", "Dataset", "SQuAD"),
                     ("COMPARES_WITH", "Model", "TinyBERT")], paper_id="arxiv:1910.01108")
TINY = make_facts("TinyBERT: distilling BERT", "TinyBERT builds on BERT and is tested on GLUE for question answering.",
                  [("PROPOSES", "Model", "TinyBERT"), ("BUILDS_ON", "Model", "BERT"),
                   ("EVALUATES_ON", "Dataset", "GLUE"), ("ADDRESSES", "Task", "question answering")],
                  paper_id="arxiv:1909.10351")
LLAMA = make_facts("A study of LLaMA-2", "We fine-tune Llama 2 on SQuAD.",
                   [("USES", "Model", "LLaMA-2"), ("USES", "Model", "Llama 2"), ("EVALUATES_ON", "Dataset", "SQuAD")])
BERT = make_facts("BERT: pre-training of deep bidirectional transformers",
                  "We propose BERT and the NewQA dataset, and evaluate on NewQA and GLUE for question answering, "
                  "compared with ELMo.",
                  [("PROPOSES", "Model", "BERT"), ("PROPOSES", "Dataset", "NewQA"), ("EVALUATES_ON", "Dataset", "NewQA"),
                   ("EVALUATES_ON", "Dataset", "GLUE"), ("ADDRESSES", "Task", "question answering"),
                   ("COMPARES_WITH", "Model", "ELMo")], paper_id="arxiv:1810.04805")
BERT = replace(BERT, paper=replace(BERT.paper, year=2018, url="https://arxiv.org/abs/1810.04805"))
MINI = make_facts("MiniDistil", "We propose MiniDistil based on DistilBERT.",
                  [("PROPOSES", "Model", "MiniDistil"), ("BUILDS_ON", "Model", "DistilBERT")],
                  paper_id="arxiv:2001.00001")
HAND = [DISTIL, TINY, LLAMA, BERT, MINI]


@pytest.fixture(scope="module")
def hand_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("q") / "kg.db"
    with EmbeddedStore(path) as s:
        s.write(HAND)
    with EmbeddedStore(path, create=False) as s:
        yield s


def rows(store, query_name, **params):
    result = run_query(store, query_name, params)
    assert all(list(r) == result.columns == list(get_query(query_name).columns) for r in result.rows)
    return result.rows


# -- the files ---------------------------------------------------------------------------------
def test_enough_queries_each_with_an_embedded_implementation():
    assert len(QUERIES) >= 14
    assert embedded_names() == NAMES


@pytest.mark.parametrize("q", QUERIES, ids=NAMES)
def test_header_is_complete_and_consistent(q):
    assert q.description and q.description.endswith("?")
    declared = {p.name for p in q.params}
    used = set(re.findall(r"\$(\w+)", q.cypher))
    assert used == declared, "every $parameter is declared and every declared one is used"
    assert set(q.example) == declared, "the example gives every parameter"
    bind(q, q.example)  # the example is valid for the declared types
    # one :params line (what the Neo4j Browser takes pasted) sets exactly the example
    m = re.fullmatch(r":params (\{.*\})", q.browser_params)
    assert m, q.browser_params
    assert ast.literal_eval(re.sub(r"(\{|, )(\w+): ", lambda k: k.group(1) + repr(k.group(2)) + ": ",
                                   m.group(1))) == q.example
    # the graph form (paths for the Browser) uses the query's parameters only
    if q.graph:
        assert set(re.findall(r"\$(\w+)", q.graph)) <= declared and "RETURN" in q.graph


def test_readable_columns_first_ids_last():
    """People read names and titles; programs get the ids, in columns of their own at the end."""
    for q in QUERIES:
        cols = list(q.columns)
        ids = [c for c in cols if c == "id" or c.endswith("_id") or c.endswith("_ids")]
        assert ids and cols[-len(ids):] == ids, (q.name, cols)
        readable = set(cols) - set(ids)
        assert readable & {"name", "title", "entity", "root", "dataset", "task", "source", "benchmark_a", "node",
                           "path"}, (q.name, cols)
        if any(c in ("paper_id",) for c in cols):
            assert {"title", "year"} <= set(cols), q.name
    assert len([q for q in QUERIES if q.graph]) >= 6


def test_browser_text_is_one_params_line_then_the_graph_form():
    from kg.query import browser_text, cypher_literal, params_line

    q = get_query("model_lineage")
    text = browser_text(q, {"name": "Llama 2"})
    first, rest = text.split("\n", 1)
    assert first == ":params {name: 'Llama 2', max_depth: 3, limit: 100}"
    assert rest == q.graph and "RETURN path" in rest
    assert browser_text(get_query("most_evaluated_benchmarks")).endswith(get_query("most_evaluated_benchmarks").cypher)
    assert cypher_literal("it's a \\ test\n") == "'it\\'s a \\\\ test\\n'"
    assert params_line({"relations": ["A", "B"], "x": 1.5}) == ":params {relations: ['A', 'B'], x: 1.5}"
    r = CliRunner().invoke(main, ["query", "shortest_path", "-p", "source=DistilBERT", "-p", "target=O'Neil", "--browser"])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == ":params {source: 'DistilBERT', target: 'O\\'Neil', limit: 10}"


@pytest.mark.parametrize("q", QUERIES, ids=NAMES)
def test_deterministic_order_and_limit_parameter(q):
    text = q.cypher
    # toInteger: the Neo4j Browser's :params {...} makes every number a float, and LIMIT takes integers only
    assert "ORDER BY" in text and re.search(r"LIMIT toInteger\(\$limit\)\s*$", text)
    limit = q.param("limit")
    assert limit is not None and not limit.required and limit.type == "int" and limit.minimum >= 1
    # the ORDER BY ends with an identifying column, so there are no ties
    order = text.rsplit("ORDER BY", 1)[1].split("LIMIT")[0]
    assert re.search(r"\b(\w*id|relations)\s*$", order.strip()), order


def test_header_errors_name_file_and_line():
    with pytest.raises(QueryError, match=r"cypher/x\.cypher:2: .*unknown type"):
        parse_query("x", "// Q?\n// param a: number\n// example: {}\nRETURN 1")
    with pytest.raises(QueryError, match="no '// example"):
        parse_query("x", "// Q?\nRETURN 1")
    with pytest.raises(QueryError, match=r"x\.cypher:2: the example is not JSON"):
        parse_query("x", "// Q?\n// example: {'a': 1}\nRETURN 1")


def test_columns_are_declared_in_the_header():
    assert list(get_query("most_evaluated_benchmarks").columns) == ["name", "papers", "id"]
    assert list(get_query("shortest_path").columns) == ["hops", "path", "relations", "path_ids"]
    with pytest.raises(QueryError, match="no '// columns: a, b, c' line"):
        parse_query("x", "// Q?\n// example: {}\nRETURN 1 AS a")
    with pytest.raises(QueryError, match=r"x\.cypher:2: write the columns"):
        parse_query("x", "// Q?\n// columns: a, a\n// example: {}\nRETURN 1 AS a, 2 AS a")


# -- both halves of each query -----------------------------------------------------------------
def return_columns(cypher: str) -> list[str]:
    """The column names of the final RETURN clause, read from the Cypher (the code reads the header)."""
    body = re.split(r"\bRETURN\b", cypher)[-1]
    body = re.split(r"\bORDER\s+BY\b|\bLIMIT\b", body)[0]
    parts, depth, quote, cur = [], 0, "", ""
    for ch in body:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        cur += ch
    parts.append(cur)
    return [(re.search(r"\bAS\s+(\w+)\s*$", p.strip()) or re.search(r"(.*)", p.strip())).group(1)
            for p in parts if p.strip()]


@pytest.mark.parametrize("q", QUERIES, ids=NAMES)
def test_each_query_has_both_halves_with_the_same_columns(q):
    """cypher/NAME.cypher and kg/queries/NAME.py: the header, the module and the Cypher's RETURN
    name the same columns in the same order."""
    module = implementation(q.name)
    assert module.COLUMNS == q.columns
    assert return_columns(q.cypher) == list(q.columns)
    assert callable(module.run)


def test_the_entity_and_paper_rules_are_written_once():
    from kg.browser_guide import render_guide
    from kg.query import load_fragments

    assert sorted(load_fragments()) == ["entity_named", "paper_named"]
    sources = {p.relative_to(ROOT / "cypher").as_posix(): p.read_text(encoding="utf-8")
               for p in (ROOT / "cypher").rglob("*.cypher")}
    users = [f for f, text in sources.items() if "kg.entity_named(" in text]
    assert len(users) >= 11
    # the rule itself (aliases compared lower-cased) is in the fragment only
    assert [f for f, text in sources.items() if "aliases WHERE toLower" in text] == ["include/entity_named.cypher"]
    assert [f for f, text in sources.items() if "toLower(n.title)" in text] == ["include/paper_named.cypher"]
    # what users see has it written out: the query texts, the graph forms, the Browser guide
    use = re.compile(r"\bkg\.\w+\(")
    for q in QUERIES:
        assert not use.search(q.text) and not use.search(q.cypher) and not use.search(q.graph or ""), q.name
    assert not use.search(render_guide())
    lineage = get_query("model_lineage")
    assert ("MATCH (m:Entity)\nWHERE m.id = $name OR toLower(m.name) = toLower($name) "
            "OR any(alias IN m.aliases WHERE toLower(alias) = toLower($name))\n") in lineage.cypher
    # inside a larger condition it is parenthesised, as a function call would be
    assert ("WHERE (b.id = $target OR toLower(b.name) = toLower($target) "
            "OR any(alias IN b.aliases WHERE toLower(alias) = toLower($target))) AND a <> b") in \
        get_query("shortest_path").cypher
    assert "WHERE p.id = $name OR toLower(p.title) = toLower($name)\n" in get_query("neighbourhood").cypher


def test_fragment_errors_name_file_and_line():
    from kg.query import parse_fragment

    with pytest.raises(QueryError, match=r"cypher/x\.cypher:3: no fragment kg\.nope \(cypher/include/ has "
                                         r"entity_named, paper_named\)"):
        parse_query("x", "// Q?\n// example: {}\nMATCH (n) WHERE kg.nope(n, $a)\nRETURN n")
    with pytest.raises(QueryError, match=r"cypher/include/f\.cypher: no '// fragment kg\.f\(node, \$param\)' line"):
        parse_fragment("f", "// a piece\nn.id = $x\n")
    with pytest.raises(QueryError, match=r"cypher/include/f\.cypher:1: the fragment is declared as kg\.g"):
        parse_fragment("f", "// fragment kg.g(n, $x)\nn.id = $x\n")
    frag = parse_fragment("f", "// fragment kg.f(n, $x)\nn.id = $x OR n.name = $x\n")
    assert frag.write("node", "name") == "node.id = $name OR node.name = $name"


# -- parameters -------------------------------------------------------------------------------
def test_parameters_are_typed_and_checked():
    q = get_query("paper_contributions")
    got = parse_cli_params(q, ["paper=x", "limit=5", "relations=PROPOSES, USES"])
    assert got == {"paper": "x", "limit": 5, "relations": ["PROPOSES", "USES"]}
    assert parse_cli_params(q, ['relations=["A,B"]'])["relations"] == ["A,B"]
    assert bind(q, {"paper": "x"})["limit"] == 100
    with pytest.raises(QueryError, match="must be an integer"):
        parse_cli_params(q, ["limit=ten"])
    with pytest.raises(QueryError, match="no parameter 'nope'"):
        parse_cli_params(q, ["nope=1"])
    with pytest.raises(QueryError, match="key=value"):
        parse_cli_params(q, ["limit"])
    with pytest.raises(QueryError, match="needs parameter 'paper'"):
        bind(q, {})
    with pytest.raises(QueryError, match="between 1 and"):
        bind(q, {"paper": "x", "limit": 0})
    with pytest.raises(QueryError, match="must be a string"):
        bind(q, {"paper": 3})
    with pytest.raises(QueryError, match="list of strings"):
        bind(q, {"paper": "x", "relations": "PROPOSES"})
    with pytest.raises(QueryError, match="between 1 and 5"):
        bind(get_query("model_lineage"), {"name": "x", "max_depth": 9})


def test_unknown_query_suggests_close_names():
    with pytest.raises(NotFound, match="model_lineage"):
        get_query("model_linage")


# -- answers on the embedded store --------------------------------------------------------------
def test_lineage_and_ancestors(hand_store):
    got = rows(hand_store, "model_lineage", name="bert")
    assert [(r["id"], r["depth"]) for r in got] == [
        ("model:distilbert", 1), ("model:tinybert", 1), ("model:minidistil", 2)]
    assert [r["id"] for r in rows(hand_store, "model_lineage", name="BERT", max_depth=1)] == [
        "model:distilbert", "model:tinybert"]
    assert [(r["id"], r["depth"]) for r in rows(hand_store, "model_ancestors", name="MiniDistil")] == [
        ("model:distilbert", 1), ("model:bert", 2)]


def test_entity_names_match_case_insensitively_by_name_alias_or_id(hand_store):
    for name in ("llama-2", "LLAMA 2", "model:llama2"):
        got = rows(hand_store, "entity_evidence", name=name)
        assert {(r["entity"], r["entity_id"]) for r in got} == {("LLaMA-2", "model:llama2")}, name
        assert {r["title"] for r in got} == {"A study of LLaMA-2"}
    assert rows(hand_store, "entity_evidence", name="llama2") == []  # not a spelling of it


def test_benchmark_questions(hand_store):
    top = rows(hand_store, "most_evaluated_benchmarks")
    assert [(r["name"], r["papers"]) for r in top] == [("GLUE", 3), ("SQuAD", 2), ("NewQA", 1)]
    assert rows(hand_store, "most_evaluated_benchmarks", limit=1) == top[:1]
    pairs = rows(hand_store, "benchmarks_evaluated_together")
    assert {(r["benchmark_a"], r["benchmark_b"]) for r in pairs} == {("GLUE", "NewQA"), ("GLUE", "SQuAD")}
    assert [r["id"] for r in rows(hand_store, "long_tail_datasets")] == ["dataset:newqa"]
    assert rows(hand_store, "long_tail_datasets")[0]["relations"] == ["EVALUATES_ON", "PROPOSES"]
    assert [(r["title"], r["year"], r["url"], r["paper_id"], r["id"])
            for r in rows(hand_store, "proposed_and_evaluated_datasets")] == [
        (BERT.paper.title, 2018, "https://arxiv.org/abs/1810.04805", "arxiv:1810.04805", "dataset:newqa")]
    assert [r["id"] for r in rows(hand_store, "evaluated_on_dataset", name="glue")] == [
        "model:bert", "model:distilbert", "model:tinybert"]
    assert [(r["id"], r["papers"]) for r in rows(hand_store, "task_benchmarks", name="question answering")] == [
        ("dataset:glue", 2), ("dataset:newqa", 1)]


def test_paper_comparison_and_model_questions(hand_store):
    by_title = rows(hand_store, "paper_contributions", paper="distilbert: A DISTILLED version of BERT")
    by_id = rows(hand_store, "paper_contributions", paper="arxiv:1910.01108")
    assert by_title == by_id and [r["relation"] for r in by_id] == ["BUILDS_ON", "EVALUATES_ON", "EVALUATES_ON",
                                                                     "PROPOSES"]
    assert [r["id"] for r in rows(hand_store, "compared_with", name="DistilBERT")] == ["model:tinybert"]
    # TinyBERT is compared with in DistilBERT's paper: the relation reads both ways
    assert [r["id"] for r in rows(hand_store, "compared_with", name="TinyBERT")] == ["model:distilbert"]
    built = rows(hand_store, "most_built_upon_models")
    assert [(r["id"], r["papers"], r["successors"]) for r in built] == [
        ("model:bert", 2, 2), ("model:distilbert", 1, 1)]
    ev = rows(hand_store, "relation_evidence", source="MiniDistil", target="DistilBERT")
    assert [(r["relation"], r["source"], r["target"], r["title"], r["paper_id"]) for r in ev] == [
        ("BUILDS_ON", "MiniDistil", "DistilBERT", "MiniDistil", "arxiv:2001.00001")]
    assert ev[0]["target_sentence"] == "We propose MiniDistil based on DistilBERT."
    types = rows(hand_store, "entities_by_type", type="Dataset")
    assert [(r["name"], r["papers"]) for r in types] == [("GLUE", 3), ("SQuAD", 2), ("NewQA", 1)]


def test_shortest_paths(hand_store):
    got = rows(hand_store, "shortest_path", source="MiniDistil", target="GLUE")
    assert {r["hops"] for r in got} == {2}
    assert [r["path_ids"] for r in got] == [["model:minidistil", "model:distilbert", "dataset:glue"]]
    assert [r["path"] for r in got] == [["MiniDistil", "DistilBERT", "GLUE"]]
    assert got[0]["relations"] == ["BUILDS_ON>", "EVALUATED_ON>"]
    # via papers, in both directions: ELMo -> BERT's paper -> NewQA
    got = rows(hand_store, "shortest_path", source="NewQA", target="ELMo")
    readable = ["NewQA", BERT.paper.title, "ELMo"]
    assert got == [{"hops": 2, "path": readable, "relations": ["<EVALUATES_ON", "COMPARES_WITH>"],
                    "path_ids": ["dataset:newqa", "arxiv:1810.04805", "model:elmo"]},
                   {"hops": 2, "path": readable, "relations": ["<PROPOSES", "COMPARES_WITH>"],
                    "path_ids": ["dataset:newqa", "arxiv:1810.04805", "model:elmo"]}]
    assert rows(hand_store, "shortest_path", source="GLUE", target="glue") == []


def test_neighbourhood_of_an_entity_and_of_a_paper(hand_store):
    got = rows(hand_store, "neighbourhood", name="distilbert")
    assert {(r["relation"], r["direction"], r["neighbour"], r["kind"]) for r in got} == {
        ("PROPOSES", "in", DISTIL.paper.title, "Paper"), ("BUILDS_ON", "in", MINI.paper.title, "Paper"),
        ("BUILDS_ON", "out", "BERT", "Model"), ("BUILDS_ON", "in", "MiniDistil", "Model"),
        ("EVALUATED_ON", "out", "GLUE", "Dataset"), ("EVALUATED_ON", "out", "SQuAD", "Dataset")}
    assert {r["node"] for r in got} == {"DistilBERT"} and {r["node_id"] for r in got} == {"model:distilbert"}
    assert [r["support"] for r in got if r["relation"] == "BUILDS_ON" and r["kind"] == "Model"] == [1, 1]
    paper = rows(hand_store, "neighbourhood", name=BERT.paper.title.upper(), relations=["PROPOSES"])
    assert [(r["neighbour"], r["direction"], r["year"]) for r in paper] == [("NewQA", "out", None), ("BERT", "out", None)]
    assert rows(hand_store, "neighbourhood", name="bert", limit=2) == rows(hand_store, "neighbourhood", name="bert")[:2]


def test_search_words_are_runs_of_letters_and_digits():
    # every other character separates words (Lucene's tokenizer kept 3.5, don't, foo_bar whole)
    assert words("GPT-3.5") == ["gpt", "3", "5"]
    assert words("don't stop e.g. U.S.A") == ["don", "t", "stop", "e", "g", "u", "s", "a"]
    assert words("1,000 foo_bar a:b C++ (2017) x/y") == ["1", "000", "foo", "bar", "a", "b", "c", "2017", "x", "y"]
    assert words("SQuAD v1.1 ImageNet-1k") == ["squad", "v1", "1", "imagenet", "1k"]
    assert words("'}) -- //") == []
    assert words("Résumé 深度学习 ΣΟΦΙΑ") == ["résumé", "深度学习", "σοφια"]


def test_entity_search_is_a_phrase_over_words(hand_store):
    assert [r["id"] for r in rows(hand_store, "entity_search", text="bert")] == ["model:bert"]
    assert [r["id"] for r in rows(hand_store, "entity_search", text="LLAMA")] == ["model:llama2"]
    assert [r["id"] for r in rows(hand_store, "entity_search", text="llama 2")] == ["model:llama2"]
    assert rows(hand_store, "entity_search", text="2 llama") == []
    assert [r["id"] for r in rows(hand_store, "entity_search", text="answering")] == ["task:questionanswering"]


# -- the CLI ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hand_path(hand_store):
    return str(hand_store.path)


def test_cli_lists_queries():
    r = CliRunner().invoke(main, ["queries", "--json"])
    assert r.exit_code == 0, r.output
    listed = json.loads(r.output)
    assert [q["name"] for q in listed] == NAMES
    assert all(q["description"] and isinstance(q["params"], list) for q in listed)
    r = CliRunner().invoke(main, ["queries"])
    assert r.exit_code == 0 and all(n in r.output for n in NAMES)
    assert "-p name: string" in r.output


def test_cli_runs_a_query_in_every_format(hand_path):
    args = ["query", "most_evaluated_benchmarks", "--store", hand_path]
    r = CliRunner().invoke(main, args + ["--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == [{"name": "GLUE", "papers": 3, "id": "dataset:glue"},
                                    {"name": "SQuAD", "papers": 2, "id": "dataset:squad"},
                                    {"name": "NewQA", "papers": 1, "id": "dataset:newqa"}]
    r = CliRunner().invoke(main, args + ["--format", "csv", "-p", "limit=2"])
    assert r.exit_code == 0, r.output
    assert list(csv.reader(io.StringIO(r.output))) == [["name", "papers", "id"], ["GLUE", "3", "dataset:glue"],
                                                        ["SQuAD", "2", "dataset:squad"]]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0 and "GLUE" in r.output and "(3 rows)" in r.output
    r = CliRunner().invoke(main, ["query", "model_lineage", "--store", hand_path, "-p", "name=BERT",
                                  "-p", "max_depth=1", "--format", "csv"])
    assert r.exit_code == 0 and r.output.count("\n") == 3, r.output


def test_cli_example_uses_the_header(hand_path):
    r = CliRunner().invoke(main, ["query", "entities_by_type", "--example", "--store", hand_path, "--format", "json"])
    assert r.exit_code == 0, r.output
    assert [x["name"] for x in json.loads(r.output)] == ["GLUE", "SQuAD", "NewQA"]  # example type: Dataset


def test_cli_errors_are_one_line(hand_path, tmp_path):
    cases = [
        (["query", "nope_query", "--store", hand_path], "no query named 'nope_query'"),
        (["query", "model_lineag", "--store", hand_path], "did you mean model_lineage"),
        (["query", "model_lineage", "--store", hand_path], "needs parameter 'name'"),
        (["query", "model_lineage", "--store", hand_path, "-p", "name=BERT", "-p", "max_depth=x"], "integer"),
        (["query", "model_lineage", "--store", str(tmp_path / "none.db"), "-p", "name=BERT"], "no store here"),
    ]
    for args, msg in cases:
        r = CliRunner().invoke(main, args)
        assert r.exit_code != 0, args
        assert r.output.startswith("Error: ") and msg in r.output and r.output.count("\n") == 1, r.output


def test_empty_result_prints_columns_in_csv(hand_path):
    r = CliRunner().invoke(main, ["query", "entity_search", "--store", hand_path, "-p", "text=zzz", "--format", "csv"])
    assert r.exit_code == 0 and r.output.strip() == "name,type,papers,aliases,id"


def test_table_format_renders_lists():
    from kg.query import Result

    out = format_rows(Result("x", {}, ["path"], [{"path": ["a", "b"]}]), "table")
    assert "a, b" in out


# -- the README --------------------------------------------------------------------------------
def test_readme_table_lists_every_query():
    table = queries_table()
    assert table.count("\n") == len(QUERIES) + 1 and all(f"| `{n}` |" in table for n in NAMES)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [line for line in table.splitlines()[2:] if line not in readme]
    assert not missing, "README.md is missing query rows; paste kg.query.queries_table():\n" + "\n".join(missing)
