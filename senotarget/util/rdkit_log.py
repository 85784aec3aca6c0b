"""Scoped muting of RDKit's C++ log (the pattern of datamol's ``without_rdkit_log``)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

__all__ = ["without_rdkit_log"]

_LOG_LOCK = threading.Lock()
_log_muters = 0
_log_before: dict[str, bool] = {}


@contextlib.contextmanager
def without_rdkit_log() -> Iterator[None]:
    """Mute RDKit's C++ log (every ``rdApp`` channel) and restore each channel on exit.

    The pattern of datamol's ``without_rdkit_log``: unparsable input is reported in
    ``chem_reason``, so RDKit's own messages would only repeat it on stderr, once per molecule.
    The log switches are process-wide, so nested or concurrent (threaded) uses are counted: the
    first one in saves the channels' state and the last one out restores it.
    """
    from rdkit import rdBase

    global _log_muters  # process-wide RDKit state needs a process-wide count
    with _LOG_LOCK:
        if _log_muters == 0:
            _log_before.clear()
            for line in str(rdBase.LogStatus()).splitlines():
                channel, _, state = line.partition(":")
                if channel.strip():
                    _log_before[channel.strip()] = state.strip() == "enabled"
            rdBase.DisableLog("rdApp.*")
        _log_muters += 1
    try:
        yield
    finally:
        with _LOG_LOCK:
            _log_muters -= 1
            if _log_muters == 0:
                for channel, enabled in _log_before.items():
                    if enabled:
                        rdBase.EnableLog(channel)
                    else:
                        rdBase.DisableLog(channel)
