#!/usr/bin/env python3
"""How many SciER Synonym-Of pairs does our entity resolution merge?

For each Synonym-Of pair whose two ends have the same type (SciER Method/Task/Dataset),
two papers are made as extraction would give them: one that defines the pair (the longer
form as the entity name, the shorter as its alias, as "long (short)" gives), one that
mentions the shorter form bare. The pair counts as merged when ``resolve_stream`` gives
both mentions one entity id. Pairs that are the same after tokenisation repair are left
out (nothing to merge). Prints the share, overall and by how the merge happened.

Usage: python scripts/scier_synonyms.py [--gold DIR] [--misses N] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.ids import compact_key, entity_id  # noqa: E402
from kg.resolve import resolve_stream  # noqa: E402
from kg.resolve.keys import canonical_key, is_acronym_of  # noqa: E402
from kg.schema import Entity, Evidence, Paper, PaperFacts, Relation  # noqa: E402

TYPES = {"Method": "Method", "Task": "Task", "Dataset": "Dataset"}


def repair(text: str) -> str:
    """Undo SciER tokenisation: "SST - 2" -> "SST-2", "ResNet 5 0" -> "ResNet 50", "I 3 D" -> "I3D",
    "SQuAD 1 . 1" -> "SQuAD 1.1", "AG ' s" -> "AG's", "(IMDb)" -> "IMDb"."""
    t = re.sub(r"\s*-\s*", "-", text.strip())
    t = re.sub(r"(?<=\d) \. (?=\d)", ".", t)
    t = re.sub(r"(?<=\d) (?=\d)", "", t)
    t = re.sub(r"(?<=\b[A-Za-z]) (?=\d)|(?<=\d) (?=[A-Za-z]\b)", "", t)
    if t.startswith("(") and t.endswith(")"):
        t = t[1:-1]
    t = re.sub(r"\s*'\s*s\b", "'s", t)
    t = re.sub(r"\(\s*", "(", t)
    t = re.sub(r"\s*\)", ")", t)
    return " ".join(t.split())


def pairs(gold: Path) -> list[tuple[str, str, str]]:
    """Unique (type, a, b) Synonym-Of pairs of the LLM files, same type on both ends."""
    out: set[tuple[str, str, str]] = set()
    for path in sorted((gold / "LLM").glob("*.jsonl")):
        with path.open(encoding="utf-8") as fp:
            for line in fp:
                d = json.loads(line)
                for head, rel, tail in d.get("rel_plus", []):
                    if rel != "Synonym-Of":
                        continue
                    a, ta = head.rsplit(":", 1)
                    b, tb = tail.rsplit(":", 1)
                    if ta != tb or ta not in TYPES:
                        continue
                    a, b = repair(a), repair(b)
                    if compact_key(a) == compact_key(b) or not compact_key(a) or not compact_key(b):
                        continue
                    x, y = sorted((a, b), key=lambda s: (compact_key(s), s))
                    out.add((TYPES[ta], x, y))
    return sorted(out)


def _paper(pid: str, etype: str, name: str, aliases: tuple[str, ...]) -> PaperFacts:
    text = f"{name} ({aliases[0]})" if aliases else name
    p = Paper(id=pid, title=text)
    e = Entity(entity_id(etype, name), name, etype, aliases)
    return PaperFacts(p, (e,), (Relation("USES", pid, e.id, 0.9, Evidence("title", 0, len(name), text), "scier"),))


def merged(etype: str, a: str, b: str) -> tuple[bool, str]:
    """Does resolution give ``a`` and ``b`` one id (and how)?"""
    long, short = (a, b) if len(a) >= len(b) else (b, a)
    out = list(resolve_stream([_paper("def", etype, long, (short,)), _paper("bare", etype, short, ())]))
    ids = {f.paper.id: f.entities[0].id for f in out}
    same = ids["def"] == ids["bare"]
    if not same:
        return False, "not merged"
    if canonical_key(a) == canonical_key(b):
        return True, "spelling or plural"
    if is_acronym_of(short, long):
        return True, "acronym definition"
    return True, "other"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=ROOT.parent / "shared" / "gold" / "scier")
    ap.add_argument("--misses", type=int, default=0, help="print this many pairs that were not merged")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not (args.gold / "LLM").is_dir():
        print(f"Error: {args.gold}/LLM not found (the SciER gold folder)", file=sys.stderr)
        return 1
    ps = pairs(args.gold)
    how: Counter[str] = Counter()
    by_type: dict[str, Counter[str]] = {}
    misses = []
    for etype, a, b in ps:
        ok, kind = merged(etype, a, b)
        how[kind] += 1
        by_type.setdefault(etype, Counter())["merged" if ok else "missed"] += 1
        if not ok:
            misses.append((etype, a, b))
    n = len(ps)
    n_merged = n - how["not merged"]
    result = {
        "pairs": n,
        "merged": n_merged,
        "share": round(n_merged / n, 4) if n else 0.0,
        "by_kind": dict(sorted(how.items())),
        "by_type": {t: dict(c) for t, c in sorted(by_type.items())},
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"SciER Synonym-Of pairs (same type, distinct after tokenisation repair): {n}")
        print(f"merged by kg resolution: {n_merged} = {100 * result['share']:.1f}%")
        for kind, c in sorted(how.items()):
            print(f"  {kind}: {c}")
        for t, c in sorted(by_type.items()):
            tot = c["merged"] + c["missed"]
            print(f"  {t}: {c['merged']}/{tot} = {100 * c['merged'] / tot:.1f}%")
    for etype, a, b in misses[: args.misses]:
        print(f"  missed {etype}: {a!r} / {b!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
