"""Tasks on a dask.distributed cluster: ``--scheduler tcp://HOST:PORT`` or ``local:N``.

Only imported when a scheduler is configured, so a run without one never imports Dask. A task
whose worker dies is rescheduled by Dask on another worker (its ``allowed-failures`` rule,
https://distributed.dask.org/en/stable/killed.html); a task that keeps killing workers comes back
as :data:`KILLED`, for the caller to split or exclude, never as a half result.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any, Final, Self, TypeVar

from senotarget.errors import ConfigError

__all__ = ["KILLED", "Cluster", "check_scheduler", "connected", "map_tasks"]

_T = TypeVar("_T")
_R = TypeVar("_R")

#: What :func:`map_tasks` hands back for a task that killed the workers it ran on.
KILLED: Final = object()
_LOCAL: Final = re.compile(r"^local:([1-9][0-9]*)$")
_REMOTE: Final = re.compile(r"^(?:tcp|tls)://[^\s/:]+:[0-9]{1,5}$")
#: How long to wait for a remote scheduler, and for its first worker.
CONNECT_SECONDS: Final = 10.0
WORKER_SECONDS: Final = 30.0


def check_scheduler(value: str) -> str:
    """A scheduler address as given, or ``ValueError`` saying what one looks like."""
    if value == "" or _LOCAL.match(value) or _REMOTE.match(value):
        return value
    raise ValueError(
        f"{value!r} is not a scheduler address (use tcp://HOST:PORT, or local:N for N local "
        "worker processes)"
    )


def _client(scheduler: str) -> tuple[Any, Any]:
    """A connected client (and the LocalCluster it owns, or ``None``)."""
    from distributed import Client, LocalCluster

    local = _LOCAL.match(scheduler)
    if local:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=int(local.group(1)),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        return Client(cluster), cluster  # type: ignore[no-untyped-call]
    try:
        client = Client(scheduler, timeout=CONNECT_SECONDS)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as error:
        raise ConfigError(
            f"scheduler {scheduler} cannot be reached ({type(error).__name__})",
            "start `dask scheduler` and `dask worker` there, or use --scheduler local:N",
            setting="scheduler",
        ) from None
    try:
        client.wait_for_workers(1, timeout=WORKER_SECONDS)
    except TimeoutError:
        client.close()  # type: ignore[no-untyped-call]
        raise ConfigError(
            f"scheduler {scheduler} has no worker after {WORKER_SECONDS:.0f} s",
            f"start `dask worker {scheduler}` on a machine that has senotarget installed",
            setting="scheduler",
        ) from None
    return client, None


class Cluster:
    """One connection to a cluster for a whole run: its partitions and its chemistry.

    ``local:N`` starts a LocalCluster of N worker processes once, not once per stage.
    """

    def __init__(self, scheduler: str) -> None:
        self.scheduler = scheduler
        self.client, self._cluster = _client(scheduler)

    @property
    def workers(self) -> int:
        """The number of workers the scheduler has now."""
        return len(self.client.scheduler_info().get("workers", {}))

    def map(
        self,
        function: Callable[[_T], _R],
        items: Iterable[_T],
        done: Callable[[_T, Any], None],
        window: int | None = None,
    ) -> None:
        """Run ``function(item)`` for every item; ``done(item, result)`` as each task ends.

        ``result`` is :data:`KILLED` for a task that killed the workers it ran on. Results arrive
        in completion order. ``items`` may be a lazy iterator: with ``window``, at most that many
        tasks are submitted and not yet done, so the items (partitions of activity rows, say) are
        read only as the cluster takes them. A task's argument travels in the task itself, so Dask
        can rerun it on another worker when its worker dies.
        """
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        pending = iter(items)
        item_of: dict[str, _T] = {}
        running = as_completed()  # type: ignore[no-untyped-call]

        def submit(count: int) -> None:
            for item in islice(pending, count):
                future = self.client.submit(function, item, pure=False)
                item_of[future.key] = item
                running.add(future)  # type: ignore[no-untyped-call]

        submit(sys.maxsize if window is None else window)
        for future in running:
            item = item_of.pop(future.key)
            try:
                result = future.result()
            except KilledWorker:
                result = KILLED
            future.release()
            done(item, result)
            if window is not None:
                submit(1)

    def close(self) -> None:
        """Disconnect, and stop the LocalCluster this connection started."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


@contextmanager
def connected(scheduler: str | Cluster) -> Iterator[Cluster]:
    """A cluster connection: the given one (left open), or a new one closed on exit."""
    if isinstance(scheduler, Cluster):
        yield scheduler
        return
    with Cluster(scheduler) as cluster:
        yield cluster


def map_tasks(
    scheduler: str | Cluster,
    function: Callable[[_T], _R],
    items: Sequence[_T],
    done: Callable[[_T, Any], None],
) -> int:
    """Run ``function(item)`` for every item on the cluster; ``done(item, result)`` as each ends.

    ``result`` is :data:`KILLED` for a task that killed its workers. Results arrive in completion
    order, so the caller keys them by item.

    :param scheduler: an address (connected for this call only) or an open :class:`Cluster`
    :returns: the number of workers the cluster had
    :raises ConfigError: the scheduler cannot be reached or has no worker
    """
    with connected(scheduler) as cluster:
        workers = cluster.workers
        cluster.map(function, items, done)
        return workers
