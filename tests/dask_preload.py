"""Loaded into a test's ``dask worker`` (``--preload tests.dask_preload``): partitions that die.

``SENOTARGET_TEST_DIE`` in the worker's environment says how the run's first-pass partition
task (:func:`senotarget.pipeline._curate_task`) behaves there: ``once:DIR`` kills the worker
the first time (a marker file in DIR remembers it; the nanny starts a new worker, which Dask
gives the task again), ``always`` kills every worker that runs it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from senotarget import pipeline

_real = pipeline._curate_task


def _dying(item: Any, targets: Any, thresholds: Any) -> Any:
    mode = os.environ.get("SENOTARGET_TEST_DIE", "")
    if mode == "always":
        os._exit(1)
    if mode.startswith("once:"):
        marker = Path(mode.removeprefix("once:")) / "died"
        if not marker.exists():
            marker.write_text("died", encoding="utf-8")
            os._exit(1)
    return _real(item, targets, thresholds)


pipeline._curate_task = _dying
