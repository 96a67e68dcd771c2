"""Loader speed and memory, per format, against a plain-reading baseline in the same run.

    python benchmarks/bench_loaders.py [--papers 50000] [--work DIR] [--formats jsonl,arxiv-atom,...]

For each format it writes N synthetic papers (title, ~700-character abstract, year, an
arXiv id) in that format to WORK, then runs two child processes over the file and
measures each one's wall time and peak RSS:

* ``baseline``: read the file's bytes line by line and decode them as UTF-8 (what any
  reader must at least do);
* ``loaders``: ``loaders.iter_records([FILE])``, every record.

Prints a markdown table: papers/s, MB/s, time ratio and peak-RSS ratio against the
baseline. The loaders stream, so their peak RSS should not depend on N (try two sizes).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterator

ABSTRACT = (
    "We propose a simple method that improves the pre-training of large language models. "
    "Experiments on GLUE and SuperGLUE show gains over BERT and RoBERTa baselines, "
    "with fewer parameters and less compute. "
) * 3


def _paper(i: int) -> dict:
    return {"title": f"Paper number {i}: a study of things", "abstract": ABSTRACT, "year": 2000 + i % 25,
            "arxiv": f"{21 + i % 4}{1 + i % 12:02d}.{i % 100000:05d}"}


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;")


def jsonl(n: int) -> Iterator[str]:
    for i in range(n):
        p = _paper(i)
        yield json.dumps({"id": f"arXiv:{p['arxiv']}", "title": p["title"], "abstract": p["abstract"], "year": p["year"]}) + "\n"


def json_array(n: int) -> Iterator[str]:
    yield "[\n"
    for i in range(n):
        yield json.dumps(_paper(i), indent=2) + (",\n" if i < n - 1 else "\n")
    yield "]\n"


def s2(n: int) -> Iterator[str]:
    yield '{"total": %d, "offset": 0, "data": [\n' % n
    for i in range(n):
        p = _paper(i)
        d = {"paperId": f"{i:040x}", "externalIds": {"ArXiv": p["arxiv"]}, "title": p["title"],
             "abstract": p["abstract"], "year": p["year"], "authors": [{"authorId": "1", "name": "A. Author"}]}
        yield json.dumps(d) + (",\n" if i < n - 1 else "\n")
    yield "]}\n"


def csv_rows(n: int) -> Iterator[str]:
    yield "title,abstract,year,arxiv_id\n"
    for i in range(n):
        p = _paper(i)
        yield f'"{p["title"]}","{p["abstract"]}",{p["year"]},{p["arxiv"]}\n'


def atom(n: int) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
    for i in range(n):
        p = _paper(i)
        yield (f"<entry>\n<id>http://arxiv.org/abs/{p['arxiv']}v1</id>\n<published>{p['year']}-01-01T00:00:00Z</published>\n"
               f"<title>{_esc(p['title'])}</title>\n<summary>{_esc(p['abstract'])}</summary>\n"
               "<author><name>A. Author</name></author>\n</entry>\n")
    yield "</feed>\n"


def bibtex(n: int) -> Iterator[str]:
    for i in range(n):
        p = _paper(i)
        yield (f"@article{{k{i},\n  title = {{{p['title']}}},\n  author = {{Author, A. and Other, B.}},\n"
               f"  year = {p['year']},\n  eprint = {{{p['arxiv']}}},\n  archivePrefix = {{arXiv}},\n"
               f"  abstract = {{{p['abstract']}}}\n}}\n\n")


def hf(n: int) -> Iterator[str]:
    yield "Get trending papers in your email inbox once a day!\nGet trending papers in your email inbox!\nSubscribe"
    for i in range(n):
        p = _paper(i)
        yield f"{p['title']}\n{p['abstract']}\n"


FORMATS: dict[str, tuple[str, Callable[[int], Iterator[str]]]] = {
    "jsonl": ("papers.jsonl", jsonl),
    "json": ("papers.json", json_array),
    "s2": ("s2.json", s2),
    "csv": ("papers.csv", csv_rows),
    "arxiv-atom": ("feed.xml", atom),
    "bibtex": ("papers.bib", bibtex),
    "hf-papers": ("papers.txt", hf),
}

_CHILD = {
    "baseline": (
        "import sys\nn = 0\nwith open(sys.argv[1], 'rb') as f:\n"
        "    for line in f:\n        line.decode('utf-8'); n += 1\nprint(n)"
    ),
    "loaders": "import sys\nfrom kg import loaders\nprint(sum(1 for _ in loaders.iter_records([sys.argv[1]])))",
}


def _measure(kind: str, path: Path) -> tuple[float, int, str]:
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "out = subprocess.run([sys.executable, '-c', sys.argv[1], sys.argv[2]], capture_output=True, text=True, check=True).stdout\n"
        "wall = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024\n"
        "print(wall, rss, out.strip())\n"
    )
    res = subprocess.run([sys.executable, "-c", code, _CHILD[kind], str(path)], capture_output=True, text=True, check=True)
    wall, rss, out = res.stdout.split()
    return float(wall), int(rss), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--papers", type=int, default=50_000)
    ap.add_argument("--work", default=None)
    ap.add_argument("--formats", default=",".join(FORMATS))
    args = ap.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="kg-bench-loaders-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for fmt in args.formats.split(","):
        name, make = FORMATS[fmt]
        path = work / f"{args.papers}-{name}"
        if not path.exists():
            with open(path, "w", encoding="utf-8") as fh:
                fh.writelines(make(args.papers))
        size = path.stat().st_size
        b_wall, b_rss, _ = _measure("baseline", path)
        l_wall, l_rss, count = _measure("loaders", path)
        if int(count) != args.papers:
            raise SystemExit(f"{fmt}: read {count} papers, expected {args.papers}")
        rows.append((fmt, size, b_wall, b_rss, l_wall, l_rss))
    print(f"{args.papers} papers per format (work folder {work})\n")
    print("| format | MB | baseline s | loaders s | papers/s | MB/s | time ratio | baseline RSS MB | loaders RSS MB | RSS ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for fmt, size, b_wall, b_rss, l_wall, l_rss in rows:
        print(f"| {fmt} | {size / 1e6:.1f} | {b_wall:.2f} | {l_wall:.2f} | {args.papers / l_wall:,.0f} | "
              f"{size / 1e6 / l_wall:.1f} | {l_wall / b_wall:.1f} | {b_rss / 2**20:.0f} | {l_rss / 2**20:.0f} | "
              f"{l_rss / b_rss:.2f} |")


if __name__ == "__main__":
    main()
