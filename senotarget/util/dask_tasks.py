"""Tasks on a dask.distributed cluster: ``--scheduler tcp://HOST:PORT`` or ``local:N``.

Only imported when a scheduler is configured, so a run without one never imports Dask. A task
whose worker dies is rescheduled by Dask on another worker (its ``allowed-failures`` rule,
https://distributed.dask.org/en/stable/killed.html); a task that keeps killing workers comes back
as :data:`KILLED`, for the caller to split or exclude, never as a half result.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar

from senotarget.errors import ConfigError

__all__ = ["KILLED", "check_scheduler", "map_tasks"]

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


def map_tasks(
    scheduler: str,
    function: Callable[[_T], _R],
    items: Sequence[_T],
    done: Callable[[_T, Any], None],
) -> int:
    """Run ``function(item)`` for every item on the cluster; ``done(item, result)`` as each ends.

    ``result`` is :data:`KILLED` for a task that killed its workers. Results arrive in completion
    order, so the caller keys them by item.

    :returns: the number of workers the cluster had
    :raises ConfigError: the scheduler cannot be reached or has no worker
    """
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    client, cluster = _client(scheduler)
    try:
        workers = len(client.scheduler_info().get("workers", {}))
        futures = client.map(function, list(items), pure=False)
        item_of = {future.key: item for future, item in zip(futures, items, strict=True)}
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            item = item_of[future.key]
            try:
                result = future.result()
            except KilledWorker:
                result = KILLED
            done(item, result)
        return workers
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
