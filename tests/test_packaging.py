"""One import package, kg: the folders loaders/, viz/ and cypher/ are installed inside it
(kg.loaders, kg.viz, kg.cypher), so nothing of kg can collide with another project's
top-level ``loaders``, ``viz`` or ``cypher``."""

from __future__ import annotations

import ast
import fnmatch
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PLAIN = ("loaders", "viz", "cypher")
#: files that still import a plain name, with why: each entry must still be needed (remove it when fixed)
ALLOWED: set[str] = set()
#: code in strings (child processes) importing a plain name
_CODE = re.compile(r"(?:^|[;\n]\s*)(?:import\s+(?:[\w.]+\s*,\s*)*|from\s+)(loaders|viz|cypher)\b")


def plain_imports(path: Path) -> list[str]:
    """``LINE: what`` for each import of a plain ``loaders``/``viz``/``cypher`` in a Python file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            fn = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if fn in ("__import__", "import_module", "importorskip", "files", "find_spec"):
                names = [node.args[0].value]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _CODE.search(node.value):
            names = [_CODE.search(node.value).group(1)]
        out += [f"{node.lineno}: {n}" for n in names if n.split(".")[0] in PLAIN]
    return out


def python_files() -> list[Path]:
    files = [p for top in ("kg", "tests", "benchmarks", "scripts", "loaders", "viz", "cypher")
             for p in (ROOT / top).rglob("*.py")]
    files += [p for p in (ROOT / "scripts").iterdir()
              if p.is_file() and p.read_bytes().startswith(b"#!/usr/bin/env python")]
    return sorted(set(files) - {Path(__file__).resolve()})  # this file's examples are on purpose


def test_nothing_imports_a_plain_package():
    found = {str(p.relative_to(ROOT)): plain_imports(p) for p in python_files()}
    offences = {f: lines for f, lines in found.items() if lines and f not in ALLOWED}
    assert not offences, f"import kg.loaders, kg.viz, kg.cypher instead: {offences}"
    stale = sorted(f for f in ALLOWED if not found.get(f))
    assert not stale, f"remove from ALLOWED (fixed): {stale}"


def test_the_check_finds_plain_imports(tmp_path):
    f = tmp_path / "x.py"
    f.write_text("import loaders\nfrom viz.render import x\nimport kg.cypher\nfrom kg import loaders\n"
                 "files('cypher')\nCODE = 'import sys, loaders; loaders.iter_records()'\n", encoding="utf-8")
    assert plain_imports(f) == ["1: loaders", "2: viz.render", "5: cypher", "6: loaders"]


def test_only_kg_is_importable_outside_the_repository(tmp_path):
    """A fresh interpreter started elsewhere (the repository not on sys.path) finds kg.loaders,
    kg.viz and kg.cypher, and no top-level loaders, viz or cypher."""
    code = ("import importlib.util as u, kg.loaders, kg.viz, kg.cypher, kg.queries;"
            "print([n for n in ('loaders', 'viz', 'cypher') if u.find_spec(n)]);"
            "print(kg.loaders.__path__[0], kg.viz.__path__[0], kg.cypher.__path__[0], sep='\\n')")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "[]"
    assert [Path(p).resolve() for p in lines[1:]] == [ROOT / "loaders", ROOT / "viz", ROOT / "cypher"]


def _setuptools() -> dict:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_folder_and_data_file_is_installed():
    """pyproject.toml lists the packages (a folder installed under another name cannot be
    found by setuptools): every folder with an ``__init__.py`` is listed, and every other file
    in them is package data."""
    cfg = _setuptools()
    mapped = cfg["package-dir"]
    assert sorted(mapped) == ["kg.cypher", "kg.loaders", "kg.viz"] and mapped["kg.cypher"] == "cypher"

    def folder(pkg: str) -> Path:
        for name, where in mapped.items():
            if pkg == name or pkg.startswith(name + "."):
                return ROOT / where / pkg[len(name) + 1:].replace(".", "/")
        return ROOT / pkg.replace(".", "/")

    listed = set(cfg["packages"])
    on_disk = set()
    for name, top in [("kg", ROOT / "kg"), *[(n, ROOT / w) for n, w in mapped.items()]]:
        for init in top.rglob("__init__.py"):
            rel = init.parent.relative_to(top)
            on_disk.add(".".join([name, *rel.parts]))
    # a folder of data alone inside a package is listed too (setuptools warns of one that is not)
    for pkg in sorted(on_disk):
        for sub in folder(pkg).iterdir():
            if sub.is_dir() and sub.name != "__pycache__" and not (sub / "__init__.py").exists() \
                    and any(f.is_file() for f in sub.iterdir()):
                on_disk.add(f"{pkg}.{sub.name}")
    assert listed == on_disk
    assert all(folder(p).is_dir() for p in listed)

    data = cfg["package-data"]
    unshipped = []
    for pkg in sorted(listed):
        for f in folder(pkg).rglob("*"):
            if not f.is_file() or f.suffix in (".py", ".pyc") or "__pycache__" in f.parts:
                continue
            owner = max((p for p in listed if f.is_relative_to(folder(p))), key=len)
            if owner != pkg:
                continue
            # data of a package or of an enclosing one, patterns relative to its folder
            ok = any(_matches(f.relative_to(folder(p)).as_posix(), pat)
                     for p in listed if f.is_relative_to(folder(p)) for pat in data.get(p, []))
            if not ok:
                unshipped.append(str(f.relative_to(ROOT)))
    assert not unshipped, f"add to [tool.setuptools.package-data]: {unshipped}"


def _matches(rel: str, pattern: str) -> bool:
    """Does ``rel`` match a package-data glob (``*`` within one folder)?"""
    a, b = rel.split("/"), pattern.split("/")
    return len(a) == len(b) and all(fnmatch.fnmatchcase(x, y) for x, y in zip(a, b))
