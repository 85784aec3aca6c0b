"""``make bench``: the default-panel run on the real extract, against floors of the same run.

Writes ``benchmarks/results.json``: one object per benchmark with the measured figure, its floor
(or peer) measured in the same run, their ratio, and the target. Figures:

* whole run, cold structure cache and warm, wall time and peak RSS (a fresh ``senotarget run``
  process each, so imports and start-up count);
* fetch + curate against one raw ``sqlite3`` query reading the same activity rows (target <= 2x);
* chemistry against a bare loop of the same library calls on the same SMILES (target <= 1.2x on one
  process), two workers against one (target >= 1.7x faster), and the warm re-run against the cold
  one (target < 5 %);
* PostgreSQL load and fetch against SQLite, and chemistry on 2 Dask workers against 1
  (:mod:`benchmarks.bench_scale`);
* ``targets from-doc`` recall and precision on the shared and the repository's own documents
  (:mod:`benchmarks.bench_from_doc`, target >= 95 % recall on every set);
* the validation table (known senotherapeutics found with their label, per strategy) and the time
  to render report.html (:mod:`benchmarks.bench_report`).

Run: ``python -m benchmarks.run --db ../shared/chembl/chembl_senotarget.sqlite``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import bench_chemistry, bench_from_doc, bench_report, bench_scale, bench_web
from benchmarks.processes import Measured, run_sampled

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"

#: Runs the pipeline in a fresh process and prints its timings and peak memory as JSON.
CHILD = """
import json, resource, sys, time
from pathlib import Path
from senotarget.config import load_settings
from senotarget.pipeline import run
start = time.perf_counter()
settings = load_settings(env={}, chembl_db=sys.argv[1], cache_dir=Path(sys.argv[2]),
                         out_dir=Path(sys.argv[3]), run_id=sys.argv[4])
result = run(settings)
wall = time.perf_counter() - start
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
timings = {t.stage: t.seconds for t in result.timings}
print(json.dumps({"run_dir": result.run_dir, "wall": wall, "rss_main": own,
                  "rss_worker": workers, "timings": timings, "counts": result.counts}))
"""


def _sampled_child(command: list[str]) -> tuple[str, str, Measured]:
    """Run ``command`` with :func:`run_sampled`, its output in files (a pipe could fill up)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        measured = run_sampled(command, stdout=out, stderr=err)
        out.seek(0)
        err.seek(0)
        return out.read(), err.read(), measured


def whole_run(db: Path, cache: Path, out: Path, run_id: str) -> dict[str, Any]:
    """Run the default panel in a fresh process; wall time from outside, stages from inside.

    While it runs, the summed RSS of its process tree (the run and its worker processes) is
    sampled every 0.2 s from /proc: ``rss_tree`` is the peak of that sum, the memory the run
    really held at once.
    """
    stdout, stderr, measured = _sampled_child(
        [sys.executable, "-c", CHILD, str(db), str(cache), str(out), run_id]
    )
    outside = measured.seconds
    peak = measured.peak_tree_bytes
    if measured.returncode:
        raise SystemExit(f"benchmarks: the run failed ({measured.returncode}):\n{stderr[-2000:]}")
    report: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    report["wall_process"] = outside
    report["rss_tree"] = peak
    return report


def fetch_curate_vs_floor(db: Path, repeats: int) -> dict[str, Any]:
    """Fetch + curate of the default panel against the raw floor, best of ``repeats`` each.

    The floor executes the sql source's own activity statement (same SQL text, same rows and
    columns) with plain ``sqlite3`` and ``fetchall``: what any tool must pay to read the rows.
    Each side is timed ``repeats`` times in this process and the minimum is kept (the timeit
    convention: single SQLite timings on this machine vary by up to 2x).
    """
    from senotarget.config import load_settings
    from senotarget.panels.load import load_panel
    from senotarget.schema import TargetCols
    from senotarget.sources.sql import _ACTIVITIES, SqlSource
    from senotarget.stages import curate, fetch, resolve

    settings = load_settings(env={})
    source = SqlSource(str(db))
    panel = load_panel("default")
    components = source.search_targets(panel.genes(), settings.thresholds.tax_id)
    targets = resolve.resolve_targets(panel, components, settings.thresholds)
    resolved = targets[targets[TargetCols.STATUS] == "resolved"]
    ids = sorted(set(resolved[TargetCols.TARGET_CHEMBL_ID]))
    sql = _ACTIVITIES.replace("{action_type}", "act.action_type").replace(
        "{targets}", "(" + ",".join("?" * len(ids)) + ")"
    )
    stack: list[float] = []
    floor: list[float] = []
    rows = 0
    for _ in range(repeats):
        start = time.perf_counter()
        evidence = fetch.fetch_evidence(source, targets)
        curate.flag_activities(evidence.activities, targets, settings.thresholds)
        stack.append(time.perf_counter() - start)
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        start = time.perf_counter()
        rows = len(connection.execute(sql, ids).fetchall())
        floor.append(time.perf_counter() - start)
        connection.close()
    source.close()
    return {
        "stack": min(stack),
        "floor": min(floor),
        "rows": rows,
        "stack_all": [round(x, 3) for x in stack],
        "floor_all": [round(x, 3) for x in floor],
    }


