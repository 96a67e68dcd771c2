"""Canned queries: the ``cypher/*.cypher`` files, their headers, and running them on either store.

A query file starts with a header of ``//`` comment lines::

    // Which benchmarks do the most papers evaluate on?          <- the question (one line)
    // param limit: int = 10 (1..100000) -- how many datasets    <- NAME: TYPE [= JSON default] [(min..max)] [-- help]
    // columns: name, papers, id                                 <- the result's columns, in order
    // example: {"limit": 10}                                    <- example parameters, JSON
    // :params {limit: 10}                                       <- the same, one Neo4j Browser line

A query that answers with entities linked to entities may also have a *graph form*,
``cypher/graph/NAME.cypher``: the same parameters, returning paths the Neo4j Browser draws
(``Query.graph``; ``kg query NAME --browser`` prints it with its ``:params`` line).

Shared pieces of Cypher are *fragments*, ``cypher/include/NAME.cypher``, written into a query
where it says ``kg.NAME(node, $param)``: ``WHERE kg.entity_named(m, $name)`` becomes the
clause that finds the entity a user names (its id, or its name or an alias in any case).
What users see is the query with its fragments written out (``Query.text``, ``Query.cypher``,
``Query.graph``: the Browser guide, ``kg query --browser``): complete Cypher that runs as
pasted.

Types are ``int``, ``float``, ``string`` and ``list`` (of strings). Each query has two
implementations, paired by name: the Cypher, which Neo4j runs as written, and
``kg/queries/NAME.py`` for the embedded store; a store runs either through its one
``run_query(query, params)``. User values only ever reach either store as parameters.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Mapping

from kg.errors import NotFound, QueryError

PARAM_TYPES = ("int", "float", "string", "list")
_REQUIRED = object()

_PARAM_LINE = re.compile(r"^param\s+(?P<name>[A-Za-z_]\w*)\s*:\s*(?P<type>\w+)\s*(?P<rest>.*)$")
_RANGE = re.compile(r"\((?P<lo>-?\d+)\.\.(?P<hi>-?\d+)\)\s*$")


@dataclass(frozen=True)
class Param:
    """One declared parameter of a query."""

    name: str
    type: str
    default: Any = _REQUIRED
    help: str = ""
    minimum: int | None = None
    maximum: int | None = None

    @property
    def required(self) -> bool:
        return self.default is _REQUIRED

    def describe(self, ranges: bool = True) -> str:
        """``name: type = default (lo..hi)`` as in the header."""
        s = f"{self.name}: {self.type}"
        if not self.required:
            s += f" = {json.dumps(self.default, ensure_ascii=False)}"
        if ranges and self.minimum is not None:
            s += f" ({self.minimum}..{self.maximum})"
        return s

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "type": self.type, "required": self.required, "help": self.help}
        if not self.required:
            d["default"] = self.default
        if self.minimum is not None:
            d["min"], d["max"] = self.minimum, self.maximum
        return d


@dataclass(frozen=True)
class Query:
    """One canned query: its file's header and its Cypher text."""

    name: str
    description: str
    params: tuple[Param, ...]
    example: dict[str, Any]
    browser_params: str  # the header's ``:params {...}`` line ("" when it has none)
    text: str  # the whole file, header included, fragments written out (what a user pastes)
    cypher: str = field(repr=False, default="")  # the statement without the header
    #: the result's columns, in order (the header's ``// columns:`` line)
    columns: tuple[str, ...] = ()
    #: the graph form (``cypher/graph/NAME.cypher``): paths for the Neo4j Browser to draw
    graph: str | None = field(repr=False, default=None)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description,
                "params": [p.to_dict() for p in self.params], "columns": list(self.columns),
                "example": self.example, "graph": self.graph is not None}


