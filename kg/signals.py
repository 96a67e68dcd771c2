"""SIGTERM, SIGHUP and Ctrl-C end a kg command with one line, from one process, and clean up.

``handling_signals()`` (the CLI wraps every command in it) makes SIGTERM and SIGHUP raise
``Terminated`` and SIGINT raise ``KeyboardInterrupt`` in the kg process, so every ``finally``
runs: store transactions roll back, temporary files go, extraction's worker pool is
stopped. Worker processes forked from it inherit the handlers but react as workers: Ctrl-C
(sent by a terminal to the whole process group) is left to the parent, which stops the pool;
the SIGTERM the parent's pool sends a worker ends it quietly, with no traceback. A second
signal while the first is being handled ends the process at once.
"""

from __future__ import annotations

import os
import signal
import sys
from contextlib import contextmanager
from typing import Iterator


class Terminated(BaseException):
    """The process was asked to stop (SIGTERM or SIGHUP)."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


#: seconds the clean-up after a signal may take before the process ends anyway
GRACE = 10.0

_MAIN_PID: int | None = None
_STOPPING = False
_HANDLED = (signal.SIGTERM, signal.SIGINT) + ((signal.SIGHUP,) if hasattr(signal, "SIGHUP") else ())


def _handler(signum: int, frame: object) -> None:
    global _STOPPING
    if os.getpid() != _MAIN_PID:  # a forked worker: the parent owns the run
        if signum == signal.SIGINT:
            return
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    if _in_fork_hook(frame):  # an exception raised in a fork hook is swallowed by CPython
        _resend_later(signum)
        return
    if _STOPPING:  # a second signal while cleaning up: stop now
        os._exit(128 + signum)
    _STOPPING = True
    import threading

    timer = threading.Timer(GRACE, _force_exit, (signum,))
    timer.daemon = True
    timer.start()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


def _force_exit(signum: int) -> None:
    """The clean-up hangs: stop the workers and end with the one line."""
    import multiprocessing

    for child in multiprocessing.active_children():
        try:
            child.kill()
        except Exception:
            pass
    what = "Interrupted." if signum == signal.SIGINT else f"Terminated ({signal.Signals(signum).name})."
    try:
        sys.stderr.write(what + "\n")
        sys.stderr.flush()
    finally:
        os._exit(128 + signum)


# A Python-level handler cannot serve a forked worker: a signal that reaches the child before
# the interpreter's after-fork step is forgotten by it (CPython clears its pending flags there),
# and a pool worker that misses its SIGTERM blocks its parent's Pool.terminate() for ever. So
# the signals are blocked across every fork made while handling, and a child puts back the
# system's own actions (SIGTERM, SIGHUP: end quietly; SIGINT: ignored, the parent stops the
# pool) before unblocking them: a signal sent meanwhile then acts at once.
#
# Python runs a pending signal's handler inside the hook that unblocks it (and may inside the
# one that blocks it), and CPython prints and drops an exception raised in a fork hook: the
# signal would be lost and the command run on. So a signal handled inside a hook is sent
# again, by a thread, once the hook has returned.
_ACTIVE = False
_FORK_HOOKS = False
#: seconds after a fork hook before a signal it caught is sent again
RESEND_DELAY = 0.05


def _in_fork_hook(frame: object) -> bool:
    """Whether the handler was called from inside one of the parent's fork hooks."""
    hooks = (_before_fork.__code__, _after_fork_parent.__code__)
    f = frame
    for _ in range(8):
        if f is None:
            return False
        if getattr(f, "f_code", None) in hooks:
            return True
        f = getattr(f, "f_back", None)
    return False


def _resend_later(signum: int) -> None:
    import threading
    import time

    def resend() -> None:
        time.sleep(RESEND_DELAY)
        os.kill(os.getpid(), signum)

    threading.Thread(target=resend, name="kg-signal-resend", daemon=True).start()


def _before_fork() -> None:
    if _ACTIVE:
        signal.pthread_sigmask(signal.SIG_BLOCK, _HANDLED)


def _after_fork_parent() -> None:
    if _ACTIVE:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HANDLED)


def _after_fork_child() -> None:
    global _ACTIVE
    if _ACTIVE:
        _ACTIVE = False
        for s in _HANDLED:
            signal.signal(s, signal.SIG_IGN if s == signal.SIGINT else signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HANDLED)


@contextmanager
def handling_signals() -> Iterator[None]:
    """Within the block (in the main thread), signals raise as the module says; the previous
    handlers come back after it."""
    global _MAIN_PID, _STOPPING, _ACTIVE, _FORK_HOOKS
    try:
        previous = {s: signal.signal(s, _handler) for s in _HANDLED}
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    if not _FORK_HOOKS and hasattr(os, "register_at_fork"):
        os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_parent,
                            after_in_child=_after_fork_child)
        _FORK_HOOKS = True
    _MAIN_PID, _STOPPING, _ACTIVE = os.getpid(), False, True
    try:
        yield
    finally:
        _ACTIVE = False
        for s, h in previous.items():
            signal.signal(s, h)
        _STOPPING = False


def exit_code(exc: BaseException) -> int:
    """The shell's convention for a process ended by a signal: 128 + its number."""
    if isinstance(exc, Terminated):
        return 128 + exc.signum
    return 128 + signal.SIGINT


def flush_quietly() -> None:
    """Flush stdout, ignoring a closed pipe (the reader may be gone too)."""
    try:
        sys.stdout.flush()
    except (BrokenPipeError, OSError, ValueError):
        pass
