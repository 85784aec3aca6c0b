"""Scale figures (issue 13): runs on 1x-100x copies of the extract, PostgreSQL, Dask, a peer.

* ``scale_series``: the default panel run on copies of the extract scaled to 1x, 10x and 100x
  activities (:mod:`benchmarks.scale_extract`: docs, assays and activities repeated under new
  ids), on SQLite and on PostgreSQL, each in a fresh process: wall time and peak memory per stage
  (the run's manifest), the peak of the process tree (sampled from /proc), and the fitted growth
  exponents of the activity-bound stages' wall time and of the peak memory; the first run is cold
  (empty structure cache), the others warm; the peer, CAPRICHO, on the same copies
  (:mod:`benchmarks.peer_capricho`);

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

import shutil
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


def dask_chemistry(db: Path, limit: int = 4000) -> list[dict[str, Any]]:
    """Cold chemistry on a LocalCluster of 2 workers against 1 (start-up included).

    4,000 structures: the cluster's start-up costs the same on both sides, so the fewer the
    structures, the more it holds the ratio down (2,000 gave 1.68x and 2.04x in two sessions).
    """
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


#: Runs the pipeline in a fresh process with the settings given as JSON; prints what it measured.
SERIES_CHILD = """
import json, sys, time
from pathlib import Path
from senotarget.config import load_settings
from senotarget.pipeline import run
values = json.loads(sys.argv[1])
for key in ("cache_dir", "out_dir"):
    values[key] = Path(values[key])
start = time.perf_counter()
result = run(load_settings(env={}, **values))
print(json.dumps({"run_dir": result.run_dir, "wall": time.perf_counter() - start,
                  "timings": {t.stage: t.seconds for t in result.timings},
                  "peak_rss_mb": {t.stage: t.peak_rss_mb for t in result.timings},
                  "counts": result.counts}))
