"""What the local caches hold, and clearing them (``senotarget cache info|clear``).

Two caches live under the cache folder (``data/cache/`` by default): ``structures/`` (chemistry
results per SMILES, one SQLite file per RDKit / structure-pipeline version) and ``web/`` (ChEMBL
REST replies, one requests-cache SQLite file per ChEMBL release, the short-lived ``/status``
file, and the marker of the release last seen at each URL).

Clearing removes only files senotarget writes, recognised by name (:data:`OWNED`), never a folder
tree: ``--cache-dir`` is a path the user types, and a wrong one (a project folder, a home folder)
must lose nothing. A folder that holds files but none of senotarget's is refused outright, since
it is most likely not the cache the user meant.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from senotarget.errors import ConfigError, OutputError

__all__ = ["ALL", "KINDS", "OWNED", "CacheFile", "Cleared", "cache_info", "clear_cache"]

KINDS: Final = ("structures", "web")
#: What ``senotarget cache clear`` accepts besides a kind: every kind.
ALL: Final = "all"

#: SQLite's companions of a database file: the rollback journal and the WAL index and log.
_COMPANIONS: Final = r"(?:-journal|-wal|-shm)?"

#: The main database files senotarget writes, per kind, by name. Keep them in step with
#: :func:`senotarget.stages.chemistry.structure_cache_path` (``structures_rdkit-V_csp-V_vN``) and
#: :class:`senotarget.sources.web.WebSource` (``chembl_web_<release>`` and ``chembl_web_status``,
#: the release made file-safe with ``[A-Za-z0-9._-]``); tests/test_cache.py checks both.
_DATABASES: Final = {
    "structures": r"structures_rdkit-[^_/]+_csp-[^_/]+_v[0-9]+\.sqlite",
    "web": r"chembl_web_[A-Za-z0-9._-]+\.sqlite",
}
#: Other files senotarget writes, per kind: the web source's release marker and the temporary
#: file it is written through (left behind only if a run was killed mid-write).
_OTHERS: Final = {
    "structures": (),
    "web": (r"chembl_web_releases\.json", r"\.chembl_web_releases\.json\.[0-9]+\.tmp"),
}
#: Every file name senotarget may write in each kind's folder (databases, companions, markers).
OWNED: Final = {
    kind: re.compile("^(?:" + "|".join([_DATABASES[kind] + _COMPANIONS, *_OTHERS[kind]]) + ")$")
    for kind in KINDS
}
_DATABASE: Final = {kind: re.compile(f"^{pattern}$") for kind, pattern in _DATABASES.items()}
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


@dataclass(frozen=True)
class Cleared:
    """What :func:`clear_cache` removed: the files, their total size, and the folders."""

    files: tuple[Path, ...]
    bytes: int
    folders: tuple[Path, ...] = ()


def _entries(kind: str, path: Path) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            row = connection.execute(_COUNT_SQL[kind]).fetchone()
        return int(row[0]) if row else 0
    except sqlite3.Error:
        return -1


def _owned(cache_dir: Path, kind: str) -> list[Path]:
    """The regular files senotarget wrote in ``cache_dir/kind``, by name.

    A symlink or a folder with such a name is not a file senotarget wrote, so it is left alone.
    """
    folder = cache_dir / kind
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if OWNED[kind].match(p.name) and p.is_file() and not p.is_symlink()
    )


def cache_info(cache_dir: Path) -> list[CacheFile]:
    """Every cache database under ``cache_dir``, by kind then name.

    Only senotarget's databases (:data:`OWNED`, without their SQLite companions and markers),
    so the list shows what ``cache clear`` is about, never a user's own ``.sqlite`` file.
    """
    files: list[CacheFile] = []
    for kind in KINDS:
        for path in _owned(cache_dir, kind):
            if _DATABASE[kind].match(path.name):
                files.append(CacheFile(kind, path, path.stat().st_size, _entries(kind, path)))
    return files


def _looks_empty(cache_dir: Path) -> bool:
    """Whether ``cache_dir`` holds nothing but (possibly) empty ``structures/`` and ``web/``."""
    for entry in cache_dir.iterdir():
        is_empty_kind = entry.name in KINDS and entry.is_dir() and not any(entry.iterdir())
        if not is_empty_kind:
            return False
    return True


def clear_cache(cache_dir: Path, kinds: tuple[str, ...] = KINDS) -> Cleared:
    """Remove the files senotarget wrote for ``kinds`` under ``cache_dir``, and nothing else.

    Files are chosen by name (:data:`OWNED`): the cache databases, their ``-journal``, ``-wal``
    and ``-shm`` companions, and the web source's release marker. Any other file or folder stays
    where it is. A kind's folder is removed only when it is empty afterwards. A missing or empty
    cache folder has nothing to remove, which is not an error (clearing twice is fine).

    :param cache_dir: the cache folder (``--cache-dir``), holding ``structures/`` and ``web/``
    :param kinds: which caches, from :data:`KINDS`
    :returns: the files removed, their total size in bytes, and the kind folders removed
    :raises ConfigError: a kind is not one of :data:`KINDS`
    :raises OutputError: ``cache_dir`` is not a folder, or holds files but no senotarget cache
        file (it is probably not a senotarget cache), or a file cannot be removed
    """
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ConfigError(
            f"unknown cache {unknown[0]!r}",
            f"use one of {', '.join((*KINDS, ALL))}",
            setting="kind",
        )
    if not cache_dir.exists():
        return Cleared((), 0)
    if not cache_dir.is_dir():
        raise OutputError(
            f"cache folder {cache_dir} is not a folder",
            "pass --cache-dir the folder that holds structures/ and web/",
            path=cache_dir,
            setting="cache_dir",
        )
    if not any(_owned(cache_dir, kind) for kind in KINDS) and not _looks_empty(cache_dir):
        raise OutputError(
            f"{cache_dir} does not look like a senotarget cache (no structures/structures_*.sqlite"
            " or web/chembl_web_* file in it); nothing removed",
            "pass --cache-dir the folder that holds structures/ and web/ "
            "(`senotarget cache info` shows the default)",
            path=cache_dir,
            setting="cache_dir",
        )
    removed: list[Path] = []
    size = 0
    folders: list[Path] = []
    for kind in kinds:
        for path in _owned(cache_dir, kind):
            try:
                length = path.stat().st_size
                path.unlink()
            except FileNotFoundError:  # another process removed it meanwhile
                continue
            except OSError as error:
                raise OutputError(
                    f"cannot remove cache file {path} ({error.strerror or error}); "
                    f"removed {len(removed)} file(s) before it",
                    "check its permissions, or pass --cache-dir another folder",
                    path=path,
                    setting="cache_dir",
                ) from None
            removed.append(path)
            size += length
        folder = cache_dir / kind
        if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
            try:
                folder.rmdir()
            except OSError:  # a file appeared meanwhile, or no permission: the folder may stay
                continue
            folders.append(folder)
    return Cleared(tuple(removed), size, tuple(folders))
