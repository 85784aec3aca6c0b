"""The aggregate stage: curated activities and mechanisms summarised on the parent compound.

Per (parent, target, standard_type): the median pChEMBL of the rows that count as potency, the
number of measurements, assays and documents, and the censored (inactive-side) rows beside them
(DESIGN §4). A ChEMBL drug_mechanism record with no measurement on the same (parent, target) gets
a row of its own (``standard_type`` MECHANISM).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from senotarget.schema import (
    MECHANISM_ONLY,
    ActivityCols,
    CuratedCols,
    EvidenceCols,
    MechanismCols,
    ParentCols,
    SupportCols,
    TargetCols,
    chembl_number,
)
from senotarget.stages.action_types import positive_types
from senotarget.stages.curate import ACTIVATION_WORDS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["aggregate_evidence"]


def aggregate_evidence(
    curated: pd.DataFrame,
    parents: pd.DataFrame,
    mechanisms: pd.DataFrame,
    targets: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Aggregate curated activities and mechanisms on the parent compound.

    :param curated: :func:`flag_activities` output
    :param parents: molecule -> parent map (:class:`ParentCols`)
    :param mechanisms: drug_mechanism records (:class:`MechanismCols`)
    :param targets: resolved targets (gives the panel genes each target contains)
    :returns: ``(evidence, support)``: :class:`EvidenceCols` rows, one per (parent, target,
        standard_type), plus a MECHANISM row where a mechanism has no measurement beside it; and
        :class:`SupportCols`, the distinct (parent, target, assay, document) of counted rows
    """
    import pandas as pd

    parent_of = parents.set_index(ParentCols.MOLECULE_CHEMBL_ID)[ParentCols.PARENT_CHEMBL_ID]
    genes = (
        targets[targets[TargetCols.STATUS] == "resolved"]
        .groupby(TargetCols.TARGET_CHEMBL_ID)[TargetCols.GENE_SYMBOL]
        .agg(lambda g: ";".join(sorted(set(g))))
    )
    types = targets.drop_duplicates(TargetCols.TARGET_CHEMBL_ID).set_index(
        TargetCols.TARGET_CHEMBL_ID
    )[TargetCols.TARGET_TYPE]

    frame = curated.copy()
    molecule = frame[ActivityCols.MOLECULE_CHEMBL_ID]
    frame[CuratedCols.PARENT_CHEMBL_ID] = molecule.map(parent_of).fillna(molecule)
    keys = [CuratedCols.PARENT_CHEMBL_ID, ActivityCols.TARGET_CHEMBL_ID, ActivityCols.STANDARD_TYPE]
    frame[ActivityCols.STANDARD_TYPE] = frame[ActivityCols.STANDARD_TYPE].fillna("(none)")
    counted = frame[frame[CuratedCols.STATUS] != "exclude"]
    use = frame[CuratedCols.POTENCY_USE]
    positive_action = frame[ActivityCols.ACTION_TYPE].fillna("").str.upper().isin(positive_types())
    frame["_activation"] = (
        frame[ActivityCols.STANDARD_TYPE].isin({"EC50", "AC50"})
        & (
            frame[ActivityCols.ASSAY_DESCRIPTION].fillna("").str.contains(ACTIVATION_WORDS)
            | positive_action
        )
        & (frame[CuratedCols.STATUS] != "exclude")
    )
    frame["_potency"] = frame[CuratedCols.PCHEMBL].where(use == "potency")
    frame["_is_potency"] = use == "potency"
    frame["_inactive"] = use == "inactive"
    frame["_active_censored"] = use == "active_censored"
    frame["_excluded"] = use == "excluded"
    frame["_action"] = frame[ActivityCols.ACTION_TYPE].where(frame[CuratedCols.STATUS] != "exclude")

    grouped = frame.groupby(keys, sort=True, dropna=False)
    evidence = grouped.agg(
        median_pchembl=("_potency", "median"),
        n_measurements=("_is_potency", "sum"),
        censored_inactive=("_inactive", "sum"),
        n_active_censored=("_active_censored", "sum"),
        n_excluded=("_excluded", "sum"),
        activation_assay=("_activation", "any"),
    ).reset_index()
    counted_groups = counted.groupby(keys, sort=True, dropna=False)
    extra = pd.DataFrame(
        {
            EvidenceCols.N_ASSAYS: counted_groups[ActivityCols.ASSAY_CHEMBL_ID].nunique(),
            EvidenceCols.N_DOCUMENTS: counted_groups[ActivityCols.DOCUMENT_CHEMBL_ID].nunique(),
        }
    ).reset_index()
    evidence = evidence.merge(extra, on=keys, how="left")
    evidence[[EvidenceCols.N_ASSAYS, EvidenceCols.N_DOCUMENTS]] = (
        evidence[[EvidenceCols.N_ASSAYS, EvidenceCols.N_DOCUMENTS]].fillna(0).astype("int64")
    )
    evidence[EvidenceCols.FLAGS] = _union_tokens(frame, keys, CuratedCols.FLAGS, evidence)
    evidence[EvidenceCols.ACTIVITY_ACTION_TYPE] = _union_tokens(frame, keys, "_action", evidence)
    evidence[EvidenceCols.SOURCE_MOLECULES] = _union_tokens(
        frame, keys, ActivityCols.MOLECULE_CHEMBL_ID, evidence
    )
    evidence = evidence.rename(
        columns={
            CuratedCols.PARENT_CHEMBL_ID: EvidenceCols.MOLECULE_CHEMBL_ID,
            ActivityCols.TARGET_CHEMBL_ID: EvidenceCols.TARGET_CHEMBL_ID,
        }
    )

    evidence = _attach_mechanisms(evidence, mechanisms, parent_of)
    evidence[EvidenceCols.GENE_SYMBOLS] = (
        evidence[EvidenceCols.TARGET_CHEMBL_ID].map(genes).fillna("")
    )
    evidence[EvidenceCols.TARGET_TYPE] = (
        evidence[EvidenceCols.TARGET_CHEMBL_ID].map(types).fillna("")
    )
    evidence[EvidenceCols.ACTION_TYPE] = [
        ";".join(sorted({*a.split(";"), *m.split(";")} - {""}))
        for a, m in zip(
            evidence[EvidenceCols.ACTIVITY_ACTION_TYPE],
            evidence[EvidenceCols.MECHANISM_ACTION_TYPE],
            strict=True,
        )
    ]
    for column in (
        EvidenceCols.N_MEASUREMENTS,
        EvidenceCols.CENSORED_INACTIVE,
        EvidenceCols.N_ACTIVE_CENSORED,
        EvidenceCols.N_EXCLUDED,
    ):
        evidence[column] = evidence[column].fillna(0).astype("int64")
    evidence[EvidenceCols.ACTIVATION_ASSAY] = (
        evidence[EvidenceCols.ACTIVATION_ASSAY].astype("boolean").fillna(False).astype(bool)
    )
    evidence[EvidenceCols.MEDIAN_PCHEMBL] = (
        evidence[EvidenceCols.MEDIAN_PCHEMBL].astype("float64").round(2)
    )
    evidence = (
        evidence.assign(
            _m=chembl_number(evidence[EvidenceCols.MOLECULE_CHEMBL_ID]),
            _t=chembl_number(evidence[EvidenceCols.TARGET_CHEMBL_ID]),
        )
        .sort_values(["_m", EvidenceCols.MOLECULE_CHEMBL_ID, "_t", EvidenceCols.STANDARD_TYPE])
        .reset_index(drop=True)
    )

    support = (
        counted.loc[
            :,
            [
                CuratedCols.PARENT_CHEMBL_ID,
                ActivityCols.TARGET_CHEMBL_ID,
                ActivityCols.ASSAY_CHEMBL_ID,
                ActivityCols.DOCUMENT_CHEMBL_ID,
            ],
        ]
        .drop_duplicates()
        .rename(columns={CuratedCols.PARENT_CHEMBL_ID: SupportCols.MOLECULE_CHEMBL_ID})
        .reset_index(drop=True)
    )
    return (
        EvidenceCols.check(evidence.loc[:, list(EvidenceCols.ORDER)], "aggregate (evidence)"),
        SupportCols.check(support.loc[:, list(SupportCols.ORDER)], "aggregate (support)"),
    )