"""

#: The stages whose work grows with the number of activity rows (the rest grow with molecules).
ACTIVITY_STAGES = ("fetch", "curate", "aggregate")


def measured_run(**settings: Any) -> dict[str, Any]:
    """One run in a fresh process: its own timings, and the peak RSS of its process tree."""
    import json
    import sys

    from benchmarks.run import _sampled_child

    values = {k: str(v) if isinstance(v, Path) else v for k, v in settings.items()}
    stdout, stderr, measured = _sampled_child(
        [sys.executable, "-c", SERIES_CHILD, json.dumps(values)]
    )
    if measured.returncode:
        raise SystemExit(
            f"benchmarks: a scale run failed ({measured.returncode}):\n{stderr[-2000:]}"
        )
    report: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    report["wall_process"] = round(measured.seconds, 3)
    report["rss_tree_mb"] = round(measured.peak_tree_bytes / 2**20, 1)
    return report


def exponent(sizes: list[float], values: list[float]) -> float | None:
    """The least-squares slope of log(value) on log(size): value ~ size ** exponent."""
    import math

    points = [(math.log(s), math.log(v)) for s, v in zip(sizes, values, strict=True) if v > 0]
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return None
    return round(sum((x - mean_x) * (y - mean_y) for x, y in points) / spread, 3)


def _row(backend: str, factor: int, report: dict[str, Any], **extra: Any) -> dict[str, Any]:
    import json

    timings = report["timings"]
    row = {
        "backend": backend,
        "factor": factor,
        "activities": report["counts"]["activities"],
        "wall_s": report["wall_process"],
        "activity_stages_s": round(sum(timings.get(s, 0.0) for s in ACTIVITY_STAGES), 3),
        "stages_s": timings,
        "peak_rss_mb_by_stage": report["peak_rss_mb"],
        "peak_rss_main_mb": max(report["peak_rss_mb"].values()),
        "rss_tree_mb": report["rss_tree_mb"],
        **extra,
    }
    print(json.dumps(row), flush=True)  # the log keeps what a later failure would lose
    return row


def _activity_seconds(report: dict[str, Any], stages: tuple[str, ...]) -> float:
    return round(float(sum(report["timings"].get(s, 0.0) for s in stages)), 3)


#: The stages CAPRICHO's ``get`` also does: resolve, fetch, curate, standardise, aggregate.
PEER_STAGES = ("resolve", "fetch", "curate", "chemistry", "aggregate")


def series(
    db: Path,
    factors: tuple[int, ...] = (1, 10, 100),
    *,
    postgres_too: bool = True,
    peer_factors: tuple[int, ...] = (1, 10),
    partition_rows: int = 200_000,
    structures: Path | None = None,
    name: str = "scale",
) -> list[dict[str, Any]]:
    """The default panel on copies of the extract scaled to ``factors``; one entry per figure.

    Every copy gets confidence scores where the extract has none (9, :func:`build_scaled`), for
    the peer's confidence filter: timing only. Runs share one structure cache: the very first
    run is cold (every structure through the pipeline), the rest warm (the molecules, and so the
    chemistry, are the same at every size). At 1x a further cold run (a new, empty structure
    cache) reads a copy that carries what a full release ships with its structures (a hierarchy
    row, InChIKey, QED and PAINS/Dundee alerts for every molecule:
    :func:`~benchmarks.scale_extract.give_release_chemistry`, timing only), so the chemistry
    stage takes them from the release, as it does on a real ChEMBL release.

    :param structures: a structure cache folder to start from (the runs are then all warm; no
        cold or release runs)
    :param name: the prefix of the entries' names
    """
    from benchmarks import peer_capricho
    from benchmarks.run import entry
    from benchmarks.scale_extract import build_scaled, give_release_chemistry
    from tests import postgres as pg

    rows: list[dict[str, Any]] = []
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="senotarget-scale-") as scratch:
        root = Path(scratch)
        cache = root / "cache"
        if structures is not None:
            shutil.copytree(structures, cache / "structures")
        common = {"out_dir": root / "out", "partition_rows": partition_rows}
        server_context = pg.running_server() if postgres_too and pg.binaries() else None
        server = server_context.__enter__() if server_context is not None else None
        peer_python = peer_capricho.ensure_venv(root / "capricho-venv") if peer_factors else None
        cold: dict[str, Any] = {}
        release: dict[str, Any] = {}
        try:
            for factor in factors:
                copy = root / f"chembl_x{factor}.sqlite"
                build_started = time.perf_counter()
                counts = build_scaled(db, copy, factor, confidence=9)
                built = round(time.perf_counter() - build_started, 2)
                if factor == factors[0] and structures is None:
                    cold = measured_run(
                        chembl_db=str(copy), run_id="cold", cache_dir=cache, **common
                    )
                    rows.append(_row("sqlite", factor, cold, run="cold", build_s=built))
                    keyed = root / "chembl_keys.sqlite"
                    build_scaled(db, keyed, factor, confidence=9)
                    given = give_release_chemistry(keyed, cache / "structures")
                    release = measured_run(
                        chembl_db=str(keyed), run_id="release", cache_dir=root / "c2", **common
                    )
                    rows.append(_row("sqlite", factor, release, run="cold_release", given=given))
                    keyed.unlink()
                report = measured_run(
                    chembl_db=str(copy), run_id=f"sqlite-{factor}", cache_dir=cache, **common
                )
                rows.append(_row("sqlite", factor, report, run="warm", build_s=built))
                if server is not None:
                    from senotarget.sources.pgload import load_sqlite

                    url = server.create_database(f"scale{factor}")
                    load = load_sqlite(copy, url)
                    on_pg = measured_run(
                        chembl_db=url, run_id=f"pg-{factor}", cache_dir=cache, **common
                    )
                    rows.append(_row("postgresql", factor, on_pg, run="warm", load_s=load.seconds))
                    server.drop_database(f"scale{factor}")
                if peer_python is not None and factor in peer_factors and structures is None:
                    out.append(_peer(peer_python, copy, root, factor, report, cold, release, name))
                    print(out[-1], flush=True)
                copy.unlink()
                print(f"scale x{factor}: {counts['activities']} activities", flush=True)
        finally:
            if server_context is not None:
                server_context.__exit__(None, None, None)

    for row in rows:
        out.append(
            entry(
                f"{name}_run_{row['backend']}_x{row['factor']}_{row['run']}",
                row["wall_s"],
                None,
                "the scale table (no target of its own)",
                **{k: v for k, v in row.items() if k != "wall_s"},
            )
        )
    for backend in ("sqlite", "postgresql"):
        warm = [r for r in rows if r["backend"] == backend and r["run"] == "warm"]
        if len(warm) < 2:
            continue
        sizes = [float(r["activities"]) for r in warm]
        fits: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
            ("wall", "activity_stages_s", "<= 1.1", {"stages": list(ACTIVITY_STAGES)}),
            ("rss", "peak_rss_main_mb", "<= 0.3",
             {"note": "peak RSS of the run's main process (the manifest's peak_rss_mb)"}),
        )  # fmt: skip
        for fit, column, target, about in fits:
            values = [r[column] for r in warm]
            out.append(
                entry(
                    f"{name}_exponent_{fit}_{backend}",
                    exponent(sizes, values) or 0.0,
                    None,
                    target,
                    unit="exponent",
                    **about,
                    activities=sizes,
                    **{"seconds" if fit == "wall" else "peak_rss_mb": values},
                )
            )
    return out


def _peer(
    python: Path,
    copy: Path,
    root: Path,
    factor: int,
    warm: dict[str, Any],
    cold: dict[str, Any],
    release: dict[str, Any],
    name: str,
) -> dict[str, Any]:
    """CAPRICHO on the same copy and targets, against senotarget's runs on it.

    senotarget's side is the same stages (:data:`PEER_STAGES`, from its manifest): cold (the
    structure pipeline on every molecule, as CAPRICHO always runs its own), cold on the copy
    that carries a release's own chemistry (``release``: no structure cache either; the copy
    differs only in columns CAPRICHO does not read) and warm (the structure cache, which
    CAPRICHO does not have). Memory: the peak of each process tree.
    """
    import pandas as pd

    from benchmarks import peer_capricho
    from benchmarks.run import entry

    targets = peer_capricho.panel_targets(copy)
    table = root / f"capricho_x{factor}.csv"
    try:
        peer = peer_capricho.run_peer(python, copy, targets, table)
    except RuntimeError as error:  # e.g. killed by the kernel's OOM killer (-9)
        first = str(error).splitlines()[0]
        return entry(
            f"{name}_peer_capricho_x{factor}",
            _activity_seconds(warm, PEER_STAGES),
            None,
            "senotarget >= 2x faster (ratio <= 0.5) and <= 0.5x the memory",
            peer_failed=first,
            senotarget_rss_tree_mb=warm["rss_tree_mb"],
            note="the peer did not finish on this machine (24 GiB); a -9 is the OOM killer",
        )
    ours = pd.read_csv(Path(warm["run_dir"]) / "evidence.csv", keep_default_na=False,
                       na_values={"median_pchembl": [""]})  # fmt: skip
    agreed = peer_capricho.agreement(table, ours) if factor == 1 else None
    warm_s = _activity_seconds(warm, PEER_STAGES)
    cold_s = _activity_seconds(cold, PEER_STAGES) if factor == 1 else None
    release_s = _activity_seconds(release, PEER_STAGES) if factor == 1 else None
    return entry(
        f"{name}_peer_capricho_x{factor}",
        warm_s,
        peer["seconds"],
        "senotarget >= 2x faster (ratio <= 0.5) and <= 0.5x the memory",
        peer_version=peer["version"],
        peer_seconds=peer["seconds"],
        peer_peak_rss_mb=peer["peak_rss_mb"],
        peer_pairs=peer["pairs"],
        senotarget_warm_seconds=warm_s,
        senotarget_cold_seconds=cold_s,
        cold_ratio=None if cold_s is None else round(cold_s / peer["seconds"], 3),
        senotarget_cold_release_seconds=release_s,
        cold_release_ratio=None if release_s is None else round(release_s / peer["seconds"], 3),
        senotarget_rss_tree_mb=warm["rss_tree_mb"],
        memory_ratio=round(warm["rss_tree_mb"] / peer["peak_rss_mb"], 3),
        cold_memory_ratio=None
        if factor != 1
        else round(cold["rss_tree_mb"] / peer["peak_rss_mb"], 3),
        cold_release_memory_ratio=None
        if factor != 1
        else round(release["rss_tree_mb"] / peer["peak_rss_mb"], 3),
        agreement=agreed,
        note="confidence scores given to the copy for timing only; senotarget's seconds are the "
        "manifest's resolve+fetch+curate+chemistry+aggregate, the peer's its whole `get` process",
    )


def markdown(results: list[dict[str, Any]]) -> str:
    """The README's scale table from results.json entries (``python -m benchmarks.bench_scale``)."""
    runs = [r for r in results if r["benchmark"].startswith("scale_run_")]
    header = (
        "| backend | size | activities | run | wall (s) | fetch | curate | chemistry | aggregate "
        "| fetch+curate+aggregate (s) | peak RSS main (MiB) | peak RSS tree (MiB) |"
    )
    lines = [header, "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        stages = r["stages_s"]
        lines.append(
            f"| {r['backend']} | {r['factor']}x | {r['activities']:,} | {r['run']} "
            f"| {r['measured']:.1f} | {stages.get('fetch', 0):.1f} | {stages.get('curate', 0):.1f} "
            f"| {stages.get('chemistry', 0):.1f} | {stages.get('aggregate', 0):.1f} "
            f"| {r['activity_stages_s']:.1f} | {r['peak_rss_main_mb']:,.0f} "
            f"| {r['rss_tree_mb']:,.0f} |"
        )
    lines.append("")
    for r in results:
        if r["benchmark"].startswith("scale_exponent_"):
            lines.append(f"- `{r['benchmark']}`: {r['measured']} (target {r['target']})")
    shown = ("ratio", "cold_ratio", "cold_release_ratio", "memory_ratio", "cold_memory_ratio",
             "cold_release_memory_ratio", "peer_peak_rss_mb",
             "senotarget_rss_tree_mb", "peer_failed")  # fmt: skip
    for r in results:
        if "_peer_capricho_" in r["benchmark"]:
            figures = ", ".join(f"{k} {r[k]}" for k in shown if r.get(k) is not None)
            lines.append(
                f"- `{r['benchmark']}`: senotarget {r['measured']} s, peer "
                f"{r.get('peer_seconds', 'did not finish')} s; {figures}"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    import json
    import sys

    document = json.loads(Path(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results.json")
                          .read_text(encoding="utf-8"))  # fmt: skip
    print(markdown(document["results"]))


def release_chemistry(db: Path, limit: int = 2000) -> list[dict[str, Any]]:
    """The chemistry of molecules a full release describes, against the structure pipeline's.

    A full release ships every structure's InChIKey, QED and alerts; the extract ships none, so
    this gives ``limit`` of its molecules the values the pipeline computes for them (keys, QED to
    two decimals, alert verdicts: timing only) and times :func:`chemistry.from_release` on them
    against the pipeline on one worker, cold. Both in this process; the answers are compared.
    """
    import pandas as pd

    from benchmarks.bench_chemistry import read_smiles
    from benchmarks.run import entry
    from senotarget.schema import ChemblPropertyCols, ChemCols, MoleculeCols
    from senotarget.stages import chemistry

    smiles = read_smiles(db, limit)
    ids = [f"M{i}" for i in range(len(smiles))]
    molecules = pd.DataFrame(
        {
            MoleculeCols.MOLECULE_CHEMBL_ID: ids,
            MoleculeCols.CANONICAL_SMILES: smiles,
            MoleculeCols.HIERARCHY_PARENT: ids,
        }
    )
    started = time.perf_counter()
    computed = chemistry.standardise(molecules, cache_dir=None, workers=1)
    pipeline_s = time.perf_counter() - started
    release = pd.DataFrame(
        {
            ChemblPropertyCols.MOLECULE_CHEMBL_ID: ids,
            ChemblPropertyCols.STANDARD_INCHI_KEY: computed[ChemCols.PARENT_INCHIKEY].replace(
                "", None
            ),
            ChemblPropertyCols.QED_WEIGHTED: computed[ChemCols.QED].round(2),
            ChemblPropertyCols.PAINS: computed[ChemCols.PAINS],
            ChemblPropertyCols.BRENK: computed[ChemCols.BRENK],
            ChemblPropertyCols.ALERTS_SCREENED: 1.0,
        }
    )
    started = time.perf_counter()
    taken, answered = chemistry.from_release(molecules, release)
    release_s = time.perf_counter() - started
    mine = computed[answered].reset_index(drop=True)
    same = {
        column: int((taken[column] == mine[column]).sum())
        for column in (ChemCols.PARENT_SMILES, ChemCols.PARENT_INCHIKEY, ChemCols.SCAFFOLD)
    }
    return [
        entry(
            "scale_chemistry_release_vs_pipeline",
            release_s,
            pipeline_s,
            "(no target): what a release with its own chemistry saves",
            n_molecules=len(smiles),
            answered_by_release=int(answered.sum()),
            identical_columns=same,
            per_molecule_ms={
                "release": round(1000 * release_s / max(1, int(answered.sum())), 3),
                "pipeline": round(1000 * pipeline_s / len(smiles), 3),
            },
            note="the release's values are the pipeline's own here (keys, QED to 2 decimals, "
            "alert verdicts): timing only",
        )
    ]
