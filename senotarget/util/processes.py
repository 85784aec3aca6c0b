"""How senotarget starts worker processes (the chemistry stage's pool, the SDF export's pool)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import multiprocessing.context

__all__ = ["process_context"]


def process_context() -> multiprocessing.context.BaseContext:
    """The start method for worker pools: ``forkserver`` (``spawn`` where that is missing).

    Forking a process that runs threads (a progress bar, an HTTP pool) can deadlock the child.
    """
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
