"""``senotarget diff`` and ``senotarget report``: compare or re-render finished runs, offline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from senotarget.config import Settings
from senotarget.report import exports
from senotarget.report import files as report
from senotarget.stages import changes as diff

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["diff_runs", "rerender"]


def diff_runs(
    run_a: Path, run_b: Path, min_rank_move: int | None = None, output: Path | None = None
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Compare two finished runs (any two, offline); optionally write the changes CSV atomically.

    :raises OutputError: a folder is not a finished run, or the CSV cannot be written
    """
    changes = diff.diff_runs(
        report.read_run_table(run_a, "candidates.csv"),
        report.read_run_table(run_a, "evidence.csv"),
        report.read_run_table(run_b, "candidates.csv"),
        report.read_run_table(run_b, "evidence.csv"),
        min_rank_move or Settings.min_rank_move,
    )
    if output is not None:
        report.write_text_atomic(output, changes.to_csv(index=False, lineterminator="\n"))
    return changes, diff.change_counts(changes)


def rerender(run_dir: Path, top: int | None = None, per_cluster: int | None = None) -> list[str]:
    """Rebuild a finished run's report.html and exports from its CSV tables, without ChEMBL.

    :param top: candidates per strategy in report.html (default: the run's ``report_top``)
    :param per_cluster: members of one cluster per top list (default: the run's ``cluster_top``)
    :returns: the files written
    :raises OutputError: the folder is not a finished run
    """
    from senotarget.errors import OutputError

    for name in report.TABLES:
        report.read_run_table(run_dir, name)  # a finished run: its manifest and tables exist
    report.read_manifest(run_dir)  # and the manifest can be read
    try:
        return exports.write_exports(run_dir, top, per_cluster)
    except OutputError:
        raise  # says what is wrong with the run itself
    except OSError as error:
        raise OutputError(
            f"cannot write exports in {run_dir} ({error.strerror or error})",
            "check the folder's permissions",
        ) from None
