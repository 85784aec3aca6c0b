"""The cluster stage: leader clustering on Morgan fingerprints, the leader being the best member.

The structures are small hand-made series; their Morgan (radius 2, 2048 bits) Tanimoto
similarities, which the cases rest on, are asserted in :func:`test_the_series_similarities`.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from senotarget.schema import CandidateCols
from senotarget.stages.cluster import assign_clusters, cluster_structures

#: Two series and a singleton: A1-A3 decyl benzoates, B1-B2 aminonicotinic acids, C1 a ketal.
SMILES = {
    "A1": "CCCCCCCCCCOC(=O)c1ccccc1",
    "A2": "CCCCCCCCCCOC(=O)c1ccccc1C",
    "A3": "CCCCCCCCCCOC(=O)c1ccc(Cl)cc1",
    "B1": "O=C(O)c1ccncc1N",
    "B2": "O=C(O)c1ccncc1NC",
    "C1": "C1CCC2(CC1)OCCO2",
}


def test_the_series_similarities() -> None:
    from rdkit import Chem, DataStructs
    from rdkit.Chem import rdFingerprintGenerator

    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    fp = {k: generator.GetFingerprint(Chem.MolFromSmiles(v)) for k, v in SMILES.items()}
    pairs = {
        (a, b): round(DataStructs.TanimotoSimilarity(fp[a], fp[b]), 2)
        for a, b in (("A1", "A2"), ("A1", "A3"), ("A2", "A3"), ("B1", "B2"), ("A1", "B1"))
    }
    assert pairs == {
        ("A1", "A2"): 0.64,
        ("A1", "A3"): 0.71,
        ("A2", "A3"): 0.53,
        ("B1", "B2"): 0.53,
        ("A1", "B1"): 0.16,
    }
    assert all(DataStructs.TanimotoSimilarity(fp["C1"], fp[k]) == 0 for k in SMILES if k != "C1")


#: (case, compounds best first, similarity, leader of each: the position of its cluster's leader)
STRUCTURE_CASES: list[tuple[str, list[str], float, list[int]]] = [
    ("default 0.5: two series and a singleton", list(SMILES), 0.5, [0, 0, 0, 3, 3, 5]),
    ("0.6: B2 (0.53) leads itself", list(SMILES), 0.6, [0, 0, 0, 3, 4, 5]),
    ("0.7: only A3 (0.71) joins A1", list(SMILES), 0.7, [0, 1, 0, 3, 4, 5]),
    ("1.0: identical fingerprints only", ["A1", "A1", "A2"], 1.0, [0, 0, 2]),
    # A1 is closer to A3 (0.71) than to A2 (0.64), but joins the first leader it is near enough
    ("first leader wins, not the nearest", ["A2", "A3", "A1"], 0.6, [0, 1, 0]),
    ("order decides the leader", ["A3", "A1", "A2"], 0.5, [0, 0, 0]),
    (
        "no structure, unparseable: no cluster",
        ["", "A1", "not a smiles", "A2"],
        0.5,
        [-1, 1, -1, 1],
    ),
    ("nothing to cluster", ["", ""], 0.5, [-1, -1]),
    ("empty", [], 0.5, []),
]


@pytest.mark.parametrize(
    ("names", "similarity", "expected"),
    [c[1:] for c in STRUCTURE_CASES],
    ids=[c[0] for c in STRUCTURE_CASES],
)
def test_cluster_structures(names: list[str], similarity: float, expected: list[int]) -> None:
    smiles = [SMILES.get(n, n) for n in names]
    assert cluster_structures(smiles, similarity) == expected


_DEFAULTS = {"str": "", "int64": 0, "float64": math.nan, "bool": False}


def _row(molecule: str, strategy: str, score: float, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {str(c): _DEFAULTS[c.dtype] for c in CandidateCols.COLUMNS}
    row.update(
        {
            CandidateCols.STRATEGY: strategy,
            CandidateCols.MOLECULE_CHEMBL_ID: molecule,
            CandidateCols.SCORE: score,
            CandidateCols.IS_CANDIDATE: True,
            CandidateCols.PARENT_BASIS: "self",
            CandidateCols.CANONICAL_SMILES: SMILES.get(molecule.removeprefix("CHEMBL_"), ""),
        }
    )
    row.update(values)
    return row


#: (case, candidates rows, molecule -> cluster)
ASSIGN_CASES: list[tuple[str, list[dict[str, Any]], dict[str, str]]] = [
    (
        "the best-scored member leads, whatever the row order",
        [
            _row("CHEMBL_A1", "senolytic", 0.2),
            _row("CHEMBL_A2", "senolytic", 0.9),
            _row("CHEMBL_A3", "senolytic", 0.5),
        ],
        {"CHEMBL_A1": "CHEMBL_A2", "CHEMBL_A2": "CHEMBL_A2", "CHEMBL_A3": "CHEMBL_A2"},
    ),
    (
        "a compound's best score over its strategies counts",
        [
            _row("CHEMBL_A1", "senolytic", 0.6),
            _row("CHEMBL_A3", "senolytic", 0.7),
            _row("CHEMBL_A1", "senomorphic", 0.8),
        ],
        {"CHEMBL_A1": "CHEMBL_A1", "CHEMBL_A3": "CHEMBL_A1"},
    ),
    (
        "candidates lead before rows that are not candidates",
        [
            _row("CHEMBL_A1", "senolytic", 0.9, is_candidate=False, direction_ok=False),
            _row("CHEMBL_A3", "senolytic", 0.1),
        ],
        {"CHEMBL_A1": "CHEMBL_A3", "CHEMBL_A3": "CHEMBL_A3"},
    ),
    (
        "ties go to the lower ChEMBL number",
        [_row("CHEMBL_B2", "senolytic", 0.5), _row("CHEMBL_B1", "senolytic", 0.5)],
        {"CHEMBL_B1": "CHEMBL_B1", "CHEMBL_B2": "CHEMBL_B1"},
    ),
    (
        "a compound without a structure is in no cluster",
        [_row("CHEMBL_X", "senolytic", 0.9), _row("CHEMBL_C1", "senolytic", 0.1)],
        {"CHEMBL_X": "", "CHEMBL_C1": "CHEMBL_C1"},
    ),
]


@pytest.mark.parametrize(
    ("rows", "expected"), [c[1:] for c in ASSIGN_CASES], ids=[c[0] for c in ASSIGN_CASES]
)
def test_assign_clusters(rows: list[dict[str, Any]], expected: dict[str, str]) -> None:
    candidates = CandidateCols.conform(pd.DataFrame(rows))
    out = assign_clusters(candidates, 0.5)
    assert list(out.columns) == list(CandidateCols.ORDER)
    clusters = zip(out[CandidateCols.MOLECULE_CHEMBL_ID], out[CandidateCols.CLUSTER], strict=True)
    assert dict(clusters) == expected
    pd.testing.assert_frame_equal(
        out.drop(columns=CandidateCols.CLUSTER), candidates.drop(columns=CandidateCols.CLUSTER)
    )


def test_assign_clusters_on_no_rows() -> None:
    out = assign_clusters(CandidateCols.empty(), 0.5)
    assert list(out.columns) == list(CandidateCols.ORDER)
    assert out.empty
