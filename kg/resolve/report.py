"""``kg resolve --report``: the merges resolution made and the cases it was unsure of.

Built from the store's resolution votes (``ResolutionState.rows``) and its entity
nodes, so it works the same on both stores. Sections:

* ``acronyms``: every acronym some paper defines, the expansion it merges into, how many
  papers define it and how many use it bare; uncertain when papers define it differently;
* ``types``: every key papers gave different types; uncertain when the runner-up has at
  least ``UNCERTAIN_RATIO`` of the winner's weight;
* ``merged_forms``: entities whose surface forms differ beyond spelling (acronym and
  plural merges), with every form;
* ``counts``: totals.
"""

from __future__ import annotations

from collections import Counter
from itertools import groupby
from typing import TYPE_CHECKING, Any, Iterator

from kg.resolve.core import StoredVote, decide
from kg.resolve.keys import canonical_id
from kg.errors import StoreError
from kg.ids import compact_key
from kg.schema import PAPER_LABEL

if TYPE_CHECKING:
    from kg.store.base import GraphStore

UNCERTAIN_RATIO = 0.5


def _per_key(rows: Iterator[StoredVote]) -> Iterator[tuple[str, dict[tuple[str, str], dict[str, Any]]]]:
    """(key, {(kind, value): {"papers", "weight", "surfaces"}}) from stored votes sorted by key."""
    for key, group in groupby(rows, key=lambda r: r.key):
        agg: dict[tuple[str, str], dict[str, Any]] = {}
        for v in group:
            a = agg.setdefault((v.kind, v.value), {"papers": 0, "weight": 0, "surfaces": Counter()})
            a["papers"] += 1
            a["weight"] += int(v.weight)
            a["surfaces"][v.surface] += 1
        yield key, agg


def _common(c: "Counter[str]") -> str:
    return min(c, key=lambda s: (-c[s], s)) if c else ""


