"""Partitions of a run's activity rows: where they wait on disk, and how they are regrouped.

A whole release holds tens of millions of activity rows (ChEMBL 35: 21.1 M); a run never holds
them all. The pipeline curates them as they stream from the source, a partition of at most
``partition_rows`` rows at a time, and leaves each curated partition in a :class:`Spill`; once
the parent compounds are known it deals the rows out again by parent (:func:`bucket_of`), so
that every row of a (parent, target) pair lands in the same partition, which the group rules and
the aggregation need. Only the aggregated tables are held whole.
"""

from __future__ import annotations

import pickle
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from senotarget.util.files import replace_atomically

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Spill", "bucket_of", "peak_rss_mb"]


class Spill:
    """A private folder of DataFrames by name, removed (with all it holds) when closed.

    Frames are pickled: the format round-trips every pandas dtype exactly, and the files are
    this process's own, written and read back by it in one run (never read from elsewhere).

    :param root: the folder to make it in (created if missing); a run uses its cache folder,
        which a user puts on a disk with room
    """

    def __init__(self, root: Path) -> None:
        self._root = root
        self._path: Path | None = None  # made on the first put: a run that fails early makes none
        self._made: list[Path] = []  # folders of ``root`` this spill created, removed when empty
        self._names: dict[str, Path] = {}
        self._files = 0

    @property
    def path(self) -> Path:
        """The spill's own folder (made on first use)."""
        if self._path is None:
            missing = [p for p in (self._root, *self._root.parents) if not p.exists()]
            try:
                self._root.mkdir(parents=True, exist_ok=True)
                self._made = missing
                self._path = Path(tempfile.mkdtemp(prefix="partitions-", dir=self._root))
            except OSError:  # a read-only cache (as the structure cache allows): the system's temp
                self._path = Path(tempfile.mkdtemp(prefix="senotarget-partitions-"))
        return self._path

    def put(self, name: str, frame: pd.DataFrame) -> None:
        """Keep ``frame`` under ``name`` (replacing what was there)."""
        path = self._names.get(name)
        if path is None:  # numbered in order of first put, never reused after a drop
            self._files += 1
            path = self.path / f"{self._files:06d}.pkl"

        def write(tmp: Path) -> None:
            with tmp.open("wb") as handle:
                pickle.dump(frame, handle, protocol=pickle.HIGHEST_PROTOCOL)

        replace_atomically(path, write)
        self._names[name] = path

    def get(self, name: str) -> Any:
        """The frame kept under ``name``.

        :raises KeyError: nothing is kept under that name
        """
        with self._names[name].open("rb") as handle:
            return pickle.load(handle)  # noqa: S301 - this process's own file, written above

    def drop(self, name: str) -> None:
        """Forget ``name`` and delete its file."""
        self._names.pop(name).unlink(missing_ok=True)

    def names(self) -> list[str]:
        """What is kept, in the order it was first put."""
        return list(self._names)

    def close(self) -> None:
        """Delete the folder and everything in it, and the empty folders it had to make."""
        if self._path is not None:
            shutil.rmtree(self._path, ignore_errors=True)
        for folder in self._made:  # deepest first
            try:
                folder.rmdir()
            except OSError:  # not empty (the run's caches are in it), or gone
                break
        self._made = []
        self._names.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def bucket_of(keys: pd.Series, buckets: int) -> Any:
    """The partition (``0 .. buckets-1``) of each key, the same in every process and run.

    pandas' ``hash_array`` is a fixed hash of the values (not Python's salted ``hash``), so a key
    lands in the same partition on every machine of a cluster.

    :returns: a numpy array of partition numbers, one per key
    """
    import numpy as np
    from pandas.util import hash_array

    if buckets < 1:
        raise ValueError(f"buckets must be at least 1, got {buckets}")
    hashed = hash_array(keys.astype(str).to_numpy(dtype=object))
    return (hashed % np.uint64(buckets)).astype(np.int64)


def peak_rss_mb() -> float:
    """The peak resident memory of this process so far, in MiB (``ru_maxrss``; 0 where unknown)."""
    try:
        import resource
    except ImportError:  # not on Windows
        return 0.0
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes (getrusage(2) on each)
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)