# -- reading the files --------------------------------------------------------------------
_COLUMN = re.compile(r"[A-Za-z_]\w*")
#: a fragment's use in a query file: ``kg.NAME(node, $param)``
_USE = re.compile(r"\bkg\.(?P<name>\w+)\(\s*(?P<node>[A-Za-z_]\w*)\s*,\s*\$(?P<param>[A-Za-z_]\w*)\s*\)")
#: a fragment file's declaration line: ``// fragment kg.NAME(node, $param)``
_FRAGMENT = re.compile(r"^fragment\s+kg\.(?P<name>\w+)\(\s*(?P<node>[A-Za-z_]\w*)\s*,\s*\$(?P<param>[A-Za-z_]\w*)\s*\)$")


@dataclass(frozen=True)
class Fragment:
    """A shared piece of Cypher (``cypher/include/NAME.cypher``): an expression about one node
    and one parameter, written into a query where it says ``kg.NAME(node, $param)``."""

    name: str
    node: str  # the node variable of the file's own text
    param: str  # the parameter of the file's own text
    body: str  # the expression (one line)

    def write(self, node: str, param: str) -> str:
        """The expression about ``node`` and ``$param``."""
        text = re.sub(rf"\b{re.escape(self.node)}\b", node, self.body)
        return re.sub(rf"\${re.escape(self.param)}\b", "$" + param, text)


def parse_fragment(name: str, text: str) -> Fragment:
    """A ``Fragment`` from its file's text: ``//`` comments, a ``// fragment kg.NAME(n, $p)``
    line among them, then the expression."""
    where = f"cypher/include/{name}.cypher"
    decl = None
    body = []
    for i, line in enumerate(text.splitlines(), 1):
        if line.startswith("//"):
            m = _FRAGMENT.match(line[2:].strip())
            if m:
                if m.group("name") != name:
                    raise QueryError(f"{where}:{i}: the fragment is declared as kg.{m.group('name')}, not kg.{name}")
                decl = m
        elif line.strip():
            body.append(line.strip())
    if decl is None:
        raise QueryError(f"{where}: no '// fragment kg.{name}(node, $param)' line")
    if len(body) != 1:
        raise QueryError(f"{where}: a fragment is one line of Cypher after its comments")
    return Fragment(name, decl.group("node"), decl.group("param"), body[0])


def expand(text: str, fragments: Mapping[str, Fragment], where: str) -> str:
    """``text`` with each ``kg.NAME(node, $param)`` written out: in parentheses, unless it is
    the whole condition of its ``WHERE`` line; ``QueryError`` naming FILE:LINE for an unknown one."""
    out = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.startswith("//"):
            out.append(line)
            continue
        whole = re.fullmatch(r"(\s*WHERE\s+)" + _USE.pattern + r"\s*", line)

        def written(m: re.Match[str]) -> str:
            frag = fragments.get(m.group("name"))
            if frag is None:
                raise QueryError(f"{where}:{lineno}: no fragment kg.{m.group('name')} "
                                 f"(cypher/include/ has {', '.join(sorted(fragments)) or 'none'})")
            return frag.write(m.group("node"), m.group("param"))

        if whole:
            out.append(whole.group(1) + written(whole))
        else:
            out.append(_USE.sub(lambda m: "(" + written(m) + ")", line))
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def parse_query(name: str, text: str, fragments: Mapping[str, Fragment] | None = None) -> Query:
    """A ``Query`` from one file's text; ``QueryError`` naming the file and line when the header is bad.

    ``fragments``: the shared pieces the text may use (``load_fragments()`` when not given)."""
    where = f"cypher/{name}.cypher"
    text = expand(text, load_fragments() if fragments is None else fragments, where)
    lines = text.splitlines()
    header: list[tuple[int, str]] = []
    for i, line in enumerate(lines, 1):
        if not line.startswith("//"):
            break
        header.append((i, line[2:].strip()))
    if not header or not header[0][1]:
        raise QueryError(f"{where}:1: the first line must be a '// description' comment")
    description = header[0][1]
    params: list[Param] = []
    example: dict[str, Any] | None = None
    columns: tuple[str, ...] | None = None
    browser = ""
    for lineno, line in header[1:]:
        if line.startswith("param "):
            params.append(_parse_param(line, f"{where}:{lineno}"))
        elif line.startswith("columns:"):
            columns = tuple(c.strip() for c in line[len("columns:"):].split(","))
            bad = [c for c in columns if not _COLUMN.fullmatch(c)]
            if bad or len(set(columns)) != len(columns):
                raise QueryError(f"{where}:{lineno}: write the columns as 'columns: a, b, c' (distinct names)")
        elif line.startswith("example:"):
            try:
                example = json.loads(line[len("example:"):])
            except json.JSONDecodeError as exc:
                raise QueryError(f"{where}:{lineno}: the example is not JSON ({exc.msg})") from None
            if not isinstance(example, dict):
                raise QueryError(f"{where}:{lineno}: the example must be a JSON object")
        elif line.startswith(":param"):
            if not line.startswith(":params {"):
                raise QueryError(f"{where}:{lineno}: write the Browser parameters as one ':params {{...}}' line")
            browser = line
    if example is None:
        raise QueryError(f"{where}: no '// example: {{...}}' line in the header")
    if columns is None:
        raise QueryError(f"{where}: no '// columns: a, b, c' line in the header")
    body = "\n".join(lines[len(header):]).strip()
    if not body:
        raise QueryError(f"{where}: no Cypher after the header")
    return Query(name=name, description=description, params=tuple(params), example=example,
                 browser_params=browser, text=text, cypher=body + "\n", columns=columns)


