"""How senotarget starts worker processes (the chemistry stage's pool, the SDF export's pool)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import multiprocessing.context

__all__ = ["die_with_parent", "process_context"]


def process_context() -> multiprocessing.context.BaseContext:
    """The start method for worker pools: ``spawn``.

    Forking a process that runs threads (a progress bar, an HTTP pool) can deadlock the child,
    so workers are never forked from the run. Of the two other methods, ``spawn`` makes each
    worker a child of the run itself, so :func:`die_with_parent` ends it when the run is killed;
    a ``forkserver`` worker's parent is the fork server, which stays alive as long as any of its
    workers holds its pipe (every worker does), so a killed run would leave both behind.
    """
    import multiprocessing

    return multiprocessing.get_context("spawn")


#: Linux ``prctl`` option: the signal a process gets when its parent dies (``<sys/prctl.h>``).
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Worker initializer: on Linux, have the kernel kill this process when its parent dies.

    A pool worker whose run is killed (SIGKILL, the OOM killer) would otherwise finish its task,
    or hang in native code, as an orphan. The parent must be the run (:func:`process_context`:
    ``spawn``). Elsewhere than Linux this does nothing.
    """
    import ctypes
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # no prctl in this libc: the worker just lacks the guard
        return
