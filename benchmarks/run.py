"""``make bench``: the default-panel run on the real extract, against floors of the same run.

Writes ``benchmarks/results.json``: one object per benchmark with the measured figure, its floor
(or peer) measured in the same run, their ratio, and the target. Figures:

* whole run, cold structure cache and warm, wall time and peak RSS (a fresh ``senotarget run``
  process each, so imports and start-up count);
* fetch + curate against one raw ``sqlite3`` query reading the same activity rows (target <= 2x);
* chemistry against a bare loop of the same library calls on the same SMILES (target <= 1.2x on one
  process), two workers against one (target >= 1.7x faster), and the warm re-run against the cold
  one (target < 5 %).

Run: ``python -m benchmarks.run --db ../shared/chembl/chembl_senotarget.sqlite``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import bench_chemistry

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

RAW_ACTIVITY_QUERY = """
SELECT act.activity_id, md.chembl_id, td.chembl_id, ass.chembl_id, doc.chembl_id, ass.assay_type,
       ass.description, ass.confidence_score, ass.relationship_type, act.standard_type,
       act.standard_relation, act.standard_value, act.standard_units, act.pchembl_value,
       act.data_validity_comment, act.potential_duplicate, act.activity_comment, act.action_type
FROM target_dictionary td JOIN assays ass ON ass.tid = td.tid
JOIN activities act ON act.assay_id = ass.assay_id
JOIN molecule_dictionary md ON md.molregno = act.molregno
LEFT JOIN docs doc ON doc.doc_id = act.doc_id
WHERE td.chembl_id IN ({marks})
"""


def whole_run(db: Path, cache: Path, out: Path, run_id: str) -> dict[str, Any]:
    """Run the default panel in a fresh process; wall time from outside, stages from inside."""
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(cache), str(out), run_id],
        capture_output=True,
        text=True,
        check=True,
    )
    outside = time.perf_counter() - start
    report: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    report["wall_process"] = outside
    return report


def raw_activity_floor(db: Path, run_dir: Path) -> tuple[float, int]:
    """One raw sqlite3 query reading the same activity rows as the run (the fetch floor)."""
    import csv

    with (run_dir / "targets.csv").open(encoding="utf-8") as handle:
        ids = sorted(
            {r["target_chembl_id"] for r in csv.DictReader(handle) if r["status"] == "resolved"}
        )
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    start = time.perf_counter()
    rows = connection.execute(
        RAW_ACTIVITY_QUERY.format(marks=",".join("?" * len(ids))), ids
    ).fetchall()
    seconds = time.perf_counter() - start
    connection.close()
    return seconds, len(rows)


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


def main(argv: list[str] | None = None) -> None:
    """Run every benchmark and write results.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="ChEMBL SQLite file")
    parser.add_argument(
        "--chem-limit", type=int, default=0, help="molecules for the chemistry floors (0 = all)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not args.db.is_file():
        sys.exit(f"benchmarks: {args.db} not found: pass --db a ChEMBL SQLite file")
    db = args.db.resolve()

    with tempfile.TemporaryDirectory(prefix="senotarget-bench-") as scratch:
        root = Path(scratch)
        print("whole run, cold structure cache ...", file=sys.stderr)
        cold = whole_run(db, root / "cache", root / "reports", "cold")
        print("whole run, warm structure cache ...", file=sys.stderr)
        warm = whole_run(db, root / "cache", root / "reports", "warm")
        floor_seconds, floor_rows = raw_activity_floor(db, Path(cold["run_dir"]))
        fetch_curate = cold["timings"]["fetch"] + cold["timings"]["curate"]
        print("chemistry floors ...", file=sys.stderr)
        smiles = bench_chemistry.read_smiles(db, args.chem_limit or None)
        chem = bench_chemistry.run(smiles, root / "chem-cache")

    gib = 1024**3
    one, two = chem["stage_1_worker_cold"], chem["stage_2_workers_cold"]
    rss_total = cold["rss_main"] + 2 * cold["rss_worker"]
    results = [
        entry("whole_run_cold", cold["wall_process"], None, "< 180 s", stages=cold["timings"]),
        entry("whole_run_warm", warm["wall_process"], None, "< 30 s", stages=warm["timings"]),
        entry(
            "peak_rss_cold",
            rss_total / gib,
            None,
            "< 1.5 GiB",
            unit="GiB",
            note="main peak + 2 x largest worker peak (upper bound of the concurrent sum)",
            main_gib=round(cold["rss_main"] / gib, 3),
            worker_gib=round(cold["rss_worker"] / gib, 3),
        ),
        entry(
            "fetch_curate_vs_raw_sqlite_query",
            fetch_curate,
            floor_seconds,
            "ratio <= 2",
            activity_rows=floor_rows,
            fetch=cold["timings"]["fetch"],
            curate=cold["timings"]["curate"],
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
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, args.out)
    for item in results:
        ratio = f"ratio {item['ratio']}" if item["ratio"] is not None else ""
        print(
            f"{item['benchmark']:<40} {item['measured']:>10} {item['unit']:<4} {ratio:<16} "
            f"target {item['target']}"
        )


if __name__ == "__main__":
    main()