def _parse_param(line: str, where: str) -> Param:
    m = _PARAM_LINE.match(line)
    if not m:
        raise QueryError(f"{where}: bad parameter line (want 'param NAME: TYPE [= DEFAULT] [-- help]')")
    name, ptype, rest = m.group("name"), m.group("type"), m.group("rest")
    if ptype not in PARAM_TYPES:
        raise QueryError(f"{where}: parameter {name!r} has unknown type {ptype!r} (one of {', '.join(PARAM_TYPES)})")
    rest, _, help_text = rest.partition("--")
    rest = rest.strip()
    lo = hi = None
    rm = _RANGE.search(rest)
    if rm:
        lo, hi = int(rm.group("lo")), int(rm.group("hi"))
        rest = rest[:rm.start()].strip()
    default: Any = _REQUIRED
    if rest.startswith("="):
        try:
            default = json.loads(rest[1:])
        except json.JSONDecodeError:
            raise QueryError(f"{where}: the default of {name!r} is not JSON") from None
    elif rest:
        raise QueryError(f"{where}: cannot read {rest!r} after the type of {name!r}")
    p = Param(name, ptype, default, help_text.strip(), lo, hi)
    if not p.required:
        _check(p, p.default, where)
    return p


def _files() -> Any:
    """The folder of the query files (the ``kg.cypher`` package: ``cypher/`` in the repository)."""
    from importlib.resources import files

    return files("kg.cypher")


@lru_cache(maxsize=1)
def load_fragments() -> dict[str, Fragment]:
    """Every shared piece of Cypher (``cypher/include/*.cypher``), by name."""
    folder = _files().joinpath("include")
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name) if folder.is_dir() else ():
        if entry.name.endswith(".cypher"):
            name = entry.name[: -len(".cypher")]
            out[name] = parse_fragment(name, entry.read_text(encoding="utf-8"))
    return out


@lru_cache(maxsize=1)
def load_queries() -> dict[str, Query]:
    """Every canned query, by name (the ``*.cypher`` files of ``cypher/``)."""
    out: dict[str, Query] = {}
    root = _files()
    graphs = root.joinpath("graph")
    fragments = load_fragments()
    for entry in root.iterdir():
        if entry.name.endswith(".cypher"):
            name = entry.name[: -len(".cypher")]
            q = parse_query(name, entry.read_text(encoding="utf-8"), fragments)
            g = graphs.joinpath(entry.name)
            if g.is_file():
                q = replace(q, graph=parse_graph(q, g.read_text(encoding="utf-8"), fragments))
            out[name] = q
    return dict(sorted(out.items()))


