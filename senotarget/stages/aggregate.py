"""The aggregate stage: curated activities and mechanisms summarised on the parent compound.

Its input rows have been judged by the curate stage's row rules and, once parents are known, by
its group rules (:func:`curate.flag_groups`: probable unit errors, measured values outnumbered by
inactive-side assays, a single assay that contradicts the others; the pipeline applies them once),
so potency respects all the evidence on a (parent, target) before it is summarised. Per
(parent, target, standard_type): the median pChEMBL of the rows that still
count as potency, the number of measurements, assays and documents, the censored (inactive-side)
rows beside them, the measured values an evidence rule set aside (``n_untrusted``) and the kinds of
assay the counted rows come from (``assay_kinds``: biochemical, cell-based, ...) (DESIGN §4).

Unknown is not zero: ``n_documents`` counts the known documents and is missing where no counted row
has a document id; ``n_documents_unknown`` counts the assays whose rows lack one. A flag that nearly
every row carries because the release lacks a field (:func:`curate.release_wide_flags`) is left out
of the evidence ``flags``; the run says it once. A ChEMBL drug_mechanism record with no measurement
on the same (parent, target) gets a row of its own (``standard_type`` MECHANISM).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final

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
from senotarget.stages.curate import (
    ACTIVATION_WORDS,
    RELEASE_WIDE_SHARE,
    assay_kind,
    carries,
    parent_ids,
    release_wide_flags,
)
from senotarget.stages.support import sort_support

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

__all__ = ["aggregate_evidence"]

#: The rules that set a measured '=' value aside (it is not potency): counted in n_untrusted.
_SET_ASIDE: Final = frozenset(
    {
        "contradicted_by_inactive",
        "contradicts_other_assays",
        "implausible_value",
        "inactive_comment",
        "probable_unit_error",
    }
)


def aggregate_evidence(
    curated: pd.DataFrame,
    parents: pd.DataFrame,
    mechanisms: pd.DataFrame,
    targets: pd.DataFrame,
    *,
    release_share: float = RELEASE_WIDE_SHARE,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Aggregate curated activities and mechanisms on the parent compound.

    The whole table at once: :func:`aggregate_activities` on it, then :func:`combine`. A run
    holds its activities in partitions and calls the two itself.

    :param curated: :func:`flag_activities` output passed through :func:`curate.flag_groups`
        with the same ``parents`` (rows not judged by the group rules would keep values those
        rules set aside)
    :param parents: molecule -> parent map (:class:`ParentCols`)
    :param mechanisms: drug_mechanism records (:class:`MechanismCols`)
    :param targets: resolved targets (gives the panel genes each target contains)
    :param release_share: the share of rows at which a release-field flag is said once, not per
        evidence row (:func:`curate.release_wide_flags`)
    :returns: ``(evidence, support)``: :class:`EvidenceCols` rows, one per (parent, target,
        standard_type), plus a MECHANISM row where a mechanism has no measurement beside it; and
        :class:`SupportCols`, the distinct (parent, target, assay, document) of counted rows
    """
    said_once = frozenset(release_wide_flags(curated, release_share))
    evidence, support = aggregate_activities(curated, parents, said_once=said_once)
    return combine([evidence], parents, mechanisms, targets), sort_support(support)


