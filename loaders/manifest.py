"""A facts directory written in parts (``kg extract --dask -o DIR/``): ``DIR/part-00000.jsonl.gz`` …
and ``DIR/_manifest.json``, which lists the parts with their paper counts and sizes.

The manifest is the commit point: it is written last, atomically, so a directory whose
manifest lists parts is complete. Reading such a directory (or the manifest itself) reads
exactly the parts it lists, in order; a listed part that is missing or has another size
(an incomplete copy) stops the run with one line naming it. Part files with no manifest
beside them are the leftovers of an unfinished run and are refused the same way.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, NamedTuple

from kg.errors import BadInput

MANIFEST = "_manifest.json"
KIND = "kg-facts-parts"
VERSION = 1
#: the name of the i-th part
PART_NAME = "part-{:05d}.jsonl.gz"
PART_RE = re.compile(r"^part-\d{5}\.jsonl\.gz$")


class PartEntry(NamedTuple):
    """One part as the manifest lists it."""

    file: str
    papers: int
    bytes: int
    sha256: str


def part_name(index: int) -> str:
    return PART_NAME.format(index)


def is_manifest(name: str) -> bool:
    return name.rsplit("/", 1)[-1] == MANIFEST


def manifest_json(parts: list[PartEntry], **info: Any) -> str:
    """The manifest's text: kind, version, totals, ``info`` (inputs, knowledge hash, ...), the parts."""
    doc = {"kind": KIND, "version": VERSION, "papers": sum(p.papers for p in parts), **info,
           "parts": [p._asdict() for p in parts]}
    return json.dumps(doc, indent=1, sort_keys=False) + "\n"


def parse_manifest(text: bytes | str, name: str) -> list[PartEntry] | None:
    """The parts a manifest lists, or None when the file is not a kg facts manifest."""
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        return None
    if doc.get("version") != VERSION:
        raise BadInput(f"{name}: facts manifest version {doc.get('version')!r}; this kg reads version {VERSION}")
    try:
        parts = [PartEntry(str(p["file"]), int(p["papers"]), int(p["bytes"]), str(p.get("sha256", "")))
                 for p in doc["parts"]]
    except (KeyError, TypeError, ValueError):
        raise BadInput(f"{name}: a broken facts manifest (its 'parts' list)") from None
    for p in parts:
        if not PART_RE.match(p.file):
            raise BadInput(f"{name}: a broken facts manifest (part name {p.file!r})")
    return parts


def listed_parts(directory: str, manifest_text: bytes, size_of: Callable[[str], int | None],
                 join: Callable[[str, str], str]) -> list[str] | None:
    """The paths of the parts ``directory``'s manifest lists, checked; None when the manifest is
    not ours. ``size_of(path)`` is a file's size or None when it does not exist."""
    mname = join(directory, MANIFEST)
    parts = parse_manifest(manifest_text, mname)
    if parts is None:
        return None
    out = []
    for p in parts:
        path = join(directory, p.file)
        size = size_of(path)
        if size is None:
            raise BadInput(f"{path}: listed in {mname} but missing (an incomplete copy of the directory?)")
        if size != p.bytes:
            raise BadInput(f"{path}: {size} bytes, but {mname} says {p.bytes} (an incomplete copy?)")
        out.append(path)
    return out


def unfinished(directory: str, names: list[str]) -> None:
    """Part files with no manifest: refuse them (an unfinished or interrupted run)."""
    if any(PART_RE.match(n) for n in names):
        raise BadInput(f"{directory}: facts parts without {MANIFEST} (an unfinished `kg extract --dask` run?); "
                       "run it again")