def entry(
    name: str, measured: float, floor: float | None, target: str, unit: str = "s", **extra: Any
) -> dict[str, Any]:
    """One results.json object."""
    ratio = measured / floor if floor else None
    return {
        "benchmark": name,
        "measured": round(measured, 4),
        "floor": None if floor is None else round(floor, 4),
        "ratio": None if ratio is None else round(ratio, 4),
        "unit": unit,
        "target": target,
        **extra,
    }


def whole_run_entries(cold: dict[str, Any], warm: dict[str, Any]) -> list[dict[str, Any]]:
    """The whole-run entries: cold and warm wall time, and the cold run's peak memory."""
    gib = 1024**3
    return [
        entry("whole_run_cold", cold["wall_process"], None, "< 180 s", stages=cold["timings"]),
        entry("whole_run_warm", warm["wall_process"], None, "< 30 s", stages=warm["timings"]),
        entry(
            "peak_rss_cold",
            cold["rss_tree"] / gib,
            None,
            "< 1.5 GiB",
            unit="GiB",
            note="peak of the summed RSS of the run's process tree, sampled every 0.2 s; "
            "main_gib and worker_gib are the main process's and the largest child's own peaks",
            main_gib=round(cold["rss_main"] / gib, 3),
            worker_gib=round(cold["rss_worker"] / gib, 3),
        ),
    ]


def _write(path: Path, document: dict[str, Any]) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _replace(path: Path, prefix: str, entries: list[dict[str, Any]]) -> None:
    """Replace the results file's entries whose name starts with ``prefix`` by ``entries``."""
    document = json.loads(path.read_text(encoding="utf-8"))
    kept = [r for r in document["results"] if not r["benchmark"].startswith(prefix)]
    document["results"] = kept + entries
    _write(path, document)