def aggregate_activities(
    curated: pd.DataFrame, parents: pd.DataFrame, *, said_once: frozenset[str] = frozenset()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Aggregate the activity rows of whole (parent, target) groups: one partition of a run.

    Every row of a parent compound on a target must be in the same call (the run partitions its
    rows by parent, :func:`senotarget.util.partitions.bucket_of`); the answer of several calls,
    given to :func:`combine`, is then the answer of one call on all their rows.

    :param curated: rows passed through :func:`curate.flag_groups`
    :param parents: molecule -> parent map covering the rows' molecules
    :param said_once: the release-wide flags (:func:`curate.release_wide_flags` of all the run's
        rows), left out of the evidence ``flags``
    :returns: ``(evidence, support)`` of these rows, before mechanisms and target columns
    """
    import numpy as np
    import pandas as pd

    frame = curated.copy()
    frame[CuratedCols.PARENT_CHEMBL_ID] = parent_ids(frame, parents)
    keys = [CuratedCols.PARENT_CHEMBL_ID, ActivityCols.TARGET_CHEMBL_ID, ActivityCols.STANDARD_TYPE]
    frame[ActivityCols.STANDARD_TYPE] = frame[ActivityCols.STANDARD_TYPE].fillna("(none)")
    use = frame[CuratedCols.POTENCY_USE]
    positive_action = frame[ActivityCols.ACTION_TYPE].fillna("").str.upper().isin(positive_types())
    # The description regex runs once per distinct description (one per assay), not per row.
    codes, descriptions = pd.factorize(frame[ActivityCols.ASSAY_DESCRIPTION])
    activation_words = np.array(
        [bool(ACTIVATION_WORDS.search(str(d))) for d in descriptions] + [False]
    )[codes]
    frame["_activation"] = (
        frame[ActivityCols.STANDARD_TYPE].isin({"EC50", "AC50"})
        & (activation_words | positive_action)
        & (frame[CuratedCols.STATUS] != "exclude")
    )
    frame["_potency"] = frame[CuratedCols.PCHEMBL].where(use == "potency")
    frame["_is_potency"] = use == "potency"
    frame["_inactive"] = use == "inactive"
    frame["_active_censored"] = use == "active_censored"
    frame["_excluded"] = use == "excluded"
    counts = frame[CuratedCols.STATUS] != "exclude"
    frame["_action"] = frame[ActivityCols.ACTION_TYPE].where(counts)
    frame["_kind"] = assay_kind(
        frame[ActivityCols.ASSAY_TYPE], frame[ActivityCols.BAO_FORMAT]
    ).where(counts)
    # A measured value (an '=' with a pChEMBL, or one too implausible to get one) that an evidence
    # rule set aside.
    flags = frame[CuratedCols.FLAGS]
    frame["_untrusted"] = (
        counts
        & (use != "potency")
        & (frame[ActivityCols.STANDARD_RELATION] == "=")
        & (frame[CuratedCols.PCHEMBL].notna() | carries(flags, ("implausible_value",)))
        & carries(flags, _SET_ASIDE)
    )
    document = frame[ActivityCols.DOCUMENT_CHEMBL_ID]
    frame["_undocumented_assay"] = frame[ActivityCols.ASSAY_CHEMBL_ID].where(
        counts & (document.isna() | (document.astype(str) == ""))
    )
    frame["_document"] = document.where(document.astype(str) != "")

    grouped = frame.groupby(keys, sort=True, dropna=False)
    evidence = grouped.agg(
        median_pchembl=("_potency", "median"),
        n_measurements=("_is_potency", "sum"),
        censored_inactive=("_inactive", "sum"),
        n_active_censored=("_active_censored", "sum"),
        n_excluded=("_excluded", "sum"),
        activation_assay=("_activation", "any"),
        n_untrusted=("_untrusted", "sum"),
        n_documents_unknown=("_undocumented_assay", "nunique"),
    ).reset_index()
    counted = frame[counts]
    counted_groups = counted.groupby(keys, sort=True, dropna=False)
    extra = pd.DataFrame(
        {
            EvidenceCols.N_ASSAYS: counted_groups[ActivityCols.ASSAY_CHEMBL_ID].nunique(),
            "_known_documents": counted_groups["_document"].nunique(),
        }
    ).reset_index()
    evidence = evidence.merge(extra, on=keys, how="left")
    evidence[[EvidenceCols.N_ASSAYS, "_known_documents"]] = (
        evidence[[EvidenceCols.N_ASSAYS, "_known_documents"]].fillna(0).astype("int64")
    )
    # Unknown is not zero: no known document among counted rows that lack one is "unknown".
    evidence[EvidenceCols.N_DOCUMENTS] = (
        evidence["_known_documents"]
        .astype("Int64")
        .mask(
            (evidence["_known_documents"] == 0) & (evidence[EvidenceCols.N_DOCUMENTS_UNKNOWN] > 0)
        )
    )
    evidence[EvidenceCols.FLAGS] = _union_tokens(
        frame, keys, CuratedCols.FLAGS, evidence, drop=said_once
    )
    evidence[EvidenceCols.ASSAY_KINDS] = _union_tokens(frame, keys, "_kind", evidence)
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
    return evidence, support


def combine(
    parts: Sequence[pd.DataFrame],
    parents: pd.DataFrame,
    mechanisms: pd.DataFrame,
    targets: pd.DataFrame,
) -> pd.DataFrame:
    """Join the partitions' evidence, add the mechanisms and the target columns, and sort.

    The partitions' support rows are not joined: they grow with the measurements, and the run
    keeps them as pieces (:class:`senotarget.stages.support.Support`).

    :param parts: the evidence of :func:`aggregate_activities` answers (at least one, maybe of
        no rows)
    :param parents: molecule -> parent map (a mechanism on a salt counts for its parent)
    :param mechanisms: drug_mechanism records (:class:`MechanismCols`)
    :param targets: resolved targets (gives the panel genes each target contains)
    :returns: the evidence as :func:`aggregate_evidence` gives it
    """
    import pandas as pd

    if not parts:
        raise ValueError("combine needs at least one partition (maybe of no rows)")
    filled = [p for p in parts if len(p)] or [parts[0]]
    evidence = pd.concat(filled, ignore_index=True)
    parent_of = parents.drop_duplicates(ParentCols.MOLECULE_CHEMBL_ID).set_index(
        ParentCols.MOLECULE_CHEMBL_ID
    )[ParentCols.PARENT_CHEMBL_ID]
    genes = (
        targets[targets[TargetCols.STATUS] == "resolved"]
        .groupby(TargetCols.TARGET_CHEMBL_ID)[TargetCols.GENE_SYMBOL]
        .agg(lambda g: ";".join(sorted(set(g))))
    )
    types = targets.drop_duplicates(TargetCols.TARGET_CHEMBL_ID).set_index(
        TargetCols.TARGET_CHEMBL_ID
    )[TargetCols.TARGET_TYPE]

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
        EvidenceCols.N_UNTRUSTED,
        EvidenceCols.N_DOCUMENTS_UNKNOWN,
    ):
        evidence[column] = evidence[column].fillna(0).astype("int64")
    evidence[EvidenceCols.N_DOCUMENTS] = evidence[EvidenceCols.N_DOCUMENTS].astype("Int64")
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

    return EvidenceCols.check(evidence.loc[:, list(EvidenceCols.ORDER)], "aggregate (evidence)")


def _union_tokens(
    frame: pd.DataFrame,
    keys: list[str],
    column: str,
    evidence: pd.DataFrame,
    drop: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """Per group of ``keys``, the sorted union of ``;``-joined tokens in ``column``.

    Tokens in ``drop`` are left out. Cells are split once per distinct value and groups are
    joined in one pass over the distinct (group, cell) pairs; groups without a token get "".
    """
    import numpy as np
    import pandas as pd

    values = frame[column]
    present = (values.notna() & (values.astype(str) != "")).to_numpy()
    if not present.any():
        return [""] * len(evidence)
    cell_codes, cells = pd.factorize(values[present].astype(str))
    present_keys = frame.loc[present, keys].reset_index(drop=True)
    grouper = present_keys.groupby(keys, sort=False, dropna=False)
    group_codes = grouper.ngroup().to_numpy()  # numbered in order of first appearance
    groups = grouper.head(1).reset_index(drop=True)  # the same order
    tokens = [frozenset(t for t in str(c).split(";") if t) - drop for c in cells]
    texts_of_cell = [";".join(sorted(t)) for t in tokens]
    n_cells = len(cells)
    pairs = np.unique(group_codes.astype(np.int64) * n_cells + cell_codes)
    group, cell = pairs // n_cells, pairs % n_cells
    texts = [""] * len(groups)
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    ends = np.r_[starts[1:], len(group)]
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if end - start == 1:
            texts[group[start]] = texts_of_cell[cell[start]]
        else:
            union = frozenset().union(*(tokens[c] for c in cell[start:end]))
            texts[group[start]] = ";".join(sorted(union))
    table = groups.assign(_text=texts)
    joined = evidence[keys].merge(table, on=keys, how="left")
    return joined["_text"].fillna("").tolist()


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
            EvidenceCols.ASSAY_KINDS: "",
            EvidenceCols.N_DOCUMENTS_UNKNOWN: 0,
            EvidenceCols.N_UNTRUSTED: 0,
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
