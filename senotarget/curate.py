"""Curate activities: flag (never drop) each row, then aggregate per (parent, target, type).

Curation is a registry of small named rules (the practice of the ChEMBL structure pipeline's
checker): each rule has a stable id, a severity and an explanation, and every activity row gets the
sorted ids of the rules it hits in ``flags`` and the worst severity in ``status``. Rows with status
``exclude`` stay in the table and are counted (``n_excluded``); they just do not count as evidence.

Rules follow ChEMBL's own data model (Bento et al. 2014 Nucleic Acids Res 42:D1083; Zdrazil et al.
2024 Nucleic Acids Res 52:D1180) and its FAQ on pChEMBL, confidence scores and data validity
comments (https://chembl.gitbook.io/chembl-interface-documentation/frequently-asked-questions).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from senotarget.resolve import confidence_threshold
from senotarget.schema import (
    MECHANISM_ONLY,
    ActivityCols,
    CuratedCols,
    EvidenceCols,
    MechanismCols,
    Method,
    ParentCols,
    SupportCols,
    TargetCols,
    chembl_number,
)

if TYPE_CHECKING:
    import pandas as pd

    from senotarget.config import Thresholds

__all__ = [
    "METHODS",
    "PCHEMBL_TYPES",
    "RULES",
    "Rule",
    "aggregate_evidence",
    "flag_activities",
]

#: Activity types ChEMBL computes a pChEMBL value for (-log10 of the molar value), when the
#: relation is '=', the units are nM and no data validity comment applies (ChEMBL FAQ, "What is
#: the pChEMBL value?"; Bento et al. 2014).
PCHEMBL_TYPES: Final = frozenset({"IC50", "XC50", "EC50", "AC50", "Ki", "Kd", "Potency", "ED50"})
#: A data_validity_comment that confirms the value rather than doubting it.
VALIDATED: Final = "Manually validated"
#: activity_comment values that state the compound was inactive (ChEMBL activity_comment
#: vocabulary, case varies by depositor).
INACTIVE_COMMENTS: Final = frozenset({"not active", "inactive"})
_GREATER: Final = frozenset({">", ">=", ">>"})
_LESS: Final = frozenset({"<", "<=", "<<"})
#: Assay types that measure the target itself: B (binding) and F (functional). A (ADMET), T
#: (toxicity), P (physicochemical) and U (unclassified) do not (ChEMBL assay_type lookup).
TARGET_ASSAY_TYPES: Final = frozenset({"B", "F"})
#: Words in an assay description that make an EC50/AC50 an activation measurement (DESIGN §4).
ACTIVATION_WORDS: Final = re.compile(r"activat|agonis|potentiat|enhanc|stimulat", re.IGNORECASE)


#: Where the curation rules come from: ChEMBL's FAQ answers, with the papers describing the data.
_FAQ: Final = "https://chembl.gitbook.io/chembl-interface-documentation/frequently-asked-questions/chembl-data-questions"
PCHEMBL_CITE: Final = (
    f"ChEMBL FAQ 'What is pChEMBL?' ({_FAQ}); Bento et al. 2014 Nucleic Acids Res 42:D1083"
)
RELATION_CITE: Final = f"ChEMBL activity standard_relation / activity_comment ({_FAQ})"
CONFIDENCE_CITE: Final = f"ChEMBL FAQ 'What is the confidence score?' ({_FAQ})"
VALIDITY_CITE: Final = (
    f"ChEMBL data_validity_comment and potential_duplicate ({_FAQ}); "
    "Bento et al. 2014 Nucleic Acids Res 42:D1083"
)


@dataclass(frozen=True)
class Rule:
    """One curation rule: stable id, severity, why it exists, and the source it follows."""

    id: str
    severity: Literal["flag", "exclude"]
    explanation: str
    citation: str


RULES: Final = (
    Rule(
        "approximate_value",
        "flag",
        "standard_relation '~': an approximate value; not used as potency (ChEMBL computes "
        "pChEMBL only for '=')",
        PCHEMBL_CITE,
    ),
    Rule(
        "censored_active",
        "flag",
        "standard_relation '<': the value is an upper bound (at least this potent); kept as "
        "evidence of activity but not used in the median",
        RELATION_CITE,
    ),
    Rule(
        "censored_inactive",
        "flag",
        "standard_relation '>': the value is a lower bound (inactive side); counted as "
        "censored_inactive and never a label on its own",
        RELATION_CITE,
    ),
    Rule(
        "confidence_unknown",
        "flag",
        "the assay has no confidence_score: kept, neither passed nor dropped",
        CONFIDENCE_CITE,
    ),
    Rule(
        "data_validity",
        "exclude",
        "ChEMBL data_validity_comment doubts the value (e.g. 'Outside typical range', "
        "'Potential transcription error')",
        VALIDITY_CITE,
    ),
    Rule(
        "inactive_comment",
        "flag",
        "activity_comment says the compound was inactive ('Not Active', 'inactive')",
        RELATION_CITE,
    ),
    Rule(
        "low_confidence",
        "exclude",
        "assay confidence_score below the threshold for the target type (single protein: 8, "
        "complex or family: 6; configurable)",
        CONFIDENCE_CITE,
    ),
    Rule(
        "non_nm_units",
        "exclude",
        "a concentration-type value whose standard_units are not nM and that has no pChEMBL "
        "value: not comparable",
        PCHEMBL_CITE,
    ),
    Rule(
        "non_target_assay",
        "exclude",
        "assay_type is not B (binding) or F (functional): ADMET, toxicity or physicochemical",
        "ChEMBL assay_type (Gaulton et al. 2012 Nucleic Acids Res 40:D1100)",
    ),
    Rule(
        "pchembl_computed",
        "flag",
        "the row qualifies for a pChEMBL value by ChEMBL's definition but the release left it "
        "empty; computed here as 9 - log10(standard_value in nM)",
        PCHEMBL_CITE,
    ),
    Rule(
        "potential_duplicate",
        "exclude",
        "potential_duplicate = 1: ChEMBL marks the value as a likely repeat citation of an "
        "earlier measurement",
        VALIDITY_CITE,
    ),
)
#: The aggregation rules, for the report's Methods section (the RULES above are listed too).
METHODS: Final = (
    Method(
        "curate",
        "flags, never drops",
        "Every activity row keeps the ids of the rules it hits; rows whose worst rule is 'exclude' "
        "stay in the data and are counted, but are not evidence.",
        "Fourches et al. 2010 J Chem Inf Model 50:1189 (curate before modelling)",
    ),
    Method(
        "curate",
        "aggregation on the parent",
        "Counted rows are aggregated per (parent compound, target, standard_type): median "
        "pChEMBL of exact values, distinct assays and documents; salts and free base share "
        "evidence through their parent.",
        PCHEMBL_CITE,
    ),
)
_SEVERITY: Final = {rule.id: rule.severity for rule in RULES}


def flag_activities(
    activities: pd.DataFrame, targets: pd.DataFrame, thresholds: Thresholds
) -> pd.DataFrame:
    """Flag every activity row and fill the pChEMBL value where ChEMBL's definition allows.

    :param activities: :class:`ActivityCols` rows from a source
    :param targets: resolved targets (gives each target's type, hence its confidence threshold)
    :param thresholds: the confidence thresholds
    :returns: the activities plus ``pchembl`` (ChEMBL's, or computed), ``potency_use``
        (``potency``: '=' value with a pChEMBL; ``inactive``: '>' or an inactive comment;
        ``active_censored``: '<'; ``excluded``; ``none``: not a potency measurement), ``flags``
        (sorted rule ids, ``;``-joined) and ``status`` (``ok`` < ``flag`` < ``exclude``)
    """
    import numpy as np
    import pandas as pd

    frame = activities.copy(deep=False)  # copy-on-write: new columns never touch the input
    target_types = targets.drop_duplicates(TargetCols.TARGET_CHEMBL_ID).set_index(
        TargetCols.TARGET_CHEMBL_ID
    )[TargetCols.TARGET_TYPE]
    codes, uniques = pd.factorize(frame[ActivityCols.TARGET_CHEMBL_ID])
    per_target = np.array(
        [confidence_threshold(str(target_types.get(t, "")), thresholds) for t in uniques] + [99]
    )
    minimum = per_target[codes]  # code -1 (no target id) takes the impossible threshold 99
    relation = frame[ActivityCols.STANDARD_RELATION].fillna("")
    stype = frame[ActivityCols.STANDARD_TYPE].fillna("")
    units = frame[ActivityCols.STANDARD_UNITS].fillna("")
    value = pd.to_numeric(frame[ActivityCols.STANDARD_VALUE], errors="coerce")
    pchembl = pd.to_numeric(frame[ActivityCols.PCHEMBL_VALUE], errors="coerce")
    validity = frame[ActivityCols.DATA_VALIDITY_COMMENT]
    doubtful = validity.notna() & (validity != VALIDATED)
    confidence = pd.to_numeric(frame[ActivityCols.CONFIDENCE_SCORE], errors="coerce")
    comments = frame[ActivityCols.ACTIVITY_COMMENT]
    inactive_spellings = {
        c for c in pd.unique(comments.dropna()) if str(c).strip().lower() in INACTIVE_COMMENTS
    }
    concentration = stype.isin(PCHEMBL_TYPES)
    duplicate = pd.to_numeric(frame[ActivityCols.POTENTIAL_DUPLICATE], errors="coerce") == 1

    computable = (
        pchembl.isna()
        & concentration
        & (relation == "=")
        & (units == "nM")
        & (value > 0)
        & ~doubtful
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        computed = (9.0 - np.log10(value.where(computable))).round(2)
    masks = {
        "approximate_value": relation == "~",
        "censored_active": concentration & relation.isin(_LESS),
        "censored_inactive": concentration & relation.isin(_GREATER),
        "confidence_unknown": confidence.isna(),
        "data_validity": doubtful,
        "inactive_comment": comments.isin(inactive_spellings),
        "low_confidence": confidence.notna() & (confidence < minimum),
        "non_nm_units": concentration & value.notna() & (units != "nM") & pchembl.isna(),
        "non_target_assay": ~frame[ActivityCols.ASSAY_TYPE].isin(TARGET_ASSAY_TYPES),
        "pchembl_computed": computable,
        "potential_duplicate": duplicate,
    }
    flags = _join_masks(masks, len(frame))
    exclude = np.zeros(len(frame), dtype=bool)
    flagged = np.zeros(len(frame), dtype=bool)
    for rule_id, mask in masks.items():
        if _SEVERITY[rule_id] == "exclude":
            exclude |= mask.to_numpy(dtype=bool)
        else:
            flagged |= mask.to_numpy(dtype=bool)

    frame[CuratedCols.PCHEMBL] = pchembl.fillna(computed)
    uses = np.array(["excluded", "potency", "inactive", "active_censored", "none"], dtype=object)
    use = uses[
        np.select(
            [
                exclude,
                ((relation == "=") & frame[CuratedCols.PCHEMBL].notna()).to_numpy(),
                (masks["censored_inactive"] | masks["inactive_comment"]).to_numpy(),
                masks["censored_active"].to_numpy(),
            ],
            [0, 1, 2, 3],
            default=4,
        )
    ]
    # Object columns: a small vocabulary does not pay for pandas 3's string conversion.
    frame[CuratedCols.POTENCY_USE] = pd.Series(use, index=frame.index, dtype=object)
    frame[CuratedCols.FLAGS] = pd.Series(flags, index=frame.index, dtype=object)
    statuses = np.array(["ok", "flag", "exclude"], dtype=object)
    status = statuses[np.where(exclude, 2, np.where(flagged, 1, 0))]
    frame[CuratedCols.STATUS] = pd.Series(status, index=frame.index, dtype=object)
    return frame


def _join_masks(masks: dict[str, pd.Series], length: int) -> Any:
    """Sorted ``;``-joined rule ids per row.

    Each row's rule hits are packed into one integer; the text is built once per distinct
    combination (a handful), not once per row.
    """
    import numpy as np
    import pandas as pd

    rule_ids = sorted(masks)
    packed = np.zeros(length, dtype=np.int64)
    for bit, rule_id in enumerate(rule_ids):
        packed |= masks[rule_id].to_numpy(dtype=bool).astype(np.int64) << bit
    inverse, combos = pd.factorize(packed)
    texts = np.array(
        [
            ";".join(r for bit, r in enumerate(rule_ids) if int(combo) >> bit & 1)
            for combo in combos
        ],
        dtype=object,
    )
    return texts[inverse]


def rule_counts(curated: pd.DataFrame) -> dict[str, int]:
    """How many activity rows each rule hit (for the manifest and the report)."""
    counts = dict.fromkeys(sorted(_SEVERITY), 0)
    for flags, n in curated[CuratedCols.FLAGS].value_counts().items():
        for token in str(flags).split(";"):
            if token:
                counts[token] += int(n)
    return counts


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
    positive_action = (
        frame[ActivityCols.ACTION_TYPE]
        .fillna("")
        .str.upper()
        .isin(
            {
                "ACTIVATOR",
                "AGONIST",
                "PARTIAL AGONIST",
                "POSITIVE ALLOSTERIC MODULATOR",
                "POSITIVE MODULATOR",
                "OPENER",
            }
        )
    )
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
    return evidence.loc[:, list(EvidenceCols.ORDER)], support.loc[:, list(SupportCols.ORDER)]


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
