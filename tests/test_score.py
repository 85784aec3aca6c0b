"""score: the decomposable score, its components, and deterministic tie-breaking."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from senotarget.config import load_settings
from senotarget.schema import (
    CallCols,
    CandidateCols,
    ChemCols,
    MoleculeCols,
    Panel,
    PanelEntry,
    ParentCols,
    RunResult,
    SupportCols,
    TargetCols,
)
from senotarget.stages.score import PHASE_SCORE, score_candidates


def test_score_is_the_weighted_sum_of_its_components(fixture_run: RunResult) -> None:
    table = pd.read_csv(Path(fixture_run.run_dir) / "candidates.csv")
    weights = load_settings(env={}).weights
    total = sum(getattr(weights, c) * table[c] for c in CandidateCols.COMPONENTS)
    assert (total - table[CandidateCols.SCORE]).abs().max() < 1e-3
    for component in CandidateCols.COMPONENTS:
        assert table[component].between(0, 1).all(), component


def test_components_of_one_row(fixture_run: RunResult) -> None:
    table = pd.read_csv(Path(fixture_run.run_dir) / "candidates.csv").set_index(
        ["strategy", "molecule_chembl_id"]
    )
    row = table.xs(("senolytic", "CHEMBL900001")).to_dict()
    evidence = 0.5 * math.log1p(3) / math.log1p(20) + 0.5 * math.log1p(2) / math.log1p(10)
    assert (row["best_pchembl"], row["n_assays"], row["n_documents"], row["max_phase"]) == (
        7.96,
        3,
        2,
        4.0,
    )
    assert (
        row["potency"],
        row["evidence"],
        row["maturity"],
        row["direction_certainty"],
        row["breadth"],
        row["alert_penalty"],
    ) == (
        0.66,
        round(evidence, 4),
        1.0,
        1.0,
        1.0,
        0.5,
    )
    assert row["druglikeness"] == row["qed"]


@pytest.mark.parametrize(("phase", "expected"), sorted(PHASE_SCORE.items()))
def test_phase_scores_are_monotonic_in_clinical_progress(phase: float, expected: float) -> None:
    assert 0 <= expected <= 1
    if phase >= 1:
        assert expected > PHASE_SCORE[0.5]


Inputs = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]


def _inputs(calls: list[dict[str, object]], phases: dict[str, float]) -> Inputs:
    call_frame = pd.DataFrame(calls).reindex(columns=list(CallCols.ORDER))
    ids = sorted(phases)
    molecules = pd.DataFrame(
        {
            MoleculeCols.MOLECULE_CHEMBL_ID: ids,
            MoleculeCols.PREF_NAME: ids,
            MoleculeCols.MAX_PHASE: [phases[i] for i in ids],
            MoleculeCols.MOLECULE_TYPE: None,
            MoleculeCols.HIERARCHY_PARENT: None,
            MoleculeCols.CANONICAL_SMILES: "C",
        }
    )
    parents = pd.DataFrame(
        {
            ParentCols.MOLECULE_CHEMBL_ID: ids,
            ParentCols.PARENT_CHEMBL_ID: ids,
            ParentCols.PARENT_BASIS: "self",
        }
    )
    chem = pd.DataFrame(
        {
            ChemCols.MOLECULE_CHEMBL_ID: ids,
            ChemCols.STANDARD_SMILES: "C",
            ChemCols.PARENT_SMILES: "C",
            ChemCols.PARENT_INCHIKEY: "",
            ChemCols.QED: 0.5,
            ChemCols.PAINS: "",
            ChemCols.BRENK: "",
            ChemCols.SCAFFOLD: "",
            ChemCols.STATUS: "ok",
            ChemCols.REASON: "",
        }
    )
    targets = pd.DataFrame(
        [
            {
                TargetCols.GENE_SYMBOL: "G",
                TargetCols.STRATEGIES: "senolytic",
                TargetCols.STATUS: "resolved",
                TargetCols.TARGET_CHEMBL_ID: "CHEMBL1",
            }
        ]
    )
    support = pd.DataFrame(columns=list(SupportCols.ORDER))
    return call_frame, support, targets, molecules, parents, chem


def call(molecule: str, direction: str, best: float, qualifies: bool = True) -> dict[str, object]:
    return {
        CallCols.MOLECULE_CHEMBL_ID: molecule,
        CallCols.LABEL: "l",
        CallCols.GENE_SYMBOL: "G",
        CallCols.STRATEGIES: "senolytic",
        CallCols.WANTED: "inhibit",
        CallCols.DIRECTION: direction,
        CallCols.DIRECTION_SOURCE: "",
        CallCols.ACTION_TYPES: "",
        CallCols.BEST_PCHEMBL: best,
        CallCols.BEST_TYPE: "IC50",
        CallCols.N_ASSAYS: 1,
        CallCols.N_DOCUMENTS: 1,
        CallCols.HAS_MECHANISM: direction == "mechanism",
        CallCols.MEETS_POTENCY: best >= 6,
        CallCols.INACTIVE_ONLY: False,
        CallCols.QUALIFIES: qualifies,
        CallCols.EVIDENCE_TEXT: f"t {molecule}",
        CallCols.CAUTION: "",
        CallCols.FLAGS: "",
        CallCols.TARGET_IDS: "CHEMBL1",
    }


TIES = [
    (
        "same score: lower ChEMBL number first",
        [call("CHEMBL1000", "inferred", 7.0), call("CHEMBL25", "inferred", 7.0)],
        {"CHEMBL1000": 1.0, "CHEMBL25": 1.0},
        ["CHEMBL25", "CHEMBL1000"],
    ),
    (
        "contrary rows rank after candidates",
        [call("CHEMBL1", "contrary", 9.5, qualifies=False), call("CHEMBL2", "inferred", 6.0)],
        {"CHEMBL1": 4.0, "CHEMBL2": 0.0},
        ["CHEMBL2", "CHEMBL1"],
    ),
    (
        "higher score first",
        [call("CHEMBL1", "inferred", 6.5), call("CHEMBL2", "inferred", 8.0)],
        {"CHEMBL1": 0.0, "CHEMBL2": 0.0},
        ["CHEMBL2", "CHEMBL1"],
    ),
]


@pytest.mark.parametrize(
    ("calls", "phases", "order"), [t[1:] for t in TIES], ids=[t[0] for t in TIES]
)
def test_ranking_order(
    calls: list[dict[str, object]], phases: dict[str, float], order: list[str]
) -> None:
    inputs = _inputs(calls, phases)
    panel = Panel("t", (PanelEntry("l", ("G",), ("senolytic",), "inhibit", "", "c"),), "t")
    table = score_candidates(*inputs, panel, load_settings(env={}))
    assert list(table.columns) == list(CandidateCols.ORDER)
    assert list(table[CandidateCols.MOLECULE_CHEMBL_ID]) == order
    assert list(table[CandidateCols.RANK]) == list(range(1, len(order) + 1))
