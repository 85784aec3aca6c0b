"""A run's folder: its name, its tables' file names and column orders, and reading it back.

Runs live under ``<out>/<run-id>/``; :mod:`senotarget.report.exports` writes them.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from senotarget.errors import OutputError
from senotarget.schema import (
    CandidateCols,
    ChangeCols,
    EvidenceCols,
    RankingCols,
    SelectivityCols,
    Table,
    TableContractError,
    TargetCols,
    ValidationCols,
)
from senotarget.util.files import replace_atomically

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MANIFEST",
    "TABLES",
    "default_run_id",
    "free_run_id",
    "latest_run",
    "prepare_output",
    "read_manifest",
    "read_run_table",
    "read_table_file",
    "reserved_run",
    "table_order",
    "validate_run_id",
    "write_text_atomic",
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
#: Tables a run has when it applies: ``validation.csv`` (a known-compounds list was read),
#: ``changes.csv`` (a refresh compared the run with the previous one), and ``rankings.csv`` /
#: ``selectivity.csv`` (every run since the rank stage; runs written before it lack them).
OPTIONAL_TABLES: Final = {
    "validation.csv": ValidationCols.ORDER,
    "changes.csv": ChangeCols.ORDER,
    "rankings.csv": RankingCols.ORDER,
    "selectivity.csv": SelectivityCols.ORDER,
}
_ORDERS: Final = {**TABLES, **OPTIONAL_TABLES}
#: File name -> the declared table it holds.
_CONTRACTS: Final[dict[str, type[Table]]] = {
    "candidates.csv": CandidateCols,
    "evidence.csv": EvidenceCols,
    "targets.csv": TargetCols,
    "validation.csv": ValidationCols,
    "changes.csv": ChangeCols,
    "rankings.csv": RankingCols,
    "selectivity.csv": SelectivityCols,
}


def table_order(name: str, columns: Iterable[str]) -> tuple[str, ...]:
    """The column order a run table is written in (its declared order; else as given)."""
    return tuple(_ORDERS.get(name, tuple(columns)))


def validate_run_id(run_id: str) -> str:
    """Return ``run_id`` if it is a plain folder name; raise :class:`OutputError` otherwise.

    A run id becomes a folder under the output directory, so path separators, ``..`` and leading
    dots (hidden or temporary folders) are refused.
    """
    if not RUN_ID_PATTERN.match(run_id) or ".." in run_id:
        shown = run_id if len(run_id) <= 60 else run_id[:57] + "..."
        raise OutputError(
            f"run id {shown!r} is not a plain name{_why_not_plain(run_id)}",
            "use letters, digits, '.', '_' or '-' only (no '/', no '..'), "
            "e.g. --run-id my-panel-2026",
        )
    return run_id


def _why_not_plain(run_id: str) -> str:
    """The first reason a run id is refused, in words (empty when the pattern says it all)."""
    if not run_id:
        return " (it is empty)"
    if len(run_id) > 128:
        return f" ({len(run_id)} characters; at most 128)"
    odd = next((c for c in run_id if not (c.isascii() and (c.isalnum() or c in "._-"))), None)
    if odd is not None:
        return f" (it has {odd!r})"
    if not run_id[0].isalnum():
        return f" (it starts with {run_id[0]!r})"
    return " (it has '..')" if ".." in run_id else ""


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


#: Suffix of the marker folder that holds a run id while its run is in progress.
RESERVED: Final = ".reserved"


def _reserve(marker: Path) -> None:
    """Make the marker folder, holding this machine's name and this process's id.

    A marker left by a run that was killed (its process is gone) is cleared first, with that
    run's staging folders.
    """
    if marker.is_dir() and _holder_is_gone(marker):
        run_id = marker.name[1 : -len(RESERVED)]
        for staging in marker.parent.glob(f".{glob.escape(run_id)}.tmp-*"):
            shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(marker, ignore_errors=True)
    marker.mkdir()
    (marker / "holder").write_text(f"{socket.gethostname()} {os.getpid()}\n", encoding="utf-8")


def _holder_is_gone(marker: Path) -> bool:
    """Whether the run holding ``marker`` ran on this machine and its process has ended."""
    try:
        host, pid = (marker / "holder").read_text(encoding="utf-8").split()
        if host != socket.gethostname():
            return False  # another machine's run on a shared folder: never guess
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (OSError, ValueError):
        return False
    return False


@contextmanager
def reserved_run(out_dir: Path, run_id: str | None, default_id: str) -> Iterator[Path]:
    """Check the output folder and hold a run id for the length of a run.

    Before any work the folder is checked (:func:`prepare_output`) and the id is held by a marker
    folder ``OUT/.<run-id>.reserved``, made with one atomic ``mkdir``, so two runs started in the
    same second never take the same default id (the second takes ``<id>-2``) and an explicit
    ``--run-id`` already in progress is refused at once, not after the work. The marker goes when
    the run ends; a run that fails also removes the output folder if it created it and it is
    empty.

    :param run_id: the id asked for, or ``None`` for ``default_id`` (or the first free variant)
    :returns: the run folder to write (not created yet)
    :raises OutputError: a bad id, an unwritable folder, or an id taken or in progress
    """
    existed = out_dir.exists()
    marker: Path | None = None
    _clear_stale_staging(out_dir)
    try:
        for _ in range(100):
            # an explicit but empty --run-id is refused (prepare_output says why), not replaced
            chosen = free_run_id(out_dir, default_id) if run_id is None else run_id
            run_dir = prepare_output(out_dir, chosen)
            try:
                _reserve(out_dir / f".{chosen}{RESERVED}")
            except FileExistsError:
                if run_id is not None:
                    raise OutputError(
                        f"run {chosen} is being written by another run in {out_dir}",
                        "pass a new --run-id",
                    ) from None
                continue  # another run took this default id a moment ago: take the next one
            marker = out_dir / f".{chosen}{RESERVED}"
            break
        else:  # pragma: no cover - a hundred runs started in one second
            raise OutputError(f"no free run id near {default_id}", "pass --run-id")
        yield run_dir
    except BaseException:
        if not existed:
            if marker is not None:
                shutil.rmtree(marker, ignore_errors=True)
                marker = None
            with suppress(OSError):
                out_dir.rmdir()  # only if empty: never a file of anyone's
        raise
    finally:
        if marker is not None:
            shutil.rmtree(marker, ignore_errors=True)


def _clear_stale_staging(out_dir: Path) -> None:
    """Remove the staging folders (``.<id>.tmp-*``) of runs that were killed while writing.

    A staging folder belongs to a run in progress while its ``.<id>.reserved`` marker is held by
    a live process; without a marker, or with one whose process is gone, nothing will ever
    finish it.
    """
    if not out_dir.is_dir():
        return
    for staging in out_dir.glob(".*.tmp-*"):
        run_id = staging.name[1:].rsplit(".tmp-", 1)[0]
        marker = out_dir / f".{run_id}{RESERVED}"
        if staging.is_dir() and (not marker.is_dir() or _holder_is_gone(marker)):
            shutil.rmtree(staging, ignore_errors=True)
            if marker.is_dir():
                shutil.rmtree(marker, ignore_errors=True)


def read_table_file(path: Path) -> pd.DataFrame:
    """Read one CSV table as written by :func:`write_run`, with its declared dtypes.

    A run table (:data:`TABLES`, :data:`OPTIONAL_TABLES`) comes back exactly as the stage that made
    it returned it: text columns as strings (an empty cell is ``""``), numbers as floats or
    integers (an empty cell is missing), booleans as booleans, and is checked against its
    contract (:meth:`senotarget.schema.Table.check`). Any other CSV is read as pandas infers it.

    :raises OutputError: the file is not a table this version of senotarget writes
    """
    import pandas as pd

    table = _CONTRACTS.get(path.name)
    if table is None:
        return pd.read_csv(path, keep_default_na=False, na_values=[""], low_memory=False)
    dtypes = table.dtypes()
    missing_as = {c: [""] for c, dtype in dtypes.items() if dtype not in ("str", "bool")}
    try:
        frame = pd.read_csv(
            path, dtype=dtypes, keep_default_na=False, na_values=missing_as, low_memory=False
        )
        return table.check(frame, str(path))
    except (ValueError, TableContractError) as error:
        raise OutputError(
            f"{path} is not a {path.name} this version of senotarget reads ({error})",
            "rerun `senotarget run` to write the run again",
        ) from None


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``.

    :raises OutputError: the folder cannot be written
    """
    folder = path.parent
    if (folder.exists() and not folder.is_dir()) or any(p.is_file() for p in folder.parents):
        blocker = next(p for p in (folder, *folder.parents) if p.exists() and not p.is_dir())
        raise OutputError(
            f"cannot write {path}: {blocker} is a file, not a folder",
            "pass -o a path in a folder",
            path=path,
        )
    try:
        replace_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"))
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


def default_run_id(panel_name: str, now: datetime | None = None) -> str:
    """``<panel>-<UTC timestamp>``, e.g. ``default-20261124T101500Z``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in panel_name)
    return f"{safe}-{stamp}"


def free_run_id(out_dir: Path, run_id: str) -> str:
    """``run_id``, or ``run_id-2``, ``-3`` ... when a run of that id exists already.

    A run exists when its folder does, or while it is in progress (its ``.<id>.reserved``
    marker).
    """
    candidate, n = run_id, 1
    while (out_dir / candidate).exists() or (out_dir / f".{candidate}{RESERVED}").exists():
        n += 1
        candidate = f"{run_id}-{n}"
    return candidate