def _union_tokens(
    frame: pd.DataFrame, keys: list[str], column: str, evidence: pd.DataFrame
) -> list[str]:
    """Per group of ``keys``, the sorted union of ``;``-joined tokens in ``column``.

    Only groups with any token pay for Python joining; the rest get "".
    """
    present = frame.loc[frame[column].notna() & (frame[column].astype(str) != ""), [*keys, column]]
    if present.empty:
        return [""] * len(evidence)
    exploded = present.assign(**{column: present[column].astype(str).str.split(";")}).explode(
        column
    )
    exploded = exploded.drop_duplicates()
    joined = exploded.groupby(keys, sort=False)[column].agg(lambda s: ";".join(sorted(s)))
    index = list(zip(*(evidence[k] for k in keys), strict=True))
    lookup = joined.to_dict()
    return [lookup.get(key, "") for key in index]


def _attach_mechanisms(
    evidence: pd.DataFrame, mechanisms: pd.DataFrame, parent_of: pd.Series
) -> pd.DataFrame:
    import pandas as pd

    if mechanisms.empty:
        for column in (
            EvidenceCols.MECHANISM_ACTION_TYPE,
            EvidenceCols.MECHANISM_OF_ACTION,
            EvidenceCols.MECHANISM_MOLECULES,
        ):
            evidence[column] = ""
        return evidence
    mech = mechanisms.copy()
    molecule = mech[MechanismCols.MOLECULE_CHEMBL_ID]
    mech["_parent"] = molecule.map(parent_of).fillna(molecule)
    by_pair = (
        mech.groupby(["_parent", MechanismCols.TARGET_CHEMBL_ID], sort=True)
        .agg(
            mechanism_action_type=(
                MechanismCols.ACTION_TYPE,
                lambda s: ";".join(sorted(set(s.dropna()))),
            ),
            mechanism_of_action=(
                MechanismCols.MECHANISM_OF_ACTION,
                lambda s: ";".join(sorted(set(s.dropna()))),
            ),
            mechanism_molecules=(
                MechanismCols.MOLECULE_CHEMBL_ID,
                lambda s: ";".join(sorted(set(s))),
            ),
        )
        .reset_index()
        .rename(
            columns={
                "_parent": EvidenceCols.MOLECULE_CHEMBL_ID,
                MechanismCols.TARGET_CHEMBL_ID: EvidenceCols.TARGET_CHEMBL_ID,
            }
        )
    )
    pair = [EvidenceCols.MOLECULE_CHEMBL_ID, EvidenceCols.TARGET_CHEMBL_ID]
    merged = evidence.merge(by_pair, on=pair, how="left")
    have = set(zip(evidence[pair[0]], evidence[pair[1]], strict=True))
    only = by_pair[
        [(m, t) not in have for m, t in zip(by_pair[pair[0]], by_pair[pair[1]], strict=True)]
    ]
    if not only.empty:
        defaults: dict[str, Any] = {
            EvidenceCols.STANDARD_TYPE: MECHANISM_ONLY,
            EvidenceCols.MEDIAN_PCHEMBL: math.nan,
            EvidenceCols.N_MEASUREMENTS: 0,
            EvidenceCols.CENSORED_INACTIVE: 0,
            EvidenceCols.N_ACTIVE_CENSORED: 0,
            EvidenceCols.N_EXCLUDED: 0,
            EvidenceCols.ACTIVATION_ASSAY: False,
            EvidenceCols.N_ASSAYS: 0,
            EvidenceCols.N_DOCUMENTS: 0,
            EvidenceCols.FLAGS: "",
            EvidenceCols.ACTIVITY_ACTION_TYPE: "",
            EvidenceCols.SOURCE_MOLECULES: "",
        }
        rows = only.copy()
        for column, value in defaults.items():
            rows[column] = value
        merged = pd.concat([merged, rows], ignore_index=True)
    for column in (
        EvidenceCols.MECHANISM_ACTION_TYPE,
        EvidenceCols.MECHANISM_OF_ACTION,
        EvidenceCols.MECHANISM_MOLECULES,
    ):
        merged[column] = merged[column].fillna("")
    return merged
