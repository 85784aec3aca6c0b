"""Chemistry tasks that misbehave, for the worker-pool tests (importable by worker processes).

``HANG`` sleeps far beyond any time limit and ``CRASH`` kills its own worker with SIGKILL (as the
OOM killer would); every other SMILES is computed by the real task.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Sequence

from senotarget.stages import chemistry
from senotarget.stages.structure_cache import Row

HANG = "HANG"
CRASH = "CRASH"


def faulty_chunk(smiles: Sequence[str]) -> list[Row]:
    """The chemistry task, except that ``HANG`` hangs and ``CRASH`` kills the worker."""
    if HANG in smiles:
        time.sleep(600)
    if CRASH in smiles:
        os.kill(os.getpid(), signal.SIGKILL)
    return chemistry._compute_chunk(smiles)
