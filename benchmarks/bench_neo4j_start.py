"""A cold first start of ``scripts/neo4j-local``: the locked jars fetched in parallel, against
Maven resolving the same version ranges with an empty local repository (the old way), in the
same run.

Each start uses a throwaway server home, an empty jar folder and an empty ``~/.m2`` (a
temporary HOME), on free ports; the server is stopped and everything deleted afterwards.

    python benchmarks/bench_neo4j_start.py            # the lock only (about half a minute)
    python benchmarks/bench_neo4j_start.py --maven    # and the Maven baseline (several minutes)

Prints wall seconds of `scripts/neo4j-local start` (download, configuration, start until Bolt
answers) and, with --maven, the ratio lock / Maven. Downloads about 150 MB per start.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / "scripts" / "neo4j-local"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cold_start(no_lock: bool) -> float:
    with tempfile.TemporaryDirectory(prefix="kg-cold-") as d:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KG_NEO4J_")}
        env.update(HOME=str(Path(d) / "home"), KG_NEO4J_HOME=str(Path(d) / "neo4j"),
                   KG_NEO4J_BOLT_PORT=str(free_port()), KG_NEO4J_HTTP_PORT=str(free_port()),
                   KG_NEO4J_HEAP="512m", KG_NEO4J_PAGECACHE="256m", NEO4J_PASSWORD="bench-cold-start")
        if no_lock:
            env["KG_NEO4J_NO_LOCK"] = "1"
        env["MAVEN_OPTS"] = (env.get("MAVEN_OPTS", "") + f" -Dmaven.repo.local={Path(d) / 'home' / '.m2' / 'repository'}").strip()
        (Path(d) / "home").mkdir()
        t0 = time.monotonic()
        res = subprocess.run([sys.executable, str(LOCAL), "start"], env=env, capture_output=True, text=True)
        took = time.monotonic() - t0
        subprocess.run([sys.executable, str(LOCAL), "stop"], env=env, capture_output=True, text=True)
        if res.returncode != 0:
            raise SystemExit(f"start failed ({'maven' if no_lock else 'lock'}): {res.stderr[-2000:]}")
        shutil.rmtree(d, ignore_errors=True)
        return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--maven", action="store_true", help="also time Maven with an empty local repository")
    args = ap.parse_args()
    lock = cold_start(no_lock=False)
    print(f"cold start, locked jars fetched in parallel: {lock:.1f} s")
    if args.maven:
        maven = cold_start(no_lock=True)
        print(f"cold start, Maven with an empty local repository: {maven:.1f} s")
        print(f"ratio lock / Maven: {lock / maven:.3f}x")


if __name__ == "__main__":
    main()
