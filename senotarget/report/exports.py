"""Write a run: its tables (CSV), manifest, report.html, Parquet copies and candidates.sdf.

Every file of a run is written into a hidden temporary folder beside the final one, which is then
renamed into place in one ``os.rename``: a failed or killed run leaves no half-written report, and
a reader never sees a run folder without its manifest (STYLE 13; none of the anchors does this).
The exports are rebuilt from the CSV tables alone, so ``senotarget report RUN_DIR`` gives what the
run gave.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from senotarget.config import Settings
from senotarget.errors import OutputError
from senotarget.report.files import (
    MANIFEST,
    OPTIONAL_TABLES,
    TABLES,
    read_manifest,
    read_table_file,
    table_order,
)
from senotarget.schema import CandidateCols
from senotarget.util.files import replace_atomically

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SDF", "write_exports", "write_run"]

logger = logging.getLogger(__name__)


def write_run(
    run_dir: Path,
    tables: Mapping[str, pd.DataFrame],
    manifest: Mapping[str, Any],
) -> Path:
    """Write the tables (CSV, exact column order of :data:`TABLES`) and the manifest, atomically.

    The manifest's ``timings_seconds.report`` is the time this function took to write the tables,
    the manifest, report.html and the exports (DESIGN §6); the manifest is written once more with
    it, inside the staging folder, so the run folder appears complete or not at all. report.html
    does not show that one figure (it cannot know it), so a re-render gives the same page.

    :param run_dir: the final folder from :func:`prepare_output`
    :param tables: file name -> table
    :param manifest: JSON-ready run metadata
    :returns: ``run_dir``
    :raises OutputError: the folder appeared meanwhile or the disk refused a write; nothing is left
        behind in either case
    """
    started = time.perf_counter()
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{run_dir.name}.tmp-", dir=run_dir.parent))
    try:
        for name, table in tables.items():
            columns = list(table_order(name, table.columns))
            table.loc[:, columns].to_csv(staging / name, index=False, lineterminator="\n")
        _write_manifest(staging, manifest)
        write_exports(staging)
        timings = {**manifest.get("timings_seconds", {})}
        timings["report"] = round(time.perf_counter() - started, 3)
        _write_manifest(staging, {**manifest, "timings_seconds": timings})
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(
            staging, 0o777 & ~umask
        )  # mkdtemp makes 0700; a run folder is shared like any other
        os.rename(staging, run_dir)
    except OutputError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(
            f"cannot write run folder {run_dir} ({error.strerror or error})",
            "free disk space or pass another --out / --run-id",
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return run_dir


SDF: Final = "candidates.sdf"


def _write_manifest(folder: Path, manifest: Mapping[str, Any]) -> None:
    with (folder / MANIFEST).open("w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=False, default=str)
        handle.write("\n")


def write_exports(
    folder: Path, top: int | None = None, per_cluster: int | None = None
) -> list[str]:
    """Write report.html and the exports of a run folder from its CSV tables and manifest.

    The tables are the source of truth, so a re-render gives what the run gave:

    * ``report.html``: the self-contained report (:mod:`senotarget.report.html`), ``top`` candidates
      per strategy, panel entry and gene (default: the run's ``report_top`` setting), at most
      ``per_cluster`` of one chemical cluster (default: the run's ``cluster_top`` setting);
    * ``<table>.parquet`` for every CSV table (pyarrow), for analysis tools;
    * ``candidates.sdf``: one record per candidates.csv row with the parent structure and every
      column as an SD property (RDKit ``SDWriter``); a compound without a usable structure (a
      biologic) is an empty molecule with its properties, so no row is lost.

    Each file is written to a temporary name and moved into place.

    :returns: the names of the files written
    """
    from senotarget.report import html as render

    tables = {name: read_table_file(folder / name) for name in TABLES}
    extra = {
        name: read_table_file(folder / name)
        for name in OPTIONAL_TABLES
        if (folder / name).is_file()
    }
    manifest = read_manifest(folder)
    run_settings = manifest.get("settings", {})
    shown = top or int(run_settings.get("report_top") or Settings.report_top)
    per = per_cluster or int(run_settings.get("cluster_top") or Settings.cluster_top)
    html = render.render_html(
        tables["candidates.csv"],
        tables["evidence.csv"],
        tables["targets.csv"],
        manifest,
        shown,
        per_cluster=per,
        validation=extra.get("validation.csv"),
        changes=extra.get("changes.csv"),
        rankings=extra.get("rankings.csv"),
        selectivity=extra.get("selectivity.csv"),
    )
    replace_atomically(
        folder / render.REPORT_HTML, lambda tmp: tmp.write_text(html, encoding="utf-8")
    )
    written = [render.REPORT_HTML]
    for name, table in {**tables, **extra}.items():
        parquet = folder / name.replace(".csv", ".parquet")
        replace_atomically(parquet, partial(_write_parquet, table))
        written.append(parquet.name)
    candidates = tables["candidates.csv"]
    replace_atomically(folder / SDF, lambda tmp: _write_sdf(candidates, tmp))
    written.append(SDF)
    return written


def _write_parquet(table: pd.DataFrame, path: Path) -> None:
    table.to_parquet(path, index=False)


#: candidates.csv rows per SDF block; blocks are written in parallel, then joined in row order.
SDF_CHUNK: Final = 2000


#: An SD property header as RDKit's SDWriter writes it: ``>  <name>  (record number) ``.
_SD_HEADER: Final = re.compile(r"^(>  <[^\n]*>  \()(\d+)(\) ?)$", re.MULTILINE)


def _sdf_block(task: tuple[int, list[dict[str, Any]]]) -> str:
    """SD records for candidates.csv rows ``offset``, ``offset + 1``, ... (a worker's task).

    Most of the cost is the 2-D coordinates RDKit computes for each mol block. SDWriter numbers
    the records of each property header from 1; the numbers are shifted by ``offset``, so blocks
    joined in order read exactly as one writer's output.
    """
    offset, records = task
    import io
    import math

    from rdkit import Chem

    from senotarget.util.rdkit_log import without_rdkit_log

    buffer = io.StringIO()
    with without_rdkit_log(), Chem.SDWriter(buffer) as writer:
        for row in records:
            smiles = row.get(CandidateCols.CANONICAL_SMILES)
            mol = Chem.MolFromSmiles(smiles) if isinstance(smiles, str) and smiles else None
            mol = mol if mol is not None else Chem.Mol()  # biologics keep their record
            mol.SetProp("_Name", str(row[CandidateCols.MOLECULE_CHEMBL_ID]))
            for key, value in row.items():
                missing = value is None or (isinstance(value, float) and math.isnan(value))
                mol.SetProp(str(key), "" if missing else str(value))
            writer.write(mol)
    text = buffer.getvalue()
    if offset == 0:
        return text
    return _SD_HEADER.sub(lambda m: f"{m[1]}{int(m[2]) + offset}{m[3]}", text)


def _write_sdf(candidates: pd.DataFrame, path: Path, workers: int = 0) -> None:
    """Write candidates.sdf, in blocks of :data:`SDF_CHUNK` rows over ``workers`` processes.

    The blocks are joined in row order, so the file does not depend on the number of processes;
    the pool starts as :func:`senotarget.util.processes.process_context` says.
    """
    from concurrent.futures import BrokenExecutor, ProcessPoolExecutor

    from senotarget.util.processes import process_context

    records = [{str(k): v for k, v in r.items()} for r in candidates.to_dict("records")]
    blocks = [(i, records[i : i + SDF_CHUNK]) for i in range(0, len(records), SDF_CHUNK)]
    processes = min(workers or os.cpu_count() or 1, len(blocks))
    done = 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        if processes > 1:
            try:
                with ProcessPoolExecutor(
                    max_workers=processes, mp_context=process_context()
                ) as pool:
                    for text in pool.map(_sdf_block, blocks):
                        handle.write(text)
                        done += 1
            except BrokenExecutor:  # a worker died: write the rest in this process
                logger.warning(
                    "the SDF worker pool broke; writing %d blocks in-process", len(blocks) - done
                )
        for block in blocks[done:]:
            handle.write(_sdf_block(block))
