"""The output of ``kg extract --dask -o DIR/``: facts parts and their manifest, committed at once.

Workers write their parts into a hidden staging folder ``DIR/.kg-staging-<run>/`` (readers
skip hidden folders). When every part is there, the client commits: the old manifest goes
first, then the parts are moved into ``DIR`` (parts of an earlier, bigger run are removed)
and the new ``DIR/_manifest.json`` is written last, atomically. A run that fails removes its
staging folder and leaves ``DIR`` as it was; a commit cut short leaves parts without a
manifest, which ``kg ingest`` refuses (``kg.loaders.manifest``). On a local file system a lock
file keeps two runs from writing one ``DIR`` at once.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from kg.errors import ClusterError
from kg.loaders.manifest import MANIFEST, PART_RE, PartEntry, manifest_json

LOCK = ".kg-lock"
STAGING = ".kg-staging-"


class FactsDir:
    """``DIR/`` being written by one run (a context manager: aborts on error)."""

    def __init__(self, out: str):
        from fsspec.core import url_to_fs

        self.out = out.rstrip("/") or "/"
        self.fs, self.base = url_to_fs(self.out)
        protocols = (self.fs.protocol,) if isinstance(self.fs.protocol, str) else tuple(self.fs.protocol)
        self.local = "file" in protocols
        self.run = uuid.uuid4().hex[:12]
        self.staging_base = f"{self.base.rstrip('/')}/{STAGING}{self.run}"
        #: what workers write to: a URL (or an absolute path) they can all reach
        self.staging = (os.path.abspath(self.staging_base) if self.local
                        else self.fs.unstrip_protocol(self.staging_base))
        self._lock: int | None = None

    def __enter__(self) -> "FactsDir":
        if self.fs.exists(self.base) and not self.fs.isdir(self.base):
            raise ClusterError(f"{self.out}: not a directory (with --dask, -o names a directory for the facts parts)")
        self.fs.makedirs(self.base, exist_ok=True)
        if self.local:
            self._take_lock()
        self.fs.makedirs(self.staging_base, exist_ok=True)
        return self

    def _take_lock(self) -> None:
        import fcntl

        fd = os.open(os.path.join(self.base, LOCK), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise ClusterError(f"{self.out}: another kg run is writing facts here") from None
        self._lock = fd

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if self.fs.exists(self.staging_base):
                self.fs.rm(self.staging_base, recursive=True)
        finally:
            if self._lock is not None:
                os.close(self._lock)  # releases the lock
                self._lock = None

    def commit(self, parts: list[PartEntry], **info: Any) -> None:
        """Move the staged parts into ``DIR`` and write the manifest (the commit point)."""
        base = self.base.rstrip("/")
        manifest = f"{base}/{MANIFEST}"
        if self.fs.exists(manifest):
            self.fs.rm(manifest)
        keep = {p.file for p in parts}
        for path in self.fs.ls(base, detail=False):
            name = path.rstrip("/").rsplit("/", 1)[-1]
            if PART_RE.match(name) and name not in keep:
                self.fs.rm(path)
        for p in parts:
            self.fs.mv(f"{self.staging_base}/{p.file}", f"{base}/{p.file}")
        tmp = f"{base}/.{MANIFEST}.{self.run}.tmp"
        with self.fs.open(tmp, "w", encoding="utf-8") as fp:
            fp.write(manifest_json(parts, **info))
        self.fs.mv(tmp, manifest)
