"""Graph writers: node-link JSON (networkx), GraphML (Gephi, Cytoscape) and CSV.

Each writer takes iterables of node and edge dicts (the ``GraphStore`` shape) and
streams them: nothing holds the whole graph in memory. GraphML and CSV must declare
their attributes/columns before the first row, so they spool the rows to a temporary
file while collecting the schema, then write header + rows. A path target is written
atomically (temporary file in the same directory, then ``os.replace``).
"""

from __future__ import annotations

import csv
import json
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator, Mapping

from kg.errors import KGError

#: joins list values in GraphML and CSV (no nested values there)
LIST_SEPARATOR = "|"
#: leading columns of nodes.csv / edges.csv; other properties follow, sorted
NODE_LEAD = ("id", "label", "name", "type", "title")
EDGE_LEAD = ("source", "target", "type", "confidence")

Target = str | os.PathLike | IO[str]

# XML 1.0 forbids most control characters and the non-characters U+FFFE/U+FFFF, and
# lone surrogates cannot be encoded: they are dropped.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_GRAPHML_TYPES = ("boolean", "int", "long", "double", "string")
_INT32 = 2**31 - 1


# -- pure helpers ------------------------------------------------------------------------

def scalar(value: Any) -> Any:
    """One flat value: lists/tuples/sets joined with ``|``; bool, int, float and str kept."""
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return LIST_SEPARATOR.join("" if v is None else str(scalar(v)) for v in items)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def flatten_props(props: Mapping[str, Any], prefix: str = "", keep_none: bool = False) -> dict[str, Any]:
    """Flat properties: nested dicts become ``parent.child`` keys, lists are joined, None dropped
    (kept with ``keep_none``)."""
    flat: dict[str, Any] = {}
    for key, value in props.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_props(value, prefix=f"{name}.", keep_none=keep_none))
        elif value is not None or keep_none:
            flat[name] = scalar(value)
    return flat


def flatten_row(props: Mapping[str, Any]) -> dict[str, Any]:
    """A CSV row: flat, missing values kept (as None) so their column exists."""
    return flatten_props(props, keep_none=True)


def graphml_type(value: Any) -> str:
    """The GraphML ``attr.type`` of one flat value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int" if -_INT32 - 1 <= value <= _INT32 else "long"
    if isinstance(value, float):
        return "double"
    return "string"


def merge_graphml_type(old: str | None, new: str) -> str:
    """The narrowest type that holds both (``int`` + ``double`` = ``double``, else ``string``)."""
    if old is None or old == new:
        return new
    numeric = ("int", "long", "double")
    if old in numeric and new in numeric:
        return max(old, new, key=numeric.index)
    return "string"


def xml_text(value: Any) -> str:
    """Text safe inside an XML element or a double-quoted attribute (invalid characters dropped)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)
        return {"nan": "NaN", "inf": "INF", "-inf": "-INF"}.get(text, text)
    text = _XML_INVALID.sub("", str(value))
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#9;"))


#: a text cell starting with one of these is a formula to a spreadsheet (CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """One CSV cell (``true``/``false`` for booleans, empty for missing). Text that a
    spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return
    first) gets a leading ``'``, as OWASP recommends; numbers are written as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return str(value)


def ordered_columns(seen: Iterable[str], lead: Iterable[str]) -> list[str]:
    """The lead columns that occur, in their order, then the others sorted."""
    seen = set(seen)
    first = [c for c in lead if c in seen]
    return first + sorted(seen - set(first))


# -- atomic output ------------------------------------------------------------------------

@contextmanager
def atomic_text(path: str | os.PathLike, newline: str | None = None) -> Iterator[IO[str]]:
    """A text file that replaces ``path`` when the block ends without error (``kg.atomic``:
    nothing left behind on failure or interruption, the umask's permissions, a full disk named)."""
    import io

    from kg.atomic import atomic_file

    with atomic_file(path) as raw:
        fp = io.TextIOWrapper(raw, encoding="utf-8", newline=newline)
        try:
            yield fp
            fp.flush()
        finally:
            fp.detach()  # the raw file is atomic_file's to close


