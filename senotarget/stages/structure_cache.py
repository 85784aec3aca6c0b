"""The structure cache: computed chemistry per input SMILES, in one SQLite file.

Keyed by the SMILES string itself, so it holds across ChEMBL releases; the chemistry stage names
the file after the toolkit versions that decide its contents
(:func:`senotarget.stages.chemistry.structure_cache_path`). WAL mode lets concurrent runs read and
write it; a cache that cannot be read or written is skipped with a warning, never an error.
"""

from __future__ import annotations

import contextlib
import logging
import math
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Final, TypeAlias

__all__ = ["Row", "read_cache", "write_cache"]

logger = logging.getLogger(__name__)

#: Seconds a writer waits for another run's lock on the cache before giving up.
BUSY_TIMEOUT_S: Final = 60.0

#: The cached, computed columns of one structure, in :data:`ChemCols.ORDER` after the id.
Row: TypeAlias = tuple[str, str, str, float, str, str, str, str, str]

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS structures (
    smiles TEXT PRIMARY KEY NOT NULL,
    standard_smiles TEXT NOT NULL,
    parent_smiles TEXT NOT NULL,
    parent_inchikey TEXT NOT NULL,
    qed REAL,
    pains TEXT NOT NULL,
    brenk TEXT NOT NULL,
    murcko_scaffold TEXT NOT NULL,
    chem_status TEXT NOT NULL,
    chem_reason TEXT NOT NULL
) WITHOUT ROWID
"""
_SELECT_WANTED: Final = """
SELECT s.smiles, s.standard_smiles, s.parent_smiles, s.parent_inchikey, s.qed, s.pains, s.brenk,
       s.murcko_scaffold, s.chem_status, s.chem_reason
FROM temp.wanted AS w JOIN structures AS s ON s.smiles = w.smiles
"""
_INSERT: Final = "INSERT OR IGNORE INTO structures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


def _open_cache(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the cache in WAL mode, so concurrent runs read and write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = NORMAL")
        con.execute(_SCHEMA)
        con.execute(
            "CREATE TEMP TABLE IF NOT EXISTS wanted (smiles TEXT PRIMARY KEY) WITHOUT ROWID"
        )
    except BaseException:
        con.close()
        raise
    return con


def _cache_lookup(con: sqlite3.Connection, keys: Iterable[str]) -> dict[str, Row]:
    """Every cached row among ``keys``, in one join against a temporary table of the keys."""
    con.execute("BEGIN")
    try:
        con.execute("DELETE FROM temp.wanted")
        con.executemany("INSERT OR IGNORE INTO temp.wanted VALUES (?)", ((k,) for k in keys))
        found = con.execute(_SELECT_WANTED).fetchall()
        con.execute("DELETE FROM temp.wanted")
    finally:
        con.execute("COMMIT")
    rows: dict[str, Row] = {}
    for key, std, par, inchikey, qed, pains, brenk, scaffold, status, reason in found:
        qed_value = math.nan if qed is None else float(qed)
        rows[key] = (std, par, inchikey, qed_value, pains, brenk, scaffold, status, reason)
    return rows


def _cache_store(con: sqlite3.Connection, rows: dict[str, Row]) -> None:
    """Insert computed rows in one transaction (a concurrent run's copy of a row wins)."""
    con.execute("BEGIN IMMEDIATE")
    try:
        con.executemany(
            _INSERT,
            (
                (key, r[0], r[1], r[2], None if math.isnan(r[3]) else r[3], *r[4:])
                for key, r in rows.items()
            ),
        )
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def read_cache(path: Path, keys: list[str]) -> tuple[dict[str, Row], bool]:
    """Read the cached rows for ``keys``; a cache that cannot be read is skipped, with a warning."""
    try:
        with contextlib.closing(_open_cache(path)) as con:
            return _cache_lookup(con, keys), True
    except (sqlite3.Error, OSError) as exc:
        logger.warning("structure cache %s unusable (%s); computing without it", path, exc)
        return {}, False


def write_cache(path: Path, rows: dict[str, Row]) -> None:
    """Store computed rows; a cache that cannot be written is skipped, with a warning."""
    try:
        with contextlib.closing(_open_cache(path)) as con:
            _cache_store(con, rows)
    except (sqlite3.Error, OSError) as exc:
        logger.warning("could not write %d structures to cache %s: %s", len(rows), path, exc)
