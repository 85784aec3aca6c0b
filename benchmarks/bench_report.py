"""Benchmarks on a finished run: the validation table, and the time to render report.html.

* ``validation_<strategy>``: known compounds (``benchmarks/known_senotherapeutics.csv``) found
  with the expected label, against the number listed; each compound's status, labels, rank,
  percentile and reason ride along, so results.json is the validation table;
* ``report_html_render``: rendering report.html from the run's files, against the floor of
  reading those files (what any re-render pays), with the page's size;
* ``report_rerender_all``: ``senotarget report RUN_DIR`` (report.html, Parquet, SDF).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

from senotarget.schema import STRATEGIES, ValidationCols


def _best(function: Any, repeats: int) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def validation(run_dir: Path) -> list[dict[str, Any]]:
    """One entry per strategy with known compounds: found with the label / listed."""
    from senotarget.report.files import read_table_file

    table = read_table_file(run_dir / "validation.csv")
    entries = []
    for strategy in STRATEGIES:
        rows = table[table[ValidationCols.EXPECTED] == strategy]
        # a positive control passes when found with its label, a negative one when it holds
        passed = int(rows[ValidationCols.STATUS].isin(["found", "negative_ok"]).sum())

        def number(value: Any, kind: type) -> Any:
            return None if pd.isna(value) else kind(value)

        compounds = [
            {
                "compound": r[ValidationCols.COMPOUND],
                "molecule_chembl_id": r[ValidationCols.MOLECULE_CHEMBL_ID],
                "expect": r[ValidationCols.EXPECT],
                "status": r[ValidationCols.STATUS],
                "labels": "" if pd.isna(r[ValidationCols.LABELS]) else r[ValidationCols.LABELS],
                "rank": number(r[ValidationCols.RANK], int),
                "n_candidates": int(r[ValidationCols.N_CANDIDATES]),
                "percentile": number(r[ValidationCols.PERCENTILE], float),
                "entry": r[ValidationCols.ENTRY],
                "entry_rank": number(r[ValidationCols.ENTRY_RANK], int),
                "entry_size": number(r[ValidationCols.ENTRY_SIZE], int),
                "reason": r[ValidationCols.REASON],
                "citation": r[ValidationCols.CITATION],
            }
            for r in rows.to_dict("records")
        ]
        entries.append(
            {
                "benchmark": f"validation_{strategy}",
                "measured": passed,
                "floor": len(rows),
                "ratio": round(passed / len(rows), 4) if len(rows) else None,
                "unit": "compounds",
                "target": "every listed compound present in the data found with its label, every "
                "negative control holding",
                "compounds": compounds,
            }
        )
    return entries


def render(run_dir: Path, repeats: int = 3) -> list[dict[str, Any]]:
    """Time report.html alone and the whole re-render, against reading the run's files."""
    from senotarget.report import html as render_module
    from senotarget.report.files import OPTIONAL_TABLES, TABLES, read_manifest, read_table_file
    from senotarget.runs.diff import rerender

    def read() -> dict[str, Any]:
        names = [*TABLES, *(n for n in OPTIONAL_TABLES if (run_dir / n).is_file())]
        return {name: read_table_file(run_dir / name) for name in names} | {
            "manifest": read_manifest(run_dir)
        }

    floor, tables = _best(read, repeats)

    def html() -> str:
        return str(
            render_module.render_html(
                tables["candidates.csv"],
                tables["evidence.csv"],
                tables["targets.csv"],
                tables["manifest"],
                validation=tables.get("validation.csv"),
                changes=tables.get("changes.csv"),
            )
        )

    html_seconds, page = _best(html, repeats)
    all_seconds, _ = _best(lambda: rerender(run_dir), 1)
    size = (run_dir / render_module.REPORT_HTML).stat().st_size
    return [
        {
            "benchmark": "report_html_render",
            "measured": round(html_seconds + floor, 4),
            "floor": round(floor, 4),
            "ratio": round((html_seconds + floor) / floor, 4),
            "unit": "s",
            "target": "seconds, not minutes (read the run's files + render)",
            "report_html_bytes": size,
            "rendered_bytes": len(page.encode("utf-8")),
        },
        {
            "benchmark": "report_rerender_all",
            "measured": round(all_seconds, 4),
            "floor": round(floor, 4),
            "ratio": round(all_seconds / floor, 4),
            "unit": "s",
            "target": "report.html + Parquet + SDF from the run's CSVs",
        },
    ]
