"""Atomic output files: the new content replaces the old only when it is complete.

``atomic_file(path)`` yields a binary file; when the block ends without error the file is
flushed, synced and renamed over ``path``; on any error (and on SIGTERM or Ctrl-C, which
``kg.signals`` turns into exceptions) it is removed. On Linux the content is written to an
unnamed ``O_TMPFILE`` inode, linked into the directory only at the end, so even a process
killed with SIGKILL leaves nothing behind; elsewhere a ``.NAME.*.tmp`` file beside ``path``.

A path that is a device, a pipe or a socket (``/dev/null``, ``/dev/stdout``, a FIFO) is
written into, never replaced; a symbolic link is followed (the link stays).

The new file gets the permissions of the file it replaces, or those the umask gives a new
file (as any other program's output would). A full disk or another ``OSError`` is an
``OutputError`` naming the file and the cause.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from kg.errors import OutputError


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def output_error(path: str | os.PathLike[str], exc: OSError) -> OutputError:
    """``exc`` while writing ``path``, as one line naming both."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(f"disk full while writing {path}")
    if exc.errno == errno.EFBIG:
        return OutputError(f"cannot write {path}: the file grew larger than this system allows")
    return OutputError(f"cannot write {path}: {exc.strerror or exc}")


def _open_unnamed(directory: str) -> int | None:
    """An ``O_TMPFILE`` descriptor in ``directory`` (mode from the umask), or None where the
    system or file system has none."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(directory, flag | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
            return None
        raise


@contextmanager
def atomic_file(path: str | os.PathLike[str], parents: bool = False) -> Iterator[BinaryIO]:
    """A binary file that replaces ``path`` when the block ends without error (see the module);
    ``parents``: create missing parent directories."""
    target = Path(path)
    if target.is_symlink():  # write where the link points, and keep the link
        target = Path(os.path.realpath(target))
    if target.is_dir():
        raise OutputError(f"cannot write {target}: it is a directory")
    if target.exists() and not target.is_file():
        # a device, a pipe, a socket (/dev/null, /dev/stdout, a FIFO): written into, never replaced
        try:
            with open(target, "wb") as fh:
                yield fh
        except OSError as exc:
            raise output_error(path, exc) from None
        return
    directory = str(target.parent) if str(target.parent) else "."
    try:
        if parents:
            os.makedirs(directory, exist_ok=True)
        mode = stat.S_IMODE(os.stat(target).st_mode) if target.exists() else 0o666 & ~umask()
        fd = _open_unnamed(directory)
        named: str | None = None
        if fd is None:
            fd, named = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise output_error(target, exc) from None
    link: str | None = None
    try:
        with os.fdopen(fd, "wb") as fh:
            try:
                yield fh
                fh.flush()
                os.fchmod(fh.fileno(), mode)
                os.fsync(fh.fileno())
                if named is None:  # give the unnamed inode a name, then move it into place
                    link = os.path.join(directory, f".{target.name}.{secrets.token_hex(6)}.tmp")
                    dir_fd = os.open(directory, os.O_RDONLY)
                    try:  # a dir_fd makes os.link call linkat(AT_SYMLINK_FOLLOW) on the /proc link
                        os.link(f"/proc/self/fd/{fh.fileno()}", os.path.basename(link), dst_dir_fd=dir_fd,
                                follow_symlinks=True)
                    finally:
                        os.close(dir_fd)
                    os.replace(link, target)
                    link = None
            except OSError as exc:
                raise output_error(target, exc) from None
        if named is not None:
            try:
                os.replace(named, target)
            except OSError as exc:
                raise output_error(target, exc) from None
            named = None
    finally:
        for leftover in (named, link):
            if leftover is not None:
                try:
                    os.unlink(leftover)
                except FileNotFoundError:
                    pass