def main(argv: list[str] | None = None) -> None:
    """Run every benchmark and write results.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="ChEMBL SQLite file")
    parser.add_argument(
        "--chem-limit", type=int, default=0, help="molecules for the chemistry floors (0 = all)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--repeats", type=int, default=5, help="repeats for fetch + curate")
    parser.add_argument(
        "--only",
        choices=(
            "all",
            "web",
            "report",
            "runs",
            "from-doc",
            "scale",
            "scale-release",
            "scale-sqlite",
            "scale-peer",
        ),
        default="all",
        help="web / report / runs / from-doc: rerun only those benchmarks and replace their "
        "entries in the "
        "results file (report: one warm run with the repository's structure cache; runs: the "
        "whole runs, cold and warm, and the peak memory)",
    )
    parser.add_argument(
        "--factors",
        default="1,10,100",
        help="scale: the sizes of the scaled extract, comma-separated multiples of its activities",
    )
    parser.add_argument(
        "--structures",
        type=Path,
        help="scale-sqlite: a warm structure cache folder (<cache>/structures) to start from",
    )
    parser.add_argument(
        "--peer-factors",
        default="1,10",
        help="scale: the sizes CAPRICHO runs at (empty: none)",
    )
    args = parser.parse_args(argv)
    if not args.db.is_file():
        sys.exit(f"benchmarks: {args.db} not found: pass --db a ChEMBL SQLite file")
    db = args.db.resolve()
    if args.only == "scale-sqlite":  # the SQLite runs alone, warm from --structures
        if args.structures is None:
            sys.exit("benchmarks: --only scale-sqlite needs --structures CACHE/structures")
        found = bench_scale.series(
            db,
            tuple(int(f) for f in args.factors.split(",") if f),
            postgres_too=False,
            peer_factors=(),
            structures=args.structures,
            name="scale_sqlite",
        )
        _replace(args.out, "scale_sqlite_", found)
        return
    if args.only == "scale-peer":  # 1x: cold, cold on a release's chemistry, warm; CAPRICHO
        found = bench_scale.series(
            db, (1,), postgres_too=False, peer_factors=(1,), name="scale_peer1x"
        )
        for item in found:
            print(item["benchmark"], item["measured"], item["floor"], item["ratio"])
        _replace(args.out, "scale_peer1x_", found)
        return
    if args.only == "scale-release":  # the release-chemistry figure alone
        found = bench_scale.release_chemistry(db)
        print(found[0])
        _replace(args.out, "scale_chemistry_release", found)
        return
    if args.only == "scale":
        found = bench_scale.postgres(db) + bench_scale.dask_chemistry(db)
        found += bench_scale.release_chemistry(db)
        found += bench_scale.series(
            db,
            tuple(int(f) for f in args.factors.split(",") if f),
            peer_factors=tuple(int(f) for f in args.peer_factors.split(",") if f),
        )
        for item in found:
            print(item["benchmark"], item["measured"], item["floor"], item["ratio"])
        _replace(args.out, "scale_", found)
        return
    if args.only == "from-doc":
        scored, found = bench_from_doc.run(db)
        print(bench_from_doc.markdown(scored))
        _replace(args.out, "from_doc_", found)
        return
    if args.only == "web":
        structures = Path(__file__).resolve().parents[1] / "data" / "cache" / "structures"
        _replace(args.out, "web_", [*bench_web.run(db), bench_web.equivalence(db, structures)])
        return
    if args.only == "runs":
        document = json.loads(args.out.read_text(encoding="utf-8"))
        names = ("whole_run_cold", "whole_run_warm", "peak_rss_cold")
        kept = [r for r in document["results"] if r["benchmark"] not in names]
        with tempfile.TemporaryDirectory(prefix="senotarget-bench-") as scratch:
            root = Path(scratch)
            cold = whole_run(db, root / "cache", root / "reports", "cold")
            warm = whole_run(db, root / "cache", root / "reports", "warm")
        document["results"] = whole_run_entries(cold, warm) + kept
        _write(args.out, document)
        return
    if args.only == "report":
        document = json.loads(args.out.read_text(encoding="utf-8"))
        kept = [
            r
            for r in document["results"]
            if not r["benchmark"].startswith(("validation_", "report_"))
        ]
        structures = Path(__file__).resolve().parents[1] / "data" / "cache"
        with tempfile.TemporaryDirectory(prefix="senotarget-bench-") as scratch:
            done = whole_run(db, structures, Path(scratch), "report")
            run_dir = Path(done["run_dir"])
            document["results"] = (
                kept + bench_report.validation(run_dir) + bench_report.render(run_dir)
            )
        _write(args.out, document)
        return

    with tempfile.TemporaryDirectory(prefix="senotarget-bench-") as scratch:
        root = Path(scratch)
        print("whole run, cold structure cache ...", file=sys.stderr)
        cold = whole_run(db, root / "cache", root / "reports", "cold")
        print("whole run, warm structure cache ...", file=sys.stderr)
        warm = whole_run(db, root / "cache", root / "reports", "warm")
        print("fetch + curate against the raw query ...", file=sys.stderr)
        fc = fetch_curate_vs_floor(db, args.repeats)
        print("validation and report rendering ...", file=sys.stderr)
        reporting = [
            *bench_report.validation(Path(cold["run_dir"])),
            *bench_report.render(Path(cold["run_dir"])),
        ]
        print("chemistry floors ...", file=sys.stderr)
        smiles = bench_chemistry.read_smiles(db, args.chem_limit or None)
        chem = bench_chemistry.run(smiles, root / "chem-cache")
        print("web source against the local REST stand-in ...", file=sys.stderr)
        web = [*bench_web.run(db), bench_web.equivalence(db, root / "cache" / "structures")]

    one, two = chem["stage_1_worker_cold"], chem["stage_2_workers_cold"]
    results = whole_run_entries(cold, warm)
    results += [
        entry(
            "fetch_curate_vs_raw_sqlite_query",
            fc["stack"],
            fc["floor"],
            "ratio <= 2",
            activity_rows=fc["rows"],
            method=f"best of {args.repeats} in one process, each side",
            stack_all=fc["stack_all"],
            floor_all=fc["floor_all"],
            in_run_fetch=cold["timings"]["fetch"],
            in_run_curate=cold["timings"]["curate"],
        ),
        entry(
            "chemistry_1_worker_vs_bare_loop",
            chem["stage_1_worker_cold"],
            chem["bare_loop"],
            "ratio <= 1.2",
            n_molecules=int(chem["n_molecules"]),
        ),
        entry(
            "chemistry_2_workers_vs_1_worker",
            chem["stage_2_workers_cold"],
            chem["stage_1_worker_cold"],
            "ratio <= 1/1.7 = 0.588 (>= 1.7x faster)",
            speedup=round(one / two, 3),
        ),
        entry(
            "chemistry_warm_vs_cold",
            chem["stage_warm"],
            chem["stage_2_workers_cold"],
            "ratio < 0.05",
        ),
        entry(
            "pipeline_chemistry_stage_warm_vs_cold",
            warm["timings"]["chemistry"],
            cold["timings"]["chemistry"],
            "ratio < 0.05",
        ),
        *web,
        *reporting,
        *bench_from_doc.run(db)[1],
        *bench_scale.postgres(db),
        *bench_scale.dask_chemistry(db),
    ]
    document = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "database": str(db),
        "counts": cold["counts"],
        "results": results,
    }
    _write(args.out, document)
    for item in results:
        ratio = f"ratio {item['ratio']}" if item["ratio"] is not None else ""
        print(
            f"{item['benchmark']:<40} {item['measured']:>10} {item['unit']:<4} {ratio:<16} "
            f"target {item['target']}"
        )


if __name__ == "__main__":
    main()