def parse_graph(query: Query, text: str, fragments: Mapping[str, Fragment] | None = None) -> str:
    """The graph form of ``query`` (its file's text, fragments written out): it may use only the
    query's parameters."""
    where = f"cypher/graph/{query.name}.cypher"
    text = expand(text, load_fragments() if fragments is None else fragments, where)
    body = "\n".join(line for line in text.splitlines() if not line.startswith("//")).strip()
    if not body:
        raise QueryError(f"{where}: no Cypher in the file")
    unknown = sorted(set(re.findall(r"\$(\w+)", body)) - {p.name for p in query.params})
    if unknown:
        raise QueryError(f"{where}: ${unknown[0]} is not a parameter of {query.name}")
    return text.strip() + "\n"


# -- the Neo4j Browser -----------------------------------------------------------------------
_CYPHER_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def cypher_literal(value: Any) -> str:
    """``value`` as a Cypher literal (strings single-quoted and escaped)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return "'" + "".join(_CYPHER_ESCAPES.get(c, c) for c in value) + "'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)}: {cypher_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no Cypher literal for {type(value).__name__}")


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_]\w*", name) else "`" + name.replace("`", "``") + "`"


def params_line(values: Mapping[str, Any]) -> str:
    """The Neo4j Browser command that sets exactly these parameters: ``:params {name: 'BERT', limit: 10}``."""
    return ":params " + cypher_literal(dict(values))


def browser_text(query: Query, values: Mapping[str, Any] | None = None, graph: bool = True) -> str:
    """What to paste into the Neo4j Browser: the ``:params`` line (``values`` bound as
    ``kg query`` would) and then the graph form (or, without one, the table form)."""
    bound = bind(query, values if values is not None else query.example)
    body = query.graph if graph and query.graph else query.cypher
    return params_line(bound) + "\n" + body


def list_queries() -> list[Query]:
    return list(load_queries().values())


def get_query(name: str) -> Query:
    """The query called ``name``; ``NotFound`` listing close names when there is none."""
    queries = load_queries()
    key = name.strip().removesuffix(".cypher").replace("-", "_")
    if key in queries:
        return queries[key]
    close = difflib.get_close_matches(key, list(queries), n=3, cutoff=0.5)
    close += [q for q in queries if key and key in q and q not in close]
    hint = f"; did you mean {', '.join(close[:3])}?" if close else ""
    raise NotFound(f"no query named {name!r}{hint} (`kg queries` lists them)")


# -- parameters -----------------------------------------------------------------------------
def _check(p: Param, value: Any, where: str = "") -> Any:
    """``value`` converted to the declared type, or ``QueryError``."""
    prefix = f"{where}: " if where else ""
    bad = QueryError(f"{prefix}parameter {p.name!r} must be {_a(p.type)}, not {value!r}")
    if p.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise bad
        if p.minimum is not None and not p.minimum <= value <= p.maximum:
            raise QueryError(f"{prefix}parameter {p.name!r} must be between {p.minimum} and {p.maximum}, "
                             f"not {value}")
        return value
    if p.type == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise bad
        return float(value)
    if p.type == "string":
        if not isinstance(value, str):
            raise bad
        return value
    if p.type == "list":
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise bad
        return list(value)
    raise bad  # pragma: no cover - types are checked when the file is read


def _a(ptype: str) -> str:
    return {"int": "an integer", "float": "a number", "string": "a string", "list": "a list of strings"}[ptype]


def parse_cli_value(p: Param, raw: str) -> Any:
    """A ``-p key=value`` value typed by the declared parameter type."""
    if p.type == "int":
        try:
            return int(raw.strip())
        except ValueError:
            raise QueryError(f"parameter {p.name!r} must be an integer, not {raw!r}") from None
    if p.type == "float":
        try:
            return float(raw.strip())
        except ValueError:
            raise QueryError(f"parameter {p.name!r} must be a number, not {raw!r}") from None
    if p.type == "list":
        s = raw.strip()
        if s.startswith("["):
            try:
                value = json.loads(s)
            except json.JSONDecodeError:
                raise QueryError(f"parameter {p.name!r}: {raw!r} is not a JSON list") from None
            return value
        return [v.strip() for v in s.split(",") if v.strip()]
    return raw


def parse_cli_params(query: Query, pairs: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """``["key=value", ...]`` typed by the query's declared parameters."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise QueryError(f"bad parameter {pair!r}: write it as key=value")
        p = query.param(key)
        if p is None:
            raise QueryError(f"query {query.name} has no parameter {key!r}; it takes "
                             f"{', '.join(x.name for x in query.params) or 'none'}")
        out[key] = parse_cli_value(p, raw)
    return out


