"""Loaded into a test's ``dask worker`` (``--preload tests.dask_preload``): partitions that die.

``SENOTARGET_TEST_DIE`` in the worker's environment says how the run's partition tasks behave
there: ``once:DIR`` kills the worker the first time (a marker file in DIR remembers it; the nanny
starts a new worker, which Dask gives the task again), ``always`` kills every worker that runs
one. ``SENOTARGET_TEST_DIE_TASK`` says which task dies: ``curate`` (the first pass,
:func:`senotarget.pipeline._curate_task`; the default) or ``aggregate`` (the second,
:func:`senotarget.pipeline._aggregate_task`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from senotarget import pipeline


def _die_as_told() -> None:
    mode = os.environ.get("SENOTARGET_TEST_DIE", "")
    if mode == "always":
        os._exit(1)
    if mode.startswith("once:"):
        marker = Path(mode.removeprefix("once:")) / "died"
        if not marker.exists():
            marker.write_text("died", encoding="utf-8")
            os._exit(1)


def _dying(real: Callable[..., Any]) -> Callable[..., Any]:
    def task(*args: Any, **kwargs: Any) -> Any:
        _die_as_told()
        return real(*args, **kwargs)

    return task


if os.environ.get("SENOTARGET_TEST_DIE_TASK", "curate") == "aggregate":
    pipeline._aggregate_task = _dying(pipeline._aggregate_task)
else:
    pipeline._curate_task = _dying(pipeline._curate_task)