def build_report(store: "GraphStore", limit: int | None = None) -> dict[str, Any]:
    """The report as plain data (``limit`` caps each list; counts are always complete)."""
    acronyms: list[dict[str, Any]] = []
    types: list[dict[str, Any]] = []
    n_keys = 0
    papers: set[str] = set()
    expansion_keys: set[str] = set()
    state = store.resolution_state()
    if state is None:
        raise StoreError(f"the {store.kind or 'given'} store keeps no resolution state to report on")
    rows = iter(state.rows())
    for key, agg in _per_key(rows):
        n_keys += 1
        defs = {v: a for (k, v), a in agg.items() if k == "def"}
        tvotes = {v: a for (k, v), a in agg.items() if k == "type"}
        if defs:
            d = decide([("def", v, a["papers"], a["weight"]) for v, a in defs.items()])
            expansion_keys.update(d.expansions)
            surfaces: Counter[str] = sum((a["surfaces"] for a in defs.values()), Counter())
            acronyms.append({
                "acronym": _common(surfaces),
                "key": key,
                "expansions": [{"key": x, "papers": defs[x]["papers"], "weight": defs[x]["weight"] / 1000}
                               for x in d.expansions],
                "defined_in": sum(a["papers"] for a in defs.values()),
                "used_bare_in": sum(a["papers"] for a in tvotes.values()),
                "uncertain": len(d.expansions) > 1,
            })
        if len(tvotes) > 1:
            d = decide([("type", v, a["papers"], a["weight"]) for v, a in tvotes.items()])
            ranked = sorted(tvotes.items(), key=lambda kv: (kv[0] != d.type, -kv[1]["weight"], kv[0]))
            top, second = ranked[0][1]["weight"], ranked[1][1]["weight"]
            surfaces = sum((a["surfaces"] for a in tvotes.values()), Counter())
            types.append({
                "name": _common(surfaces),
                "key": key,
                "decided": d.type,
                "votes": [{"type": t, "papers": a["papers"], "weight": a["weight"] / 1000} for t, a in ranked],
                "uncertain": second >= UNCERTAIN_RATIO * top,
                "superseded_by_acronym": bool(defs),
            })
    # name the expansions: their decided type gives the id, their most common surface the name
    from kg.resolve.core import id_key
    from kg.resolve.stream import DecisionCache

    cache = DecisionCache(state.votes)
    cache.prefetch(expansion_keys)
    for a in acronyms:
        for x in a["expansions"]:
            dx = cache(x["key"])
            x["id"] = canonical_id(dx.type, id_key(x["key"], dx.type, cache, set())) if dx.type else None
        a["merged_into"] = a["expansions"][0]["id"] if a["expansions"] else None
    names = {}
    merged_forms: list[dict[str, Any]] = []
    n_entities = 0
    for node in store.iter_nodes():
        if node.get("label") == PAPER_LABEL:
            papers.add(node["id"])
            continue
        n_entities += 1
        forms = [node["name"], *node.get("aliases", [])]
        if len({compact_key(f) for f in forms}) > 1:
            merged_forms.append({"id": node["id"], "name": node["name"], "forms": sorted(set(forms)),
                                 "paper_count": node.get("paper_count", 0)})
        names[node["id"]] = node["name"]
    for a in acronyms:
        a["expansion_name"] = names.get(a["merged_into"] or "")
    acronyms.sort(key=lambda a: (not a["uncertain"], -a["defined_in"] - a["used_bare_in"], a["key"]))
    types.sort(key=lambda t: (not t["uncertain"], -sum(v["papers"] for v in t["votes"]), t["key"]))
    merged_forms.sort(key=lambda m: (-m["paper_count"], m["id"]))
    counts = {
        "papers": len(papers),
        "entities": n_entities,
        "keys": n_keys,
        "acronyms": len(acronyms),
        "acronyms_uncertain": sum(a["uncertain"] for a in acronyms),
        "type_conflicts": len(types),
        "type_conflicts_uncertain": sum(t["uncertain"] for t in types),
        "entities_with_merged_forms": len(merged_forms),
        "variant_edges": store.stats().get("entity_relation_types", {}).get("VARIANT_OF", 0),
    }
    def cap(xs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return xs[:limit] if limit is not None else xs

    return {"counts": counts, "acronyms": cap(acronyms), "types": cap(types), "merged_forms": cap(merged_forms)}


def format_report(report: dict[str, Any]) -> str:
    """The report as text for a person."""
    c = report["counts"]
    lines = [
        f"{c['papers']} papers, {c['entities']} entities; {c['acronyms']} acronyms merged into expansions "
        f"({c['acronyms_uncertain']} uncertain), {c['type_conflicts']} names with conflicting types "
        f"({c['type_conflicts_uncertain']} uncertain), {c['entities_with_merged_forms']} entities with merged "
        f"forms, {c['variant_edges']} VARIANT_OF edges.",
    ]
    if report["acronyms"]:
        lines += ["", "Acronyms (uncertain first):"]
        for a in report["acronyms"]:
            best = a["expansions"][0]
            mark = "?" if a["uncertain"] else " "
            line = (f" {mark} {a['acronym']} -> {a['merged_into'] or best['key']}"
                    f" ({a['expansion_name'] or best['key']}): defined in {a['defined_in']}, bare in {a['used_bare_in']}")
            if a["uncertain"]:
                line += "; also " + ", ".join(f"{x['id'] or x['key']} ({x['papers']})" for x in a["expansions"][1:])
            lines.append(line)
    if report["types"]:
        lines += ["", "Conflicting types (uncertain first):"]
        for t in report["types"]:
            mark = "?" if t["uncertain"] else " "
            votes = ", ".join(f"{v['type']} {v['weight']:.2f} in {v['papers']}" for v in t["votes"])
            note = " (an acronym: its expansion's type applies)" if t["superseded_by_acronym"] else ""
            lines.append(f" {mark} {t['name']}: {t['decided']} ({votes}){note}")
    if report["merged_forms"]:
        lines += ["", "Entities with merged forms:"]
        for m in report["merged_forms"]:
            lines.append(f"   {m['id']} ({m['paper_count']} papers): " + " | ".join(m["forms"]))
    return "\n".join(lines)
