"""Atomic file writes: the one writer every output goes through (STYLE 13).

A file is written under a hidden temporary name in its own folder and moved into place with one
``os.replace``, so a reader sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["replace_atomically"]


def replace_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then move it onto ``path``.

    The temporary file is removed whatever happens; the parent folder is created if needed.

    :returns: ``path``
    :raises OSError: the folder cannot be created or written (the caller names the fix)
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.tmp-")
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
