"""``senotarget explain``: one compound's rows of a finished run, and the weights behind them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from senotarget.errors import UnknownCompoundError
from senotarget.report import files as report
from senotarget.schema import CandidateCols, EvidenceCols
from senotarget.stages.score import Contribution, breakdown

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Explanation", "explain"]


@dataclass(frozen=True)
class Explanation:
    """One compound's rows of a run: its candidate rows, its evidence rows, and the weights.

    ``breakdowns`` holds, per strategy of the compound's candidate rows, the score as its parts
    (:func:`senotarget.stages.score.breakdown`, the decomposition report.html draws).
    """

    run_dir: Path
    molecule_chembl_id: str
    pref_name: str
    candidates: pd.DataFrame
    evidence: pd.DataFrame
    weights: dict[str, float]
    breakdowns: dict[str, tuple[Contribution, ...]]


def explain(compound: str, run_dir: Path | None, out_dir: Path) -> Explanation:
    """Find a compound (ChEMBL id or preferred name, any case) in a run and return its breakdown.

    :param run_dir: the run folder; ``None`` takes the latest run under ``out_dir``
    :raises OutputError: no finished run
    :raises UnknownCompoundError: the compound is not among the run's candidates or evidence
    """
    from senotarget.errors import OutputError

    folder = run_dir or report.latest_run(out_dir)
    if folder is None:
        raise OutputError(
            f"no finished run under {out_dir}", "run `senotarget run` first, or pass --run DIR"
        )
    candidates = report.read_run_table(folder, "candidates.csv")
    evidence = report.read_run_table(folder, "evidence.csv")
    wanted = compound.strip().upper()
    ids = candidates[CandidateCols.MOLECULE_CHEMBL_ID].str.upper()
    names = candidates[CandidateCols.PREF_NAME].str.upper()
    match = candidates[(ids == wanted) | (names == wanted)]
    if match.empty:
        in_evidence = evidence[evidence[EvidenceCols.MOLECULE_CHEMBL_ID].str.upper() == wanted]
        if in_evidence.empty:
            raise UnknownCompoundError(
                f"compound {compound!r} is not in run {folder}",
                "give a ChEMBL id (e.g. CHEMBL443684) or preferred name from its candidates.csv",
                compound=compound,
                run_dir=folder,
            )
        molecule, name = str(in_evidence.iloc[0][EvidenceCols.MOLECULE_CHEMBL_ID]), ""
    else:
        molecule = str(match.iloc[0][CandidateCols.MOLECULE_CHEMBL_ID])
        name = str(match.iloc[0][CandidateCols.PREF_NAME])
    manifest = report.read_manifest(folder)
    weights = {k: float(v) for k, v in manifest.get("settings", {}).get("weights", {}).items()}
    rows = candidates[candidates[CandidateCols.MOLECULE_CHEMBL_ID] == molecule]
    return Explanation(
        run_dir=folder,
        molecule_chembl_id=molecule,
        pref_name=name,
        candidates=rows,
        evidence=evidence[evidence[EvidenceCols.MOLECULE_CHEMBL_ID] == molecule],
        weights=weights,
        breakdowns={
            str(row[CandidateCols.STRATEGY]): breakdown(row, weights)
            for row in rows.to_dict("records")
        },
    )