@contextmanager
def _target(target: Target, newline: str | None = None) -> Iterator[IO[str]]:
    if hasattr(target, "write"):
        yield target  # type: ignore[misc]
    else:
        with atomic_text(target, newline=newline) as fp:
            yield fp


# -- JSON -----------------------------------------------------------------------------------

def write_json(nodes: Iterable[Mapping[str, Any]], edges: Iterable[Mapping[str, Any]], fp: Target) -> tuple[int, int]:
    """networkx node-link JSON (``edges="links"``) of a directed multigraph.

    ``networkx.node_link_graph(data, edges="links")`` reads it back; each link's ``key`` is
    its relation type (unique per source/target pair in the store). Returns (nodes, edges).
    """
    n_nodes = n_edges = 0
    with _target(fp) as out:
        out.write('{"directed": true, "multigraph": true, "graph": {}, "nodes": [')
        for node in nodes:
            out.write(",\n" if n_nodes else "\n")
            out.write(json.dumps(dict(node), ensure_ascii=False, sort_keys=True))
            n_nodes += 1
        out.write('\n], "links": [')
        for edge in edges:
            link = dict(edge)
            link.setdefault("key", link.get("type"))
            out.write(",\n" if n_edges else "\n")
            out.write(json.dumps(link, ensure_ascii=False, sort_keys=True))
            n_edges += 1
        out.write("\n]}\n")
    return n_nodes, n_edges


# -- GraphML --------------------------------------------------------------------------------

def node_graphml_props(node: Mapping[str, Any]) -> dict[str, Any]:
    """A node's GraphML attributes: ``label`` is the display name (what Gephi shows), the
    store label (Paper, Model, ...) becomes ``kind``; everything flat."""
    props = {k: v for k, v in node.items() if k not in ("id", "label")}
    flat = flatten_props(props)
    flat["kind"] = node.get("label")
    flat["label"] = node.get("name") or node.get("title") or node.get("id")
    return {k: v for k, v in flat.items() if v is not None}


def edge_graphml_props(edge: Mapping[str, Any]) -> dict[str, Any]:
    """An edge's GraphML attributes: flat properties plus ``label`` = relation type."""
    flat = flatten_props({k: v for k, v in edge.items() if k not in ("source", "target")})
    flat["label"] = edge.get("type")
    return {k: v for k, v in flat.items() if v is not None}


