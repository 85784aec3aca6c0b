"""What the local caches hold, and clearing them (``senotarget cache info|clear``).

Two caches live under the cache folder (``data/cache/`` by default): ``structures/`` (chemistry
results per SMILES, one SQLite file per RDKit / structure-pipeline version) and ``web/`` (ChEMBL
REST replies, one requests-cache SQLite file per ChEMBL release, plus the short-lived ``/status``
file).
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from senotarget.errors import OutputError

__all__ = ["KINDS", "CacheFile", "cache_info", "clear_cache"]

KINDS: Final = ("structures", "web")
_COUNT_SQL: Final = {
    "structures": "SELECT COUNT(*) FROM structures",
    "web": "SELECT COUNT(*) FROM responses",
}


@dataclass(frozen=True)
class CacheFile:
    """One cache file: its kind, path, size and number of entries (-1 when unreadable)."""

    kind: str
    path: Path
    bytes: int
    entries: int


def _entries(kind: str, path: Path) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            row = connection.execute(_COUNT_SQL[kind]).fetchone()
        return int(row[0]) if row else 0
    except sqlite3.Error:
        return -1


def cache_info(cache_dir: Path) -> list[CacheFile]:
    """Every cache file under ``cache_dir``, by kind then name."""
    files: list[CacheFile] = []
    for kind in KINDS:
        folder = cache_dir / kind
        for path in sorted(folder.glob("*.sqlite")) if folder.is_dir() else []:
            files.append(CacheFile(kind, path, path.stat().st_size, _entries(kind, path)))
    return files


def clear_cache(cache_dir: Path, kinds: tuple[str, ...] = KINDS) -> int:
    """Remove the named caches; returns how many files were removed.

    :raises OutputError: a cache folder cannot be removed
    """
    removed = 0
    for kind in kinds:
        folder = cache_dir / kind
        if folder.is_dir():
            removed += sum(1 for p in folder.rglob("*") if p.is_file())
            try:
                shutil.rmtree(folder)
            except OSError as error:
                raise OutputError(
                    f"cannot remove cache folder {folder} ({error.strerror or error})",
                    "check its permissions, or pass --cache-dir another folder",
                ) from None
    return removed
