"""The parents stage: the compound each molecule's activities are aggregated on (DESIGN §4).

ChEMBL's ``molecule_hierarchy`` decides where it has a row; otherwise the ChEMBL structure
pipeline's parent (Bento et al. 2020, J Cheminform 12:51), matched by parent InChIKey.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from typing import TYPE_CHECKING

from senotarget.schema import ChemCols, MoleculeCols, ParentBasis, ParentCols
from senotarget.stages.chemistry import has_structure, require_columns

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["assign_parents"]

logger = logging.getLogger(__name__)

_CHEMBL_ID = re.compile(r"CHEMBL(\d+)")


def _chembl_id_order(chembl_id: str) -> tuple[int, int, str]:
    """Sort key putting ChEMBL ids in numeric order (CHEMBL25 before CHEMBL1000)."""
    match = _CHEMBL_ID.fullmatch(chembl_id)
    return (0, int(match.group(1)), chembl_id) if match else (1, 0, chembl_id)


def _present(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def assign_parents(molecules: pd.DataFrame, chem: pd.DataFrame) -> pd.DataFrame:
    """Map each molecule to the parent compound its activities are aggregated on (DESIGN §4).

    ChEMBL's ``molecule_hierarchy`` decides when it has a row. Without one, the structure
    pipeline's parent InChIKey (Bento et al. 2020, J Cheminform 12:51) is looked up among the
    *parent-like* molecules of the table: those the pipeline left unchanged (standardised SMILES
    equal to parent SMILES: no salt or solvent stripped, no charge neutralised) and those that are
    their own hierarchy parent. A parent-like molecule is its own parent; any other takes the
    matching parent-like molecule with the smallest numeric ChEMBL id, so the choice does not
    depend on row order.

    :param molecules: the molecule table, columns :data:`MoleculeCols.ORDER` (only the id,
        ``hierarchy_parent_chembl_id`` and ``canonical_smiles`` are read)
    :param chem: :func:`standardise`'s output for these molecules
    :returns: one row per molecule, in input order, columns :data:`ParentCols.ORDER`:

        - ``molecule_chembl_id``;
        - ``parent_chembl_id``: the parent's ChEMBL id; a hierarchy parent missing from
          ``molecules`` is still returned, for the caller to fetch;
        - ``parent_basis``: ``molecule_hierarchy`` (ChEMBL's hierarchy row),
          ``structure_pipeline`` (matched by parent InChIKey, or parent-like itself), ``self``
          (a structure whose parent is not in the table, or that could not be standardised) or
          ``no_structure`` (no SMILES and no hierarchy row).
    :raises ValueError: when a required column is missing
    """
    import pandas as pd

    require_columns(
        molecules,
        (
            MoleculeCols.MOLECULE_CHEMBL_ID,
            MoleculeCols.HIERARCHY_PARENT,
            MoleculeCols.CANONICAL_SMILES,
        ),
        "molecules",
    )
    require_columns(
        chem,
        (
            ChemCols.MOLECULE_CHEMBL_ID,
            ChemCols.STANDARD_SMILES,
            ChemCols.PARENT_SMILES,
            ChemCols.PARENT_INCHIKEY,
        ),
        "chem",
    )

    by_id: dict[str, tuple[str, str, str]] = {}
    for mid, std, par, key in zip(
        chem[ChemCols.MOLECULE_CHEMBL_ID].tolist(),
        chem[ChemCols.STANDARD_SMILES].tolist(),
        chem[ChemCols.PARENT_SMILES].tolist(),
        chem[ChemCols.PARENT_INCHIKEY].tolist(),
        strict=True,
    ):
        if _present(mid) and mid not in by_id:
            by_id[mid] = (
                std if _present(std) else "",
                par if _present(par) else "",
                key if _present(key) else "",
            )

    ids = molecules[MoleculeCols.MOLECULE_CHEMBL_ID].tolist()
    hierarchy = molecules[MoleculeCols.HIERARCHY_PARENT].tolist()
    smiles = molecules[MoleculeCols.CANONICAL_SMILES].tolist()

    parent_like: set[str] = set()
    best: dict[str, str] = {}  # parent InChIKey -> parent-like molecule with the smallest id
    for mid, hier in zip(ids, hierarchy, strict=True):
        std, par, key = by_id.get(mid, ("", "", ""))
        if not key or not ((std and std == par) or hier == mid):
            continue
        parent_like.add(mid)
        current = best.get(key)
        if current is None or _chembl_id_order(mid) < _chembl_id_order(current):
            best[key] = mid

    parents: list[str] = []
    bases: list[ParentBasis] = []
    for mid, hier, smi in zip(ids, hierarchy, smiles, strict=True):
        parent, basis = _parent_of(mid, hier, smi, by_id, parent_like, best)
        parents.append(parent)
        bases.append(basis)

    frame = pd.DataFrame(
        {
            ParentCols.MOLECULE_CHEMBL_ID: ids,
            ParentCols.PARENT_CHEMBL_ID: parents,
            ParentCols.PARENT_BASIS: bases,
        },
        columns=list(ParentCols.ORDER),
    )
    logger.info(
        "parents: %s",
        ", ".join(f"{k}={v}" for k, v in sorted(Counter(bases).items())) or "no molecules",
    )
    return ParentCols.check(frame, "parents")


def _parent_of(
    mid: str,
    hierarchy_parent: object,
    smiles: object,
    by_id: dict[str, tuple[str, str, str]],
    parent_like: set[str],
    best: dict[str, str],
) -> tuple[str, ParentBasis]:
    if _present(hierarchy_parent):
        return str(hierarchy_parent), "molecule_hierarchy"
    if not has_structure(smiles):
        return mid, "no_structure"
    if mid in parent_like:
        return mid, "structure_pipeline"
    key = by_id.get(mid, ("", "", ""))[2]
    match = best.get(key) if key else None
    if match is not None:
        return match, "structure_pipeline"
    return mid, "self"
