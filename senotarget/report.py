"""Write a run's reports atomically under ``<out>/<run-id>/``.

Every file of a run is written into a hidden temporary folder beside the final one, which is then
renamed into place in one ``os.rename``: a failed or killed run leaves no half-written report, and
a reader never sees a run folder without its manifest (STYLE 13; none of the anchors does this).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from senotarget.errors import OutputError
from senotarget.schema import (
    CandidateCols,
    ChangeCols,
    EvidenceCols,
    TargetCols,
    ValidationCols,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MANIFEST",
    "TABLES",
    "latest_run",
    "prepare_output",
    "read_run_table",
    "validate_run_id",
    "write_run",
]

logger = logging.getLogger(__name__)

RUN_ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
MANIFEST: Final = "manifest.json"
#: File name -> the column order it is written in. Every run has these three.
TABLES: Final = {
    "candidates.csv": CandidateCols.ORDER,
    "evidence.csv": EvidenceCols.ORDER,
    "targets.csv": TargetCols.ORDER,
}
#: Tables a run has when it applies: ``validation.csv`` (a known-compounds list was read) and
#: ``changes.csv`` (a refresh compared the run with the previous one).
OPTIONAL_TABLES: Final = {
    "validation.csv": ValidationCols.ORDER,
    "changes.csv": ChangeCols.ORDER,
}
_ORDERS: Final = {**TABLES, **OPTIONAL_TABLES}


def validate_run_id(run_id: str) -> str:
    """Return ``run_id`` if it is a plain folder name; raise :class:`OutputError` otherwise.

    A run id becomes a folder under the output directory, so path separators, ``..`` and leading
    dots (hidden or temporary folders) are refused.
    """
    if not RUN_ID_PATTERN.match(run_id) or ".." in run_id:
        raise OutputError(
            f"run id {run_id!r} is not a plain name",
            "use letters, digits, '.', '_' or '-' only (no '/', no '..'), "
            "e.g. --run-id my-panel-2026",
        )
    return run_id


def prepare_output(out_dir: Path, run_id: str) -> Path:
    """Check, before any work, that ``out_dir/run_id`` can be written and does not exist yet.

    :returns: the final run folder (not created yet)
    :raises OutputError: the run id is not a plain name, the folder exists, or ``out_dir`` cannot
        be created or written
    """
    validate_run_id(run_id)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".write-test-"):
            pass
    except OSError as error:
        raise OutputError(
            f"output folder {out_dir} is not writable ({error.strerror or error})",
            "pass --out a folder you can write to (or set SENOTARGET_OUT_DIR)",
        ) from None
    run_dir = out_dir / run_id
    if run_dir.exists():
        raise OutputError(
            f"run folder {run_dir} already exists",
            "pass a new --run-id, or remove the old run folder",
        )
    return run_dir


def write_run(
    run_dir: Path,
    tables: Mapping[str, pd.DataFrame],
    manifest: Mapping[str, Any],
) -> Path:
    """Write the tables (CSV, exact column order of :data:`TABLES`) and the manifest, atomically.

    :param run_dir: the final folder from :func:`prepare_output`
    :param tables: file name -> table
    :param manifest: JSON-ready run metadata
    :returns: ``run_dir``
    :raises OutputError: the folder appeared meanwhile or the disk refused a write; nothing is left
        behind in either case
    """
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{run_dir.name}.tmp-", dir=run_dir.parent))
    try:
        for name, table in tables.items():
            columns = list(_ORDERS.get(name, table.columns))
            table.loc[:, columns].to_csv(staging / name, index=False, lineterminator="\n")
        with (staging / MANIFEST).open("w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=2, sort_keys=False, default=str)
            handle.write("\n")
        write_exports(staging)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(
            staging, 0o777 & ~umask
        )  # mkdtemp makes 0700; a run folder is shared like any other
        os.rename(staging, run_dir)
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


def _replace_atomically(path: Path, write: Any) -> None:
    """Call ``write(tmp_path)``, then move the file into place in one ``os.replace``."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_exports(folder: Path, top: int | None = None) -> list[str]:
    """Write report.html and the exports of a run folder from its CSV tables and manifest.

    The tables are the source of truth, so a re-render gives what the run gave:

    * ``report.html``: the self-contained report (:mod:`senotarget.render`), ``top`` candidates
      per strategy (default: the run's ``report_top`` setting);
    * ``<table>.parquet`` for every CSV table (pyarrow), for analysis tools;
    * ``candidates.sdf``: one record per candidates.csv row with the parent structure and every
      column as an SD property (RDKit ``SDWriter``); a compound without a usable structure (a
      biologic) is an empty molecule with its properties, so no row is lost.

    Each file is written to a temporary name and moved into place.

    :returns: the names of the files written
    """
    from senotarget import render

    tables = {name: read_table_file(folder / name) for name in TABLES}
    extra = {
        name: read_table_file(folder / name)
        for name in OPTIONAL_TABLES
        if (folder / name).is_file()
    }
    manifest = read_manifest(folder)
    shown = top or int(manifest.get("settings", {}).get("report_top") or render.DEFAULT_TOP)
    html = render.render_html(
        tables["candidates.csv"],
        tables["evidence.csv"],
        tables["targets.csv"],
        manifest,
        shown,
        validation=extra.get("validation.csv"),
        changes=extra.get("changes.csv"),
    )
    _replace_atomically(
        folder / render.REPORT_HTML, lambda tmp: tmp.write_text(html, encoding="utf-8")
    )
    written = [render.REPORT_HTML]
    for name, table in {**tables, **extra}.items():
        parquet = folder / name.replace(".csv", ".parquet")
        _replace_atomically(parquet, lambda tmp, t=table: t.to_parquet(tmp, index=False))
        written.append(parquet.name)
    candidates = tables["candidates.csv"]
    _replace_atomically(folder / SDF, lambda tmp: _write_sdf(candidates, tmp))
    written.append(SDF)
    return written


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

    from senotarget.chemistry import without_rdkit_log

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
    the pool starts as the chemistry stage's does (:func:`senotarget.chemistry.process_context`).
    """
    from concurrent.futures import BrokenExecutor, ProcessPoolExecutor

    from senotarget.chemistry import process_context

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


def read_table_file(path: Path) -> pd.DataFrame:
    """Read one CSV table as written by :func:`write_run` (empty cells are missing values)."""
    import pandas as pd

    return pd.read_csv(path, keep_default_na=False, na_values=[""], low_memory=False)


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``.

    :raises OutputError: the folder cannot be written
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
        ) as handle:
            handle.write(text)
        os.replace(handle.name, path)
    except OSError as error:
        raise OutputError(
            f"cannot write {path} ({error.strerror or error})",
            "pass -o a path in a writable folder",
        ) from None
    return path


def latest_run(out_dir: Path, panel: str | None = None) -> Path | None:
    """The most recently finished run folder under ``out_dir`` (by its manifest's mtime).

    :param panel: only runs of the panel with this name (the manifest's ``panel.name``)
    """
    if not out_dir.is_dir():
        return None
    runs = [
        p
        for p in out_dir.iterdir()
        if p.is_dir() and (p / MANIFEST).is_file() and not p.name.startswith(".")
    ]
    if panel is not None:
        runs = [p for p in runs if _panel_of(p) == panel]
    return max(runs, key=lambda p: (p / MANIFEST).stat().st_mtime_ns) if runs else None


def _panel_of(run_dir: Path) -> str | None:
    try:
        manifest = json.loads((run_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = manifest.get("panel", {}).get("name") if isinstance(manifest, dict) else None
    return name if isinstance(name, str) else None


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """A finished run's manifest.json.

    :raises OutputError: the folder is not a finished senotarget run
    """
    try:
        loaded = json.loads((run_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise OutputError(
            f"{run_dir} is not a finished senotarget run ({MANIFEST}: {error})",
            "pass a folder written by `senotarget run`",
        ) from None
    if not isinstance(loaded, dict):
        raise OutputError(
            f"{run_dir}/{MANIFEST} is not a run manifest",
            "pass a folder written by `senotarget run`",
        )
    return loaded


def read_run_table(run_dir: Path, name: str) -> pd.DataFrame:
    """Read one table of a finished run.

    :raises OutputError: the folder is not a finished senotarget run
    """
    path = run_dir / name
    if not (run_dir / MANIFEST).is_file() or not path.is_file():
        raise OutputError(
            f"{run_dir} is not a finished senotarget run (no {MANIFEST} or {name})",
            "pass a folder written by `senotarget run`",
        )
    return read_table_file(path)
