"""Scale figures measured so far (issue 13): PostgreSQL against SQLite, and Dask workers.

* ``scale_pg_load``: ``senotarget db load`` of the extract into a fresh PostgreSQL server
  (Debian's, started by :mod:`tests.postgres` on a free port), against the time to read every row
  of the same tables from SQLite (the floor any loader pays);
* ``scale_pg_fetch``: the run's fetch queries (activities, molecules, mechanisms of the default
  panel's targets) on the PostgreSQL copy against the same queries on the SQLite file;
* ``scale_dask_chemistry``: the chemistry stage, cold, on a Dask ``LocalCluster`` of 2 workers
  against 1 worker (the cluster's start-up counted on both sides), target >= 1.7x.

Run: ``python -m benchmarks.run --db ../shared/chembl/chembl_senotarget.sqlite --only scale``.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any


def _best(function: Any, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def _read_all(db: Path) -> int:
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        rows = 0
        for table in tables:
            for _row in connection.execute(f'SELECT * FROM "{table}"'):
                rows += 1
        return rows
    finally:
        connection.close()


def _panel_targets(db: Path) -> list[str]:
    from senotarget.panels.load import load_panel
    from senotarget.schema import ComponentCols
    from senotarget.sources.sql import SqlSource

    source = SqlSource(str(db))
    try:
        hits = source.search_targets(list(load_panel("default").genes()), 9606)
        return sorted(set(hits[ComponentCols.TARGET_CHEMBL_ID].astype(str)))
    finally:
        source.close()


def _fetch(location: str, targets: list[str]) -> int:
    from senotarget.schema import ActivityCols
    from senotarget.sources.sql import SqlSource

    source = SqlSource(location)
    try:
        activities = source.activities(targets)
        source.molecules(sorted(set(activities[ActivityCols.MOLECULE_CHEMBL_ID].astype(str))))
        source.mechanisms(targets)
        return len(activities)
    finally:
        source.close()


def postgres(db: Path, repeats: int = 3) -> list[dict[str, Any]]:
    """Load and fetch figures on PostgreSQL against SQLite (needs Debian's postgresql)."""
    from benchmarks.run import entry
    from senotarget.sources.pgload import load_sqlite
    from tests import postgres as pg

    if pg.binaries() is None:
        return []
    floor_rows = _read_all(db)
    floor = _best(lambda: _read_all(db), repeats)
    targets = _panel_targets(db)
    with pg.running_server() as server:
        url = server.create_database("bench")
        load = load_sqlite(db, url)
        rows = _fetch(url, targets)
        on_pg = _best(lambda: _fetch(url, targets), repeats)
    on_sqlite = _best(lambda: _fetch(str(db), targets), repeats)
    return [
        entry(
            "scale_pg_load",
            load.seconds,
            floor,
            "COPY, one transaction (no target)",
            tables=load.tables,
            rows=load.rows,
            floor_rows=floor_rows,
            note="floor: reading every row of the same tables from SQLite",
        ),
        entry(
            "scale_pg_fetch",
            on_pg,
            on_sqlite,
            "ratio <= 2 (same queries, same rows)",
            activity_rows=rows,
            targets=len(targets),
            method=f"best of {repeats}; the floor is the SQLite file",
        ),
    ]


def dask_chemistry(db: Path, limit: int = 2000) -> list[dict[str, Any]]:
    """Cold chemistry on a LocalCluster of 2 workers against 1 (start-up included)."""
    import pandas as pd

    from benchmarks.bench_chemistry import read_smiles
    from benchmarks.run import entry
    from senotarget.schema import MoleculeCols
    from senotarget.stages.chemistry import standardise

    smiles = read_smiles(db, limit)
    molecules = pd.DataFrame(
        {
            MoleculeCols.MOLECULE_CHEMBL_ID: [f"M{i}" for i in range(len(smiles))],
            MoleculeCols.CANONICAL_SMILES: smiles,
        }
    )
    timings: dict[int, float] = {}
    frames = {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory(prefix="senotarget-dask-") as scratch:
            started = time.perf_counter()
            frames[workers] = standardise(
                molecules, cache_dir=Path(scratch), scheduler=f"local:{workers}"
            )
            timings[workers] = time.perf_counter() - started
    same = frames[1].equals(frames[2])
    return [
        entry(
            "scale_dask_chemistry_2_vs_1_workers",
            timings[2],
            timings[1],
            "ratio <= 1/1.7 = 0.588 (>= 1.7x faster)",
            speedup=round(timings[1] / timings[2], 3),
            n_molecules=len(smiles),
            identical=same,
            per_worker_molecules_per_s=round(len(smiles) / timings[1], 1),
        )
    ]