class _Keys:
    """GraphML keys of one domain (node or edge): id per attribute name, merged type."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.ids: dict[str, str] = {}
        self.types: dict[str, str] = {}

    def key(self, name: str, value: Any) -> str:
        if name not in self.ids:
            self.ids[name] = f"{self.prefix}{len(self.ids)}"
        self.types[name] = merge_graphml_type(self.types.get(name), graphml_type(value))
        return self.ids[name]

    def declarations(self, domain: str) -> Iterator[str]:
        for name, key_id in self.ids.items():
            yield (f'  <key id="{key_id}" for="{domain}" attr.name="{xml_text(name)}" '
                   f'attr.type="{self.types[name]}"/>\n')


def _data_lines(props: Mapping[str, Any], keys: _Keys) -> Iterator[str]:
    for name in sorted(props):
        value = props[name]
        yield f'    <data key="{keys.key(name, value)}">{xml_text(value)}</data>\n'


def write_graphml(nodes: Iterable[Mapping[str, Any]], edges: Iterable[Mapping[str, Any]], fp: Target) -> tuple[int, int]:
    """GraphML with typed ``<key>`` declarations; lists joined with ``|``. Returns (nodes, edges)."""
    node_keys, edge_keys = _Keys("n"), _Keys("e")
    n_nodes = n_edges = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8") as body:
        for node in nodes:
            body.write(f'  <node id="{xml_text(node["id"])}">\n')
            body.writelines(_data_lines(node_graphml_props(node), node_keys))
            body.write("  </node>\n")
            n_nodes += 1
        for edge in edges:
            body.write(f'  <edge id="{xml_text(_edge_id(edge))}" source="{xml_text(edge["source"])}" '
                       f'target="{xml_text(edge["target"])}">\n')
            body.writelines(_data_lines(edge_graphml_props(edge), edge_keys))
            body.write("  </edge>\n")
            n_edges += 1
        body.seek(0)
        with _target(fp) as out:
            out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                      '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                      'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                      'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
            out.writelines(node_keys.declarations("node"))
            out.writelines(edge_keys.declarations("edge"))
            out.write('  <graph id="kg" edgedefault="directed">\n')
            while chunk := body.read(1 << 16):
                out.write(chunk)
            out.write("  </graph>\n</graphml>\n")
    return n_nodes, n_edges


def _edge_id(edge: Mapping[str, Any]) -> str:
    return f'{edge["source"]}|{edge["type"]}|{edge["target"]}'


# -- CSV --------------------------------------------------------------------------------------

def _spool_rows(rows: Iterable[Mapping[str, Any]], flatten, spool: IO[str]) -> tuple[set[str], int]:
    columns: set[str] = set()
    count = 0
    for row in rows:
        flat = flatten(row)
        columns.update(flat)
        spool.write(json.dumps(flat, ensure_ascii=False))
        spool.write("\n")
        count += 1
    return columns, count


def _write_csv_file(path: Path, spool: IO[str], columns: list[str]) -> None:
    spool.seek(0)
    with atomic_text(path, newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for line in spool:
            row = json.loads(line)
            writer.writerow([csv_cell(row.get(c)) for c in columns])


def write_csv(nodes: Iterable[Mapping[str, Any]], edges: Iterable[Mapping[str, Any]],
              out_dir: str | os.PathLike) -> tuple[int, int]:
    """``nodes.csv`` and ``edges.csv`` (with headers) in ``out_dir``. Returns (nodes, edges)."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KGError(f"cannot create the directory {out}: {exc.strerror or exc}") from None
    with tempfile.TemporaryFile("w+", encoding="utf-8") as node_spool:
        columns, n_nodes = _spool_rows(nodes, flatten_row, node_spool)
        columns |= {"id", "label"}
        _write_csv_file(out / "nodes.csv", node_spool, ordered_columns(columns, NODE_LEAD))
    with tempfile.TemporaryFile("w+", encoding="utf-8") as edge_spool:
        columns, n_edges = _spool_rows(edges, flatten_row, edge_spool)
        columns |= {"source", "target", "type"}
        _write_csv_file(out / "edges.csv", edge_spool, ordered_columns(columns, EDGE_LEAD))
    return n_nodes, n_edges


#: each writer takes (nodes, edges, target); csv wants a directory (a path), the others a file or path
WRITERS: dict[str, Callable[[Iterable[Mapping[str, Any]], Iterable[Mapping[str, Any]], Any], tuple[int, int]]] = {
    "json": write_json, "graphml": write_graphml, "csv": write_csv}


def write_graph(fmt: str, nodes: Iterable[Mapping[str, Any]], edges: Iterable[Mapping[str, Any]],
                target: Target) -> tuple[int, int]:
    """Write with the writer for ``fmt`` (json, graphml or csv; csv wants a directory)."""
    try:
        writer = WRITERS[fmt]
    except KeyError:
        raise ValueError(f"unknown export format {fmt!r} (json, graphml, csv)") from None
    return writer(nodes, edges, target)


__all__ = [
    "write_json", "write_graphml", "write_csv", "write_graph", "flatten_props", "scalar",
    "graphml_type", "merge_graphml_type", "xml_text", "atomic_text", "LIST_SEPARATOR", "WRITERS",
]
