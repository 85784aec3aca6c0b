"""Tests for :mod:`senotarget.stages.parents`: one parent per molecule, whatever the row order."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pytest

from senotarget.schema import MoleculeCols, ParentCols
from senotarget.stages import chemistry, parents
from tests.test_chemistry import ASPIRIN, DICLOFENAC, DICLOFENAC_NA, DIPHENHYDRAMINE

#: (id, hierarchy parent, SMILES) -> expected (parent id, basis)
PARENT_CASES: list[tuple[str, str | None, str | None, str, str]] = [
    # a) ChEMBL's hierarchy decides, even when the parent is not in the table
    ("CHEMBL25", "CHEMBL25", ASPIRIN, "CHEMBL25", "molecule_hierarchy"),
    ("CHEMBL777", "CHEMBL778", None, "CHEMBL778", "molecule_hierarchy"),
    # b) a hydrate maps to the hierarchy parent of itself with the same parent InChIKey
    ("CHEMBL3000", None, ASPIRIN + ".O", "CHEMBL25", "structure_pipeline"),
    # b) two parent-like diclofenac records: each is its own parent; the salt takes the smaller
    #    numeric id (CHEMBL99 < CHEMBL1000, though "CHEMBL1000" < "CHEMBL99" as text)
    ("CHEMBL1000", None, DICLOFENAC, "CHEMBL1000", "structure_pipeline"),
    ("CHEMBL99", None, DICLOFENAC, "CHEMBL99", "structure_pipeline"),
    ("CHEMBL5000", None, DICLOFENAC_NA, "CHEMBL99", "structure_pipeline"),
    # b) a salt whose parent is absent from the table is its own parent
    ("CHEMBL657", None, DIPHENHYDRAMINE + ".Cl", "CHEMBL657", "self"),
    # a structure that cannot be standardised has no parent key: itself
    ("CHEMBL4000", None, "C1CC", "CHEMBL4000", "self"),
    # c) no structure and no hierarchy row
    ("CHEMBL9999", None, None, "CHEMBL9999", "no_structure"),
    ("CHEMBL9998", "", "", "CHEMBL9998", "no_structure"),
]


def _molecule_table(cases: Sequence[tuple[str, str | None, str | None, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            MoleculeCols.MOLECULE_CHEMBL_ID: [c[0] for c in cases],
            MoleculeCols.PREF_NAME: [None] * len(cases),
            MoleculeCols.MAX_PHASE: [None] * len(cases),
            MoleculeCols.MOLECULE_TYPE: ["Small molecule"] * len(cases),
            MoleculeCols.HIERARCHY_PARENT: [c[1] for c in cases],
            MoleculeCols.CANONICAL_SMILES: [c[2] for c in cases],
        },
        columns=list(MoleculeCols.ORDER),
    )


def test_assign_parents_table() -> None:
    molecules = _molecule_table(PARENT_CASES)
    chem = chemistry.standardise(molecules, cache_dir=None, workers=1)
    out = parents.assign_parents(molecules, chem)
    assert list(out.columns) == list(ParentCols.ORDER)
    assert out.index.tolist() == list(range(len(PARENT_CASES)))
    assert [tuple(r) for r in out.itertuples(index=False)] == [
        (c[0], c[3], c[4]) for c in PARENT_CASES
    ]


@pytest.mark.parametrize("case", PARENT_CASES, ids=[c[0] for c in PARENT_CASES])
def test_assign_parents_does_not_depend_on_row_order(
    case: tuple[str, str | None, str | None, str, str],
) -> None:
    cases = [case, *[c for c in reversed(PARENT_CASES) if c is not case]]
    molecules = _molecule_table(cases)
    chem = chemistry.standardise(molecules, cache_dir=None, workers=1)
    out = parents.assign_parents(molecules, chem)
    assert tuple(out.iloc[0].tolist()) == (case[0], case[3], case[4])
