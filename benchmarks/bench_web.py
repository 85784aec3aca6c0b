"""HTTP requests and bytes of the default-panel fetch through the web source, against the stand-in.

Three runs against one local REST stand-in serving the real extract, each a fresh process:
senotarget's settings with a cold cache, the same with the cache warm, and every field (the
client's default, no ``.only()``) at 1000 rows a page with no cache, for the bytes. The minimum is
``ceil(rows / 1000)`` requests per list query and id chunk (at least one), plus ``/status`` and
``/spore``; the official client's default of 20 rows a page needs ``ceil(rows / 20)`` for the same
queries (its own paging rule), computed from the cold run's query log rather than served page by
page (about 6,000 deep-offset pages would time the stand-in, not the client). Targets: <= 1.05x
the minimum, >= 20x fewer requests than the defaults, 0 requests on the warm re-run.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

#: Fetches the default panel's evidence through the web source and prints what it asked.
CHILD = """
import json, sys
from pathlib import Path
from senotarget.stages import fetch, resolve
from senotarget.config import load_settings
from senotarget.panels.load import load_panel
from senotarget.sources.web import WebSource
url, cache, page, only = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
web = WebSource(url, cache_dir=Path(cache) if cache else None, page_size=page, use_only=only)
settings = load_settings(env={})
panel = load_panel("default")
components = web.search_targets(panel.genes(), 9606)
targets = resolve.resolve_targets(panel, components, settings.thresholds)
evidence = fetch.fetch_evidence(web, targets)
print(json.dumps({"queries": web.query_log, "activities": len(evidence.activities),
                  "molecules": len(evidence.molecules)}))
"""


def _child(url: str, cache: str, page: int, only: bool) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, url, cache, str(page), "1" if only else "0"],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def run(db: Path) -> list[dict[str, Any]]:
    """Run the three fetches and return results.json entries."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.stub import StubServer

    entries: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="senotarget-web-") as scratch, StubServer(db) as stub:
        measured: dict[str, dict[str, Any]] = {}
        for name, cache, page, only in (
            ("cold", scratch, 1000, True),
            ("warm", scratch, 1000, True),
            ("all_fields", "", 1000, False),
        ):
            stub.counters.reset()
            result = _child(stub.base_url, cache, page, only)
            counts = stub.counters.snapshot()
            measured[name] = {
                **result,
                "requests": counts["total"],
                "bytes": counts["bytes_sent"],
                "by_resource": counts["requests"],
            }
    cold = measured["cold"]
    minimum = 2 + sum(max(1, math.ceil(rows / 1000)) for _, rows in cold["queries"])
    all_fields = measured["all_fields"]
    default_requests = 2 + sum(max(1, math.ceil(rows / 20)) for _, rows in cold["queries"])
    entries.append(
        {
            "benchmark": "web_requests_cold_vs_minimum",
            "measured": cold["requests"],
            "floor": minimum,
            "ratio": round(cold["requests"] / minimum, 4),
            "unit": "requests",
            "target": "ratio <= 1.05",
            "bytes": cold["bytes"],
            "by_resource": cold["by_resource"],
            "activities": cold["activities"],
            "molecules": cold["molecules"],
        }
    )
    entries.append(
        {
            "benchmark": "web_requests_cold_vs_client_defaults",
            "measured": cold["requests"],
            "floor": default_requests,
            "ratio": round(cold["requests"] / default_requests, 4),
            "unit": "requests",
            "target": "ratio <= 0.05 (>= 20x fewer)",
            "fewer": round(default_requests / cold["requests"], 1),
            "note": "client defaults: 20 rows a page (requests from the query log), every field",
            "bytes": cold["bytes"],
            "bytes_every_field": all_fields["bytes"],
            "bytes_ratio": round(cold["bytes"] / all_fields["bytes"], 4),
        }
    )
    warm = measured["warm"]
    entries.append(
        {
            "benchmark": "web_requests_warm_rerun",
            "measured": warm["requests"],
            "floor": 0,
            "ratio": None,
            "unit": "requests",
            "target": "0",
            "bytes": warm["bytes"],
        }
    )
    return entries


def equivalence(db: Path, structures: Path | None) -> dict[str, Any]:
    """Compare the default panel's CSVs from ``--source sql`` and ``--source web``.

    The web run goes through the local stand-in serving the same file; candidates.csv,
    evidence.csv and targets.csv must be identical byte for byte. ``structures`` is a warm
    structure cache to share, so the check times the sources rather than RDKit.
    """
    import os

    from senotarget.config import load_settings
    from senotarget.pipeline import run as run_pipeline

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.stub import StubServer

    with tempfile.TemporaryDirectory(prefix="senotarget-equiv-") as scratch:
        root = Path(scratch)
        for name in ("sql", "web"):
            (root / name).mkdir()
            if structures is not None and structures.is_dir():
                os.symlink(structures, root / name / "structures")
        common: dict[str, Any] = {"out_dir": root / "reports", "env": {}}
        sql = run_pipeline(
            load_settings(
                source="sql", chembl_db=str(db), cache_dir=root / "sql", run_id="sql", **common
            )
        )
        with StubServer(db) as stub:
            web = run_pipeline(
                load_settings(
                    source="web",
                    chembl_url=stub.base_url,
                    cache_dir=root / "web",
                    run_id="web",
                    **common,
                )
            )
        same = {
            name: (Path(sql.run_dir) / name).read_bytes() == (Path(web.run_dir) / name).read_bytes()
            for name in ("candidates.csv", "evidence.csv", "targets.csv")
        }
    return {
        "benchmark": "web_vs_sql_reports_identical",
        "measured": int(all(same.values())),
        "floor": 1,
        "ratio": None,
        "unit": "bool",
        "target": "1 (identical CSVs)",
        "files": same,
    }


def main() -> None:
    """Print the entries for ``--db FILE`` (default: the shared extract)."""
    db = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path("../shared/chembl/chembl_senotarget.sqlite")
    )
    print(json.dumps(run(db.resolve()), indent=2))


if __name__ == "__main__":
    main()