def bind(query: Query, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every parameter of ``query``: given values checked and typed, defaults filled in."""
    values = dict(values or {})
    unknown = sorted(set(values) - {p.name for p in query.params})
    if unknown:
        raise QueryError(f"query {query.name} has no parameter {unknown[0]!r}; it takes "
                         f"{', '.join(p.name for p in query.params) or 'none'}")
    out: dict[str, Any] = {}
    for p in query.params:
        if p.name in values:
            out[p.name] = _check(p, values[p.name])
        elif p.required:
            raise QueryError(f"query {query.name} needs parameter {p.name!r} ({p.type}): "
                             f"add -p {p.name}=VALUE (or use --example)")
        else:
            out[p.name] = p.default if not isinstance(p.default, list) else list(p.default)
    return out


# -- running ----------------------------------------------------------------------------------
@dataclass
class Result:
    """Rows of one query run: ``columns`` in order, ``rows`` as dicts with those keys."""

    query: str
    params: dict[str, Any]
    columns: list[str]
    rows: list[dict[str, Any]]


def run_query(store: Any, name: str, params: Mapping[str, Any] | None = None, example: bool = False) -> Result:
    """Run canned query ``name`` on ``store`` (any ``GraphStore``: ``store.run_query``) and return its rows.

    ``example``: start from the example parameters of the file's header (``params`` override them).
    """
    query = get_query(name)
    values = dict(query.example) if example else {}
    values.update(params or {})
    bound = bind(query, values)
    rows = store.run_query(query, bound)
    return Result(query.name, bound, list(query.columns), rows)


# -- output -----------------------------------------------------------------------------------
def format_rows(result: Result, fmt: str = "table") -> str:
    """Rows as ``table`` (aligned text), ``json`` (an array of objects) or ``csv``."""
    if fmt == "json":
        return json.dumps(result.rows, ensure_ascii=False, indent=2)
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(result.columns)
        for row in result.rows:
            w.writerow([_csv_cell(row.get(c)) for c in result.columns])
        return buf.getvalue().rstrip("\n")
    if fmt == "table":
        return _table(result)
    raise QueryError(f"unknown format {fmt!r} (table, json or csv)")


def _csv_cell(v: Any) -> Any:
    """A CSV cell; text a spreadsheet would run as a formula is escaped (``kg.export.csv_cell``)."""
    from kg.export import FORMULA_START

    if isinstance(v, (list, dict)):
        v = json.dumps(v, ensure_ascii=False)
    if isinstance(v, str) and v.startswith(FORMULA_START):
        return "'" + v
    return "" if v is None else v


def _cell(v: Any, width: int = 80) -> str:
    """One table cell: long texts cut at ``width``; lists (paths, relation types) shown whole."""
    if v is None:
        s = ""
    elif isinstance(v, list):
        return ", ".join(_cell(x, width) for x in v)
    elif isinstance(v, float):
        s = f"{v:g}"
    else:
        s = " ".join(str(v).split())
    return s if len(s) <= width else s[: width - 1] + "…"


def _table(result: Result) -> str:
    if not result.rows:
        return "(no rows)"
    cols = result.columns
    cells = [[_cell(r.get(c)) for c in cols] for r in result.rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    n = len(result.rows)
    lines.append(f"({n} row{'s' if n != 1 else ''})")
    return "\n".join(lines)


def queries_table() -> str:
    """The README's markdown table of every query: name, question, parameters."""
    lines = ["| query | question | parameters |", "| --- | --- | --- |"]
    for q in list_queries():
        params = ", ".join(f"`{p.describe(ranges=False)}`" for p in q.params) or "none"
        lines.append(f"| `{q.name}` | {q.description.replace('|', '/')} | {params} |")
    return "\n".join(lines)
